"""Derivatives of the activations, for backpropagation: ``dL/dz`` from ``dL/da`` with ``a = f(z)``.

Each rule is written as its formula; elementwise activations multiply the incoming
gradient by ``f'(z)``, softmax applies its Jacobian ``J = diag(a) - a a^T`` to it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from digitwidget.nn._erf import erf
from digitwidget.nn.activations import SELU_ALPHA, SELU_SCALE, ActivationFunction, sigmoid

_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


def _relu(
    z: np.ndarray,
    a: np.ndarray,
    negative_slope: float = 0.0,
    max_value: float | None = None,
    threshold: float = 0.0,
) -> np.ndarray:
    """``1`` on ``threshold < z < max_value``, ``negative_slope`` below, ``0`` where clipped."""
    d = np.where(z > threshold, 1.0, negative_slope)
    if max_value is not None:
        d = np.where(a < max_value, d, 0.0)
    return d


def _gelu(z: np.ndarray, a: np.ndarray, approximate: bool = False) -> np.ndarray:
    """Exact: ``Phi(z) + z * phi(z)``; approximate: the derivative of the tanh form."""
    if approximate:
        t = np.tanh(_SQRT_2_OVER_PI * (z + 0.044715 * z**3))
        inner = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * z**2)
        return 0.5 * (1 + t) + 0.5 * z * (1 - t**2) * inner
    cdf = 0.5 * (1 + erf(z / math.sqrt(2)))
    pdf = np.exp(-0.5 * z**2) / math.sqrt(2 * math.pi)
    return cdf + z * pdf


def _silu(z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """``s + z * s * (1 - s)`` with ``s = sigmoid(z)``."""
    s = sigmoid(z)
    return s + z * s * (1 - s)


DERIVATIVES: dict[str, Callable[..., np.ndarray]] = {
    "linear": lambda z, a: np.ones_like(z),
    "relu": _relu,
    "leaky_relu": lambda z, a, negative_slope=0.2: np.where(z > 0, 1.0, negative_slope),
    "sigmoid": lambda z, a: a * (1 - a),
    "tanh": lambda z, a: 1 - a**2,
    "elu": lambda z, a, alpha=1.0: np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0))),
    "selu": lambda z, a: SELU_SCALE * np.where(z > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(z, 0))),
    "gelu": _gelu,
    "silu": _silu,
    "softplus": lambda z, a: sigmoid(z),
}
"""``f'(z)`` for each elementwise activation, given ``z`` and ``a = f(z)``."""


def activation_backward(
    activation: ActivationFunction, z: np.ndarray, a: np.ndarray, grad: np.ndarray
) -> np.ndarray:
    """Backpropagate through ``a = activation(z)``.

    Args:
        activation: The activation (name and fixed arguments).
        z: ``(batch, units)`` its input.
        a: ``(batch, units)`` its output.
        grad: ``(batch, units)`` ``dL/da``.

    Returns:
        ``(batch, units)`` ``dL/dz``: ``f'(z) * grad``, or for softmax
        ``a * (grad - sum(grad * a))`` (the Jacobian ``diag(a) - a a^T`` applied to it).
    """
    if activation.name == "softmax":
        return a * (grad - np.sum(grad * a, axis=-1, keepdims=True))
    derivative = DERIVATIVES[activation.name]
    return derivative(z, a, **activation.params) * grad
