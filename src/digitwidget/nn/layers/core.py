"""Layers without weights that pass values on, move them or scale them.

InputLayer and Dropout do nothing at inference, Flatten only reshapes, Rescaling is
``x * scale + offset``. Their gradients are as plain: passed on, reshaped back, scaled.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from digitwidget.nn._config_values import config_number
from digitwidget.nn.layers.base import Cache, Gradients, Layer, Shape
from digitwidget.nn.layers.windows import check_channels_last


class _PassThrough(Layer):
    """A layer that is the identity at inference: ``y = x``, ``dL/dx = dL/dy``."""

    makes_array = False
    is_identity = True

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, Cache]:
        return x, ()

    def backward(
        self, grad: np.ndarray, cache: Cache, *, weight_grads: bool = True
    ) -> tuple[np.ndarray, Gradients]:
        return grad, {}


class InputLayer(_PassThrough):
    """Declares the input shape; passes the batch through unchanged."""

    def __init__(self, name: str, shape: Shape) -> None:
        super().__init__(name)
        self.shape = tuple(int(d) for d in shape)

    def build(self, input_shape: Shape) -> Shape:
        if tuple(input_shape) != self.shape:
            msg = f"InputLayer {self.name!r} expects shape {self.shape}. Received: {input_shape}."
            raise ValueError(msg)
        return self.shape

    @property
    def declared_shape(self) -> Shape:
        return self.shape

    def get_config(self) -> dict[str, Any]:
        return {"shape": list(self.shape)}

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        shape = config.get("shape")
        batch_shape = config.get("batch_shape", config.get("batch_input_shape"))
        if shape is None and isinstance(batch_shape, list):
            shape = batch_shape[1:]
        if not isinstance(shape, list) or not all(isinstance(d, int) and d > 0 for d in shape):
            msg = f"InputLayer {name!r} needs a fixed shape of positive ints. Received: {config}."
            raise ValueError(msg)
        return cls(name, tuple(shape))


class Dropout(_PassThrough):
    """Dropout: the identity at inference (it only acts while training)."""

    def __init__(self, name: str, rate: float = 0.0) -> None:
        super().__init__(name)
        self.rate = config_number(f"Dropout {name!r}", "rate", rate, low=0.0, high=1.0)

    def get_config(self) -> dict[str, Any]:
        return {"rate": self.rate}

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        return cls(name, config.get("rate", 0.0))


class Flatten(Layer):
    """Flattens each sample: ``(batch, d1, d2, ...) -> (batch, d1 * d2 * ...)``.

    Backward: the gradient is reshaped back, ``(batch, d1 * d2 * ...) -> (batch, d1, d2, ...)``.
    """

    makes_array = False
    only_reshapes = True

    def build(self, input_shape: Shape) -> Shape:
        return self.compute_output_shape({}, input_shape)

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return x.reshape(len(x), -1)

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, Cache]:
        return self(x), (x,)

    def backward(
        self, grad: np.ndarray, cache: Cache, *, weight_grads: bool = True
    ) -> tuple[np.ndarray, Gradients]:
        (x,) = cache
        return grad.reshape(x.shape), {}

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        check_channels_last(f"Flatten {name!r}", config)
        return cls(name)

    @classmethod
    def compute_output_shape(cls, config: dict[str, Any], input_shape: Shape) -> Shape:
        check_channels_last(f"Flatten {config.get('name')!r}", config)
        return (math.prod(input_shape),)


class Rescaling(Layer):
    """Rescaling: ``y = x * scale + offset`` (e.g. ``scale=1/255`` maps bytes to [0, 1]).

    ``scale`` and ``offset`` are applied as float32, as Keras applies them.
    Backward: ``dL/dx = scale * dL/dy``.
    """

    is_preprocessing = True

    def __init__(self, name: str, scale: float = 1.0, offset: float = 0.0) -> None:
        super().__init__(name)
        self.scale = config_number(f"Rescaling {name!r}", "scale", scale)
        self.offset = config_number(f"Rescaling {name!r}", "offset", offset)

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        y: np.ndarray = np.multiply(x, np.float32(self.scale), out=out)
        y += np.float32(self.offset)
        return y

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, Cache]:
        return self(x), ()

    def backward(
        self, grad: np.ndarray, cache: Cache, *, weight_grads: bool = True
    ) -> tuple[np.ndarray, Gradients]:
        return grad * np.float32(self.scale), {}

    @property
    def reads_bytes(self) -> bool:
        return math.isclose(self.scale, 1 / 255) and self.offset == 0

    def get_config(self) -> dict[str, Any]:
        return {"scale": self.scale, "offset": self.offset}

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        return cls(name, config.get("scale", 1.0), config.get("offset", 0.0))
