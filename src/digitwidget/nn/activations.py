"""Activation functions with Keras 3 semantics, each written as its formula.

Every function takes a float array ``x`` of any shape and returns an array of the
same shape. Passing ``out`` writes the result there (``out=x`` works in place); the
engine uses that to reuse its buffers. Without ``out`` the input is never modified.

Example:
    >>> relu(np.array([-1.0, 2.0], dtype=np.float32))
    array([0., 2.], dtype=float32)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

import numpy as np

from digitwidget.nn._config_values import config_number
from digitwidget.nn._erf import erf

_ZERO = np.zeros((), np.float32)  # a ready-made 0: about 0.4 µs cheaper per call than `0`
SELU_ALPHA = 1.67326324
SELU_SCALE = 1.05070098


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


def linear(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Identity: ``linear(x) = x``."""
    return x if out is None else _into(x, out)


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
        # NumPy 2 compares an array with a scalar 0 in a plain loop, with a row of zeros
        # in SIMD: 2.2-2.5x faster on a (1024, 256) block. A short vector is done sooner
        # with the scalar, which needs no look-up.
        zero = _ZERO if x.size < 4096 else _zeros(x.shape[-1:], x.dtype)
        return np.maximum(x, zero, out=out)
    y = np.where(x >= threshold, x, negative_slope * (x - threshold))
    if max_value is not None:
        y = np.minimum(y, max_value)
    return _into(y.astype(x.dtype, copy=False), out)


def leaky_relu(
    x: np.ndarray, negative_slope: float = 0.2, out: np.ndarray | None = None
) -> np.ndarray:
    """Leaky ReLU: ``x`` if ``x >= 0``, else ``negative_slope * x`` (Keras 3 default 0.2)."""
    return _into(np.where(x >= 0, x, x * np.asarray(negative_slope, x.dtype)), out)


def sigmoid(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Logistic sigmoid: ``sigmoid(x) = 1 / (1 + exp(-x))``.

    Computed as the identical ``0.5 * (1 + tanh(x / 2))``, which never overflows.
    """
    y = np.multiply(x, 0.5, out=out)
    np.tanh(y, out=y)
    y += 1
    y *= 0.5
    return y


def tanh(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Hyperbolic tangent: ``tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))``."""
    return np.tanh(x, out=out)


def softmax(x: np.ndarray, axis: int = -1, out: np.ndarray | None = None) -> np.ndarray:
    """Softmax over the last axis: ``softmax(x)_i = exp(x_i) / sum_j exp(x_j)``.

    Computed stably as ``exp(x - max(x))``, so inputs like 1000 do not overflow.
    """
    if axis != -1:
        msg = f"softmax supports only the last axis, axis=-1. Received: axis={axis}."
        raise ValueError(msg)
    y = np.subtract(x, _along_rows(np.maximum.reduce, x), out=out)
    np.exp(y, out=y)
    y /= _along_rows(np.add.reduce, y)
    return y


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


def selu(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Scaled ELU: ``scale * elu(x, alpha)`` with ``alpha = 1.67326324``, ``scale = 1.05070098``."""
    y = elu(x, alpha=SELU_ALPHA)
    y *= np.asarray(SELU_SCALE, x.dtype)
    return _into(y, out)


def gelu(x: np.ndarray, approximate: bool = False, out: np.ndarray | None = None) -> np.ndarray:
    """Gaussian error linear unit (Keras 3 default: the exact form).

    Exact: ``gelu(x) = 0.5 * x * (1 + erf(x / sqrt(2)))``.
    Approximate: ``0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))``.
    """
    x64 = x.astype(np.float64)
    if approximate:
        inner = np.tanh(math.sqrt(2 / math.pi) * (x64 + 0.044715 * x64**3))
    else:
        inner = erf(x64 / math.sqrt(2))
    return _into((0.5 * x64 * (1 + inner)).astype(x.dtype), out)


def silu(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Sigmoid linear unit, also called swish: ``silu(x) = x * sigmoid(x)``."""
    return _into(x * sigmoid(x), out)


