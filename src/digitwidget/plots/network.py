"""Figures that look inside the network; re-exported by :mod:`digitwidget.plots`.

matplotlib is imported inside each function, so importing this module stays light.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from digitwidget.nn.model import Model
from digitwidget.preprocess import FIELD
from digitwidget.widget.inside import grid_shape, hidden_layers


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _image_axes(ax: Any, image: np.ndarray, title: str, **kwargs: Any) -> Any:
    """Show ``image`` on ``ax`` without ticks; returns the AxesImage."""
    shown = ax.imshow(image, interpolation="nearest", **kwargs)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    return shown


def _as_field(image: np.ndarray, name: str = "image") -> np.ndarray:
    """One image -> ``(28, 28)`` float in [0, 1] (uint8 is divided by 255)."""
    array = np.asarray(image)
    if array.size != FIELD * FIELD:
        msg = f"Expected one 28x28 image ((28, 28) or (784,)). Received {name} of shape {array.shape}."
        raise ValueError(msg)
    array = array.reshape(FIELD, FIELD)
    return array / 255.0 if array.dtype == np.uint8 else array.astype(np.float64)


def plot_mistakes(
    model: Model, images: np.ndarray, labels: np.ndarray, limit: int = 24, columns: int = 8
) -> Any:
    """A gallery of the images the model gets wrong, each titled "predicted (true)".

    Args:
        model: The model to check.
        images: ``(batch, 28, 28)`` uint8 or floats in [0, 1], e.g. MNIST's test set.
        labels: ``(batch,)`` true labels.
        limit: At most this many mistakes are shown (the first ones, in order).
        columns: Images per row.

    Returns:
        A Figure with one axes per mistake shown, titled e.g. ``"7 (true 2)"``, and a
        suptitle with the error count.
    """
    labels = np.asarray(labels).reshape(-1)
    if len(images) != len(labels):
        msg = (
            f"Expected one label per image. Received {len(images)} images and {len(labels)} labels."
        )
        raise ValueError(msg)
    predicted = np.asarray(model.predict(images)).reshape(-1)
    wrong = np.flatnonzero(predicted != labels)
    shown = wrong[:limit]
    rows = max(1, math.ceil(len(shown) / columns))
    fig = _figure(1.2 * columns, 1.35 * rows + 0.4)
    fig.suptitle(f"{len(wrong)} of {len(labels)} images misread ({len(wrong) / len(labels):.2%})")
    if len(shown):
        axes = fig.subplots(rows, columns, squeeze=False).ravel()
        for ax in axes[len(shown) :]:
            fig.delaxes(ax)
        for ax, i in zip(axes, shown, strict=False):
            title = f"{predicted[i]} (true {labels[i]})"
            _image_axes(ax, _as_field(images[i]), title, cmap="gray_r", vmin=0, vmax=1)
    return fig


def plot_probabilities(probabilities: Any, class_names: list[str] | None = None) -> Any:
    """The ten probabilities as a bar chart, the most probable class highlighted.

    Args:
        probabilities: ``(classes,)`` values in [0, 1], e.g. ``pad.probabilities``.
        class_names: Bar labels (default ``"0"``, ``"1"``, ...).

    Returns:
        A Figure with one axes titled "Prediction: c (p%)" (or "Draw a digit" when all are 0).
    """
    p = np.asarray(probabilities, np.float64).reshape(-1)
    names = list(class_names) if class_names is not None else [str(i) for i in range(len(p))]
    top = int(np.argmax(p)) if p.any() else -1
    fig = _figure(4, 3)
    ax = fig.subplots()
    colors = ["#2563eb" if i == top else "#a3acb7" for i in range(len(p))]
    ax.bar(np.arange(len(p)), p, color=colors)
    ax.set_xticks(np.arange(len(p)), names)
    ax.set_ylim(0, 1)
    ax.set_ylabel("probability")
    ax.set_title(f"Prediction: {names[top]} ({p[top]:.0%})" if top >= 0 else "Draw a digit")
    return fig


def plot_model_input(drawing: np.ndarray, model_input: np.ndarray) -> Any:
    """The drawing next to what the model sees ("robot vision"): the 28x28 input.

    Args:
        drawing: ``(H, W)`` the canvas, e.g. ``pad.pixels``.
        model_input: ``(28, 28)`` in [0, 1], e.g. ``pad.model_input`` or ``preprocess(drawing)``.

    Returns:
        A Figure with two axes titled "Drawing (HxW)" and "Robot vision (28x28)".
    """
    drawing = np.asarray(drawing)
    if drawing.ndim != 2:
        msg = f"Expected a drawing of shape (H, W). Received shape {drawing.shape}."
        raise ValueError(msg)
    fig = _figure(6, 3.2)
    left, right = fig.subplots(1, 2)
    height, width = drawing.shape
    _image_axes(left, drawing, f"Drawing ({height}x{width})", cmap="gray_r")
    field = _as_field(model_input, "model_input")
    _image_axes(right, field, "Robot vision (28x28)", cmap="gray", vmin=0, vmax=1)
    right.set_xticks(np.arange(-0.5, FIELD, 1), minor=True)
    right.set_yticks(np.arange(-0.5, FIELD, 1), minor=True)
    right.grid(which="minor", color="0.5", alpha=0.25, linewidth=0.5)
    right.tick_params(which="minor", length=0)
    return fig


def plot_first_layer_weights(model: Model, units: int = 32, columns: int = 8) -> Any:
    """The first layer's kernel, one 28x28 image per unit: the pattern each unit looks for.

    Unit ``j`` computes ``x @ kernel[:, j] + bias[j]``: red pixels add to it when inked,
    blue ones subtract.

    Args:
        model: A model whose first layer with a kernel is a Dense layer reading the 784 pixels.
        units: How many units to show (the first ones).
        columns: Images per row.

    Returns:
        A Figure with one axes per unit titled "unit j" and a shared colour bar.
    """
    first = next((layer for layer in model.layers if "kernel" in layer.weights), None)
    kernel = np.zeros((0, 0)) if first is None else first.weights["kernel"]
    if first is None or kernel.ndim != 2 or kernel.shape[0] != FIELD * FIELD:
        msg = (
            "Expected a model whose first Dense layer reads the 784 pixels, e.g. load_model('mlp')."
        )
        raise ValueError(msg)
    total = kernel.shape[1]
    count = min(units, total)
    rows = math.ceil(count / columns)
    fig = _figure(1.2 * columns + 0.8, 1.3 * rows + 0.4)
    fig.suptitle(f"{first.name}: weights of the first {count} of {total} units")
    top = float(np.abs(kernel[:, :count]).max())
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for ax in axes[count:]:
        fig.delaxes(ax)
    for j, ax in enumerate(axes[:count]):
        weights = kernel[:, j].reshape(FIELD, FIELD)
        image = _image_axes(ax, weights, f"unit {j}", cmap="RdBu_r", vmin=-top, vmax=top)
    fig.colorbar(image, ax=list(axes[:count]), shrink=0.8, label="weight")
    return fig


def plot_activations(model: Model, image: np.ndarray) -> Any:
    """Every hidden vector layer's activations for one image, then the ten probabilities.

    A convolutional model's dense layers are shown; its feature maps are
    :func:`~digitwidget.plots.plot_feature_maps`'s.

    Args:
        model: The engine model.
        image: One ``(28, 28)`` image in [0, 1] (or uint8).

    Returns:
        A Figure: the input, one heat map per hidden layer (units on a grid, e.g.
        128 -> 8x16) titled "name (units, activation)", and a bar chart "Probabilities".
    """
    field = _as_field(image)
    _, activations = model.forward(field.astype(np.float32), return_activations=True)
    layers = hidden_layers(model)
    probabilities = model.predict_proba(field.astype(np.float32))
    fig = _figure(2.6 * (len(layers) + 2), 3)
    axes = fig.subplots(1, len(layers) + 2, width_ratios=[1] * (len(layers) + 1) + [1.3])
    _image_axes(axes[0], field, "Input (784 pixels)", cmap="gray", vmin=0, vmax=1)
    for ax, layer in zip(axes[1:-1], layers, strict=True):
        values = np.asarray(activations[layer.name], np.float64).reshape(-1)
        rows, cols = grid_shape(values.size)
        grid = np.full(rows * cols, np.nan)
        grid[: values.size] = values
        top = max(float(np.abs(values).max()), 1e-12)
        signed = values.min() < 0
        kwargs = {"cmap": "RdBu_r", "vmin": -top} if signed else {"cmap": "inferno", "vmin": 0}
        title = f"{layer.name} ({values.size}, {layer.activation or 'no activation'})"
        shown = _image_axes(ax, grid.reshape(rows, cols), title, vmax=top, **kwargs)
        fig.colorbar(shown, ax=ax, orientation="horizontal", shrink=0.9)
    bars = axes[-1]
    bars.barh(np.arange(len(probabilities)), probabilities, color="#2563eb")
    bars.set_yticks(np.arange(len(probabilities)), model.metadata["class_names"])
    bars.invert_yaxis()
    bars.set_xlim(0, 1)
    bars.set_title("Probabilities", fontsize=9)
    return fig


def plot_saliency(model: Model, image: np.ndarray, target: int | None = None) -> Any:
    """Which pixels push a class's score up (red) or down (blue): ``d logit / d pixel``.

    Args:
        model: The engine model.
        image: One ``(28, 28)`` image in [0, 1] (or uint8).
        target: The class explained; None for the predicted one.

    Returns:
        A Figure with three axes: "Input", "Saliency for c" and "Overlay".
    """
    from digitwidget.nn.saliency import saliency

    field = _as_field(image)
    if target is None:
        target = int(model.predict(field.astype(np.float32)))
    grad = saliency(model, field, target)
    top = max(float(np.abs(grad).max()), 1e-12)
    name = model.metadata["class_names"][target]
    fig = _figure(8.4, 3)
    ax_input, ax_map, ax_overlay = fig.subplots(1, 3)
    _image_axes(ax_input, field, "Input", cmap="gray", vmin=0, vmax=1)
    shown = _image_axes(ax_map, grad, f"Saliency for {name}", cmap="RdBu_r", vmin=-top, vmax=top)
    fig.colorbar(shown, ax=ax_map, shrink=0.85, label="d logit / d pixel")
    _image_axes(ax_overlay, field, "Overlay", cmap="gray", vmin=0, vmax=1)
    ax_overlay.imshow(grad, cmap="RdBu_r", vmin=-top, vmax=top, alpha=np.abs(grad) / top)
    return fig
