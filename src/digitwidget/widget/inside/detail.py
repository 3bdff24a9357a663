"""The detail panel's numbers: one cell of the inside view, worked out from the weights.

The view asks for a cell (``DrawPad._detail_request``: ``{"layer", "unit", "y", "x"}``,
``layer`` the index of a shown layer in the layout, ``unit`` a channel or a neuron, ``y``
and ``x`` a point of a feature map); Python answers (``DrawPad._detail``) from the image
the model last read and the activations of that very pass, so the panel shows exactly
the engine's numbers:

- a convolution: the filter's kernel (one ``kh x kw`` slice per input channel it reads),
  the input patch under its window at the point (zero where the window hangs over the
  edge), the weighted sum, the bias, ``z = sum + bias``, and the engine's activation;
- a pooling: the window of the input channel at the point, and the engine's value;
- a dense neuron: its strongest inputs (value x weight) from the layer below, where they
  sit there, the weighted sum, the bias, ``z`` and the activation; its weights as a 28x28
  image when it reads the input pixels (the "template" it matches); and, traced down to
  the pixels, ``d neuron / d pixel`` (the layers' backward passes from that neuron: a
  second pass, made only while the panel shows a neuron);
- anything else: the value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from digitwidget.nn.fast.inputs import InputConverter
from digitwidget.nn.layers import Layer
from digitwidget.nn.model import Model
from digitwidget.widget.inside.layers import Shown, shown_layers
from digitwidget.widget.inside.reading import Reading
from digitwidget.widget.inside.trace import trace

STRONGEST = 8
"""How many of a neuron's inputs the panel lists."""


def numbers(values: Any) -> list[float]:
    """An array as a flat list of floats with 6 significant digits (for pictures)."""
    return [float(f"{v:.6g}") for v in np.asarray(values, np.float64).reshape(-1)]


def detail(model: Any, reading: Reading | None, request: dict[str, Any]) -> dict[str, Any]:
    """The numbers behind one cell of the inside view (module doc); ``{}`` for no request.

    A request the view could not have meant (a layer, unit or point out of range) is
    answered with ``{"error": ...}`` saying what was wrong; so is one made before the
    model has read a drawing.
    """
    if not request:
        return {}
    shown = shown_layers(model)
    try:
        entry, unit, y, x = _parse(request, shown)
    except (TypeError, ValueError) as error:
        return {"request": request, "error": str(error)}
    if reading is None or reading.activations is None or reading.image is None:
        return {"request": request, "error": "Draw a digit first: the model has read nothing yet."}
    layer_input = _input_of(model, reading, entry.index)
    output = np.asarray(reading.activations[entry.layer.name])
    value = float(output[y, x, unit] if entry.is_map else output[unit])
    answer = {
        "request": request,
        "name": entry.layer.name,
        "kind": entry.kind,
        "map": entry.is_map,
        "unit": unit,
        "y": y,
        "x": x,
        "activation": "" if entry.layer.activation is None else str(entry.layer.activation),
        "value": value,
    }
    if entry.kind == "conv":
        answer |= _convolution(entry.layer, layer_input, entry.units, (unit, y, x))
    elif entry.kind == "pool" and entry.is_map:
        answer |= _pooling(entry.layer, layer_input, unit, y, x)
    elif entry.kind == "dense":
        answer |= _dense(model, entry.index, layer_input, unit)
        answer |= trace(model, entry.index, unit, reading.image)
    return answer


def _parse(request: dict[str, Any], shown: list[Shown]) -> tuple[Shown, int, int, int]:
    """``(entry, unit, y, x)`` of a request, each checked against the layer it names."""

    def whole(name: str, high: int) -> int:
        value = request.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < high:
            msg = f"detail request: {name} must be an int from 0 to {high - 1}. Received: {name}={value!r:.40}."
            raise ValueError(msg)
        return value

    if not isinstance(request, dict):
        msg = f"detail request must be a dict. Received: {type(request).__name__}."
        raise TypeError(msg)
    if not shown:
        msg = "detail request: this model shows no layers inside."
        raise ValueError(msg)
    entry = shown[whole("layer", len(shown))]
    unit = whole("unit", entry.units)
    return entry, unit, whole("y", entry.height), whole("x", entry.width)


def _input_of(model: Model, reading: Reading, index: int) -> np.ndarray:
    """What ``model.layers[index]`` read in the last pass, for one image (no batch axis)."""
    assert reading.activations is not None
    assert reading.image is not None
    if index > 0:
        return np.asarray(reading.activations[model.layers[index - 1].name])
    byte_scale = model.metadata.get("input_scale") == "byte"
    batch, _ = InputConverter(model.input_shape, byte_scale)(reading.image)
    return batch[0]


def _window_at(layer: Any, input_shape: tuple[int, ...], y: int, x: int) -> tuple[np.ndarray, ...]:
    """The rows and columns of the input under the window of output point (y, x), and
    which of them lie inside the image (the others are padding)."""
    window = layer.window
    placement = layer.place(tuple(input_shape))
    (top, _), (left, _) = placement.pads
    rows = y * window.strides[0] + np.arange(window.size[0]) * window.dilation[0] - top
    cols = x * window.strides[1] + np.arange(window.size[1]) * window.dilation[1] - left
    inside = ((rows >= 0) & (rows < input_shape[0]))[:, None] & (
        (cols >= 0) & (cols < input_shape[1])
    )[None, :]
    return rows, cols, inside


