"""Accuracy on digits drawn the way people draw on the canvas (not MNIST), on two sets.

The self-made set renders N synthetic drawings per digit (testkit/strokes.py: several
styles per digit, random pen width, size, position, aspect, rotation, slant and jitter).
The independent set (bench/independent.py) renders digits from public sources the
project did not make: Hershey and EMS vector fonts drawn with a round pen, handwriting
fonts, and the UCI optical digits of real writers. Each drawing goes through
``preprocess`` and the model; for each set this prints the accuracy overall, per digit,
per style or source, and the most frequent confusions.

    .venv/bin/python -m bench.drawn                  # the shipped model, 200 per digit
    .venv/bin/python -m bench.drawn --model m.npz -n 500 --seed 1
    .venv/bin/python -m bench.drawn --styles         # every style of the independent set
"""

from __future__ import annotations

import argparse
import copy
import time
from collections import Counter

import numpy as np

from bench.independent import independent_set, provenance, source_of
from digitwidget.nn import load_model
from digitwidget.nn.calibration import expected_calibration_error
from digitwidget.preprocess import preprocess
from testkit.strokes import TEMPLATES, make_strokes, render_strokes

PEN_RANGE = (10.0, 28.0)


def drawn_inputs(per_digit: int, seed: int, canvas: int = 280) -> tuple[np.ndarray, np.ndarray]:
    """Preprocessed drawings ``(10 * per_digit, 28, 28)`` and their labels ``(10 * per_digit,)``."""
    x, y, _ = drawn_set(per_digit, seed, canvas)
    return x, y


def drawn_set(
    per_digit: int, seed: int, canvas: int = 280
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The self-made set: drawings, labels and styles (``"7/1"``: digit 7's template 1).

    The template is the one :func:`testkit.strokes.make_strokes` picks with its first draw
    from ``rng``, read from a copy of ``rng`` beforehand.
    """
    rng = np.random.default_rng(seed)
    images, labels, styles = [], [], []
    for digit in range(10):
        for _ in range(per_digit):
            pen = float(rng.uniform(*PEN_RANGE))
            template = int(copy.deepcopy(rng).integers(len(TEMPLATES[digit])))
            x28 = preprocess(render_strokes(make_strokes(digit, rng, canvas), canvas, pen))
            images.append(x28)
            labels.append(digit)
            styles.append(f"{digit}/{template}")
    return np.stack(images), np.asarray(labels), np.asarray(styles)


def confusions(labels: np.ndarray, predicted: np.ndarray) -> dict[int, str]:
    """For each digit, its two most frequent wrong answers, e.g. ``"7x5 2x3"``."""
    out = {}
    for digit in range(10):
        wrong = predicted[(labels == digit) & (predicted != digit)]
        counts = np.bincount(wrong, minlength=10)
        top = [f"{counts[k]}x{k}" for k in np.argsort(-counts)[:2] if counts[k]]
        out[digit] = " ".join(top)
    return out


def top_confusions(labels: np.ndarray, predicted: np.ndarray, k: int = 8) -> str:
    """The ``k`` most frequent (true -> read) mistakes, e.g. ``"7->1 x12, 4->9 x9"``."""
    pairs = Counter(
        zip(
            labels[labels != predicted].tolist(),
            predicted[labels != predicted].tolist(),
            strict=True,
        )
    )
    return ", ".join(f"{a}->{b} x{n}" for (a, b), n in pairs.most_common(k)) or "none"


def _group_rows(
    keys: np.ndarray, labels: np.ndarray, predicted: np.ndarray
) -> list[tuple[str, int, float, str]]:
    """Per key: count, accuracy and its most frequent mistakes, worst first."""
    rows = []
    for key in sorted(set(keys.tolist())):
        mask = keys == key
        rows.append(
            (
                key,
                int(mask.sum()),
                float(np.mean(predicted[mask] == labels[mask])),
                top_confusions(labels[mask], predicted[mask], k=3),
            )
        )
    return sorted(rows, key=lambda row: (row[2], row[0]))


def _print_groups(title: str, rows: list[tuple[str, int, float, str]]) -> None:
    width = max(len(title), *(len(row[0]) for row in rows))
    print(f"  {title:<{width}}  {'n':>5}  {'accuracy':>8}  most frequent mistakes")
    for key, n, accuracy, mistakes in rows:
        print(f"  {key:<{width}}  {n:>5}  {accuracy:>8.1%}  {mistakes}")


def _report(
    name: str,
    labels: np.ndarray,
    probabilities: np.ndarray,
    styles: np.ndarray,
    seconds: float,
    *,
    all_styles: bool,
    by_source: bool = False,
) -> None:
    predicted = probabilities.argmax(axis=1)
    print(
        f"\n== {name}: {len(labels)} drawings, {np.mean(predicted == labels):.1%} read right "
        f"({seconds:.1f} s)"
    )
    confidence = probabilities.max(axis=1)
    sure = confidence >= 0.9
    ece = expected_calibration_error(probabilities, labels)
    print(
        f"  calibration: expected calibration error {ece:.1%}, mean confidence "
        f"{confidence.mean():.1%}; answers at least 90% sure: {np.mean(sure):.0%} of them, "
        f"{np.mean(predicted[sure] == labels[sure]):.1%} right"
    )
    wrong = confusions(labels, predicted)
    print(f"  {'digit':>5}  {'accuracy':>8}  most frequent mistakes")
    for digit in range(10):
        accuracy = np.mean(predicted[labels == digit] == digit)
        print(f"  {digit:>5}  {accuracy:>8.1%}  {wrong[digit]}")
    if by_source:
        sources = np.asarray([source_of(s) for s in styles])
        _print_groups("source", _group_rows(sources, labels, predicted))
    rows = _group_rows(styles, labels, predicted)
    if not all_styles and len(rows) > 12:
        print(f"  (the 10 worst of {len(rows)} styles; --styles lists them all)")
        rows = rows[:10]
    _print_groups("style", rows)
    print(f"  most frequent confusions (true->read): {top_confusions(labels, predicted)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", help="a shipped model's name (cnn, mlp) or a model file (default: cnn)"
    )
    parser.add_argument(
        "-n", "--per-digit", type=int, default=200, help="self-made drawings per digit"
    )
    parser.add_argument("--seed", type=int, default=0, help="seeds both sets")
    parser.add_argument("--styles", action="store_true", help="list every style of both sets")
    args = parser.parse_args(argv)
    model = load_model(args.model)
    print(f"model: {args.model or 'shipped default'}")

    start = time.perf_counter()
    x, y, styles = drawn_set(args.per_digit, args.seed)
    predicted = model.predict_proba(x)
    _report(
        f"self-made (testkit/strokes.py, {args.per_digit} per digit, seed {args.seed}, "
        f"pens {PEN_RANGE} px)",
        y,
        predicted,
        styles,
        time.perf_counter() - start,
        all_styles=args.styles,
    )

    start = time.perf_counter()
    x, y, styles = independent_set(args.seed)
    predicted = model.predict_proba(x)
    _report(
        f"independent (bench/independent.py, seed {args.seed})",
        y,
        predicted,
        styles,
        time.perf_counter() - start,
        all_styles=args.styles,
        by_source=True,
    )
    print("  sources:")
    for row in provenance():
        print(
            f"    {row['prefix']:<10} {row['package']} {row['version']} ({row['registry']}; "
            f"{row['license']}): {row['what']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
