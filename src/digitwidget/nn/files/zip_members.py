"""Read members of a zip archive (``.keras`` and ``.npz`` files) within fixed bounds.

Only stored and deflated members are read: Python's zipfile inflates bzip2 and LZMA
members a whole block at a time, whatever the caller asks for, so a 2 KB member can
unpack to gigabytes before any limit is checked. Deflated members are inflated only as
far as asked. ``.npy`` members have their header read first, and the shape it claims must
account for the member's size exactly, before anything is allocated for the array.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Callable
from typing import Any

import numpy as np

MAX_MEMBERS = 4096
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
_METHOD_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA"}
_NPY_HEADERS = {
    (1, 0): np.lib.format.read_array_header_1_0,
    (2, 0): np.lib.format.read_array_header_2_0,
}


def check_member(info: zipfile.ZipInfo) -> None:
    """Refuse an encrypted member, or one compressed otherwise than stored or deflated."""
    if info.flag_bits & 0x1:
        msg = f"its member {info.filename[:100]!r} is encrypted; the files are read unencrypted."
        raise ValueError(msg)
    if info.compress_type not in _METHODS:
        method = _METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
        msg = (
            f"its member {info.filename[:100]!r} is compressed with {method}; only stored "
            "and deflated members are read (what Keras and NumPy write). Save it again."
        )
        raise ValueError(msg)


def check_members(archive: zipfile.ZipFile, total_limit: int) -> list[zipfile.ZipInfo]:
    """Refuse too many members, a member :func:`check_member` refuses, or too many bytes in all.

    Returns:
        The members, in the archive's order.
    """
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        msg = f"it holds {len(infos):,} files; a model file holds at most {MAX_MEMBERS:,}."
        raise ValueError(msg)
    for info in infos:
        check_member(info)
    total = sum(info.file_size for info in infos)
    if total > total_limit:
        msg = f"its members unpack to {total:,} bytes, more than the {total_limit:,} allowed."
        raise ValueError(msg)
    return infos


def read_member(archive: zipfile.ZipFile, member: str, limit: int) -> bytes:
    """Read one member, refusing it before and while reading if over ``limit`` bytes."""
    try:
        info = archive.getinfo(member)
    except KeyError:
        msg = f"it has no {member!r} inside."
        raise ValueError(msg) from None
    if info.file_size > limit:
        msg = f"its member {member!r} unpacks to {info.file_size:,} bytes, more than the {limit:,} expected."
        raise ValueError(msg)
    with archive.open(info) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        msg = f"its member {member!r} unpacks to more than the {limit:,} bytes expected."
        raise ValueError(msg)
    return data


HeaderCheck = Callable[[tuple[int, ...], np.dtype[Any]], None]
"""Called with a ``.npy`` member's shape and dtype before its data is read; raises to refuse."""

_CHUNK = 1 << 20


def read_npy(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, check: HeaderCheck | None = None
) -> np.ndarray:
    """One ``.npy`` member as an array, its header checked before any data is read.

    The header's shape and dtype must account for the member's size exactly; object arrays
    (they would need pickle) are refused; ``check`` may refuse more. The data is read in
    chunks into the array itself, so the peak is the array plus one chunk.
    """
    name = info.filename[:100]
    with archive.open(info) as stream:
        try:
            version = np.lib.format.read_magic(stream)
            shape, fortran_order, dtype = _NPY_HEADERS[version](stream)
        except (ValueError, KeyError) as error:
            msg = f"its member {name!r} is not a readable .npy array ({error})."
            raise ValueError(msg) from None
        if dtype.hasobject:
            msg = f"its member {name!r} holds pickled Python objects, which are never loaded; only numeric arrays are read."
            raise ValueError(msg)
        if check is not None:
            check(shape, dtype)
        size = math.prod(shape) * dtype.itemsize
        if stream.tell() + size != info.file_size:
            msg = (
                f"its member {name!r} claims shape {shape} of {dtype} ({size:,} bytes) but "
                f"holds {info.file_size - stream.tell():,} bytes of data."
            )
            raise ValueError(msg)
        raw = np.empty(size, np.uint8)
        done = 0
        while done < size:
            chunk = stream.read(min(_CHUNK, size - done))
            if not chunk:
                msg = f"its member {name!r} is cut short."
                raise ValueError(msg)
            raw[done : done + len(chunk)] = np.frombuffer(chunk, np.uint8)
            done += len(chunk)
    return raw.view(dtype).reshape(shape, order="F" if fortran_order else "C")
