"""The engine's own ``.npz`` format: read and write.

The file is a zip of ``.npy`` arrays: ``architecture``, a 0-d unicode array holding JSON ::

    {"format": "digitwidget", "version": 1, "name": ..., "input_shape": [784],
     "layers": [{"class_name": "Dense", "name": "dense", "config": {...},
                 "weights": ["dense/kernel", "dense/bias"]}, ...],
     "metadata": {"input_scale": "unit", "class_names": [...], "provenance": {...}}}

and one float32 array per weight under the names listed. Nothing is ever unpickled: the
arrays are read from their ``.npy`` headers and bytes (see ``zip_members``).
"""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from digitwidget.nn._limits import MAX_FILE_BYTES, check_input_shape, check_layer_count
from digitwidget.nn.files.parts import ModelParts
from digitwidget.nn.files.registry import layer_from_config
from digitwidget.nn.files.strict_json import load_json
from digitwidget.nn.files.zip_members import check_members, read_npy

FORMAT, VERSION = "digitwidget", 1
MAX_ARCHITECTURE_BYTES = 4 << 20  # 1 M characters of JSON, 4 bytes each in a .npy


def write_npz(
    path: str | os.PathLike[str], architecture: dict[str, Any], arrays: dict[str, np.ndarray]
) -> None:
    """Write an architecture and its weights (atomically: a partial file never remains)."""

    path = Path(path)
    if not path.parent.is_dir():
        msg = f"Cannot save {str(path)!r}: the folder {str(path.parent)!r} does not exist. Create it first."
        raise FileNotFoundError(msg)
    if path.suffix.lower() != ".npz":
        msg = f"Models are saved in the engine's .npz format. Received: path={str(path)!r}; use a .npz name."
        raise ValueError(msg)
    try:
        text = json.dumps(architecture)
    except TypeError as error:
        msg = f"model.metadata must be JSON-serialisable ({error}). Received: {architecture.get('metadata')!r:.200}."
        raise ValueError(msg) from None
    # A plain open() (not tempfile, which makes 0600 files) keeps the usual permissions.
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as handle:
            members: dict[str, Any] = {"architecture": np.array(text), **arrays}
            np.savez(handle, **members)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _check_is_zip(path: Path) -> None:
    if zipfile.is_zipfile(path):
        return
    with open(path, "rb") as handle:
        starts_as_zip = handle.read(4) == b"PK\x03\x04"
    msg = (
        "it is a damaged .npz archive: the zip's directory at its end is missing, as in a "
        "file cut short. Copy it again, or re-save the model with model.save('model.npz')."
        if starts_as_zip
        else "it is not an .npz archive (an .npz file is a zip of .npy arrays)."
    )
    raise ValueError(msg)


def _architecture_of(archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]) -> Any:
    info = members.get("architecture")
    if info is None:
        msg = "it has no 'architecture' entry (a 0-d unicode array of JSON); it is not an engine model file."
        raise ValueError(msg)
    if info.file_size > MAX_ARCHITECTURE_BYTES:
        msg = (
            f"its 'architecture' entry is {info.file_size:,} bytes, more than the "
            f"{MAX_ARCHITECTURE_BYTES:,} a model's description needs (is its metadata huge?)."
        )
        raise ValueError(msg)
    spec = read_npy(archive, info)
    if spec.ndim != 0 or spec.dtype.kind != "U":
        msg = "its 'architecture' entry must be a 0-d unicode array of JSON."
        raise ValueError(msg)
    return load_json(str(spec), "architecture")


def _unlisted(members: dict[str, zipfile.ZipInfo], arch: dict[str, Any]) -> None:
    """Refuse arrays no layer lists, before any weight is read (names only, a few shown)."""
    listed = {"architecture"}
    for entry in _entries(arch):
        keys = entry.get("weights", [])
        if isinstance(keys, list):
            listed.update(key for key in keys if isinstance(key, str))
    extra = sorted(set(members) - listed)
    if extra:
        shown = ", ".join(repr(name[:60]) for name in extra[:5])
        more = f" and {len(extra) - 5:,} more" if len(extra) > 5 else ""
        msg = f"it holds arrays no layer uses: {shown}{more}. Expected only the listed weights."
        raise ValueError(msg)


def read_npz(path: Path) -> ModelParts:
    _check_is_zip(path)
    with zipfile.ZipFile(path) as archive:
        infos = check_members(archive, MAX_FILE_BYTES)
        members = {info.filename.removesuffix(".npy"): info for info in infos}
        if len(members) != len(infos):
            msg = "it holds two arrays under one name."
            raise ValueError(msg)
        arch = _architecture_of(archive, members)
        if not isinstance(arch, dict) or (arch.get("format"), arch.get("version")) != (
            FORMAT,
            VERSION,
        ):
            received = (arch.get("format"), arch.get("version")) if isinstance(arch, dict) else arch
            msg = f"expected format {FORMAT!r} version {VERSION}. Received: {received!r:.100}."
            raise ValueError(msg)
        _unlisted(members, arch)
        layers = [_npz_layer(entry, archive, members) for entry in _entries(arch)]
    metadata = arch.get("metadata", {})
    if not isinstance(metadata, dict):
        msg = f"its metadata must be a JSON object. Received: {metadata!r:.100}."
        raise ValueError(msg)
    return ModelParts(
        layers, tuple(arch.get("input_shape", ())), metadata, str(arch.get("name", "model"))
    )


def _entries(arch: dict[str, Any]) -> list[dict[str, Any]]:
    entries = arch.get("layers")
    shape = arch.get("input_shape")
    if not isinstance(shape, list) or not all(isinstance(d, int) and d > 0 for d in shape):
        msg = f"its input_shape must be a list of positive ints. Received: {shape!r:.100}."
        raise ValueError(msg)
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        msg = "its architecture needs a 'layers' list of objects."
        raise ValueError(msg)
    check_input_shape(tuple(shape))
    check_layer_count(len(entries))
    return entries


def _npz_layer(
    entry: dict[str, Any], archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo]
) -> Any:
    name, keys = entry.get("name"), entry.get("weights", [])
    if not isinstance(name, str) or not isinstance(keys, list):
        msg = f"each layer needs a string name and a weights list. Received: {entry!r:.200}."
        raise ValueError(msg)
    weights = {}
    for key in keys:
        if not isinstance(key, str) or not key.startswith(f"{name}/") or key not in members:
            msg = f"layer {name!r} lists weight {key!r:.100}, which the file does not hold under that name."
            raise ValueError(msg)
        weights[key.removeprefix(f"{name}/")] = read_npy(archive, members.pop(key))
    return layer_from_config(str(entry.get("class_name")), name, entry.get("config", {}), weights)
