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
    return cases


def _built(model: Any) -> Any:
    model.build((None, 784))
    return model


def _functional(keras: Any) -> Any:
    inputs = keras.Input((784,), name="pixels")
    x = _dense(keras, 20, "relu", name="Hidden")(inputs)
    x = keras.layers.Dropout(0.1, name="drop")(x)
    outputs = _dense(keras, 10, "softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name="chain")


def save_all(directory: Path, seed: int = 0) -> dict[str, tuple[Path, Any, tuple[int, ...]]]:
    """Build every case with a fixed seed and save it as ``<case>.keras``."""
    import keras

    result = {}
    for name, (build, shape) in builders(keras).items():
        keras.utils.set_random_seed(seed)
        model = build()
        path = directory / f"{name}.keras"
        model.save(path)
        result[name] = (path, model, shape)
    return result


def keras_output(model: Any, x: np.ndarray) -> np.ndarray:
    """The Keras model's inference output as a NumPy array."""
    return np.asarray(model(x, training=False))
