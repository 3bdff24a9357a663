"""What DrawPad checks: its arguments, the model and its answer, a drawing, a view's update.

Every refusal says what was wrong, what was expected and what was received.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import traitlets

from digitwidget.nn.loading import SHIPPED
from digitwidget.preprocess import FIELD
from digitwidget.widget.traits import ANSWERS, answer_message, pixel_bytes

THEMES = ("auto", "light", "dark")
MIN_SIZE, MAX_SIZE = 28, 2048
"""The logical canvas sizes accepted, in pixels."""
BRUSH_MIN, BRUSH_MAX = 2, 48
"""The brush diameters accepted, in canvas pixels: the range of the pad's brush slider."""
CLASSES = 10
"""The pad shows a bar for each digit, so a model must score exactly ten classes."""
DEFAULT_SIZE, DEFAULT_BRUSH = 280, 18.0
"""A new pad's canvas side and brush diameter, in pixels."""
CONFIDENT = 0.5
"""The top probability from which the pad presents its answer as a confident one. Below
one half the model gives the other nine digits together better odds than its top pick:
the answer is a best guess, more likely wrong than right, and is shown as one."""
LIMITS = {
    "brush_min": BRUSH_MIN,
    "brush_max": BRUSH_MAX,
    "size": DEFAULT_SIZE,
    "brush": DEFAULT_BRUSH,
    "confident": CONFIDENT,
}
"""The numbers the front end needs, sent to it once (``DrawPad._limits``) so that they are
written here only."""


class Classifier(Protocol):
    """What DrawPad needs from a model: ``predict_proba`` of one (28, 28) image -> (classes,)."""

    def predict_proba(self, x: np.ndarray) -> np.ndarray: ...


def check_model(model: Any) -> None:
    """Refuse what cannot score a drawing; say how to turn a Keras model into one."""
    if callable(getattr(model, "predict_proba", None)):
        return
    kind = type(model)
    names = ", ".join(map(repr, SHIPPED))
    msg = (
        f"model must be a shipped model's name ({names}), the path of a .keras or .npz file, "
        "or an object with a predict_proba(image) method, like digitwidget.Model. "
        f"Received: model of type {kind.__name__}"
    )
    if any(c.__module__.split(".")[0] in ("keras", "tensorflow", "tf_keras") for c in kind.__mro__):
        msg += (
            f" ({kind.__module__}). The NumPy engine runs a Keras model from its file: "
            'model.save("mine.keras"), then DrawPad(model="mine.keras") (no TensorFlow '
            "needed to load it)."
        )
    else:
        msg += "."
    raise TypeError(msg)


def ten_probabilities(output: Any) -> np.ndarray:
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


def check_size(size: Any) -> None:
    if isinstance(size, bool) or not isinstance(size, int) or not MIN_SIZE <= size <= MAX_SIZE:
        msg = (
            f"size must be an int from {MIN_SIZE} to {MAX_SIZE} (the canvas side in pixels). "
            f"Received: size={size!r}."
        )
        raise ValueError(msg)


def check_brush(brush: Any) -> None:
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


def valid_number(name: str, value: Any) -> Any:
    """``value`` if ``size`` or ``brush`` (``name``) may take it; else a TraitError says why."""
    try:
        (check_size if name == "size" else check_brush)(value)
    except ValueError as error:
        raise traitlets.TraitError(str(error)) from None
    return value


def check_theme(theme: Any) -> None:
    if theme not in THEMES:
        msg = f"theme must be one of {THEMES}. Received: theme={theme!r}."
        raise ValueError(msg)


def screen_update(pad: Any, sync_data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Split a view's update into the values ``pad`` takes (``size`` first, ``_seq`` last)
    and, for the others, why they were refused; nothing is changed here."""
    accepted: dict[str, Any] = {}
    refused: dict[str, str] = {}
    size = pad.size
    for name in sorted(sync_data, key=update_order):
        value = sync_data[name]
        try:
            if name == "model_name":
                check_choice(value, pad._models, pad.model_name)
                accepted[name] = value
                continue
            if name in ANSWERS:
                raise traitlets.TraitError(answer_message(name))
            if name in _PAD_SETS:
                raise traitlets.TraitError(_PAD_SETS[name])
            if name == "_pixels":
                pixel_bytes(value, size)  # the size this update sets, if it sets one
            elif name in pad.keys:  # the trait's checks and the pad's @validate, nothing set
                from_json = pad.trait_metadata(name, "from_json", pad._trait_from_json)
                getattr(type(pad), name)._validate(pad, from_json(value, pad))
        except Exception as error:  # a view's value the pad cannot take
            refused[name] = str(error)
            continue
        accepted[name] = value
        if name == "size":
            size = value
    return accepted, refused


def refusal_text(refused: dict[str, str]) -> str:
    """What the status line says about the refused values of an update (empty: none)."""
    return " ".join(
        message if name in _SELF_EXPLAINED else f"DrawPad ignored {name}: {message}"
        for name, message in refused.items()
    )


_SELF_EXPLAINED = ("_pixels", "model_name", *ANSWERS)
"""The refused values whose message says by itself what the pad ignored."""


def check_choice(name: Any, menu: list[dict[str, str]], current: str) -> None:
    """Refuse a model a view chose that is not on the pad's picker (a view never names a
    file: what the kernel may read is Python's to say)."""
    names = [entry["name"] for entry in menu]
    if name not in names:
        msg = (
            f"The pad kept the {current!r} model: a view chose {name!r:.60}, expected one of "
            f"{', '.join(map(repr, names))}."
        )
        raise traitlets.TraitError(msg)


def switch_failed(name: str, current: str, error: Exception) -> str:
    """What the status line says when a model chosen in a view failed."""
    return (
        f"The pad kept the {current!r} model: switching to {name!r} failed "
        f"({type(error).__name__}: {str(error)[:300]})."
    )


def view_problem(error: Exception | None) -> str:
    """Why the inside view is empty though the model answers ("" when it is not)."""
    if error is None:
        return ""
    return (
        f"The inside view cannot show this model ({type(error).__name__}: "
        f"{str(error)[:200]}); the prediction is still the model's."
    )


def names_to_resend(refused: dict[str, str], synced: list[str]) -> list[str]:
    """The synced values to send back to the views in place of the refused ones."""
    names = [name for name in refused if name in synced]
    if "_pixels" in refused and "size" not in names:
        names.append("size")  # the view may have drawn at a size the pad no longer has
    return names


_PAD_SETS = {
    "_ack": "the pad sets it, to acknowledge each update from a view.",
    "_limits": "the pad sets it: the ranges and defaults its views use.",
    "_models": "the pad sets it: the models its picker lists.",
    "_teach_counts": "the pad sets it: how many drawings of each digit it was taught.",
    "_teach_ack": "the pad sets it, to acknowledge a drawing a view labelled.",
    "_learn": "the pad sets it: how learning goes and what it changed.",
    "_learn_images": "the pad sets it: the drawings of the error gallery.",
}


def update_order(name: str) -> int:
    """Where a value goes in an update: ``size`` first (a drawing is checked against it),
    ``_seq`` last (it acknowledges the rest)."""
    return {"size": 0, "_seq": 2}.get(name, 1)


def to_canvas_bytes(image: Any, size: int) -> bytes:
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
