"""Small Keras models for the engine's oracle tests (imports keras only when called)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ACTIVATION_NAMES = [
    "linear",
    "relu",
    "sigmoid",
    "tanh",
    "softmax",
    "elu",
    "selu",
    "gelu",
    "silu",
    "swish",
    "softplus",
    "leaky_relu",
]


def _dense(keras: Any, units: int, activation: Any = None, **kwargs: Any) -> Any:
    return keras.layers.Dense(
        units, activation=activation, bias_initializer="random_normal", **kwargs
    )


def builders(keras: Any) -> dict[str, tuple[Callable[[], Any], tuple[int, ...]]]:
    """Model builders by case name, with the input shape of one sample."""
    L = keras.layers
    seq = keras.Sequential
    cases: dict[str, tuple[Callable[[], Any], tuple[int, ...]]] = {
        "mnist_784_128_256_10": (
            lambda: seq(
                [
                    keras.Input((784,)),
                    _dense(keras, 128, "relu"),
                    _dense(keras, 256, "relu"),
                    _dense(keras, 10, "softmax"),
                ]
            ),
            (784,),
        ),
        "logits": (
            lambda: seq([keras.Input((784,)), _dense(keras, 32, "relu"), _dense(keras, 10)]),
            (784,),
        ),
        "bytes_rescaling_flatten": (
            lambda: seq(
                [
                    keras.Input((28, 28)),
                    L.Rescaling(1 / 255),
                    L.Flatten(),
                    _dense(keras, 16, "tanh"),
                    _dense(keras, 10, "softmax"),
                ]
            ),
            (28, 28),
        ),
        "rescaling_offset": (
            lambda: seq(
                [keras.Input((784,)), L.Rescaling(2.0, offset=-1.0), _dense(keras, 10, "softmax")]
            ),
            (784,),
        ),
        "dropout": (
            lambda: seq(
                [
                    keras.Input((784,)),
                    _dense(keras, 64, "relu"),
                    L.Dropout(0.5),
                    _dense(keras, 10),
                    L.Dropout(0.2),
                ]
            ),
            (784,),
        ),
        "no_bias": (
            lambda: seq(
                [
                    keras.Input((784,)),
                    L.Dense(24, use_bias=False, activation="relu"),
                    _dense(keras, 10),
                ]
            ),
            (784,),
        ),
        "activation_layers": (
            lambda: seq(
                [
                    keras.Input((784,)),
                    _dense(keras, 32),
                    L.Activation("gelu"),
                    _dense(keras, 32),
                    L.ReLU(max_value=0.5, negative_slope=0.1, threshold=0.2),
                    _dense(keras, 32),
                    L.LeakyReLU(negative_slope=0.05),
                    _dense(keras, 32),
                    L.ELU(alpha=0.7),
                    _dense(keras, 10),
                    L.Softmax(),
                ]
            ),
            (784,),
        ),
        "built_without_input": (
            lambda: _built(seq([_dense(keras, 16, "relu"), _dense(keras, 10)])),
            (784,),
        ),
        "functional_chain": (lambda: _functional(keras), (784,)),
    }
    for name in ACTIVATION_NAMES:
        cases[f"dense_{name}"] = (
            lambda name=name: seq(
                [keras.Input((784,)), _dense(keras, 16, name), _dense(keras, 10)]
            ),
            (784,),
        )
    return cases | cnn_builders(keras)


SMALL_CNN_PARAMETERS = 421_642


def small_cnn(keras: Any) -> Any:
    """The classic MNIST CNN: two 3x3 convolutions with max pooling, then two Dense layers."""
    L = keras.layers
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            _conv(keras, 32, 3, activation="relu", padding="same"),
            L.MaxPooling2D(2),
            _conv(keras, 64, 3, activation="relu", padding="same"),
            L.MaxPooling2D(2),
            L.Flatten(),
            _dense(keras, 128, "relu"),
            _dense(keras, 10, "softmax"),
        ]
    )


def _conv(keras: Any, filters: int, kernel_size: Any, **kwargs: Any) -> Any:
    return keras.layers.Conv2D(filters, kernel_size, bias_initializer="random_normal", **kwargs)


def _depthwise(keras: Any, kernel_size: Any, **kwargs: Any) -> Any:
    return keras.layers.DepthwiseConv2D(kernel_size, bias_initializer="random_normal", **kwargs)


def _separable(keras: Any, filters: int, kernel_size: Any, **kwargs: Any) -> Any:
    return keras.layers.SeparableConv2D(
        filters, kernel_size, bias_initializer="random_normal", **kwargs
    )


def with_moving_statistics(model: Any, seed: int = 0) -> Any:
    """The model with every BatchNormalization's weights random (variance in [0.5, 2]),
    so that inference differs from the identity a fresh layer is."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if type(layer).__name__ != "BatchNormalization":
            continue
        values = {
            "gamma": lambda s: rng.normal(1, 0.3, s),
            "beta": lambda s: rng.normal(0, 0.3, s),
            "moving_mean": lambda s: rng.normal(0, 0.5, s),
            "moving_variance": lambda s: rng.uniform(0.5, 2.0, s),
        }
        layer.set_weights([values[w.name](tuple(w.shape)) for w in layer.weights])
    return model


