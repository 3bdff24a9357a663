"""MNIST as arrays: found (:mod:`~digitwidget.data.locate`), read and checked."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from digitwidget._files import open_regular
from digitwidget.data.idx import read_idx
from digitwidget.data.locate import HOW_TO_GET, IDX_NAMES, find_mnist, idx_file
from digitwidget.data.npz import read_npz

MNIST = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def _load_npz(path: Path) -> MNIST:
    """Read Keras's ``mnist.npz``; a damaged or foreign file is named, and never unpickled."""
    with open_regular(path, "MNIST .npz file") as handle:
        try:
            arrays = read_npz(path, handle)
        except ValueError as err:
            raise ValueError(f"{err} {HOW_TO_GET}") from None
    missing = sorted({"x_train", "y_train", "x_test", "y_test"} - set(arrays))
    if missing:
        msg = f"{path}: expected arrays x_train, y_train, x_test, y_test; missing {missing}."
        raise ValueError(msg)
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])


def _check_pair(x: np.ndarray, y: np.ndarray, split: str, source: Path) -> None:
    if x.ndim != 3 or x.shape[1:] != (28, 28) or y.shape != (x.shape[0],) or not len(y):
        msg = (
            f"{source}: {split} images {x.shape} and labels {y.shape} do not match; expected "
            "(count, 28, 28) images and (count,) labels with the same count, at least 1."
        )
        raise ValueError(msg)
    if int(y.max()) > 9:
        msg = f"{source}: {split} labels must be 0..9, received a maximum of {int(y.max())}."
        raise ValueError(msg)


def load_mnist(path: str | os.PathLike[str] | None = None) -> MNIST:
    """Load MNIST as uint8 arrays (ink = 255, background = 0).

    Args:
        path: Optional folder with the IDX files or a Keras ``mnist.npz``; see
            :func:`find_mnist` for where it looks otherwise.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: images ``(60000, 28, 28)`` and
        ``(10000, 28, 28)`` uint8, labels ``(60000,)`` and ``(10000,)`` uint8.
    """
    found = find_mnist(path)
    if found.is_file():
        (x_train, y_train), (x_test, y_test) = _load_npz(found)
    else:
        x_train, y_train, x_test, y_test = (
            # a file gone since find_mnist looked: read_idx says which one is missing
            read_idx(idx_file(found, s) or found / s)
            for s in IDX_NAMES.values()
        )
    _check_pair(x_train, y_train, "train", found)
    _check_pair(x_test, y_test, "test", found)
    return (x_train, y_train), (x_test, y_test)
