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
from typing import Any, Protocol

import anywidget
import numpy as np
import traitlets

from digitwidget.preprocess import FIELD, preprocess
from digitwidget.widget.colab import colab_mimebundle, resolve_backend
from digitwidget.widget.inside import layout as inside_layout
from digitwidget.widget.inside import pack as pack_inside

logger = logging.getLogger("digitwidget")

_STATIC = pathlib.Path(__file__).parent.parent / "static"
THEMES = ("auto", "light", "dark")
MIN_SIZE, MAX_SIZE = 28, 2048
"""The logical canvas sizes accepted, in pixels."""
BRUSH_MIN, BRUSH_MAX = 2, 48
"""The brush diameters accepted, in canvas pixels: the range of the pad's brush slider."""
CLASSES = 10
"""The pad shows a bar for each digit, so a model must score exactly ten classes."""


class Classifier(Protocol):
    """What DrawPad needs from a model: ``predict_proba`` of one (28, 28) image -> (classes,)."""

    def predict_proba(self, x: np.ndarray) -> np.ndarray: ...


@functools.cache
def _default_model() -> Classifier:
    """The shipped model, loaded on first use and shared by every pad."""
    from digitwidget.nn import load_model

    return load_model()


def _resolve_backend(backend: str) -> str:
    """Choose how the pad talks to the kernel: ``"widget"`` (anywidget) or ``"colab"``.

    ``"auto"`` picks ``"colab"`` inside Google Colab (detected without side effects),
    ``"widget"`` elsewhere; see :func:`digitwidget.widget.colab.resolve_backend`.
    """
    return resolve_backend(backend)


def _check_model(model: Any) -> None:
    """Refuse what cannot score a drawing; say how to turn a Keras model or a file into one."""
    if callable(getattr(model, "predict_proba", None)):
        return
    kind = type(model)
    msg = (
        "model must have a predict_proba(image) method, like digitwidget.Model "
        f"(e.g. digitwidget.load_model()). Received: model of type {kind.__name__}"
    )
    if any(c.__module__.split(".")[0] in ("keras", "tensorflow", "tf_keras") for c in kind.__mro__):
        msg += (
            f" ({kind.__module__}). The NumPy engine runs a Keras model from its file: "
            'model.save("mine.keras"), then DrawPad(model=load_model("mine.keras")) with '
            "from digitwidget import load_model (no TensorFlow needed to load it)."
        )
    elif isinstance(model, str | pathlib.PurePath):
        msg += f'. For a model file, load it first: DrawPad(model=load_model("{model}")).'
    else:
        msg += "."
    raise TypeError(msg)


def _ten_probabilities(output: Any) -> np.ndarray:
    """A model's answer for one image as ``(10,)`` float64; a ValueError says what is wrong."""
    try:
        proba = np.asarray(output, dtype=np.float64)
    except (TypeError, ValueError):
        proba = None
    if proba is None or proba.shape not in ((CLASSES,), (1, CLASSES)):
        received = f"shape {proba.shape}" if proba is not None else f"{type(output).__name__}"
        msg = (
            f"model.predict_proba(image) must return {CLASSES} class probabilities for one "
            f"(28, 28) image: shape ({CLASSES},) or (1, {CLASSES}). Received {received}."
        )
        if proba is not None and proba.shape[:1] == (FIELD,):
            msg += (
                " The model seems to read the image as 28 samples of 28 features; give the "
                "pad a wrapper whose predict_proba passes image.reshape(1, 784)."
            )
        raise ValueError(msg)
    proba = proba.reshape(-1)
    total = proba.sum()
    if not np.isfinite(total) or proba.min() < 0 or abs(total - 1) > 1e-3:
        msg = (
            "model.predict_proba(image) must return probabilities: finite, non-negative and "
            f"summing to 1. Received values from {proba.min():g} to {proba.max():g}, summing "
            f"to {total:g}. If the model returns scores (logits), apply a softmax to them."
        )
        raise ValueError(msg)
    return proba


def _check_size(size: Any) -> None:
    if isinstance(size, bool) or not isinstance(size, int) or not MIN_SIZE <= size <= MAX_SIZE:
        msg = (
            f"size must be an int from {MIN_SIZE} to {MAX_SIZE} (the canvas side in pixels). "
            f"Received: size={size!r}."
        )
        raise ValueError(msg)


