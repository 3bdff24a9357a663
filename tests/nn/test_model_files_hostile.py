"""Hostile model files: each is refused with a ModelFileError naming the file, in bounded
time and memory, before anything large is allocated.

Every file is written here by hand (zip + JSON + h5py + .npy headers); none needs TensorFlow.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

from digitwidget.nn import Dense, InputLayer, Model
from tests.nn.test_model_files import BIAS, KERNEL, _layer, h5_bytes, keras_config, write_keras


def _npz(path: Path, architecture: Any, arrays: dict[str, np.ndarray], **zip_options) -> Path:
    """An engine .npz with ``architecture`` (a dict, or raw JSON text) and named arrays."""
    text = architecture if isinstance(architecture, str) else json.dumps(architecture)
    with zipfile.ZipFile(path, "w", **zip_options) as archive:
        for name, array in {"architecture": np.array(text), **arrays}.items():
            buffer = io.BytesIO()
            np.save(buffer, array, allow_pickle=False)
            archive.writestr(f"{name}.npy", buffer.getvalue())
    return path


def _architecture(*layers: dict[str, Any], input_shape: Any = (2,)) -> dict[str, Any]:
    return {
        "format": "digitwidget",
        "version": 1,
        "name": "m",
        "input_shape": list(input_shape),
        "layers": list(layers),
        "metadata": {},
    }


DENSE = {
    "class_name": "Dense",
    "name": "dense",
    "config": {"units": 2, "activation": "relu", "use_bias": True},
    "weights": ["dense/kernel", "dense/bias"],
}
DENSE_ARRAYS = {"dense/kernel": KERNEL, "dense/bias": BIAS}


# 1. Numbers in a config: never NaN or infinite, always of the type the layer needs.


@pytest.mark.parametrize(
    ("layer", "match"),
    [
        (_layer("LeakyReLU", "act", negative_slope=float("nan")), "NaN, which is not a finite"),
        (_layer("Rescaling", "act", scale=float("inf")), "Infinity, which is not a finite"),
        (_layer("ReLU", "act", threshold=float("-inf")), "-Infinity, which is not a finite"),
        (_layer("ReLU", "act", max_value="abc"), r"max_value must be a finite number.*'abc'"),
        (_layer("ReLU", "act", negative_slope=True), "negative_slope must be a finite number"),
        (_layer("Dropout", "act", rate="x"), "rate must be a finite number between 0.0 and 1.0"),
        (_layer("Dropout", "act", rate=7), "rate must be a finite number between"),
        (_layer("ELU", "act", alpha=[1]), "alpha must be a finite number"),
        (_layer("LeakyReLU", "act", negative_slope=-1), "negative_slope must be a finite number"),
        (
            _layer("Activation", "act", activation={"name": "gelu", "approximate": "yes"}),
            "approximate must be true or false",
        ),
    ],
)
def test_keras_config_numbers_must_be_finite_and_of_the_right_type(
    tmp_path: Path, bounded, layer: dict[str, Any], match: str
) -> None:
    config = keras_config(_layer("Dense", "dense", units=2, activation="linear"), layer)
    bounded(write_keras(tmp_path / "m.keras", config=config), match)


def test_json_numbers_too_large_for_a_float_are_refused(tmp_path: Path, bounded) -> None:
    text = json.dumps(keras_config(_layer("Dense", "dense", units=2), _layer("ReLU", "r")))
    text = text.replace('"name": "r"', '"name": "r", "threshold": 1e400')
    bounded(write_keras(tmp_path / "m.keras", members={"config.json": text}), "1e400")


def test_npz_architecture_and_metadata_numbers_must_be_finite(tmp_path: Path, bounded) -> None:
    slope = {"class_name": "LeakyReLU", "name": "act", "config": {"negative_slope": 0.1}}
    text = json.dumps(_architecture(DENSE, slope)).replace("0.1", "NaN")
    bounded(_npz(tmp_path / "a.npz", text, DENSE_ARRAYS), "NaN, which is not a finite")
    text = json.dumps(_architecture(DENSE) | {"metadata": {"provenance": {"t": 1.5}}})
    text = text.replace("1.5", "Infinity")
    bounded(_npz(tmp_path / "b.npz", text, DENSE_ARRAYS), "Infinity, which is not a finite")


def test_mistyped_activation_arguments_are_refused_when_the_layer_is_made() -> None:
    with pytest.raises(ValueError, match=r"max_value must be a finite number.*'abc'"):
        Dense("d", KERNEL, BIAS, {"name": "relu", "max_value": "abc"})


# 2. Weights beyond float32's range are caught after the conversion.


@pytest.mark.parametrize("dtype", [np.float64, np.longdouble])
def test_weights_beyond_float32_range_are_refused(tmp_path: Path, bounded, dtype) -> None:
    kernel = KERNEL.astype(dtype)
    kernel[0, 0] = 1e39
    arrays = DENSE_ARRAYS | {"dense/kernel": kernel}
    bounded(_npz(tmp_path / "big.npz", _architecture(DENSE), arrays), "beyond float32's range")
    with pytest.raises(ValueError, match="beyond float32's range"):
        Dense("d", kernel, BIAS)


# 3. Sizes a digit model cannot have are refused before anything is built.


@pytest.mark.parametrize("shape", [[10**9], [1000, 1000, 1000], [10**7]])
def test_weightless_model_with_a_huge_input_is_refused_small(
    tmp_path: Path, bounded, shape: list[int]
) -> None:
    flatten = {"class_name": "Flatten", "name": "flat", "config": {}, "weights": []}
    path = _npz(tmp_path / "huge.npz", _architecture(flatten, input_shape=shape), {})
    bounded(path, "numbers per sample; the engine reads at most 65,536")

    inputs = _layer("InputLayer", "input_layer", batch_shape=[None, *shape], dtype="float32")
    config = keras_config(_layer("Flatten", "flat"))
    config["config"]["layers"][0] = inputs
    bounded(write_keras(tmp_path / "huge.keras", config=config, weights={}), "at most 65,536")


def test_model_refuses_too_many_classes_before_naming_them() -> None:
    with pytest.raises(ValueError, match="classes; the engine allows at most 4,096"):
        Model([InputLayer("in", (5000,))])


def test_keras_config_claiming_huge_units_is_refused_before_reading(
    tmp_path: Path, bounded
) -> None:
    config = keras_config(_layer("Dense", "dense", units=10**9, activation="relu"))
    bounded(write_keras(tmp_path / "m.keras", config=config), "units between 1 and 65,536")


def test_keras_parameter_count_is_bounded(tmp_path: Path, bounded) -> None:
    wide = [_layer("Dense", f"d{i}", units=60_000) for i in range(3)]
    config = keras_config(*wide)
    bounded(write_keras(tmp_path / "m.keras", config=config), "parameters; the engine loads at")


def test_hdf5_dataset_never_written_is_refused_by_its_shape(tmp_path: Path, bounded) -> None:
    def unwritten(f: h5py.File) -> None:
        f.create_dataset("layers/dense/vars/0", shape=(2, 50_000), dtype="f4", chunks=True)

    data = h5_bytes({"layers/dense/vars/1": BIAS}, extra=unwritten)
    path = write_keras(tmp_path / "m.keras", members={"model.weights.h5": data})
    bounded(path, r"must be a float array of shape \(2, 2\)\. Received: float32 \(2, 50000\)")


# 4-5. Zip members: only stored and deflated, never encrypted, never too many bytes.


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_bzip2_and_lzma_members_are_refused(tmp_path: Path, bounded, method: int) -> None:
    name = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA"}[method]
    bounded(write_keras(tmp_path / "m.keras", compress=method), f"compressed with {name}")
    path = _npz(tmp_path / "m.npz", _architecture(DENSE), DENSE_ARRAYS, compression=method)
    bounded(path, f"compressed with {name}")


def _patch_headers(path: Path, local: int, central: int, value: int) -> Path:
    """Set a 2-byte field of every member's local and central zip header (offsets given)."""
    raw = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", local), (b"PK\x01\x02", central)):
        start = raw.find(signature)
        while start >= 0:
            raw[start + offset : start + offset + 2] = value.to_bytes(2, "little")
            start = raw.find(signature, start + 4)
    path.write_bytes(bytes(raw))
    return path


