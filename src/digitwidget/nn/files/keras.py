"""Read a Keras 3 ``.keras`` file (a zip of config.json + model.weights.h5) without Keras.

Nothing in the file is executed or unpickled: the config is JSON, the weights are HDF5
datasets read with h5py from memory. Zip members are size-checked before reading, and
HDF5 soft/external links, virtual datasets and external storage are refused.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from digitwidget.nn._limits import MAX_FILE_BYTES, check_features, check_parameters
from digitwidget.nn.files.keras_config import LayerSpec, parse_model_config
from digitwidget.nn.files.parts import ModelParts
from digitwidget.nn.files.registry import layer_class, layer_from_config
from digitwidget.nn.files.strict_json import load_json
from digitwidget.nn.files.zip_members import check_members, read_member
from digitwidget.nn.layers import Layer, Shape
from digitwidget.nn.layers.base import parameter_count

if TYPE_CHECKING:
    import h5py

MAX_CONFIG_BYTES = 1 << 20
MAX_METADATA_BYTES = 1 << 16
MAX_H5_OBJECTS = 10_000
MAX_H5_DEPTH = 32
H5_SLACK_BYTES = 1 << 20
H5_BYTES_PER_ARRAY = 16 << 10  # HDF5's headers for a weight and its optimizer slots
BYTES_PER_PARAMETER = 32  # float64 weights plus an optimizer's copies (Adam, AdamW: two) fit
# config.json + metadata.json + the largest weights file, in all.
MAX_ZIP_BYTES = MAX_CONFIG_BYTES + MAX_METADATA_BYTES + MAX_FILE_BYTES


def _weight_shapes(specs: list[LayerSpec], input_shape: Shape) -> list[dict[str, Shape]]:
    """Each layer's weights and their shapes, as its class says its config and input need.

    The shapes let every dataset be checked before it is read, and their sum bounds the
    weights file. Unknown or unsafe layer classes are refused here, before any reading.
    """
    shape, found = input_shape, []
    for spec in specs:
        cls = layer_class(spec.class_name, spec.name)
        found.append(cls.weight_shapes(spec.config, shape))
        shape = cls.compute_output_shape(spec.config, shape)
        check_features(spec.name, shape)
    check_parameters(sum(parameter_count(shapes) for shapes in found))
    return found


def _weights_budget(shapes: list[dict[str, Shape]]) -> int:
    """The most bytes the weights file may unpack to: every layer's weights (float64, plus
    an optimizer's copies, as a model saved after ``fit`` holds them), room for HDF5's own
    structures, and never over the cap."""
    count = sum(parameter_count(layer) for layer in shapes)
    arrays = sum(len(layer) for layer in shapes)
    budget = BYTES_PER_PARAMETER * count + H5_BYTES_PER_ARRAY * arrays + H5_SLACK_BYTES
    return min(budget, MAX_FILE_BYTES)


def _check_safe(h5: h5py.File) -> None:
    """Refuse any link but a plain hard link, virtual datasets and external storage.

    Walked with a stack, not recursion: a file of deeply nested groups must not overflow.
    """
    import h5py

    stack, seen = [h5], 0
    while stack:
        group = stack.pop()
        for key in group:
            seen += 1
            link = group.get(key, getlink=True)
            where = f"{group.name.rstrip('/')}/{key}"[:200]
            if seen > MAX_H5_OBJECTS or not isinstance(link, h5py.HardLink):
                kind = type(link).__name__ if seen <= MAX_H5_OBJECTS else "too many objects"
                msg = f"its weights file has a {kind} at {where!r}; only plain HDF5 datasets are read."
                raise ValueError(msg)
            if where.count("/") > MAX_H5_DEPTH:
                msg = f"its weights file nests groups more than {MAX_H5_DEPTH} deep at {where!r}."
                raise ValueError(msg)
            item = group[key]
            if isinstance(item, h5py.Group):
                stack.append(item)
            elif isinstance(item, h5py.Dataset) and (item.is_virtual or item.external):
                msg = (
                    f"its weights file stores {where!r} outside itself (virtual/external dataset)."
                )
                raise ValueError(msg)


def _dataset(group: h5py.Group, key: str, shape: tuple[int, ...]) -> np.ndarray:
    """Read one weight, after checking it is a float dataset of exactly ``shape``."""
    import h5py

    item = group[key]
    where = f"{group.name}/{key}"
    if not isinstance(item, h5py.Dataset) or item.dtype.kind != "f" or item.shape != shape:
        found = f"{item.dtype} {item.shape}" if isinstance(item, h5py.Dataset) else "a group"
        msg = f"{where} must be a float array of shape {shape}. Received: {found}."
        raise ValueError(msg)
    try:
        array: np.ndarray = item[()]
    except OSError as error:  # a corrupt chunk, a bad checksum, a filter HDF5 lacks
        msg = f"its weights file cannot be read at {where} ({error}). Copy the file again."
        raise ValueError(msg) from None
    return array


def _layer_weights(
    h5: h5py.File, spec: LayerSpec, shapes: dict[str, Shape]
) -> dict[str, np.ndarray]:
    """The datasets under ``layers/<name>/vars`` (``"0"``, ``"1"``, ... in the order of
    ``shapes``), named as the layer names them."""
    import h5py

    group = h5.get(f"{spec.weights_path}/vars")
    keys = sorted(group.keys(), key=lambda k: (len(k), k)) if isinstance(group, h5py.Group) else []
    expected = [str(i) for i in range(len(shapes))]
    if keys != expected:
        what = f"({', '.join(shapes)})" if shapes else "(none: it has no weights)"
        msg = (
            f"layer {spec.name!r} needs weights {expected} {what} under "
            f"'{spec.weights_path}/vars'. Received: {keys[:10]}. Re-save the model with Keras 3."
        )
        raise ValueError(msg)
    return {
        name: _dataset(group, key, shape)
        for (name, shape), key in zip(shapes.items(), keys, strict=True)
    }


def _read_weights(
    data: bytes, specs: list[LayerSpec], shapes: list[dict[str, Shape]]
) -> list[dict[str, np.ndarray]]:
    import h5py  # imported here: it is slow to import and only .keras files need it

    try:
        h5 = h5py.File(io.BytesIO(data), "r")
    except OSError as error:
        msg = f"its model.weights.h5 is not a readable HDF5 file ({error})."
        raise ValueError(msg) from None
    with h5:
        _check_safe(h5)
        return [_layer_weights(h5, spec, s) for spec, s in zip(specs, shapes, strict=True)]


def _metadata(path: Path, keras_meta: Any, model_layers: list[Layer]) -> dict[str, Any]:
    """The model's metadata: what the engine wrote into ``metadata.json`` when it saved the
    file (provenance, class names), else where the file came from. The input scale is
    always read from the layers; a temperature never, since the weights hold it."""
    first = next((layer for layer in model_layers if not layer.is_identity), None)
    byte_input = first is not None and first.reads_bytes
    input_scale = {"input_scale": "byte" if byte_input else "unit"}
    own = keras_meta.get("digitwidget") if isinstance(keras_meta, dict) else None
    saved = own.get("metadata") if isinstance(own, dict) else None
    if isinstance(saved, dict):
        kept = {k: v for k, v in saved.items() if k not in ("temperature", "input_scale")}
        return kept | input_scale
    provenance = {"source": path.name, "format": "keras"}
    if isinstance(keras_meta, dict):
        provenance |= {
            k: str(v) for k, v in keras_meta.items() if k in ("keras_version", "date_saved")
        }
    return input_scale | {"provenance": provenance}


def read_keras(path: Path) -> ModelParts:
    """Read a Keras 3 ``.keras`` file's layers and weights; raises ValueError (no file name)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = {info.filename for info in check_members(archive, MAX_ZIP_BYTES)}
            for member in ("config.json", "model.weights.h5"):
                if member not in names:
                    msg = f"it has no {member!r} inside; a Keras 3 .keras zip holds config.json and model.weights.h5."
                    raise ValueError(msg)
            config = load_json(read_member(archive, "config.json", MAX_CONFIG_BYTES), "config.json")
            name, input_shape, specs = parse_model_config(config)
            meta = {}
            if "metadata.json" in names:
                raw = read_member(archive, "metadata.json", MAX_METADATA_BYTES)
                meta = load_json(raw, "metadata.json")
            shapes = _weight_shapes(specs, input_shape)
            data = read_member(archive, "model.weights.h5", _weights_budget(shapes))
    except (zipfile.BadZipFile, EOFError, zlib.error) as error:
        msg = (
            f"it is not an intact Keras 3 .keras zip ({type(error).__name__}: {error}). "
            "If it was cut short, copy it again, or re-save it with model.save('model.keras')."
        )
        raise ValueError(msg) from None
    weights = _read_weights(data, specs, shapes)
    layers = [
        layer_from_config(spec.class_name, spec.name, spec.config, w)
        for spec, w in zip(specs, weights, strict=True)
    ]
    return ModelParts(layers, input_shape, _metadata(path, meta, layers), name)
