"""Fine-tuning: learn from a few labelled examples by backpropagation and Adam, in NumPy.

Each step is the chain rule as a loop over the layers' own backward passes, the same
loop saliency runs, but keeping the weights' gradients::

    for layer in layers:                        # the final softmax left out: ends at z
        x, cache = layer.forward(x)
    loss, grad = softmax_cross_entropy(z, labels, T)
    for layer, cache in reversed(...):
        grad, grads = layer.backward(grad, cache)   # dL/dx, {"kernel": dL/dW, ...}
    adam.step(weights, grads)

What it decides:

- **Inference mode throughout.** BatchNormalization uses its moving statistics, which
  stay frozen (``gamma`` and ``beta`` learn); Dropout is the identity. With 30 examples
  Dropout's noise slows learning more than it guards against overfitting (replay does
  that), and without it a step is reproducible and equals Keras's Adam step on the
  same batch with ``training=False``.
- **The temperature is kept.** The loss is the cross-entropy of the probabilities the
  model reports, ``softmax(z / T)`` with its calibration temperature ``T``, so the
  probabilities it learns are the ones ``predict_proba`` shows, and ``T`` stays in the
  new model's metadata. ``T`` is not fitted again: the examples are too few to fit it.
- **Replay** (on by default) mixes shipped MNIST training images into every batch
  (:mod:`~digitwidget.nn.learning.replay`), so the network keeps what it knew.
- **One BLAS thread.** On a busy machine OpenBLAS's threads can wait for each other:
  on 2 cores with a load of 4.6, the shipped CNN's default fine-tuning on 30 images
  took 12.8 s with two threads and 4.2 s with one; another time, at a load of 4.3, the
  two were alike (4.2 and 4.8 s). One thread is never much slower, so it is used; the
  count is restored afterwards.
"""

from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import numpy as np

from digitwidget.nn.calibration import temperature_of
from digitwidget.nn.fast.blas import OPENBLAS
from digitwidget.nn.layers import Cache, Layer
from digitwidget.nn.learning.adam import Adam
from digitwidget.nn.learning.checks import check_examples, check_settings
from digitwidget.nn.learning.loss import per_sample_loss, softmax_cross_entropy
from digitwidget.nn.learning.provenance import record
from digitwidget.nn.learning.replay import Replay
from digitwidget.nn.saliency import logit_layers

Progress = Callable[[int, int, float], Any]


class Model(Protocol):
    """What fine-tuning reads of a model, and how it makes the new one (``Model`` has it)."""

    layers: list[Layer]
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    metadata: dict[str, Any]
    name: str

    def __init__(
        self,
        layers: list[Layer],
        input_shape: tuple[int, ...] | None = None,
        metadata: dict[str, Any] | None = None,
        name: str = "model",
    ) -> None: ...


Tuned = TypeVar("Tuned", bound=Model)


def _trainable(layers: list[Layer]) -> dict[str, np.ndarray]:
    """Every weight that learns, as ``"layer/weight"`` -> the array itself (frozen ones left out)."""
    return {
        f"{layer.name}/{key}": weight
        for layer in layers
        for key, weight in layer.weights.items()
        if key not in layer.frozen_weights
    }


def _step(
    layers: list[Layer], x: np.ndarray, y: np.ndarray, temperature: float, adam: Adam
) -> np.ndarray:
    """One forward pass, backward pass and Adam update; returns the logits ``z`` it saw."""
    caches: list[Cache] = []
    for layer in layers:
        x, cache = layer.forward(x)
        caches.append(cache)
    _, grad = softmax_cross_entropy(x, y, temperature)
    grads: dict[str, np.ndarray] = {}
    for layer, cache in zip(reversed(layers), reversed(caches), strict=True):
        grad, layer_grads = layer.backward(grad, cache)
        grads.update({f"{layer.name}/{key}": g for key, g in layer_grads.items()})
    if not all(np.all(np.isfinite(g)) for g in grads.values()):
        msg = "fine_tune diverged (a gradient is NaN or infinite). Lower the learning_rate."
        raise FloatingPointError(msg)
    adam.step(_trainable(layers), grads)
    return x