def test_encrypted_members_are_refused(tmp_path: Path, bounded) -> None:
    path = _patch_headers(write_keras(tmp_path / "m.keras"), local=6, central=8, value=0x1)
    bounded(path, "is encrypted")


def test_unknown_compression_method_is_a_model_file_error(tmp_path: Path, bounded) -> None:
    path = _npz(tmp_path / "m.npz", _architecture(DENSE), DENSE_ARRAYS)
    bounded(_patch_headers(path, local=8, central=10, value=99), "compressed with method 99")


# 6. A .npy header's claimed shape must match what the member holds.


def _npy_with_claimed_shape(array: np.ndarray, shape: tuple[int, ...]) -> bytes:
    buffer = io.BytesIO()
    header = {"descr": np.lib.format.dtype_to_descr(array.dtype), "fortran_order": False}
    np.lib.format.write_array_header_1_0(buffer, header | {"shape": shape})
    buffer.write(array.tobytes())
    return buffer.getvalue()


def test_npy_header_claiming_a_huge_shape_is_refused_before_allocating(
    tmp_path: Path, bounded
) -> None:
    path = _npz(tmp_path / "m.npz", _architecture(DENSE), {"dense/bias": BIAS})
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("dense/kernel.npy", _npy_with_claimed_shape(KERNEL, (100_000, 100_000)))
    bounded(path, r"claims shape \(100000, 100000\) of float32 \(40,000,000,000 bytes\)")


