"""Run the ``digitwidget`` command: parse, dispatch, and turn failures into one line."""

from __future__ import annotations

import sys

import digitwidget.cli.evaluate as evaluate
import digitwidget.cli.info as info
import digitwidget.cli.predict as predict
import digitwidget.cli.train as train
from digitwidget.cli.args import PROG, CommandError
from digitwidget.cli.parser import build_parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 on success)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        if args.command == "train":
            return train.run(args, argv)
        commands = {"evaluate": evaluate.run, "predict": predict.run, "info": info.run}
        return commands[args.command](args)
    except BrokenPipeError:
        sys.stderr.close()
        return 1
    except (CommandError, OSError, ValueError, RuntimeError, MemoryError) as err:
        message = " ".join(str(err).split()) or type(err).__name__
        print(f"{PROG} {args.command}: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
