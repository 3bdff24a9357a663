"""Training across workers: a custom loop for ``tf.distribute.MultiWorkerMirroredStrategy``.

Keras 3's ``fit`` cannot run MultiWorkerMirroredStrategy with several workers
(keras-team/keras#20585), so ``distribute="multiworker"`` trains with this loop instead.
It keeps the recipe of ``fit`` in :mod:`digitwidget.train`: the compiled model's optimizer
(with its learning-rate schedule and weight decay), the same loss, the same augmented
batches, the best epoch on validation accuracy, and a history with the same keys.

How the work is shared: every worker builds the same seeded pipeline, and the strategy
splits each global batch of ``config.batch_size`` images evenly across the replicas
(sharding by data, since an in-memory dataset has no files to shard). Each replica sums
its per-image losses and divides by the global batch size; the optimizer sums the
gradients over all replicas before each update, so every step is the step one process
would take on the whole batch. TensorFlow is imported inside the functions.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import numpy as np

from digitwidget.train.config import TrainConfig
from digitwidget.train.pipeline import Labelled, dataset

EXAMPLE = (
    '{"cluster": {"worker": ["host0:port", "host1:port"]}, "task": {"type": "worker", "index": 0}}'
)


def tf_config() -> dict[str, Any]:
    """The cluster description in the ``TF_CONFIG`` environment variable (``{}`` if unset).

    Raises:
        ValueError: ``TF_CONFIG`` is not a JSON object, or its task is not in its cluster.
    """
    text = os.environ.get("TF_CONFIG") or "{}"
    expected = f"expected JSON like {EXAMPLE}, received TF_CONFIG={text!r}"
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as err:
        msg = f"TF_CONFIG is not valid JSON ({err}); {expected}."
        raise ValueError(msg) from err
    if not isinstance(parsed, dict) or not _task_in_cluster(parsed):
        msg = f"TF_CONFIG's task must name one of its cluster's hosts; {expected}."
        raise ValueError(msg)
    return parsed


def _task_in_cluster(parsed: dict[str, Any]) -> bool:
    task, cluster = parsed.get("task") or {}, parsed.get("cluster") or {}
    if not isinstance(task, dict) or not isinstance(cluster, dict):
        return False
    if not task:
        return True
    hosts = cluster.get(task.get("type")) or []
    index = task.get("index", 0)
    return isinstance(index, int) and 0 <= index < len(hosts)


def check(callbacks: list[Any] | None) -> None:
    """Fail early, before any training, on a malformed ``TF_CONFIG`` or Keras callbacks."""
    tf_config()
    if callbacks:
        msg = (
            "Expected no callbacks with distribute='multiworker' (it trains with its own "
            f"loop, not Keras's fit), received {len(callbacks)} callback(s)."
        )
        raise ValueError(msg)


def is_chief() -> bool:
    """Whether this process writes files: true unless ``TF_CONFIG`` names another chief.

    In a multi-worker cluster the chief is the ``chief`` task, or worker 0 when there is
    none; the other workers train in lockstep and write nothing.
    """
    config = tf_config()
    task = config.get("task") or {}
    if not task or task.get("type") == "chief":
        return True
    has_chief = "chief" in (config.get("cluster") or {})
    return task.get("type") == "worker" and int(task.get("index", 0)) == 0 and not has_chief


def _distributed(strategy: Any, x: np.ndarray, y: np.ndarray, config: TrainConfig) -> Any:
    """The training pipeline, split batch by batch across the strategy's replicas."""
    import tensorflow as tf

    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    ds = dataset(x, y, config, train=True).with_options(options)
    return strategy.experimental_distribute_dataset(ds)


