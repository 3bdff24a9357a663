"""Figures of training runs and evaluations: the history, the confusion matrix."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np


def _history_dict(history: Any) -> Mapping[str, Sequence[float]]:
    """Accept a Keras ``History``, a dict of lists, or a saved ``{"history": {...}}`` JSON."""
    data = getattr(history, "history", history)
    if isinstance(data, Mapping) and "history" in data and isinstance(data["history"], Mapping):
        data = data["history"]
    if not isinstance(data, Mapping) or not data:
        msg = (
            "Expected a Keras History or a dict like {'loss': [...], 'accuracy': [...]}, "
            f"received {type(history).__name__}."
        )
        raise ValueError(msg)
    return data


def plot_history(history: Any) -> Any:
    """Loss and accuracy per epoch, training next to validation.

    Args:
        history: A Keras ``History``, ``history.history`` (dict of per-epoch lists), or
            the JSON written next to a trained model.

    Returns:
        A Figure with two axes titled "Loss" and "Accuracy".
    """
    from matplotlib.figure import Figure

    data = _history_dict(history)
    fig = Figure(figsize=(9, 3.5), layout="constrained")
    for ax, metric, title in zip(
        fig.subplots(1, 2), ("loss", "accuracy"), ("Loss", "Accuracy"), strict=True
    ):
        for key, label in ((metric, "training"), (f"val_{metric}", "validation")):
            if key in data:
                values = np.asarray(data[key], dtype=float)
                ax.plot(np.arange(1, len(values) + 1), values, marker=".", label=label)
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        if ax.lines:
            ax.legend()
    return fig


def plot_confusion_matrix(cm: np.ndarray, class_names: Sequence[str] | None = None) -> Any:
    """A confusion matrix as a heat map with counts in the cells.

    Args:
        cm: ``(classes, classes)`` counts; rows are true labels, columns predictions.
        class_names: Tick labels (default ``"0"``, ``"1"``, ...).

    Returns:
        A Figure with one axes titled "Confusion matrix (accuracy ...)".
    """
    from matplotlib.figure import Figure

    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1]:
        msg = f"Expected a square (classes, classes) confusion matrix, received shape {cm.shape}."
        raise ValueError(msg)
    names = list(class_names) if class_names is not None else [str(i) for i in range(len(cm))]
    fig = Figure(figsize=(6, 5.2), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(np.log1p(cm), cmap="Blues")
    threshold = np.log1p(cm).max() / 2 if cm.size else 0
    for (i, j), count in np.ndenumerate(cm):
        color = "white" if np.log1p(count) > threshold else "black"
        ax.text(j, i, str(count), ha="center", va="center", fontsize=7, color=color)
    ticks = np.arange(len(cm))
    ax.set_xticks(ticks, names)
    ax.set_yticks(ticks, names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    accuracy = np.trace(cm) / max(cm.sum(), 1)
    ax.set_title(f"Confusion matrix (accuracy {accuracy:.2%})")
    fig.colorbar(image, ax=ax, label="log(1 + count)")
    return fig
