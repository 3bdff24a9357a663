"""MNIST's IDX files, read within bounds (plain or gzipped).

The IDX format (http://yann.lecun.com/exdb/mnist/) is a big-endian header followed by
raw bytes: magic ``0x00000803`` for images (count, rows, cols) and ``0x00000801`` for
labels (count). Files may be gzipped. The sizes a header announces are bounded
(:data:`MAX_IMAGES` images of at most :data:`MAX_SIDE` pixels a side) before anything is
allocated, and a gzipped file is unpacked piece by piece, only up to that size.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path
from typing import IO

import numpy as np

from digitwidget._files import open_regular
from digitwidget.data.npz import MAX_IMAGES

MAX_SIDE = 64
"""The largest image side an IDX header may announce (MNIST's is 28)."""
CHUNK = 1 << 20
"""Bytes read (and unpacked) at a time."""
IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801

Stream = IO[bytes] | gzip.GzipFile
"""What the data is read from: the file itself, or its gzip stream."""


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read one MNIST IDX file (plain or gzipped).

    Args:
        path: An images file (magic 2051) or a labels file (magic 2049).

    Returns:
        uint8 array: images ``(count, rows, cols)`` or labels ``(count,)``.

    Raises:
        ValueError: The magic number is unknown, the header announces more than an
            MNIST-like file holds, the file holds more or less data than its header
            says, or its gzip data is damaged; the message names the file.
    """
    path = Path(path)
    with open_regular(path, "MNIST file") as handle:
        gzipped = handle.read(2) == b"\x1f\x8b"
        handle.seek(0)
        stream: Stream = gzip.GzipFile(fileobj=handle, mode="rb") if gzipped else handle
        try:
            return _read_idx_stream(stream, path)
        except (OSError, EOFError, zlib.error) as err:
            msg = f"{path}: gzip data is corrupt or truncated ({err}). Re-fetch the file."
            raise ValueError(msg) from None


def _read_idx_stream(stream: Stream, path: Path) -> np.ndarray:
    """The header, its sizes bounded, then exactly the data it announces (no more, no less)."""
    head = stream.read(8)
    if len(head) < 8:
        msg = f"{path}: too short for an IDX header ({len(head)} bytes, expected at least 8)."
        raise ValueError(msg)
    magic = int.from_bytes(head[0:4], "big")
    if magic not in (IMAGES_MAGIC, LABELS_MAGIC):
        msg = (
            f"{path}: not an MNIST IDX file. Expected magic {IMAGES_MAGIC:#010x} (images) "
            f"or {LABELS_MAGIC:#010x} (labels), received {magic:#010x}."
        )
        raise ValueError(msg)
    n_dims = 3 if magic == IMAGES_MAGIC else 1
    header = head + stream.read(4 * n_dims - 4)
    if len(header) < 4 + 4 * n_dims:
        msg = f"{path}: IDX header truncated ({len(header)} bytes, expected {4 + 4 * n_dims})."
        raise ValueError(msg)
    shape = tuple(int.from_bytes(header[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims))
    _check_announced(shape, path)
    data = bytearray(math.prod(shape))
    filled = _fill(stream, data)
    if filled < len(data) or stream.read(1):
        received = f"{len(header) + filled}" if filled < len(data) else "more"
        msg = (
            f"{path}: size does not match its header {shape}: expected "
            f"{len(header) + len(data)} bytes, received {received}. The file is truncated "
            "or corrupt; fetch it again."
        )
        raise ValueError(msg)
    return np.frombuffer(data, dtype=np.uint8).reshape(shape)


def _check_announced(shape: tuple[int, ...], path: Path) -> None:
    """Refuse a header announcing more than an MNIST-like file holds, before allocating."""
    count, *sides = shape
    if count <= MAX_IMAGES and all(1 <= side <= MAX_SIDE for side in sides):
        return
    msg = (
        f"{path}: its header announces {' x '.join(map(str, shape))} values, more than an "
        f"MNIST-like file holds (at most {MAX_IMAGES:,} images of at most {MAX_SIDE}x{MAX_SIDE} "
        "pixels). The file is corrupt or not MNIST."
    )
    raise ValueError(msg)


def _fill(stream: Stream, data: bytearray) -> int:
    """Read into ``data`` piece by piece until it is full or the stream ends; bytes read."""
    view = memoryview(data)
    filled = 0
    while filled < len(data):
        piece = stream.read(min(CHUNK, len(data) - filled))
        if not piece:
            break
        view[filled : filled + len(piece)] = piece
        filled += len(piece)
    return filled
