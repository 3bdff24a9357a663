"""Write a Keras 3 ``.keras`` file without Keras: the inverse of :mod:`.keras`.

The zip holds what Keras 3's ``model.save`` writes, so ``keras.saving.load_model`` reads
it::

    metadata.json      {"saved_by": "digitwidget ...", "date_saved": ...,
                        "digitwidget": {"metadata": the model's, without its temperature}}
    config.json        a Sequential model: an InputLayer, then each layer's class and config
    model.weights.h5   layers/<snake_case class name>[_<n>]/vars/<i>: the i-th weight, in
                       Keras's order; vars/ at the top (the model's own, none)

Each layer's config is its engine config (already named as Keras names its arguments)
with Keras's ``name``, ``trainable``, ``dtype`` and ``data_format`` added.

A calibration temperature ``T`` has no place in a Keras model, so it is folded into the
weights: when the softmax follows a layer ``z = x @ kernel + bias`` (Dense, Conv2D,
DepthwiseConv2D), its kernel and bias are written divided by ``T``, so that Keras's
``predict`` gives ``softmax(z / T)``, the engine's ``predict_proba``. A model whose
temperature cannot be folded so is refused with the fix.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from digitwidget._version import __version__
from digitwidget.nn.activations import LINEAR
from digitwidget.nn.files.keras_config import to_snake_case
from digitwidget.nn.layers import Layer
from digitwidget.nn.saliency import softmax_index

CHANNELS_LAST = {
    "Conv2D",
    "DepthwiseConv2D",
    "SeparableConv2D",
    "MaxPooling2D",
    "AveragePooling2D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling2D",
    "Flatten",
    "ZeroPadding2D",
}
"""Keras layers that take ``data_format``: the engine's are all channels-last."""
_LINEAR_WEIGHTS = ("kernel", "bias")


def _activation(layer: Layer, value: Any) -> str:
    """An activation as Keras's config holds it: a bare name, never arguments."""
    if isinstance(value, str):
        return value
    msg = (
        f"Layer {layer.name!r}: its activation {value!r:.100} has arguments a Keras config "
        "cannot hold. Write it as a separate ReLU, LeakyReLU or ELU layer, or save as .npz."
    )
    raise ValueError(msg)


def _layer_entry(layer: Layer, input_shape: tuple[int, ...]) -> dict[str, Any]:
    """One layer of config.json: its class, its config in Keras's words, its build shape."""
    kind = type(layer).__name__
    config: dict[str, Any] = {"name": layer.name, "trainable": True, "dtype": "float32"}
    config |= layer.get_config()
    if "activation" in config:
        config["activation"] = _activation(layer, config["activation"])
    if kind in CHANNELS_LAST:
        config["data_format"] = "channels_last"
    return {
        "module": "keras.layers",
        "class_name": kind,
        "config": config,
        "registered_name": None,
        "build_config": {"input_shape": [None, *input_shape]},
    }


def _input_entry(name: str, input_shape: tuple[int, ...]) -> dict[str, Any]:
    config = {"batch_shape": [None, *input_shape], "dtype": "float32", "sparse": False}
    return {
        "module": "keras.layers",
        "class_name": "InputLayer",
        "config": config | {"name": name},
        "registered_name": None,
    }


def folded_weights(layers: list[Layer], temperature: float) -> dict[int, dict[str, np.ndarray]]:
    """The weights to write instead of a layer's own, by layer index: ``kernel / T`` and
    ``bias / T`` of the layer the softmax follows, so Keras's output is ``softmax(z / T)``.

    Raises:
        ValueError: if ``temperature`` is not 1 and no such layer makes the logits.
    """
    if temperature == 1.0:
        return {}
    end = softmax_index(layers)
    index = end
    if end is not None and layers[end].weight_names != _LINEAR_WEIGHTS:
        # A Softmax (or Activation) layer: the logits come from the last layer with weights.
        index = end - 1
        while index >= 0 and (layers[index].is_identity or layers[index].only_reshapes):
            index -= 1
        if index < 0 or layers[index].activation != LINEAR or layers[end].weights:
            index = None
    if index is None or layers[index].weight_names != _LINEAR_WEIGHTS:
        msg = (
            f"The model's temperature {temperature} can be written into a .keras file only "
            "when its softmax follows a Dense or Conv2D layer, whose weights then carry it. "
            "Save it as .npz, or drop the temperature first: del model.metadata['temperature']."
        )
        raise ValueError(msg)
    scale = np.float32(1 / temperature)
    return {index: {key: w * scale for key, w in layers[index].weights.items()}}


