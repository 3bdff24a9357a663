"""The NumPy engine: layers, activations, models, their files, and fine-tuning.

Example:
    >>> from digitwidget.nn import load_model
    >>> model = load_model("model.keras")
    >>> model.predict(images)  # images: (batch, 28, 28) floats in [0, 1]
    >>> mine = model.fine_tune(images, labels)  # backpropagation and Adam, in NumPy
    >>> mine.save("mine.keras")  # a Keras 3 file, written without Keras
"""

from digitwidget.nn.errors import ModelFileError
from digitwidget.nn.layers import (
    ELU,
    Activation,
    AveragePooling2D,
    BatchNormalization,
    Conv2D,
    Dense,
    DepthwiseConv2D,
    Dropout,
    Flatten,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D,
    InputLayer,
    Layer,
    LeakyReLU,
    MaxPooling2D,
    ReLU,
    Rescaling,
    Reshape,
    SeparableConv2D,
    Softmax,
    ZeroPadding2D,
)
from digitwidget.nn.loading import load_model, save_model
from digitwidget.nn.model import Model

__all__ = [
    "ELU",
    "Activation",
    "AveragePooling2D",
    "BatchNormalization",
    "Conv2D",
    "Dense",
    "DepthwiseConv2D",
    "Dropout",
    "Flatten",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "InputLayer",
    "Layer",
    "LeakyReLU",
    "MaxPooling2D",
    "Model",
    "ModelFileError",
    "ReLU",
    "Rescaling",
    "Reshape",
    "SeparableConv2D",
    "Softmax",
    "ZeroPadding2D",
    "load_model",
    "save_model",
]
