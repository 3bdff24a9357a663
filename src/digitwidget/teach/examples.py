"""The user's labelled drawings: model inputs ``(28, 28)`` in [0, 1] and their digits.

An example is what the model read (``pad.model_input``, what ``preprocess`` gave), so
learning from it changes the model on exactly what it saw.

Example:
    >>> store = Examples()
    >>> store.add(np.zeros((28, 28), np.float32) + 0.5, 3)
    >>> store.counts()[3]
    1
"""

from __future__ import annotations

from typing import Any

import numpy as np

SIDE = 28
"""An example's side: the model input's."""
DIGITS = 10
"""Labels are digits, 0 to 9."""
MAX_EXAMPLES = 10_000
"""The most examples a pad or a file holds (31 MB of float32 images): far more than a
person draws, few enough to fine-tune on in the notebook."""


def check_label(label: Any) -> int:
    """``label`` as an int from 0 to 9; a ValueError says what was received."""
    if (
        isinstance(label, bool)
        or not isinstance(label, int | np.integer)
        or not 0 <= label < DIGITS
    ):
        msg = f"label must be a digit, an int from 0 to 9. Received: label={label!r:.60}."
        raise ValueError(msg)
    return int(label)


def check_examples(images: Any, labels: Any, *, source: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Examples checked and converted: ``(N, 28, 28)`` float32 in [0, 1] and ``(N,)`` int64.

    Images may be float in [0, 1] or uint8 0..255 (divided by 255); labels any integers
    from 0 to 9. ``source`` (e.g. a file's name) starts every message.

    Raises:
        ValueError: what was wrong, what was expected and what was received.
    """
    where = f"{source}: " if source else ""
    x = np.asarray(images)
    y = np.asarray(labels)
    if x.ndim != 3 or x.shape[1:] != (SIDE, SIDE):
        msg = f"{where}images must have shape (N, {SIDE}, {SIDE}) (model inputs). Received shape {x.shape}."
        raise ValueError(msg)
    if y.shape != (x.shape[0],):
        msg = f"{where}labels must have shape ({x.shape[0]},), one per image. Received shape {y.shape}."
        raise ValueError(msg)
    if x.shape[0] > MAX_EXAMPLES:
        msg = f"{where}{x.shape[0]:,} examples are more than the {MAX_EXAMPLES:,} a pad holds."
        raise ValueError(msg)
    return _as_images(x, where), _as_labels(y, where)


def _as_images(x: np.ndarray, where: str) -> np.ndarray:
    if x.dtype == np.uint8:
        return (x / np.float32(255)).astype(np.float32)
    if x.dtype.kind != "f":
        msg = f"{where}images must be float in [0, 1] or uint8 0..255. Received dtype {x.dtype}."
        raise ValueError(msg)
    if x.size and not np.isfinite(x).all():
        msg = (
            f"{where}images must hold finite values in [0, 1] (ink = 1). Received NaN or infinity."
        )
        raise ValueError(msg)
    if x.size and (x.min() < 0 or x.max() > 1):
        msg = (
            f"{where}images must hold values in [0, 1] (ink = 1). Received values from "
            f"{x.min():g} to {x.max():g}; divide 0..255 values by 255."
        )
        raise ValueError(msg)
    return x.astype(np.float32)


def _as_labels(y: np.ndarray, where: str) -> np.ndarray:
    if y.dtype.kind not in "iu":
        msg = f"{where}labels must be integers from 0 to 9. Received dtype {y.dtype}."
        raise ValueError(msg)
    if y.size and (y.min() < 0 or y.max() >= DIGITS):
        msg = f"{where}labels must be digits from 0 to 9. Received values from {y.min()} to {y.max()}."
        raise ValueError(msg)
    return y.astype(np.int64)


class Examples:
    """A growing set of labelled examples, kept in the order they were taught."""

    def __init__(self) -> None:
        self._images: list[np.ndarray] = []
        self._labels: list[int] = []

    def __len__(self) -> int:
        return len(self._labels)

    def add(self, image: np.ndarray, label: Any) -> None:
        """Add one example: a ``(28, 28)`` model input and its digit."""
        digit = check_label(label)
        images, _ = check_examples(np.asarray(image)[None], [digit])
        self._make_room(1)
        self._images.append(images[0])
        self._labels.append(digit)

    def extend(self, images: Any, labels: Any) -> None:
        """Add many examples at once (all checked before any is added)."""
        x, y = check_examples(images, labels)
        self._make_room(len(y))
        self._images.extend(x)
        self._labels.extend(int(label) for label in y)

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(images, labels)``: ``(N, 28, 28)`` float32 and ``(N,)`` int64, new arrays."""
        if not self._labels:
            return np.zeros((0, SIDE, SIDE), np.float32), np.zeros(0, np.int64)
        return np.stack(self._images), np.array(self._labels, np.int64)

    def counts(self) -> list[int]:
        """How many examples each digit has, 0 to 9."""
        return np.bincount(np.array(self._labels, np.int64), minlength=DIGITS).tolist()

    def _make_room(self, count: int) -> None:
        if len(self) + count > MAX_EXAMPLES:
            msg = (
                f"A pad holds at most {MAX_EXAMPLES:,} examples; it has {len(self):,} and "
                f"{count:,} more were given. Save them (pad.save_examples) and start a new pad."
            )
            raise ValueError(msg)
