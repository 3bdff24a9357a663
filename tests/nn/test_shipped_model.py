"""The shipped default model: loads without TensorFlow, carries provenance, earns its numbers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import digitwidget
from digitwidget.data import MNISTNotFoundError, load_mnist
from digitwidget.nn import load_model
from digitwidget.preprocess import preprocess
from testkit.strokes import make_strokes, render_strokes

WEIGHTS = Path(digitwidget.__file__).parent / "weights"


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def mnist_test():
    try:
        return load_mnist()[1]
    except MNISTNotFoundError as err:
        pytest.skip(f"MNIST not available: {err}")


def test_default_model_has_the_documented_shape(model) -> None:
    dense = [layer for layer in model.layers if hasattr(layer, "kernel")]
    assert [layer.kernel.shape for layer in dense] == [(784, 128), (128, 256), (256, 10)]
    assert [layer.bias.shape for layer in dense] == [(128,), (256,), (10,)]


def test_default_model_metadata_records_how_it_was_made(model) -> None:
    meta = model.metadata
    assert meta["input_scale"] == "unit"
    assert meta["class_names"] == [str(i) for i in range(10)]
    prov = meta["provenance"]
    assert prov["command"].startswith("digitwidget train")
    assert {"seed", "date", "versions", "data", "config", "best_epoch"} <= set(prov)
    assert prov["engine_max_abs_diff"] < 1e-5
    assert len(prov["data"]) == 4
    json.dumps(meta)


def test_history_file_matches_the_model_provenance(model) -> None:
    saved = json.loads((WEIGHTS / "mlp.json").read_text())
    assert saved["provenance"] == model.metadata["provenance"]
    epochs = len(saved["history"]["val_accuracy"])
    assert epochs == saved["provenance"]["config"]["epochs"]
    assert 1 <= saved["provenance"]["best_epoch"] <= epochs


def test_no_keras_file_is_shipped() -> None:
    assert sorted(p.name for p in WEIGHTS.iterdir() if p.is_file()) == [
        "mlp.json",
        "mlp.npz",
    ]


def test_default_model_scores_its_recorded_test_accuracy(model, mnist_test) -> None:
    x_test, y_test = mnist_test
    accuracy = float(np.mean(model.predict(x_test) == y_test))
    recorded = model.metadata["provenance"]["test_accuracy"]
    assert accuracy >= recorded - 1e-9
    assert accuracy >= 0.97


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_default_model_accepts_bytes_and_unit_floats_alike(model, mnist_test, dtype) -> None:
    x = mnist_test[0][:200]
    x = x if dtype == np.uint8 else x.astype(np.float32) / 255
    np.testing.assert_array_equal(model.predict(x), model.predict(mnist_test[0][:200]))


def test_default_model_reads_digits_drawn_on_a_canvas(model) -> None:
    rng = np.random.default_rng(123)
    labels = np.repeat(np.arange(10), 20)
    images = [
        preprocess(render_strokes(make_strokes(int(d), rng), pen=float(rng.uniform(10, 28))))
        for d in labels
    ]
    predicted = model.predict(np.stack(images))
    assert np.mean(predicted == labels) >= 0.9
