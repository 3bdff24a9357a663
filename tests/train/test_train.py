"""Keras training: augmentation, a smoke run with export, determinism, tf.distribute."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from digitwidget.data import MNISTNotFoundError, find_mnist

tf = pytest.importorskip("tensorflow")

from digitwidget.nn import load_model  # noqa: E402
from digitwidget.train import PRESETS, build_model, train, train_and_export  # noqa: E402
from digitwidget.train.augment import AugmentConfig, augment_batch  # noqa: E402

try:
    find_mnist()
    HAVE_MNIST = True
except MNISTNotFoundError:
    HAVE_MNIST = False

pytestmark = [
    pytest.mark.tf,
    pytest.mark.skipif(not HAVE_MNIST, reason="MNIST not found; run `npm install`"),
]
TINY = PRESETS["quick"].replace(epochs=1, train_limit=600, validation=200)
NO_AUGMENT = AugmentConfig(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def digits(n: int = 16) -> np.ndarray:
    from digitwidget.data import load_mnist

    (x, _), _ = load_mnist()
    return x[:n].astype(np.float32) / 255.0


def test_augmentation_with_zero_strength_is_the_identity() -> None:
    x = digits()
    out = augment_batch(tf.constant(x), tf.constant([0, 1]), NO_AUGMENT).numpy()
    np.testing.assert_allclose(out, x, atol=1e-6)


@pytest.mark.parametrize("seeds", [([0, 1], [0, 1]), ([0, 1], [0, 2])], ids=["same", "different"])
def test_augmentation_depends_only_on_the_seed(seeds) -> None:
    x = tf.constant(digits())
    a, b = (augment_batch(x, tf.constant(s), AugmentConfig()).numpy() for s in seeds)
    assert np.array_equal(a, b) == (seeds[0] == seeds[1])


def test_augmentation_keeps_digits_centred_in_range_and_inked() -> None:
    x = digits(64)
    out = augment_batch(tf.constant(x), tf.constant([3, 4]), AugmentConfig()).numpy()
    assert out.shape == x.shape
    assert out.min() >= 0.0
    assert out.max() <= 1.0
    rows = np.arange(28)[None, :, None]
    centre = (out * rows).sum(axis=(1, 2)) / out.sum(axis=(1, 2))
    original = (x * rows).sum(axis=(1, 2)) / x.sum(axis=(1, 2))
    assert np.abs(centre - original).max() < 3.0
    assert np.all(out.sum(axis=(1, 2)) > 0.4 * x.sum(axis=(1, 2)))


def test_exported_model_has_only_input_flatten_and_dense_layers() -> None:
    names = [type(layer).__name__ for layer in build_model(PRESETS["mlp"], training=False).layers]
    assert names == ["Flatten", "Dense", "Dense", "Dense"]


def test_training_smoke_run_exports_both_formats_that_agree(tmp_path: Path) -> None:
    import keras

    result = train_and_export(
        PRESETS["quick"], tmp_path / "m", keras_path=tmp_path / "m.keras", verbose=0
    )
    assert result.npz.is_file()
    assert result.keras.is_file()
    from digitwidget.data import load_mnist

    _, (x_test, _) = load_mnist()
    keras_probs = keras.saving.load_model(result.keras).predict(x_test / np.float32(255), verbose=0)
    engine = load_model(result.npz)  # forward: the network as trained, before calibration
    np.testing.assert_allclose(engine.forward(x_test), keras_probs, atol=1e-5)
    assert result.max_abs_diff < 1e-5
    assert result.test_accuracy > 0.6


def test_cnn_preset_exports_a_convolutional_network_the_engine_runs_as_keras(
    tmp_path: Path,
) -> None:
    import keras

    config = TINY.replace(
        architecture="cnn", filters=(4, 8), hidden=(16,), epochs=4, learning_rate=1e-2
    )
    result = train_and_export(config, tmp_path / "c", keras_path=tmp_path / "c.keras", verbose=0)
    engine = load_model(result.npz)
    kinds = [type(layer).__name__ for layer in engine.layers]
    assert kinds == [
        "InputLayer", "Reshape", "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D",
        "Flatten", "Dense", "Dense",
    ]  # fmt: skip
    assert [layer.filters for layer in engine.layers if hasattr(layer, "filters")] == [4, 8]
    from digitwidget.data import load_mnist

    _, (x_test, _) = load_mnist()
    keras_probs = keras.saving.load_model(result.keras).predict(x_test / np.float32(255), verbose=0)
    np.testing.assert_allclose(engine.forward(x_test), keras_probs, atol=1e-5)
    assert result.test_accuracy > 0.5


def test_exported_metadata_carries_provenance_and_history(tmp_path: Path) -> None:
    result = train_and_export(
        TINY, tmp_path / "m.npz", command="digitwidget train --preset quick", verbose=0
    )
    meta = load_model(result.npz).metadata
    assert meta["input_scale"] == "unit"
    assert meta["class_names"] == [str(i) for i in range(10)]
    prov = meta["provenance"]
    assert prov["command"] == "digitwidget train --preset quick"
    assert prov["seed"] == TINY.seed
    assert prov["config"]["train_limit"] == 600
    assert set(prov["versions"]) >= {"tensorflow", "keras", "numpy", "python"}
    assert all(len(digest) == 64 for digest in prov["data"].values())
    assert prov["test_accuracy"] == pytest.approx(result.test_accuracy)
    calibration = prov["calibration"]
    assert meta["temperature"] == calibration["temperature"] > 0
    assert calibration["ece_test_after"] <= calibration["ece_test_before"] + 0.01
    saved = json.loads(result.history.read_text())
    assert len(saved["history"]["val_accuracy"]) == TINY.epochs
    assert saved["provenance"] == prov


def test_same_seed_gives_identical_weights_and_other_seed_does_not() -> None:
    weights = [
        [w.copy() for w in train(config, verbose=0)[0].get_weights()]
        for config in (TINY, TINY, TINY.replace(seed=1))
    ]
    assert all(np.array_equal(a, b) for a, b in zip(weights[0], weights[1], strict=True))
    assert not np.array_equal(weights[0][0], weights[2][0])


def test_best_epoch_is_chosen_on_validation_accuracy() -> None:
    _, info = train(TINY.replace(epochs=3), verbose=0)
    val = info["history"]["val_accuracy"]
    assert info["best_epoch"] == int(np.argmax(val)) + 1


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_activation_option_reaches_the_exported_layers(tmp_path: Path, activation: str) -> None:
    config = TINY.replace(activation=activation)
    model = load_model(train_and_export(config, tmp_path / "m", verbose=0).npz)
    dense = [layer for layer in model.layers if hasattr(layer, "kernel")]
    assert [layer.kernel.shape for layer in dense] == [(784, 128), (128, 256), (256, 10)]
    assert "softmax" in repr(model)
    assert activation in repr(model)


TINY_DRAWN = ["--synthetic", "20", "--non-digits", "20"]
"""A few synthetic drawings and drawings of no digit, in proportion to 600 MNIST images."""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("preset", "learned"),
    [
        (["quick"], 0.6),
        (["cnn", "--train-limit", "600", "--validation", "200", *TINY_DRAWN], 0.4),
    ],
    ids=["mlp", "cnn"],
)
def test_mirrored_strategy_trains_on_two_logical_cpus(
    tmp_path: Path, preset: list[str], learned: float
) -> None:
    """Both replicas train, and the model learns (chance is 0.1; the CNN sees 4 epochs)."""
    out = tmp_path / "mirrored"
    command = [sys.executable, "-m", "digitwidget.cli", "train", "--preset", *preset]
    if preset[0] == "cnn":
        command += ["--epochs", "4", "--learning-rate", "0.01", "--hidden", "16"]
    command += ["--distribute", "mirrored", "--logical-cpus", "2", "--quiet", "--out", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    prov = json.loads(out.with_suffix(".json").read_text())["provenance"]
    assert prov["replicas"] == 2
    assert prov["test_accuracy"] > learned
    assert "1 replica" not in result.stdout


def test_splitting_the_cpu_after_tensorflow_started_says_to_use_a_fresh_process() -> None:
    tf.config.list_logical_devices("CPU")
    with pytest.raises(RuntimeError, match="fresh process"):
        train(TINY, logical_cpus=2, verbose=0)
