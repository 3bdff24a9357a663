"""Model.fine_tune: it learns, leaves the original alone, is reproducible, refuses bad input
clearly and records what it did."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest

from digitwidget.data.sample import load_sample
from digitwidget.nn import Dense, Flatten, InputLayer, Model, load_model
from digitwidget.nn.calibration import negative_log_likelihood


def _untrained(seed: int = 0, temperature: float | None = None) -> Model:
    """A small dense network with random weights: about 10% right before it learns."""
    rng = np.random.default_rng(seed)
    layers = [
        InputLayer("image", (28, 28)),
        Flatten("flatten"),
        Dense("hidden", rng.normal(0, 0.05, (784, 32)), np.zeros(32), "relu"),
        Dense("output", rng.normal(0, 0.2, (32, 10)), np.zeros(10), "softmax"),
    ]
    metadata = {} if temperature is None else {"temperature": temperature}
    return Model(layers, metadata=metadata, name="small")


@pytest.fixture(scope="module")
def examples() -> tuple[np.ndarray, np.ndarray]:
    images, labels = load_sample("check")
    return images[:200], labels[:200]


def _weights(model: Model) -> dict[str, np.ndarray]:
    return {
        f"{layer.name}/{k}": w.copy() for layer in model.layers for k, w in layer.weights.items()
    }


def test_the_loss_falls_and_the_taught_examples_are_learned(examples):
    images, labels = examples
    model = _untrained()
    assert np.mean(model.predict(images) == labels) < 0.3
    losses: list[float] = []
    tuned = model.fine_tune(
        images, labels, replay=False, progress=lambda e, n, loss: losses.append(loss)
    )
    assert len(losses) == 20
    assert losses[-1] < 0.25 * losses[0]
    assert all(b < a for a, b in itertools.pairwise(losses[:6]))
    assert np.mean(tuned.predict(images) == labels) > 0.95


def test_the_original_model_is_untouched(examples):
    images, labels = examples
    model = load_model("cnn")
    before = _weights(model)
    probabilities = model.predict_proba(images[:10])
    tuned = model.fine_tune(images[:20], (labels[:20] + 1) % 10, epochs=2)
    for key, weight in _weights(model).items():
        np.testing.assert_array_equal(weight, before[key], err_msg=key)
    np.testing.assert_array_equal(model.predict_proba(images[:10]), probabilities)
    assert any(not np.array_equal(w, before[k]) for k, w in _weights(tuned).items())
    assert tuned is not model
    assert tuned.name == "digits_cnn_tuned"
    assert model.metadata["provenance"].get("examples") is None


def test_the_same_seed_gives_the_same_model_and_another_seed_another(examples):
    images, labels = examples
    model = _untrained()
    first = _weights(model.fine_tune(images[:50], labels[:50], epochs=3, batch_size=8, seed=5))
    again = _weights(model.fine_tune(images[:50], labels[:50], epochs=3, batch_size=8, seed=5))
    other = _weights(model.fine_tune(images[:50], labels[:50], epochs=3, batch_size=8, seed=6))
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])
    assert any(not np.array_equal(first[k], other[k]) for k in first)


def test_replay_keeps_more_of_mnist_than_learning_alone():
    """Taught that every 3 is an 8, the MLP forgets less of MNIST with replay than without."""
    images, labels = load_sample("check")
    model = load_model("mlp")
    threes = np.flatnonzero(labels == 3)[:20]
    taught = np.full(len(threes), 8)
    others = labels != 3
    accuracy = {}
    for replay in (True, False):
        tuned = model.fine_tune(images[threes], taught, replay=replay)
        accuracy[replay] = np.mean(tuned.predict(images[others]) == labels[others])
    assert accuracy[True] > accuracy[False]


def test_progress_counts_epochs_from_one_and_its_exception_stops_learning(examples):
    images, labels = examples
    calls: list[tuple[int, int, float]] = []

    def progress(epoch: int, epochs: int, loss: float) -> None:
        calls.append((epoch, epochs, loss))
        if epoch == 3:
            raise KeyboardInterrupt("cancelled")

    with pytest.raises(KeyboardInterrupt, match="cancelled"):
        _untrained().fine_tune(images, labels, epochs=10, replay=False, progress=progress)
    assert [(e, n) for e, n, _ in calls] == [(1, 10), (2, 10), (3, 10)]
    assert all(isinstance(loss, float) and loss > 0 for *_, loss in calls)


def test_provenance_records_the_origin_examples_settings_losses_and_time(examples):
    images, labels = examples
    model = load_model("mlp")
    tuned = model.fine_tune(images[:30], labels[:30], epochs=4, learning_rate=5e-4, seed=2)
    record = tuned.metadata["provenance"]
    assert record["tuned_from"]["name"] == "digits_mlp"
    assert record["tuned_from"]["test_accuracy"] == model.metadata["provenance"]["test_accuracy"]
    counts = np.bincount(labels[:30], minlength=10)
    assert record["examples"] == 30
    assert record["examples_per_class"] == {str(d): int(counts[d]) for d in range(10)}
    settings = record["settings"]
    assert (settings["epochs"], settings["seed"], settings["replay"]) == (4, 2, True)
    assert settings["optimizer"]["learning_rate"] == 5e-4
    assert len(record["loss_per_epoch"]) == len(record["replay_loss_per_epoch"]) == 4
    assert 0 < record["seconds"] < 60
    assert tuned.metadata["temperature"] == model.metadata["temperature"]
    again = tuned.fine_tune(images[:10], labels[:10], epochs=1)
    assert again.name == "digits_mlp_tuned"
    assert again.metadata["provenance"]["tuned_from"]["fine_tuned_before"] is True


def test_the_first_epochs_loss_is_the_models_loss_at_its_temperature(examples):
    """With one batch of everything, epoch 1's loss is measured before its only step."""
    images, labels = examples
    model = _untrained(temperature=2.5)
    tuned = model.fine_tune(images, labels, epochs=1, batch_size=len(images), replay=False)
    expected = negative_log_likelihood(model.logits(images), labels, 2.5)
    assert tuned.metadata["provenance"]["loss_per_epoch"][0] == pytest.approx(expected, abs=1e-5)
    assert tuned.metadata["temperature"] == 2.5