def _image_model(keras: Any, shape: tuple[int, ...], *layers: Any, head: int = 10) -> Any:
    """``Input(shape) -> layers -> Flatten -> Dense(head, softmax)``, BN statistics set."""
    model = keras.Sequential(
        [
            keras.Input(shape),
            *layers,
            keras.layers.Flatten(),
            _dense(keras, head, "softmax"),
        ]
    )
    return with_moving_statistics(model)


def cnn_builders(keras: Any) -> dict[str, tuple[Callable[[], Any], tuple[int, ...]]]:
    """Convolutional model builders by case name, with the input shape of one sample."""
    L = keras.layers
    image = (28, 28, 1)

    def case(shape: tuple[int, ...], *layers: Callable[[], Any]) -> Any:
        return (lambda: _image_model(keras, shape, *(make() for make in layers)), shape)

    return {
        "cnn_small": (lambda: small_cnn(keras), image),
        "cnn_stride2_same_28": case(
            image, lambda: _conv(keras, 4, 3, strides=2, padding="same", activation="relu")
        ),
        "cnn_stride2_same_27": case(
            (27, 27, 1), lambda: _conv(keras, 4, 3, strides=2, padding="same", activation="relu")
        ),
        "cnn_stride2_valid_kernel4_27": case(
            (27, 27, 1), lambda: _conv(keras, 3, 4, strides=2, activation="tanh")
        ),
        "cnn_kernel_5x3_strides_2x1": case(
            image, lambda: _conv(keras, 3, (5, 3), strides=(2, 1), padding="same")
        ),
        "cnn_dilation": case(
            image,
            lambda: _conv(keras, 4, 3, dilation_rate=2, activation="relu"),
            lambda: _conv(keras, 4, 3, dilation_rate=(1, 3), padding="same"),
        ),
        "cnn_groups": case(
            image,
            lambda: _conv(keras, 6, 3, activation="relu"),
            lambda: _conv(keras, 6, 3, groups=3, strides=2, activation="relu"),
            lambda: _conv(keras, 4, 1, groups=2, use_bias=False),
        ),
        "cnn_depthwise": case(
            image,
            lambda: _conv(keras, 3, 3, activation="relu"),
            lambda: _depthwise(keras, 3, depth_multiplier=1, padding="same"),
            lambda: _depthwise(keras, 3, depth_multiplier=2, strides=2, activation="relu"),
            lambda: _depthwise(keras, 2, depth_multiplier=3, use_bias=False),
        ),
        "cnn_depthwise_dilation": case(
            image,
            lambda: _depthwise(keras, 3, depth_multiplier=4, dilation_rate=2, padding="same"),
        ),
        "cnn_separable": case(
            image,
            lambda: _conv(keras, 3, 3, activation="relu"),
            lambda: _separable(keras, 6, 3, activation="relu"),
            lambda: _separable(keras, 4, 3, depth_multiplier=2, strides=2, padding="same"),
            lambda: _separable(keras, 4, 3, dilation_rate=2, use_bias=False),
        ),
        "cnn_batch_norm": case(
            image,
            lambda: _conv(keras, 4, 3),
            lambda: L.BatchNormalization(),
            lambda: L.ReLU(),
            lambda: _conv(keras, 4, 3),
            lambda: L.BatchNormalization(scale=False),
            lambda: _conv(keras, 4, 3),
            lambda: L.BatchNormalization(center=False, epsilon=0.01),
            lambda: _conv(keras, 4, 3),
            lambda: L.BatchNormalization(center=False, scale=False, epsilon=0.5),
        ),
        "cnn_batch_norm_dense": (
            lambda: with_moving_statistics(
                keras.Sequential(
                    [
                        keras.Input(image),
                        L.Flatten(),
                        _dense(keras, 16),
                        L.BatchNormalization(),
                        L.Activation("relu"),
                        _dense(keras, 10, "softmax"),
                    ]
                )
            ),
            image,
        ),
        "cnn_pooling_same": case(
            (27, 27, 1),
            lambda: _conv(keras, 3, 3, padding="same"),
            lambda: L.AveragePooling2D(2, padding="same"),
            lambda: L.MaxPooling2D(3, strides=2, padding="same"),
            lambda: L.AveragePooling2D(3, strides=1, padding="same"),
            lambda: L.MaxPooling2D(2, strides=1, padding="same"),
        ),
        "cnn_pooling_valid": case(
            (27, 27, 1),
            lambda: _conv(keras, 3, 3),
            lambda: L.MaxPooling2D(3),
            lambda: L.AveragePooling2D((2, 3), strides=(1, 2)),
        ),
        "cnn_global_average": (
            lambda: keras.Sequential(
                [
                    keras.Input(image),
                    _conv(keras, 8, 3, activation="relu"),
                    L.GlobalAveragePooling2D(),
                    _dense(keras, 10, "softmax"),
                ]
            ),
            image,
        ),
        "cnn_global_max_keepdims": case(
            image,
            lambda: _conv(keras, 8, 3, activation="relu"),
            lambda: L.GlobalMaxPooling2D(keepdims=True),
        ),
        "cnn_global_max_logits": (
            lambda: keras.Sequential(
                [
                    keras.Input(image),
                    _conv(keras, 10, 5, strides=2),
                    L.GlobalMaxPooling2D(),
                ]
            ),
            image,
        ),
        "cnn_reshape_from_28x28": case(
            (28, 28),
            lambda: L.Reshape((28, 28, 1)),
            lambda: _conv(keras, 4, 3, activation="relu"),
        ),
        "cnn_reshape_from_784_zero_padding": case(
            (784,),
            lambda: L.Reshape((28, 28, 1)),
            lambda: L.ZeroPadding2D(2),
            lambda: _conv(keras, 4, 5, activation="relu"),
            lambda: L.ZeroPadding2D(((1, 0), (2, 3))),
            lambda: _conv(keras, 4, 3, strides=2),
            lambda: L.ZeroPadding2D((1, 2)),
            lambda: L.Reshape((-1, 4)),
        ),
        "cnn_bytes_rescaling": case(
            (28, 28, 1),
            lambda: L.Rescaling(1 / 255),
            lambda: _conv(keras, 4, 3, strides=2, activation="relu"),
        ),
        "cnn_functional_chain": (lambda: _functional_cnn(keras), (28, 28)),
    }