def _train_step(strategy: Any, model: Any, loss_fn: Any, global_batch: int) -> Any:
    """A compiled step: one optimizer update on one global batch; returns (loss sum, hits)."""
    import tensorflow as tf

    def replica_step(x: Any, y: Any) -> tuple[Any, Any]:
        with tf.GradientTape() as tape:
            probs = model(x, training=True)
            per_image = loss_fn(y, probs)
            loss = tf.nn.compute_average_loss(per_image, global_batch_size=global_batch)
        grads = tape.gradient(loss, model.trainable_variables)
        model.optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        hits = tf.cast(tf.argmax(probs, axis=1) == tf.argmax(y, axis=1), tf.float32)
        return tf.reduce_sum(per_image), tf.reduce_sum(hits)

    def step(batch: Any) -> Any:
        per_replica = strategy.run(replica_step, args=batch)
        return [strategy.reduce("SUM", value, axis=None) for value in per_replica]

    return tf.function(step)


def _train_epoch(step: Any, batches: Any, steps: int, global_batch: int) -> tuple[float, float]:
    """Run ``steps`` training steps; return the mean loss and accuracy over their images."""
    loss, hits = 0.0, 0.0
    for _ in range(steps):
        loss_sum, hit_sum = step(next(batches))
        loss, hits = loss + float(loss_sum), hits + float(hit_sum)
    return loss / (steps * global_batch), hits / (steps * global_batch)


def _evaluate(model: Any, loss_fn: Any, val: Labelled, config: TrainConfig) -> tuple[float, float]:
    """Validation loss and accuracy, computed whole on each worker (the weights are shared)."""
    import tensorflow as tf

    loss, hits = 0.0, 0.0
    for x, y in dataset(*val, config, train=False):
        probs = model(x, training=False)
        loss += float(tf.reduce_sum(loss_fn(y, probs)))
        hits += float(tf.reduce_sum(tf.cast(tf.argmax(probs, 1) == tf.argmax(y, 1), tf.float32)))
    return loss / len(val[1]), hits / len(val[1])


def fit(
    strategy: Any,
    model: Any,
    loss_fn: Any,
    train: Labelled,
    val: Labelled,
    config: TrainConfig,
    verbose: int | str = "auto",
) -> tuple[dict[str, list[float]], int]:
    """Train ``model`` for ``config.epochs`` epochs and restore its best epoch's weights.

    Args:
        strategy: A ``MultiWorkerMirroredStrategy``; ``model`` was built and compiled in its scope.
        model: The Keras model; its compiled optimizer makes the updates.
        loss_fn: Per-image loss, a Keras loss with ``reduction=None``.
        train: ``(x (n, 28, 28) uint8, y (n,))`` images to train on.
        val: ``(x, y)`` held-out images that pick the best epoch.
        config: The recipe (epochs, global batch size, seed, augmentation).
        verbose: 0 prints nothing; otherwise one line per epoch.

    Returns:
        ``(history, best_epoch)``: per-epoch lists under ``accuracy``, ``loss``,
        ``val_accuracy`` and ``val_loss`` (as ``fit`` names them), and the 0-based index
        of the best epoch.
    """
    steps = len(train[1]) // config.batch_size
    with strategy.scope():
        model.optimizer.build(model.trainable_variables)
    step = _train_step(strategy, model, loss_fn, config.batch_size)
    batches = iter(_distributed(strategy, *train, config))
    history: dict[str, list[float]] = {}
    best_epoch, best_weights = -1, None
    for epoch in range(config.epochs):
        start = time.perf_counter()
        loss, accuracy = _train_epoch(step, batches, steps, config.batch_size)
        val_loss, val_accuracy = _evaluate(model, loss_fn, val, config)
        logs = dict(accuracy=accuracy, loss=loss, val_accuracy=val_accuracy, val_loss=val_loss)
        for key, value in logs.items():
            history.setdefault(key, []).append(value)
        if best_epoch < 0 or val_accuracy > history["val_accuracy"][best_epoch]:
            best_epoch, best_weights = epoch, model.get_weights()
        if verbose != 0:
            took = time.perf_counter() - start
            shown = " - ".join(f"{key}: {values[-1]:.4f}" for key, values in history.items())
            print(f"Epoch {epoch + 1}/{config.epochs} - {took:.1f}s - {shown}", flush=True)
    model.set_weights(best_weights)
    return history, best_epoch
