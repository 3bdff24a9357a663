"""Build and fit the network with Keras 3, then export it (TensorFlow inside functions only).

It holds out a validation split from the 60,000 training images, trains with
augmentation (see :mod:`digitwidget.train.augment`), keeps the epoch with the best validation
accuracy (the test set is never used to choose anything), measures test accuracy once,
and writes ``OUT.npz`` (engine format with provenance) and ``OUT.json`` (history).
"""

from __future__ import annotations

import os
import time
from typing import Any

from digitwidget.data import load_mnist, mnist_files
from digitwidget.train.config import DISTRIBUTE, TrainConfig
from digitwidget.train.export import TrainResult, export
from digitwidget.train.multiworker import check, is_chief
from digitwidget.train.multiworker import fit as fit_across_workers
from digitwidget.train.pipeline import Labelled, dataset, training_data

INSTALL_HINT = "pip install 'digitwidget[train]'"
"""The command that installs TensorFlow and Keras, which only training needs."""


def require_train_extra() -> None:
    """Check that TensorFlow and Keras can be imported, before any work starts.

    This module imports them only inside its functions, so that importing it stays
    light; without this check, a missing one would surface as a bare
    ``ModuleNotFoundError`` from deep inside a training run.

    Raises:
        ImportError: naming the missing module and the command that installs it.
    """
    try:
        import keras  # noqa: F401
        import tensorflow  # noqa: F401
    except ImportError as err:
        msg = (
            f"Training needs TensorFlow and Keras, the `train` extra ({err}). "
            f"Install them with: {INSTALL_HINT}"
        )
        raise ImportError(msg, name=err.name) from err


def _strategy(distribute: str) -> Any:
    import tensorflow as tf

    if distribute == "none":
        return tf.distribute.get_strategy()
    if distribute == "mirrored":
        gpus = [d.name for d in tf.config.list_logical_devices("GPU")]
        cpus = [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices=gpus or cpus)
    if distribute == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    msg = f"Expected distribute to be one of {DISTRIBUTE}, received distribute={distribute!r}."
    raise ValueError(msg)


def _setup(config: TrainConfig, logical_cpus: int) -> None:
    """Seed everything and make ops deterministic; split the CPU if asked (before TF starts)."""
    import keras
    import tensorflow as tf

    if logical_cpus > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        logical = [tf.config.LogicalDeviceConfiguration() for _ in range(logical_cpus)]
        try:
            tf.config.set_logical_device_configuration(cpu, logical)
        except RuntimeError as err:
            msg = (
                f"logical_cpus={logical_cpus} must be set before TensorFlow initialises its "
                "devices, and this process already has. Run the training in a fresh process "
                "(e.g. `digitwidget train --logical-cpus N ...`)."
            )
            raise RuntimeError(msg) from err
    keras.utils.set_random_seed(config.seed)
    tf.config.experimental.enable_op_determinism()


def build_model(config: TrainConfig, *, training: bool = True) -> Any:
    """The Keras network for ``config.architecture``, from a (28, 28) image to 10 softmax.

    ``"mlp"``: Flatten -> Dense hidden... -> Dense 10. ``"cnn"``: Reshape to (28, 28, 1) ->
    for each of ``filters``, Conv2D 3x3 (same padding) and MaxPooling2D 2 -> Flatten ->
    Dense hidden... -> Dense 10. Dropout follows each hidden Dense layer (and the last
    pooling of a CNN) while training.

    Args:
        config: Architecture, filters, units, activation and dropout.
        training: Include Dropout layers. The exported model is built with ``False``
            (same weights, no Dropout).

    Returns:
        An uncompiled ``keras.Sequential``.
    """
    import keras

    dropout = training and config.dropout > 0
    layers: list[Any] = [keras.Input((28, 28), name="image")]
    if config.architecture == "cnn":
        layers.append(keras.layers.Reshape((28, 28, 1), name="channels"))
        for i, filters in enumerate(config.filters, start=1):
            layers += [
                keras.layers.Conv2D(
                    filters, 3, padding="same", activation=config.activation, name=f"conv_{i}"
                ),
                keras.layers.MaxPooling2D(2, name=f"pool_{i}"),
            ]
    layers.append(keras.layers.Flatten(name="flatten"))
    if dropout and config.architecture == "cnn":
        layers.append(keras.layers.Dropout(config.dropout, name="dropout_0"))
    for i, units in enumerate(config.hidden, start=1):
        layers.append(keras.layers.Dense(units, activation=config.activation, name=f"dense_{i}"))
        if dropout:
            layers.append(keras.layers.Dropout(config.dropout, name=f"dropout_{i}"))
    layers.append(keras.layers.Dense(10, activation="softmax", name="output"))
    return keras.Sequential(layers, name=f"digits_{config.architecture}")


def _learning_rate(config: TrainConfig, steps: int) -> Any:
    import keras

    if config.schedule == "constant":
        return config.learning_rate
    if config.schedule == "cosine":
        return keras.optimizers.schedules.CosineDecay(config.learning_rate, steps)
    if config.schedule == "onecycle":
        warm = max(1, int(config.warmup * steps))
        return keras.optimizers.schedules.CosineDecay(
            config.learning_rate / 25,
            steps - warm,
            warmup_target=config.learning_rate,
            warmup_steps=warm,
        )
    msg = f"Expected schedule 'constant', 'cosine' or 'onecycle', received schedule={config.schedule!r}."
    raise ValueError(msg)


