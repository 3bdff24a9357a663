"""Saliency maps: the hand-written backward pass against finite differences and TensorFlow."""

from __future__ import annotations

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
    Model,
    ReLU,
    Rescaling,
    Softmax,
    load_model,
)
from digitwidget.nn.saliency import saliency
from tests.nn._keras_models import ACTIVATION_NAMES

KERAS_CASES = [
    "mnist_784_128_256_10",
    "logits",
    "bytes_rescaling_flatten",
    "rescaling_offset",
    "dropout",
    "no_bias",
    "activation_layers",
    "built_without_input",
    "functional_chain",
    *(f"dense_{name}" for name in ACTIVATION_NAMES),
]
"""The models of ``tests/_keras_models.py`` (Keras itself is imported only by the fixture)."""

HIDDEN_ACTIVATIONS = [
    "linear",
    "relu",
    {"name": "relu", "negative_slope": 0.1, "max_value": 0.8, "threshold": 0.05},
    "leaky_relu",
    "sigmoid",
    "tanh",
    "softmax",
    "elu",
    "selu",
    "gelu",
    {"name": "gelu", "approximate": True},
    "silu",
    "softplus",
]


def _dense(rng: np.random.Generator, name: str, n_in: int, n_out: int, act=None) -> Dense:
    kernel = rng.normal(0, 1.5 / np.sqrt(n_in), (n_in, n_out))
    return Dense(name, kernel, rng.normal(0, 0.3, n_out), act)


def _model(activation, last: str | None = "softmax", seed: int = 0) -> Model:
    """784 (as 28x28) -> Flatten -> Dense 24 -> Dropout -> Dense 10 (``last``)."""
    rng = np.random.default_rng(seed)
    layers = [
        InputLayer("image", (28, 28)),
        Flatten("flatten"),
        _dense(rng, "hidden", 784, 24, activation),
        Dropout("drop", 0.3),
        _dense(rng, "output", 24, 10, last),
    ]
    return Model(layers)


def _activation_layers_model(seed: int = 1) -> Model:
    """Every activation layer, with a Rescaling in front and a Softmax layer at the end."""
    rng = np.random.default_rng(seed)
    layers: list = [InputLayer("pixels", (784,)), Rescaling("scale", 2.0, -1.0)]
    for i, act in enumerate([Activation("a", "tanh"), ReLU("r", 0.9, 0.1, 0.05), LeakyReLU("l")]):
        layers += [_dense(rng, f"d{i}", 784 if i == 0 else 16, 16), act]
    layers += [ELU("e", 0.7), _dense(rng, "logits", 16, 10), Softmax("softmax")]
    return Model(layers)


def _float64_forward(model: Model, x: np.ndarray) -> np.ndarray:
    """The engine's own layers run on float64 inputs (they keep the dtype)."""
    for layer in model.layers:
        x = layer(x)
    return x


def _numerical_gradient(model: Model, image: np.ndarray, target: int, eps: float = 1e-6):
    """Central differences ``(f(x + eps e_i) - f(x - eps e_i)) / 2 eps`` for every pixel."""
    flat = image.reshape(-1).astype(np.float64)
    steps = np.eye(flat.size) * eps
    batch = np.concatenate([flat + steps, flat - steps]).reshape(-1, *model.input_shape)
    scores = _float64_forward(model, batch)[:, target]
    return ((scores[: flat.size] - scores[flat.size :]) / (2 * eps)).reshape(image.shape)


def _image(seed: int = 3, shape=(28, 28)) -> np.ndarray:
    return np.random.default_rng(seed).uniform(0.05, 0.95, shape)


def _assert_close_to_scale(actual, expected, rtol: float) -> None:
    scale = np.abs(expected).max()
    assert scale > 0, "the reference gradient is all zeros, so the test would prove nothing"
    np.testing.assert_allclose(actual, expected, atol=rtol * scale, rtol=0)


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS, ids=str)
def test_logit_saliency_matches_finite_differences(activation):
    image = _image()
    logits_model = _model(activation, last=None)
    target = 4
    expected = _numerical_gradient(logits_model, image, target)
    # The same weights with a softmax on top: the logit saliency must not change.
    softmax_model = _model(activation, last="softmax")
    for model in (logits_model, softmax_model):
        _assert_close_to_scale(saliency(model, image, target), expected, 1e-6)


