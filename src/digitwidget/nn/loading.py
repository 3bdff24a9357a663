"""Load and save models: the shipped ones, Keras 3 ``.keras`` files and the engine's ``.npz``.

``load_model`` checks the path, hands the file to the reader for its suffix, and builds the
:class:`Model` from what the reader found; every failure on the way is a ModelFileError
that names the file.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from digitwidget.nn.errors import ModelFileError
from digitwidget.nn.files.npz import read_npz
from digitwidget.nn.files.parts import ModelParts
from digitwidget.nn.model import Model


def _read_keras(path: Path) -> ModelParts:
    from digitwidget.nn.files.keras import read_keras  # h5py and the Keras reader, only when needed

    return read_keras(path)


SHIPPED = {
    "cnn": "a small convolutional network (the default)",
    "mlp": "the original design's 784-128-256-10 dense network",
}
"""The shipped models, by name: ``weights/<name>.npz`` in the package."""
DEFAULT = "cnn"


def load_model(path: str | os.PathLike[str] | None = None) -> Model:
    """Load a shipped model by name, or a model from a ``.keras`` or ``.npz`` file.

    Args:
        path: ``"cnn"`` or ``"mlp"`` for a shipped model (see :data:`SHIPPED`), a file,
            or ``None`` for the shipped default (``"cnn"``).

    Returns:
        The model, ready for ``predict_proba``.

    Raises:
        FileNotFoundError: if the file (or the shipped default) does not exist.
        ModelFileError: if the file is malformed, unsafe or unsupported; the message
            names the file.
    """
    if path is None:
        return _load_shipped(DEFAULT)
    if isinstance(path, str) and path in SHIPPED:
        return _load_shipped(path)
    if not isinstance(path, str | os.PathLike):
        msg = (
            f"path must be a shipped model's name ({', '.join(map(repr, SHIPPED))}), a file "
            f"path (str or os.PathLike) or None. Received: {path!r:.100}."
        )
        raise TypeError(msg)
    path = Path(path)
    if path.is_dir():
        msg = (
            f"{str(path)!r} is a folder, not a model file. For a TensorFlow SavedModel folder, "
            "load it in Keras and re-save it with model.save('model.keras')."
        )
        raise ModelFileError(msg)
    if not path.is_file():
        names = " or ".join(map(repr, SHIPPED))
        msg = (
            f"No model file at {str(path)!r}. Expected an existing .keras or .npz file, "
            f"or a shipped model's name: {names}."
        )
        raise FileNotFoundError(msg)

    suffix = path.suffix.lower()
    readers = {".keras": _read_keras, ".npz": read_npz}
    if suffix not in readers:
        msg = f"{path}: unsupported file type {suffix!r}. Expected a Keras 3 .keras file or an engine .npz file."
        if suffix in (".h5", ".hdf5"):
            msg += (
                " Legacy .h5 models: load them in Keras and re-save with model.save('model.keras')."
            )
        raise ModelFileError(msg)
    try:
        parts = readers[suffix](path)
        return Model(parts.layers, parts.input_shape, parts.metadata, parts.name)
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


def _load_shipped(name: str) -> Model:
    resource = resources.files("digitwidget") / "weights" / f"{name}.npz"
    if not resource.is_file():
        msg = (
            f"The shipped {name!r} weights are missing ({resource}): this copy of digitwidget "
            "is incomplete. Reinstall it (pip install --force-reinstall digitwidget), or "
            "pass a model file: load_model('model.keras'). In a checkout, `make weights` "
            "trains them again."
        )
        raise FileNotFoundError(msg)
    with resources.as_file(resource) as path:
        return load_model(path)


def save_model(model: Model, path: str | os.PathLike[str]) -> None:
    """Write ``model`` as an engine ``.npz`` file (atomically: a partial file never remains)."""
    model.save(path)
