"""What the pad's Learn button costs and reports: ``python -m bench.pad_learning``.

For each shipped model and a few numbers of taught drawings (one simulated writer from
``bench/writers.py``, styles neither MNIST nor the training templates hold), run the
pad's whole learning job (``digitwidget.teach.learn``: the fine-tuning the pad keeps, the
measuring runs when there are few drawings, the forgetting meter) with the pad's
defaults, and print its seconds, how it measured, the before/after it reports on the
user's drawings, and, to judge that estimate, the learned model's accuracy on 200 other
drawings of the same writer.

``--epochs 2 5 10 20`` measures instead why the measuring runs learn as long as the kept
one: 12 MNIST test zeros labelled 6, each held out in turn, and how many of them the
model that learned from the other 11 for that many epochs reads as 6.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from bench.writers import REPORTED, drawings
from digitwidget.nn import load_model
from digitwidget.teach import Settings, learn
from digitwidget.teach.measures import Score


def percent(score: Score, digits: int = 0) -> str:
    return "-" if score.accuracy is None else f"{100 * score.accuracy:.{digits}f}%"


def epochs_check(names: list[str], epochs: list[int]) -> None:
    from digitwidget.data.sample import load_sample

    images, labels = load_sample("check")
    zeros = images[labels == 0][:12]
    sixes = np.full(12, 6)
    for name in names:
        model = load_model(name)
        for count in epochs:
            read = 0
            for i in range(12):
                others = np.delete(np.arange(12), i)
                tuned = model.fine_tune(zeros[others], sixes[others], epochs=count)
                read += int(tuned.predict(zeros[i : i + 1])[0] == 6)
            print(f"{name}, {count} epochs: {read} of 12 held-out zeros read as 6", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["mlp", "cnn"])
    parser.add_argument("--counts", nargs="+", type=int, default=[10, 15, 19, 30])
    parser.add_argument("--epochs", nargs="+", type=int, help="run the epochs check instead")
    args = parser.parse_args()
    if args.epochs:
        epochs_check(args.models, args.epochs)
        return
    writer = REPORTED[0]
    taught_all, labels_all = drawings(writer, per_digit=3, seed=1)
    order = np.argsort(np.arange(30) % 3, kind="stable")  # one of each digit, then the next
    test_images, test_labels = drawings(writer, per_digit=20, seed=2)
    print(
        f"writer {writer.name} ({writer.note}); load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        "| model | drawings | measured | your drawings before -> after (measured) | other 200 after | MNIST check before -> after | seconds |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in args.models:
        model = load_model(name)
        for count in args.counts:
            pick = order[:count]
            report = learn(model, taught_all[pick], labels_all[pick], Settings())
            truth = float((report.model.predict(test_images) == test_labels).mean())
            print(
                f"| {name} | {count} | {report.method} ({report.runs} runs) | "
                f"{percent(report.before)} -> {percent(report.after)} ({report.after.total}) | "
                f"{100 * truth:.1f}% | {percent(report.check_before, 1)} -> "
                f"{percent(report.check_after, 1)} | {report.seconds:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
