"""Accuracy on digits drawn the way people draw on the canvas (not MNIST).

Renders N synthetic drawings per digit (testkit/strokes.py: several styles per digit,
random pen width, size, position, aspect, rotation, slant and jitter), sends each through
``preprocess`` and the model, and prints the accuracy per digit.

    .venv/bin/python -m bench.drawn                  # the shipped model, 200 per digit
    .venv/bin/python -m bench.drawn --model m.npz -n 500 --seed 1
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from digitwidget.nn import load_model
from digitwidget.preprocess import preprocess
from testkit.strokes import make_strokes, render_strokes

PEN_RANGE = (10.0, 28.0)


def drawn_inputs(per_digit: int, seed: int, canvas: int = 280) -> tuple[np.ndarray, np.ndarray]:
    """Preprocessed drawings ``(10 * per_digit, 28, 28)`` and their labels ``(10 * per_digit,)``."""
    rng = np.random.default_rng(seed)
    images, labels = [], []
    for digit in range(10):
        for _ in range(per_digit):
            pen = float(rng.uniform(*PEN_RANGE))
            x28 = preprocess(render_strokes(make_strokes(digit, rng, canvas), canvas, pen))
            images.append(x28)
            labels.append(digit)
    return np.stack(images), np.asarray(labels)


def confusions(labels: np.ndarray, predicted: np.ndarray) -> dict[int, str]:
    """For each digit, its two most frequent wrong answers, e.g. ``"7x5 2x3"``."""
    out = {}
    for digit in range(10):
        wrong = predicted[(labels == digit) & (predicted != digit)]
        counts = np.bincount(wrong, minlength=10)
        top = [f"{counts[k]}x{k}" for k in np.argsort(-counts)[:2] if counts[k]]
        out[digit] = " ".join(top)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model file (default: the shipped model)")
    parser.add_argument("-n", "--per-digit", type=int, default=200, help="drawings per digit")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    model = load_model(args.model)
    start = time.perf_counter()
    x, y = drawn_inputs(args.per_digit, args.seed)
    predicted = np.asarray(model.predict(x))
    seconds = time.perf_counter() - start
    wrong = confusions(y, predicted)
    print(f"drawn digits: {args.per_digit} per digit, seed {args.seed}, pens {PEN_RANGE} px")
    print(f"model: {args.model or 'shipped default'}")
    print(f"{'digit':>5}  {'accuracy':>8}  most frequent mistakes")
    for digit in range(10):
        accuracy = np.mean(predicted[y == digit] == digit)
        print(f"{digit:>5}  {accuracy:>8.1%}  {wrong[digit]}")
    print(f"{'all':>5}  {np.mean(predicted == y):>8.1%}  ({len(y)} drawings, {seconds:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
