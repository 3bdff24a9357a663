"""The inside view's data: each hidden layer's activations and a saliency map, packed small.

DrawPad sends these to the front end only while its ``inside`` toggle is on. One message
holds, little-endian (decoded by ``js/views/inside.js``)::

    uint8   number of layers L
    L times:
        uint16  units n
        float32 lo, hi       the value range; byte q stands for lo + q / 255 * (hi - lo)
        n uint8 the activations, quantised
    float32 scale            max |saliency|; int8 q stands for q / 127 * scale
    784 int8                 the saliency of the predicted class's logit, 28 x 28 row-major

For the shipped 784-128-256-10 network that is 1 + 2 * 10 + 384 + 4 + 784 = 1,193 bytes.
"""

from __future__ import annotations

import math
import struct
from typing import Any, NamedTuple

import numpy as np

from digitwidget.nn.layers import Layer
from digitwidget.nn.model import Model

MAX_LAYERS = 255
MAX_UNITS = 65535


def _shows_new_values(layer: Layer) -> bool:
    """Whether a layer computes values of its own (not an identity, a reshape or preprocessing)."""
    return not (layer.is_identity or layer.only_reshapes or layer.is_preprocessing)


def hidden_layers(model: Any) -> list[Layer]:
    """The layers whose outputs the inside view shows: those that compute new values,
    before the last layer with weights (the output layer), one vector each.

    Returns an empty list for a model that is not a :class:`~digitwidget.nn.Model` (any
    object with ``predict_proba`` can drive a DrawPad, but only an engine model can be
    looked inside) and for one without a one-dimensional hidden layer.
    """
    if not isinstance(model, Model):
        return []
    weighted = [i for i, layer in enumerate(model.layers) if layer.weights]
    if not weighted:
        return []
    shown = [
        layer
        for layer, shape in zip(model.layers[: weighted[-1]], model.shapes, strict=False)
        if _shows_new_values(layer) and len(shape) == 1 and shape[0] <= MAX_UNITS
    ]
    return shown[:MAX_LAYERS]


def grid_shape(units: int) -> tuple[int, int]:
    """``(rows, cols)`` for showing ``units`` values on a grid (as ``gridShape`` in js/views/inside.js).

    The most square exact factorisation (128 -> 8 x 16, 256 -> 16 x 16), or a near-square
    grid with spare cells when that would be thinner than 1:4 (97 -> 10 x 10).
    """
    n = max(1, int(units))
    rows = math.isqrt(n)
    while n % rows:
        rows -= 1
    if n // rows <= 4 * rows:
        return rows, n // rows
    side = math.ceil(math.sqrt(n))
    return math.ceil(n / side), side


def layout(model: Any) -> list[dict[str, Any]]:
    """One entry per shown layer, for the captions and the legend.

    Each is ``{"name", "units", "rows", "cols", "activation", "negative"}``: ``rows`` and
    ``cols`` are the grid the front end draws the units in (Python owns it, so the two sides
    cannot disagree); ``negative`` says whether the layer can output values below zero, so
    the legend mentions the colour for them only when it can appear.
    """
    entries = []
    for layer in hidden_layers(model):
        units = int(model.shapes[model.layers.index(layer)][0])
        rows, cols = grid_shape(units)
        entries.append(
            {
                "name": layer.name,
                "units": units,
                "rows": rows,
                "cols": cols,
                "activation": "" if layer.activation is None else str(layer.activation),
                "negative": layer.can_be_negative,
            }
        )
    return entries


def quantise(values: np.ndarray) -> tuple[float, float, np.ndarray]:
    """``(units,)`` floats -> ``(lo, hi, uint8 codes)`` with ``lo <= 0 <= hi``.

    Zero is always inside the range, so a layer of ReLUs (all >= 0) uses the full 0..255
    for ``0..max`` and a tanh layer shows its sign.
    """
    lo = min(float(values.min()), 0.0)
    hi = max(float(values.max()), 0.0)
    span = hi - lo if hi > lo else 1.0
    codes = np.rint((values - lo) / span * 255)
    return lo, hi, np.clip(codes, 0, 255).astype(np.uint8)


class Reading(NamedTuple):
    """A drawing read by the model, with the inside view's message, from one pass."""

    probabilities: np.ndarray
    """``(classes,)``: exactly what ``model.predict_proba(image)`` gives."""
    data: bytes
    """The inside view's message (see the module doc); empty when there is nothing to show."""
    error: Exception | None
    """Why the view is empty although the model answered, or None."""


def read(model: Any, image: np.ndarray) -> Reading:
    """The model's probabilities for ``image`` and the inside view of how it got them.

    An engine model runs once (:meth:`~digitwidget.nn.Model.explain`): the probabilities,
    the activations shown and the saliency come from that one pass. Any other model is
    asked ``predict_proba`` and shows nothing inside.

    Args:
        model: Any object with ``predict_proba``, e.g. the engine's Model.
        image: ``(28, 28)`` float32 in [0, 1], the preprocessed drawing.

    Returns:
        A :class:`Reading`. A failure of the model itself is raised; one of the view
        alone (e.g. a layer it cannot pack) is returned as ``error``, the answer kept.
    """
    layers = hidden_layers(model)
    if not layers:
        return Reading(model.predict_proba(image), b"", None)
    probabilities, activations, grad = _one_pass(model, image)
    try:
        return Reading(probabilities, _pack(layers, activations, grad), None)
    except Exception as error:  # the view cannot show it; the answer stands
        return Reading(probabilities, b"", error)


def _one_pass(
    model: Model, image: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """``(probabilities, activations, saliency)``; without a saliency (zeros) when a layer
    has no backward pass."""
    try:
        return model.explain(image)
    except NotImplementedError:
        _, activations = model.forward(image, return_activations=True)
        return model.predict_proba(image), activations, np.zeros(np.shape(image))


def _pack(layers: list[Layer], activations: dict[str, np.ndarray], grad: np.ndarray) -> bytes:
    """The message: each shown layer's activations, then the saliency (module doc)."""
    parts = [struct.pack("<B", len(layers))]
    for layer in layers:
        lo, hi, codes = quantise(np.asarray(activations[layer.name], np.float64).reshape(-1))
        parts += [struct.pack("<Hff", codes.size, lo, hi), codes.tobytes()]
    grad = grad.reshape(-1)
    scale = float(np.abs(grad).max())
    codes = np.rint(grad / scale * 127) if scale > 0 else np.zeros_like(grad)
    parts += [struct.pack("<f", scale), codes.astype(np.int8).tobytes()]
    return b"".join(parts)


def pack(model: Any, image: np.ndarray) -> bytes:
    """The inside view of ``model`` reading ``image``, as one message (see the module doc).

    Args:
        model: The engine model.
        image: ``(28, 28)`` float32 in [0, 1], the preprocessed drawing.

    Returns:
        The packed bytes; empty when the model cannot be looked inside. :func:`read`
        gives them together with the probabilities, from the same pass.
    """
    if not hidden_layers(model):
        return b""
    reading = read(model, image)
    if reading.error is not None:
        raise reading.error
    return reading.data
