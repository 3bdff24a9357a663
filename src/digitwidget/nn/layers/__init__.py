"""The layers, named and configured as Keras names them; one module per family.

Every layer holds everything about itself (the contract is :class:`Layer`, in ``base``):
inference ``layer(x)``, ``forward``/``backward`` for gradients, its weights, its config,
how its weights sit in a ``.keras`` file, and the facts other parts of the engine ask.
Adding a layer is one class in one module, listed here and in ``files.registry``.
"""

from digitwidget.nn.layers.activation import ELU, Activation, LeakyReLU, ReLU, Softmax
from digitwidget.nn.layers.base import Cache, Gradients, Layer, Shape
from digitwidget.nn.layers.conv import Conv2D, DepthwiseConv2D, SeparableConv2D
from digitwidget.nn.layers.core import Dropout, Flatten, InputLayer, Rescaling
from digitwidget.nn.layers.dense import Dense
from digitwidget.nn.layers.normalization import BatchNormalization
from digitwidget.nn.layers.pooling import (
    AveragePooling2D,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D,
    MaxPooling2D,
)
from digitwidget.nn.layers.reshaping import Reshape, ZeroPadding2D

__all__ = [
    "ELU",
    "Activation",
    "AveragePooling2D",
    "BatchNormalization",
    "Cache",
    "Conv2D",
    "Dense",
    "DepthwiseConv2D",
    "Dropout",
    "Flatten",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "Gradients",
    "InputLayer",
    "Layer",
    "LeakyReLU",
    "MaxPooling2D",
    "ReLU",
    "Rescaling",
    "Reshape",
    "SeparableConv2D",
    "Shape",
    "Softmax",
    "ZeroPadding2D",
]