# 7. Deep nesting in JSON or HDF5, and HDF5 read errors.


@pytest.mark.parametrize("member", ["config.json", "metadata.json"])
def test_deeply_nested_json_is_refused(tmp_path: Path, bounded, member: str) -> None:
    deep = (
        "[" * 100_000 + "]" * 100_000
        if member == "config.json"
        else '{"a":' * 500 + "1" + "}" * 500
    )
    path = write_keras(tmp_path / "m.keras", members={member: deep})
    bounded(path, f"its {member} is nested more than 64 levels deep")


def test_deeply_nested_npz_architecture_is_refused(tmp_path: Path, bounded) -> None:
    text = json.dumps(_architecture(DENSE)).replace(
        '"metadata": {}', '"metadata": ' + "[" * 5000 + "]" * 5000
    )
    bounded(_npz(tmp_path / "m.npz", text, DENSE_ARRAYS), "nested more than 64 levels deep")


def test_deeply_nested_hdf5_groups_are_refused(tmp_path: Path, bounded) -> None:
    def nest(f: h5py.File) -> None:
        f.create_group("/".join(["g"] * 200))

    path = write_keras(tmp_path / "m.keras", members={"model.weights.h5": h5_bytes({}, nest)})
    bounded(path, "nests groups more than 32 deep")


def test_hdf5_checksum_error_is_a_model_file_error(tmp_path: Path, bounded) -> None:
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.create_dataset("layers/dense/vars/0", data=KERNEL, chunks=(2, 2), fletcher32=True)
        f["layers/dense/vars/1"] = BIAS
        offset = f["layers/dense/vars/0"].id.get_chunk_info(0).byte_offset
    data = bytearray(buffer.getvalue())
    data[offset] ^= 0xFF
    path = write_keras(tmp_path / "m.keras", members={"model.weights.h5": bytes(data)})
    bounded(path, "its weights file cannot be read at /layers/dense/vars/0")


# 8. Many members: refused by count, and messages stay short.


def test_npz_with_thousands_of_members_is_refused_by_count(tmp_path: Path, bounded) -> None:
    path = tmp_path / "many.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(5000):
            archive.writestr(f"x{i}.npy", b"")
    bounded(path, "it holds 5,000 files; a model file holds at most 4,096")


def test_unlisted_arrays_are_named_a_few_at_a_time(tmp_path: Path, bounded) -> None:
    extra = {f"extra{i:03d}": np.zeros(1, np.float32) for i in range(300)}
    path = _npz(tmp_path / "m.npz", _architecture(DENSE), DENSE_ARRAYS | extra)
    bounded(path, r"'extra000', 'extra001', 'extra002', 'extra003', 'extra004' and 295 more")


def test_an_oversized_architecture_is_named_as_such(tmp_path: Path, bounded) -> None:
    text = json.dumps(
        _architecture(DENSE) | {"metadata": {"provenance": {"note": "x" * 1_100_000}}}
    )
    path = _npz(tmp_path / "m.npz", text, DENSE_ARRAYS)
    bounded(path, r"its 'architecture' entry is [\d,]+ bytes, more than the 4,194,304")
