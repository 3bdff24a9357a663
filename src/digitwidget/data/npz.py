"""Keras's ``mnist.npz`` read within bounds: each array's header is checked before its data.

An ``.npz`` is a zip of ``.npy`` files. Each member's compression method, its ``.npy``
header (shape and dtype) and the size the header implies are checked against what MNIST
is before a byte of data is read; the data is then read with that size as a cap, so a
small file cannot unpack to gigabytes, and nothing is ever unpickled.
"""

from __future__ import annotations

import math
import zipfile
import zlib
from pathlib import Path
from typing import IO

import numpy as np

NAMES = ("x_train", "y_train", "x_test", "y_test")
"""The arrays of Keras's ``mnist.npz``."""

MAX_IMAGES = 100_000
"""The most images (or labels) one array may hold; MNIST has 60,000 and 10,000."""

SIDE = 28
"""MNIST's image side."""

_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}


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
    """One array: method, header and size checked, then read with a cap, then its values."""
    info = archive.getinfo(f"{name}.npy")
    where = f"{path}: {name}"
    if info.compress_type not in _METHODS or info.flag_bits & 0x1:
        msg = (
            f"{where} is stored with zip method {info.compress_type}"
            f"{' and encrypted' if info.flag_bits & 0x1 else ''}; expected stored or deflated "
            "(as np.savez and np.savez_compressed write)."
        )
        raise ValueError(msg)
    with archive.open(info) as member:
        shape, fortran, dtype = _header(member, where)
        _check_header(name, shape, dtype, where)
        size = math.prod(shape) * dtype.itemsize
        if member.tell() + size != info.file_size:
            msg = (
                f"{where}: its header says {shape} {dtype} ({size:,} bytes of data), but the "
                f"member holds {info.file_size - member.tell():,}; the file is damaged."
            )
            raise ValueError(msg)
        data = member.read(size)
    if len(data) != size:
        msg = f"{where}: expected {size:,} bytes of data, read {len(data):,}; the file is damaged."
        raise ValueError(msg)
    array = np.frombuffer(data, dtype).reshape(shape, order="F" if fortran else "C")
    return _as_uint8(name, array, where)


def _header(member: IO[bytes], where: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """The ``.npy`` header: (shape, fortran order, dtype); only versions 1.0 and 2.0."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(member)
        if version == (1, 0):
            return fmt.read_array_header_1_0(member)
        if version == (2, 0):
            return fmt.read_array_header_2_0(member)
    except ValueError as err:
        msg = f"{where} is not a readable .npy array ({err})."
        raise ValueError(msg) from None
    msg = f"{where}: .npy format version {version} is not read; expected 1.0 or 2.0 (np.save's)."
    raise ValueError(msg)


def _check_header(name: str, shape: tuple[int, ...], dtype: np.dtype, where: str) -> None:
    """Refuse, from the header alone, what is not MNIST's shape or a plain number dtype."""
    if dtype.hasobject:
        msg = f"{where} holds pickled objects, which are never loaded; it is not an MNIST .npz."
        raise ValueError(msg)
    images = name.startswith("x")
    expected = f"(count, {SIDE}, {SIDE})" if images else "(count,)"
    ndim_ok = (len(shape) == 3 and shape[1:] == (SIDE, SIDE)) if images else len(shape) == 1
    if not ndim_ok or not 1 <= shape[0] <= MAX_IMAGES:
        msg = (
            f"{where} has shape {shape}; expected {expected} with a count from 1 to {MAX_IMAGES:,}."
        )
        raise ValueError(msg)
    if dtype.kind not in "uif" or dtype.itemsize > 8:
        msg = (
            f"{where} has dtype {dtype}; expected {'uint8 images' if images else 'integer labels'}."
        )
        raise ValueError(msg)


def _as_uint8(name: str, array: np.ndarray, where: str) -> np.ndarray:
    """Integer images in 0..255 or labels in 0..9 as uint8; anything else is refused."""
    images = name.startswith("x")
    top = 255 if images else 9
    what = "images: uint8 (or integers) in 0..255, ink 255" if images else "labels: integers 0..9"
    low, high = array.min(), array.max()
    if array.dtype.kind == "f":
        msg = f"{where} is {array.dtype} with values in [{low:g}, {high:g}]; expected {what}."
        if images and low >= 0 and high <= 1:
            msg += " Scale it: (x * 255).round().astype(np.uint8)."
        raise ValueError(msg)
    if low < 0 or high > top:
        msg = f"{where} is {array.dtype} with values in {low}..{high}; expected {what}."
        raise ValueError(msg)
    return array.astype(np.uint8)
