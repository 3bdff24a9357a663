"""Temperature scaling: fitted, measured, stored in a model and used by every prediction."""

from __future__ import annotations

import numpy as np
import pytest

from digitwidget.nn import Dense, Flatten, InputLayer, Model, load_model
from digitwidget.nn.calibration import (
    calibrated,
    expected_calibration_error,
    fit_temperature,
    negative_log_likelihood,
)


def _model(temperature: float | None = None, last: str | None = "softmax") -> Model:
    rng = np.random.default_rng(0)
    layers = [
        InputLayer("image", (28, 28)),
        Flatten("flatten"),
        Dense("hidden", rng.normal(0, 0.05, (784, 16)), rng.normal(0, 0.3, 16), "tanh"),
        Dense("output", rng.normal(0, 1.0, (16, 10)), rng.normal(0, 0.3, 10), last),
    ]
    metadata = {} if temperature is None else {"temperature": temperature}
    return Model(layers, metadata=metadata)


def _logits(model: Model, x: np.ndarray) -> np.ndarray:
    h = np.tanh(x.reshape(len(x), -1) @ model.layers[2].kernel + model.layers[2].bias)
    return h @ model.layers[3].kernel + model.layers[3].bias


def _images(n: int = 8) -> np.ndarray:
    return np.random.default_rng(1).random((n, 28, 28), dtype=np.float32)


def test_fit_temperature_recovers_the_temperature_the_labels_were_drawn_with():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, (20_000, 10))
    for true in (0.5, 1.0, 2.5):
        p = calibrated(logits, true).astype(np.float64)
        labels = (p.cumsum(axis=1) > rng.random((len(p), 1))).argmax(axis=1)
        fitted = fit_temperature(logits, labels)
        assert fitted == pytest.approx(true, rel=0.05)
        nll = negative_log_likelihood(logits, labels, fitted)
        assert nll <= negative_log_likelihood(logits, labels, fitted * 1.2)
        assert nll <= negative_log_likelihood(logits, labels, fitted / 1.2)


def test_expected_calibration_error_by_hand():
    # Bin [0.8, 0.867): two answers at 0.8 confidence, one right: |0.5 - 0.8| = 0.3.
    # Bin [0.933, 1]: two answers at 1.0, both right: 0. ECE = (2/4) * 0.3 + (2/4) * 0 = 0.15.
    p = np.array([[0.8, 0.2], [0.8, 0.2], [1.0, 0.0], [0.0, 1.0]])
    labels = np.array([0, 1, 0, 1])
    assert expected_calibration_error(p, labels) == pytest.approx(0.15)
    assert expected_calibration_error(np.eye(3), np.arange(3)) == 0.0


@pytest.mark.parametrize("last", ["softmax", None], ids=["softmax", "logits"])
def test_predictions_use_the_models_temperature(last):
    x = _images()
    plain, warm = _model(None, last), _model(2.5, last)
    expected = calibrated(_logits(warm, x), 2.5)
    probabilities = warm.predict_proba(x)
    np.testing.assert_allclose(probabilities, expected, atol=1e-6)
    assert np.allclose(probabilities.sum(axis=1), 1)
    np.testing.assert_array_equal(warm.predict(x), plain.predict(x))  # the ranking is kept
    assert probabilities.max(axis=1).mean() < plain.predict_proba(x).max(axis=1).mean()
    np.testing.assert_allclose(warm.predict_proba(x[0]), probabilities[0], atol=1e-7)


def test_explain_gives_the_calibrated_probabilities_and_forward_stays_raw():
    model, x = _model(2.5), _images(1)[0]
    explanation = model.explain(x)
    np.testing.assert_allclose(explanation.probabilities, model.predict_proba(x), atol=1e-6)
    raw, activations = model.forward(x, return_activations=True)
    np.testing.assert_allclose(raw, calibrated(_logits(model, x[None]), 1.0)[0], atol=1e-6)
    np.testing.assert_array_equal(activations["output"], explanation.activations["output"])


def test_probability_saliency_is_the_gradient_of_the_calibrated_probability():
    model, x, target, eps = _model(2.5), _images(1)[0].astype(np.float64), 3, 1e-6
    got = model.saliency(x, target=target, score="probability")
    flat = x.reshape(-1)
    steps = np.eye(flat.size) * eps
    batch = np.concatenate([flat + steps, flat - steps]).reshape(-1, 784)
    z = _logits(model, batch) / 2.5  # in float64, so that eps stays meaningful
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    expected = ((p[: flat.size, target] - p[flat.size :, target]) / (2 * eps)).reshape(28, 28)
    np.testing.assert_allclose(got, expected, atol=1e-4 * np.abs(expected).max())


def test_temperature_survives_a_save_and_load(tmp_path):
    path = tmp_path / "warm.npz"
    _model(1.7).save(path)
    model = load_model(path)
    assert model.metadata["temperature"] == 1.7
    np.testing.assert_array_equal(
        model.predict_proba(_images()), _model(1.7).predict_proba(_images())
    )


@pytest.mark.parametrize("value", [0, -1.0, 1e9, float("nan"), "2", True, None])
def test_a_temperature_that_is_not_a_sane_positive_number_is_refused(value):
    layers = _model().layers
    with pytest.raises(ValueError, match=r"metadata\['temperature'\] must be a number"):
        Model(layers, metadata={"temperature": value})
