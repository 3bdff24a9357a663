"""The layers predict_proba runs: BatchNormalization folded, activations moved after max-pooling.

Each rewrite must compute what the model's own layers compute (``forward``, which never
runs them): checked here on models whose every layer carries random weights.
"""

from __future__ import annotations

import numpy as np
import pytest

from digitwidget.nn import (
    Activation,
    BatchNormalization,
    Conv2D,
    Dense,
    DepthwiseConv2D,
    Flatten,
    GlobalMaxPooling2D,
    InputLayer,
    MaxPooling2D,
    Model,
    SeparableConv2D,
    load_model,
)
from digitwidget.nn.activations import get_activation
from digitwidget.nn.fast.fusion import activate_after_pooling, fold_batch_norms, for_inference


def _normal(rng: np.random.Generator, *shape: int, scale: float = 0.3) -> np.ndarray:
    return rng.normal(0, scale, shape).astype(np.float32)


def _bn(rng: np.random.Generator, name: str, channels: int, **flags: bool) -> BatchNormalization:
    return BatchNormalization(
        name,
        _normal(rng, channels),
        rng.uniform(0.2, 2.0, channels).astype(np.float32),
        None if flags.get("scale") is False else _normal(rng, channels, scale=1.0) + 1,
        None if flags.get("center") is False else _normal(rng, channels),
        epsilon=1e-3,
    )


def _images(seed: int = 1, count: int = 40) -> np.ndarray:
    return np.random.default_rng(seed).random((count, 28, 28), np.float32)


def _without_rewrites(model: Model, x: np.ndarray) -> np.ndarray:
    """softmax of the model's own layers, one by one (``forward`` runs no rewrite)."""
    out = np.asarray(model.forward(x), np.float64)
    return out if model.ends_in_softmax else np.exp(out) / np.exp(out).sum(-1, keepdims=True)


def _bn_cnn(seed: int = 0) -> Model:
    """conv (no bias) -> BN -> relu -> maxpool -> depthwise -> BN -> separable -> BN -> relu
    -> global max pool -> dense -> BN (no scale, no centre) -> dense softmax."""
    rng = np.random.default_rng(seed)
    return Model(
        [
            InputLayer("image", (28, 28, 1)),
            Conv2D("conv", _normal(rng, 3, 3, 1, 8), None, "linear", padding="same"),
            _bn(rng, "bn_conv", 8),
            Activation("relu", "relu"),
            MaxPooling2D("pool", pool_size=(2, 2)),
            DepthwiseConv2D("depthwise", _normal(rng, 3, 3, 8, 2), _normal(rng, 16)),
            _bn(rng, "bn_depthwise", 16),
            SeparableConv2D(
                "separable", _normal(rng, 3, 3, 16, 1), _normal(rng, 1, 1, 16, 12), None
            ),
            _bn(rng, "bn_separable", 12, center=False),
            Activation("relu_2", "relu"),
            GlobalMaxPooling2D("global_pool"),
            Dense("dense", _normal(rng, 12, 20), _normal(rng, 20)),
            _bn(rng, "bn_dense", 20, scale=False, center=False),
            Dense("out", _normal(rng, 20, 10), _normal(rng, 10), "softmax"),
        ]
    )


def test_batch_norm_after_linear_layers_folds_and_predicts_as_the_model_does():
    model = _bn_cnn()
    x = _images()
    run = model._workspace.layers_run
    assert not any(layer.as_affine() for layer in run)  # every BN folded
    assert len(run) == len(model.layers) - 1 - 4  # InputLayer skipped, four BNs gone
    names = [layer.name for layer in run]
    assert names.index("relu") == names.index("pool") + 1  # swapped, not copied
    assert names.index("relu_2") == names.index("global_pool") + 1
    np.testing.assert_allclose(model.predict_proba(x), _without_rewrites(model, x), atol=2e-6)
    np.testing.assert_allclose(model.logits(x), _logits_by_hand(model, x), atol=2e-5)


def _logits_by_hand(model: Model, x: np.ndarray) -> np.ndarray:
    """The last Dense's z from the activation before it, with the model's own weights."""
    _, activations = model.forward(x, return_activations=True)
    out = model.layers[-1].weights
    return activations["bn_dense"] @ out["kernel"] + out["bias"]


def test_the_model_own_layers_are_untouched_by_folding():
    model = _bn_cnn()

    def weights() -> dict[str, np.ndarray]:
        return {f"{layer.name}/{k}": w for layer in model.layers for k, w in layer.weights.items()}

    before = {key: weight.copy() for key, weight in weights().items()}
    model.predict_proba(_images(count=2))
    after = weights()
    assert before.keys() == after.keys()
    for key, weight in before.items():
        np.testing.assert_array_equal(after[key], weight, err_msg=key)


def test_batch_norm_after_an_activation_is_not_folded():
    rng = np.random.default_rng(3)
    layers = [
        Dense("dense", _normal(rng, 784, 16), _normal(rng, 16), "relu"),
        _bn(rng, "bn", 16),
        Dense("out", _normal(rng, 16, 10), _normal(rng, 10), "softmax"),
    ]
    run, shapes = fold_batch_norms(layers, [(16,), (16,), (10,)])
    assert run == layers
    assert shapes == [(16,), (16,), (10,)]


def test_batch_norm_first_stays_a_layer_of_its_own():
    rng = np.random.default_rng(4)
    layers = [_bn(rng, "bn", 784), Dense("out", _normal(rng, 784, 10), _normal(rng, 10))]
    assert fold_batch_norms(layers, [(784,), (10,)])[0] == layers