@pytest.mark.parametrize("activation", ["relu", "tanh", "gelu"])
def test_probability_saliency_matches_finite_differences(activation):
    image, model = _image(5), _model(activation, last="softmax")
    expected = _numerical_gradient(model, image, 7)
    _assert_close_to_scale(saliency(model, image, 7, score="probability"), expected, 1e-6)


@pytest.mark.parametrize("score", ["logit", "probability"])
def test_saliency_through_activation_and_rescaling_layers(score):
    model, image = _activation_layers_model(), _image(7, (784,))
    reference = model if score == "probability" else Model(model.layers[:-1])
    expected = _numerical_gradient(reference, image, 2)
    _assert_close_to_scale(saliency(model, image, 2, score=score), expected, 1e-6)


def test_byte_model_gradient_is_per_unit_of_ink():
    rng = np.random.default_rng(0)
    layers = [InputLayer("bytes", (784,)), Rescaling("r", 1 / 255), _dense(rng, "d", 784, 10)]
    byte_model = Model(layers, metadata={"input_scale": "byte"})
    unit_model = Model([InputLayer("x", (784,)), Dense("d", layers[2].kernel, layers[2].bias)])
    image = _image(1, (784,))
    np.testing.assert_allclose(saliency(byte_model, image, 3), saliency(unit_model, image, 3))
    np.testing.assert_allclose(saliency(unit_model, image, 3), layers[2].kernel[:, 3], rtol=1e-12)


@pytest.mark.parametrize("shape", [(28, 28), (784,), (3, 28, 28), (3, 784)])
def test_saliency_has_the_shape_of_its_input(shape):
    model = _model("relu")
    result = saliency(model, _image(2, shape))
    assert result.shape == shape
    assert result.dtype == np.float64


def test_default_target_is_the_predicted_class():
    model, images = _model("tanh"), _image(4, (6, 28, 28))
    predicted = model.predict(images)
    assert len(set(predicted.tolist())) > 1, "pick images the model labels differently"
    np.testing.assert_array_equal(saliency(model, images), saliency(model, images, predicted))


def test_batch_rows_equal_single_images():
    model, images = _model("gelu"), _image(6, (4, 28, 28))
    batch = saliency(model, images, 1)
    for image, row in zip(images, batch, strict=True):
        np.testing.assert_allclose(saliency(model, image, 1), row, atol=1e-12, rtol=0)


def test_uint8_images_are_read_as_ink_fraction():
    model = _model("relu")
    pixels = np.random.default_rng(0).integers(0, 256, (28, 28), dtype=np.uint8)
    np.testing.assert_allclose(saliency(model, pixels, 0), saliency(model, pixels / 255.0, 0))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"x": np.zeros((27, 27))}, "Expected one image of shape"),
        ({"x": np.zeros((0, 784))}, "empty batch"),
        ({"x": np.full((28, 28), 300, np.int32)}, r"integer pixels in 0\.\.255"),
        ({"x": np.full((28, 28), 255.0)}, r"in \[0, 1\].*divide by 255"),
        ({"x": np.full((28, 28), -0.5)}, r"in \[0, 1\]"),
        ({"x": np.full((28, 28), np.nan)}, "NaN or infinite"),
        ({"x": np.full((28, 28), np.inf, np.float32)}, "NaN or infinite"),
        ({"target": 10}, "class index 0..9"),
        ({"target": -1}, "class index 0..9"),
        ({"target": 1.5}, "class index 0..9"),
        ({"score": "loss"}, "score must be 'logit' or 'probability'"),
    ],
)
def test_bad_arguments_are_refused_with_the_fix(kwargs, message):
    args = {"x": np.zeros((28, 28)), "target": None} | kwargs
    with pytest.raises(ValueError, match=message):
        saliency(_model("relu"), **args)


def test_unsupported_layer_is_named():
    class Odd(Layer):
        """A layer type the backward pass does not know."""

    model = Model([InputLayer("x", (784,)), Odd("odd"), Dense("d", np.ones((784, 10)))])
    with pytest.raises(NotImplementedError, match="layer 'odd' of type Odd"):
        saliency(model, np.zeros(784))


