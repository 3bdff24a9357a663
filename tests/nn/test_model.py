"""Layers and the model on hand-computed cases, shapes, and the forward pass."""

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
    LeakyReLU,
    Model,
    ReLU,
    Rescaling,
    Softmax,
)
from digitwidget.nn.fast.workspace import BLOCK_ROWS, Workspace

KERNEL = np.array([[1.0, -2.0], [3.0, -4.0]])
BIAS = np.array([5.0, -6.0])


def _mnist_model(seed: int = 0, last: str = "softmax") -> Model:
    rng = np.random.default_rng(seed)
    sizes = [784, 128, 256, 10]
    acts = ["relu", "relu", last]
    layers = [
        Dense(f"dense_{i}", rng.normal(0, 0.05, (a, b)), rng.normal(0, 0.1, b), act)
        for i, (a, b, act) in enumerate(zip(sizes, sizes[1:], acts, strict=False))
    ]
    return Model([InputLayer("pixels", (784,)), *layers])


def test_dense_relu_hand_computed():
    layer = Dense("d", KERNEL, BIAS, "relu")
    np.testing.assert_array_equal(layer(np.array([[-1.0, 2.0]], np.float32)), [[10.0, 0.0]])


def test_dense_linear_without_bias_hand_computed():
    layer = Dense("d", KERNEL, None)
    np.testing.assert_array_equal(layer(np.array([[-1.0, 2.0]], np.float32)), [[5.0, -6.0]])
    assert not layer.use_bias
    assert layer.kernel.dtype == np.float32
    assert layer.kernel.flags.f_contiguous


def test_dense_writes_into_given_buffer():
    layer = Dense("d", KERNEL, BIAS, "relu")
    out = np.full((1, 2), np.nan, np.float32)
    assert layer(np.array([[-1.0, 2.0]], np.float32), out=out) is out
    np.testing.assert_array_equal(out, [[10.0, 0.0]])


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        (Rescaling("r", 0.5, offset=1.0), [[0.5, 1.0, 2.0]]),
        (Dropout("d", 0.9), [[-1.0, 0.0, 2.0]]),
        (Activation("a", "relu"), [[0.0, 0.0, 2.0]]),
        (ReLU("r", max_value=1.5), [[0.0, 0.0, 1.5]]),
        (LeakyReLU("l", negative_slope=0.5), [[-0.5, 0.0, 2.0]]),
        (ELU("e", alpha=2.0), [[2 * (np.exp(-1) - 1), 0.0, 2.0]]),
        (Softmax("s"), [np.exp([-1.0, 0.0, 2.0]) / np.exp([-1.0, 0.0, 2.0]).sum()]),
    ],
)
def test_elementwise_layers_hand_computed(layer, expected):
    np.testing.assert_allclose(layer(np.array([[-1.0, 0.0, 2.0]], np.float32)), expected, rtol=1e-6)


def test_flatten_keeps_batch_axis():
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    assert Flatten("f")(x).shape == (2, 12)
    assert Flatten("f").build((28, 28)) == (784,)


def test_dense_rejects_input_of_wrong_width():
    with pytest.raises(ValueError, match=r"expects inputs whose last axis is 2. Received: \(3,\)"):
        Model([Dense("d", KERNEL, BIAS)], (3,))


def test_dense_rejects_bias_that_does_not_match_kernel():
    with pytest.raises(ValueError, match=r"bias must have shape \(2,\)"):
        Dense("d", KERNEL, np.zeros(3))


@pytest.mark.parametrize("bad", [np.array([[1, 2], [3, 4]]), np.array([[np.nan, 1.0], [0, 0]])])
def test_dense_rejects_non_float_or_non_finite_kernels(bad):
    with pytest.raises(ValueError, match="kernel"):
        Dense("d", bad)


def test_model_rejects_duplicate_layer_names():
    with pytest.raises(ValueError, match="unique"):
        Model([Dense("d", KERNEL), Dense("d", KERNEL)], (2,))


def test_model_needs_an_input_shape():
    with pytest.raises(ValueError, match="input_shape"):
        Model([Dense("d", KERNEL)])


def test_forward_returns_every_activation_by_layer_name():
    model = Model([InputLayer("in", (2,)), Dense("hidden", KERNEL, BIAS, "relu"), Softmax("p")])
    output, activations = model.forward(np.array([[0.0, 1.0]], np.float32), return_activations=True)
    assert list(activations) == ["in", "hidden", "p"]
    np.testing.assert_array_equal(activations["hidden"], [[8.0, 0.0]])
    np.testing.assert_allclose(output, [[1 / (1 + np.exp(-8)), 1 / (1 + np.exp(8))]], rtol=1e-6)


def test_forward_on_one_image_drops_the_batch_axis():
    model = _mnist_model()
    output, activations = model.forward(np.zeros(784, np.float32), return_activations=True)
    assert output.shape == (10,)
    assert activations["dense_0"].shape == (128,)


