"""What learning changed: accuracy on the user's held-out drawings, the drawings the model
got wrong, and the forgetting meter (accuracy on MNIST drawings shipped for it).

Example:
    >>> score(model, images, labels)  # doctest: +SKIP
    Score(correct=7, total=10)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

GALLERY = 12
"""The most wrong drawings the error gallery shows, before and after each."""


@dataclass(frozen=True)
class Score:
    """How many of ``total`` drawings a model read right."""

    correct: int
    total: int

    @property
    def accuracy(self) -> float | None:
        """``correct / total``; None when there was nothing to measure."""
        return self.correct / self.total if self.total else None


@dataclass(frozen=True)
class Mistake:
    """A drawing a model read wrong: its index among the user's, its digit, the answer."""

    index: int
    label: int
    predicted: int


def predictions(model: Any, images: np.ndarray) -> np.ndarray:
    """The digit ``model`` reads in each of ``images`` ``(N, 28, 28)`` -> ``(N,)`` int64."""
    if len(images) == 0:
        return np.zeros(0, np.int64)
    return np.asarray(model.predict(images), np.int64).reshape(-1)


def score(predicted: np.ndarray, labels: np.ndarray) -> Score:
    return Score(int(np.sum(predicted == labels)), len(labels))


def mistakes(predicted: np.ndarray, labels: np.ndarray, indices: np.ndarray) -> list[Mistake]:
    """The first ``GALLERY`` drawings read wrong; ``indices`` say where each one is among
    the user's drawings."""
    wrong = np.flatnonzero(predicted != labels)[:GALLERY]
    return [Mistake(int(indices[i]), int(labels[i]), int(predicted[i])) for i in wrong]


@functools.cache
def check_set() -> tuple[np.ndarray, np.ndarray]:
    """The shipped MNIST drawings the forgetting meter reads (loaded once)."""
    from digitwidget.data.sample import load_sample

    images, labels = load_sample("check")
    return images, labels


def forgetting(model: Any) -> Score:
    """How many of the shipped MNIST check drawings ``model`` reads right."""
    images, labels = check_set()
    return score(predictions(model, images), labels)
