"""Activation functions with Keras 3 semantics: each formula beside its derivative.

``formulas`` holds the math (``relu`` and ``relu_backward``, ...); ``function`` turns a
config such as ``"relu"`` or ``{"name": "gelu", "approximate": true}`` into an
:class:`ActivationFunction` that runs both.

Example:
    >>> f = get_activation("tanh")
    >>> y = f(x)                    # y = tanh(x)
    >>> f.backward(grad, x, y)      # dL/dx = dL/dy * (1 - y**2)
"""

from digitwidget.nn.activations.formulas import (
    BACKWARDS,
    FUNCTIONS,
    NON_NEGATIVE,
    SELU_ALPHA,
    SELU_SCALE,
    elu,
    gelu,
    leaky_relu,
    linear,
    relu,
    selu,
    sigmoid,
    silu,
    softmax,
    softplus,
    tanh,
)
from digitwidget.nn.activations.function import (
    ALIASES,
    LINEAR,
    PARAMETERS,
    ActivationFunction,
    get_activation,
)

__all__ = [
    "ALIASES",
    "BACKWARDS",
    "FUNCTIONS",
    "LINEAR",
    "NON_NEGATIVE",
    "PARAMETERS",
    "SELU_ALPHA",
    "SELU_SCALE",
    "ActivationFunction",
    "elu",
    "gelu",
    "get_activation",
    "leaky_relu",
    "linear",
    "relu",
    "selu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "tanh",
]