@pytest.mark.parametrize(("name", "factor"), [("mlp", 2.0), ("cnn", 1.5)])
def test_erasing_the_most_salient_ink_lowers_the_logit_more_than_random_ink(name, factor):
    """On the shipped models and real MNIST digits the first-order prediction holds.

    Less strongly for the CNN (max pooling and two ReLU layers between a pixel and a
    logit): its salient ink drops the logit about 1.8x as much as random ink, against
    more than 2x for the MLP.
    """
    from digitwidget.data import load_mnist

    model = load_model(name)
    _, (x_test, y_test) = load_mnist()
    images = x_test[:40] / 255.0
    labels = y_test[:40].astype(np.int64)
    grads = saliency(model, images, labels)
    logit_model = Model([*model.layers[:-1], _linear(model.layers[-1])])
    rng = np.random.default_rng(0)
    salient_drops, random_drops = [], []
    for image, grad, label in zip(images, grads, labels, strict=True):
        ink = image > 0.5
        salient = ink & (grad >= np.quantile(grad[ink], 0.8))
        chosen = rng.choice(np.flatnonzero(ink), salient.sum(), replace=False)
        random = np.zeros(image.size, bool)
        random[chosen] = True
        erased = np.stack([np.where(salient, 0, image), np.where(random.reshape(28, 28), 0, image)])
        before = _float64_forward(logit_model, image[None])[0, label]
        after = _float64_forward(logit_model, erased)[:, label]
        salient_drops.append(before - after[0])
        random_drops.append(before - after[1])
    assert np.median(salient_drops) > 0
    assert np.median(salient_drops) > factor * np.median(random_drops), (
        salient_drops,
        random_drops,
    )


def _linear(layer: Dense) -> Dense:
    return Dense(layer.name, layer.kernel, layer.bias, None)


@pytest.fixture(scope="module")
def keras_models(tmp_path_factory):
    pytest.importorskip("tensorflow")
    keras = pytest.importorskip("keras")
    from tests.nn._keras_models import save_all

    return keras, save_all(tmp_path_factory.mktemp("saliency_keras"))


def _keras_logits(keras, keras_model, x):
    """Run the Keras layers, leaving out the final softmax: the logits the saliency explains."""
    layers = [
        layer for layer in keras_model.layers if not isinstance(layer, keras.layers.InputLayer)
    ]
    last = max(i for i, layer in enumerate(layers) if not isinstance(layer, keras.layers.Dropout))
    for i, layer in enumerate(layers):
        if i == last and isinstance(layer, keras.layers.Softmax):
            continue
        if i == last and getattr(layer, "activation", None) is keras.activations.softmax:
            x = keras.ops.matmul(x, layer.kernel) + layer.bias
            continue
        x = layer(x, training=False)
    return x


@pytest.mark.tf
@pytest.mark.parametrize("score", ["logit", "probability"])
@pytest.mark.parametrize("case", KERAS_CASES)
def test_saliency_matches_tensorflow_gradient_tape(keras_models, case, score):
    import tensorflow as tf

    keras, saved = keras_models
    path, keras_model, shape = saved[case]
    model = load_model(path)
    images = _image(11, (3, *shape)).astype(np.float32)
    byte_scale = model.metadata["input_scale"] == "byte"
    labels = np.array([0, 3, 9])
    x = tf.Variable(images * 255 if byte_scale else images)
    with tf.GradientTape() as tape:
        if score == "logit":
            scores = _keras_logits(keras, keras_model, x)
        else:
            scores = keras_model(x, training=False)
            if not model.ends_in_softmax:
                scores = tf.nn.softmax(scores)
        picked = tf.gather(scores, labels, axis=1, batch_dims=1)
    expected = tape.gradient(picked, x).numpy() * (255 if byte_scale else 1)
    _assert_close_to_scale(saliency(model, images, labels, score=score), expected, 1e-5)


def test_model_saliency_method_is_the_saliency_function():
    rng = np.random.default_rng(7)
    model = Model([InputLayer("x", (6,)), _dense(rng, "d1", 6, 5, "tanh"), _dense(rng, "d2", 5, 3)])
    x = rng.random((4, 6)).astype(np.float32)
    np.testing.assert_array_equal(model.saliency(x, target=1), saliency(model, x, 1))
    np.testing.assert_array_equal(
        model.saliency(x, score="probability"), saliency(model, x, None, "probability")
    )
