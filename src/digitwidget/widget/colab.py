"""The Colab backend: the DrawPad over ``google.colab.output`` instead of the widget comm.

In Colab the pad is shown as HTML that carries its own front end (``static/colab.js``,
inlined), and the front end reaches the kernel through
``google.colab.kernel.invokeFunction``. Each pad registers one uniquely named callback
with ``google.colab.output.register_callback``. A call carries the values the front end
changed (JSON; binary values zlib-compressed and base64-encoded: a drawing of 78,400
bytes travels as about 1 KB) and the last state version the front end has seen; the
callback feeds them into the pad exactly as the widget comm would (``set_state``), so
every trait observer runs as usual, and answers with the traits that changed since that
version, as ``IPython.display.JSON``.

Example:
    >>> pad = DrawPad(backend="colab")  # doctest: +SKIP
    >>> pad  # shown through colab_mimebundle(pad)  # doctest: +SKIP
"""

from __future__ import annotations

import base64
import binascii
import html
import importlib.util
import itertools
import json
import sys
import uuid
import weakref
import zlib
from importlib import resources
from typing import Any

BACKENDS = ("auto", "widget", "colab")
"""The values ``DrawPad(backend=...)`` accepts."""

MAX_BYTES = 16 * 1024 * 1024
"""The largest binary value a call may carry, after decompression."""

_ERROR_CSS = (
    ".digitwidget-colab-error{margin:6px 0;padding:4px 8px;border-left:3px solid #c62828;"
    "color:#c62828;font:13px/1.4 system-ui,sans-serif}"
)
_REQUEST_KEYS = frozenset({"since", "state", "buffers", "custom"})
_NOT_STATE = frozenset({"_esm", "_css", "_anywidget_id"})
_bridges: weakref.WeakKeyDictionary[Any, Bridge] = weakref.WeakKeyDictionary()


def in_colab() -> bool:
    """True inside a Google Colab kernel, decided without side effects.

    Colab imports ``google.colab`` at start-up and runs its own IPython shell,
    ``google.colab._shell.Shell``; both must be true, so merely importing
    ``google.colab`` elsewhere does not count.
    """
    if "google.colab" not in sys.modules:
        return False
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and type(shell).__module__.startswith("google.colab")


def resolve_backend(backend: str) -> str:
    """Turn ``DrawPad(backend=...)`` into ``"widget"`` or ``"colab"``.

    Raises:
        ValueError: if ``backend`` is not one of :data:`BACKENDS`, or is ``"colab"``
            where ``google.colab`` is not installed.
    """
    if backend not in BACKENDS:
        msg = f"backend must be one of {BACKENDS}. Received: backend={backend!r}."
        raise ValueError(msg)
    if backend == "auto":
        return "colab" if in_colab() else "widget"
    if backend == "colab" and not _colab_installed():
        msg = (
            "backend='colab' works only inside Google Colab, and google.colab cannot be "
            "imported here. Use backend='auto' (the default) or backend='widget'."
        )
        raise ValueError(msg)
    return backend


def _colab_installed() -> bool:
    """True if ``google.colab`` is imported already or could be (found, not imported)."""
    if "google.colab" in sys.modules:
        return True
    try:
        return importlib.util.find_spec("google.colab") is not None
    except (ImportError, ValueError):  # no "google" package at all, or a broken one
        return False


def colab_mimebundle(pad: Any) -> dict[str, str]:
    """The pad as ``text/html`` with its front end inlined, its callback registered.

    Displaying the same pad again re-registers the same callback name (replacing the
    old registration); a new pad gets a new name, so pads never interfere.
    """
    bridge = register(pad)
    config = {"name": bridge.name, **bridge.changes(pad, since=-1)}
    return {
        "text/plain": f"{type(pad).__name__} (Colab backend, callback {bridge.name})",
        "text/html": _html(config),
    }


def register(pad: Any) -> Bridge:
    """Register ``pad``'s callback with ``google.colab.output``; returns its bridge."""
    from google.colab import output

    bridge = _bridges.get(pad)
    if bridge is None:
        bridge = _bridges[pad] = Bridge(pad)
    output.register_callback(bridge.name, bridge)
    return bridge


