"""The inside view's data: every shown layer's values and a saliency map, packed small,
and the exact numbers behind any one cell.

DrawPad computes and sends these only while its ``inside`` toggle is on: which layers are
shown and how (:mod:`.layers`), the message of one update (:mod:`.message`), the pass
that gives the answer and the message together (:mod:`.reading`), and the detail panel's
numbers (:mod:`.detail`).
"""

from digitwidget.widget.inside.answers import DetailAnswers
from digitwidget.widget.inside.detail import detail
from digitwidget.widget.inside.layers import (
    BUDGET,
    MAP_CHANNELS,
    Shown,
    grid_shape,
    hidden_layers,
    layout,
    shown_layers,
)
from digitwidget.widget.inside.message import pack_message, quantise, unpack_message
from digitwidget.widget.inside.reading import Reading, pack, read

__all__ = [
    "BUDGET",
    "MAP_CHANNELS",
    "DetailAnswers",
    "Reading",
    "Shown",
    "detail",
    "grid_shape",
    "hidden_layers",
    "layout",
    "pack",
    "pack_message",
    "quantise",
    "read",
    "shown_layers",
    "unpack_message",
]
