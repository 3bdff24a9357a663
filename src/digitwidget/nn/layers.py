"""Layers, named and configured as Keras names them.

A layer is called on a batch: ``y = layer(x)`` with ``x`` of shape ``(batch, ...)``.
``layer(x, out=buffer)`` writes the result into a preallocated buffer instead (the model
uses this to avoid allocations); layers that only reshape or pass through ignore ``out``.
Shapes in :meth:`Layer.build` exclude the batch axis.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from digitwidget.nn._config_values import config_number
from digitwidget.nn.activations import ActivationFunction, get_activation

Shape = tuple[int, ...]


def _as_weight(layer: str, name: str, value: Any, ndim: int) -> np.ndarray:
    """Validate one weight array and return it as C-contiguous float32."""
    array = np.asarray(value)
    if array.dtype.kind != "f" or array.ndim != ndim:
        msg = (
            f"Layer {layer!r}: {name} must be a {ndim}-d float array. "
            f"Received: dtype={array.dtype}, shape={array.shape}."
        )
        raise ValueError(msg)
    # Checked after the conversion: a float64 weight beyond float32's range becomes inf.
    with np.errstate(over="ignore"):
        weight = np.ascontiguousarray(array, dtype=np.float32)
    if not np.all(np.isfinite(weight)):
        beyond = np.all(np.isfinite(array))  # finite as read, infinite as float32
        problem = (
            "values beyond float32's range (about 3.4e38)" if beyond else "NaN or infinite values"
        )
        msg = f"Layer {layer!r}: {name} contains {problem}; retrain or re-export it."
        raise ValueError(msg)
    return weight


class Layer:
    """Base class: one named step of the forward pass, ``y = layer(x)``."""

    makes_array: ClassVar[bool] = True  # False when the output is a view of the input
    is_identity: ClassVar[bool] = False  # True when the layer does nothing at inference

    def __init__(self, name: str) -> None:
        self.name = name

    def build(self, input_shape: Shape) -> Shape:
        """Check the input shape (without batch axis) and return the output shape."""
        return input_shape

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return x

    def get_config(self) -> dict[str, Any]:
        """The JSON-serialisable configuration (without weights)."""
        return {}

    @property
    def weights(self) -> dict[str, np.ndarray]:
        """Named weight arrays, e.g. ``{"kernel": ..., "bias": ...}``."""
        return {}

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        """Build the layer from a Keras or engine config; extra Keras keys are ignored."""
        return cls(name)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class InputLayer(Layer):
    """Declares the input shape; passes the batch through unchanged."""

    makes_array = False
    is_identity = True

    def __init__(self, name: str, shape: Shape) -> None:
        super().__init__(name)
        self.shape = tuple(int(d) for d in shape)

    def build(self, input_shape: Shape) -> Shape:
        if tuple(input_shape) != self.shape:
            msg = f"InputLayer {self.name!r} expects shape {self.shape}. Received: {input_shape}."
            raise ValueError(msg)
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


class Flatten(Layer):
    """Flattens each sample: ``(batch, d1, d2, ...) -> (batch, d1 * d2 * ...)``."""

    makes_array = False

    def build(self, input_shape: Shape) -> Shape:
        return (math.prod(input_shape),)

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return x.reshape(len(x), -1)


class Dropout(Layer):
    """Dropout: the identity at inference (it only acts while training)."""

    makes_array = False
    is_identity = True

    def __init__(self, name: str, rate: float = 0.0) -> None:
        super().__init__(name)
        self.rate = config_number(f"Dropout {name!r}", "rate", rate, low=0.0, high=1.0)

    def get_config(self) -> dict[str, Any]:
        return {"rate": self.rate}

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        return cls(name, config.get("rate", 0.0))


class Rescaling(Layer):
    """Rescaling: ``y = x * scale + offset`` (e.g. ``scale=1/255`` maps bytes to [0, 1])."""

    def __init__(self, name: str, scale: float = 1.0, offset: float = 0.0) -> None:
        super().__init__(name)
        self.scale = config_number(f"Rescaling {name!r}", "scale", scale)
        self.offset = config_number(f"Rescaling {name!r}", "offset", offset)

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        y = np.multiply(x, np.float32(self.scale), out=out)
        y += np.float32(self.offset)
        return y

    def get_config(self) -> dict[str, Any]:
        return {"scale": self.scale, "offset": self.offset}

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        return cls(name, config.get("scale", 1.0), config.get("offset", 0.0))


class Dense(Layer):
    """Fully connected layer: ``y = activation(x @ kernel + bias)``.

    Args:
        name: Layer name.
        kernel: ``(in, units)`` float array.
        bias: ``(units,)`` float array, or ``None`` when ``use_bias`` is false.
        activation: An activation name or config (see ``get_activation``).

    Example:
        >>> layer = Dense("d", np.array([[1, -2], [3, -4]], float), np.array([5, -6.0]), "relu")
        >>> layer(np.array([[-1, 2]], np.float32))
        array([[10.,  0.]], dtype=float32)
    """

    def __init__(
        self,
        name: str,
        kernel: np.ndarray,
        bias: np.ndarray | None = None,
        activation: str | dict[str, Any] | ActivationFunction | None = None,
    ) -> None:
        super().__init__(name)
        # Column-major (Fortran-order) kernels measured ~1 µs faster per image at batch 1 and a
        # few percent faster on large batches with NumPy's OpenBLAS (bench/engine.py).
        self.kernel = np.asfortranarray(_as_weight(name, "kernel", kernel, 2))
        self.bias = None if bias is None else _as_weight(name, "bias", bias, 1)
        self.activation = get_activation(activation)
        self.units = self.kernel.shape[1]
        if self.bias is not None and self.bias.shape != (self.units,):
            msg = (
                f"Dense {name!r}: bias must have shape ({self.units},) to match the kernel "
                f"{self.kernel.shape}. Received: bias shape {self.bias.shape}."
            )
            raise ValueError(msg)

    @property
    def use_bias(self) -> bool:
        return self.bias is not None

    def build(self, input_shape: Shape) -> Shape:
        if not input_shape or input_shape[-1] != self.kernel.shape[0]:
            msg = (
                f"Dense {self.name!r} has a kernel of shape {self.kernel.shape}, so it expects "
                f"inputs whose last axis is {self.kernel.shape[0]}. Received: {input_shape}."
            )
            raise ValueError(msg)
        return (*input_shape[:-1], self.units)

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        y = np.dot(x, self.kernel, out=out)
        if self.bias is not None:
            y += self.bias
        return self.activation.function(y, out=y)  # one call less: ~0.3 µs per layer

    def get_config(self) -> dict[str, Any]:
        return {
            "units": self.units,
            "activation": self.activation.config,
            "use_bias": self.use_bias,
        }

    @property
    def weights(self) -> dict[str, np.ndarray]:
        return (
            {"kernel": self.kernel}
            if self.bias is None
            else {"kernel": self.kernel, "bias": self.bias}
        )

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        expected = ["kernel", "bias"] if config.get("use_bias", True) else ["kernel"]
        if sorted(weights) != sorted(expected):
            msg = f"Dense {name!r} needs weights {expected}. Received: {sorted(weights)}."
            raise ValueError(msg)
        layer = cls(name, weights["kernel"], weights.get("bias"), config.get("activation"))
        units = config.get("units", layer.units)
        if units != layer.units:
            msg = f"Dense {name!r} declares units={units} but its kernel is {layer.kernel.shape}."
            raise ValueError(msg)
        return layer