def _check_brush(brush: Any) -> None:
    if (
        isinstance(brush, bool)
        or not isinstance(brush, int | float)
        or not BRUSH_MIN <= brush <= BRUSH_MAX
    ):
        msg = (
            f"brush must be a number from {BRUSH_MIN} to {BRUSH_MAX} (diameter in canvas "
            f"pixels; the pad draws whole pixels). Received: brush={brush!r}."
        )
        raise ValueError(msg)


def _check_theme(theme: Any) -> None:
    if theme not in THEMES:
        msg = f"theme must be one of {THEMES}. Received: theme={theme!r}."
        raise ValueError(msg)


def _pixel_bytes(value: Any, size: int) -> bytes:
    """A drawing sent by a view as ``size * size`` bytes; a TraitError says what was wrong."""
    expected = size * size
    if isinstance(value, bytes | bytearray | memoryview):
        data = value if isinstance(value, bytes) else bytes(value)
        if len(data) == expected:
            return data
        received = f"{len(data)} bytes"
    else:
        received = f"a value of type {type(value).__name__}"
    msg = (
        f"DrawPad ignored a drawing update: expected {expected} bytes ({size} x {size} uint8 "
        f"pixels), received {received}. The previous drawing is kept."
    )
    raise traitlets.TraitError(msg)


class _PixelBuffer(traitlets.TraitType):
    """The drawing: ``size * size`` uint8 bytes, row-major, 0 = background.

    The front end's binary state arrives as ``memoryview``; it is converted to ``bytes``.
    """

    info_text = "size * size bytes"
    default_value = b""

    def validate(self, obj: Any, value: Any) -> bytes:
        return _pixel_bytes(value, obj.size)


ANSWERS = {
    "prediction": "prediction",
    "probabilities": "probabilities",
    "_model_input": "model_input",
}
"""The traits that hold the model's answer, and the names users know them by."""


def _answer_message(name: str) -> str:
    return (
        f"pad.{ANSWERS.get(name, name)} is the model's answer to the drawing, so it cannot be "
        "set. Change the drawing instead: draw on the pad, assign pad.pixels = image, or call "
        "pad.clear(); or give the pad another model: pad.model = ..."
    )


class _Answer(traitlets.TraitType):
    """A trait holding the model's answer: the pad sets it (``set_trait``), users cannot."""

    def __set__(self, obj: Any, value: Any) -> None:
        raise traitlets.TraitError(_answer_message(self.name))


class _AnswerInt(_Answer, traitlets.Int):  # type: ignore[misc]
    pass


class _AnswerList(_Answer, traitlets.List):  # type: ignore[misc]
    pass


class _AnswerBytes(_Answer, traitlets.Bytes):  # type: ignore[misc]
    pass


