"""Every layer's backward pass: by hand, against central differences, and against GradientTape.

A layer's ``backward(dL/dy, cache)`` must give ``dL/dx`` and ``dL/dw`` for every weight,
with ``L = sum(upstream * layer(x))`` for a random ``upstream``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

from digitwidget.nn import (
    ELU,
    Activation,
    Dense,
    Dropout,
    Flatten,
    InputLayer,
    Layer,
    LeakyReLU,
    ReLU,
    Rescaling,
    Softmax,
)
from tests.nn._conv_cases import CONV_CASES

ACTIVATIONS: list[Any] = [
    "linear",
    "relu",
    {"name": "relu", "negative_slope": 0.1, "max_value": 0.8, "threshold": 0.05},
    {"name": "relu", "max_value": 6.0},
    {"name": "relu", "threshold": -0.5},
    "leaky_relu",
    {"name": "leaky_relu", "negative_slope": 0.05},
    "sigmoid",
    "tanh",
    "softmax",
    "elu",
    {"name": "elu", "alpha": 0.5},
    "selu",
    "gelu",
    {"name": "gelu", "approximate": True},
    "silu",
    "softplus",
]


class Case(NamedTuple):
    """A layer, the shape of one sample it reads, and its Keras twin (given ``keras``)."""

    make: Callable[[], Layer]
    shape: tuple[int, ...]
    keras: Callable[[Any], Any]


def _rng() -> np.random.Generator:
    return np.random.default_rng(0)


def _dense(activation: Any = None, use_bias: bool = True, n_in: int = 5) -> Dense:
    rng = _rng()
    bias = rng.normal(0, 0.5, 4) if use_bias else None
    return Dense("d", rng.normal(0, 0.6, (n_in, 4)), bias, activation)


def _keras_activation(keras: Any, spec: Any) -> Callable[[Any], Any]:
    name, params = (spec, {}) if isinstance(spec, str) else (spec["name"], dict(spec))
    params.pop("name", None)
    function = getattr(keras.activations, name)
    return lambda t: function(t, **params)


def _id(spec: Any) -> str:
    if isinstance(spec, str):
        return spec
    return "-".join(f"{v}" for v in spec.values())


CASES: dict[str, Case] = {
    **{
        f"Dense-{_id(a)}": Case(
            lambda a=a: _dense(a),
            (5,),
            lambda k, a=a: k.layers.Dense(4, activation=_keras_activation(k, a)),
        )
        for a in ACTIVATIONS
    },
    "Dense-no-bias": Case(
        lambda: _dense("tanh", use_bias=False),
        (5,),
        lambda k: k.layers.Dense(4, "tanh", use_bias=False),
    ),
    "Dense-3d-input": Case(lambda: _dense("elu"), (3, 5), lambda k: k.layers.Dense(4, "elu")),
    **{
        f"Activation-{_id(a)}": Case(
            lambda a=a: Activation("a", a),
            (6,),
            lambda k, a=a: k.layers.Activation(_keras_activation(k, a)),
        )
        for a in ACTIVATIONS
    },
    "ReLU": Case(lambda: ReLU("r"), (6,), lambda k: k.layers.ReLU()),
    "ReLU-args": Case(
        lambda: ReLU("r", max_value=0.8, negative_slope=0.1, threshold=0.05),
        (6,),
        lambda k: k.layers.ReLU(max_value=0.8, negative_slope=0.1, threshold=0.05),
    ),
    "LeakyReLU": Case(lambda: LeakyReLU("l"), (6,), lambda k: k.layers.LeakyReLU()),
    "LeakyReLU-0.05": Case(
        lambda: LeakyReLU("l", 0.05), (6,), lambda k: k.layers.LeakyReLU(negative_slope=0.05)
    ),
    "Softmax": Case(lambda: Softmax("s"), (6,), lambda k: k.layers.Softmax()),
    "ELU": Case(lambda: ELU("e"), (6,), lambda k: k.layers.ELU()),
    "ELU-0.7": Case(lambda: ELU("e", 0.7), (6,), lambda k: k.layers.ELU(alpha=0.7)),
    "Rescaling": Case(
        lambda: Rescaling("r", 2.0, -1.0), (6,), lambda k: k.layers.Rescaling(2.0, offset=-1.0)
    ),
    "Rescaling-bytes": Case(
        lambda: Rescaling("r", 1 / 255), (2, 3), lambda k: k.layers.Rescaling(1 / 255)
    ),
    "Flatten": Case(lambda: Flatten("f"), (2, 3), lambda k: k.layers.Flatten()),
    "Dropout": Case(lambda: Dropout("d", 0.3), (6,), lambda k: k.layers.Dropout(0.3)),
    # An InputLayer is the identity on a batch; Keras's own cannot be called on a tensor.
    "InputLayer": Case(lambda: InputLayer("i", (6,)), (6,), lambda k: k.layers.Identity()),
    **{name: Case(*spec) for name, spec in CONV_CASES.items()},
}


def _trained(layer: Layer) -> list[str]:
    """The names of the weights ``backward`` gives gradients for: all but the frozen ones
    (BatchNormalization's moving statistics), as Keras's ``trainable_weights``."""
    frozen = getattr(type(layer), "frozen_weights", ())
    return [name for name in layer.weights if name not in frozen]


def _inputs(shape: tuple[int, ...], dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """``x`` of ``(3, *shape)`` and an upstream gradient the size of the layer's output."""
    rng = np.random.default_rng(1)
    return rng.normal(0, 1, (3, *shape)).astype(dtype), rng


def _as_float64(layer: Layer) -> Layer:
    """The layer with float64 weights (each weight is the attribute of its name), so that
    central differences can move them by 1e-6."""
    for name, weight in layer.weights.items():
        setattr(layer, name, weight.astype(np.float64))
    return layer


def _central_differences(
    loss: Callable[[], float], array: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    """``(L(a + eps e_i) - L(a - eps e_i)) / 2 eps`` for every element of ``array``, in place."""
    grad = np.zeros_like(array)
    for i in np.ndindex(array.shape):
        kept = array[i]
        array[i] = kept + eps
        plus = loss()
        array[i] = kept - eps
        minus = loss()
        array[i] = kept
        grad[i] = (plus - minus) / (2 * eps)
    return grad


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_backward_matches_central_differences(case: Case):
    layer = _as_float64(case.make())
    x, rng = _inputs(case.shape)
    y, cache = layer.forward(x)
    upstream = rng.normal(0, 1, y.shape)
    grad_x, grads = layer.backward(upstream, cache)

    def loss() -> float:
        return float(np.sum(upstream * layer(x)))

    assert grad_x.shape == x.shape
    np.testing.assert_allclose(grad_x, _central_differences(loss, x), rtol=1e-7, atol=1e-8)
    assert list(grads) == _trained(layer)
    for name in grads:
        weight = layer.weights[name]
        assert grads[name].shape == weight.shape
        expected = _central_differences(loss, weight)
        np.testing.assert_allclose(grads[name], expected, rtol=1e-7, atol=1e-8, err_msg=name)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_forward_is_the_inference_pass_and_keeps_the_dtype(case: Case):
    layer = case.make()
    for dtype in (np.float32, np.float64):
        x, _ = _inputs(case.shape, dtype)
        y, _ = layer.forward(x.copy())
        assert y.dtype == dtype
        np.testing.assert_array_equal(y, layer(x))


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_backward_without_weight_gradients_gives_the_same_input_gradient(case: Case):
    layer = case.make()
    x, rng = _inputs(case.shape)
    y, cache = layer.forward(x)
    upstream = rng.normal(0, 1, y.shape)
    grad_x, grads = layer.backward(upstream, cache, weight_grads=False)
    assert grads == {}
    np.testing.assert_array_equal(grad_x, layer.backward(upstream, cache)[0])


@pytest.mark.tf
@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_backward_matches_tensorflow_gradient_tape(case: Case):
    tf = pytest.importorskip("tensorflow")
    keras = pytest.importorskip("keras")
    layer = case.make()
    x, rng = _inputs(case.shape, np.float32)
    twin = case.keras(keras)
    twin.build((None, *case.shape))
    for variable in twin.weights:  # by Keras's names: they are the engine's too
        variable.assign(layer.weights[variable.name])
    y, cache = layer.forward(x)
    upstream = rng.normal(0, 1, y.shape).astype(np.float32)
    inputs = tf.Variable(x)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(twin(inputs, training=False) * upstream)
    expected_x, *expected_w = tape.gradient(loss, [inputs, *twin.trainable_weights])
    grad_x, grads = layer.backward(upstream, cache)
    np.testing.assert_allclose(y, twin(x, training=False), atol=1e-5)
    np.testing.assert_allclose(grad_x, expected_x, atol=1e-5)
    names = [variable.name for variable in twin.trainable_weights]
    assert names == list(grads) == _trained(layer)
    for name, expected in zip(names, expected_w, strict=True):
        np.testing.assert_allclose(grads[name], expected, atol=1e-5, err_msg=name)


def test_dense_relu_backward_by_hand():
    layer = Dense("d", np.array([[1.0, -2.0], [3.0, -4.0]]), np.array([5.0, -6.0]), "relu")
    x = np.array([[-1.0, 2.0]])
    y, cache = layer.forward(x)
    # z = x @ kernel + bias = [-1 + 6 + 5, 2 - 8 - 6] = [10, -12]; y = relu(z) = [10, 0]
    np.testing.assert_array_equal(y, [[10.0, 0.0]])
    grad_x, grads = layer.backward(np.array([[2.0, 3.0]]), cache)
    # dL/dz = dL/dy * relu'(z) = [2 * 1, 3 * 0] = [2, 0]
    # dL/dx = dL/dz @ kernel.T = [2 * 1 + 0 * -2, 2 * 3 + 0 * -4] = [2, 6]
    np.testing.assert_array_equal(grad_x, [[2.0, 6.0]])
    # dL/dkernel = x.T @ dL/dz = [[-1 * 2, -1 * 0], [2 * 2, 2 * 0]]; dL/dbias = dL/dz
    np.testing.assert_array_equal(grads["kernel"], [[-2.0, 0.0], [4.0, 0.0]])
    np.testing.assert_array_equal(grads["bias"], [2.0, 0.0])


def test_dense_weight_gradients_sum_over_the_batch_by_hand():
    layer = Dense("d", np.array([[1.0, -2.0], [3.0, -4.0]]), np.array([5.0, -6.0]), "relu")
    x = np.array([[-1.0, 2.0], [1.0, 1.0]])  # z = [[10, -12], [9, -12]]: relu' = [1, 0] twice
    _, cache = layer.forward(x)
    grad_x, grads = layer.backward(np.array([[2.0, 3.0], [1.0, 1.0]]), cache)
    # dL/dz = [[2, 0], [1, 0]]; dL/dx = dL/dz @ kernel.T = [[2, 6], [1, 3]]
    np.testing.assert_array_equal(grad_x, [[2.0, 6.0], [1.0, 3.0]])
    # dL/dkernel = [[-1 * 2 + 1 * 1, 0], [2 * 2 + 1 * 1, 0]]; dL/dbias = [2 + 1, 0]
    np.testing.assert_array_equal(grads["kernel"], [[-1.0, 0.0], [5.0, 0.0]])
    np.testing.assert_array_equal(grads["bias"], [3.0, 0.0])


def test_softmax_backward_by_hand():
    x = np.array([[0.0, np.log(3.0)]])  # softmax(x) = [1/4, 3/4]
    y, cache = Softmax("s").forward(x)
    np.testing.assert_allclose(y, [[0.25, 0.75]])
    grad_x, _ = Softmax("s").backward(np.array([[1.0, 0.0]]), cache)
    # y * (g - sum(g * y)) = [1/4 * (1 - 1/4), 3/4 * (0 - 1/4)] = [3/16, -3/16]
    np.testing.assert_allclose(grad_x, [[0.1875, -0.1875]], rtol=1e-15)


def test_rescaling_and_flatten_backward_by_hand():
    _, cache = Rescaling("r", 0.5, 1.0).forward(np.ones((1, 2)))
    np.testing.assert_array_equal(
        Rescaling("r", 0.5, 1.0).backward(np.array([[2.0, -4.0]]), cache)[0], [[1.0, -2.0]]
    )
    x = np.arange(6.0).reshape(1, 2, 3)
    y, cache = Flatten("f").forward(x)
    np.testing.assert_array_equal(Flatten("f").backward(y * 10, cache)[0], x * 10)
