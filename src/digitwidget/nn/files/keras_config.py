"""Read a Keras 3 ``config.json``: the model's layers, in order, as plain data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from digitwidget.nn._limits import check_input_shape, check_layer_count

_MODEL_CLASSES = ("Sequential", "Functional", "Model")


@dataclass(frozen=True)
class LayerSpec:
    """One layer as the config describes it; ``weights_path`` is its group in the .h5 file."""

    class_name: str
    name: str
    config: dict[str, Any]
    weights_path: str


def to_snake_case(name: str) -> str:
    """Keras's ``naming.to_snake_case``: ``"LeakyReLU"`` -> ``"leaky_re_lu"``."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _layer_entries(config: Any) -> tuple[str, dict[str, Any], list[Any]]:
    if not isinstance(config, dict) or config.get("class_name") not in _MODEL_CLASSES:
        received = config.get("class_name") if isinstance(config, dict) else type(config).__name__
        msg = (
            f"Expected a Sequential or Functional model config. Received: class_name={received!r}."
        )
        raise ValueError(msg)
    inner = config.get("config")
    entries = inner.get("layers") if isinstance(inner, dict) else None
    if (
        not isinstance(inner, dict)
        or not isinstance(entries, list)
        or not all(isinstance(e, dict) for e in entries)
    ):
        msg = "Expected config['config']['layers'] to be a list of layer configs."
        raise ValueError(msg)
    return config["class_name"], inner, entries


def _check_linear_chain(
    names: list[str], entries: list[dict[str, Any]], inner: dict[str, Any]
) -> None:
    """A Functional model is accepted when each layer consumes only the previous one."""
    for previous, entry, name in zip(names, entries[1:], names[1:], strict=False):
        nodes = entry.get("inbound_nodes")
        args = nodes[0].get("args") if isinstance(nodes, list) and len(nodes) == 1 else None
        history = None
        if isinstance(args, list) and len(args) == 1 and isinstance(args[0], dict):
            history = args[0].get("config", {}).get("keras_history")
        if not isinstance(history, list) or not history or history[0] != previous:
            msg = (
                f"Layer {name!r} does not take exactly the output of {previous!r}. Only models "
                "that are a straight chain of layers are supported."
            )
            raise ValueError(msg)
    ends = (inner.get("input_layers"), inner.get("output_layers"))
    if [_first_name(e) for e in ends] != [names[0], names[-1]]:
        msg = f"The model must run from {names[0]!r} to {names[-1]!r}. Received inputs/outputs {ends}."
        raise ValueError(msg)


def _first_name(refs: Any) -> Any:
    while isinstance(refs, list) and refs and isinstance(refs[0], list):
        if len(refs) != 1:
            return None
        refs = refs[0]
    return refs[0] if isinstance(refs, list) and refs else None


def _input_shape(inner: dict[str, Any], entries: list[dict[str, Any]]) -> list[Any] | None:
    """One sample's input shape, from an InputLayer or the model's build shape."""
    for entry in entries[:1]:
        if entry.get("class_name") == "InputLayer":
            cfg = entry.get("config", {})
            batch_shape = cfg.get("batch_shape", cfg.get("batch_input_shape"))
            return batch_shape[1:] if isinstance(batch_shape, list) else None
    build = inner.get("build_input_shape")
    if build is None and entries:
        build = (entries[0].get("build_config") or {}).get("input_shape")
    return build[1:] if isinstance(build, list) else None


def parse_model_config(config: Any) -> tuple[str, tuple[int, ...], list[LayerSpec]]:
    """Return ``(model name, input shape, layers)`` from a parsed ``config.json``.

    Raises:
        ValueError: for anything but a built Sequential model or a linear Functional one.
    """
    model_class, inner, entries = _layer_entries(config)
    check_layer_count(len(entries))
    names: list[str] = []
    specs: list[LayerSpec] = []
    used: dict[str, int] = {}
    for entry in entries:
        class_name, cfg = entry.get("class_name"), entry.get("config")
        name = cfg.get("name") if isinstance(cfg, dict) else None
        if not isinstance(class_name, str) or not isinstance(name, str):
            msg = (
                f"Each layer needs a class_name and a config with a name. Received: {entry!r:.200}."
            )
            raise ValueError(msg)
        if entry.get("registered_name") not in (None, class_name):
            msg = f"Layer {name!r} is a custom layer ({entry['registered_name']!r}); only built-in layers load."
            raise ValueError(msg)
        snake = to_snake_case(class_name)
        used[snake] = used.get(snake, -1) + 1
        path = f"layers/{snake}" + (f"_{used[snake]}" if used[snake] else "")
        names.append(name)
        specs.append(LayerSpec(class_name, name, cfg, path))
    if not specs:
        msg = "The model has no layers."
        raise ValueError(msg)
    if model_class != "Sequential":
        _check_linear_chain(names, entries, inner)
    shape = _input_shape(inner, entries)
    if not isinstance(shape, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape
    ):
        msg = f"The model's input shape must be fixed positive ints (build the model first). Received: {shape!r:.100}."
        raise ValueError(msg)
    check_input_shape(tuple(shape))
    return str(inner.get("name", "model"))[:200], tuple(shape), specs
