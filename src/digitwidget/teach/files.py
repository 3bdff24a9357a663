"""Examples on disk: an ``.npz`` holding ``images`` and ``labels``, never a pickle.

Writing goes to a temporary file beside the target, then renames it over the target, so
a kernel that dies mid-write leaves the previous file whole. Reading goes through the
engine's bounded zip reader: the file's size, each member's compression and ``.npy``
header (shape, dtype) are checked before a byte of data is read, and an array of Python
objects is refused, never unpickled.

Example:
    >>> save_examples("my_digits.npz", images, labels)  # doctest: +SKIP
    >>> images, labels = load_examples("my_digits.npz")  # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np

from digitwidget._files import open_regular
from digitwidget.nn.files.zip_members import check_members, read_npy
from digitwidget.teach.examples import MAX_EXAMPLES, SIDE, Examples, check_examples

NAMES = ("images", "labels")
"""The arrays an examples file holds."""
MAX_FILE_BYTES = 48 * 1024 * 1024
"""The largest examples file read: ``MAX_EXAMPLES`` float32 images are 31.4 MB."""
_FIX = "Save examples with pad.save_examples(path), or pass arrays to pad.add_examples(images, labels)."


def save_examples(path: str | os.PathLike[str], images: Any, labels: Any) -> Path:
    """Write examples to ``path`` (an ``.npz``), atomically; returns the path written.

    Raises:
        ValueError: the examples are not valid (see ``check_examples``), or ``path`` does
            not end in ``.npz``.
    """
    target = Path(path)
    if target.suffix != ".npz":
        msg = f"An examples file is an .npz. Received: path={os.fspath(path)!r}; use e.g. 'my_digits.npz'."
        raise ValueError(msg)
    x, y = check_examples(images, labels)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, images=x, labels=y)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(buffer.getvalue())
            handle.flush()
            os.fsync(handle.fileno())  # on disk before it takes the target's name
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    return target


def load_examples(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """Read examples written by :func:`save_examples` (or any ``.npz`` of the same arrays).

    Returns:
        ``(images, labels)``: ``(N, 28, 28)`` float32 in [0, 1] and ``(N,)`` int64.

    Raises:
        FileNotFoundError: nothing is at ``path``.
        ValueError: the file is not an examples file: not a zip, too large, other arrays,
            wrong shapes, dtypes or values, pickled objects. The message names the file.
    """
    name = os.fspath(path)
    with open_regular(path, "examples file (.npz)") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > MAX_FILE_BYTES:
            msg = f"{name} is {size:,} bytes, more than the {MAX_FILE_BYTES:,} an examples file may be. {_FIX}"
            raise ValueError(msg)
        if not zipfile.is_zipfile(handle):
            msg = f"{name} is not an examples file: an .npz is a zip of arrays, and this is not a zip. {_FIX}"
            raise ValueError(msg)
        try:
            with zipfile.ZipFile(handle) as archive:
                arrays = _read_arrays(archive, name)
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error, NotImplementedError) as error:
            msg = f"{name} is not a readable .npz ({type(error).__name__}: {error}). {_FIX}"
            raise ValueError(msg) from None
    return check_examples(arrays["images"], arrays["labels"], source=name)


def _read_arrays(archive: zipfile.ZipFile, name: str) -> dict[str, np.ndarray]:
    try:
        infos = {info.filename: info for info in check_members(archive, 4 * MAX_FILE_BYTES)}
    except ValueError as error:
        msg = f"{name} is not an examples file: {error}"
        raise ValueError(msg) from None
    expected = {f"{key}.npy" for key in NAMES}
    if set(infos) != expected:
        found = ", ".join(sorted(key.removesuffix(".npy") for key in infos)[:10]) or "nothing"
        msg = (
            f"{name} is not an examples file: it holds {found}; expected exactly the arrays "
            f"images (N, {SIDE}, {SIDE}) and labels (N,). {_FIX}"
        )
        raise ValueError(msg)
    arrays = {}
    for key in NAMES:
        try:
            arrays[key] = read_npy(archive, infos[f"{key}.npy"], check=_header_check(key))
        except ValueError as error:
            msg = f"{name} is not an examples file: {error}"
            raise ValueError(msg) from None
    return arrays


def _header_check(key: str) -> Any:
    """Refuse, from an ``.npy`` header alone, a shape or dtype that cannot be examples."""

    def check(shape: tuple[int, ...], dtype: np.dtype[Any]) -> None:
        images = key == "images"
        fits = len(shape) == 3 and shape[1:] == (SIDE, SIDE) if images else len(shape) == 1
        if not fits or shape[0] > MAX_EXAMPLES:
            expected = f"(N, {SIDE}, {SIDE})" if images else "(N,)"
            msg = f"its {key} have shape {shape}; expected {expected} with N at most {MAX_EXAMPLES:,}."
            raise ValueError(msg)
        if dtype.kind not in ("fu" if images else "iu") or dtype.itemsize > 8:
            kind = "float in [0, 1] or uint8" if images else "integers 0 to 9"
            msg = f"its {key} have dtype {dtype}; expected {kind}."
            raise ValueError(msg)

    return check


def initial_examples(spec: Any) -> tuple[Examples, Path | None]:
    """What ``DrawPad(examples=spec)`` starts with, and the file to keep them in.

    Args:
        spec: None; a ``.npz`` file (read if it exists; the pad saves every drawing taught
            to it); or ``(images, labels)``.

    Raises:
        ValueError: the file cannot be written (not ``.npz``, no such folder) or read.
        TypeError: ``spec`` is none of these.
    """
    examples = Examples()
    if spec is None:
        return examples, None
    if isinstance(spec, str | os.PathLike):
        file = _writable(spec)
        if file.exists():
            examples.extend(*load_examples(file))
        return examples, file
    if not isinstance(spec, tuple | list) or len(spec) != 2:
        msg = (
            "examples must be a file (.npz) or a pair (images, labels). Received: "
            f"examples of type {type(spec).__name__}."
        )
        raise TypeError(msg)
    examples.extend(*spec)
    return examples, None


def _writable(path: str | os.PathLike[str]) -> Path:
    """The examples file, checked now rather than at the first drawing taught."""
    file = Path(path)
    if file.suffix != ".npz":
        problem = "does not end in .npz"
    elif not file.parent.is_dir():
        problem = "is in a folder that does not exist"
    else:
        return file
    msg = (
        f"examples={os.fspath(path)!r} {problem}: the pad keeps the drawings taught in an "
        ".npz file, e.g. DrawPad(examples='my_digits.npz')."
    )
    raise ValueError(msg)
