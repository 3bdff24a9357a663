"""Training speed: wall time until the model reaches 98% on the MNIST test set.

For each recipe, trains from scratch with the recipe's own schedule and, after every
epoch, measures test accuracy (outside the timed span: evaluation time is subtracted),
stopping at the first epoch at or above the target. The test set only decides when the
benchmark stops; it plays no part in training. Also prints the accuracy recorded in the
shipped model's provenance (what `make weights` produced).

    .venv/bin/python -m bench.training
    .venv/bin/python -m bench.training --presets mlp fast --target 0.98
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import numpy as np


def _threads() -> str:
    return f"{os.cpu_count()} logical CPUs, load {os.getloadavg()[0]:.1f}"


def time_to_target(preset: str, target: float) -> dict[str, Any]:
    """Train ``preset`` until test accuracy >= ``target``; return epochs, seconds, accuracy."""
    import keras

    from digitwidget.data import load_mnist
    from digitwidget.train import PRESETS, train

    _, (x_test, y_test) = load_mnist()
    x_test = x_test.astype(np.float32) / 255.0
    record: dict[str, Any] = {"preset": preset, "epochs": None, "seconds": None, "accuracy": 0.0}
    record["paused"] = 0.0

    class StopAtTarget(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            now = time.perf_counter()
            trained = now - record["start"] - record["paused"]
            probs = self.model.predict(x_test, batch_size=2000, verbose=0)
            record["accuracy"] = float(np.mean(np.argmax(probs, axis=1) == y_test))
            record["paused"] += time.perf_counter() - now
            if record["accuracy"] >= target:
                record["epochs"], record["seconds"] = epoch + 1, trained
                self.model.stop_training = True

    record["start"] = time.perf_counter()
    train(PRESETS[preset], callbacks=[StopAtTarget()], verbose=0)
    return record


def shipped_accuracy() -> tuple[float | None, str]:
    """Test accuracy and training time recorded in the shipped model's provenance."""
    from digitwidget.nn import load_model

    prov = load_model().metadata.get("provenance", {})
    return prov.get(
        "test_accuracy"
    ), f"{prov.get('train_seconds', '?')} s, {prov.get('command', '?')}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["mlp", "fast"])
    parser.add_argument("--target", type=float, default=0.98)
    args = parser.parse_args(argv)
    print(f"machine: {_threads()}")
    rows = [time_to_target(preset, args.target) for preset in args.presets]
    print(f"\n{'recipe':<10} {'target':>7} {'epochs':>7} {'seconds':>8} {'test acc':>9}")
    for row in rows:
        epochs = row["epochs"] if row["epochs"] is not None else "never"
        seconds = f"{row['seconds']:.1f}" if row["seconds"] is not None else "-"
        print(
            f"{row['preset']:<10} {args.target:>7.2%} {epochs!s:>7} {seconds:>8} {row['accuracy']:>9.2%}"
        )
    accuracy, detail = shipped_accuracy()
    shown = f"{accuracy:.2%}" if accuracy is not None else "unknown"
    print(f"\nshipped default model: test accuracy {shown} ({detail})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