def test_a_folded_layer_computes_the_layer_then_the_batch_norm():
    rng = np.random.default_rng(5)
    x = rng.random((6, 9, 9, 4), np.float32)
    for layer in (
        Conv2D("c", _normal(rng, 3, 3, 4, 6), _normal(rng, 6), padding="same"),
        Conv2D("g", _normal(rng, 3, 3, 2, 6), None, groups=2),
        DepthwiseConv2D("d", _normal(rng, 3, 3, 4, 3), None, strides=2),
        SeparableConv2D("s", _normal(rng, 3, 3, 4, 2), _normal(rng, 1, 1, 8, 5), _normal(rng, 5)),
    ):
        z = layer(x)
        bn = _bn(rng, "bn", z.shape[-1])
        merged = layer.with_affine_after(*bn.as_affine())
        assert merged is not None, layer.name
        np.testing.assert_allclose(merged(x), bn(z), atol=1e-5, err_msg=layer.name)


def test_activation_moves_after_max_pooling_with_bitwise_equal_results():
    model = load_model("cnn")
    layers = [layer for layer in model.layers if not layer.is_identity]
    shapes = [model.shapes[model.layers.index(layer)] for layer in layers]
    moved, _ = activate_after_pooling(layers, shapes)
    kinds = [(type(layer).__name__, getattr(layer.activation, "name", None)) for layer in moved]
    # after the reshape to channels: conv (linear) -> pool -> relu, twice, then the dense head
    assert kinds[1:7] == [
        ("Conv2D", "linear"),
        ("MaxPooling2D", None),
        ("Activation", "relu"),
        ("Conv2D", "linear"),
        ("MaxPooling2D", None),
        ("Activation", "relu"),
    ]
    assert str(model.layers[2].activation) == "relu"  # the model's own conv keeps its ReLU
    x = np.random.default_rng(2).random((8, 28, 28, 1), np.float32)
    by_model, by_moved = x, x
    for layer in layers[1:7]:
        by_model = layer(by_model)
    for layer in moved[1:9]:
        by_moved = layer(by_moved)
    np.testing.assert_array_equal(by_moved, by_model)


def test_the_shipped_cnn_runs_with_its_second_convolution_as_winograd():
    model = load_model("cnn")
    run = model._workspace.layers_run
    kinds = [(type(layer).__name__, getattr(layer.activation, "name", None)) for layer in run]
    assert kinds[1:6] == [
        ("Conv2D", "linear"),  # one input channel: im2col
        ("MaxPooling2D", None),
        ("Activation", "relu"),
        ("WinogradConv2D", "linear"),  # 32 channels, with the pooling after it
        ("Activation", "relu"),
    ]
    model.metadata.pop("temperature", None)  # so that predict_proba is softmax(forward)
    x = _images(count=64)
    np.testing.assert_allclose(model.predict_proba(x), _without_rewrites(model, x), atol=1e-6)


def test_an_activation_that_can_decrease_stays_before_the_pooling():
    rng = np.random.default_rng(6)
    for activation in ("gelu", "silu", {"name": "relu", "threshold": -0.5}):
        conv = Conv2D("c", _normal(rng, 3, 3, 1, 4), _normal(rng, 4), activation)
        pool = MaxPooling2D("p")
        layers, _ = activate_after_pooling([conv, pool], [(26, 26, 4), (13, 13, 4)])
        assert layers == [conv, pool], activation


def test_moved_activation_model_agrees_for_every_never_decreasing_activation():
    rng = np.random.default_rng(7)
    for activation in ("relu", "sigmoid", "tanh", "elu", "selu", "softplus", "leaky_relu"):
        model = Model(
            [
                InputLayer("image", (28, 28, 1)),
                Conv2D("c", _normal(rng, 3, 3, 1, 4), _normal(rng, 4), activation),
                MaxPooling2D("p", padding="same", pool_size=(3, 3), strides=(2, 2)),
                Flatten("f"),
                Dense("out", _normal(rng, 13 * 13 * 4, 10, scale=0.05), None, "softmax"),
            ]
        )
        assert len(model._workspace.layers_run) == len(model.layers)  # one Activation added
        x = _images(seed=8, count=10)
        np.testing.assert_allclose(
            model.predict_proba(x), _without_rewrites(model, x), atol=1e-6, err_msg=activation
        )


@pytest.mark.parametrize(
    "spec",
    [
        "linear",
        "relu",
        {"name": "relu", "threshold": 0.5},
        {"name": "relu", "threshold": -0.5},
        {"name": "relu", "negative_slope": 0.1, "max_value": 2.0},
        "leaky_relu",
        "sigmoid",
        "tanh",
        "elu",
        {"name": "elu", "alpha": -1.0},
        "selu",
        "softplus",
        "gelu",
        "silu",
    ],
)
def test_never_decreases_says_what_the_formula_does(spec):
    f = get_activation(spec)
    x = np.linspace(-6, 6, 24_001, dtype=np.float64)
    monotone = bool(np.all(np.diff(f(x)) >= 0))
    assert f.never_decreases == monotone


def test_for_inference_keeps_a_model_without_either_pattern():
    model = load_model("mlp")
    layers = [layer for layer in model.layers if not layer.is_identity]
    shapes = [
        s for layer, s in zip(model.layers, model.shapes, strict=True) if not layer.is_identity
    ]
    assert for_inference(layers, shapes) == (layers, shapes)
