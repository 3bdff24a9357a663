"""Layers that apply one activation: ``y = f(x)``, and backward ``dL/dx = f.backward(dL/dy, x, y)``.

``Activation`` takes any activation by name; ``ReLU``, ``LeakyReLU``, ``Softmax`` and
``ELU`` are Keras's dedicated layers with their own arguments and defaults. The formulas
and their derivatives are in :mod:`digitwidget.nn.activations`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from digitwidget.nn._config_values import config_number
from digitwidget.nn.activations import ActivationFunction, get_activation
from digitwidget.nn.layers.base import Cache, Gradients, Layer


class Activation(Layer):
    """Applies an activation function: ``y = activation(x)``.

    Example:
        >>> Activation("a", "relu")(np.array([[-1.0, 2.0]], np.float32))
        array([[0., 2.]], dtype=float32)
    """

    kind = "activation"

    activation: ActivationFunction

    def __init__(
        self, name: str, activation: str | dict[str, Any] | ActivationFunction | None
    ) -> None:
        super().__init__(name)
        self.activation = get_activation(activation)

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return self.activation(x, out=out)

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, Cache]:
        y = self.activation(x)
        return y, (x, y)

    def backward(
        self, grad: np.ndarray, cache: Cache, *, weight_grads: bool = True
    ) -> tuple[np.ndarray, Gradients]:
        x, y = cache
        return self.activation.backward(grad, x, y), {}

    def get_config(self) -> dict[str, Any]:
        return {"activation": self.activation.config}

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        return cls(name, config.get("activation"))


class ReLU(Activation):
    """ReLU layer: ``max(x, 0)``, with Keras's ``max_value``, ``negative_slope``, ``threshold``."""

    def __init__(
        self,
        name: str,
        max_value: float | None = None,
        negative_slope: float = 0.0,
        threshold: float = 0.0,
    ) -> None:
        params = {"negative_slope": negative_slope, "max_value": max_value, "threshold": threshold}
        defaults = {"negative_slope": 0.0, "max_value": None, "threshold": 0.0}
        changed = {k: v for k, v in params.items() if v != defaults[k]}
        super().__init__(name, {"name": "relu", **changed})
        self.params = params

    def get_config(self) -> dict[str, Any]:
        return dict(self.params)

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        return cls(
            name,
            config.get("max_value"),
            config.get("negative_slope", 0.0),
            config.get("threshold", 0.0),
        )


class LeakyReLU(Activation):
    """Leaky ReLU layer: ``x`` if ``x >= 0`` else ``negative_slope * x`` (layer default 0.3)."""

    def __init__(self, name: str, negative_slope: float = 0.3) -> None:
        slope = config_number(f"LeakyReLU {name!r}", "negative_slope", negative_slope, low=0.0)
        super().__init__(name, {"name": "leaky_relu", "negative_slope": slope})
        self.negative_slope = slope

    def get_config(self) -> dict[str, Any]:
        return {"negative_slope": self.negative_slope}

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        return cls(name, config.get("negative_slope", config.get("alpha", 0.3)))


class Softmax(Activation):
    """Softmax layer over the last axis: ``exp(x_i) / sum_j exp(x_j)``."""

    def __init__(self, name: str, axis: int = -1) -> None:
        if axis != -1:
            msg = f"Softmax {name!r}: only axis=-1 is supported. Received: axis={axis!r}."
            raise ValueError(msg)
        super().__init__(name, "softmax")

    def get_config(self) -> dict[str, Any]:
        return {"axis": -1}

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        return cls(name, config.get("axis", -1))


class ELU(Activation):
    """ELU layer: ``x`` if ``x > 0`` else ``alpha * (exp(x) - 1)``."""

    def __init__(self, name: str, alpha: float = 1.0) -> None:
        self.alpha = config_number(f"ELU {name!r}", "alpha", alpha)
        super().__init__(name, {"name": "elu", "alpha": self.alpha})

    def get_config(self) -> dict[str, Any]:
        return {"alpha": self.alpha}

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        return cls(name, config.get("alpha", 1.0))
