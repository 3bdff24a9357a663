"""Which layers the inside view shows, what kind each is, and how much of it is sent.

A layer is shown when it computes values of its own (not an identity, a reshape, a
padding or preprocessing), comes before the output layer, and puts out either one vector (a dense layer: one square per neuron) or
images with channels (a convolution or a pooling: one small heat map per channel). What
it is, is asked of the layer (:attr:`~digitwidget.nn.layers.Layer.kind`).

Feature maps are large (the shipped CNN's first convolution alone holds 28 x 28 x 32 =
25,088 values), so each update sends at most :data:`MAP_CHANNELS` channels of a layer,
its first ones, at 4 bits a value, and the whole message stays under :data:`BUDGET`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from digitwidget.nn.layers import Layer
from digitwidget.nn.model import Model

MAP_CHANNELS = 32
"""At most this many channels of a feature-map layer are shown: its first ones."""
MAP_BITS, VECTOR_BITS = 4, 8
"""Bits per value sent: 16 shades are plenty for a heat map of 28 x 28; neurons get 256."""
BUDGET = 24 * 1024
"""The most bytes one update's message may hold; larger models are thinned further."""
MAX_LAYERS = 255
HEADER = 13
"""Bytes before each layer's codes: bits (uint8), count (uint32), lo and hi (float32)."""
TAIL = 4 + 28 * 28
"""The saliency after the layers: its scale (float32) and 784 int8 codes."""


@dataclass(frozen=True)
class Shown:
    """One layer as the inside view shows it."""

    index: int
    """Its place in ``model.layers``."""
    layer: Layer
    kind: str
    """``conv``, ``pool``, ``dense``, ``norm`` or ``activation``."""
    shape: tuple[int, ...]
    """Its output for one image: ``(height, width, channels)`` or ``(units,)``."""
    shown: int
    """How many channels (or neurons) are sent: the first ones."""

    @property
    def is_map(self) -> bool:
        return len(self.shape) == 3

    @property
    def units(self) -> int:
        """Channels of a feature-map layer, neurons of a vector."""
        return self.shape[-1]

    @property
    def height(self) -> int:
        return self.shape[0] if self.is_map else 1

    @property
    def width(self) -> int:
        return self.shape[1] if self.is_map else 1

    @property
    def bits(self) -> int:
        return MAP_BITS if self.is_map else VECTOR_BITS

    @property
    def values(self) -> int:
        """How many values one update sends of this layer."""
        return self.shown * self.height * self.width

    @property
    def size(self) -> int:
        """Bytes of this layer in the message, its header included."""
        return HEADER + math.ceil(self.values * self.bits / 8)


def _computes_new_values(layer: Layer) -> bool:
    return not (
        layer.is_identity
        or layer.only_reshapes
        or layer.is_preprocessing
        or layer.kind == "padding"
    )


def can_be_negative(model: Model, index: int) -> bool:
    """Whether a layer's output can hold values below zero: its activation says, and a
    layer without one or weights (a pooling) passes on what it reads; pixels are >= 0."""
    for before in range(index, -1, -1):
        layer = model.layers[before]
        if layer.activation is not None or layer.weights:
            return layer.can_be_negative
        if layer.is_preprocessing:
            return True  # a rescaling may shift the pixels below zero
    return False


def input_shape_of(model: Model, index: int) -> tuple[int, ...]:
    """The shape of what ``model.layers[index]`` reads, for one image."""
    return tuple(model.input_shape if index == 0 else model.shapes[index - 1])


def shown_layers(model: Any) -> list[Shown]:
    """The layers the inside view shows, thinned so that one update fits :data:`BUDGET`.

    Returns an empty list for a model that is not a :class:`~digitwidget.nn.Model` (any
    object with ``predict_proba`` can drive a DrawPad, but only an engine model can be
    looked inside) and for one with nothing to show.
    """
    if not isinstance(model, Model):
        return []
    weighted = [i for i, layer in enumerate(model.layers) if layer.weights]
    if not weighted:
        return []
    shown = []
    for index, layer in enumerate(model.layers[: weighted[-1]]):
        shape = tuple(model.shapes[index])
        if _computes_new_values(layer) and len(shape) in (1, 3):
            first = min(shape[-1], MAP_CHANNELS) if len(shape) == 3 else shape[0]
            shown.append(Shown(index, layer, layer.kind, shape, first))
    return _thin(shown[:MAX_LAYERS])


def _thin(shown: list[Shown]) -> list[Shown]:
    """Halve the channels of the largest feature map until the message fits the budget;
    a layer that cannot fit even so is listed with nothing sent (``shown == 0``)."""
    shown = list(shown)
    while TAIL + 2 + sum(s.size for s in shown) > BUDGET:
        largest = max(range(len(shown)), key=lambda i: shown[i].size)
        entry = shown[largest]
        fewer = entry.shown // 2 if entry.is_map and entry.shown > 1 else 0
        shown[largest] = replace(entry, shown=fewer)
    return shown


def hidden_layers(model: Any) -> list[Layer]:
    """The shown layers that put out one vector each (dense layers and the like)."""
    return [entry.layer for entry in shown_layers(model) if not entry.is_map]


def grid_shape(units: int) -> tuple[int, int]:
    """``(rows, cols)`` for showing ``units`` cells on a grid (as ``gridShape`` in js/views/inside.js).

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
    """One entry per shown layer, for the view's figures, captions and legend.

    Each is ``{"name", "kind", "units", "shown", "height", "width", "rows", "cols",
    "bits", "activation", "negative"}``: ``units`` channels (or neurons), of which the first
    ``shown`` are sent, each ``height x width`` (1 x 1 for a neuron), drawn on a grid of
    ``rows x cols`` (Python owns it, so the two sides cannot disagree); ``negative`` says
    whether the layer can output values below zero, so the legend mentions the colour for
    them only when it can appear.
    """
    entries = []
    for entry in shown_layers(model):
        rows, cols = grid_shape(entry.shown)
        activation = entry.layer.activation
        entries.append(
            {
                "name": entry.layer.name,
                "kind": entry.kind,
                "units": entry.units,
                "shown": entry.shown,
                "height": entry.height,
                "width": entry.width,
                "rows": rows,
                "cols": cols,
                "bits": entry.bits,
                "activation": "" if activation is None else str(activation),
                "negative": can_be_negative(model, entry.index),
            }
        )
    return entries