def _config(
    layers: list[Layer], shapes: list[tuple[int, ...]], input_shape: tuple[int, ...], name: str
) -> dict[str, Any]:
    """config.json: a Sequential model of an InputLayer (the model's own, or one named
    here) and every other layer (an InputLayer inside the chain is the identity: left out)."""
    names = {layer.name for layer in layers}
    first = layers[0].name if layers and layers[0].declared_shape else None
    input_name = first or next(
        f"input_layer{i or ''}"
        for i in range(len(names) + 1)
        if f"input_layer{i or ''}" not in names
    )
    entries = [_input_entry(input_name, input_shape)]
    ins = [input_shape, *shapes[:-1]]
    for layer, shape in zip(layers, ins, strict=True):
        if layer.declared_shape is None:
            entries.append(_layer_entry(layer, shape))
    build = {"input_shape": [None, *input_shape]}
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {
            "name": name,
            "trainable": True,
            "dtype": "float32",
            "layers": entries,
            "build_input_shape": build["input_shape"],
        },
        "registered_name": None,
        "build_config": build,
        "compile_config": None,
    }


def _weights_file(
    layers: list[Layer], folded: dict[int, dict[str, np.ndarray]], name: str
) -> bytes:
    """model.weights.h5 in Keras's layout (an InputLayer holds none and gets no group)."""
    import h5py  # imported here: it is slow to import and only .keras files need it

    buffer = io.BytesIO()
    used: dict[str, int] = {}
    with h5py.File(buffer, "w") as h5:
        top = h5.create_group("layers")
        for index, layer in enumerate(layers):
            if layer.declared_shape is not None:
                continue
            snake = to_snake_case(type(layer).__name__)
            used[snake] = used.get(snake, -1) + 1
            group = top.create_group(snake + (f"_{used[snake]}" if used[snake] else ""))
            variables = group.create_group("vars")
            variables.attrs["name"] = layer.name
            weights = folded.get(index, layer.weights)
            present = [key for key in layer.weight_names if key in weights]
            for i, key in enumerate(present):
                variables.create_dataset(
                    str(i), data=np.ascontiguousarray(weights[key], np.float32)
                )
        h5.create_group("vars").attrs["name"] = name
    return buffer.getvalue()


def _check_names(name: str, layers: list[Layer]) -> None:
    """Keras refuses a model or layer name with ``/`` (its weights' paths use it)."""
    for what, value in [("model", name), *(("layer", layer.name) for layer in layers)]:
        if "/" in value:
            msg = (
                f"Keras names cannot contain '/'. Received: {what} name {value!r:.100}. "
                f"Rename it first, e.g. {what}.name = {value.replace('/', '_')!r:.100}."
            )
            raise ValueError(msg)


def write_keras(
    path: str | os.PathLike[str],
    layers: list[Layer],
    shapes: list[tuple[int, ...]],
    input_shape: tuple[int, ...],
    name: str,
    temperature: float = 1.0,
    metadata: dict[str, Any] | None = None,
) -> None:
    """Write a model as a Keras 3 ``.keras`` file (atomically: a partial file never remains).

    Args:
        path: Where to write; it must end in ``.keras`` and its folder must exist.
        layers: The model's layers, in order; ``shapes`` their output shapes.
        input_shape: One sample's input shape.
        name: The model's name.
        temperature: The model's calibration temperature, folded into the weights.
        metadata: The model's metadata (provenance, class names), kept in
            ``metadata.json`` for the engine to read back; Keras does not read it.

    Raises:
        ValueError: for a layer or temperature a Keras file cannot hold (the fix is said).
        FileNotFoundError: if the folder does not exist.
    """
    path = Path(path)
    if path.suffix.lower() != ".keras":
        msg = f"Keras files end in .keras. Received: path={str(path)!r}."
        raise ValueError(msg)
    if not path.parent.is_dir():
        msg = f"Cannot save {str(path)!r}: the folder {str(path.parent)!r} does not exist. Create it first."
        raise FileNotFoundError(msg)
    _check_names(name, layers)
    config = json.dumps(_config(layers, shapes, input_shape, name))
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d@%H:%M:%S")
    saved = {"saved_by": f"digitwidget {__version__}", "date_saved": date}
    metadata_json = _metadata_json(saved, metadata or {}, temperature)
    weights = _weights_file(layers, folded_weights(layers, temperature), name)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("metadata.json", metadata_json)
            archive.writestr("config.json", config)
            archive.writestr("model.weights.h5", weights)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _metadata_json(saved: dict[str, str], metadata: dict[str, Any], temperature: float) -> str:
    """Keras's ``metadata.json`` with the model's own metadata under ``"digitwidget"``.

    The temperature is left out of it, since the weights already hold it; the value that
    was folded in is recorded beside it.
    """
    own: dict[str, Any] = {"metadata": {k: v for k, v in metadata.items() if k != "temperature"}}
    if temperature != 1.0:
        own["temperature_folded_into_weights"] = temperature
    try:
        return json.dumps(saved | {"digitwidget": own})
    except TypeError as error:
        msg = f"model.metadata must be JSON-serialisable ({error}). Received: {metadata!r:.200}."
        raise ValueError(msg) from None
