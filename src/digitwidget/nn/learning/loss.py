"""Softmax cross-entropy, the loss fine-tuning minimises, and its gradient.

For logits ``z`` of one sample, a temperature ``T`` and the true class ``c``::

    p = softmax(z / T)                     # what predict_proba reports
    L = -log p_c = log sum_j exp(z_j / T) - z_c / T
    dL/dz = (p - onehot(c)) / T

The batch's loss is the mean over its samples (Keras's ``sum_over_batch_size``), so each
sample's gradient is divided by the batch size too. ``log sum exp`` is computed after
subtracting the row's largest value, so no ``exp`` overflows.

Example:
    >>> loss, grad = softmax_cross_entropy(np.array([[2.0, 0.0]]), np.array([0]))
    >>> round(loss, 4)   # -log(e^2 / (e^2 + 1))
    0.1269
"""

from __future__ import annotations

import numpy as np


def softmax_cross_entropy(
    logits: np.ndarray, labels: np.ndarray, temperature: float = 1.0
) -> tuple[float, np.ndarray]:
    """The mean cross-entropy of ``softmax(logits / T)`` against ``labels``, and ``dL/dlogits``.

    Args:
        logits: ``(batch, classes)`` class scores before the softmax.
        labels: ``(batch,)`` int class indices.
        temperature: ``T``; the model's calibration temperature (1 when it has none).

    Returns:
        ``(loss, grad)``: the mean loss as a float, and ``grad`` of ``logits``' shape and
        dtype, ``(softmax(z / T) - onehot) / (T * batch)``.
    """
    batch = len(logits)
    rows = np.arange(batch)
    scaled = logits / np.asarray(temperature, logits.dtype)
    shifted = scaled - scaled.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    log_p = shifted[rows, labels] - np.log(total[:, 0])
    grad = exp / total
    grad[rows, labels] -= 1
    grad /= np.asarray(temperature * batch, logits.dtype)
    return float(-np.mean(log_p, dtype=np.float64)), grad


def per_sample_loss(logits: np.ndarray, labels: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """``-log softmax(z / T)[label]`` of each sample, float64 ``(batch,)``."""
    scaled = np.asarray(logits, np.float64) / temperature
    shifted = scaled - scaled.max(axis=1, keepdims=True)
    return np.asarray(np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(labels)), labels])
