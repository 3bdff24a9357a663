"""What a fine-tuned model records about how it was made (``metadata["provenance"]``)."""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np

from digitwidget._version import __version__

SUMMARY_KEYS = ("command", "date", "source", "format", "test_accuracy", "seed", "tuned_from")
"""What the summary of the model tuned from keeps of its provenance (scalars only)."""


def summary(name: str, provenance: Any) -> dict[str, Any]:
    """The model tuned from: its name and a short, bounded summary of its provenance."""
    kept: dict[str, Any] = {"name": name[:200]}
    if isinstance(provenance, dict):
        for key in SUMMARY_KEYS:
            value = provenance.get(key)
            if isinstance(value, str):
                kept[key] = value[:200]
            elif isinstance(value, int | float) and not isinstance(value, bool):
                kept[key] = value
            elif key == "tuned_from" and isinstance(value, dict):
                kept["fine_tuned_before"] = True  # a chain is summarised, not nested
        if isinstance(provenance.get("examples"), int):
            kept["fine_tuned_before"] = True
    return kept


def record(
    *,
    name: str,
    provenance: Any,
    labels: np.ndarray,
    class_names: list[str],
    settings: dict[str, Any],
    losses: list[float],
    replay_losses: list[float],
    seconds: float,
) -> dict[str, Any]:
    """The new model's provenance: tuned from what, on which examples, how, and how it went."""
    counts = np.bincount(labels, minlength=len(class_names))
    return {
        "tuned_from": summary(name, provenance),
        "method": "fine_tune (softmax cross-entropy, Adam, hand-written backpropagation)",
        "examples": len(labels),
        "examples_per_class": {c: int(n) for c, n in zip(class_names, counts, strict=True)},
        "settings": settings,
        "loss_per_epoch": [round(v, 6) for v in losses],
        "replay_loss_per_epoch": [round(v, 6) for v in replay_losses],
        "seconds": round(seconds, 3),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "versions": {"digitwidget": __version__, "numpy": np.__version__},
    }
