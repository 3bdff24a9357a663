"""A drawing read by the model: the answer and the inside view's message, from one pass."""

from __future__ import annotations

import contextlib
from typing import Any, NamedTuple

import numpy as np

from digitwidget.nn.fast.blas import OPENBLAS
from digitwidget.nn.model import Model
from digitwidget.widget.inside.layers import shown_layers
from digitwidget.widget.inside.message import pack_message


class Reading(NamedTuple):
    """A drawing read by the model, with the inside view's message, from one pass."""

    probabilities: np.ndarray
    """``(classes,)``: what ``model.predict_proba(image)`` gives, to float32 rounding."""
    data: bytes
    """The inside view's message (see :mod:`.message`); empty when there is nothing to show."""
    error: Exception | None
    """Why the view is empty although the model answered, or None."""
    image: np.ndarray | None = None
    """The ``(28, 28)`` image the model read."""
    activations: dict[str, np.ndarray] | None = None
    """Every layer's output for ``image``, from the same pass: the detail panel's numbers."""


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
    shown = shown_layers(model)
    if not shown:
        return Reading(model.predict_proba(image), b"", None, image)
    probabilities, activations, grad = _one_pass(model, image)
    try:
        data = pack_message(shown, activations, grad)
    except Exception as error:  # the view cannot show it; the answer stands
        return Reading(probabilities, b"", error, image, activations)
    return Reading(probabilities, data, None, image, activations)


def _one_pass(
    model: Model, image: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """``(probabilities, activations, saliency)``; without a saliency (zeros) when a layer
    has no backward pass.

    One image's products are small: on one BLAS thread they never wait for a second
    thread to find a core (the browser and the server share the machine), as
    ``predict_proba`` does for a few images.
    """
    single = OPENBLAS.single() if OPENBLAS is not None else contextlib.nullcontext()
    try:
        with single:
            return model.explain(image)
    except NotImplementedError:
        _, activations = model.forward(image, return_activations=True)
        return model.predict_proba(image), activations, np.zeros(np.shape(image))


def pack(model: Any, image: np.ndarray) -> bytes:
    """The inside view of ``model`` reading ``image``, as one message (see :mod:`.message`).

    Args:
        model: The engine model.
        image: ``(28, 28)`` float32 in [0, 1], the preprocessed drawing.

    Returns:
        The packed bytes; empty when the model cannot be looked inside. :func:`read`
        gives them together with the probabilities, from the same pass.
    """
    if not shown_layers(model):
        return b""
    reading = read(model, image)
    if reading.error is not None:
        raise reading.error
    return reading.data
