"""Drawings that are no digit, for training the model to say so: taps, blobs, scribbles.

``preprocess`` scales whatever is drawn until its longer side is 20 pixels, so a tap on
the pad reaches the model as a filled disk, and a network trained only on digits reads
it as a 0 and is sure of it (the shipped CNN said "0, 99%"). Trained on such shapes with
the uniform distribution as their target (every digit 10%: "I cannot tell"), the model
learns to be unsure of them (outlier exposure, Hendrycks et al., 2019). Only the
training split gets them; the validation images, which choose the epoch and fit the
temperature, stay digits.

The shapes are drawn and rendered as the synthetic digits are
(:mod:`digitwidget.train.synthetic`): a tap (one point, any pen), a blob (a short, tight
spiral with a thick pen) and a scribble (a random zig-zag that crosses itself).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from digitwidget.train.synthetic import CANVAS, PEN, Drawing, model_input

NO_DIGIT = -1
"""The label of a drawing that shows no digit: its training target is uniform."""


def _tap(rng: np.random.Generator) -> tuple[list[np.ndarray], float]:
    centre = rng.uniform(0.2, 0.8, size=2) * CANVAS
    points = centre + rng.normal(0.0, 1.5, size=(int(rng.integers(1, 4)), 2))
    return [points], float(rng.uniform(PEN[0], PEN[1]))


def _blob(rng: np.random.Generator) -> tuple[list[np.ndarray], float]:
    pen = float(rng.uniform(14.0, 40.0))
    turns = np.linspace(0.0, rng.uniform(2.0, 5.0) * np.pi, 40)
    radius = rng.uniform(0.2, 1.0) * pen * turns / turns[-1]
    aspect = rng.uniform(0.6, 1.6)
    centre = rng.uniform(0.25, 0.75, size=2) * CANVAS
    spiral = np.stack([radius * np.cos(turns) * aspect, radius * np.sin(turns)], axis=1)
    return [centre + spiral], pen


def _scribble(rng: np.random.Generator) -> tuple[list[np.ndarray], float]:
    size = rng.uniform(0.3, 0.8) * CANVAS
    corner = rng.uniform(0.0, CANVAS - size, size=2)
    points = corner + rng.uniform(0.0, size, size=(int(rng.integers(12, 30)), 2))
    return [points], float(rng.uniform(PEN[0], PEN[1]))


SHAPES: dict[str, Callable[[np.random.Generator], tuple[list[np.ndarray], float]]] = {
    "tap": _tap,
    "blob": _blob,
    "scribble": _scribble,
}


def non_digits(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``count`` drawings of no digit, the shapes taking turns, as the model reads them.

    Returns:
        ``(images, labels)``: ``(count, 28, 28)`` uint8 (ink bright, as MNIST's) and
        ``(count,)`` int64 labels, all :data:`NO_DIGIT`.
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, received {count}.")
    rng = np.random.default_rng(seed)
    names = list(SHAPES)
    images = np.zeros((count, 28, 28), dtype=np.uint8)
    for i in range(count):
        name = names[i % len(names)]
        strokes, pen = SHAPES[name](rng)
        drawing = Drawing(strokes, pen, NO_DIGIT, f"none:{name}")
        images[i] = np.round(model_input(drawing) * 255)
    return images, np.full(count, NO_DIGIT, dtype=np.int64)
