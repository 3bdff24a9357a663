"""Pooling: the largest or the mean value of each window, channel by channel.

``MaxPooling2D`` and ``AveragePooling2D`` slide a ``pool_size`` window ``strides`` apart
(by default ``pool_size``: windows side by side). They combine the window's pixels one
offset at a time: with a 2x2 window that is four strided slices, each compared with (or
added to) the running result, over the whole batch at once.

With ``padding="same"``, max pooling pads with -inf (a padded pixel never wins) and
average pooling divides each window's sum by its number of real pixels, not by the
window's size, as Keras does. The global poolings reduce over the whole image.

Backward: a max window's gradient goes to the pixel that won (the first one, on a tie,
as TensorFlow's max pooling does); an average window's is shared equally by its pixels.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from digitwidget.nn.layers.base import Cache, Gradients, Layer, Shape
from digitwidget.nn.layers.windows import (
    Placement,
    Window,
    check_channels_last,
    config_padding,
    config_pair,
    crop,
    image_shape,
    pad,
)


class _Pooling2D(Layer):
    """A window combined channel by channel; no weights."""

    kind = "pool"

    def __init__(
        self, name: str, pool_size: Any = 2, strides: Any = None, padding: Any = "valid"
    ) -> None:
        super().__init__(name)
        self.owner = f"{type(self).__name__} {name!r}"
        self.window = _window(self.owner, pool_size, strides, padding)
        self._placements: dict[tuple[int, ...], Placement] = {}

    def place(self, input_shape: Shape) -> Placement:
        """Where the windows sit on images of ``input_shape`` (remembered per shape)."""
        placement = self._placements.get(input_shape)
        if placement is None:
            placement = self.window.place(self.owner, *image_shape(self.owner, input_shape))
            self._placements[input_shape] = placement
        return placement

    def build(self, input_shape: Shape) -> Shape:
        return (*self.place(tuple(input_shape)).out, input_shape[-1])

    def temporary_numbers(self, input_shape: Shape) -> int:
        """The padded image (a copy, when there is padding) and a mask as large as the output."""
        placement = self.place(tuple(input_shape))
        return (math.prod(placement.padded) + math.prod(placement.out)) * input_shape[-1]

    def _slices(self, x: np.ndarray, fill: float) -> tuple[np.ndarray, Placement]:
        placement = self.place(x.shape[1:])
        return pad(x, placement.pads, fill), placement

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, Cache]:
        y = self(x)
        return y, (x, y)

    def get_config(self) -> dict[str, Any]:
        return {
            "pool_size": list(self.window.size),
            "strides": list(self.window.strides),
            "padding": self.window.padding,
        }

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        check_channels_last(f"{cls.__name__} {name!r}", config)
        return cls(
            name,
            config.get("pool_size", 2),
            config.get("strides"),
            config.get("padding", "valid"),
        )

    @classmethod
    def compute_output_shape(cls, config: dict[str, Any], input_shape: Shape) -> Shape:
        owner = f"{cls.__name__} {config.get('name')!r}"
        check_channels_last(owner, config)
        window = _window(
            owner, config.get("pool_size", 2), config.get("strides"), config.get("padding", "valid")
        )
        height, width, channels = image_shape(owner, input_shape)
        return (*window.place(owner, height, width, channels).out, channels)


def _window(owner: str, pool_size: Any, strides: Any, padding: Any) -> Window:
    size = config_pair(owner, "pool_size", pool_size)
    step = size if strides is None else config_pair(owner, "strides", strides)
    return Window(size, step, padding=config_padding(owner, padding))


class MaxPooling2D(_Pooling2D):
    """The largest value of each ``pool_size`` window, per channel.

    Example:
        >>> x = np.arange(16, dtype=np.float32).reshape(1, 4, 4, 1)
        >>> MaxPooling2D("p")(x)[0, :, :, 0]
        array([[ 5.,  7.],
               [13., 15.]], dtype=float32)
    """

    takes_maxima = True

    def max_pool_window(self) -> Window:
        return self.window

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        xp, placement = self._slices(x, -np.inf)
        offsets = self.window.offsets(placement)
        _, _, rows, cols = next(offsets)
        if out is None:
            out = xp[:, rows, cols].copy()
        else:
            np.copyto(out, xp[:, rows, cols])
        for _, _, rows, cols in offsets:
            np.maximum(out, xp[:, rows, cols], out=out)
        return out

    def backward(
        self, grad: np.ndarray, cache: Cache, *, weight_grads: bool = True
    ) -> tuple[np.ndarray, Gradients]:
        x, y = cache
        xp, placement = self._slices(x, -np.inf)
        grad_xp = np.zeros(xp.shape, grad.dtype)
        taken = np.zeros(y.shape, bool)
        for _, _, rows, cols in self.window.offsets(placement):
            wins = (xp[:, rows, cols] == y) & ~taken
            grad_xp[:, rows, cols] += np.where(wins, grad, 0)
            taken |= wins
        return crop(grad_xp, placement.pads), {}


class AveragePooling2D(_Pooling2D):
    """The mean of each ``pool_size`` window, per channel (of its real pixels only)."""

    def _counts(self, placement: Placement, shape: Shape, dtype: np.dtype[Any]) -> np.ndarray:
        """How many real (unpadded) pixels each window holds, ``(out_h, out_w, 1)``."""
        if placement.padded == shape[:2]:
            return np.array(self.window.size[0] * self.window.size[1], dtype)
        ones = pad(np.ones((1, *shape[:2], 1), dtype), placement.pads)
        counts = np.zeros((*placement.out, 1), dtype)
        for _, _, rows, cols in self.window.offsets(placement):
            counts += ones[0, rows, cols]
        return counts

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        xp, placement = self._slices(x, 0.0)
        if out is None:
            out = np.zeros((len(x), *placement.out, x.shape[-1]), x.dtype)
        else:
            out.fill(0)
        for _, _, rows, cols in self.window.offsets(placement):
            out += xp[:, rows, cols]
        out /= self._counts(placement, x.shape[1:], out.dtype)
        return out

    def backward(
        self, grad: np.ndarray, cache: Cache, *, weight_grads: bool = True
    ) -> tuple[np.ndarray, Gradients]:
        x, _ = cache
        placement = self.place(x.shape[1:])
        share = grad / self._counts(placement, x.shape[1:], grad.dtype)
        grad_xp = np.zeros((len(x), *placement.padded, x.shape[-1]), grad.dtype)
        for _, _, rows, cols in self.window.offsets(placement):
            grad_xp[:, rows, cols] += share
        return crop(grad_xp, placement.pads), {}


class _GlobalPooling2D(Layer):
    """One value per channel for the whole image: ``(h, w, c) -> (c,)`` (or ``(1, 1, c)``)."""

    kind = "pool"

    def __init__(self, name: str, keepdims: bool = False) -> None:
        super().__init__(name)
        self.keepdims = bool(keepdims)

    def build(self, input_shape: Shape) -> Shape:
        return self.compute_output_shape(
            {"keepdims": self.keepdims, "name": self.name}, input_shape
        )

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, Cache]:
        y = self(x)
        return y, (x, y)

    def _put(self, y: np.ndarray, out: np.ndarray | None) -> np.ndarray:
        y = y.reshape(len(y), 1, 1, -1) if self.keepdims else y
        if out is None:
            return y
        np.copyto(out, y)
        return out

    def get_config(self) -> dict[str, Any]:
        return {"keepdims": self.keepdims}

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        check_channels_last(f"{cls.__name__} {name!r}", config)
        keepdims = config.get("keepdims", False)
        if not isinstance(keepdims, bool):
            msg = f"{cls.__name__} {name!r}: keepdims must be true or false. Received: {keepdims!r:.40}."
            raise ValueError(msg)
        return cls(name, keepdims)

    @classmethod
    def compute_output_shape(cls, config: dict[str, Any], input_shape: Shape) -> Shape:
        owner = f"{cls.__name__} {config.get('name')!r}"
        check_channels_last(owner, config)
        channels = image_shape(owner, input_shape)[2]
        return (1, 1, channels) if config.get("keepdims") is True else (channels,)


class GlobalAveragePooling2D(_GlobalPooling2D):
    """The mean of each channel over the image."""

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return self._put(x.mean(axis=(1, 2)), out)

    def backward(
        self, grad: np.ndarray, cache: Cache, *, weight_grads: bool = True
    ) -> tuple[np.ndarray, Gradients]:
        x, _ = cache
        share = grad.reshape(len(x), 1, 1, -1) / (x.shape[1] * x.shape[2])
        return np.broadcast_to(share, x.shape).copy(), {}


class GlobalMaxPooling2D(_GlobalPooling2D):
    """The largest value of each channel over the image."""

    takes_maxima = True

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return self._put(x.max(axis=(1, 2)), out)

    def backward(
        self, grad: np.ndarray, cache: Cache, *, weight_grads: bool = True
    ) -> tuple[np.ndarray, Gradients]:
        x, _ = cache
        batch, height, width, channels = x.shape
        pixels = x.reshape(batch, height * width, channels)
        winners = np.argmax(pixels, axis=1)  # the first largest pixel of each channel
        grad_x = np.zeros(pixels.shape, grad.dtype)
        np.put_along_axis(grad_x, winners[:, None], grad.reshape(batch, 1, channels), axis=1)
        return grad_x.reshape(x.shape), {}
