"""Figures of a convolutional network: its filters and its feature maps for one image.

Re-exported by :mod:`digitwidget.plots`; matplotlib is imported inside each function.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from digitwidget.nn.layers import Layer
from digitwidget.nn.model import Model
from digitwidget.plots.network import _as_field, _figure, _image_axes
from digitwidget.widget.inside import shown_layers

NO_CONV = "none (a convolutional model is load_model('cnn'))"


def _conv_names(model: Model) -> list[str]:
    return [
        layer.name
        for layer in model.layers
        if "kernel" in layer.weights and layer.weights["kernel"].ndim == 4
    ]


def _find_conv(model: Model, layer: str | int) -> Layer:
    """The convolution ``layer`` names (its name, or its index in ``model.layers``)."""
    names = [item.name for item in model.layers]
    convs = _conv_names(model)
    if isinstance(layer, bool) or not isinstance(layer, int | str):
        msg = f"layer must be a layer's name or its index in model.layers. Received: layer={layer!r:.60}."
        raise TypeError(msg)
    if isinstance(layer, int) and not -len(names) <= layer < len(names):
        msg = f"layer index {layer} is out of range: the model has {len(names)} layers. Convolutions: {convs}."
        raise ValueError(msg)
    if isinstance(layer, str) and layer not in names:
        msg = f"The model has no layer named {layer!r}. Its convolutions: {convs}."
        raise ValueError(msg)
    found = model.layers[layer if isinstance(layer, int) else names.index(layer)]
    if found.name not in convs:
        msg = (
            f"Layer {found.name!r} ({type(found).__name__}) has no convolution kernel to show. "
            f"Pick one of the model's convolutions: {convs or NO_CONV}."
        )
        raise ValueError(msg)
    return found


def plot_filters(model: Model, layer: str | int, filters: int = 16, channels: int = 8) -> Any:
    """A convolution's kernels as small images: what each filter looks for.

    Output channel ``f`` at a point is the sum over input channels ``c`` of the input's
    window times ``kernel[:, :, c, f]``, plus the bias: red weights add where the input is
    bright (inked, or a lit feature map), blue ones subtract.

    Args:
        model: The engine model.
        layer: The convolution's name (e.g. ``"conv_1"``) or its index in ``model.layers``.
        filters: At most this many filters are shown (the first ones).
        channels: At most this many input channels per filter (the first ones).

    Returns:
        A Figure: one image per filter titled "f<j>" or, when the layer reads several
        channels, a row per filter (labelled "f<j>") with a column per input channel
        (titled "in <c>"); a shared colour bar.

    Raises:
        ValueError: when ``layer`` is not a convolution of ``model``; the message names them.
    """
    conv = _find_conv(model, layer)
    kernel = np.asarray(conv.weights["kernel"], np.float64)  # (kh, kw, channels, filters)
    count = min(filters, kernel.shape[3])
    reads = min(channels, kernel.shape[2])
    if reads == 1:  # one picture per filter, 8 to a row
        columns, rows = min(8, count), math.ceil(count / min(8, count))
    else:  # a row per filter, a column per input channel
        columns, rows = reads, count
    fig = _figure(0.9 * columns + 1.2, 0.9 * rows + 0.6)
    top = max(float(np.abs(kernel[:, :, :reads, :count]).max()), 1e-12)
    axes = fig.subplots(rows, columns, squeeze=False)
    shown = None
    for j in range(count):
        for c in range(reads):
            ax = axes[j // columns, j % columns] if reads == 1 else axes[j, c]
            title = f"f{j}" if reads == 1 else (f"in {c}" if j == 0 else "")
            shown = _image_axes(ax, kernel[:, :, c, j], title, cmap="RdBu_r", vmin=-top, vmax=top)
            if reads > 1 and c == 0:
                ax.set_ylabel(f"f{j}", rotation=0, ha="right", va="center", fontsize=9)
    for ax in axes.ravel()[count * reads :]:
        fig.delaxes(ax)
    fig.suptitle(
        f"{conv.name}: kernels of {count} of {kernel.shape[3]} filters"
        + (f", over {reads} of {kernel.shape[2]} input channels" if kernel.shape[2] > 1 else "")
    )
    fig.colorbar(shown, ax=axes.ravel().tolist(), shrink=0.8, label="weight")
    return fig


def plot_feature_maps(model: Model, image: np.ndarray, channels: int = 16, columns: int = 8) -> Any:
    """Every convolution's and pooling's feature maps for one image, layer by layer.

    Args:
        model: The engine model.
        image: One ``(28, 28)`` image in [0, 1] (or uint8).
        channels: At most this many channels per layer (the first ones).
        columns: Maps per row.

    Returns:
        A Figure with one panel per layer titled "name (h x w x channels, activation)"
        and, in it, one map per channel titled "ch <c>", each layer on its own colour
        scale (dark is zero, bright is the layer's largest value; blue below zero).

    Raises:
        ValueError: for a model without feature maps (e.g. a dense network).
    """
    field = _as_field(image).astype(np.float32)
    maps = [entry for entry in shown_layers(model) if entry.is_map]
    if not maps:
        msg = "Expected a model with convolutional or pooling layers, e.g. load_model('cnn'). This one has none."
        raise ValueError(msg)
    _, activations = model.forward(field, return_activations=True)
    rows_per = [math.ceil(min(channels, entry.units) / columns) for entry in maps]
    fig = _figure(1.1 * columns + 1, sum(1.15 * r + 0.45 for r in rows_per))
    panels = fig.subfigures(
        len(maps), 1, height_ratios=[1.15 * r + 0.45 for r in rows_per], squeeze=False
    )
    for panel, entry, rows in zip(panels[:, 0], maps, rows_per, strict=True):
        values = np.asarray(activations[entry.layer.name], np.float64)
        count = min(channels, entry.units)
        top = max(float(np.abs(values[..., :count]).max()), 1e-12)
        signed = values[..., :count].min() < 0
        kwargs = {"cmap": "RdBu_r", "vmin": -top} if signed else {"cmap": "inferno", "vmin": 0}
        height, width, total = values.shape
        activation = entry.layer.activation or "no activation"
        shown_of = f"first {count} of {total} channels" if count < total else f"{total} channels"
        panel.suptitle(
            f"{entry.layer.name} ({height} x {width} x {total}, {activation}): {shown_of}",
            fontsize=10,
        )
        axes = panel.subplots(rows, columns, squeeze=False).ravel()
        for c, ax in enumerate(axes[:count]):
            _image_axes(ax, values[..., c], f"ch {c}", vmax=top, **kwargs)
        for ax in axes[count:]:
            panel.delaxes(ax)
    return fig
