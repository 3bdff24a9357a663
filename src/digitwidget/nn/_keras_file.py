"""Read a Keras 3 ``.keras`` file (a zip of config.json + model.weights.h5) without Keras.

Nothing in the file is executed or unpickled: the config is JSON, the weights are HDF5
datasets read with h5py from memory. Zip members are size-checked before reading, and
HDF5 soft/external links, virtual datasets and external storage are refused.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from digitwidget.nn._keras_config import LayerSpec, parse_model_config
from digitwidget.nn._registry import layer_from_config
from digitwidget.nn.layers import Rescaling
from digitwidget.nn.model import Model

if TYPE_CHECKING:
    import h5py

MAX_CONFIG_BYTES = 1 << 20
MAX_METADATA_BYTES = 1 << 16
MAX_H5_OBJECTS = 10_000
H5_SLACK_BYTES = 1 << 20
BYTES_PER_PARAMETER = 32  # float64 weights plus optimizer slots still fit


def _read_member(archive: zipfile.ZipFile, member: str, limit: int) -> bytes:
    """Read one zip member, refusing it before and while reading if over ``limit`` bytes."""
    try:
        info = archive.getinfo(member)
    except KeyError:
        msg = f"it has no {member!r} inside; a Keras 3 .keras zip holds config.json and model.weights.h5."
        raise ValueError(msg) from None
    if info.file_size > limit:
        msg = f"its member {member!r} unpacks to {info.file_size:,} bytes, more than the {limit:,} expected."
        raise ValueError(msg)
    with archive.open(info) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        msg = f"its member {member!r} unpacks to more than the {limit:,} bytes expected."
        raise ValueError(msg)
    return data


def _parameter_budget(specs: list[LayerSpec], input_shape: tuple[int, ...]) -> int:
    """An upper bound on the weights' size in bytes, from the config alone."""
    shape, count = input_shape, 0
    for spec in specs:
        if spec.class_name == "Flatten":
            shape = (math.prod(shape),)
        units = spec.config.get("units")
        if spec.class_name == "Dense" and isinstance(units, int) and units > 0:
            count += (shape[-1] + 1) * units
            shape = (*shape[:-1], units)
    return BYTES_PER_PARAMETER * count + H5_SLACK_BYTES


def _check_safe(group: h5py.Group, seen: list[int]) -> None:
    """Refuse any link but a plain hard link, virtual datasets and external storage."""
    import h5py

    for key in group:
        seen[0] += 1
        link = group.get(key, getlink=True)
        where = f"{group.name.rstrip('/')}/{key}"
        if seen[0] > MAX_H5_OBJECTS or not isinstance(link, h5py.HardLink):
            kind = type(link).__name__ if seen[0] <= MAX_H5_OBJECTS else "too many objects"
            msg = f"its weights file has a {kind} at {where!r}; only plain HDF5 datasets are read."
            raise ValueError(msg)
        item = group[key]
        if isinstance(item, h5py.Group):
            _check_safe(item, seen)
        elif isinstance(item, h5py.Dataset) and (item.is_virtual or item.external):
            msg = f"its weights file stores {where!r} outside itself (virtual/external dataset)."
            raise ValueError(msg)


def _dataset(group: h5py.Group, key: str, limit: int) -> np.ndarray:
    import h5py

    item = group[key]
    if not isinstance(item, h5py.Dataset) or item.size * item.dtype.itemsize > limit:
        msg = f"{group.name}/{key} is not a weight array of at most {limit:,} bytes."
        raise ValueError(msg)
    return item[()]


def _layer_weights(h5: h5py.File, spec: LayerSpec, limit: int) -> dict[str, np.ndarray]:
    """The datasets under ``layers/<name>/vars``, named as the engine names them."""
    import h5py

    group = h5.get(f"{spec.weights_path}/vars")
    keys = sorted(group.keys(), key=lambda k: (len(k), k)) if isinstance(group, h5py.Group) else []
    if spec.class_name != "Dense":
        return {key: _dataset(group, key, limit) for key in keys}
    expected = ["0", "1"] if spec.config.get("use_bias", True) else ["0"]
    if keys != expected:
        msg = (
            f"layer {spec.name!r} needs weights {expected} under '{spec.weights_path}/vars' "
            f"(kernel, bias). Received: {keys}. Re-save the model with Keras 3."
        )
        raise ValueError(msg)
    return {
        name: _dataset(group, key, limit)
        for name, key in zip(("kernel", "bias"), keys, strict=False)
    }


def _read_weights(data: bytes, specs: list[LayerSpec], limit: int) -> list[dict[str, np.ndarray]]:
    import h5py  # imported here: it is slow to import and only .keras files need it

    try:
        h5 = h5py.File(io.BytesIO(data), "r")
    except OSError as error:
        msg = f"its model.weights.h5 is not a readable HDF5 file ({error})."
        raise ValueError(msg) from None
    with h5:
        _check_safe(h5, [0])
        return [_layer_weights(h5, spec, limit) for spec in specs]


def _metadata(path: Path, keras_meta: Any, model_layers: list) -> dict[str, Any]:
    first = next((layer for layer in model_layers if type(layer).__name__ != "InputLayer"), None)
    byte_input = (
        isinstance(first, Rescaling) and math.isclose(first.scale, 1 / 255) and first.offset == 0
    )
    provenance = {"source": path.name, "format": "keras"}
    if isinstance(keras_meta, dict):
        provenance |= {
            k: str(v) for k, v in keras_meta.items() if k in ("keras_version", "date_saved")
        }
    return {"input_scale": "byte" if byte_input else "unit", "provenance": provenance}


def read_keras(path: Path) -> Model:
    """Load a Keras 3 ``.keras`` file as a :class:`Model`; raises ValueError (no file name)."""
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(_read_member(archive, "config.json", MAX_CONFIG_BYTES))
            name, input_shape, specs = parse_model_config(config)
            meta = {}
            if "metadata.json" in archive.namelist():
                meta = json.loads(_read_member(archive, "metadata.json", MAX_METADATA_BYTES))
            budget = _parameter_budget(specs, input_shape)
            data = _read_member(archive, "model.weights.h5", budget)
    except (
        zipfile.BadZipFile,
        EOFError,
        zlib.error,
        json.JSONDecodeError,
        UnicodeDecodeError,
    ) as error:
        msg = (
            f"it is not an intact Keras 3 .keras zip ({type(error).__name__}: {error}). "
            "If it was cut short, copy it again, or re-save it with model.save('model.keras')."
        )
        raise ValueError(msg) from None
    weights = _read_weights(data, specs, budget)
    layers = [
        layer_from_config(spec.class_name, spec.name, spec.config, w)
        for spec, w in zip(specs, weights, strict=True)
    ]
    return Model(layers, input_shape, name=name, metadata=_metadata(path, meta, layers))
