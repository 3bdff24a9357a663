"""Model.save("x.keras"): a Keras 3 file that Keras reads with the same outputs (1e-5), and
that the engine reads back; written with zipfile, json and h5py only."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from digitwidget.nn import Activation, Dense, Flatten, InputLayer, Model, Softmax, load_model
from tests.nn._keras_models import builders, keras_output, save_all
from tests.nn.test_backward import CASES


def _images(shape: tuple[int, ...], count: int = 8) -> np.ndarray:
    return np.random.default_rng(0).uniform(0, 1, (count, *shape)).astype(np.float32)


@pytest.fixture(scope="module")
def keras_cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    pytest.importorskip("keras")
    return save_all(tmp_path_factory.mktemp("keras"))


def _case_names() -> list[str]:
    import types

    fake = types.SimpleNamespace(layers=None, Sequential=None)  # names only, no keras
    try:
        return list(builders(fake))
    except AttributeError:
        return []


@pytest.mark.tf
@pytest.mark.parametrize("name", _case_names() or ["mnist_784_128_256_10"])
def test_keras_reads_what_the_engine_writes_with_the_same_outputs(
    keras_cases: dict[str, Any], tmp_path: Path, name: str
):
    import keras

    path, original, shape = keras_cases[name]
    model = load_model(path)
    model.save(tmp_path / "written.keras")
    reread = keras.saving.load_model(tmp_path / "written.keras")
    x = engine_x = _images(shape)
    if model.metadata["input_scale"] == "byte":  # Keras reads the bytes as floats
        x = np.round(x * 255)
        engine_x = x.astype(np.uint8)
    np.testing.assert_allclose(keras_output(reread, x), keras_output(original, x), atol=1e-5)
    back = load_model(tmp_path / "written.keras")
    np.testing.assert_allclose(back.forward(engine_x), model.forward(engine_x), atol=1e-6)
    assert [type(layer).__name__ for layer in back.layers] == [
        type(layer).__name__ for layer in model.layers
    ]


@pytest.mark.tf
@pytest.mark.parametrize("shipped", ["mlp", "cnn"])
def test_a_shipped_model_in_keras_predicts_its_calibrated_probabilities(
    tmp_path: Path, shipped: str
):
    keras = pytest.importorskip("keras")
    model = load_model(shipped)
    assert model.metadata["temperature"] != 1.0
    model.save(tmp_path / f"{shipped}.keras")
    x = _images((28, 28), 16)
    reread = keras.saving.load_model(tmp_path / f"{shipped}.keras")
    np.testing.assert_allclose(reread.predict(x, verbose=0), model.predict_proba(x), atol=1e-5)
    back = load_model(tmp_path / f"{shipped}.keras")
    np.testing.assert_allclose(back.predict_proba(x), model.predict_proba(x), atol=1e-5)


ENGINE_CASES = {
    name: case
    for name, case in CASES.items()
    if not isinstance(case.make().get_config().get("activation"), dict)
}


@pytest.mark.tf
@pytest.mark.parametrize("case", ENGINE_CASES.values(), ids=ENGINE_CASES.keys())
def test_every_layer_the_engine_builds_is_written_as_keras_reads_it(tmp_path: Path, case: Any):
    keras = pytest.importorskip("keras")
    layer = case.make()
    flat = [] if len(layer.build(case.shape)) == 1 else [Flatten("flat")]
    model = Model([layer, *flat], case.shape, name="one_layer")
    model.save(tmp_path / "layer.keras")
    reread = keras.saving.load_model(tmp_path / "layer.keras")
    x = np.random.default_rng(1).uniform(0, 1, (3, *case.shape)).astype(np.float32)
    np.testing.assert_allclose(keras_output(reread, x), model.forward(x), atol=1e-5)


def _softmax_layer_model(temperature: float) -> Model:
    rng = np.random.default_rng(2)
    layers = [
        InputLayer("image", (28, 28)),
        Flatten("flatten"),
        Dense("logits", rng.normal(0, 0.1, (784, 10)), rng.normal(0, 0.1, 10)),
        Softmax("probabilities"),
    ]
    return Model(layers, metadata={"temperature": temperature}, name="softmax_layer")


@pytest.mark.tf
def test_a_temperature_before_a_softmax_layer_is_folded_into_the_dense_before_it(tmp_path: Path):
    keras = pytest.importorskip("keras")
    model = _softmax_layer_model(3.0)
    model.save(tmp_path / "t.keras")
    x = _images((28, 28))
    reread = keras.saving.load_model(tmp_path / "t.keras")
    np.testing.assert_allclose(reread.predict(x, verbose=0), model.predict_proba(x), atol=1e-6)
    assert not np.allclose(model.forward(x), model.predict_proba(x), atol=1e-3)


def test_the_weights_file_holds_keras_layout_and_the_folded_kernel(tmp_path: Path):
    import h5py

    model = _softmax_layer_model(2.0)
    model.save(tmp_path / "t.keras")
    with zipfile.ZipFile(tmp_path / "t.keras") as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        config = json.loads(archive.read("config.json"))
        h5 = h5py.File(archive.open("model.weights.h5"), "r")
        kernel = h5["layers/dense/vars/0"][()]
        assert sorted(h5["layers"]) == ["dense", "flatten", "softmax"]
    assert config["class_name"] == "Sequential"
    classes = [entry["class_name"] for entry in config["config"]["layers"]]
    assert classes == ["InputLayer", "Flatten", "Dense", "Softmax"]
    np.testing.assert_allclose(kernel, model.layers[2].weights["kernel"] / 2.0, rtol=1e-6)


def test_the_engine_reads_its_keras_file_back_with_the_same_probabilities(tmp_path: Path):
    model = _softmax_layer_model(0.5)
    model.save(tmp_path / "t.keras")
    back = load_model(tmp_path / "t.keras")
    x = _images((28, 28))
    np.testing.assert_allclose(back.predict_proba(x), model.predict_proba(x), atol=1e-6)


def test_the_metadata_comes_back_and_the_temperature_stays_in_the_weights(tmp_path: Path):
    model = load_model("cnn")  # provenance of its training, class names, a temperature
    temperature = model.metadata["temperature"]
    model.save(tmp_path / "cnn.keras")
    back = load_model(tmp_path / "cnn.keras")
    assert back.metadata["provenance"] == model.metadata["provenance"]
    assert back.metadata["class_names"] == model.metadata["class_names"]
    assert "temperature" not in back.metadata  # already in the weights: not applied twice
    x = _images((28, 28))
    np.testing.assert_allclose(back.predict_proba(x), model.predict_proba(x), atol=1e-6)
    with zipfile.ZipFile(tmp_path / "cnn.keras") as archive:
        written = json.loads(archive.read("metadata.json"))
    assert written["digitwidget"]["temperature_folded_into_weights"] == temperature
    assert written["saved_by"].startswith("digitwidget ")


def _with_metadata_json(source: Path, target: Path, metadata: Any) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            data = old.read(info)
            new.writestr(info, json.dumps(metadata) if info.filename == "metadata.json" else data)


def test_a_keras_file_s_own_metadata_cannot_set_a_temperature_or_the_input_scale(tmp_path: Path):
    model = _softmax_layer_model(1.0)
    model.save(tmp_path / "m.keras")
    x = _images((28, 28))
    for metadata, provenance in [
        ({"digitwidget": {"metadata": {"temperature": 50.0, "input_scale": "byte"}}}, {}),
        ({"digitwidget": {"metadata": {"provenance": {"by": "hand"}}}}, {"by": "hand"}),
        ({"digitwidget": "not a dict", "keras_version": "3.9"}, "keras"),
        ({"digitwidget": {"metadata": ["a list"]}}, "keras"),
        (["not", "a", "dict"], "keras"),
    ]:
        _with_metadata_json(tmp_path / "m.keras", tmp_path / "crafted.keras", metadata)
        back = load_model(tmp_path / "crafted.keras")
        assert back.metadata["input_scale"] == "unit"
        assert "temperature" not in back.metadata
        np.testing.assert_allclose(back.predict_proba(x), model.predict_proba(x), atol=1e-6)
        if provenance == "keras":  # not written by the engine: where it came from
            assert back.metadata["provenance"]["source"] == "crafted.keras"
        else:
            assert back.metadata.get("provenance") == provenance


def test_metadata_that_is_not_json_is_refused_and_no_file_remains(tmp_path: Path):
    model = _softmax_layer_model(1.0)
    model.metadata["provenance"] = {"when": object()}
    with pytest.raises(ValueError, match="must be JSON-serialisable"):
        model.save(tmp_path / "m.keras")
    assert list(tmp_path.iterdir()) == []


def test_a_model_without_an_input_layer_gets_one(tmp_path: Path):
    rng = np.random.default_rng(3)
    model = Model([Dense("input_layer", rng.normal(0, 0.1, (784, 10)), None, "softmax")], (784,))
    model.save(tmp_path / "m.keras")
    back = load_model(tmp_path / "m.keras")
    x = _images((784,))
    np.testing.assert_allclose(back.predict_proba(x), model.predict_proba(x), atol=1e-6)


@pytest.mark.parametrize(
    ("model", "match"),
    [
        (
            Model(
                [Dense("d", np.ones((784, 10)), None, {"name": "relu", "max_value": 6.0})], (784,)
            ),
            "arguments a Keras config cannot hold",
        ),
        (
            Model([Dense("d", np.ones((784, 10)))], (784,), {"temperature": 2.0}),
            "temperature 2.0 can be written",
        ),
        (Model([Dense("a/b", np.ones((784, 10)))], (784,)), "Keras names cannot contain '/'"),
        (Model([Dense("d", np.ones((784, 10)))], (784,), name="x/y"), "model name 'x/y'"),
        (
            Model(
                [Dense("d", np.ones((784, 10)), None, "tanh"), Activation("a", "softmax")],
                (784,),
                {"temperature": 2.0},
            ),
            "drop the temperature first",
        ),
    ],
)
def test_what_a_keras_file_cannot_hold_is_refused_and_no_file_remains(
    tmp_path: Path, model: Model, match: str
):
    with pytest.raises(ValueError, match=match):
        model.save(tmp_path / "m.keras")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_named(tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        _softmax_layer_model(1.0).save(tmp_path / "nowhere" / "m.keras")
