"""The ``digitwidget`` command: train, evaluate, predict and inspect digit models.

Examples:
    digitwidget predict my_digit.png
    digitwidget train --preset fast --out mymodel
    digitwidget evaluate mymodel.npz --plot confusion.png
    digitwidget info mymodel.npz
"""

from digitwidget.cli.run import main

__all__ = ["main"]