class DrawPad(anywidget.AnyWidget):
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

    size = traitlets.Int(280).tag(sync=True)
    brush = traitlets.Float(18.0).tag(sync=True)
    theme = traitlets.Enum(THEMES, default_value="auto").tag(sync=True)
    prediction = _AnswerInt(None, allow_none=True, read_only=True).tag(sync=True)
    probabilities = _AnswerList(traitlets.Float(), default_value=[0.0] * 10, read_only=True).tag(
        sync=True
    )
    # ipywidgets 8 echoes each front-end update (78 KB of pixels) back to every front end.
    # Views in one page share one model and would stay in step without it; a second tab or
    # window needs it to see strokes drawn elsewhere, so it stays on. It costs about 2 ms:
    # with bench.latency's harness, switching it on and off in turns in one session (32
    # taps and 20 drawings each, load 4), tap round trip p50 18.0 vs 15.9 ms, pointer lift
    # to final result p50 14.4 vs 12.8 ms.
    _pixels = _PixelBuffer().tag(sync=True)
    _seq = traitlets.Int(0).tag(sync=True)
    _ack = traitlets.Int(0).tag(sync=True)
    _model_input = _AnswerBytes(bytes(FIELD * FIELD), read_only=True).tag(sync=True)
    inside = traitlets.Bool(False).tag(sync=True)
    """Show the inside view; its data is computed and sent only while this is on."""
    _inside_layout = traitlets.List(traitlets.Dict(), default_value=[]).tag(sync=True)
    _inside_data = traitlets.Bytes(b"").tag(sync=True)
    _error = traitlets.Unicode("").tag(sync=True)
    """Shown in the pad's status line: why the drawing has no answer (the model failed), or
    what of the last update from a view was refused; empty otherwise."""

    def __init__(
        self,
        model: Classifier | None = None,
        *,
        size: int = 280,
        brush: float = 18.0,
        theme: str = "auto",
        backend: str = "auto",
        inside: bool = False,
    ) -> None:
        if model is not None:
            _check_model(model)
        _check_size(size)
        _check_brush(brush)
        _check_theme(theme)
        self._backend = _resolve_backend(backend)
        self._model = model
        self._processed: bytes | None = None
        self._seen: np.ndarray | None = None  # the (28, 28) image the model last read
        self._failure = ""  # why the drawing has no answer; shown with _refusal in _error
        self._refusal = ""  # what the last update from a view held that the pad refused
        self._view_problem = ""  # why the inside view shows nothing, though the model answers
        super().__init__(size=size, brush=float(brush), theme=theme, _pixels=bytes(size * size))
        self.inside = bool(inside)

    @property
    def model(self) -> Classifier:
        """The model that reads the drawing; set it to switch models live (None: the default)."""
        return self._model if self._model is not None else _default_model()

    @model.setter
    def model(self, model: Classifier | None) -> None:
        if model is not None:
            _check_model(model)
        previous, self._model = self._model, model
        try:
            with self.hold_sync():
                self._update_prediction()  # first, so that a model that fails changes nothing
                if self.inside:
                    self._inside_layout = self._inside_of(inside_layout) or []
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
            self._pixels = _to_canvas_bytes(image, self.size)

    @property
    def model_input(self) -> np.ndarray:
        """The ``(28, 28)`` float32 image in [0, 1] the model saw (zeros while blank)."""
        # Exactly what the model read; the views get it rounded to bytes (_model_input).
        seen = self._seen
        return np.zeros((FIELD, FIELD), np.float32) if seen is None else seen.copy()

    @model_input.setter
    def model_input(self, value: Any) -> None:
        raise traitlets.TraitError(_answer_message("model_input"))

    def clear(self) -> None:
        """Erase the drawing; the prediction becomes None."""
        with self.hold_sync():
            self._pixels = bytes(self.size * self.size)

    def __repr__(self) -> str:
        return f"DrawPad(size={self.size}, prediction={self.prediction})"

    def open(self) -> None:
        """Open the widget channel, unless the pad uses the Colab backend.

        A Colab pad talks through its callback; a channel would only carry a second,
        uncompressed copy of every update to a page that does not read it.
        """
        if self._backend != "colab":
            super().open()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget view; with the Colab backend, HTML that talks to the kernel itself."""
        if self._backend == "colab":
            return colab_mimebundle(self)
        return super()._repr_mimebundle_(**kwargs)

    def set_state(self, sync_data: dict[str, Any]) -> None:
        """Apply a front-end update; its ``_seq`` is acknowledged even if part of it was refused.

        ``size`` is applied before the drawing, so a drawing of the new size is kept. A
        value the pad refuses leaves the rest of the update to apply: the refusal is logged,
        shown in the status line (``_error``), and the pad's own value is sent back to the
        views. The result and the ``_ack`` leave in one message, so the view renders it once.
        """
        accepted, refused = self._screen(sync_data)
        with self.hold_sync():
            try:
                if accepted:
                    super().set_state(accepted)
            finally:
                self._show_refused(refused)
                if "_seq" in accepted and self._ack != self._seq:
                    self._ack = self._seq  # the view must not wait for an answer that never comes

    def _screen(self, sync_data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
        """Split an update into the values the pad takes (``size`` first, ``_seq`` last) and,
        for the others, why they were refused; nothing is changed here."""
        accepted: dict[str, Any] = {}
        refused: dict[str, str] = {}
        size = self.size
        for name in sorted(sync_data, key=_update_order):
            value = sync_data[name]
            try:
                if name in ANSWERS:
                    raise traitlets.TraitError(_answer_message(name))
                if name == "_ack":
                    msg = "the pad sets it, to acknowledge each update from a view."
                    raise traitlets.TraitError(msg)
                if name == "_pixels":
                    _pixel_bytes(value, size)  # the size this update sets, if it sets one
                elif name in self.keys:  # the trait's checks and the pad's @validate, nothing set
                    from_json = self.trait_metadata(name, "from_json", self._trait_from_json)
                    getattr(type(self), name)._validate(self, from_json(value, self))
            except Exception as error:  # a view's value the pad cannot take
                refused[name] = str(error)
                continue
            accepted[name] = value
            if name == "size":
                size = value
        return accepted, refused

    def _show_refused(self, refused: dict[str, str]) -> None:
        """Show what an update had refused (or nothing, if it had not), log it, and send the
        pad's own values back to the views in place of the refused ones."""
        self._refusal = " ".join(
            message if name in ("_pixels", *ANSWERS) else f"DrawPad ignored {name}: {message}"
            for name, message in refused.items()
        )
        self._show_status()
        if not refused:
            return
        logger.warning("%s", self._refusal)
        names = [name for name in refused if name in self.keys]
        if "_pixels" in refused and "size" not in names:
            names.append("size")  # the view may have drawn at a size the pad no longer has
        if names:
            self.send_state(names)

    def _show_status(self) -> None:
        texts = (self._failure, self._view_problem, self._refusal)
        self._error = " ".join(text for text in texts if text)

    def _inside_of(self, build: Any, *args: Any) -> Any:
        """``build(self.model, *args)`` for the inside view; a failure there is the view's,
        not the model's: it empties the view and says why, and the prediction stands."""
        try:
            built = build(self.model, *args)
        except Exception as error:
            self._view_problem = (
                f"The inside view cannot show this model ({type(error).__name__}: "
                f"{str(error)[:200]}); the prediction is still the model's."
            )
            return None
        self._view_problem = ""
        return built

    @traitlets.validate("size", "brush")
    def _validate_number(self, proposal: traitlets.Bunch) -> Any:
        check = _check_size if proposal["trait"].name == "size" else _check_brush
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
                self._inside_layout = self._inside_of(inside_layout) or []
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
                proba = _ten_probabilities(self.model.predict_proba(image))
            except Exception as error:
                self._show_no_answer(f"The model failed: {type(error).__name__}: {error}")
                raise
            view = (self._inside_of(pack_inside, image) or b"") if self.inside else b""
            self.set_trait("probabilities", [float(p) for p in proba])
            self.set_trait("prediction", int(np.argmax(proba)))
            seen = np.rint(np.clip(image, 0, 1) * 255).astype(np.uint8).tobytes()
            self.set_trait("_model_input", seen)
            self._seen = image
            self._inside_data = view
            self._failure = ""
            self._show_status()

    def _show_no_answer(self, error: str = "") -> None:
        self.set_trait("prediction", None)
        self.set_trait("probabilities", [0.0] * CLASSES)
        self.set_trait("_model_input", bytes(FIELD * FIELD))
        self._seen = None
        self._inside_data = b""
        self._failure = error
        self._show_status()


