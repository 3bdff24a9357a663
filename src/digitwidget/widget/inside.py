"""The inside view's data: each hidden layer's activations and a saliency map, packed small.

DrawPad sends these to the front end only while its ``inside`` toggle is on. One message
holds, little-endian (decoded by ``js/inside.js``)::

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
from typing import Any

import numpy as np

from digitwidget.nn.activation_layers import Activation
from digitwidget.nn.activations import ActivationFunction
from digitwidget.nn.layers import Dense, Layer
from digitwidget.nn.model import Model
from digitwidget.nn.saliency import saliency

MAX_LAYERS = 255
MAX_UNITS = 65535
NON_NEGATIVE = frozenset({"sigmoid", "softmax", "softplus"})
"""Activations whose outputs are never below zero (ReLU too, with its default arguments)."""


def hidden_layers(model: Any) -> list[Layer]:
    """The layers whose outputs the inside view shows: Dense/Activation before the last Dense.

    Returns an empty list for a model that is not a :class:`~digitwidget.nn.Model` (any
    object with ``predict_proba`` can drive a DrawPad, but only an engine model can be
    looked inside) and for one without a one-dimensional hidden layer.
    """
    if not isinstance(model, Model):
        return []
    dense = [i for i, layer in enumerate(model.layers) if isinstance(layer, Dense)]
    if not dense:
        return []
    shown = [
        (layer, shape)
        for layer, shape in zip(model.layers[: dense[-1]], model.shapes, strict=False)
        if isinstance(layer, Dense | Activation)
    ]
    return [layer for layer, shape in shown if len(shape) == 1 and shape[0] <= MAX_UNITS][
        :MAX_LAYERS
    ]


def grid_shape(units: int) -> tuple[int, int]:
    """``(rows, cols)`` for showing ``units`` values on a grid (as ``gridShape`` in js/inside.js).

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


def can_be_negative(activation: ActivationFunction) -> bool:
    """Whether a layer with this activation can output values below zero.

    ``relu`` cannot, unless it leaks (``negative_slope``) or lets values between a
    negative ``threshold`` and 0 through; sigmoid, softmax and softplus cannot; linear,
    tanh, ELU, GELU, SiLU and the others can.

    Example:
        >>> from digitwidget.nn.activations import get_activation
        >>> can_be_negative(get_activation("relu")), can_be_negative(get_activation("tanh"))
        (False, True)
    """
    if activation.name == "relu":
        params = activation.params
        return params.get("negative_slope", 0.0) != 0 or params.get("threshold", 0.0) < 0
    return activation.name not in NON_NEGATIVE


def layout(model: Any) -> list[dict[str, Any]]:
    """One entry per shown layer, for the captions and the legend.

    Each is ``{"name", "units", "activation", "negative"}``; ``negative`` says whether the
    layer can output values below zero, so the legend mentions the colour for them only
    when it can appear.
    """
    return [
        {
            "name": layer.name,
            "units": int(model.shapes[model.layers.index(layer)][0]),
            "activation": str(layer.activation),
            "negative": can_be_negative(layer.activation),
        }
        for layer in hidden_layers(model)
    ]


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


def pack(model: Model, image: np.ndarray) -> bytes:
    """The inside view of ``model`` reading ``image``, as one message (see the module doc).

    Args:
        model: The engine model.
        image: ``(28, 28)`` float32 in [0, 1], the preprocessed drawing.

    Returns:
        The packed bytes; empty when the model cannot be looked inside.
    """
    layers = hidden_layers(model)
    if not layers:
        return b""
    _, activations = model.forward(image, return_activations=True)
    parts = [struct.pack("<B", len(layers))]
    for layer in layers:
        lo, hi, codes = quantise(np.asarray(activations[layer.name], np.float64).reshape(-1))
        parts += [struct.pack("<Hff", codes.size, lo, hi), codes.tobytes()]
    try:
        grad = saliency(model, image).reshape(-1)
    except NotImplementedError:  # a layer the backward pass does not know: no overlay
        grad = np.zeros(image.size)
    scale = float(np.abs(grad).max())
    codes = np.rint(grad / scale * 127) if scale > 0 else np.zeros_like(grad)
    parts += [struct.pack("<f", scale), codes.astype(np.int8).tobytes()]
    return b"".join(parts)
