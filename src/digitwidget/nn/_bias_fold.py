"""A ReLU layer's bias moved into the next layer: one pass over the activations fewer.

A Dense layer with ReLU computes ``relu(x @ W + b)``: a matrix product, then a pass that
adds ``b`` and a pass that clips at 0. Since ``max(z + b, 0) = max(z, -b) + b``, the two
passes can be one, ``h = max(x @ W, -b)``, if whatever reads ``h`` adds ``b`` back. When
that is the next Dense layer, the ``+ b`` disappears into its bias::

    (h + b) @ V + c  =  h @ V + (b @ V + c)

so the next layer keeps its formula, with the bias ``b @ V + c``. Only the workspace's
fast path uses this; :meth:`Model.forward`, which returns every layer's activations, runs
the layers as they are. On a block of 1,000 rows of the 784-128-256-10 network, adding
the bias and clipping took 30 + 40 µs for the first hidden layer and ``max(z, -b)`` 29
µs; 10,000 images went 2% faster in two interleaved runs.
"""

from __future__ import annotations

import copy

import numpy as np

from digitwidget.nn.layers import Dense, Layer


class DenseReluShifted(Layer):
    """``max(x @ kernel, -bias)``: a Dense ReLU layer's output minus its bias.

    Args:
        layer: The Dense layer with a plain ReLU (and a bias) that this one stands for.
    """

    def __init__(self, layer: Dense) -> None:
        super().__init__(layer.name)
        self.kernel = layer.kernel
        self.floor = -layer.bias
        self.bias = layer.bias  # what the next layer's bias makes up for

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        y = np.dot(x, self.kernel, out=out)
        return np.maximum(y, self.floor, out=y)


def fold_relu_biases(layers: list[Layer]) -> list[Layer]:
    """The layers with each Dense ReLU bias moved into the Dense layer right after it.

    Layers are never changed in place: a layer that changes is replaced by a new one.
    """
    folded = list(layers)
    for i in range(len(folded) - 1):
        layer, following = folded[i], folded[i + 1]
        if _plain_relu_with_bias(layer) and isinstance(following, Dense):
            folded[i] = shifted = DenseReluShifted(layer)
            folded[i + 1] = _with_extra_bias(following, shifted.bias)
    return folded


def _plain_relu_with_bias(layer: Layer) -> bool:
    return (
        type(layer) is Dense
        and layer.bias is not None
        and layer.activation.name == "relu"
        and not layer.activation.params
    )


def _with_extra_bias(layer: Dense, incoming: np.ndarray) -> Dense:
    """``layer`` reading ``h`` where it read ``h + incoming``: its bias grows by ``incoming @ kernel``."""
    bias = incoming.astype(np.float64) @ layer.kernel.astype(np.float64)
    if layer.bias is not None:
        bias += layer.bias
    moved = copy.copy(layer)  # shares the kernel
    moved.bias = bias.astype(np.float32)
    return moved
