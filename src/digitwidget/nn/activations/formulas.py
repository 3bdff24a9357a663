"""Activation functions with Keras 3 semantics, each written as its formula beside its derivative.

Every forward function takes a float array ``x`` of any shape and returns ``y = f(x)`` of
the same shape. Passing ``out`` writes the result there (``out=x`` works in place); the
engine uses that to reuse its buffers. Without ``out`` the input is never modified.

Every ``*_backward(grad, x, y)`` is the chain rule through it: given ``grad = dL/dy`` and
the forward pass's ``x`` and ``y``, it returns ``dL/dx``. Elementwise activations multiply
by the derivative, ``dL/dx = dL/dy * f'(x)``; softmax applies its Jacobian
``diag(y) - y y^T``. The result has the dtype of ``grad`` and ``x`` combined.

Example:
    >>> relu(np.array([-1.0, 2.0], dtype=np.float32))
    array([0., 2.], dtype=float32)
    >>> relu_backward(np.ones(2), np.array([-1.0, 2.0]), np.array([0.0, 2.0]))
    array([0., 1.])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from digitwidget.nn._erf import erf

_ZERO = np.zeros((), np.float32)  # a ready-made 0: about 0.4 µs cheaper per call than `0`
SELU_ALPHA = 1.67326324
SELU_SCALE = 1.05070098
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)


def _into(result: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """Return ``result``, copied into ``out`` when a destination is given."""
    if out is None or out is result:
        return result
    np.copyto(out, result, casting="same_kind")
    return out


@lru_cache(maxsize=32)
def _zeros(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A read-only array of zeros, made once per shape and dtype."""
    zeros = np.zeros(shape, dtype)
    zeros.flags.writeable = False
    return zeros


def _where(
    condition: np.ndarray, yes: float | np.ndarray, no: float | np.ndarray, like: np.ndarray
) -> np.ndarray:
    """``np.where(condition, yes, no)`` in the dtype of ``like``."""
    chosen: np.ndarray = np.where(condition, yes, no)
    return chosen.astype(like.dtype, copy=False)


