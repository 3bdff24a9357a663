"""The loss and the optimizer by themselves: against hand-computed values and finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

from digitwidget.nn.learning import Adam, softmax_cross_entropy
from digitwidget.nn.learning.loss import per_sample_loss


def test_cross_entropy_by_hand():
    loss, grad = softmax_cross_entropy(np.array([[2.0, 0.0], [0.0, 0.0]]), np.array([0, 1]))
    p = math.exp(2) / (math.exp(2) + 1)
    assert loss == pytest.approx((-math.log(p) - math.log(0.5)) / 2)
    np.testing.assert_allclose(grad, [[(p - 1) / 2, (1 - p) / 2], [0.25, -0.25]])


@pytest.mark.parametrize("temperature", [1.0, 0.5, 3.0])
def test_cross_entropy_gradient_matches_central_differences(temperature: float):
    rng = np.random.default_rng(0)
    logits, labels = rng.normal(0, 2, (5, 4)), rng.integers(0, 4, 5)
    _, grad = softmax_cross_entropy(logits, labels, temperature)
    expected = np.zeros_like(logits)
    for i in np.ndindex(logits.shape):
        step = np.zeros_like(logits)
        step[i] = 1e-6
        plus = softmax_cross_entropy(logits + step, labels, temperature)[0]
        minus = softmax_cross_entropy(logits - step, labels, temperature)[0]
        expected[i] = (plus - minus) / 2e-6
    np.testing.assert_allclose(grad, expected, atol=1e-8)


def test_cross_entropy_of_huge_logits_stays_finite():
    logits = np.array([[1e4, -1e4, 0.0]], np.float32)
    loss, grad = softmax_cross_entropy(logits, np.array([1]))
    assert loss == pytest.approx(2e4)
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(per_sample_loss(logits, np.array([1])), [2e4])


def test_adam_two_steps_by_hand():
    adam = Adam(learning_rate=0.01)
    w = np.array([1.0, -2.0], np.float32)
    grads = [np.array([0.5, -1e-3], np.float32), np.array([-0.2, 0.3], np.float32)]
    m = v = np.zeros(2)
    expected = w.astype(np.float64)
    for t, g in enumerate(grads, start=1):
        adam.step({"w": w}, {"w": g})
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g.astype(np.float64) ** 2
        alpha = 0.01 * math.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        expected = expected - alpha * m / (np.sqrt(v) + 1e-7)
        np.testing.assert_allclose(w, expected, rtol=1e-6)
    assert adam.iterations == 2


def test_adams_first_step_moves_every_weight_by_about_the_rate():
    adam = Adam(learning_rate=1e-3)
    w = np.zeros(3, np.float32)
    adam.step({"w": w}, {"w": np.array([100.0, -0.01, 1e-3], np.float32)})
    np.testing.assert_allclose(w, [-1e-3, 1e-3, -1e-3], rtol=1e-2)