def _train(
    layers: list[Layer],
    x: np.ndarray,
    y: np.ndarray,
    temperature: float,
    adam: Adam,
    mixer: Replay | None,
    rng: np.random.Generator,
    epochs: int,
    batch_size: int,
    progress: Progress | None,
) -> tuple[list[float], list[float]]:
    """Every epoch's steps; returns the mean loss per epoch on the examples and on the replay."""
    losses: list[float] = []
    replay_losses: list[float] = []
    for epoch in range(1, epochs + 1):
        own, replayed = [], []
        order = rng.permutation(len(x))
        for first in range(0, len(x), batch_size):
            chosen = order[first : first + batch_size]
            xb, yb = x[chosen], y[chosen]
            if mixer is not None:
                extra_x, extra_y = mixer.draw(len(chosen))
                xb, yb = np.concatenate([xb, extra_x]), np.concatenate([yb, extra_y])
            sample_losses = per_sample_loss(
                _step(layers, xb, yb, temperature, adam), yb, temperature
            )
            own.append(sample_losses[: len(chosen)])
            replayed.append(sample_losses[len(chosen) :])
        losses.append(float(np.mean(np.concatenate(own))))
        if mixer is not None:
            replay_losses.append(float(np.mean(np.concatenate(replayed))))
        if not np.isfinite(losses[-1]):
            msg = f"fine_tune diverged at epoch {epoch} (the loss is not finite). Lower the learning_rate."
            raise FloatingPointError(msg)
        if progress is not None:
            progress(epoch, epochs, losses[-1])
    return losses, replay_losses


def fine_tune(
    model: Tuned,
    images: np.ndarray,
    labels: np.ndarray,
    *,
    epochs: int = 20,
    learning_rate: float = 1e-3,
    batch_size: int = 32,
    replay: bool = True,
    seed: int = 0,
    progress: Progress | None = None,
) -> Tuned:
    """A new model, ``model`` trained further on ``images`` and ``labels``; ``model`` is unchanged.

    Args:
        model: The model to start from (its layers all need a backward pass).
        images: ``(n, 28, 28)`` floats in [0, 1] (ink = 1, what ``preprocess`` returns),
            or ``(n, 784)`` and the like: any batch ``predict_proba`` takes.
        labels: ``(n,)`` ints, the class of each image.
        epochs: Passes over the examples.
        learning_rate: Adam's step size.
        batch_size: Examples per step; with ``replay``, 8 MNIST images per example join
            each batch (see :data:`~digitwidget.nn.learning.replay.RATIO`).
        replay: Mix shipped MNIST training images into every batch, so it does not forget.
        seed: Seeds the order of the examples and the replayed images.
        progress: Called as ``progress(epoch, epochs, loss)`` after each epoch (from 1),
            in this thread; ``loss`` is the mean loss on the examples in that epoch. An
            exception it raises stops fine-tuning and propagates (a way to cancel).

    Returns:
        A model of the same class, layers and metadata, with the tuned weights, named
        ``<name>_tuned``; ``metadata["provenance"]`` says what it was tuned from, on
        which examples, with which settings, the loss per epoch and the seconds taken.

    Raises:
        ValueError: for bad images, labels or settings (the message says which and why).
        FloatingPointError: if training diverges (then lower ``learning_rate``).
    """
    epochs, learning_rate, batch_size, replay, seed, progress = check_settings(
        epochs, learning_rate, batch_size, replay, seed, progress
    )
    byte_scale = model.metadata.get("input_scale") == "byte"
    x, y = check_examples(images, labels, model.input_shape, model.output_shape[0], byte_scale)
    temperature = temperature_of(model.metadata)
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    mixer = Replay(model.input_shape, byte_scale, rng) if replay else None
    tuned = copy.deepcopy(model.layers)  # the original's arrays are never touched
    adam = Adam(learning_rate)
    single = OPENBLAS.single() if OPENBLAS is not None else contextlib.nullcontext()
    with single, np.errstate(over="ignore", invalid="ignore"):  # divergence caught, not warned
        losses, replay_losses = _train(
            logit_layers(tuned), x, y, temperature, adam, mixer, rng, epochs, batch_size, progress
        )
    settings = {
        "epochs": epochs,
        "batch_size": batch_size,
        "replay": replay,
        "replay_per_example": mixer.ratio if mixer is not None else 0.0,
        "seed": seed,
        "temperature": temperature,
        "optimizer": {"name": "Adam", **adam.settings},
        "steps": adam.iterations,
    }
    metadata = copy.deepcopy(model.metadata)
    metadata["provenance"] = record(
        name=model.name,
        provenance=model.metadata.get("provenance"),
        labels=y,
        class_names=list(metadata.get("class_names", [])),
        settings=settings,
        losses=losses,
        replay_losses=replay_losses,
        seconds=time.perf_counter() - start,
    )
    name = model.name if model.name.endswith("_tuned") else f"{model.name}_tuned"
    return type(model)(tuned, model.input_shape, metadata, name)