def _chain(grad: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """The chain rule through an elementwise function: ``dL/dx = dL/dy * f'(x)``."""
    result: np.ndarray = grad * slope
    return result


def linear(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Identity: ``linear(x) = x``."""
    return x if out is None else _into(x, out)


def linear_backward(grad: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``f'(x) = 1``."""
    return grad


def relu(
    x: np.ndarray,
    negative_slope: float = 0.0,
    max_value: float | None = None,
    threshold: float = 0.0,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Rectified linear unit: ``relu(x) = max(x, 0)``.

    With Keras's optional arguments: ``x`` for ``threshold <= x < max_value``,
    ``max_value`` above it, ``negative_slope * (x - threshold)`` below ``threshold``.
    """
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        # NumPy 2 compares an array with a scalar 0 in a plain loop, with an array of
        # zeros in SIMD, one inner loop per row of zeros: zeros as large as one sample
        # ((14, 14, 32) images: 0.67 µs per image, against 1.5 with a row of 32 zeros and
        # 2.4 with the scalar). A short vector is done sooner with the scalar, which
        # needs no look-up.
        zero = _ZERO if x.size < 4096 else _zeros(x.shape[1:] or x.shape, x.dtype)
        rectified: np.ndarray = np.maximum(x, zero, out=out)
        return rectified
    y = np.where(x >= threshold, x, negative_slope * (x - threshold))
    if max_value is not None:
        y = np.minimum(y, max_value)
    return _into(y.astype(x.dtype, copy=False), out)


def relu_backward(
    grad: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    negative_slope: float = 0.0,
    max_value: float | None = None,
    threshold: float = 0.0,
) -> np.ndarray:
    """``f'(x)`` is ``1`` above ``threshold``, ``negative_slope`` below it, ``0`` where
    ``y`` is clipped to ``max_value``."""
    slope = _where(x > threshold, 1.0, negative_slope, x)
    if max_value is not None:
        slope[y >= np.asarray(max_value, y.dtype)] = 0  # y holds max_value as its dtype rounds it
    return _chain(grad, slope)


def leaky_relu(
    x: np.ndarray, negative_slope: float = 0.2, out: np.ndarray | None = None
) -> np.ndarray:
    """Leaky ReLU: ``x`` if ``x >= 0``, else ``negative_slope * x`` (Keras 3 default 0.2)."""
    return _into(np.where(x >= 0, x, x * np.asarray(negative_slope, x.dtype)), out)


def leaky_relu_backward(
    grad: np.ndarray, x: np.ndarray, y: np.ndarray, negative_slope: float = 0.2
) -> np.ndarray:
    """``f'(x) = 1`` for ``x > 0``, else ``negative_slope``."""
    return _chain(grad, _where(x > 0, 1.0, negative_slope, x))


def sigmoid(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Logistic sigmoid: ``sigmoid(x) = 1 / (1 + exp(-x))``.

    Computed as the identical ``0.5 * (1 + tanh(x / 2))``, which never overflows.
    """
    y: np.ndarray = np.multiply(x, 0.5, out=out)
    np.tanh(y, out=y)
    y += 1
    y *= 0.5
    return y


def sigmoid_backward(grad: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``f'(x) = y * (1 - y)``."""
    return _chain(grad, y * (1 - y))


def tanh(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Hyperbolic tangent: ``tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))``."""
    y: np.ndarray = np.tanh(x, out=out)
    return y


def tanh_backward(grad: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``f'(x) = 1 - y**2``."""
    return _chain(grad, 1 - y * y)


def softmax(x: np.ndarray, axis: int = -1, out: np.ndarray | None = None) -> np.ndarray:
    """Softmax over the last axis: ``softmax(x)_i = exp(x_i) / sum_j exp(x_j)``.

    Computed stably as ``exp(x - max(x))``, so inputs like 1000 do not overflow.
    """
    if axis != -1:
        msg = f"softmax supports only the last axis, axis=-1. Received: axis={axis}."
        raise ValueError(msg)
    y: np.ndarray = np.subtract(x, _along_rows(np.maximum.reduce, x), out=out)
    np.exp(y, out=y)
    y /= _along_rows(np.add.reduce, y)
    return y


def softmax_backward(grad: np.ndarray, x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    """The Jacobian ``dy_i/dx_j = y_i (delta_ij - y_j)`` applied to ``grad``:
    ``dL/dx = y * (grad - sum_j grad_j y_j)``."""
    result: np.ndarray = y * (grad - np.sum(grad * y, axis=-1, keepdims=True))
    return result


def _along_rows(reduce: Callable[..., np.ndarray], x: np.ndarray) -> np.ndarray:
    """``reduce(x, axis=-1, keepdims=True)``, laid out for the quickest arithmetic after it.

    One vector gives a 0-d array: NumPy 2 combines an array with a 0-d array in 0.6 µs,
    but with a NumPy scalar or a 1-element array in 1.2 µs. Many short rows are reduced
    on a column-major copy: NumPy reduces a C-ordered array row by row, each row in a
    loop of its own, but a column-major array down whole columns at once (the max of
    1,024 rows of 10 scores: 41 µs the first way, 5 + 3 µs for copy and reduce).
    """
    if x.ndim == 1:
        return reduce(x, out=np.empty((), x.dtype))
    if x.ndim == 2 and len(x) >= 64 and x.shape[1] <= 32:
        x = np.asfortranarray(x)
    return reduce(x, axis=-1, keepdims=True)


def elu(x: np.ndarray, alpha: float = 1.0, out: np.ndarray | None = None) -> np.ndarray:
    """Exponential linear unit: ``x`` if ``x > 0``, else ``alpha * (exp(x) - 1)``."""
    negative = np.expm1(np.minimum(x, 0)) * np.asarray(alpha, x.dtype)
    return _into(np.where(x > 0, x, negative), out)


def elu_backward(grad: np.ndarray, x: np.ndarray, y: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """``f'(x) = 1`` for ``x > 0``, else ``alpha * exp(x)``."""
    return _chain(grad, _where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0)), x))


def selu(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Scaled ELU: ``scale * elu(x, alpha)`` with ``alpha = 1.67326324``, ``scale = 1.05070098``."""
    y = elu(x, alpha=SELU_ALPHA)
    y *= np.asarray(SELU_SCALE, x.dtype)
    return _into(y, out)


def selu_backward(grad: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``f'(x) = scale`` for ``x > 0``, else ``scale * alpha * exp(x)``."""
    return SELU_SCALE * elu_backward(grad, x, y, alpha=SELU_ALPHA)


def gelu(x: np.ndarray, approximate: bool = False, out: np.ndarray | None = None) -> np.ndarray:
    """Gaussian error linear unit (Keras 3 default: the exact form).

    Exact: ``gelu(x) = 0.5 * x * (1 + erf(x / sqrt(2)))``.
    Approximate: ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))``.
    """
    x64 = x.astype(np.float64)
    if approximate:
        inner = np.tanh(_SQRT_2_OVER_PI * (x64 + 0.044715 * x64**3))
    else:
        inner = erf(x64 / math.sqrt(2))
    return _into((0.5 * x64 * (1 + inner)).astype(x.dtype), out)


def gelu_backward(
    grad: np.ndarray, x: np.ndarray, y: np.ndarray, approximate: bool = False
) -> np.ndarray:
    """Exact: ``f'(x) = Phi(x) + x * phi(x)`` (the normal CDF and density); approximate:
    ``0.5 * (1 + t) + 0.5 * x * (1 - t**2) * sqrt(2 / pi) * (1 + 3 * 0.044715 * x**2)``
    with ``t = tanh(sqrt(2 / pi) * (x + 0.044715 * x**3))``."""
    x64 = x.astype(np.float64)
    if approximate:
        t = np.tanh(_SQRT_2_OVER_PI * (x64 + 0.044715 * x64**3))
        inner = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x64**2)
        slope = 0.5 * (1 + t) + 0.5 * x64 * (1 - t**2) * inner
    else:
        cdf = 0.5 * (1 + erf(x64 / math.sqrt(2)))
        slope = cdf + x64 * np.exp(-0.5 * x64**2) / math.sqrt(2 * math.pi)
    return _chain(grad, slope.astype(x.dtype))


def silu(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Sigmoid linear unit, also called swish: ``silu(x) = x * sigmoid(x)``."""
    return _into(x * sigmoid(x), out)


def silu_backward(grad: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``f'(x) = s + x * s * (1 - s)`` with ``s = sigmoid(x)``."""
    s = sigmoid(x)
    return _chain(grad, s + x * s * (1 - s))


def softplus(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Softplus: ``softplus(x) = log(1 + exp(x))``, computed as ``logaddexp(0, x)``."""
    y: np.ndarray = np.logaddexp(np.zeros((), x.dtype), x, out=out)
    return y


def softplus_backward(grad: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``f'(x) = sigmoid(x)``."""
    return _chain(grad, sigmoid(x))


FUNCTIONS: dict[str, Callable[..., np.ndarray]] = {
    f.__name__: f
    for f in (linear, relu, leaky_relu, sigmoid, tanh, softmax, elu, selu, gelu, silu, softplus)
}
"""Each activation's forward formula, by its Keras name."""

BACKWARDS: dict[str, Callable[..., np.ndarray]] = {
    f.__name__.removesuffix("_backward"): f
    for f in (
        linear_backward,
        relu_backward,
        leaky_relu_backward,
        sigmoid_backward,
        tanh_backward,
        softmax_backward,
        elu_backward,
        selu_backward,
        gelu_backward,
        silu_backward,
        softplus_backward,
    )
}
"""Each activation's backward pass ``(grad, x, y, **params) -> dL/dx``, by the same names."""

NON_NEGATIVE = frozenset({"sigmoid", "softmax", "softplus"})
"""Activations whose outputs are never below zero (ReLU too, with its default arguments)."""

NEVER_DECREASING = frozenset({"linear", "leaky_relu", "sigmoid", "tanh", "selu", "softplus"})
"""Activations that never decrease, whatever their arguments (ReLU and ELU: it depends on them)."""
