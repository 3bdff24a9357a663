"""Saliency: which input pixels push a class score up or down, by backpropagation in NumPy.

For an image ``x`` and a class ``c`` the saliency map is the gradient ``d z_c / d x`` of
the class's score with respect to every input pixel. A positive value means "more ink
here would raise the score of ``c``", a negative one "more ink here would lower it".

The score is the class's **logit** ``z_c``, the input of the final softmax, by default.
The probability ``p_c = softmax(z)_c`` is available too (``score="probability"``), but its
gradient ``p_c * (dz_c/dx - sum_j p_j dz_j/dx)`` vanishes once the network is sure
(``p_c`` near 1) and mixes in every other class, so it shows less of what the network
found for ``c`` itself.

The gradient is computed the way a training framework would, written out by hand:
a forward pass in float64 that keeps every layer's input and pre-activation, then the
chain rule backwards, layer by layer:

* Dense ``a = f(x @ W + b)``: ``dL/dz = f'(z) * dL/da``, ``dL/dx = dL/dz @ W.T``
* Activation ``a = f(x)``: ``dL/dx = f'(x) * dL/da``
* Rescaling ``y = x * scale + offset``: ``dL/dx = scale * dL/dy``
* Flatten reshapes the gradient back; InputLayer and Dropout (inference) pass it through.

Example:
    >>> model = load_model()
    >>> s = saliency(model, image)  # image: (28, 28) in [0, 1]
    >>> s.shape
    (28, 28)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np

from digitwidget.nn.activation_layers import Activation
from digitwidget.nn.activations import softmax
from digitwidget.nn.fast.inputs import InputConverter
from digitwidget.nn.layers import Dense, Dropout, Flatten, InputLayer, Layer, Rescaling


class Model(Protocol):
    """What saliency reads of a model (:class:`digitwidget.nn.Model` has it)."""

    layers: list[Layer]
    input_shape: tuple[int, ...]
    metadata: dict[str, Any]


Score = Literal["logit", "probability"]
_PASS_THROUGH = (InputLayer, Dropout)


@dataclass
class _Step:
    """What the backward pass needs from one layer of the forward pass."""

    layer: Layer
    inputs: np.ndarray  # (batch, *input shape)
    pre: np.ndarray | None = None  # Dense: x @ W + b, before the activation
    output: np.ndarray | None = None
    linear: bool = False  # the final softmax is left out: the step ends at the logits


def _softmax_index(layers: list[Layer]) -> int | None:
    """Index of the layer whose softmax makes the probabilities, or None for a logits model."""
    for i in range(len(layers) - 1, -1, -1):
        layer = layers[i]
        if isinstance(layer, Dropout):
            continue
        activation = getattr(layer, "activation", None)
        return i if activation is not None and activation.name == "softmax" else None
    return None


def _forward(model: Model, x: np.ndarray) -> tuple[list[_Step], np.ndarray]:
    """Run the layers in float64 up to the logits; return the steps and ``(batch, classes)`` logits."""
    end = _softmax_index(model.layers)
    steps = []
    for i, layer in enumerate(model.layers if end is None else model.layers[: end + 1]):
        step = _Step(layer, x, linear=i == end)
        if isinstance(layer, Dense):
            step.pre = x @ layer.kernel.astype(np.float64)
            if layer.bias is not None:
                step.pre += layer.bias
            x = step.pre if step.linear else layer.activation(step.pre)
        elif isinstance(layer, Activation):
            x = x if step.linear else layer.activation(x)
        elif isinstance(layer, Rescaling):
            x = x * layer.scale + layer.offset
        elif isinstance(layer, Flatten):
            x = x.reshape(len(x), -1)
        elif not isinstance(layer, _PASS_THROUGH):
            msg = (
                f"saliency supports Dense, Activation, Flatten, InputLayer, Dropout and "
                f"Rescaling layers. Received: layer {layer.name!r} of type {type(layer).__name__}."
            )
            raise NotImplementedError(msg)
        step.output = x
        steps.append(step)
    return steps, x


def _backward(steps: list[_Step], grad: np.ndarray) -> np.ndarray:
    """Apply the chain rule from the logits back to the network's input."""
    for step in reversed(steps):
        layer = step.layer
        if isinstance(layer, Dense):
            if not step.linear:
                grad = layer.activation.backward(grad, step.pre, step.output)
            grad = grad @ layer.kernel.T.astype(np.float64)
        elif isinstance(layer, Activation) and not step.linear:
            grad = layer.activation.backward(grad, step.inputs, step.output)
        elif isinstance(layer, Rescaling):
            grad = grad * layer.scale
        elif isinstance(layer, Flatten):
            grad = grad.reshape(step.inputs.shape)
    return grad


def _as_unit_batch(model: Model, x: np.ndarray) -> np.ndarray:
    """Images -> float64 ``(batch, *input_shape)`` in [0, 1] (ink = 1).

    They are checked as :meth:`Model.predict_proba` checks them: shape, dtype, range, NaN.
    """
    batch, _ = InputConverter(model.input_shape)(x)
    return batch.astype(np.float64)


def _targets(target: int | np.ndarray | None, logits: np.ndarray) -> np.ndarray:
    """The class of each sample: given, or the predicted one; int ``(batch,)``."""
    classes = logits.shape[1]
    if target is None:
        return np.argmax(logits, axis=1)
    labels = np.broadcast_to(np.asarray(target), (len(logits),))
    if labels.dtype.kind not in "iu" or labels.min() < 0 or labels.max() >= classes:
        msg = f"target must be a class index 0..{classes - 1} (or one per image). Received: target={target!r}."
        raise ValueError(msg)
    return labels.astype(np.int64)


def saliency(
    model: Model,
    x: np.ndarray,
    target: int | np.ndarray | None = None,
    score: Score = "logit",
) -> np.ndarray:
    """The gradient of a class score with respect to the input pixels.

    Args:
        model: A :class:`~digitwidget.nn.Model` of Dense, Activation, Flatten,
            InputLayer, Dropout and Rescaling layers.
        x: One image ``(28, 28)`` / ``(784,)`` or a batch ``(batch, 28, 28)`` /
            ``(batch, 784)``; float in [0, 1] (ink = 1) or uint8 0..255.
        target: The class whose score is explained: an int, one int per image, or None
            for each image's predicted class.
        score: ``"logit"`` (default) for ``z_c``, the pre-softmax score, or
            ``"probability"`` for ``p_c = softmax(z)_c``.

    Returns:
        float64 ``d score / d x`` in the shape of ``x``, per unit of ink in [0, 1]
        (a model reading 0..255 bytes gets its factor 255 applied by the chain rule).

    Raises:
        ValueError: for a wrong shape, dtype, target or score.
        NotImplementedError: for a layer type the backward pass does not know.
    """
    if score not in ("logit", "probability"):
        msg = f"score must be 'logit' or 'probability'. Received: score={score!r}."
        raise ValueError(msg)
    shape = np.shape(x)
    batch = _as_unit_batch(model, x)
    byte_scale = model.metadata.get("input_scale") == "byte"
    steps, logits = _forward(model, batch * 255.0 if byte_scale else batch)
    labels = _targets(target, logits)
    grad = np.zeros_like(logits)
    grad[np.arange(len(logits)), labels] = 1.0
    if score == "probability":
        p = softmax(logits)
        grad = p * (grad - np.sum(grad * p, axis=1, keepdims=True))
    grad = _backward(steps, grad)
    if byte_scale:
        grad = grad * 255.0
    return grad.reshape(shape)
