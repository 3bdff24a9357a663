"""Model files: the .npz round trip, and every broken or hostile file refused by name.

The .keras files here are written by hand (zip + JSON + h5py), so no TensorFlow is needed.
"""

from __future__ import annotations

import io
import json
import pathlib
import zipfile
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

from digitwidget.nn import Dense, InputLayer, Model, ModelFileError, load_model, loading
from digitwidget.nn.files import npz

KERNEL = np.array([[1.0, -2.0], [3.0, -4.0]], np.float32)
BIAS = np.array([5.0, -6.0], np.float32)


def _layer(class_name: str, name: str, **config: Any) -> dict[str, Any]:
    return {
        "module": "keras.layers",
        "class_name": class_name,
        "config": {"name": name, **config},
        "registered_name": None,
    }


def keras_config(*layers: dict[str, Any]) -> dict[str, Any]:
    """A Sequential config shaped like the ones Keras 3.15 writes."""
    if not layers:
        layers = (_layer("Dense", "dense", units=2, activation="relu", use_bias=True),)
    inputs = _layer("InputLayer", "input_layer", batch_shape=[None, 2], dtype="float32")
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "seq", "layers": [inputs, *layers]},
    }


def h5_bytes(datasets: dict[str, Any], extra=None) -> bytes:
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.create_group("layers")
        for key, value in datasets.items():
            f[key] = value
        if extra:
            extra(f)
    return buffer.getvalue()


DEFAULT_WEIGHTS = {"layers/dense/vars/0": KERNEL, "layers/dense/vars/1": BIAS}


def write_keras(
    path: Path, config=None, weights=None, members=None, compress=zipfile.ZIP_STORED
) -> Path:
    members = {
        "metadata.json": json.dumps({"keras_version": "3.15.1"}),
        "config.json": json.dumps(config or keras_config()),
        "model.weights.h5": h5_bytes(DEFAULT_WEIGHTS if weights is None else weights),
    } | (members or {})
    with zipfile.ZipFile(path, "w", compression=compress) as archive:
        for name, data in members.items():
            if data is not None:
                archive.writestr(name, data)
    return path


def _tiny_model() -> Model:
    return Model(
        [InputLayer("in", (2,)), Dense("dense", KERNEL, BIAS, "relu")],
        metadata={"provenance": {"seed": 1}},
    )


def _refused(path: Path, match: str) -> ModelFileError:
    with pytest.raises(ModelFileError, match=match) as info:
        load_model(path)
    assert str(path) in str(info.value)
    return info.value


def test_hand_written_keras_file_loads_and_computes(tmp_path):
    model = load_model(write_keras(tmp_path / "m.keras"))
    np.testing.assert_array_equal(model.forward(np.array([[0.0, 1.0]], np.float32)), [[8.0, 0.0]])
    assert model.metadata["provenance"]["keras_version"] == "3.15.1"


def test_npz_round_trip_keeps_weights_config_and_metadata(tmp_path):
    model = _tiny_model()
    model.save(tmp_path / "m.npz")
    again = load_model(tmp_path / "m.npz")
    np.testing.assert_array_equal(again.layers[1].kernel, KERNEL)
    np.testing.assert_array_equal(again.layers[1].bias, BIAS)
    assert again.metadata == model.metadata
    assert again.metadata["provenance"] == {"seed": 1}
    with np.load(tmp_path / "m.npz", allow_pickle=False) as data:
        assert sorted(data.files) == ["architecture", "dense/bias", "dense/kernel"]
        arch = json.loads(str(data["architecture"]))
    assert (arch["format"], arch["version"], arch["input_shape"]) == ("digitwidget", 1, [2])
    assert arch["layers"][1]["weights"] == ["dense/kernel", "dense/bias"]


def test_save_leaves_no_temporary_files(tmp_path):
    _tiny_model().save(tmp_path / "m.npz")
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


@pytest.mark.parametrize(
    ("metadata", "name", "match"),
    [({}, "m.h5", "use a .npz or .keras name"), ({"x": object()}, "m.npz", "JSON-serialisable")],
)
def test_save_refuses_bad_path_or_metadata(tmp_path, metadata, name, match):
    model = _tiny_model()
    model.metadata.update(metadata)
    with pytest.raises(ValueError, match=match):
        model.save(tmp_path / name)


