"""Checks of the command line's values, made before any work starts.

Each ``argparse`` ``type=`` function here refuses what the command could not use
(a non-finite number, a rate of 1.5, zero epochs) with a message saying what was
expected and what was received, so that a run never fails after minutes of training.
A problem the user can fix is a :class:`CommandError`: one line, no traceback.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from digitwidget.nn.loading import DEFAULT, SHIPPED

if TYPE_CHECKING:
    from digitwidget.nn import Model

PROG = "digitwidget"

MNIST_TRAIN = 60_000
"""Images in MNIST's training set."""

MODEL_HELP = (
    f"a shipped model's name, {' or '.join(SHIPPED)} (default: {DEFAULT}), or a .npz or "
    ".keras model file"
)


class CommandError(Exception):
    """A problem the user can fix; printed as one line, no traceback."""


def integer(low: int, high: int) -> Callable[[str], int]:
    """An ``argparse`` type: an integer from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            msg = f"expected an integer from {low:,} to {high:,}, received {text!r}"
            raise argparse.ArgumentTypeError(msg) from None
        if not low <= value <= high:
            msg = f"expected an integer from {low:,} to {high:,}, received {value:,}"
            raise argparse.ArgumentTypeError(msg)
        return value

    return parse


def number(
    low: float, high: float = math.inf, *, low_open: bool = False, high_open: bool = False
) -> Callable[[str], float]:
    """An ``argparse`` type: a finite number from ``low`` to ``high`` (``*_open``: excluded)."""
    left = "(" if low_open else "["
    right = (f"{high:g}" + (")" if high_open else "]")) if math.isfinite(high) else "infinity)"
    expected = f"a finite number in {left}{low:g}, {right}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            msg = f"expected {expected}, received {text!r}"
            raise argparse.ArgumentTypeError(msg) from None
        inside = (low < value if low_open else low <= value) and (
            value < high if high_open else value <= high
        )
        if not (math.isfinite(value) and inside):
            msg = f"expected {expected}, received {text}"
            raise argparse.ArgumentTypeError(msg)
        return value

    return parse


def activation(text: str) -> str:
    """An ``argparse`` type: an activation the NumPy engine can run (it reads the trained file)."""
    from digitwidget.nn.activations import FUNCTIONS

    names = sorted(name for name in FUNCTIONS if name != "softmax")
    if text not in names:
        msg = f"expected one of {', '.join(names)}, received {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return text


def writable(path: str, what: str, *, parents_made: bool) -> str | None:
    """Why the ``what`` cannot be written to ``path``, or None when it can.

    Checked before the work that would write it: ``path`` must not be a folder, and the
    folder it goes in must be one (or, with ``parents_made``, the nearest existing one,
    as the missing ones will be made) and writable.
    """
    target = Path(path)
    if not target.name or target.is_dir():
        return f"{path} is a folder; expected a file name for the {what}"
    parent = target.parent
    while parents_made and not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.exists():
        return f"the folder {parent} does not exist, so the {what} cannot be written to {path}"
    if not parent.is_dir():
        return f"{parent} is not a folder, so the {what} cannot be written to {path}"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"no permission to write in {parent}, so the {what} cannot be written to {path}"
    return None


def load_model_arg(path: str | None) -> Model:
    """The shipped model ``path`` names (None: the default) or the model in the file
    ``path``; any failure is one line naming the file."""
    from digitwidget._files import open_regular
    from digitwidget.nn import load_model

    if path is None or path in SHIPPED:
        return load_model(path)
    try:
        open_regular(path, "model file").close()  # a folder, a pipe, no permission: said here
        return load_model(path)
    except FileNotFoundError:
        msg = (
            f"model file not found: {path} (expected a .npz or .keras file, or a shipped "
            f"model's name: {', '.join(SHIPPED)})"
        )
        raise CommandError(msg) from None
    except ValueError as err:  # ModelFileError and open_regular's messages name the file
        raise CommandError(str(err)) from None
    except Exception as err:  # a reader's unforeseen failure on a damaged file
        msg = f"{path} is not a readable model file: {type(err).__name__}: {err}"
        raise CommandError(msg) from None
