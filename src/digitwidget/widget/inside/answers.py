"""The detail panel's side of DrawPad: a view asks for a cell, Python answers with numbers.

:class:`DetailAnswers` holds the two traits and keeps the answer current; ``DrawPad``
inherits it. A view sets ``_detail_request`` (``{"layer", "unit", "y", "x"}``, see
:mod:`.detail`); the pad answers in ``_detail``, and answers again with every new reading
while the request stands, so the panel follows the drawing. Both are ordinary synced
traits, so they travel the widget comm and the Colab backend's bridge alike.
"""

from __future__ import annotations

import contextlib
from typing import Any

import traitlets

from digitwidget.nn.fast.blas import OPENBLAS
from digitwidget.widget.inside.detail import detail
from digitwidget.widget.inside.reading import Reading


class DetailAnswers(traitlets.HasTraits):
    """The inside view's detail requests and their answers, for DrawPad."""

    _detail_request = traitlets.Dict().tag(sync=True)
    """The cell a view asks about: ``{"layer", "unit", "y", "x"}``; empty for none."""
    _detail = traitlets.Dict().tag(sync=True)
    """The numbers behind that cell, from the last reading (``widget/inside/detail.py``)."""

    _reading: Reading | None = None
    inside: bool
    model: Any

    def _keep_reading(self, reading: Reading | None) -> None:
        """Remember the pass the view shows (None: nothing read) and answer again from it."""
        self._reading = reading
        self._answer_detail()

    @traitlets.observe("_detail_request")
    def _on_detail_request(self, change: traitlets.Bunch) -> None:
        self._answer_detail()

    def _answer_detail(self) -> None:
        request = self._detail_request if self.inside else {}
        # One image's small products on one BLAS thread, as the reading's (reading.py).
        with OPENBLAS.single() if OPENBLAS is not None else contextlib.nullcontext():
            answer = detail(self.model, self._reading, request) if request else {}
        if answer != self._detail:
            self._detail = answer