# --- .keras files -------------------------------------------------------------------


def _external_link(f: h5py.File, target: Path) -> None:
    del f["layers/dense/vars/1"]
    f["layers/dense/vars/1"] = h5py.ExternalLink(str(target), "/secret")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"members": {"config.json": None}}, "no 'config.json'"),
        ({"members": {"model.weights.h5": None}}, "no 'model.weights.h5'"),
        ({"members": {"config.json": "{not json"}}, "config.json is not valid JSON"),
        ({"members": {"model.weights.h5": b"not hdf5"}}, "not a readable HDF5"),
        ({"weights": {"layers/dense/vars/0": KERNEL}}, r"needs weights \['0', '1'\]"),
        (
            {"weights": {"layers/dense/vars/0": KERNEL.T[:1], "layers/dense/vars/1": BIAS}},
            "must be a float array of shape \\(2, 2\\)",
        ),
        (
            {
                "weights": {
                    "layers/dense/vars/0": np.full((2, 2), np.nan),
                    "layers/dense/vars/1": BIAS,
                }
            },
            "NaN",
        ),
        (
            {"weights": {"layers/dense/vars/0": KERNEL.astype(int), "layers/dense/vars/1": BIAS}},
            "float array",
        ),
        (
            {"config": keras_config(_layer("Conv3D", "conv", filters=3))},
            "'conv' has unsupported class 'Conv3D'",
        ),
        (
            {"config": keras_config(_layer("Lambda", "hack", function="x"))},
            "'hack' is a Lambda layer",
        ),
        ({"config": {"class_name": "Bogus"}}, "Sequential or Functional"),
        (
            {
                "config": keras_config(
                    {**_layer("Dense", "mine", units=2), "registered_name": "pkg>Mine"}
                )
            },
            "custom layer",
        ),
        (
            {"config": keras_config(_layer("Dense", "dense", units=2, activation="mystery"))},
            "Unknown activation",
        ),
    ],
)
def test_broken_keras_files_are_refused_by_name(tmp_path, kwargs, match):
    _refused(write_keras(tmp_path / "broken.keras", **kwargs), match)


def test_hdf5_external_link_is_refused_without_following_it(tmp_path):
    secret = tmp_path / "secret.h5"
    with h5py.File(secret, "w") as f:
        f["secret"] = BIAS
    weights = h5_bytes(DEFAULT_WEIGHTS, extra=lambda f: _external_link(f, secret))
    path = write_keras(tmp_path / "link.keras", members={"model.weights.h5": weights})
    _refused(path, "ExternalLink at '/layers/dense/vars/1'")


def test_hdf5_soft_link_is_refused(tmp_path):
    def soft(f: h5py.File) -> None:
        f["elsewhere"] = BIAS
        del f["layers/dense/vars/1"]
        f["layers/dense/vars/1"] = h5py.SoftLink("/elsewhere")

    path = write_keras(
        tmp_path / "soft.keras", members={"model.weights.h5": h5_bytes(DEFAULT_WEIGHTS, soft)}
    )
    _refused(path, "SoftLink")


@pytest.mark.parametrize("member", ["config.json", "model.weights.h5", "metadata.json"])
def test_oversized_zip_member_is_refused_before_reading(tmp_path, member):
    bomb = b" " * (8 << 20)
    path = write_keras(
        tmp_path / "bomb.keras", members={member: bomb}, compress=zipfile.ZIP_DEFLATED
    )
    assert path.stat().st_size < 1 << 20
    _refused(path, f"member '{member}' unpacks to 8,388,608 bytes")