def test_flat_images_fit_a_model_that_reads_784(examples):
    images, labels = examples
    rng = np.random.default_rng(1)
    model = Model([Dense("output", rng.normal(0, 0.1, (784, 10)), None, "softmax")], (784,))
    tuned = model.fine_tune(images.reshape(-1, 784), labels, epochs=5)
    assert np.mean(tuned.predict(images) == labels) > np.mean(model.predict(images) == labels)


GOOD = np.zeros((4, 28, 28), np.float32)
LABELS = np.array([0, 1, 2, 3])


@pytest.mark.parametrize(
    ("images", "labels", "settings", "match"),
    [
        (np.zeros((4, 27, 27)), LABELS, {}, r"images are not usable.*shape \(4, 27, 27\)"),
        (np.zeros((28, 28)), LABELS[:1], {}, r"batch of images.*images\[None\]"),
        (np.zeros((0, 28, 28)), LABELS[:0], {}, "empty batch"),
        (np.full((4, 28, 28), np.nan), LABELS, {}, "NaN"),
        (GOOD + 2, LABELS, {}, r"\[0, 1\]"),
        (GOOD, np.array([0, 1, 2]), {}, r"labels must have shape \(4,\)"),
        (GOOD, np.array([0, 1, 2, 10]), {}, r"0\.\.9\. Received values from 0 to 10"),
        (GOOD, np.array([-1, 1, 2, 3]), {}, "from -1"),
        (GOOD, LABELS.astype(float), {}, "labels must be integers"),
        (GOOD, LABELS, {"epochs": 0}, "epochs must be an int from 1"),
        (GOOD, LABELS, {"epochs": 2.5}, "epochs=2.5"),
        (GOOD, LABELS, {"batch_size": 0}, "batch_size must be"),
        (GOOD, LABELS, {"learning_rate": 0.0}, r"learning_rate must be a number in \(0, 1\]"),
        (GOOD, LABELS, {"learning_rate": float("nan")}, "learning_rate"),
        (GOOD, LABELS, {"seed": -1}, "seed must be"),
        (GOOD, LABELS, {"replay": "yes"}, "replay must be True or False"),
        (GOOD, LABELS, {"progress": 3}, "progress must be a function"),
    ],
)
def test_bad_input_is_refused_clearly(images: Any, labels: Any, settings: Any, match: str):
    with pytest.raises(ValueError, match=match):
        _untrained().fine_tune(images, labels, **settings)


def test_replay_needs_a_model_of_28x28_images():
    rng = np.random.default_rng(0)
    model = Model([Dense("d", rng.normal(0, 0.1, (20, 10)), None, "softmax")], (20,))
    with pytest.raises(ValueError, match="Pass replay=False"):
        model.fine_tune(np.zeros((2, 20)), np.array([1, 2]))
    model.fine_tune(np.zeros((2, 20)), np.array([1, 2]), replay=False, epochs=1)


def test_a_learning_rate_that_diverges_is_reported():
    rng = np.random.default_rng(0)
    layers = [
        Dense("d", rng.normal(0, 1, (784, 10)) * 1e30, None, "relu"),
        Dense("o", np.eye(10) * 1e30),
    ]
    with pytest.raises(FloatingPointError, match="Lower the learning_rate"):
        Model(layers, (784,)).fine_tune(np.ones((4, 784), np.float32), LABELS, replay=False)


def test_a_tuned_model_saves_and_loads_with_its_provenance(examples, tmp_path):
    images, labels = examples
    tuned = load_model("mlp").fine_tune(images[:20], labels[:20], epochs=2)
    tuned.save(tmp_path / "mine.npz")
    back = load_model(tmp_path / "mine.npz")
    assert back.metadata["provenance"] == tuned.metadata["provenance"]
    np.testing.assert_array_equal(back.predict_proba(images), tuned.predict_proba(images))
