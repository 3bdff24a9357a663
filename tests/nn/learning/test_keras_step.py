"""Fine-tuning steps against Keras: the same batch, the same weights, the same Adam (1e-5).

Keras computes the loss with ``training=False`` (BatchNormalization on its moving
statistics, Dropout off), as fine-tuning does, and applies ``keras.optimizers.Adam``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from digitwidget.nn import load_model

pytestmark = pytest.mark.tf


def _dense(keras: Any) -> Any:
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((28, 28)),
            layers.Flatten(),
            layers.Dense(32, activation="relu", bias_initializer="random_normal"),
            layers.Dropout(0.3),
            layers.Dense(16, activation="tanh", bias_initializer="random_normal"),
            layers.Dense(10, activation="softmax", bias_initializer="random_normal"),
        ]
    )


def _cnn(keras: Any) -> Any:
    from tests.nn._keras_models import with_moving_statistics

    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input((28, 28)),
            layers.Reshape((28, 28, 1)),
            layers.Conv2D(4, 3, padding="same", bias_initializer="random_normal"),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.MaxPooling2D(2),
            layers.SeparableConv2D(6, 3, strides=2, activation="relu"),
            layers.DepthwiseConv2D(3, padding="same", bias_initializer="random_normal"),
            layers.AveragePooling2D(2),
            layers.Flatten(),
            layers.Dropout(0.2),
            layers.Dense(10, activation="softmax", bias_initializer="random_normal"),
        ]
    )
    return with_moving_statistics(model)


def _keras_steps(keras: Any, model: Any, x: np.ndarray, y: np.ndarray, steps: int) -> None:
    import tensorflow as tf

    optimizer = keras.optimizers.Adam(learning_rate=1e-3)
    loss_function = keras.losses.SparseCategoricalCrossentropy()
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = loss_function(y, model(x, training=False))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))


@pytest.mark.parametrize("steps", [1, 3])
@pytest.mark.parametrize("build", [_dense, _cnn], ids=["dense", "cnn"])
def test_fine_tune_steps_equal_keras_adam_steps(tmp_path: Path, build: Any, steps: int):
    keras = pytest.importorskip("keras")
    keras.utils.set_random_seed(3)
    twin = build(keras)
    twin.save(tmp_path / "start.keras")
    model = load_model(tmp_path / "start.keras")
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (24, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 24)

    tuned = model.fine_tune(x, y, epochs=steps, batch_size=len(x), replay=False)
    _keras_steps(keras, twin, x, y, steps)

    checked = 0
    for layer in tuned.layers:
        for variable in twin.get_layer(layer.name).weights if layer.weights else []:
            engine = layer.weights[variable.name]
            start = model.layers[tuned.layers.index(layer)].weights[variable.name]
            np.testing.assert_allclose(engine, variable.numpy(), atol=1e-5, err_msg=variable.path)
            if variable.trainable:  # it moved: about the rate per step (Adam's first step)
                assert np.abs(engine - start).max() > 5e-4
                checked += 1
    assert checked == len(twin.trainable_variables)
    np.testing.assert_allclose(tuned.predict_proba(x), twin(x, training=False), atol=1e-5)