def _functional_cnn(keras: Any) -> Any:
    L = keras.layers
    inputs = keras.Input((28, 28), name="digit")
    x = L.Reshape((28, 28, 1), name="add_channel")(inputs)
    x = _conv(keras, 6, 3, padding="same", name="conv_a")(x)
    x = L.BatchNormalization(name="norm")(x)
    x = L.Activation("relu", name="act")(x)
    x = L.MaxPooling2D(2, name="pool")(x)
    x = _depthwise(keras, 3, depth_multiplier=2, name="depthwise")(x)
    x = _separable(keras, 8, 3, strides=2, padding="same", name="separable")(x)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    x = L.Dropout(0.2, name="drop")(x)
    outputs = _dense(keras, 10, "softmax", name="probabilities")(x)
    return with_moving_statistics(keras.Model(inputs, outputs, name="cnn_chain"))


def _built(model: Any) -> Any:
    model.build((None, 784))
    return model


def _functional(keras: Any) -> Any:
    inputs = keras.Input((784,), name="pixels")
    x = _dense(keras, 20, "relu", name="Hidden")(inputs)
    x = keras.layers.Dropout(0.1, name="drop")(x)
    outputs = _dense(keras, 10, "softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="chain")


def save_all(
    directory: Path, seed: int = 0, cases: Callable[[Any], dict[str, Any]] | None = None
) -> dict[str, tuple[Path, Any, tuple[int, ...]]]:
    """Build every case (of ``builders``, or of ``cases``) with a fixed seed and save it
    as ``<case>.keras``."""
    import keras

    result = {}
    for name, (build, shape) in (cases or builders)(keras).items():
        keras.utils.set_random_seed(seed)
        model = build()
        path = directory / f"{name}.keras"
        model.save(path)
        result[name] = (path, model, shape)
    return result


def keras_output(model: Any, x: np.ndarray) -> np.ndarray:
    """The Keras model's inference output as a NumPy array."""
    return np.asarray(model(x, training=False))
