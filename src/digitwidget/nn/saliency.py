"""One pass that explains an image: its probabilities, every layer's activation and a saliency map.

For an image ``x`` and a class ``c`` the saliency map is the gradient ``d z_c / d x`` of
the class's score with respect to every input pixel. A positive value means "more ink
here would raise the score of ``c``", a negative one "more ink here would lower it".

The score is the class's **logit** ``z_c``, the input of the final softmax, by default.
The probability ``p_c = softmax(z)_c`` is available too (``score="probability"``), but its
gradient ``p_c * (dz_c/dx - sum_j p_j dz_j/dx)`` vanishes once the network is sure
(``p_c`` near 1) and mixes in every other class, so it shows less of what the network
found for ``c`` itself.

The pass is the chain rule, written as a loop over the layers' own backward passes::

    layers = logit_layers(model.layers)        # the final softmax left out: ends at z
    for layer in layers:                       # forward, as Model.forward computes it
        x, cache = layer.forward(x)
    grad = one_hot(c)                          # dz_c/dz
    for layer, cache in reversed(...):         # backward, in float64
        grad, _ = layer.backward(grad, cache, weight_grads=False)

Each image goes through on its own, as one image: the forward pass is then the very
float32 arithmetic of ``Model.forward`` and ``Model.predict_proba`` on that image, and an
image's saliency does not depend on the others in its batch.

Example:
    >>> model = load_model()
    >>> probabilities, activations, s = explain(model, image)  # image: (28, 28) in [0, 1]
    >>> s.shape
    (28, 28)
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple, Protocol

import numpy as np

from digitwidget.nn.activations import get_activation, softmax
from digitwidget.nn.calibration import temperature_of
from digitwidget.nn.fast.inputs import InputConverter
from digitwidget.nn.layers import Cache, Layer

Score = Literal["logit", "probability"]
_SOFTMAX = get_activation("softmax")


class Model(Protocol):
    """What the pass reads of a model (:class:`digitwidget.nn.Model` has it)."""

    layers: list[Layer]
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    metadata: dict[str, Any]


class Explanation(NamedTuple):
    """What one pass finds for an image (or, row by row, a batch of them)."""

    probabilities: np.ndarray
    """float32 ``(classes,)`` or ``(batch, classes)``: what ``predict_proba`` gives."""
    activations: dict[str, np.ndarray]
    """``{layer name: output}``: what ``forward(x, return_activations=True)`` gives."""
    saliency: np.ndarray
    """float64 ``d score / d x`` in the shape of ``x``, per unit of ink in [0, 1]."""


def softmax_index(layers: list[Layer]) -> int | None:
    """Index of the layer whose softmax makes the probabilities, or None for a logits model.

    That is the last layer that is not an identity at inference, if it ends in softmax.
    """
    for i in range(len(layers) - 1, -1, -1):
        if not layers[i].is_identity:
            activation = layers[i].activation
            return i if activation is not None and activation.name == "softmax" else None
    return None


def logit_layers(layers: list[Layer]) -> list[Layer]:
    """The layers from the input to the logits ``z``: the final softmax left out.

    The layer that applies it is replaced by itself without its activation (sharing its
    weights); the identity layers after it are dropped.
    """
    end = softmax_index(layers)
    return list(layers) if end is None else [*layers[:end], layers[end].without_activation()]


def _check_score(score: str) -> None:
    if score not in ("logit", "probability"):
        msg = f"score must be 'logit' or 'probability'. Received: score={score!r}."
        raise ValueError(msg)


def _targets(target: int | np.ndarray | None, batch: int, classes: int) -> np.ndarray | None:
    """The class of each sample, int ``(batch,)``, or None for each one's predicted class."""
    if target is None:
        return None
    labels = np.broadcast_to(np.asarray(target), (batch,))
    if labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= classes:
        msg = f"target must be a class index 0..{classes - 1} (or one per image). Received: target={target!r}."
        raise ValueError(msg)
    return labels.astype(np.int64)


