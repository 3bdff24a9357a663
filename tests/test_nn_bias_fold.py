"""Moving a ReLU layer's bias into the next Dense layer changes no prediction."""

from __future__ import annotations

import numpy as np
import pytest

from digitwidget.nn import Activation, Dense, InputLayer, Model
from digitwidget.nn._bias_fold import DenseReluShifted, fold_relu_biases


def _dense(name, rng, a, b, activation, bias=True):
    kernel = rng.normal(0, 0.3, (a, b))
    return Dense(name, kernel, rng.normal(0, 0.5, b) if bias else None, activation)


def _run(layers, x):
    for layer in layers:
        x = layer(x)
    return x


def test_relu_chain_gives_the_same_output_with_fewer_passes():
    rng = np.random.default_rng(0)
    layers = [
        _dense("a", rng, 12, 9, "relu"),
        _dense("b", rng, 9, 7, "relu"),
        _dense("c", rng, 7, 5, "tanh"),
    ]
    folded = fold_relu_biases(layers)
    assert [type(layer) for layer in folded] == [DenseReluShifted, DenseReluShifted, Dense]
    x = rng.random((6, 12), dtype=np.float32)
    np.testing.assert_allclose(_run(folded, x), _run(layers, x), atol=1e-6)
    np.testing.assert_allclose(_run(folded, x[0]), _run(layers, x[0]), atol=1e-6)


def test_shifted_layer_holds_relu_output_minus_the_bias():
    rng = np.random.default_rng(1)
    layer = _dense("a", rng, 4, 3, "relu")
    x = rng.normal(size=(5, 4)).astype(np.float32)
    shifted = fold_relu_biases([layer, _dense("b", rng, 3, 2, None)])[0]
    np.testing.assert_allclose(shifted(x), layer(x) - layer.bias, atol=1e-6)


def test_next_layer_without_a_bias_gets_one():
    rng = np.random.default_rng(2)
    layers = [_dense("a", rng, 6, 4, "relu"), _dense("b", rng, 4, 3, None, bias=False)]
    folded = fold_relu_biases(layers)
    np.testing.assert_allclose(folded[1].bias, layers[0].bias @ layers[1].kernel, rtol=1e-6)
    x = rng.random((3, 6), dtype=np.float32)
    np.testing.assert_allclose(_run(folded, x), _run(layers, x), atol=1e-6)


@pytest.mark.parametrize(
    "layers",
    [
        # ReLU with Keras's extra arguments is not max(z, 0)
        lambda rng: [
            _dense("a", rng, 5, 4, {"name": "relu", "negative_slope": 0.1}),
            _dense("b", rng, 4, 3, None),
        ],
        # no bias to move
        lambda rng: [_dense("a", rng, 5, 4, "relu", bias=False), _dense("b", rng, 4, 3, None)],
        # the next layer is not a Dense layer that could take the bias
        lambda rng: [_dense("a", rng, 5, 4, "relu"), Activation("act", "sigmoid")],
        # nothing after it
        lambda rng: [_dense("b", rng, 4, 3, "tanh"), _dense("a", rng, 3, 2, "relu")],
    ],
    ids=["relu-with-arguments", "no-bias", "not-followed-by-dense", "last-layer"],
)
def test_layers_that_cannot_fold_are_kept(layers):
    layers = layers(np.random.default_rng(3))
    assert fold_relu_biases(layers) == layers


def test_folding_leaves_the_models_own_layers_alone():
    rng = np.random.default_rng(4)
    first, second = _dense("a", rng, 8, 6, "relu"), _dense("b", rng, 6, 3, "softmax")
    biases = first.bias.copy(), second.bias.copy()
    model = Model([InputLayer("x", (8,)), first, second])
    folded = fold_relu_biases(model.layers)
    assert model.layers[1:] == [first, second]
    np.testing.assert_array_equal(first.bias, biases[0])
    np.testing.assert_array_equal(second.bias, biases[1])
    assert folded[2].kernel is second.kernel  # the kernel is shared, not copied
    assert fold_relu_biases(folded) == folded  # folding twice changes nothing more


def test_model_predictions_match_its_layer_by_layer_forward_pass():
    rng = np.random.default_rng(5)
    model = Model(
        [
            InputLayer("x", (20,)),
            _dense("a", rng, 20, 16, "relu"),
            _dense("b", rng, 16, 8, "relu"),
            _dense("c", rng, 8, 4, "softmax"),
        ]
    )
    x = rng.random((9, 20), dtype=np.float32)
    np.testing.assert_allclose(model.predict_proba(x), model.forward(x), atol=1e-6)
    np.testing.assert_allclose(model.predict_proba(x[0]), model.forward(x[0]), atol=1e-6)