def test_truncated_keras_file_is_refused_with_the_fix(tmp_path):
    good = write_keras(tmp_path / "good.keras").read_bytes()
    path = tmp_path / "cut.keras"
    path.write_bytes(good[: len(good) // 2])
    _refused(path, r"not an intact Keras 3 .keras zip.*copy it again, or re-save it")


def test_non_zip_keras_file_is_refused(tmp_path):
    path = tmp_path / "text.keras"
    path.write_text("hello")
    _refused(path, "not an intact Keras 3 .keras zip")


def test_branching_functional_model_is_refused(tmp_path):
    def node(source: str) -> list[dict[str, Any]]:
        return [
            {
                "args": [
                    {"class_name": "__keras_tensor__", "config": {"keras_history": [source, 0, 0]}}
                ],
                "kwargs": {},
            }
        ]

    layers = [
        {**_layer("InputLayer", "x", batch_shape=[None, 2]), "inbound_nodes": []},
        {**_layer("Dense", "dense", units=2), "inbound_nodes": node("x")},
        {**_layer("Dense", "dense_1", units=2), "inbound_nodes": node("x")},
    ]
    config = {
        "class_name": "Functional",
        "config": {
            "name": "f",
            "layers": layers,
            "input_layers": [["x", 0, 0]],
            "output_layers": [["dense_1", 0, 0]],
        },
    }
    weights = DEFAULT_WEIGHTS | {"layers/dense_1/vars/0": KERNEL, "layers/dense_1/vars/1": BIAS}
    _refused(
        write_keras(tmp_path / "branch.keras", config=config, weights=weights), "straight chain"
    )


# --- .npz files ---------------------------------------------------------------------


class _Trap:
    """Unpickling this creates a file: proof that something was unpickled."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def test_pickled_object_array_is_refused_without_unpickling(tmp_path):
    marker = tmp_path / "unpickled"
    trap = np.array([_Trap(marker)], dtype=object)
    path = tmp_path / "evil.npz"
    arch = _tiny_model().architecture()
    arrays = {
        "architecture": np.array(json.dumps(arch)),
        "dense/kernel": KERNEL,
        "dense/bias": trap,
    }
    np.savez(path, **arrays)
    _refused(path, "holds pickled Python objects, which are never loaded")
    assert not marker.exists()
    with np.load(path, allow_pickle=True) as data:
        data["dense/bias"]
    assert marker.exists()


def _npz(path: Path, mutate) -> Path:
    arch = _tiny_model().architecture()
    arrays = {"dense/kernel": KERNEL, "dense/bias": BIAS}
    mutate(arch, arrays)
    np.savez(path, architecture=np.array(json.dumps(arch)), **arrays)
    return path


def _set_dense_class(arch, arrays):
    arch["layers"][1]["class_name"] = "LSTM"


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda a, w: a.update(format="other"), "expected format 'digitwidget' version 1"),
        (lambda a, w: a.update(version=2), "expected format 'digitwidget' version 1"),
        (lambda a, w: w.update(extra=np.zeros(3)), r"arrays no layer uses: 'extra'\."),
        (lambda a, w: w.pop("dense/bias"), "'dense/bias', which the file does not hold"),
        (lambda a, w: w.update({"dense/bias": np.array([np.inf, 0])}), "NaN or infinite"),
        (lambda a, w: w.update({"dense/kernel": KERNEL.astype(np.int32)}), "float array"),
        (lambda a, w: w.update({"dense/kernel": np.ones((3, 2), np.float32)}), "kernel of shape"),
        (_set_dense_class, "unsupported class 'LSTM'"),
        (lambda a, w: a.update(input_shape="784"), "input_shape must be a list"),
        (lambda a, w: a.update(metadata=[1]), "metadata must be a JSON object"),
        (
            lambda a, w: a["metadata"].update(input_scale="percent"),
            r"input_scale'\] must be 'unit' or 'byte'. Received: 'percent'",
        ),
        (
            lambda a, w: a["metadata"].update(class_names=["a"]),
            r"class_names'\] must be a list of 2 strings",
        ),
    ],
)
def test_broken_npz_files_are_refused_by_name(tmp_path, mutate, match):
    _refused(_npz(tmp_path / "broken.npz", mutate), match)


def test_npz_without_architecture_is_refused(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, kernel=KERNEL)
    _refused(path, "no 'architecture' entry")


@pytest.mark.parametrize("content", [b"hello", b"\x93NUMPY fake"])
def test_non_zip_npz_is_refused(tmp_path, content):
    path = tmp_path / "fake.npz"
    path.write_bytes(content)
    _refused(path, "not an .npz archive")


def test_oversized_npz_is_refused_before_loading(tmp_path, monkeypatch):
    monkeypatch.setattr(npz, "MAX_FILE_BYTES", 1 << 20)
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("architecture.npy", b"\0" * (8 << 20))
    _refused(path, "more than the")


@pytest.mark.parametrize("kept", [0.5, 0.98])
def test_truncated_npz_is_refused_as_damaged_with_the_fix(tmp_path, kept):
    good = _npz(tmp_path / "good.npz", lambda a, w: None).read_bytes()
    path = tmp_path / "cut.npz"
    path.write_bytes(good[: int(len(good) * kept)])
    _refused(path, r"damaged .npz archive.*cut short. Copy it again, or re-save")


# --- paths ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "match"), [("m.txt", "unsupported file type '.txt'"), ("m.h5", "re-save")]
)
def test_wrong_extension_is_refused_by_name(tmp_path, name, match):
    path = tmp_path / name
    path.write_bytes(write_keras(tmp_path / "m.keras").read_bytes())
    _refused(path, match)


def test_a_folder_is_refused_with_the_fix_for_saved_models(tmp_path):
    folder = tmp_path / "saved_model"
    folder.mkdir()
    _refused(folder, r"is a folder, not a model file.*model.save\('model.keras'\)")


def test_a_path_that_is_not_a_path_is_refused_clearly():
    with pytest.raises(
        TypeError,
        match=r"path must be a shipped model's name \('cnn', 'mlp'\), a file path \(str or "
        r"os.PathLike\) or None. Received: 123",
    ):
        load_model(123)


def test_save_into_a_missing_folder_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"the folder '.*nowhere' does not exist"):
        _tiny_model().save(tmp_path / "nowhere" / "m.npz")
    assert not (tmp_path / "nowhere").exists()


def test_metadata_the_model_cannot_honour_is_refused_when_it_is_made():
    with pytest.raises(ValueError, match=r"must be 'unit' or 'byte'"):
        Model([InputLayer("in", (2,)), Dense("dense", KERNEL, BIAS)], metadata={"input_scale": 255})
    with pytest.raises(ValueError, match=r"list of 2 strings"):
        Model(
            [InputLayer("in", (2,)), Dense("dense", KERNEL, BIAS)], metadata={"class_names": "ab"}
        )


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nothere\.npz"):
        load_model(tmp_path / "nothere.npz")


def test_default_model_missing_says_how_to_make_it(tmp_path, monkeypatch):
    monkeypatch.setattr(loading.resources, "files", lambda package: tmp_path)
    with pytest.raises(FileNotFoundError, match="make weights"):
        load_model()


def test_shipped_models_are_read_from_the_package_weights_by_name(tmp_path, monkeypatch):
    (tmp_path / "weights").mkdir()
    _tiny_model().save(tmp_path / "weights" / "cnn.npz")
    monkeypatch.setattr(loading.resources, "files", lambda package: tmp_path)
    assert load_model().metadata["provenance"] == {"seed": 1}
    assert load_model("cnn").metadata["provenance"] == {"seed": 1}
    with pytest.raises(FileNotFoundError, match="The shipped 'mlp' weights are missing"):
        load_model("mlp")


def test_hdf5_dataset_larger_than_the_model_needs_is_refused_before_reading(tmp_path):
    def huge(f: h5py.File) -> None:
        del f["layers/dense/vars/0"]
        f.create_dataset(
            "layers/dense/vars/0",
            shape=(20_000, 20_000),
            dtype="f4",
            chunks=True,
            compression="gzip",
        )

    weights = h5_bytes(DEFAULT_WEIGHTS, huge)
    assert len(weights) < 1 << 20
    path = write_keras(tmp_path / "huge.keras", members={"model.weights.h5": weights})
    _refused(path, r"must be a float array of shape \(2, 2\)\. Received: float32 \(20000, 20000\)")


def test_weights_on_a_layer_without_weights_are_refused(tmp_path):
    config = keras_config(_layer("Dense", "dense", units=2), _layer("Flatten", "flatten"))
    weights = DEFAULT_WEIGHTS | {"layers/flatten/vars/0": BIAS}
    _refused(
        write_keras(tmp_path / "extra.keras", config=config, weights=weights),
        r"layer 'flatten' needs weights \[\] \(none: it has no weights\).*Received: \['0'\]",
    )


def test_saved_file_has_the_permissions_of_any_new_file(tmp_path):
    (tmp_path / "plain.bin").write_bytes(b"")
    _tiny_model().save(tmp_path / "m.npz")
    assert (tmp_path / "m.npz").stat().st_mode == (tmp_path / "plain.bin").stat().st_mode