@pytest.mark.parametrize("block_rows", [64, BLOCK_ROWS])
@pytest.mark.parametrize("rows", [1, 7, 63, 64, 65, 1000])
def test_blocked_buffered_pass_equals_plain_forward(rows, block_rows):
    model = _mnist_model()
    model._workspace = Workspace(model.layers, model.shapes, block_rows)
    x = np.random.default_rng(rows).random((rows, 784), dtype=np.float32)
    first = model.predict_proba(x)
    np.testing.assert_allclose(first, model.forward(x), rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(model.predict_proba(x), first)


def test_results_are_not_overwritten_by_later_calls():
    model = _mnist_model()
    rng = np.random.default_rng(1)
    a, b = rng.random((2, 3, 784), dtype=np.float32)
    pa = model.predict_proba(a)
    kept = pa.copy()
    model.predict_proba(b)
    np.testing.assert_array_equal(pa, kept)


def test_logits_model_gets_softmax_and_softmax_model_does_not_twice():
    x = np.random.default_rng(2).random((5, 784), dtype=np.float32)
    logits, probs = _mnist_model(last="linear"), _mnist_model(last="softmax")
    np.testing.assert_allclose(logits.predict_proba(x), probs.predict_proba(x), rtol=1e-5)
    np.testing.assert_allclose(logits.predict_proba(x).sum(axis=1), 1.0, atol=1e-6)


def test_predict_returns_int_for_one_image_and_int64_for_a_batch():
    model = _mnist_model()
    x = np.random.default_rng(3).random((4, 28, 28), dtype=np.float32)
    labels = model.predict(x)
    assert labels.dtype == np.int64
    assert labels.shape == (4,)
    assert isinstance(model.predict(x[0]), int)
    assert model.predict(x[0]) == labels[0]


def test_default_metadata_names_ten_classes():
    assert _mnist_model().metadata == {
        "input_scale": "unit",
        "class_names": [str(i) for i in range(10)],
        "provenance": {},
    }


def test_repr_shows_layers_shapes_and_parameter_count():
    text = repr(_mnist_model())
    assert "136,074 parameters" in text
    assert "(256,)" in text
    assert "relu" in text
    assert text.count("Dense") == 3


def test_model_of_identity_layers_returns_its_input_as_probabilities():
    model = Model([InputLayer("in", (3,)), Dropout("d", 0.5)])
    x = np.array([[0.0, 0.0, 1.0]], np.float32)
    np.testing.assert_array_equal(model.forward(x), x)
    np.testing.assert_allclose(
        model.predict_proba(x), np.array([[1, 1, np.e]]) / (2 + np.e), rtol=1e-6
    )


def test_one_image_through_vector_buffers_equals_its_row_in_a_batch():
    model = _mnist_model()
    batch = np.random.default_rng(4).random((3, 784), dtype=np.float32)
    assert model._workspace._vector_plan is not None
    for row in batch:
        np.testing.assert_allclose(
            model.predict_proba(row), model.forward(row), rtol=1e-6, atol=1e-7
        )
    np.testing.assert_allclose(
        np.stack([model.predict_proba(row) for row in batch]), model.predict_proba(batch), atol=1e-6
    )


def test_flatten_model_runs_one_image_through_vector_buffers():
    rng = np.random.default_rng(5)
    kernel, bias = rng.normal(0, 0.05, (784, 10)), rng.normal(0, 0.1, 10)
    model = Model([InputLayer("in", (28, 28)), Flatten("f"), Dense("d", kernel, bias, "softmax")])
    images = rng.random((3, 28, 28), dtype=np.float32)
    assert model._workspace._vector_plan is not None
    for image, row in zip(images, model.predict_proba(images), strict=True):
        assert model.predict_proba(image).shape == (10,)
        np.testing.assert_allclose(model.predict_proba(image), model.forward(image), atol=1e-7)
        np.testing.assert_allclose(model.predict_proba(image), row, atol=1e-6)


def test_flatten_after_a_computing_layer_keeps_the_batch_path():
    model = Model([InputLayer("in", (4,)), Rescaling("r", 2.0), Flatten("f")])
    x = np.array([0.0, 0.25, 0.5, 1.0], np.float32)
    assert model._workspace._vector_plan is None
    np.testing.assert_allclose(model.predict_proba(x), _softmax(2 * x), rtol=1e-6)


def test_lone_flatten_model_returns_the_flat_image_as_probabilities():
    model = Model([InputLayer("in", (2, 2)), Flatten("f")])
    image = np.array([[0.0, 1.0], [0.5, 0.0]], np.float32)
    np.testing.assert_allclose(model.predict_proba(image), _softmax(image.reshape(-1)), rtol=1e-6)


def _softmax(v: np.ndarray) -> np.ndarray:
    e = np.exp(v - v.max())
    return e / e.sum()
