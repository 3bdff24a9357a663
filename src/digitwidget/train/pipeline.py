"""The input pipeline: a seeded validation hold-out and ``tf.data`` batches.

Training batches are shuffled, repeated and augmented (:mod:`digitwidget.train.augment`)
in parallel with training; each batch's augmentation seed is ``(config.seed, batch
index)``, so a run is reproducible. TensorFlow is imported inside the functions.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from digitwidget.train.config import TrainConfig

Labelled = tuple[np.ndarray, np.ndarray]
"""Images ``(n, 28, 28)`` uint8 and their labels ``(n,)``."""


def split(x: np.ndarray, y: np.ndarray, config: TrainConfig) -> tuple[Labelled, Labelled]:
    """Seeded hold-out of ``config.validation`` images from the training set."""
    order = np.random.default_rng(config.seed).permutation(len(x))
    if config.train_limit is not None:
        order = order[: config.train_limit + config.validation]
    if config.validation >= len(order):
        msg = f"validation={config.validation} leaves no training images out of {len(order)}."
        raise ValueError(msg)
    val, fit = order[: config.validation], order[config.validation :]
    return (x[fit], y[fit]), (x[val], y[val])


def training_data(config: TrainConfig, data_path: str | None = None) -> tuple[Labelled, Labelled]:
    """``(fit, validation)``: MNIST's training images split as :func:`split` does, with
    ``config.synthetic`` synthetic drawings per digit added, a tenth of them held out,
    and ``config.non_digits`` drawings of no digit (label -1) added to the fit split.

    Deterministic for a config: the export step calls it again to fit the temperature on
    the very validation images training held out.
    """
    from digitwidget.data import load_mnist

    (x_train, y_train), _ = load_mnist(data_path)
    fit, val = split(x_train, y_train, config)
    if config.synthetic:
        x_drawn, y_drawn = _synthetic(config.synthetic, config.seed)
        order = np.random.default_rng(config.seed + 1).permutation(len(x_drawn))
        held, kept = order[: len(order) // 10], order[len(order) // 10 :]
        fit = _joined(fit, (x_drawn[kept], y_drawn[kept]))
        val = _joined(val, (x_drawn[held], y_drawn[held]))
    if config.non_digits:
        from digitwidget.train.non_digits import non_digits

        fit = _joined(fit, non_digits(config.non_digits, seed=config.seed))
    return fit, val


@functools.lru_cache(maxsize=2)
def _synthetic(per_digit: int, seed: int) -> Labelled:
    """The synthetic drawings, made once per run (training and export both ask)."""
    from digitwidget.train.synthetic import synthetic_digits

    return synthetic_digits(per_digit, seed=seed)


def _joined(a: Labelled, b: Labelled) -> Labelled:
    # int64, not MNIST's uint8: a drawing of no digit is labelled -1.
    return np.concatenate([a[0], b[0]]), np.concatenate([a[1], b[1]]).astype(np.int64)


def dataset(x: np.ndarray, y: np.ndarray, config: TrainConfig, *, train: bool) -> Any:
    """A ``tf.data`` pipeline of ``(batch, 28, 28)`` floats in [0, 1] and one-hot labels."""
    import tensorflow as tf

    from digitwidget.train.augment import augment_batch

    ds = tf.data.Dataset.from_tensor_slices((x, y))
    if train:
        ds = ds.shuffle(len(x), seed=config.seed, reshuffle_each_iteration=True).repeat()
    ds = ds.batch(config.batch_size, drop_remainder=train)

    def to_float(xb: Any, yb: Any) -> tuple[Any, Any]:
        # A label of -1 (no digit, see train/non_digits.py) has no one-hot row: its target
        # is uniform instead, "every digit 10%".
        labels = tf.cast(yb, tf.int32)
        unsure = tf.cast(labels < 0, tf.float32)[:, None] / 10.0
        return tf.cast(xb, tf.float32) / 255.0, tf.one_hot(labels, 10) + unsure

    ds = ds.map(to_float, num_parallel_calls=tf.data.AUTOTUNE)
    if train and config.augment is not None:
        strengths = config.augment

        def augment(index: Any, batch: tuple[Any, Any]) -> tuple[Any, Any]:
            seed = tf.stack([tf.constant(config.seed, tf.int64), index])
            return augment_batch(batch[0], seed, strengths), batch[1]

        as_written = tf.autograph.experimental.do_not_convert(augment)
        ds = ds.enumerate().map(as_written, num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)