def _one_image(
    layers: list[Layer], x: np.ndarray, target: int | None, score: Score, temperature: float
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """``x``: ``(1, *input_shape)`` as the network reads it -> ``(p, activations, dscore/dx)``."""
    caches: list[Cache] = []
    activations = {}
    for layer in layers:
        x, cache = layer.forward(x)
        caches.append(cache)
        activations[layer.name] = x[0]
    logits = x
    if temperature != 1.0:  # p = softmax(z / T): calibrated, as predict_proba gives it
        logits = logits / np.float32(temperature)
    probabilities = softmax(logits)  # as the last layer or predict_proba applies it
    grad = np.zeros(logits.shape, np.float64)
    grad[0, int(np.argmax(logits)) if target is None else target] = 1.0
    if score == "probability":  # d p_c / dz = softmax'(z / T) / T
        grad = _SOFTMAX.backward(grad, logits, probabilities) / temperature
    for layer, cache in zip(reversed(layers), reversed(caches), strict=True):
        grad, _ = layer.backward(grad, cache, weight_grads=False)
    return probabilities[0], activations, grad[0]


def explain(
    model: Model,
    x: np.ndarray,
    target: int | np.ndarray | None = None,
    score: Score = "logit",
) -> Explanation:
    """Probabilities, activations and saliency of one image (or of each in a batch), in one pass.

    Args:
        model: A :class:`~digitwidget.nn.Model` whose layers all have a backward pass.
        x: One image ``(28, 28)`` / ``(784,)`` or a batch ``(batch, 28, 28)`` /
            ``(batch, 784)``; float in [0, 1] (ink = 1) or uint8 0..255.
        target: The class whose score is explained: an int, one int per image, or None
            for each image's predicted class.
        score: ``"logit"`` (default) for ``z_c``, the pre-softmax score, or
            ``"probability"`` for ``p_c = softmax(z / T)_c``, with the model's
            temperature ``T`` (1 when it has none).

    Returns:
        An :class:`Explanation`; one image's arrays have no batch axis. A batch is
        explained image by image, each exactly as it would be alone.

    Raises:
        ValueError: for a wrong shape, dtype, target or score.
        NotImplementedError: for a layer without a backward pass.
    """
    _check_score(score)
    temperature = temperature_of(model.metadata)
    byte_scale = model.metadata.get("input_scale") == "byte"
    batch, single = InputConverter(model.input_shape, byte_scale)(x)
    labels = _targets(target, len(batch), model.output_shape[0])
    layers = logit_layers(model.layers)
    end = softmax_index(model.layers)
    after_softmax = [] if end is None else [layer.name for layer in model.layers[end:]]
    probabilities, activations, grads = [], [], []
    for i in range(len(batch)):
        label = None if labels is None else int(labels[i])
        p, acts, grad = _one_image(layers, batch[i : i + 1], label, score, temperature)
        if after_softmax:  # what forward gives these layers: the softmax of z, uncalibrated
            raw = p if temperature == 1.0 else softmax(acts[after_softmax[0]][None])[0]
            acts.update(dict.fromkeys(after_softmax, raw))
        probabilities.append(p)
        activations.append(acts)
        grads.append(grad * 255.0 if byte_scale else grad)
    saliency = np.stack(grads).reshape(np.shape(x))
    if single:
        return Explanation(probabilities[0], activations[0], saliency)
    stacked = {name: np.stack([acts[name] for acts in activations]) for name in activations[0]}
    return Explanation(np.stack(probabilities), stacked, saliency)


def saliency(
    model: Model,
    x: np.ndarray,
    target: int | np.ndarray | None = None,
    score: Score = "logit",
) -> np.ndarray:
    """The gradient of a class score with respect to the input pixels.

    The saliency of :func:`explain`: float64 ``d score / d x`` in the shape of ``x``, per
    unit of ink in [0, 1] (a model reading 0..255 bytes gets its factor 255 applied by
    the chain rule). Arguments and errors as for :func:`explain`.
    """
    return explain(model, x, target, score).saliency
