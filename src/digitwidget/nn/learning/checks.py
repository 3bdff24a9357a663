"""What ``fine_tune`` is given, checked before any work: examples, labels and settings.

Each refusal says what was wrong, what was expected, what was received, and the fix.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from digitwidget.nn.fast.inputs import InputConverter

MAX_EPOCHS = 10_000
MAX_BATCH = 100_000


def check_examples(
    images: Any, labels: Any, input_shape: tuple[int, ...], classes: int, byte_scale: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The examples as the network reads them: float32 ``(n, *input_shape)`` and int64 ``(n,)``.

    Raises:
        ValueError: for a wrong shape, dtype or range of either, NaN, an empty set, or
            counts that differ.
    """
    converter = InputConverter(input_shape, byte_scale)
    try:
        x, single = converter(images)
    except ValueError as error:
        msg = f"fine_tune: images are not usable. {error}"
        raise ValueError(msg) from None
    if single:
        shape = np.shape(images)
        msg = (
            f"fine_tune needs a batch of images (N, 28, 28). Received one image of shape "
            f"{shape}; pass images[None] (or np.stack of several) instead."
        )
        raise ValueError(msg)
    return x, _check_labels(labels, len(x), classes)


def _check_labels(labels: Any, count: int, classes: int) -> np.ndarray:
    y = np.asarray(labels)
    if y.dtype.kind not in "iu":
        msg = (
            f"fine_tune: labels must be integers 0..{classes - 1}, one per image. Received: "
            f"dtype={y.dtype}. Convert them with np.asarray(labels, dtype=int)."
        )
        raise ValueError(msg)
    if y.shape != (count,):
        msg = (
            f"fine_tune: labels must have shape ({count},), one per image. Received: shape "
            f"{y.shape}."
        )
        raise ValueError(msg)
    low, high = int(y.min()), int(y.max())
    if low < 0 or high >= classes:
        msg = (
            f"fine_tune: labels must be class indices 0..{classes - 1}. Received values from "
            f"{low} to {high}."
        )
        raise ValueError(msg)
    return y.astype(np.int64)


def _whole(name: str, value: Any, low: int, high: int) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | np.integer)
        or not low <= value <= high
    ):
        msg = f"fine_tune: {name} must be an int from {low} to {high:,}. Received: {name}={value!r:.60}."
        raise ValueError(msg)
    return int(value)


def check_settings(
    epochs: Any, learning_rate: Any, batch_size: Any, replay: Any, seed: Any, progress: Any
) -> tuple[int, float, int, bool, int, Callable[[int, int, float], Any] | None]:
    """The settings, checked: ``(epochs, learning_rate, batch_size, replay, seed, progress)``."""
    epochs = _whole("epochs", epochs, 1, MAX_EPOCHS)
    batch_size = _whole("batch_size", batch_size, 1, MAX_BATCH)
    seed = _whole("seed", seed, 0, 2**63 - 1)
    if (
        isinstance(learning_rate, bool)
        or not isinstance(learning_rate, int | float | np.floating)
        or not math.isfinite(learning_rate)
        or not 0 < learning_rate <= 1
    ):
        msg = (
            "fine_tune: learning_rate must be a number in (0, 1], e.g. 1e-3. "
            f"Received: learning_rate={learning_rate!r:.60}."
        )
        raise ValueError(msg)
    if not isinstance(replay, bool | np.bool_):
        msg = f"fine_tune: replay must be True or False. Received: replay={replay!r:.60}."
        raise ValueError(msg)
    if progress is not None and not callable(progress):
        msg = (
            "fine_tune: progress must be a function progress(epoch, epochs, loss) or None. "
            f"Received: {type(progress).__name__}."
        )
        raise ValueError(msg)
    return epochs, float(learning_rate), batch_size, bool(replay), seed, progress
