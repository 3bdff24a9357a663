"""Sliding windows over images: where each window of a convolution or a pooling sits.

Images are ``channels_last``: ``(batch, height, width, channels)``. A window of ``size``
``(kh, kw)`` reads every ``dilation``-th pixel, so it spans ``(k - 1) * dilation + 1``
pixels, and moves ``strides`` pixels at a time. Along one axis of ``n`` pixels:

- ``"valid"``: only windows wholly inside, ``out = (n - span) // stride + 1``;
- ``"same"``: ``out = ceil(n / stride)``; the image is padded by
  ``max((out - 1) * stride + span - n, 0)`` pixels, half before and the odd pixel after
  (at the bottom and right), as Keras and TensorFlow do.

Window ``(i, j)`` of every output pixel reads the padded input at rows
``i * dh, i * dh + sh, ...`` and columns ``j * dw, j * dw + sw, ...``: one strided slice.
Convolutions copy all the slices side by side (im2col, :func:`patches`) for one matrix
product; pooling combines them slice by slice; gradients flow back by adding into the
same slices (:func:`add_into_windows`), which is 5-12x faster than ``np.add.at``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from digitwidget.nn._limits import MAX_WINDOW_NUMBERS

PADDINGS = ("valid", "same")
MAX_SIDE = 1 << 16
"""Largest window size, stride or dilation read from a config (no image is wider)."""

FEW_CHANNELS = 4
"""Below this many channels (a first layer's 1 or 3), im2col copies one window offset at a
time: for 1 channel and 75 images, 4 µs per image against 12 µs for one copy of the whole
``sliding_window_view``; for 32 channels the single copy is 3x faster."""

Pads = tuple[tuple[int, int], tuple[int, int]]


def config_pair(owner: str, key: str, value: Any, *, low: int = 1) -> tuple[int, int]:
    """An int or a pair of ints between ``low`` and ``MAX_SIDE``, as ``(rows, columns)``.

    Raises:
        ValueError: naming the owner, the key and the value.
    """
    pair = [value, value] if isinstance(value, int) else value
    if (
        isinstance(pair, list | tuple)
        and len(pair) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
        and all(low <= v <= MAX_SIDE for v in pair)
    ):
        return int(pair[0]), int(pair[1])
    msg = (
        f"{owner}: {key} must be an int or a pair of ints between {low} and {MAX_SIDE:,}. "
        f"Received: {key}={value!r:.60}."
    )
    raise ValueError(msg)


def config_padding(owner: str, value: Any) -> str:
    if value not in PADDINGS:
        msg = f"{owner}: padding must be 'valid' or 'same'. Received: padding={value!r:.60}."
        raise ValueError(msg)
    return str(value)


def check_channels_last(owner: str, config: dict[str, Any]) -> None:
    """Refuse ``data_format="channels_first"``: the engine reads (height, width, channels)."""
    data_format = config.get("data_format")
    if data_format not in (None, "channels_last"):
        msg = (
            f"{owner}: data_format={data_format!r:.40} is not supported; the engine reads "
            "images as (height, width, channels). Rebuild the model with channels_last "
            "(Keras's default)."
        )
        raise ValueError(msg)


def image_shape(owner: str, input_shape: tuple[int, ...]) -> tuple[int, int, int]:
    """``(height, width, channels)`` of one sample, or a ValueError saying what was given."""
    if len(input_shape) != 3:
        msg = (
            f"{owner} needs images of shape (height, width, channels). "
            f"Received: input shape {tuple(input_shape)}."
        )
        raise ValueError(msg)
    height, width, channels = input_shape
    return height, width, channels


@dataclass(frozen=True)
class Placement:
    """Where a window sits on one image size: output size and padding."""

    out: tuple[int, int]
    pads: Pads
    padded: tuple[int, int]


@dataclass(frozen=True)
class Window:
    """A window's size, step, dilation and padding (each ``(rows, columns)``)."""

    size: tuple[int, int]
    strides: tuple[int, int] = (1, 1)
    dilation: tuple[int, int] = (1, 1)
    padding: str = "valid"

    @property
    def span(self) -> tuple[int, int]:
        """How many input pixels one window covers, dilation included."""
        (kh, kw), (dh, dw) = self.size, self.dilation
        return (kh - 1) * dh + 1, (kw - 1) * dw + 1

    def place(self, owner: str, height: int, width: int, channels: int = 1) -> Placement:
        """The output size and padding on a ``height x width`` image.

        Raises:
            ValueError: when no window fits, or when the padded image or one image's
                windows would hold more than ``MAX_WINDOW_NUMBERS`` numbers.
        """
        outs, pads = [], []
        for n, span, stride in zip((height, width), self.span, self.strides, strict=True):
            if self.padding == "same":
                out = -(-n // stride)
                total = max((out - 1) * stride + span - n, 0)
                pads.append((total // 2, total - total // 2))
            else:
                out = (n - span) // stride + 1 if n >= span else 0
                pads.append((0, 0))
            outs.append(out)
        if min(outs) < 1:
            msg = (
                f"{owner}: a window spanning {self.span} pixels does not fit in a "
                f"{height}x{width} image with padding 'valid'. Use a smaller window or "
                "padding 'same'."
            )
            raise ValueError(msg)
        padded = (height + sum(pads[0]), width + sum(pads[1]))
        numbers = max(math.prod(padded), math.prod(outs) * math.prod(self.size)) * channels
        if numbers > MAX_WINDOW_NUMBERS:
            msg = (
                f"{owner}: windows of {self.size} (span {self.span}) on a {height}x{width}x"
                f"{channels} image would read {numbers:,} numbers per sample; the engine "
                f"allows at most {MAX_WINDOW_NUMBERS:,}."
            )
            raise ValueError(msg)
        return Placement((outs[0], outs[1]), (pads[0], pads[1]), padded)

    def offsets(self, placement: Placement) -> Iterator[tuple[int, int, slice, slice]]:
        """``(i, j, rows, columns)``: the padded input's pixels under window offset (i, j)."""
        (ho, wo), (sh, sw), (dh, dw) = placement.out, self.strides, self.dilation
        for i in range(self.size[0]):
            rows = slice(i * dh, i * dh + (ho - 1) * sh + 1, sh)
            for j in range(self.size[1]):
                yield i, j, rows, slice(j * dw, j * dw + (wo - 1) * sw + 1, sw)


def pad(x: np.ndarray, pads: Pads, fill: float = 0.0) -> np.ndarray:
    """``x`` ``(batch, h, w, c)`` with ``pads`` rows and columns of ``fill`` around it."""
    (top, bottom), (left, right) = pads
    if top == bottom == left == right == 0:
        return x
    batch, height, width, channels = x.shape
    out = np.full((batch, height + top + bottom, width + left + right, channels), fill, x.dtype)
    out[:, top : top + height, left : left + width] = x
    return out


def crop(x: np.ndarray, pads: Pads) -> np.ndarray:
    """The inverse of :func:`pad`: ``x`` without its padding."""
    (top, bottom), (left, right) = pads
    return x[:, top : x.shape[1] - bottom, left : x.shape[2] - right]


def patches(x: np.ndarray, window: Window, placement: Placement) -> np.ndarray:
    """im2col: every window of the (padded) input as one row, ``(batch * ho * wo, kh * kw * c)``.

    The row holds the window's pixels in the order of a Keras kernel ``(kh, kw, c, filters)``,
    channels last, so ``patches @ kernel.reshape(-1, filters)`` is the convolution.
    """
    xp = pad(x, placement.pads)
    (ho, wo), (kh, kw), channels = placement.out, window.size, x.shape[-1]
    if channels < FEW_CHANNELS:
        return _patches_by_offset(xp, window, placement)
    rows = np.empty((len(x), ho, wo, kh, kw, channels), x.dtype)
    (sh, sw), (dh, dw) = window.strides, window.dilation
    views = sliding_window_view(xp, window.span, axis=(1, 2))  # (b, h', w', c, span, span)
    np.copyto(rows, views[:, ::sh, ::sw, :, ::dh, ::dw].transpose(0, 1, 2, 4, 5, 3))
    return rows.reshape(-1, kh * kw * channels)


def patches_with_ones(x: np.ndarray, window: Window, placement: Placement) -> np.ndarray:
    """:func:`patches` with a last column of ones, ``(batch * ho * wo, kh * kw * c + 1)``.

    Times a kernel with the bias as its last row, it gives ``z`` with the bias added inside
    the matrix product: for a first layer's thin product (9 columns) that saves a pass over
    the output as long as the product itself.
    """
    return _patches_by_offset(pad(x, placement.pads), window, placement, ones=True)


def _patches_by_offset(
    xp: np.ndarray, window: Window, placement: Placement, ones: bool = False
) -> np.ndarray:
    """im2col of the padded ``xp``, one window offset at a time (fast for few channels)."""
    (ho, wo), (_, kw), channels = placement.out, window.size, xp.shape[-1]
    width = window.size[0] * kw * channels
    rows = np.empty((len(xp), ho, wo, width + ones), xp.dtype)
    for i, j, window_rows, window_cols in window.offsets(placement):
        start = (i * kw + j) * channels
        rows[:, :, :, start : start + channels] = xp[:, window_rows, window_cols]
    if ones:
        rows[:, :, :, width] = 1
    return rows.reshape(-1, width + ones)


def add_into_windows(
    grad: np.ndarray, window: Window, placement: Placement, input_shape: tuple[int, ...]
) -> np.ndarray:
    """The backward of :func:`patches` (col2im): each window's gradient ``(batch, ho, wo,
    kh, kw, c)`` added back onto the pixels it read, ``(batch, h, w, c)``."""
    batch, *_, channels = grad.shape
    out = np.zeros((batch, *placement.padded, channels), grad.dtype)
    for i, j, rows, cols in window.offsets(placement):
        out[:, rows, cols] += grad[:, :, :, i, j]
    return crop(out, placement.pads) if input_shape[:2] != placement.padded else out
