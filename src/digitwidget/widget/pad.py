"""DrawPad: a canvas in the notebook where a drawn digit is recognised live.

The front end (``js/``, built into ``static/``) sends the drawing as ``size * size``
grayscale bytes; this side runs :func:`~digitwidget.preprocess.preprocess` and the model,
and sends back the prediction, the ten probabilities and the 28x28 image the model saw.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import pathlib
from typing import Any

import numpy as np
import traitlets

import digitwidget.widget.checks as checks
import digitwidget.widget.inside as inside
import digitwidget.widget.traits as traits
from digitwidget.preprocess import FIELD, preprocess
from digitwidget.widget.colab import BackendWidget

logger = logging.getLogger("digitwidget")

_STATIC = pathlib.Path(__file__).parent.parent / "static"


@functools.cache
def _default_model() -> checks.Classifier:
    """The shipped model, loaded on first use and shared by every pad."""
    from digitwidget.nn import load_model

    return load_model()


class DrawPad(BackendWidget):
    """A drawing pad that recognises the digit drawn on it, live.

    Args:
        model: Anything with ``predict_proba(image) -> (10,)``, e.g. a
            :class:`digitwidget.Model`; None uses the shipped default model.
        size: The logical canvas side in pixels (the drawing is ``size x size``).
        brush: Brush diameter in canvas pixels.
        theme: ``"auto"`` follows the notebook's theme; ``"light"`` or ``"dark"`` force one.
        backend: ``"auto"``, ``"widget"`` or ``"colab"``.
        inside: Start with the inside view on: each hidden layer's activations and the
            saliency of the predicted digit, live (a :class:`digitwidget.Model` only).

    Example:
        >>> pad = DrawPad()
        >>> pad  # draw in the notebook
        >>> pad.prediction, pad.probabilities
        >>> pad.observe(lambda change: print(change["new"]), names="prediction")
    """

    _esm = _STATIC / "widget.js"
    _css = _STATIC / "widget.css"

    size = traitlets.Int(checks.DEFAULT_SIZE).tag(sync=True)
    brush = traitlets.Float(checks.DEFAULT_BRUSH).tag(sync=True)
    theme = traitlets.Enum(checks.THEMES, default_value="auto").tag(sync=True)
    prediction = traits.AnswerInt(None, allow_none=True, read_only=True).tag(sync=True)
    probabilities = traits.AnswerList(
        traitlets.Float(), default_value=[0.0] * checks.CLASSES, read_only=True
    ).tag(sync=True)
    # ipywidgets 8 echoes each front-end update (78 KB of pixels) back to every front end.
    # Views in one page share one model and would stay in step without it; a second tab or
    # window needs it to see strokes drawn elsewhere, so it stays on. It costs about 2 ms:
    # with bench.latency's harness, switching it on and off in turns in one session (32
    # taps and 20 drawings each, load 4), tap round trip p50 18.0 vs 15.9 ms, pointer lift
    # to final result p50 14.4 vs 12.8 ms.
    _pixels = traits.PixelBuffer().tag(sync=True)
    _seq = traitlets.Int(0).tag(sync=True)
    _ack = traitlets.Int(0).tag(sync=True)
    _model_input = traits.AnswerBytes(bytes(FIELD * FIELD), read_only=True).tag(sync=True)
    inside = traitlets.Bool(False).tag(sync=True)
    """Show the inside view; its data is computed and sent only while this is on."""
    _inside_layout = traitlets.List(traitlets.Dict(), default_value=[]).tag(sync=True)
    _inside_data = traitlets.Bytes(b"").tag(sync=True)
    _limits = traitlets.Dict(checks.LIMITS, read_only=True).tag(sync=True)
    """The brush range, the default size and brush, the confidence threshold: for the views."""
    _error = traitlets.Unicode("").tag(sync=True)
    """Shown in the pad's status line: why the drawing has no answer (the model failed), or
    what of the last update from a view was refused; empty otherwise."""

    def __init__(
        self,
        model: checks.Classifier | None = None,
        *,
        size: int = checks.DEFAULT_SIZE,
        brush: float = checks.DEFAULT_BRUSH,
        theme: str = "auto",
        backend: str = "auto",
        inside: bool = False,
    ) -> None:
        if model is not None:
            checks.check_model(model)
        checks.check_size(size)
        checks.check_brush(brush)
        checks.check_theme(theme)
        self._model = model
        self._processed: bytes | None = None
        self._seen: np.ndarray | None = None  # the (28, 28) image the model last read
        self._failure = ""  # why the drawing has no answer; shown with _refusal in _error
        self._refusal = ""  # what the last update from a view held that the pad refused
        self._view_problem = ""  # why the inside view shows nothing, though the model answers
        super().__init__(
            backend=backend, size=size, brush=float(brush), theme=theme, _pixels=bytes(size * size)
        )
        self.inside = bool(inside)

    @property
    def model(self) -> checks.Classifier:
        """The model that reads the drawing; set it to switch models live (None: the default)."""
        return self._model if self._model is not None else _default_model()

    @model.setter
    def model(self, model: checks.Classifier | None) -> None:
        if model is not None:
            checks.check_model(model)
        previous, self._model = self._model, model
        try:
            with self.hold_sync():
                self._update_prediction()  # first, so that a model that fails changes nothing
                if self.inside:
                    self._inside_layout = self._layout_for_view()
        except Exception:
            self._model = previous
            with contextlib.suppress(Exception):  # the new model's error is the one to raise
                self._update_prediction()  # show the previous model's answer again
            raise

    @property
    def pixels(self) -> np.ndarray:
        """The drawing: ``(size, size)`` uint8, 0 = background, 255 = full ink (a copy).

        Assign a ``(size, size)`` array (or nested list) to draw from Python: integers
        in 0..255, bool, or floats in [0, 1], ink bright.
        """
        return np.frombuffer(self._pixels, np.uint8).reshape(self.size, self.size).copy()

    @pixels.setter
    def pixels(self, image: np.ndarray) -> None:
        with self.hold_sync():  # the drawing and its result in one message
            self._pixels = checks.to_canvas_bytes(image, self.size)

    @property
    def model_input(self) -> np.ndarray:
        """The ``(28, 28)`` float32 image in [0, 1] the model saw (zeros while blank)."""
        # Exactly what the model read; the views get it rounded to bytes (_model_input).
        seen = self._seen
        return np.zeros((FIELD, FIELD), np.float32) if seen is None else seen.copy()

    @model_input.setter
    def model_input(self, value: Any) -> None:
        raise traitlets.TraitError(traits.answer_message("model_input"))

    def clear(self) -> None:
        """Erase the drawing; the prediction becomes None."""
        with self.hold_sync():
            self._pixels = bytes(self.size * self.size)

    def __repr__(self) -> str:
        return f"DrawPad(size={self.size}, prediction={self.prediction})"

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """Apply a front-end update; its ``_seq`` is acknowledged even if part of it was refused.

        ``size`` is applied before the drawing, so a drawing of the new size is kept. A
        value the pad refuses leaves the rest of the update to apply: the refusal is logged,
        shown in the status line (``_error``), and the pad's own value is sent back to the
        views. The result and the ``_ack`` leave in one message, so the view renders it once.
        """
        accepted, refused = checks.screen_update(self, sync_data)
        with self.hold_sync():
            try:
                if accepted:
                    super().set_state(accepted)
            finally:
                self._show_refused(refused)
                if "_seq" in accepted and self._ack != self._seq:
                    self._ack = self._seq  # the view must not wait for an answer that never comes

    def _show_refused(self, refused: dict[str, str]) -> None:
        """Show what an update had refused (or nothing, if it had not), log it, and send the
        pad's own values back to the views in place of the refused ones."""
        self._refusal = checks.refusal_text(refused)
        self._show_status()
        if not refused:
            return
        logger.warning("%s", self._refusal)
        names = checks.names_to_resend(refused, self.keys)
        if names:
            self.send_state(names)

    def _show_status(self) -> None:
        texts = (self._failure, self._view_problem, self._refusal)
        self._error = " ".join(text for text in texts if text)

    def _layout_for_view(self) -> list[dict[str, Any]]:
        """The inside view's layout; a failure there is the view's, not the model's: it
        empties the view and says why, and the prediction stands."""
        try:
            built, error = inside.layout(self.model), None
        except Exception as caught:
            built, error = [], caught
        self._view_problem = checks.view_problem(error)
        return built

    @traitlets.validate("size", "brush")
    def _validate_number(self, proposal: traitlets.Bunch) -> Any:
        check = checks.check_size if proposal["trait"].name == "size" else checks.check_brush
        try:
            check(proposal["value"])
        except ValueError as error:
            raise traitlets.TraitError(str(error)) from None
        return proposal["value"]

    @traitlets.observe("size")
    def _on_size(self, change: traitlets.Bunch) -> None:
        if len(self._pixels) != change["new"] * change["new"]:  # not a drawing sent with it
            self._pixels = bytes(change["new"] * change["new"])

    @traitlets.observe("_pixels")
    def _on_pixels(self, change: traitlets.Bunch) -> None:
        if change["new"] != self._processed:  # equal bytes: that answer stands
            self._update_prediction()

    @traitlets.observe("inside")
    def _on_inside(self, change: traitlets.Bunch) -> None:
        with self.hold_sync():
            if change["new"]:
                self._inside_layout = self._layout_for_view()
                self._update_prediction()
            else:
                self._inside_data = b""
                self._view_problem = ""
                self._show_status()

    @traitlets.observe("_seq")
    def _on_seq(self, change: traitlets.Bunch) -> None:
        """A front-end update: make sure its drawing is processed, then acknowledge it."""
        with self.hold_sync():
            if self._pixels != self._processed:
                self._update_prediction()
            self._ack = change["new"]

    def _update_prediction(self) -> None:
        """Run preprocess and the model on the current drawing and publish the result.

        If the model fails, the pad shows no answer and the error in its status line
        (an error raised while handling a front-end message reaches only the kernel's
        log), and the error is raised again for Python callers.
        """
        pixels = self._pixels
        self._processed = pixels
        canvas = np.frombuffer(pixels, np.uint8).reshape(self.size, self.size)
        image = preprocess(canvas)
        with self.hold_sync():
            if image is None:
                self._show_no_answer()
                return
            try:
                # With the inside view on, one pass gives the answer and the view's data.
                reading = inside.read(self.model, image) if self.inside else None
                proba = checks.ten_probabilities(
                    self.model.predict_proba(image) if reading is None else reading.probabilities
                )
            except Exception as error:
                self._show_no_answer(f"The model failed: {type(error).__name__}: {error}")
                raise
            if reading is not None:
                self._view_problem = checks.view_problem(reading.error)
            self.set_trait("probabilities", [float(p) for p in proba])
            self.set_trait("prediction", int(np.argmax(proba)))
            self._show_seen(image)
            self._inside_data = b"" if reading is None else reading.data
            self._failure = ""
            self._show_status()

    def _show_seen(self, image: np.ndarray | None) -> None:
        """Keep the image the model read (None: none); the views get it as bytes."""
        self._seen = image
        seen = np.zeros((FIELD, FIELD)) if image is None else np.clip(image, 0, 1)
        self.set_trait("_model_input", np.rint(seen * 255).astype(np.uint8).tobytes())

    def _show_no_answer(self, error: str = "") -> None:
        self.set_trait("prediction", None)
        self.set_trait("probabilities", [0.0] * checks.CLASSES)
        self._show_seen(None)
        self._inside_data = b""
        self._failure = error
        self._show_status()