def softplus(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Softplus: ``softplus(x) = log(1 + exp(x))``, computed as ``logaddexp(0, x)``."""
    return np.logaddexp(np.zeros((), x.dtype), x, out=out)


FUNCTIONS: dict[str, Callable[..., np.ndarray]] = {
    f.__name__: f
    for f in (linear, relu, leaky_relu, sigmoid, tanh, softmax, elu, selu, gelu, silu, softplus)
}
ALIASES = {"swish": "silu"}
PARAMETERS: dict[str, frozenset[str]] = {
    "relu": frozenset({"negative_slope", "max_value", "threshold"}),
    "leaky_relu": frozenset({"negative_slope"}),
    "softmax": frozenset({"axis"}),
    "elu": frozenset({"alpha"}),
    "gelu": frozenset({"approximate"}),
}


def _check_params(name: str, params: dict[str, Any]) -> None:
    """Refuse arguments of the wrong type or range, as Keras would (NaN and "abc" too)."""
    owner = f"Activation {name!r}"
    for key, value in params.items():
        if key == "approximate":
            if not isinstance(value, bool):
                msg = f"{owner}: approximate must be true or false. Received: approximate={value!r:.60}."
                raise ValueError(msg)
        elif key == "axis":
            if isinstance(value, bool) or value != -1:
                msg = f"{owner}: only axis=-1 is supported. Received: axis={value!r:.60}."
                raise ValueError(msg)
        elif not (key == "max_value" and value is None):
            low = 0.0 if key in ("negative_slope", "max_value") else None
            config_number(owner, key, value, low=low)


@dataclass(frozen=True)
class ActivationFunction:
    """A named activation with its fixed arguments, callable as ``f(x, out=None)``.

    ``function`` is the formula with those arguments bound; calling it directly skips
    this object's own call, which the engine does on its hot path.

    Example:
        >>> get_activation({"name": "leaky_relu", "negative_slope": 0.1})
        leaky_relu(negative_slope=0.1)
    """

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    function: Callable[..., np.ndarray] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_params(self.name, self.params)
        function = FUNCTIONS[self.name]
        bound = partial(function, **self.params) if self.params else function
        object.__setattr__(self, "function", bound)

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return self.function(x, out=out)

    @property
    def config(self) -> str | dict[str, Any]:
        """The JSON form: the bare name, or ``{"name": ..., **params}`` with arguments."""
        return self.name if not self.params else {"name": self.name, **self.params}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({args})" if args else self.name


def get_activation(spec: str | dict[str, Any] | ActivationFunction | None) -> ActivationFunction:
    """Resolve an activation from its config form.

    Args:
        spec: ``None`` (linear), a Keras name such as ``"relu"``, Keras's serialized
            function dict ``{"class_name": "function", "config": "relu", ...}``, or the
            engine's ``{"name": "gelu", "approximate": true}``.

    Returns:
        The activation, callable as ``f(x, out=None)``.

    Raises:
        ValueError: for an unknown name or argument.
    """
    if isinstance(spec, ActivationFunction):
        return spec
    params: dict[str, Any] = {}
    if spec is None:
        name = "linear"
    elif isinstance(spec, str):
        name = spec
    elif isinstance(spec, dict) and spec.get("class_name") == "function":
        name = spec.get("config")
        if spec.get("module", "keras.activations") not in ("keras.activations", "builtins"):
            name = f"{spec.get('module')}.{name}"
    elif isinstance(spec, dict) and isinstance(spec.get("name"), str):
        name = spec["name"]
        params = {k: v for k, v in spec.items() if k != "name"}
    else:
        msg = f"Expected an activation name such as 'relu' or a config dict. Received: {spec!r}."
        raise ValueError(msg)
    name = ALIASES.get(name, name) if isinstance(name, str) else name
    if name not in FUNCTIONS:
        msg = (
            f"Unknown activation {name!r}. Expected one of {sorted(FUNCTIONS)} "
            f"(or 'swish'). Custom activations cannot be loaded; use a built-in one."
        )
        raise ValueError(msg)
    unknown = set(params) - PARAMETERS.get(name, frozenset())
    if unknown:
        msg = f"Activation {name!r} takes no argument(s) {sorted(unknown)}. Received: {spec!r}."
        raise ValueError(msg)
    return ActivationFunction(name, params)