def _update_order(name: str) -> int:
    """Where a value goes in an update: ``size`` first (a drawing is checked against it),
    ``_seq`` last (it acknowledges the rest)."""
    return {"size": 0, "_seq": 2}.get(name, 1)


def _to_canvas_bytes(image: Any, size: int) -> bytes:
    """A drawing given as an array -> ``size * size`` bytes (uint8 as is, bool/float scaled).

    Integers in 0..255, bool (a mask: True is full ink) and floats in [0, 1] are drawings;
    every other dtype (text, objects, complex, dates) is refused by name, before NumPy
    is asked to compare its values.
    """
    expected = "integers in 0..255, bool, or float in [0, 1] with ink bright"
    try:
        array = np.asarray(image)
    except (ValueError, TypeError) as error:  # ragged nested lists, objects NumPy cannot take
        msg = f"pixels must be a ({size}, {size}) array of {expected}. Received {error}"
        raise ValueError(msg) from None
    if array.dtype.kind not in "biuf":
        msg = (
            f"pixels must be {expected}. Received dtype {array.dtype}; convert it first, "
            "e.g. np.asarray(image, dtype=np.uint8)."
        )
        raise ValueError(msg)
    if array.shape != (size, size):
        msg = (
            f"pixels must be an array of shape ({size}, {size}) matching the pad's size. "
            f"Received shape {array.shape}."
        )
        raise ValueError(msg)
    if array.dtype == np.uint8:
        return array.tobytes()
    if array.dtype == np.bool_:
        return (array.astype(np.uint8) * 255).tobytes()
    low, high = array.min(), array.max()
    if array.dtype.kind in "iu" and low >= 0 and high <= 255:
        return array.astype(np.uint8).tobytes()  # e.g. int64 from a list or arithmetic
    if array.dtype.kind == "f" and low >= 0 and high <= 1:  # NaN fails both comparisons
        return np.rint(array * 255).astype(np.uint8).tobytes()
    hint = " Divide 0..255 floats by 255." if array.dtype.kind == "f" and high <= 255 else ""
    msg = (
        f"pixels must be {expected}. Received dtype {array.dtype} with values from {low} "
        f"to {high}.{hint}"
    )
    raise ValueError(msg)
