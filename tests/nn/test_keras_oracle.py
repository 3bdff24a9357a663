"""The engine against Keras 3 as the oracle: same files, same outputs (atol 1e-5)."""

from __future__ import annotations

import numpy as np
import pytest

from digitwidget.nn import Activation, Dense, Model, load_model
from digitwidget.nn import activations as A

pytestmark = pytest.mark.tf
keras = pytest.importorskip("keras")
pytest.importorskip("tensorflow")

from tests.nn._keras_models import builders, keras_output, save_all  # noqa: E402

CASES = sorted(builders(keras))


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    return save_all(tmp_path_factory.mktemp("keras_models"))


def _images(shape, seed=0, n=16):
    return np.random.default_rng(seed).random((n, *shape), dtype=np.float32)


@pytest.mark.parametrize("case", CASES)
def test_engine_output_matches_keras(saved, case):
    path, keras_model, shape = saved[case]
    model = load_model(path)
    x = _images(shape)
    if model.metadata["input_scale"] == "byte":
        x = np.round(x * 255)
        engine = model.forward(x.astype(np.uint8))
    else:
        engine = model.forward(x)
    np.testing.assert_allclose(engine, keras_output(keras_model, x), atol=1e-5)


@pytest.mark.parametrize("case", CASES)
def test_keras_to_npz_round_trip_is_exact(saved, case, tmp_path):
    model = load_model(saved[case][0])
    model.save(tmp_path / "model.npz")
    again = load_model(tmp_path / "model.npz")
    x = _images(saved[case][2], seed=1)
    assert [type(a) for a in again.layers] == [type(b) for b in model.layers]
    assert again.metadata == model.metadata
    np.testing.assert_array_equal(again.predict_proba(x), model.predict_proba(x))


def test_logits_model_gets_softmax_probabilities(saved):
    path, keras_model, shape = saved["logits"]
    model = load_model(path)
    x = _images(shape)
    logits = keras_output(keras_model, x)
    expected = np.asarray(keras.activations.softmax(logits))
    assert not model.ends_in_softmax
    np.testing.assert_allclose(model.predict_proba(x), expected, atol=1e-6)


def test_softmax_model_probabilities_are_its_output(saved):
    path, keras_model, shape = saved["mnist_784_128_256_10"]
    model = load_model(path)
    x = _images(shape)
    assert model.ends_in_softmax
    np.testing.assert_allclose(model.predict_proba(x), keras_output(keras_model, x), atol=1e-6)
    np.testing.assert_array_equal(model.predict(x), np.argmax(keras_output(keras_model, x), axis=1))


def test_byte_rescaling_model_is_marked_byte_input(saved):
    path, keras_model, shape = saved["bytes_rescaling_flatten"]
    model = load_model(path)
    x = _images(shape)
    assert model.metadata["input_scale"] == "byte"
    np.testing.assert_allclose(
        model.predict_proba(x), keras_output(keras_model, x * 255), atol=1e-5
    )


@pytest.mark.parametrize("approximate", [False, True])
def test_gelu_variants_match_keras(approximate):
    x = np.linspace(-8, 8, 4001, dtype=np.float32)
    expected = np.asarray(keras.activations.gelu(x, approximate=approximate))
    np.testing.assert_allclose(A.gelu(x, approximate=approximate), expected, atol=1e-6)


def test_gelu_string_in_keras_config_means_exact_erf(saved):
    keras_dense = saved["dense_gelu"][1].layers[0]
    assert keras.activations.serialize(keras_dense.activation) == "gelu"
    x = np.linspace(-3, 3, 101, dtype=np.float32)
    exact = np.asarray(keras.activations.gelu(x, approximate=False))
    np.testing.assert_allclose(np.asarray(keras_dense.activation(x)), exact, atol=1e-7)


def test_approximate_gelu_dense_matches_keras_dense_then_gelu(tmp_path):
    keras.utils.set_random_seed(3)
    dense = keras.layers.Dense(12, bias_initializer="random_normal")
    dense.build((None, 784))
    kernel, bias = (np.asarray(w) for w in dense.get_weights())
    spec = {"name": "gelu", "approximate": True}
    model = Model([Dense("d", kernel, bias, spec), Activation("s", "softmax")], (784,))
    model.save(tmp_path / "gelu.npz")
    x = _images((784,))
    pre = np.asarray(keras.activations.gelu(dense(x), approximate=True))
    expected = np.asarray(keras.activations.softmax(pre))
    np.testing.assert_allclose(load_model(tmp_path / "gelu.npz").forward(x), expected, atol=1e-6)


@pytest.mark.parametrize("name", sorted(A.FUNCTIONS))
def test_activation_function_matches_keras_on_a_grid(name):
    x = np.linspace(-12, 12, 2401, dtype=np.float32).reshape(49, 49)
    expected = np.asarray(keras.activations.get(name)(x))
    np.testing.assert_allclose(A.get_activation(name)(x), expected, atol=1e-5, rtol=1e-5)


def test_leaky_relu_custom_slope_matches_keras():
    x = np.linspace(-5, 5, 101, dtype=np.float32)
    expected = np.asarray(keras.activations.leaky_relu(x, negative_slope=0.07))
    np.testing.assert_allclose(A.leaky_relu(x, negative_slope=0.07), expected, atol=1e-7)
