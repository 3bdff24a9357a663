"""Keras's ``mnist.npz`` read within bounds: each array's header is checked before its data.

An ``.npz`` is a zip of ``.npy`` files, read by the engine's own bounded reader
(:mod:`digitwidget.nn.files.zip_members`): each member's compression method, its ``.npy``
header and the size the header implies are checked, here also against what MNIST is,
before a byte of data is read, so a small file cannot unpack to gigabytes, and nothing is
ever unpickled.
"""

from __future__ import annotations

import functools
import zipfile
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np

from digitwidget.nn.files.zip_members import check_member, read_npy

NAMES = ("x_train", "y_train", "x_test", "y_test")
"""The arrays of Keras's ``mnist.npz``."""

MAX_IMAGES = 100_000
"""The most images (or labels) one array may hold; MNIST has 60,000 and 10,000."""

SIDE = 28
"""MNIST's image side."""


def read_npz(path: Path, handle: IO[bytes]) -> dict[str, np.ndarray]:
    """The arrays of ``NAMES`` present in the open ``.npz``, checked and as uint8.

    Raises:
        ValueError: the file is not a zip, or an array is not what MNIST's is (the message
            names the file and the array, and says what was found).
    """
    if not zipfile.is_zipfile(handle):  # np.load would take it for a pickle
        msg = f"{path} is not a readable .npz (an .npz is a zip of arrays); fetch it again."
        raise ValueError(msg)
    try:
        with zipfile.ZipFile(handle) as archive:
            members = set(archive.namelist())
            return {
                name: _member(archive, name, path) for name in NAMES if f"{name}.npy" in members
            }
    except (zipfile.BadZipFile, EOFError, OSError, zlib.error, NotImplementedError) as err:
        msg = f"{path} is not a readable .npz ({type(err).__name__}: {err}); fetch it again."
        raise ValueError(msg) from err


def _member(archive: zipfile.ZipFile, name: str, path: Path) -> np.ndarray:
    """One array, read as the engine reads its own files: method, header and size checked
    first (here also against MNIST's shapes and dtypes), then read with that size as a cap."""
    info = archive.getinfo(f"{name}.npy")
    try:
        check_member(info)
        array = read_npy(archive, info, check=functools.partial(_check_header, name))
        return _as_uint8(name, array)
    except ValueError as error:
        msg = f"{path}: {error}"
        raise ValueError(msg) from None


def _check_header(name: str, shape: tuple[int, ...], dtype: np.dtype[Any]) -> None:
    """Refuse, from the header alone, what is not MNIST's shape or a plain number dtype."""
    images = name.startswith("x")
    expected = f"(count, {SIDE}, {SIDE})" if images else "(count,)"
    ndim_ok = (len(shape) == 3 and shape[1:] == (SIDE, SIDE)) if images else len(shape) == 1
    if not ndim_ok or not 1 <= shape[0] <= MAX_IMAGES:
        msg = (
            f"{name} has shape {shape}; expected {expected} with a count from 1 to {MAX_IMAGES:,}."
        )
        raise ValueError(msg)
    if dtype.kind not in "uif" or dtype.itemsize > 8:
        msg = (
            f"{name} has dtype {dtype}; expected {'uint8 images' if images else 'integer labels'}."
        )
        raise ValueError(msg)


def _as_uint8(name: str, array: np.ndarray) -> np.ndarray:
    """Integer images in 0..255 or labels in 0..9 as uint8; anything else is refused."""
    images = name.startswith("x")
    top = 255 if images else 9
    what = "images: uint8 (or integers) in 0..255, ink 255" if images else "labels: integers 0..9"
    low, high = array.min(), array.max()
    if array.dtype.kind == "f":
        msg = f"{name} is {array.dtype} with values in [{low:g}, {high:g}]; expected {what}."
        if images and low >= 0 and high <= 1:
            msg += " Scale it: (x * 255).round().astype(np.uint8)."
        raise ValueError(msg)
    if low < 0 or high > top:
        msg = f"{name} is {array.dtype} with values in {low}..{high}; expected {what}."
        raise ValueError(msg)
    return array.astype(np.uint8, copy=False)