def _loss(config: TrainConfig, reduction: str | None = "sum_over_batch_size") -> Any:
    import keras

    return keras.losses.CategoricalCrossentropy(
        label_smoothing=config.label_smoothing, reduction=reduction
    )


def _compile(model: Any, config: TrainConfig, steps: int) -> None:
    import keras

    lr = _learning_rate(config, steps)
    if config.weight_decay > 0:
        optimizer = keras.optimizers.AdamW(lr, weight_decay=config.weight_decay)
    else:
        optimizer = keras.optimizers.Adam(lr)
    model.compile(optimizer=optimizer, loss=_loss(config), metrics=["accuracy"], jit_compile=False)


def _best_weights_callback() -> Any:
    import keras

    # Keras has no type hints, so its Callback is Any: strict mypy refuses the subclass.
    class KeepBest(keras.callbacks.Callback):  # type: ignore[misc, unused-ignore]
        """Remember the weights of the epoch with the best validation accuracy."""

        def __init__(self) -> None:
            super().__init__()
            self.best, self.best_epoch, self.weights = -1.0, -1, None

        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            accuracy = float((logs or {}).get("val_accuracy", -1.0))
            if accuracy > self.best:
                self.best, self.best_epoch = accuracy, epoch
                self.weights = self.model.get_weights()

        def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
            if self.weights is not None:
                self.model.set_weights(self.weights)

    return KeepBest()


def _fit(
    model: Any, train: Labelled, val: Labelled, config: TrainConfig, **fit_kwargs: Any
) -> tuple[dict[str, list[float]], int]:
    """Keras's ``fit`` with the best epoch kept; returns ``(history, best_epoch)``."""
    keep = _best_weights_callback()
    history = model.fit(
        dataset(*train, config, train=True),
        validation_data=dataset(*val, config, train=False),
        epochs=config.epochs,
        steps_per_epoch=len(train[1]) // config.batch_size,
        callbacks=[keep, *fit_kwargs.pop("callbacks")],
        shuffle=False,
        **fit_kwargs,
    )
    return history.history, keep.best_epoch


def train(
    config: TrainConfig,
    *,
    data_path: str | None = None,
    distribute: str = "none",
    logical_cpus: int = 0,
    callbacks: list[Any] | None = None,
    verbose: int | str = "auto",
) -> tuple[Any, dict[str, Any]]:
    """Train a Keras model on MNIST (and synthetic drawings); return it, best epoch restored.

    Args:
        config: The recipe.
        data_path: Where MNIST is (see :func:`digitwidget.data.find_mnist`).
        distribute: ``"none"``, ``"mirrored"`` (all local GPUs, else all logical CPUs) or
            ``"multiworker"`` (the workers in ``TF_CONFIG``, trained by the loop in
            :mod:`digitwidget.train.multiworker` since Keras's ``fit`` cannot span workers).
        logical_cpus: Split the CPU into this many logical devices first (must run before
            TensorFlow initialises its devices; for testing distribution on one machine).
        callbacks: Extra Keras callbacks (not with ``"multiworker"``).
        verbose: Progress display: 0 for none; ``"auto"`` shows Keras's bar per epoch
            (one line per epoch with ``"multiworker"``).

    Returns:
        ``(model, info)``: the inference model (no Dropout layers) and a dict with
        ``history`` (per-epoch lists), ``best_epoch`` (1-based), ``replicas``, ``seconds``.
    """
    require_train_extra()
    if distribute == "multiworker":
        check(callbacks)
    _setup(config, logical_cpus)
    fit_data, val = training_data(config, data_path)
    strategy = _strategy(distribute)
    with strategy.scope():
        model = build_model(config, training=True)
        _compile(model, config, len(fit_data[1]) // config.batch_size * config.epochs)
    start = time.perf_counter()
    if distribute == "multiworker":
        loss = _loss(config, reduction=None)
        history, best = fit_across_workers(strategy, model, loss, fit_data, val, config, verbose)
    else:
        history, best = _fit(
            model, fit_data, val, config, callbacks=callbacks or [], verbose=verbose
        )
    seconds = time.perf_counter() - start
    inference = build_model(config, training=False)
    inference.set_weights(model.get_weights())
    info = {
        "history": {k: [float(v) for v in vals] for k, vals in history.items()},
        "best_epoch": best + 1,
        "replicas": int(strategy.num_replicas_in_sync),
        "seconds": round(seconds, 2),
    }
    return inference, info


def train_and_export(
    config: TrainConfig,
    out: str | os.PathLike[str],
    *,
    keras_path: str | os.PathLike[str] | None = None,
    command: str | None = None,
    **train_kwargs: Any,
) -> TrainResult | None:
    """Train, evaluate once on the test set, and write ``out.npz`` + ``out.json``.

    Args:
        config: The recipe.
        out: Output path without suffix (a trailing ``.npz`` is dropped).
        keras_path: Also keep the Keras ``.keras`` file here (otherwise a temporary one).
        command: The command line recorded in provenance.
        **train_kwargs: Passed to :func:`train`.

    Returns:
        Paths, test accuracy and the engine-vs-Keras maximum probability difference;
        ``None`` on a multi-worker process that is not the chief (it writes nothing).
    """
    model, info = train(config, **train_kwargs)
    if train_kwargs.get("distribute") == "multiworker" and not is_chief():
        return None
    data_path = train_kwargs.get("data_path")
    (_, _), (x_test, y_test) = load_mnist(data_path)
    files = mnist_files(data_path)
    validation = training_data(config, data_path)[1]
    return export(
        model, config, info, (x_test, y_test), files, out, keras_path, command, validation
    )
