"""The shipped models: load by name without TensorFlow, carry provenance, earn their numbers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import digitwidget
from digitwidget.data import MNISTNotFoundError, load_mnist
from digitwidget.nn import load_model
from digitwidget.nn.calibration import expected_calibration_error
from digitwidget.nn.loading import DEFAULT, SHIPPED
from digitwidget.preprocess import preprocess
from testkit.strokes import make_strokes, render_strokes

WEIGHTS = Path(digitwidget.__file__).parent / "weights"
MNIST_ACCURACY = {"cnn": 0.995, "mlp": 0.989}
"""The least accuracy on MNIST's test set each shipped model must reach."""


@pytest.fixture(scope="module", params=sorted(SHIPPED))
def shipped(request):
    return request.param, load_model(request.param)


@pytest.fixture(scope="module")
def mnist_test():
    try:
        return load_mnist()[1]
    except MNISTNotFoundError as err:
        pytest.skip(f"MNIST not available: {err}")


def test_the_default_is_the_cnn():
    assert DEFAULT == "cnn"
    default = load_model()
    assert [type(layer).__name__ for layer in default.layers].count("Conv2D") == 2
    assert default.metadata == load_model("cnn").metadata


def test_the_mlp_has_the_original_designs_shape():
    dense = [layer for layer in load_model("mlp").layers if hasattr(layer, "kernel")]
    assert [layer.kernel.shape for layer in dense] == [(784, 128), (128, 256), (256, 10)]
    assert [layer.bias.shape for layer in dense] == [(128,), (256,), (10,)]


def test_metadata_records_how_it_was_made(shipped) -> None:
    name, model = shipped
    meta = model.metadata
    assert meta["input_scale"] == "unit"
    assert meta["class_names"] == [str(i) for i in range(10)]
    prov = meta["provenance"]
    assert prov["command"].startswith("digitwidget train")
    assert f"--preset {name}" in prov["command"]
    assert {"seed", "date", "versions", "data", "config", "best_epoch"} <= set(prov)
    assert prov["engine_max_abs_diff"] < 1e-5
    assert len(prov["data"]) == 4
    assert meta["temperature"] == prov["calibration"]["temperature"]
    json.dumps(meta)


def test_history_file_matches_the_model_provenance(shipped) -> None:
    name, model = shipped
    saved = json.loads((WEIGHTS / f"{name}.json").read_text())
    assert saved["provenance"] == model.metadata["provenance"]
    epochs = len(saved["history"]["val_accuracy"])
    assert epochs == saved["provenance"]["config"]["epochs"]
    assert 1 <= saved["provenance"]["best_epoch"] <= epochs


def test_only_the_shipped_models_files_are_shipped() -> None:
    files = sorted(p.name for p in WEIGHTS.iterdir() if p.is_file())
    assert files == sorted(f"{name}.{suffix}" for name in SHIPPED for suffix in ("json", "npz"))


def test_scores_its_recorded_test_accuracy(shipped, mnist_test) -> None:
    name, model = shipped
    x_test, y_test = mnist_test
    accuracy = float(np.mean(model.predict(x_test) == y_test))
    recorded = model.metadata["provenance"]["test_accuracy"]
    assert accuracy >= recorded - 1e-9
    assert accuracy >= MNIST_ACCURACY[name]


def test_probabilities_are_calibrated_on_mnist_test(shipped, mnist_test) -> None:
    _, model = shipped
    x_test, y_test = mnist_test
    ece = expected_calibration_error(model.predict_proba(x_test), y_test)
    assert ece <= 0.02
    assert ece == pytest.approx(
        model.metadata["provenance"]["calibration"]["ece_test_after"], abs=1e-6
    )


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_accepts_bytes_and_unit_floats_alike(shipped, mnist_test, dtype) -> None:
    _, model = shipped
    x = mnist_test[0][:200]
    x = x if dtype == np.uint8 else x.astype(np.float32) / 255
    np.testing.assert_array_equal(model.predict(x), model.predict(mnist_test[0][:200]))


def test_reads_digits_drawn_on_a_canvas(shipped) -> None:
    _, model = shipped
    rng = np.random.default_rng(123)
    labels = np.repeat(np.arange(10), 20)
    images = [
        preprocess(render_strokes(make_strokes(int(d), rng), pen=float(rng.uniform(10, 28))))
        for d in labels
    ]
    predicted = model.predict(np.stack(images))
    assert np.mean(predicted == labels) >= 0.9


def test_a_name_that_is_not_shipped_is_read_as_a_path(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="or a shipped model's name: 'cnn' or 'mlp'"):
        load_model("resnet")
