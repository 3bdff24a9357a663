"""Probabilities that mean what they say: temperature scaling and its measure.

A network trained with label smoothing is never quite sure ("89%" for a clear 8), and one
trained without it is often too sure. Temperature scaling (Guo et al., 2017) divides the
logits by one number ``T`` before the softmax, ``p = softmax(z / T)``: ``T > 1`` softens,
``T < 1`` sharpens, and the ranking of the classes (the prediction) never changes. ``T``
is fitted on held-out images by minimising their negative log-likelihood, and stored in
the model's metadata (``metadata["temperature"]``), so every prediction uses it.

How well the probabilities mean what they say is the expected calibration error: group
the predictions by confidence into bins, and average ``|accuracy - confidence|`` over
the bins, weighted by their size. "90% sure" should be right 90% of the time.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from digitwidget.nn.activations import softmax

MIN_TEMPERATURE, MAX_TEMPERATURE = 0.01, 100.0


def temperature_of(metadata: dict[str, Any]) -> float:
    """The model's temperature (1 when it has none), checked to be a sane positive number."""
    value = metadata.get("temperature", 1.0)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not MIN_TEMPERATURE <= value <= MAX_TEMPERATURE
    ):
        msg = (
            f"metadata['temperature'] must be a number between {MIN_TEMPERATURE} and "
            f"{MAX_TEMPERATURE}. Received: {value!r:.60}."
        )
        raise ValueError(msg)
    return float(value)


def negative_log_likelihood(logits: np.ndarray, labels: np.ndarray, temperature: float) -> float:
    """Mean ``-log softmax(z / T)[label]`` over the samples."""
    scaled = np.asarray(logits, np.float64) / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(scaled).sum(axis=1))
    return float(np.mean(log_z - scaled[np.arange(len(labels)), labels]))


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """The ``T`` that minimises the held-out negative log-likelihood of ``softmax(z / T)``.

    The likelihood is convex in ``1 / T``, so a golden-section search over ``log T`` in
    [0.01, 100] finds its minimum (60 steps narrow the interval to 1e-12 of its width).
    """
    labels = np.asarray(labels, np.int64)

    def loss(log_t: float) -> float:
        return negative_log_likelihood(logits, labels, math.exp(log_t))

    low, high = math.log(MIN_TEMPERATURE), math.log(MAX_TEMPERATURE)
    ratio = (math.sqrt(5) - 1) / 2
    a, b = high - ratio * (high - low), low + ratio * (high - low)
    loss_a, loss_b = loss(a), loss(b)
    for _ in range(60):
        if loss_a < loss_b:
            high, b, loss_b = b, a, loss_a
            a = high - ratio * (high - low)
            loss_a = loss(a)
        else:
            low, a, loss_a = a, b, loss_b
            b = low + ratio * (high - low)
            loss_b = loss(b)
    return round(math.exp((low + high) / 2), 6)


def expected_calibration_error(
    probabilities: np.ndarray, labels: np.ndarray, bins: int = 15
) -> float:
    """ECE: ``sum over bins of (n_bin / n) * |accuracy_bin - mean confidence_bin|``.

    Args:
        probabilities: ``(n, classes)``; each row's largest value is its confidence.
        labels: ``(n,)`` true classes.
        bins: Equal-width confidence bins over [0, 1].
    """
    probabilities = np.asarray(probabilities, np.float64)
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == np.asarray(labels)
    which = np.minimum((confidence * bins).astype(np.int64), bins - 1)
    error = 0.0
    for b in range(bins):
        members = which == b
        if members.any():
            error += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return float(error)


def calibrated(logits: np.ndarray, temperature: float) -> np.ndarray:
    """``softmax(z / T)`` in float32, row by row."""
    scaled = np.asarray(logits, np.float32) / np.float32(temperature)
    return softmax(scaled, out=scaled)
