"""The NumPy inference engine: layers, activations, models and their files.

Example:
    >>> from digitwidget.nn import load_model
    >>> model = load_model("model.keras")
    >>> model.predict(images)  # images: (batch, 28, 28) floats in [0, 1]
"""

from digitwidget.nn.errors import ModelFileError
from digitwidget.nn.layers import (
    ELU,
    Activation,
    Dense,
    Dropout,
    Flatten,
    InputLayer,
    Layer,
    LeakyReLU,
    ReLU,
    Rescaling,
    Softmax,
)
from digitwidget.nn.loading import load_model, save_model
from digitwidget.nn.model import Model

__all__ = [
    "ELU",
    "Activation",
    "Dense",
    "Dropout",
    "Flatten",
    "InputLayer",
    "Layer",
    "LeakyReLU",
    "Model",
    "ModelFileError",
    "ReLU",
    "Rescaling",
    "Softmax",
    "load_model",
    "save_model",
]
