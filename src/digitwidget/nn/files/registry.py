"""The layer classes the engine knows, by their Keras class names."""

from __future__ import annotations

from typing import Any

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

LAYER_CLASSES: dict[str, type[Layer]] = {
    cls.__name__: cls
    for cls in (
        InputLayer,
        Flatten,
        Dropout,
        Rescaling,
        Dense,
        Activation,
        ReLU,
        LeakyReLU,
        Softmax,
        ELU,
        Conv2D,
        DepthwiseConv2D,
        SeparableConv2D,
        MaxPooling2D,
        AveragePooling2D,
        GlobalAveragePooling2D,
        GlobalMaxPooling2D,
        BatchNormalization,
        Reshape,
        ZeroPadding2D,
    )
}


def layer_class(class_name: str, name: str) -> type[Layer]:
    """The class of a layer by its Keras class name.

    Raises:
        ValueError: for Lambda or any unknown layer class.
    """
    if class_name == "Lambda":
        msg = (
            f"Layer {name!r} is a Lambda layer, which holds arbitrary Python code; it is "
            "never loaded. Rewrite it with built-in layers (e.g. Activation, Rescaling)."
        )
        raise ValueError(msg)
    cls = LAYER_CLASSES.get(class_name)
    if cls is None:
        msg = (
            f"Layer {name!r} has unsupported class {class_name!r}. "
            f"Expected one of {sorted(LAYER_CLASSES)}."
        )
        raise ValueError(msg)
    return cls


def layer_from_config(
    class_name: str, name: str, config: dict[str, Any], weights: dict[str, Any]
) -> Layer:
    """Build a known layer from its class name, config and named weights.

    Raises:
        ValueError: for Lambda or any unknown layer class, or weights on a layer that has none.
    """
    cls = layer_class(class_name, name)
    if weights and not cls.weight_names:
        msg = f"Layer {name!r} ({class_name}) has no weights. Received: {sorted(weights)}."
        raise ValueError(msg)
    if not isinstance(config, dict):
        msg = f"Layer {name!r}: config must be a JSON object. Received: {config!r}."
        raise ValueError(msg)
    return cls.from_config(name, config, weights)
