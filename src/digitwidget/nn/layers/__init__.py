"""The layers, named and configured as Keras names them; one module per family.

Every layer holds everything about itself (the contract is :class:`Layer`, in ``base``):
inference ``layer(x)``, ``forward``/``backward`` for gradients, its weights, its config,
how its weights sit in a ``.keras`` file, and the facts other parts of the engine ask.
Adding a layer is one class in one module, listed here and in ``files.registry``.
"""

from digitwidget.nn.layers.activation import ELU, Activation, LeakyReLU, ReLU, Softmax
from digitwidget.nn.layers.base import Cache, Gradients, Layer, Shape
from digitwidget.nn.layers.core import Dropout, Flatten, InputLayer, Rescaling
from digitwidget.nn.layers.dense import Dense

__all__ = [
    "ELU",
    "Activation",
    "Cache",
    "Dense",
    "Dropout",
    "Flatten",
    "Gradients",
    "InputLayer",
    "Layer",
    "LeakyReLU",
    "ReLU",
    "Rescaling",
    "Shape",
    "Softmax",
]
