"""The layers ``predict_proba`` runs: the model's, rewritten to do less work.

**The activation after the max-pooling.** When a layer's activation never decreases
(ReLU, sigmoid, tanh, ...), ``f(max(S)) = max(f(S))`` for every window ``S``, so

    conv (relu) -> max-pool      computes exactly what      conv (linear) -> max-pool -> relu

and the second runs ReLU over a quarter of the values (2x2 pooling); the results are
bitwise equal.

**BatchNormalization folded into the layer before it.** At inference BN is an affine map
per channel, ``y = z * s + t``. After a convolution or Dense whose activation is linear
(``Conv2D(use_bias=False)``, BN, ReLU: the usual pattern) it folds into that layer's
weights, ``kernel * s`` per output channel and ``bias * s + t``: one layer and one pass
fewer, the outputs moved by float32 rounding only (folded in float64).

**3x3 convolutions as Winograd's F(2x2, 3x3)** (:mod:`~digitwidget.nn.fast.winograd`):
2.25x fewer multiplications, and a 2x2 max-pooling right after taken from its tiles; the
outputs moved by float32 rounding.

The rewrites ask the layers (:meth:`~digitwidget.nn.layers.Layer.as_affine`,
``with_affine_after``, ``takes_maxima``, ``without_activation``, ``as_convolution``,
``max_pool_window``), never their classes.
:meth:`~digitwidget.nn.Model.forward`, ``explain`` and training run the model's own layers.
A folded layer holds weights computed when the workspace is made: a model whose weights
change is a new model, with a new workspace.

"""

from __future__ import annotations

from digitwidget.nn.fast.winograd import layers_with_winograd
from digitwidget.nn.layers import Activation, Layer, Shape


def for_inference(layers: list[Layer], shapes: list[Shape]) -> tuple[list[Layer], list[Shape]]:
    """The layers and output shapes ``predict_proba`` runs (module doc): the same function."""
    return layers_with_winograd(*activate_after_pooling(*fold_batch_norms(layers, shapes)))


def fold_batch_norms(layers: list[Layer], shapes: list[Shape]) -> tuple[list[Layer], list[Shape]]:
    """Each per-channel affine layer (BatchNormalization) folded into the layer before it,
    where that layer can take it."""
    folded: list[Layer] = []
    folded_shapes: list[Shape] = []
    for layer, shape in zip(layers, shapes, strict=True):
        affine = layer.as_affine()
        merged = folded[-1].with_affine_after(*affine) if folded and affine else None
        if merged is not None:
            folded[-1], folded_shapes[-1] = merged, shape
            continue
        folded.append(layer)
        folded_shapes.append(shape)
    return folded, folded_shapes


def activate_after_pooling(
    layers: list[Layer], shapes: list[Shape]
) -> tuple[list[Layer], list[Shape]]:
    """Each never-decreasing activation followed by a max-pooling moved after the pooling."""
    moved: list[Layer] = []
    moved_shapes: list[Shape] = []
    for i, (layer, shape) in enumerate(zip(layers, shapes, strict=True)):
        moved.append(layer)
        moved_shapes.append(shape)
        before = layers[i - 1] if i else None
        if layer.takes_maxima and before is not None and _can_move(before):
            assert before.activation is not None  # for the type checker: _can_move saw it
            if before.weights:  # a convolution, say: its weighted sums, then the pooling
                moved[-2] = before.without_activation()
                moved.append(
                    Activation(f"{before.name}/{before.activation.name}", before.activation)
                )
                moved_shapes.append(shape)
            else:  # a layer that is its activation alone (ReLU): the two swap places
                moved[-2:] = [layer, before]
                moved_shapes[-2] = shape
    return moved, moved_shapes


def _can_move(layer: Layer) -> bool:
    activation = layer.activation
    return activation is not None and activation.name != "linear" and activation.never_decreases