def _patch(image: np.ndarray, rows: np.ndarray, cols: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """``(kh, kw, channels)`` of ``image`` under the window, 0 where it is padding."""
    safe_rows = np.clip(rows, 0, image.shape[0] - 1)
    safe_cols = np.clip(cols, 0, image.shape[1] - 1)
    patch = np.asarray(image, np.float64)[np.ix_(safe_rows, safe_cols)]
    return np.where(inside[..., None], patch, 0.0)


def _filter(
    layer: Layer, in_channels: int, out_channels: int, unit: int
) -> tuple[list[int], np.ndarray] | None:
    """The input channels output channel ``unit`` reads and its kernel over them,
    ``(kh, kw, len(channels))``; None for a convolution that is not one kernel per output
    channel (a separable one)."""
    kernel = layer.weights.get("kernel")
    if kernel is None or kernel.ndim != 4:
        return None
    per_group, filters = kernel.shape[2:]
    if filters == out_channels and in_channels % per_group == 0:  # in groups of channels
        groups = in_channels // per_group
        group = unit // (out_channels // groups)
        channels = list(range(group * per_group, (group + 1) * per_group))
        return channels, kernel[:, :, :, unit]
    if per_group == in_channels and per_group * filters == out_channels:  # depthwise
        channel, k = divmod(unit, filters)
        return [channel], kernel[:, :, channel : channel + 1, k]
    return None


def _convolution(
    layer: Layer, image: np.ndarray, out_channels: int, cell: tuple[int, int, int]
) -> dict[str, Any]:
    """A convolution's kernel, the patch under it and the weighted sum at ``cell``
    ``(unit, y, x)`` (module doc)."""
    unit, y, x = cell
    found = _filter(layer, image.shape[-1], out_channels, unit)
    if found is None:
        return {}
    channels, kernel = found
    rows, cols, inside = _window_at(layer, image.shape, y, x)
    patch = _patch(image, rows, cols, inside)[..., channels]
    products = patch * np.asarray(kernel, np.float64)
    weighted = float(products.sum())
    bias = layer.weights.get("bias")
    b = 0.0 if bias is None else float(bias[unit])
    per_channel = products.sum(axis=(0, 1))
    return {
        "channels": channels,
        "kernel_shape": list(kernel.shape),
        "kernel": numbers(np.moveaxis(kernel, -1, 0)),
        "patch": numbers(np.moveaxis(patch, -1, 0)),
        "padding": [int(v) for v in (~inside).reshape(-1)],
        "top_left": [int(rows[0]), int(cols[0])],
        "per_channel": numbers(per_channel),
        "sum": weighted,
        "bias": b,
        "z": weighted + b,
    }


def _pooling(layer: Layer, image: np.ndarray, unit: int, y: int, x: int) -> dict[str, Any]:
    """The window a pooling combined at (y, x) in input channel ``unit``."""
    if not hasattr(layer, "window"):
        return {}
    rows, cols, inside = _window_at(layer, image.shape, y, x)
    window = _patch(image, rows, cols, inside)[..., unit]
    return {
        "channels": [unit],
        "window_shape": list(window.shape),
        "window": [
            None if pad else v
            for v, pad in zip(numbers(window), (~inside).reshape(-1), strict=True)
        ],
        "top_left": [int(rows[0]), int(cols[0])],
    }


def _source(model: Model, index: int) -> tuple[str, tuple[int, ...]]:
    """The name and shape of the values a layer's inputs are (reshaped on the way): the
    nearest earlier layer that computes values, or ``"input"``."""
    for before in range(index - 1, -1, -1):
        layer = model.layers[before]
        if not (layer.is_identity or layer.only_reshapes or layer.is_preprocessing):
            return layer.name, tuple(model.shapes[before])
    return "input", tuple(model.input_shape)


def _dense(model: Model, index: int, image: np.ndarray, unit: int) -> dict[str, Any]:
    """A neuron's weighted sum and strongest inputs (module doc)."""
    layer = model.layers[index]
    kernel = np.asarray(layer.weights["kernel"], np.float64)
    inputs = np.asarray(image, np.float64).reshape(-1)
    weights = kernel[:, unit]
    products = inputs * weights
    bias = layer.weights.get("bias")
    b = 0.0 if bias is None else float(bias[unit])
    name, shape = _source(model, index)
    order = np.argsort(-np.abs(products), kind="stable")[:STRONGEST]
    strongest = [
        {
            "index": int(i),
            "at": [int(v) for v in np.unravel_index(int(i), shape)],
            "value": float(inputs[i]),
            "weight": float(weights[i]),
            "product": float(products[i]),
        }
        for i in order
        if products[i] != 0
    ]
    answer: dict[str, Any] = {
        "source": name,
        "source_shape": list(shape),
        "strongest": strongest,
        "sum": float(products.sum()),
        "bias": b,
        "z": float(products.sum()) + b,
    }
    if name == "input" and weights.size == 28 * 28:
        answer["template"] = numbers(weights)
    return answer
