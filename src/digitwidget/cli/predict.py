"""``digitwidget predict``: the digit in each image file, and its probabilities."""

from __future__ import annotations

import argparse
import sys

import numpy as np

from digitwidget.cli.args import MODEL_HELP, PROG, load_model_arg


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``predict`` command and its arguments to the subcommands ``sub``."""
    p = sub.add_parser("predict", help="recognise digits in PNG/JPEG images")
    p.add_argument(
        "images", nargs="+", metavar="IMAGE", help="image files (light or dark background)"
    )
    p.add_argument("--model", metavar="MODEL", help=MODEL_HELP)


def run(args: argparse.Namespace) -> int:
    """Print the digit and its probabilities for each image; an unreadable one is skipped."""
    from digitwidget.images import canvas_from_image
    from digitwidget.preprocess import preprocess

    model = load_model_arg(args.model)
    failed = 0
    for path in args.images:
        try:
            canvas = canvas_from_image(path)
        except (OSError, ValueError, MemoryError) as err:  # its message names the file
            failed += _report(str(err) if path in str(err) else f"{path}: {err!r}")
            continue
        try:
            x28 = preprocess(canvas)
        except ValueError as err:
            failed += _report(f"{path}: {err}")
            continue
        if x28 is None:
            print(f"{path}: blank (no ink found)")
            continue
        probs = np.asarray(model.predict_proba(x28))
        digit = int(np.argmax(probs))
        listing = " ".join(f"{i}:{p:.3f}" for i, p in enumerate(probs))
        print(f"{path}: {digit} ({probs[digit]:.1%})  [{listing}]")
    return 1 if failed else 0


def _report(message: str) -> int:
    """Print one image's error on stderr and go on with the next; returns 1 (one failure)."""
    print(f"{PROG} predict: error: {message}", file=sys.stderr)
    return 1
