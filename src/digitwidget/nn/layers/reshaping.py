"""Layers that move values without changing them: ``Reshape`` and ``ZeroPadding2D``.

``Reshape`` views each sample in a new shape (C order, as Keras), and its backward
pass views the gradient back. ``ZeroPadding2D`` puts rows and columns of zeros around
each image; its backward pass crops them off the gradient.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from digitwidget.nn._limits import MAX_FEATURES
from digitwidget.nn.layers.base import Cache, Gradients, Layer, Shape
from digitwidget.nn.layers.windows import (
    MAX_SIDE,
    Pads,
    check_channels_last,
    crop,
    image_shape,
    pad,
)


class Reshape(Layer):
    """Each sample reshaped to ``target_shape`` (one entry may be -1: whatever is left).

    Example:
        >>> Reshape("r", (28, 28, 1))(np.zeros((5, 784), np.float32)).shape
        (5, 28, 28, 1)
    """

    makes_array = False
    only_reshapes = True

    def __init__(self, name: str, target_shape: Any) -> None:
        super().__init__(name)
        self.target_shape = _target_shape(f"Reshape {name!r}", target_shape)

    def build(self, input_shape: Shape) -> Shape:
        return _resolve(f"Reshape {self.name!r}", self.target_shape, input_shape)

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return x.reshape(len(x), *self.target_shape)

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, Cache]:
        return self(x), (x,)

    def backward(
        self, grad: np.ndarray, cache: Cache, *, weight_grads: bool = True
    ) -> tuple[np.ndarray, Gradients]:
        (x,) = cache
        return grad.reshape(x.shape), {}

    def get_config(self) -> dict[str, Any]:
        return {"target_shape": list(self.target_shape)}

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        return cls(name, config.get("target_shape"))

    @classmethod
    def compute_output_shape(cls, config: dict[str, Any], input_shape: Shape) -> Shape:
        owner = f"Reshape {config.get('name')!r}"
        return _resolve(owner, _target_shape(owner, config.get("target_shape")), input_shape)


def _target_shape(owner: str, value: Any) -> Shape:
    if (
        isinstance(value, list | tuple)
        and 0 < len(value) <= 8
        and all(isinstance(d, int) and not isinstance(d, bool) for d in value)
        and all(d == -1 or 0 < d <= MAX_FEATURES for d in value)
        and list(value).count(-1) <= 1
    ):
        return tuple(int(d) for d in value)
    msg = (
        f"{owner}: target_shape must be 1 to 8 positive ints (one may be -1). "
        f"Received: {value!r:.80}."
    )
    raise ValueError(msg)


def _resolve(owner: str, target: Shape, input_shape: Shape) -> Shape:
    """``target`` with its -1 filled in, if it holds as many numbers as ``input_shape``."""
    size, known = math.prod(input_shape), math.prod(d for d in target if d != -1)
    shape = tuple(size // known if d == -1 else d for d in target)
    if math.prod(shape) != size:
        msg = f"{owner} cannot reshape {tuple(input_shape)} ({size:,} numbers) to {target}."
        raise ValueError(msg)
    return shape


class ZeroPadding2D(Layer):
    """Rows and columns of zeros around each image: ``padding`` is an int, ``(rows, cols)``
    or ``((top, bottom), (left, right))``.

    Example:
        >>> ZeroPadding2D("z", 1)(np.ones((1, 2, 2, 1), np.float32))[0, :, :, 0]
        array([[0., 0., 0., 0.],
               [0., 1., 1., 0.],
               [0., 1., 1., 0.],
               [0., 0., 0., 0.]], dtype=float32)
    """

    kind = "padding"

    def __init__(self, name: str, padding: Any = 1) -> None:
        super().__init__(name)
        self.padding = _pads(f"ZeroPadding2D {name!r}", padding)

    def build(self, input_shape: Shape) -> Shape:
        return self.compute_output_shape({"padding": self.padding, "name": self.name}, input_shape)

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        y = pad(x, self.padding)
        if out is None:
            return y
        np.copyto(out, y)
        return out

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, Cache]:
        return self(x), ()

    def backward(
        self, grad: np.ndarray, cache: Cache, *, weight_grads: bool = True
    ) -> tuple[np.ndarray, Gradients]:
        return crop(grad, self.padding).copy(), {}

    def get_config(self) -> dict[str, Any]:
        return {"padding": [list(side) for side in self.padding]}

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        check_channels_last(f"ZeroPadding2D {name!r}", config)
        return cls(name, config.get("padding", 1))

    @classmethod
    def compute_output_shape(cls, config: dict[str, Any], input_shape: Shape) -> Shape:
        owner = f"ZeroPadding2D {config.get('name')!r}"
        check_channels_last(owner, config)
        (top, bottom), (left, right) = _pads(owner, config.get("padding", 1))
        height, width, channels = image_shape(owner, input_shape)
        return height + top + bottom, width + left + right, channels


def _pads(owner: str, value: Any) -> Pads:
    def side(v: Any) -> int | None:
        ok = isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_SIDE
        return int(v) if ok else None

    pairs: Any = value
    if side(value) is not None:
        pairs = ((value, value), (value, value))
    elif (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(side(v) is not None for v in value)
    ):
        pairs = ((value[0], value[0]), (value[1], value[1]))
    if (
        isinstance(pairs, list | tuple)
        and len(pairs) == 2
        and all(isinstance(p, list | tuple) and len(p) == 2 for p in pairs)
        and all(side(v) is not None for p in pairs for v in p)
    ):
        return (int(pairs[0][0]), int(pairs[0][1])), (int(pairs[1][0]), int(pairs[1][1]))
    msg = (
        f"{owner}: padding must be an int, (rows, columns) or ((top, bottom), (left, right)) "
        f"of ints between 0 and {MAX_SIDE:,}. Received: {value!r:.80}."
    )
    raise ValueError(msg)
