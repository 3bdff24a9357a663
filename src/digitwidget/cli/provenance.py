"""A model's metadata and provenance as ``digitwidget info`` prints them: bounded, never failing.

Provenance comes from the model file, so it may be any JSON: the dict that
``digitwidget train`` writes, or a list, a string, deep nesting, megabytes of text.
Known fields are printed as the training run wrote them; anything else is shown as it
is, each value on one line of at most :data:`VALUE_CHARS` characters, control
characters escaped (a file must not drive the terminal), at most :data:`MAX_LINES` lines.
"""

from __future__ import annotations

import contextlib
from itertools import islice
from typing import Any

VALUE_CHARS = 160
"""The longest value printed, in characters; longer ones end in ``...``."""

MAX_LINES = 40
"""The most lines of provenance printed."""

MAX_DEPTH = 8
"""Containers nested deeper than this are shown as ``...``."""

KNOWN = ("command", "date", "seed", "test_accuracy", "best_epoch", "train_seconds")
"""Provenance fields printed first, in this order, as ``name: value``."""

SHOWN = (*KNOWN, "engine_max_abs_diff", "versions", "data")


class _Full(Exception):
    """The preview has reached its length."""


def preview(value: Any, limit: int = VALUE_CHARS) -> str:
    """``value`` (any JSON) as one line of at most ``limit`` characters.

    Example:
        >>> preview({"a": [1, "x\\ny"]})
        "{a: [1, 'x\\\\ny']}"
    """
    parts: list[str] = []
    used = 0

    def add(text: str) -> None:
        nonlocal used
        parts.append(text)
        used += len(text)
        if used > limit:
            raise _Full

    def walk(item: Any, depth: int, quoted: bool) -> None:
        if isinstance(item, str):
            text = printable(item[: limit + 1])
            add(f"'{text}'" if quoted else text)
        elif isinstance(item, dict | list | tuple) and depth >= MAX_DEPTH:
            add("...")
        elif isinstance(item, dict):
            add("{")
            for i, (key, inner) in enumerate(islice(item.items(), limit)):
                add(f"{', ' if i else ''}{printable(str(key)[: limit + 1])}: ")
                walk(inner, depth + 1, quoted=True)
            add("}")
        elif isinstance(item, list | tuple):
            add("[")
            for i, inner in enumerate(islice(item, limit)):
                add(", " if i else "")
                walk(inner, depth + 1, quoted=True)
            add("]")
        else:
            add(printable(_scalar(item)[: limit + 1]))

    with contextlib.suppress(_Full):
        walk(value, 0, quoted=False)
    text = "".join(parts)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _scalar(value: Any) -> str:
    try:
        return repr(value)
    except ValueError:  # an integer with more digits than Python converts to text
        return f"<an integer of {value.bit_length()} bits>"


def printable(text: str) -> str:
    """``text`` with control characters and line separators escaped (``\\x1b``, ``\\n``)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def metadata_lines(meta: Any) -> list[str]:
    """The lines ``digitwidget info`` prints after the layers."""
    if not isinstance(meta, dict):
        return [f"metadata: {preview(meta)}"]
    names = meta.get("class_names", [])
    if isinstance(names, list) and all(isinstance(n, str) for n in names):
        classes = preview(" ".join(names))
    else:
        classes = preview(names)
    lines = [f"input scale: {preview(meta.get('input_scale'))}; classes: {classes}"]
    lines += provenance_lines(meta.get("provenance"))
    return lines


def provenance_lines(prov: Any) -> list[str]:
    """What a model's provenance holds, at most :data:`MAX_LINES` lines."""
    if prov is None or prov == {}:
        return []
    if not isinstance(prov, dict):
        return [f"provenance: {preview(prov)}"]
    lines = [f"{key}: {preview(prov[key])}" for key in KNOWN if key in prov]
    if "engine_max_abs_diff" in prov:
        lines.append(f"engine vs Keras, largest difference on the test set: {_diff(prov)}")
    versions = prov.get("versions")
    if isinstance(versions, dict):
        pairs = islice(((k, v) for k, v in versions.items() if isinstance(v, str)), MAX_LINES)
        lines.append(f"versions: {preview(', '.join(f'{k} {v}' for k, v in pairs))}")
    elif versions is not None:
        lines.append(f"versions: {preview(versions)}")
    data = prov.get("data")
    if isinstance(data, dict):
        items = islice(data.items(), MAX_LINES)
        lines += [
            f"data sha256 {preview(name, 60)}: {preview(digest, 80)}" for name, digest in items
        ]
    elif data is not None:
        lines.append(f"data: {preview(data)}")
    others = islice(((k, v) for k, v in prov.items() if k not in SHOWN), MAX_LINES)
    lines += [f"{preview(key, 40)}: {preview(value)}" for key, value in others]
    if len(lines) > MAX_LINES:
        lines[MAX_LINES - 1 :] = ["... (more provenance not shown)"]
    return lines


def _diff(prov: dict[str, Any]) -> str:
    """The engine-vs-Keras difference as ``5.96e-07``, or as it is when not a number."""
    diff = prov["engine_max_abs_diff"]
    if isinstance(diff, int | float) and not isinstance(diff, bool):
        try:
            return f"{float(diff):.2e}"
        except OverflowError:
            pass
    return preview(diff)