class Bridge:
    """One pad's callback: applies the front end's changes, answers with the kernel's.

    Holds the pad weakly, so a registration left behind never keeps a pad alive.
    """

    def __init__(self, pad: Any) -> None:
        self.name = f"digitwidget.pad.{uuid.uuid4().hex}"
        self.names = synced_names(pad)
        self._pad = weakref.ref(pad)
        self._clock = itertools.count(1)
        self.version = 0
        self._changed: dict[str, int] = dict.fromkeys(self.names, 0)
        pad.observe(self._on_change, names=self.names)

    def _on_change(self, change: dict) -> None:
        self.version = next(self._clock)
        self._changed[change["name"]] = self.version

    def __call__(self, request: object = None) -> Any:
        """Handle one ``invokeFunction`` call; every failure becomes ``{"error": ...}``."""
        from IPython.display import JSON

        try:
            answer = self._answer(request)
        except Exception as error:  # a bad call must never break the kernel
            answer = {"error": f"{type(error).__name__}: {error}"}
        return JSON(answer)

    def _answer(self, request: object) -> dict:
        pad = self._pad()
        if pad is None:
            msg = "This DrawPad no longer exists in the kernel; re-run the cell that shows it."
            raise LookupError(msg)
        since, incoming, custom = parse_request(request, self.names)
        if incoming:
            pad.set_state(incoming)
        # A value the pad refused (a drawing of another size, as the pad was resized in
        # Python since the page last heard; a brush out of range) is refused by the pad,
        # not the call: the rest is applied, and the answer brings the page the pad's own
        # values (with the size, for a drawing) in place of the ones it sent.
        resend = _refused(pad, incoming)
        for content in custom:
            pad._handle_custom_msg(content, [])
        return self.changes(pad, since, echo=incoming, resend=resend)

    def changes(
        self, pad: Any, since: int, echo: dict | None = None, resend: tuple[str, ...] = ()
    ) -> dict:
        """The traits changed after version ``since`` (and ``resend``), minus unchanged ``echo`` values."""
        echo = echo or {}
        keys = [name for name in self.names if self._changed[name] > since or name in resend]
        state = pad.get_state(key=keys) if keys else {}
        answer: dict = {"version": self.version, "state": {}, "buffers": {}}
        for key, value in state.items():
            if key in echo and _same(value, echo[key]):
                continue
            if isinstance(value, (bytes, bytearray, memoryview)):
                answer["buffers"][key] = pack(value)
            else:
                answer["state"][key] = value
        return answer


def synced_names(pad: Any) -> list[str]:
    """The synced traits the front end uses: the pad's own, not anywidget's or ipywidgets'."""
    import anywidget

    base = set(anywidget.AnyWidget.class_trait_names(sync=True)) | _NOT_STATE
    return sorted(name for name in pad.trait_names(sync=True) if name not in base)


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


def _refused(pad: Any, values: dict) -> tuple[str, ...]:
    """The keys of ``values`` whose value the pad did not take (and ``size`` with a drawing)."""
    if not values:
        return ()
    state = pad.get_state(key=list(values))
    refused = [key for key, value in values.items() if not _same(state.get(key), value)]
    if "_pixels" in refused and "size" not in refused:
        refused.append("size")
    return tuple(refused)


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


def _same(value: object, sent: object) -> bool:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return isinstance(sent, (bytes, bytearray, memoryview)) and bytes(value) == bytes(sent)
    return value == sent


def _static(name: str) -> str:
    path = resources.files("digitwidget") / "static" / name
    if not path.is_file():
        msg = f"The DrawPad front end is not built: {name} is missing. Run `npm run build` (or `make js`)."
        raise FileNotFoundError(msg)
    return path.read_text(encoding="utf-8")


_SCRIPT_JSON_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def script_json(value: Any) -> str:
    """``value`` as JSON that is safe inside any ``<script>`` element of an HTML page.

    Every ``<``, ``>`` and ``&`` is written as a JSON escape (``\\u003c``, ...), so no text
    from a model file or a user (``</script>``, ``<!--``, ``]]>``) can end the element or
    change how the HTML parser reads it; non-ASCII text, U+2028 and U+2029 included, is
    escaped too. ``JSON.parse`` gives back exactly ``value``.

    Example:
        >>> print(script_json({"name": "</script>"}))
        {"name":"\\u003c/script\\u003e"}
    """
    return json.dumps(value, separators=(",", ":")).translate(_SCRIPT_JSON_ESCAPES)


def _script_safe(code: str) -> str:
    """The inlined bundle (our own code, not data) with ``</`` written as ``<\\/``."""
    return code.replace("</", "<\\/")


def _html(config: dict) -> str:
    """The output HTML: a host element with its config, the CSS and the inlined bundle."""
    css = _static("widget.css")
    bundle = _script_safe(_static("colab.js"))
    data = script_json(config)
    name = html.escape(config["name"], quote=True)
    return (
        f'<div class="digitwidget-colab" data-digitwidget-colab="{name}">'
        f'<script type="application/json">{data}</script></div>\n'
        f"<style>{css}{_ERROR_CSS}</style>\n"
        f'<script type="module">{bundle}</script>'
    )
