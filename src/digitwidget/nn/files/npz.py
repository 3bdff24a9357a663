"""Load and save models: Keras 3 ``.keras`` files and the engine's own ``.npz`` format.

The ``.npz`` format is a zip of ``.npy`` arrays: ``architecture``, a 0-d unicode array
holding JSON ::

    {"format": "digitwidget", "version": 1, "name": ..., "input_shape": [784],
     "layers": [{"class_name": "Dense", "name": "dense", "config": {...},
                 "weights": ["dense/kernel", "dense/bias"]}, ...],
     "metadata": {"input_scale": "unit", "class_names": [...], "provenance": {...}}}

and one float32 array per weight under the names listed. It is always read with
``allow_pickle=False``.
"""

from __future__ import annotations

import json
import os
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from digitwidget.nn._limits import MAX_FILE_BYTES, check_input_shape, check_layer_count
from digitwidget.nn.errors import ModelFileError
from digitwidget.nn.files.registry import layer_from_config
from digitwidget.nn.files.strict_json import load_json
from digitwidget.nn.files.zip_members import check_members, read_npy
from digitwidget.nn.model import Model

FORMAT, VERSION = "digitwidget", 1
MAX_ARCHITECTURE_BYTES = 4 << 20  # 1 M characters of JSON, 4 bytes each in a .npy


def load_model(path: str | os.PathLike[str] | None = None) -> Model:
    """Load a model from a ``.keras`` or ``.npz`` file, or the shipped default.

    Args:
        path: The file; ``None`` loads the shipped default (``weights/default.npz``).

    Returns:
        The model, ready for ``predict_proba``.

    Raises:
        FileNotFoundError: if the file (or the shipped default) does not exist.
        ModelFileError: if the file is malformed, unsafe or unsupported; the message
            names the file.
    """
    if path is None:
        return _load_default()
    if not isinstance(path, str | os.PathLike):
        msg = f"path must be a file path (str or os.PathLike) or None. Received: {path!r:.100}."
        raise TypeError(msg)
    path = Path(path)
    if path.is_dir():
        msg = (
            f"{str(path)!r} is a folder, not a model file. For a TensorFlow SavedModel folder, "
            "load it in Keras and re-save it with model.save('model.keras')."
        )
        raise ModelFileError(msg)
    if not path.is_file():
        msg = f"No model file at {str(path)!r}. Expected an existing .keras or .npz file."
        raise FileNotFoundError(msg)
    from digitwidget.nn.files.keras import read_keras  # h5py and the Keras reader, only when needed

    suffix = path.suffix.lower()
    readers = {".keras": read_keras, ".npz": _read_npz}
    if suffix not in readers:
        msg = f"{path}: unsupported file type {suffix!r}. Expected a Keras 3 .keras file or an engine .npz file."
        if suffix in (".h5", ".hdf5"):
            msg += (
                " Legacy .h5 models: load them in Keras and re-save with model.save('model.keras')."
            )
        raise ModelFileError(msg)
    try:
        return readers[suffix](path)
    except ModelFileError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
        msg = f"Cannot load model file {str(path)!r}: {error}"
        raise ModelFileError(msg) from None
    except RecursionError:
        msg = f"Cannot load model file {str(path)!r}: it is nested too deeply to be a model."
        raise ModelFileError(msg) from None
    except MemoryError:
        msg = f"Cannot load model file {str(path)!r}: it needs more memory than this machine has."
        raise ModelFileError(msg) from None
    except Exception as error:  # a model file must never escape as anything but ModelFileError
        msg = f"Cannot load model file {str(path)!r}: {type(error).__name__}: {str(error)[:300]}"
        raise ModelFileError(msg) from None


def _load_default() -> Model:
    resource = resources.files("digitwidget") / "weights" / "default.npz"
    if not resource.is_file():
        msg = (
            f"The shipped default weights are missing ({resource}): this copy of digitwidget "
            "is incomplete. Reinstall it (pip install --force-reinstall digitwidget), or "
            "pass a model file: load_model('model.keras'). In a checkout, `make weights` "
            "trains them again."
        )
        raise FileNotFoundError(msg)
    with resources.as_file(resource) as path:
        return load_model(path)


def _architecture(model: Model) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "name": model.name,
        "input_shape": list(model.input_shape),
        "layers": [
            {
                "class_name": type(layer).__name__,
                "name": layer.name,
                "config": layer.get_config(),
                "weights": [f"{layer.name}/{key}" for key in layer.weights],
            }
            for layer in model.layers
        ],
        "metadata": model.metadata,
    }


def save_model(model: Model, path: str | os.PathLike[str]) -> None:
    """Write ``model`` as an engine ``.npz`` file (atomically: a partial file never remains)."""
    path = Path(path)
    if not path.parent.is_dir():
        msg = f"Cannot save {str(path)!r}: the folder {str(path.parent)!r} does not exist. Create it first."
        raise FileNotFoundError(msg)
    if path.suffix.lower() != ".npz":
        msg = f"Models are saved in the engine's .npz format. Received: path={str(path)!r}; use a .npz name."
        raise ValueError(msg)
    try:
        text = json.dumps(_architecture(model))
    except TypeError as error:
        msg = f"model.metadata must be JSON-serialisable ({error}). Received: {model.metadata!r:.200}."
        raise ValueError(msg) from None
    arrays = {f"{layer.name}/{k}": w for layer in model.layers for k, w in layer.weights.items()}
    # A plain open() (not tempfile, which makes 0600 files) keeps the usual permissions.
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as handle:
            np.savez(handle, architecture=np.array(text), **arrays)
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
    if info is None or info.file_size > MAX_ARCHITECTURE_BYTES:
        msg = "it has no 'architecture' entry (a 0-d unicode array of JSON); it is not an engine model file."
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


def _read_npz(path: Path) -> Model:
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
    return Model(
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
