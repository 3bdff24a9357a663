"""A neuron traced down to the pixels: ``d neuron / d pixel``, by the layers' backward passes.

For the detail panel (:mod:`.detail`): which pixels of the drawing, inked a little more,
would raise (positive) or lower (negative) one neuron's output. A second pass through the
layers below the neuron, made only while the panel shows a neuron.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from digitwidget.nn.fast.inputs import InputConverter
from digitwidget.nn.model import Model


def trace(model: Model, index: int, unit: int, image: np.ndarray) -> dict[str, Any]:
    """``{"trace": d neuron / d pixel}``, 28 x 28 row-major, by the backward passes of
    the layers below the neuron; nothing for a model whose input is not 28 x 28 pixels or
    with a layer that has no backward pass."""
    byte_scale = model.metadata.get("input_scale") == "byte"
    x, _ = InputConverter(model.input_shape, byte_scale)(image)
    if x[0].size != 28 * 28:
        return {}
    layers = model.layers[: index + 1]
    try:
        caches = []
        for layer in layers:
            x, cache = layer.forward(x)
            caches.append(cache)
        grad = np.zeros(x.shape, np.float64)
        grad[0, unit] = 1.0
        for layer, cache in zip(reversed(layers), reversed(caches), strict=True):
            grad, _ = layer.backward(grad, cache, weight_grads=False)
    except NotImplementedError:
        return {}
    scale = 255.0 if byte_scale else 1.0  # per unit of ink in [0, 1]
    return {"trace": [float(f"{v:.6g}") for v in grad[0].reshape(-1) * scale]}
