"""``python -m digitwidget.cli``: the ``digitwidget`` command."""

import sys

from digitwidget.cli.run import main

if __name__ == "__main__":
    sys.exit(main())
