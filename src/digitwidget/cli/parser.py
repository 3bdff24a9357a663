"""The ``digitwidget`` argument parser: the program, its options and its commands."""

from __future__ import annotations

import argparse

import digitwidget.cli.evaluate as evaluate
import digitwidget.cli.info as info
import digitwidget.cli.predict as predict
import digitwidget.cli.train as train
from digitwidget._version import __version__
from digitwidget.cli.args import PROG

EPILOG = """examples:
  digitwidget predict seven.png three.jpg   # drawings, scans and photos of ink on paper
  digitwidget info                          # the shipped default model: layers, provenance
  digitwidget evaluate mlp                  # the shipped MLP on the MNIST test set
  digitwidget train --preset fast --out mymodel   # writes mymodel.npz and mymodel.json
  digitwidget evaluate mymodel.npz --plot cm.png
  digitwidget predict --model mymodel.npz seven.png   # --model mlp: a shipped one
  digitwidget train --preset quick --epochs 3 --keras quick.keras --out quick

training needs the train extra (pip install 'digitwidget[train]') and MNIST;
see digitwidget train --help."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for all subcommands."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Handwritten-digit models: train with Keras, run with the NumPy engine.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    train.add_parser(sub)
    evaluate.add_parser(sub)
    predict.add_parser(sub)
    info.add_parser(sub)
    return parser
