"""A small MNIST sample shipped in the package: images to replay while fine-tuning, and a
check set for how much a fine-tuned model forgot.

``mnist_sample.npz`` (beside this module) holds four uint8 arrays: ``replay_images``
``(5000, 28, 28)`` and ``replay_labels``, 500 of each digit from MNIST's *training* set,
and ``check_images`` ``(1000, 28, 28)`` and ``check_labels``, 100 of each digit from
MNIST's *test* set. It is read with the bounded reader MNIST's own ``.npz`` files go
through, never unpickled. ``python -m digitwidget.data.make_sample`` writes it again.

Example:
    >>> images, labels = load_sample("check")
    >>> images.shape, images.dtype, labels.dtype
    ((1000, 28, 28), dtype('float32'), dtype('int64'))
"""

from __future__ import annotations

import functools
import zipfile
from importlib import resources
from typing import Any, Literal

import numpy as np

from digitwidget.nn.files.zip_members import check_member, read_npy

Part = Literal["replay", "check"]
PARTS: dict[str, int] = {"replay": 5000, "check": 1000}
"""Each part and how many images it holds (a tenth of them of each digit)."""
FILE = "mnist_sample.npz"


def _check_header(part: str, kind: str, shape: tuple[int, ...], dtype: np.dtype[Any]) -> None:
    expected = (PARTS[part], 28, 28) if kind == "images" else (PARTS[part],)
    if shape != expected or dtype != np.uint8:
        msg = f"{part}_{kind} is {dtype} {shape}; expected uint8 {expected}."
        raise ValueError(msg)


@functools.lru_cache(maxsize=2)
def _read(part: str) -> tuple[np.ndarray, np.ndarray]:
    resource = resources.files("digitwidget.data") / FILE
    with resources.as_file(resource) as path:
        if not path.is_file():
            msg = (
                f"The shipped MNIST sample is missing ({path}): this copy of digitwidget is "
                "incomplete. Reinstall it, or in a checkout run `make sample`."
            )
            raise FileNotFoundError(msg)
        with zipfile.ZipFile(path) as archive:
            arrays = []
            for kind in ("images", "labels"):
                info = archive.getinfo(f"{part}_{kind}.npy")
                check_member(info)
                check = functools.partial(_check_header, part, kind)
                arrays.append(read_npy(archive, info, check=check))
    images, labels = arrays
    if int(labels.max()) > 9:
        msg = f"{path}: {part}_labels must be 0..9. Reinstall digitwidget."
        raise ValueError(msg)
    for array in arrays:
        array.setflags(write=False)  # shared by every caller: nobody may change it
    return images, labels


def load_sample(part: Part) -> tuple[np.ndarray, np.ndarray]:
    """One part of the shipped MNIST sample.

    Args:
        part: ``"replay"`` (5,000 MNIST training images, 500 per digit) or ``"check"``
            (1,000 MNIST test images, 100 per digit).

    Returns:
        ``(images, labels)``: float32 ``(n, 28, 28)`` in [0, 1] (ink = 1) and int64 ``(n,)``.
    """
    if part not in PARTS:
        msg = f"part must be 'replay' or 'check'. Received: part={part!r:.60}."
        raise ValueError(msg)
    images, labels = _read(part)
    return images.astype(np.float32) / np.float32(255), labels.astype(np.int64)
