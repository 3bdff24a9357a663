"""``digitwidget evaluate``: accuracy and confusion matrix on the MNIST test set."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from digitwidget.cli.args import MODEL_HELP, CommandError, load_model_arg, writable


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``evaluate`` command and its arguments to the subcommands ``sub``."""
    p = sub.add_parser("evaluate", help="accuracy and confusion matrix on the MNIST test set")
    p.add_argument("model", nargs="?", metavar="MODEL", help=MODEL_HELP)
    p.add_argument("--data", metavar="PATH", help="MNIST folder or mnist.npz")
    p.add_argument("--plot", metavar="FILE.png", help="save the confusion matrix as an image")


def run(args: argparse.Namespace) -> int:
    """Print accuracy, per-class accuracy and the confusion matrix."""
    from digitwidget.data import load_mnist

    plot = _plot_path(args.plot) if args.plot else None  # refused before the work
    model = load_model_arg(args.model)
    _, (x_test, y_test) = load_mnist(args.data)
    predicted = np.asarray(model.predict(x_test))
    cm = np.zeros((10, 10), dtype=np.int64)
    np.add.at(cm, (y_test.astype(np.int64), predicted), 1)
    print(f"accuracy {np.trace(cm) / cm.sum():.4f} on {cm.sum()} MNIST test images")
    print("true\\pred " + " ".join(f"{j:>5d}" for j in range(10)) + "  class accuracy")
    for i, row in enumerate(cm):
        print(
            f"{i:>9d} " + " ".join(f"{v:>5d}" for v in row) + f"  {row[i] / max(row.sum(), 1):.4f}"
        )
    if plot is not None:
        from digitwidget.plots import plot_confusion_matrix

        try:
            plot_confusion_matrix(cm).savefig(plot, dpi=100, format=plot.suffix[1:].lower())
        except OSError as err:
            msg = f"cannot write the plot to {plot}: {err.strerror or err}"
            raise CommandError(msg) from None
        print(f"wrote {plot}")
    return 0


def _plot_path(text: str) -> Path:
    """The file ``--plot`` names, refused unless it can be written in a format matplotlib knows."""
    from matplotlib.backend_bases import FigureCanvasBase

    formats = sorted(FigureCanvasBase.get_supported_filetypes())
    path = Path(text)
    suffix = path.suffix[1:].lower()
    if path.is_dir() or not path.name:
        msg = (
            f"--plot {text} is a folder; expected an image file name, e.g. {path / 'confusion.png'}"
        )
        raise CommandError(msg)
    if suffix not in formats:
        received = f"the suffix .{suffix}" if suffix else "no suffix"
        msg = (
            f"--plot {text}: expected a file name ending in the image format, one of "
            f"{', '.join('.' + f for f in formats)}; received {received}."
        )
        raise CommandError(msg)
    problem = writable(text, "plot", parents_made=False)
    if problem:
        raise CommandError(problem)
    return path
