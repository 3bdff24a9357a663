"""An activation as a value: its name, its fixed arguments, its forward and backward pass."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from digitwidget.nn._config_values import config_number
from digitwidget.nn.activations.formulas import BACKWARDS, FUNCTIONS, NEVER_DECREASING, NON_NEGATIVE

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
    """A named activation with its fixed arguments: ``y = f(x)`` and its chain rule.

    ``function`` is the formula with those arguments bound; calling it directly skips
    this object's own call, which the engine does on its hot path.

    Example:
        >>> f = get_activation({"name": "leaky_relu", "negative_slope": 0.1})
        >>> f
        leaky_relu(negative_slope=0.1)
        >>> x = np.array([-2.0, 3.0]); f.backward(np.ones(2), x, f(x))
        array([0.1, 1. ])
    """

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    function: Callable[..., np.ndarray] = field(init=False, repr=False, compare=False)
    _backward: Callable[..., np.ndarray] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_params(self.name, self.params)
        for attribute, formulas in (("function", FUNCTIONS), ("_backward", BACKWARDS)):
            formula = formulas[self.name]
            bound = partial(formula, **self.params) if self.params else formula
            object.__setattr__(self, attribute, bound)

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``y = f(x)``, any shape; written into ``out`` when given."""
        return self.function(x, out=out)

    def backward(self, grad: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``dL/dx`` from ``grad = dL/dy``, the input ``x`` and the output ``y = f(x)``.

        All three have one shape, e.g. ``(batch, units)``: ``grad * f'(x)`` for an
        elementwise activation, ``y * (grad - sum(grad * y))`` per row for softmax.
        """
        return self._backward(grad, x, y)

    @property
    def can_be_negative(self) -> bool:
        """Whether some input gives an output below zero.

        ``relu`` cannot, unless it leaks (``negative_slope``) or lets values between a
        negative ``threshold`` and 0 through; sigmoid, softmax and softplus cannot;
        linear, tanh, ELU, GELU, SiLU and the others can.
        """
        if self.name == "relu":
            slope = self.params.get("negative_slope", 0.0)
            return bool(slope != 0 or self.params.get("threshold", 0.0) < 0)
        return self.name not in NON_NEGATIVE

    @property
    def never_decreases(self) -> bool:
        """Whether ``a <= b`` always gives ``f(a) <= f(b)``: then ``f(max(S)) = max(f(S))``,
        so the function may run after a max-pooling rather than before it.

        ReLU qualifies unless its ``threshold`` is negative (just below a negative
        threshold it gives about 0, at the threshold the threshold itself); ELU unless its
        ``alpha`` is; GELU, SiLU and softmax never do.
        """
        if self.name == "relu":
            return bool(self.params.get("threshold", 0.0) >= 0)
        if self.name == "elu":
            return bool(self.params.get("alpha", 1.0) >= 0)
        return self.name in NEVER_DECREASING

    @property
    def config(self) -> str | dict[str, Any]:
        """The JSON form: the bare name, or ``{"name": ..., **params}`` with arguments."""
        return self.name if not self.params else {"name": self.name, **self.params}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({args})" if args else self.name


def _name_and_params(spec: object) -> tuple[object, dict[str, Any]]:
    """The activation's name (unchecked) and arguments in any of its config forms."""
    if spec is None:
        return "linear", {}
    if isinstance(spec, str):
        return spec, {}
    if isinstance(spec, dict) and spec.get("class_name") == "function":
        name = spec.get("config")
        if spec.get("module", "keras.activations") not in ("keras.activations", "builtins"):
            name = f"{spec.get('module')}.{name}"
        return name, {}
    if isinstance(spec, dict) and isinstance(spec.get("name"), str):
        return spec["name"], {k: v for k, v in spec.items() if k != "name"}
    msg = f"Expected an activation name such as 'relu' or a config dict. Received: {spec!r}."
    raise ValueError(msg)


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
    name, params = _name_and_params(spec)
    name = ALIASES.get(name, name) if isinstance(name, str) else name
    if not isinstance(name, str) or name not in FUNCTIONS:
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


LINEAR = get_activation(None)
"""The identity, ``f(x) = x``: what a layer without an activation applies."""
