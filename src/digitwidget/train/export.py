"""Export a trained Keras model: ``.keras`` -> NumPy engine ``.npz`` with provenance.

The engine reads the ``.keras`` file itself (no TensorFlow involved), metadata is added,
and the result is saved in the engine's format. The engine's probabilities on the test
set are then compared with Keras's; a difference above ``TOLERANCE`` is an error.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

TOLERANCE = 1e-5
CLASS_NAMES = [str(i) for i in range(10)]


@dataclass(frozen=True)
class TrainResult:
    """What a training run produced.

    Attributes:
        npz: The engine model file.
        history: The JSON file with history and provenance.
        keras: The kept ``.keras`` file, or ``None``.
        test_accuracy: Accuracy of the exported model on the MNIST test set.
        max_abs_diff: Largest |engine - Keras| probability on the test set.
        info: Training info (history, best epoch, replicas, seconds).
    """

    npz: Path
    history: Path
    keras: Path | None
    test_accuracy: float
    max_abs_diff: float
    info: dict[str, Any]


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    import keras
    import tensorflow as tf

    from digitwidget._version import __version__

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "digitwidget": __version__,
    }


def provenance(
    config: Any,
    info: dict[str, Any],
    files: list[Path],
    accuracy: float,
    diff: float,
    command: str | None,
) -> dict[str, Any]:
    """The JSON-serialisable record of how a model was made."""
    return {
        "command": command or shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "seed": config.seed,
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": _versions(),
        "data": {p.name: sha256(p) for p in files},
        "test_accuracy": round(accuracy, 6),
        "engine_max_abs_diff": diff,
        "best_epoch": info["best_epoch"],
        "train_seconds": info["seconds"],
        "replicas": info["replicas"],
        "config": config.to_dict(),
    }


def calibrate(
    engine: Any, validation: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray]
) -> dict[str, Any]:
    """Fit the temperature on the validation images, store it in ``engine``'s metadata,
    and return what it did: the temperature and the expected calibration error (ECE) on
    the MNIST test set before and after."""
    from digitwidget.nn.calibration import expected_calibration_error, fit_temperature

    before = expected_calibration_error(engine.predict_proba(test[0]), test[1])
    temperature = fit_temperature(engine.logits(validation[0]), validation[1])
    engine.metadata["temperature"] = temperature
    after = expected_calibration_error(engine.predict_proba(test[0]), test[1])
    return {
        "temperature": temperature,
        "fitted_on": f"{len(validation[1]):,} held-out training images",
        "ece_test_before": round(before, 6),
        "ece_test_after": round(after, 6),
    }


def export(
    model: Any,
    config: Any,
    info: dict[str, Any],
    test: tuple[np.ndarray, np.ndarray],
    files: list[Path],
    out: str | os.PathLike[str],
    keras_path: str | os.PathLike[str] | None,
    command: str | None,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
) -> TrainResult:
    """Write ``out.npz`` (engine) and ``out.json`` (history + provenance); check the engine.

    Args:
        model: Trained Keras model with only Input/Flatten/Dense layers.
        config: The ``TrainConfig`` used.
        info: From :func:`digitwidget.train.train`.
        test: ``(x_test (10000, 28, 28) uint8, y_test (10000,))``.
        files: Data files, checksummed into the provenance.
        out: Output path without suffix.
        keras_path: Where to keep the ``.keras`` file, or ``None`` for a temporary one.
        command: Command line to record.
        validation: The held-out images and labels training chose its epoch on; with
            ``config.calibrate``, the temperature is fitted on them.

    Raises:
        RuntimeError: The engine disagrees with Keras by more than ``TOLERANCE``.
    """
    from digitwidget.nn import load_model

    out = Path(out)
    out = out.with_suffix("") if out.suffix == ".npz" else out
    out.parent.mkdir(parents=True, exist_ok=True)
    x_test, y_test = test
    x = x_test.astype(np.float32) / 255.0
    keras_probs = np.asarray(model.predict(x, batch_size=1000, verbose=0))
    with tempfile.TemporaryDirectory() as tmp:
        kpath = Path(keras_path) if keras_path else Path(tmp) / "model.keras"
        kpath.parent.mkdir(parents=True, exist_ok=True)
        model.save(kpath)
        engine = load_model(kpath)
    diff = float(np.max(np.abs(engine.predict_proba(x_test) - keras_probs)))
    if diff > TOLERANCE:
        msg = f"The engine's probabilities differ from Keras's by {diff:.3g} (expected <= {TOLERANCE})."
        raise RuntimeError(msg)
    accuracy = float(np.mean(engine.predict(x_test) == y_test))
    record = provenance(config, info, files, accuracy, diff, command)
    record["test_images"] = len(y_test)
    if config.calibrate and validation is not None:
        record["calibration"] = calibrate(engine, validation, test)
    engine.metadata.update(input_scale="unit", class_names=CLASS_NAMES, provenance=record)
    engine.save(out.with_suffix(".npz"))
    history_path = out.with_suffix(".json")
    summary = {"provenance": record, "history": info["history"]}
    history_path.write_text(json.dumps(summary, indent=1) + "\n")
    return TrainResult(
        npz=out.with_suffix(".npz"),
        history=history_path,
        keras=Path(keras_path) if keras_path else None,
        test_accuracy=accuracy,
        max_abs_diff=diff,
        info=info,
    )
