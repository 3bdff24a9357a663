"""The Colab wire: one call's request checked, binary values packed for JSON and back.

A binary value travels as ``{"encoding": "zlib", "data": base64(zlib(bytes))}`` (a drawing
of 78,400 bytes as about 1 KB); ``{"encoding": "base64", ...}`` is read too. Unpacking is
bounded: no value may inflate beyond :data:`MAX_BYTES`.
"""

from __future__ import annotations

import base64
import binascii
import zlib

MAX_BYTES = 16 * 1024 * 1024
"""The largest binary value a call may carry, after decompression."""

_REQUEST_KEYS = frozenset({"since", "state", "buffers", "custom"})


def parse_request(request: object, names: list[str]) -> tuple[int, dict, list]:
    """Validate one call's argument; returns ``(since, values, custom_messages)``.

    Raises:
        ValueError: with what was expected and what was received.
    """
    if not isinstance(request, dict) or not set(request) <= _REQUEST_KEYS:
        got = sorted(request) if isinstance(request, dict) else type(request).__name__
        msg = f"Expected a JSON object with keys from {sorted(_REQUEST_KEYS)}, received {got}."
        raise ValueError(msg)
    since = request.get("since", 0)
    if not isinstance(since, int) or isinstance(since, bool) or since < -1:
        msg = f"Expected 'since' to be an integer >= -1, received {since!r}."
        raise ValueError(msg)
    state = _mapping(request, "state", names)
    buffers = _mapping(request, "buffers", names)
    values = dict(state)
    values.update({key: memoryview(unpack(packed, key)) for key, packed in buffers.items()})
    custom = request.get("custom", [])
    if not isinstance(custom, list):
        msg = f"Expected 'custom' to be a list of messages, received {type(custom).__name__}."
        raise ValueError(msg)
    return since, values, custom


def _mapping(request: dict, field: str, names: list[str]) -> dict:
    value = request.get(field, {})
    if not isinstance(value, dict):
        msg = f"Expected {field!r} to be a JSON object, received {type(value).__name__}."
        raise ValueError(msg)
    unknown = sorted(set(value) - set(names))
    if unknown:
        msg = f"Expected {field!r} keys from {names}, received unknown keys {unknown}."
        raise ValueError(msg)
    return value


def pack(value: bytes | bytearray | memoryview) -> dict[str, str]:
    """Bytes as JSON: ``{"encoding": "zlib", "data": base64(zlib(value))}``."""
    data = base64.b64encode(zlib.compress(bytes(value), 6)).decode("ascii")
    return {"encoding": "zlib", "data": data}


def unpack(packed: object, key: str = "value") -> bytes:
    """The bytes of a value made by :func:`pack` (or ``{"encoding": "base64", ...}``).

    Raises:
        ValueError: if the value is malformed, not base64, not zlib, or too large.
    """
    if not isinstance(packed, dict) or not isinstance(packed.get("data"), str):
        msg = f'Expected {key} as {{"encoding": "zlib" | "base64", "data": str}}, received {packed!r:.80}.'
        raise ValueError(msg)
    encoding = packed.get("encoding")
    if encoding not in ("zlib", "base64"):
        msg = f'Expected {key} encoded as "zlib" or "base64", received encoding={encoding!r}.'
        raise ValueError(msg)
    try:
        raw = base64.b64decode(packed["data"], validate=True)
    except binascii.Error as error:
        msg = f"Expected {key} data in base64, received text that is not: {error}."
        raise ValueError(msg) from None
    return _inflate(raw, key) if encoding == "zlib" else _limited(raw, key)


def _inflate(raw: bytes, key: str) -> bytes:
    inflater = zlib.decompressobj()
    try:
        data = inflater.decompress(raw, MAX_BYTES + 1)
    except zlib.error as error:
        msg = f"Expected {key} data compressed with zlib, received data zlib cannot read: {error}."
        raise ValueError(msg) from None
    if not inflater.eof:
        msg = f"Expected {key} to be complete zlib data of at most {MAX_BYTES} bytes, received more or less."
        raise ValueError(msg)
    return _limited(data, key)


def _limited(data: bytes, key: str) -> bytes:
    if len(data) > MAX_BYTES:
        msg = f"Expected {key} of at most {MAX_BYTES} bytes, received {len(data)} bytes."
        raise ValueError(msg)
    return data
