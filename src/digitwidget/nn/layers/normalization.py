"""Batch normalization at inference: each channel shifted and scaled by fixed statistics.

::

    y = (x - moving_mean) / sqrt(moving_variance + epsilon) * gamma + beta

over the last axis (the channels). The moving statistics were gathered while training;
here they are constants, so the layer is an affine map per channel and its backward pass
is ``dL/dx = dL/dy * gamma / sqrt(moving_variance + epsilon)``. ``gamma`` and ``beta`` get
gradients; the moving statistics are frozen (:attr:`Layer.frozen_weights`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from digitwidget.nn._config_values import config_number
from digitwidget.nn.layers.base import Cache, Gradients, Layer, Shape, as_weight


class BatchNormalization(Layer):
    """Inference-mode batch normalization over the last axis.

    Args:
        name: Layer name.
        moving_mean, moving_variance: ``(channels,)`` statistics.
        gamma: ``(channels,)`` scale, or None when ``scale`` is off (then 1).
        beta: ``(channels,)`` offset, or None when ``center`` is off (then 0).
        epsilon: Added to the variance (Keras's default is 1e-3).
        axis: The normalised axis: only the last one (-1, or its index) is supported.

    Example:
        >>> bn = BatchNormalization("bn", np.array([1.0]), np.array([4.0 - 1e-3]))
        >>> bn(np.array([[5.0]], np.float32))   # (5 - 1) / sqrt(4)
        array([[2.]], dtype=float32)
    """

    kind = "norm"

    weight_names = ("gamma", "beta", "moving_mean", "moving_variance")
    frozen_weights = ("moving_mean", "moving_variance")

    def __init__(
        self,
        name: str,
        moving_mean: np.ndarray,
        moving_variance: np.ndarray,
        gamma: np.ndarray | None = None,
        beta: np.ndarray | None = None,
        *,
        epsilon: float = 1e-3,
        axis: Any = -1,
    ) -> None:
        super().__init__(name)
        owner = f"BatchNormalization {name!r}"
        self.moving_mean = as_weight(name, "moving_mean", moving_mean, 1)
        self.moving_variance = as_weight(name, "moving_variance", moving_variance, 1)
        self.gamma = None if gamma is None else as_weight(name, "gamma", gamma, 1)
        self.beta = None if beta is None else as_weight(name, "beta", beta, 1)
        self.epsilon = config_number(owner, "epsilon", epsilon, low=0.0)
        self.axis = axis
        self.channels = len(self.moving_mean)
        for key, weight in self.weights.items():
            if weight.shape != (self.channels,):
                msg = f"{owner}: {key} must have shape ({self.channels},) like moving_mean. Received: {weight.shape}."
                raise ValueError(msg)
        if np.any(self.moving_variance + np.float32(self.epsilon) <= 0):
            msg = (
                f"{owner}: moving_variance + epsilon must be positive (its square root "
                f"divides). Received: smallest moving_variance {self.moving_variance.min()}, "
                f"epsilon {self.epsilon}."
            )
            raise ValueError(msg)

    def build(self, input_shape: Shape) -> Shape:
        _check_axis({"axis": self.axis}, input_shape, self.name)
        if not input_shape or input_shape[-1] != self.channels:
            msg = (
                f"BatchNormalization {self.name!r} holds statistics for {self.channels} "
                f"channels on the last axis. Received: input shape {input_shape}."
            )
            raise ValueError(msg)
        return input_shape

    def _inverse_std(self, dtype: Any) -> np.ndarray:
        """``1 / sqrt(moving_variance + epsilon)``."""
        variance = self.moving_variance.astype(dtype, copy=False)
        inverse: np.ndarray = 1 / np.sqrt(variance + np.asarray(self.epsilon, dtype))
        return inverse

    def _scale(self, dtype: Any) -> np.ndarray:
        """``gamma / sqrt(moving_variance + epsilon)``: what multiplies ``x - moving_mean``."""
        inverse = self._inverse_std(dtype)
        return inverse if self.gamma is None else inverse * self.gamma

    def as_affine(self) -> tuple[np.ndarray, np.ndarray]:
        """``(s, t)`` with ``y = x * s + t``: ``s = gamma / sqrt(moving_variance + epsilon)``
        and ``t = beta - moving_mean * s``, in float64."""
        scale = self._scale(np.float64) * np.ones(self.channels)
        beta = 0.0 if self.beta is None else self.beta.astype(np.float64)
        return scale, beta - self.moving_mean.astype(np.float64) * scale

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        y: np.ndarray = np.subtract(x, self.moving_mean, out=out)
        y *= self._scale(y.dtype)
        if self.beta is not None:
            y += self.beta
        return y

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, Cache]:
        return self(x), (x,)

    def backward(
        self, grad: np.ndarray, cache: Cache, *, weight_grads: bool = True
    ) -> tuple[np.ndarray, Gradients]:
        (x,) = cache
        grad_x = grad * self._scale(grad.dtype)
        if not weight_grads:
            return grad_x, {}
        axes = tuple(range(grad.ndim - 1))  # every axis but the channels
        grads = {}
        if self.gamma is not None:
            normalised = (x - self.moving_mean) * self._inverse_std(grad.dtype)
            grads["gamma"] = (grad * normalised).sum(axis=axes)
        if self.beta is not None:
            grads["beta"] = grad.sum(axis=axes)
        return grad_x, grads

    def get_config(self) -> dict[str, Any]:
        return {
            "axis": -1,
            "epsilon": self.epsilon,
            "center": self.beta is not None,
            "scale": self.gamma is not None,
        }

    @property
    def weights(self) -> dict[str, np.ndarray]:
        found = {"gamma": self.gamma, "beta": self.beta}
        return {k: w for k, w in found.items() if w is not None} | {
            "moving_mean": self.moving_mean,
            "moving_variance": self.moving_variance,
        }

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        expected = list(_weight_names(config, name))
        if sorted(weights) != sorted(expected):
            msg = f"BatchNormalization {name!r} needs weights {expected}. Received: {sorted(weights)}."
            raise ValueError(msg)
        return cls(
            name,
            weights["moving_mean"],
            weights["moving_variance"],
            weights.get("gamma"),
            weights.get("beta"),
            epsilon=config.get("epsilon", 1e-3),
            axis=config.get("axis", -1),
        )

    @classmethod
    def weight_shapes(cls, config: dict[str, Any], input_shape: Shape) -> dict[str, Shape]:
        """gamma (when ``scale``), beta (when ``center``), moving_mean, moving_variance."""
        name = config.get("name")
        _check_axis(config, input_shape, name)
        return {key: (input_shape[-1],) for key in _weight_names(config, name)}


def _weight_names(config: dict[str, Any], name: Any) -> tuple[str, ...]:
    """The weights a config holds, in Keras's order; refuses what inference cannot honour."""
    owner = f"BatchNormalization {name!r}"
    flags = {key: config.get(key, True) for key in ("scale", "center")}
    for key, value in flags.items():
        if not isinstance(value, bool):
            msg = f"{owner}: {key} must be true or false. Received: {value!r:.40}."
            raise ValueError(msg)
    if config.get("renorm"):
        msg = f"{owner} uses batch renormalization (renorm=True), which the engine does not run. Re-train without renorm."
        raise ValueError(msg)
    kept = [("gamma", flags["scale"]), ("beta", flags["center"])]
    return (*(name for name, on in kept if on), "moving_mean", "moving_variance")


def _check_axis(config: dict[str, Any], input_shape: Shape, name: Any) -> None:
    """Only the last axis (the channels) is normalised."""
    axis = config.get("axis", -1)
    axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
    if not input_shape or axis not in (-1, len(input_shape)):
        msg = (
            f"BatchNormalization {name!r} normalises axis {axis!r:.40}; the engine "
            f"normalises only the last axis (the channels) of inputs {tuple(input_shape)}."
        )
        raise ValueError(msg)
