"""DrawPad: a canvas in the notebook where a drawn digit is recognised live.

The front end (``js/``, built into ``static/``) sends the drawing as ``size * size``
grayscale bytes; this side runs :func:`~digitwidget.preprocess.preprocess` and the model,
and sends back the prediction, the ten probabilities and the 28x28 image the model saw.
"""

from __future__ import annotations

import contextlib
import logging
import pathlib
from typing import Any

import numpy as np
import traitlets

import digitwidget.widget.checks as checks
import digitwidget.widget.inside as inside
import digitwidget.widget.models as models
import digitwidget.widget.traits as traits
from digitwidget.preprocess import FIELD, preprocess
from digitwidget.widget.colab import BackendWidget
from digitwidget.widget.teaching import ExamplesSpec, Teaching, one_at_a_time

logger = logging.getLogger("digitwidget")

_STATIC = pathlib.Path(__file__).parent.parent / "static"


class DrawPad(Teaching, inside.DetailAnswers, BackendWidget):
    """A drawing pad that recognises the digit drawn on it, live.

    Args:
        model: A shipped model's name (``"cnn"``, the default, or ``"mlp"``), the path of
            a ``.keras`` or ``.npz`` file, or anything with ``predict_proba(image) -> (10,)``,
            e.g. a :class:`digitwidget.Model`; None uses the default.
        size: The logical canvas side in pixels (the drawing is ``size x size``).
        brush: Brush diameter in canvas pixels.
        theme: ``"auto"`` follows the notebook's theme; ``"light"`` or ``"dark"`` force one.
        backend: ``"auto"``, ``"widget"`` or ``"colab"``.
        inside: Start with the inside view on: each hidden layer's activations and the
            saliency of the predicted digit, live (a :class:`digitwidget.Model` only).
        examples: Drawings to teach it with (the teach mode): a ``.npz`` file, loaded if it
            exists and kept up to date with every drawing taught, or ``(images, labels)``.

    Example:
        >>> pad = DrawPad()  # or DrawPad(model="mlp"), DrawPad(model="mine.keras")
        >>> pad  # draw in the notebook; the toolbar's picker switches models
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
    model_name = traits.ShownModel().tag(sync=True)
    """Which model reads the drawing: a shipped one's name, or "custom" (a file or object)."""
    _models = traitlets.List(traitlets.Dict(), read_only=True).tag(sync=True)
    """What the views' model picker lists: ``{"name", "label", "title"}`` each."""
    _error = traitlets.Unicode("").tag(sync=True)
    """Shown in the pad's status line: why the drawing has no answer (the model failed), or
    what of the last update from a view was refused; empty otherwise."""

    def __init__(
        self,
        model: models.ModelSpec = None,
        *,
        size: int = checks.DEFAULT_SIZE,
        brush: float = checks.DEFAULT_BRUSH,
        theme: str = "auto",
        backend: str = "auto",
        inside: bool = False,
        examples: ExamplesSpec = None,
    ) -> None:
        self._held = models.Held(models.resolve(model))
        checks.check_size(size)
        checks.check_brush(brush)
        checks.check_theme(theme)
        self._init_teaching(examples)
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
        """The model that reads the drawing. Set it to switch models live: a shipped
        model's name, a file, a model, or None (the default); the drawing is read again."""
        return self._held.current.model

    @model.setter
    def model(self, model: models.ModelSpec) -> None:
        self._switch(models.resolve(model))

    @one_at_a_time
    def _switch(self, choice: models.Choice) -> None:
        """Read the drawing with ``choice``'s model; if that fails, keep the previous one."""
        previous, self._held.current = self._held.current, choice
        with self.hold_sync():
            try:
                self._update_prediction()  # first, so that a model that fails changes nothing
            except Exception:
                self._held.current = previous
                with contextlib.suppress(Exception):  # the new model's error is the one to raise
                    self._update_prediction()  # show the previous model's answer again
                raise
            if self.inside:
                self._inside_layout = self._layout_for_view()
                self._detail_request = {}  # its layer was the previous model's
            self._held.settle()
            self.set_trait("model_name", choice.name)
            self.set_trait("_models", self._held.menu())

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
        chosen = accepted.pop("model_name", None)
        with self.hold_sync():
            try:
                if chosen is not None:
                    self._choose(chosen, refused)
                if accepted:
                    super().set_state(accepted)
            finally:
                self._show_refused(refused)
                if "_seq" in accepted and self._ack != self._seq:
                    self._ack = self._seq  # the view must not wait for an answer that never comes

    def _choose(self, name: str, refused: dict[str, str]) -> None:
        """Switch to the model a view chose in its picker; a failure is shown, not raised."""
        try:
            self._switch(self._held.find(name))
        except Exception as error:
            refused["model_name"] = checks.switch_failed(name, self.model_name, error)

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

    @traitlets.default("model_name")
    def _model_name_default(self) -> str:
        return self._held.current.name

    @traitlets.default("_models")
    def _models_default(self) -> list[dict[str, str]]:
        return self._held.menu()

    @traitlets.validate("size", "brush")
    def _validate_number(self, proposal: traitlets.Bunch) -> Any:
        return checks.valid_number(proposal["trait"].name, proposal["value"])

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
                self._keep_reading(None)

    @traitlets.observe("_seq")
    def _on_seq(self, change: traitlets.Bunch) -> None:
        """A front-end update: make sure its drawing is processed, then acknowledge it."""
        with self.hold_sync():
            if self._pixels != self._processed:
                self._update_prediction()
            self._ack = change["new"]

    @one_at_a_time
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
            self._keep_reading(reading)
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
        self._keep_reading(None)
        self._failure = error
        self._show_status()
