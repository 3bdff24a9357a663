"""Check and convert what users pass to ``predict_proba``: images in, a float32 batch out."""

from __future__ import annotations

import math

import numpy as np

RANGE_TOLERANCE = 1e-5
_FLOAT32 = np.dtype(np.float32)
_UNIT_MAX_BITS = int(np.float32(1 + RANGE_TOLERANCE).view(np.uint32))
_FIX = "Pass floats in [0, 1] (ink = 1) or integers 0..255, e.g. uint8 bytes."


def single_shapes(input_shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Shapes accepted for one sample: the model's, flat, and square (28, 28) for 784."""
    size = math.prod(input_shape)
    shapes = [tuple(input_shape), (size,)]
    side = math.isqrt(size)
    if side * side == size:
        shapes.append((side, side))
    return list(dict.fromkeys(shapes))


def _as_array(x: object) -> np.ndarray:
    """``x`` as an array (nested lists, tuples, ...); a ragged nesting is refused clearly."""
    try:
        return np.asarray(x)
    except ValueError as err:  # rows of different lengths
        msg = (
            "Expected images as an array, or nested lists whose rows all have the same "
            f"length. Received: a {type(x).__name__} NumPy cannot make an array of ({err})."
        )
        raise ValueError(msg) from err


def _check_dtype(x: np.ndarray) -> None:
    if x.dtype.kind in "iu" or (x.dtype.kind == "f" and x.dtype.itemsize <= 8):
        return
    msg = f"Expected a float or integer array. Received: dtype={x.dtype}. {_FIX}"
    if x.dtype.kind == "b":
        msg += " For booleans (ink = True) use x.astype(np.float32)."
    elif x.dtype.kind in "OUS":
        msg += " Numbers stored as objects or text convert with np.asarray(x, dtype=np.float32)."
    raise ValueError(msg)


def _check_byte_range(x: np.ndarray) -> None:
    """Refuse integers outside 0..255 (uint8 cannot hold any, so it is not checked)."""
    lo, hi = int(x.min()), int(x.max())
    if lo < 0 or hi > 255:
        msg = (
            f"Expected integer pixels in 0..255. Received values from {lo} to {hi}. {_FIX} "
            "Scale other integers into 0..255 first, or divide them into [0, 1]."
        )
        raise ValueError(msg)


def _check_range(x: np.ndarray) -> None:
    """Refuse NaN, infinity and floats outside [0, 1] (with a tiny tolerance)."""
    lo, hi = x.min(), x.max()  # NaN propagates into both
    if lo >= -RANGE_TOLERANCE and hi <= 1 + RANGE_TOLERANCE:
        return
    if not (np.isfinite(lo) and np.isfinite(hi)):
        msg = f"Input contains NaN or infinite values. {_FIX}"
    else:
        msg = f"Expected float input in [0, 1]. Received values from {lo:g} to {hi:g}. {_FIX}"
        if hi > 1 and hi <= 255:
            msg += " For 0..255 floats, divide by 255 first."
    raise ValueError(msg)


def _unit_by_bits(x: np.ndarray) -> bool:
    """True if every float32 is in [+0, 1 + tolerance]: one reduction instead of min and max.

    Read as unsigned integers, the bit patterns of non-negative float32 values sort like
    the values; negative numbers (sign bit set), infinity and NaN all have larger
    patterns than 1.0. A False here only means "look closer" (e.g. -0.0 or -1e-9).
    """
    return int(np.maximum.reduce(x.view(np.uint32), axis=None)) <= _UNIT_MAX_BITS


def check_unit_range(x: np.ndarray) -> None:
    """Refuse a float32 array with NaN, infinity or values outside [0, 1] (cheap when it passes)."""
    if not _unit_by_bits(x):
        _check_range(x)


class InputConverter:
    """Validate images and turn them into the C-contiguous float32 batch the network reads.

    Accepts one image ``(28, 28)`` / ``(784,)`` or a batch ``(batch, 28, 28)`` /
    ``(batch, 784)`` (generally: the model's input shape, flat or square), as an array or
    nested lists: floats in [0, 1], or integers in 0..255 of any integer dtype (uint8,
    or the int64 that lists and arithmetic give), as ``preprocess`` and ``DrawPad.pixels``
    take them. The accepted shapes are worked out once, here.

    Args:
        input_shape: The model's input shape without batch axis, e.g. ``(784,)``.
        byte_scale: True when the network expects 0..255 values instead of [0, 1].
    """

    def __init__(self, input_shape: tuple[int, ...], byte_scale: bool = False) -> None:
        self.input_shape = tuple(input_shape)
        self.byte_scale = byte_scale
        self.singles = single_shapes(self.input_shape)
        self._batch_shape = (-1, *self.input_shape)

    def __call__(self, x: np.ndarray) -> tuple[np.ndarray, bool]:
        """Return ``(batch, single)``: float32 ``(batch, *input_shape)``, and whether ``x`` was one image.

        Raises:
            ValueError: for a wrong shape, dtype (bool, object, text, complex), value range,
                NaN/inf, an empty batch or ragged nested lists.
        """
        batch, single, checked = self.convert(x)
        if not checked:
            check_unit_range(batch)
        return batch, single

    def convert(self, x: np.ndarray) -> tuple[np.ndarray, bool, bool]:
        """Like calling the converter, but a float32 batch's value range may be left unchecked.

        Returns:
            ``(batch, single, checked)``. When ``checked`` is False the caller must call
            :func:`check_unit_range` on the batch (or on every part of it) before use; the
            engine does that block by block, while each block is in cache anyway.
        """
        if (
            type(x) is np.ndarray
            and x.dtype == _FLOAT32
            and x.flags.c_contiguous
            and not self.byte_scale
        ):
            single = self._check_shape(x)  # the fast path: already float32 and contiguous
            return x.reshape(self._batch_shape), single, False
        if not isinstance(x, np.ndarray):
            x = _as_array(x)
        _check_dtype(x)
        single = self._check_shape(x)
        if x.dtype.kind in "iu":  # bytes 0..255, e.g. uint8, or int64 from lists and arithmetic
            if x.dtype != np.uint8:
                _check_byte_range(x)
            scale = np.float32(1 if self.byte_scale else 255)
            batch = np.divide(x, scale, dtype=np.float32)
        else:
            _check_range(x)
            batch = np.ascontiguousarray(x, dtype=np.float32)
            if self.byte_scale:
                batch = batch * np.float32(255)
        return batch.reshape(self._batch_shape), single, True

    def _check_shape(self, x: np.ndarray) -> bool:
        if x.shape in self.singles:
            return True
        if x.shape[1:] not in self.singles:
            expected = " or ".join(str(s) for s in self.singles)
            msg = f"Expected one image of shape {expected}, or a batch (N, ...) of them. Received: shape {x.shape}."
            raise ValueError(msg + self._reshape_hint(x))
        if len(x) == 0:
            msg = f"Received an empty batch, shape {x.shape}. Pass at least one image."
            raise ValueError(msg)
        return False

    def _reshape_hint(self, x: np.ndarray) -> str:
        """How to pass ``x`` when it holds whole images in another shape, e.g. (28, 28, 1)."""
        size = math.prod(self.input_shape)
        if x.size == 0 or x.size % size:
            return ""
        longest = max(self.singles, key=len)
        shape = ", ".join(map(str, longest))  # e.g. "28, 28"
        count = x.size // size
        if count == 1:
            return f" If it is one image, pass x.reshape({shape})."
        return f" If these are {count} images, pass x.reshape({count}, {shape})."
