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

import importlib.util
import itertools
import sys
import uuid
import weakref
from collections.abc import Iterable
from typing import Any

import anywidget

from digitwidget.widget.page import html_page
from digitwidget.widget.wire import pack, parse_request

BACKENDS = ("auto", "widget", "colab")
"""The values ``DrawPad(backend=...)`` accepts."""

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


class BackendWidget(anywidget.AnyWidget):
    """An anywidget that reaches its views through the widget comm or, in Colab, a bridge.

    Args:
        backend: ``"auto"``, ``"widget"`` or ``"colab"`` (see :func:`resolve_backend`).
        **kwargs: The widget's trait values.
    """

    def __init__(self, *, backend: str = "auto", **kwargs: Any) -> None:
        self._backend = resolve_backend(backend)
        super().__init__(**kwargs)

    def open(self) -> None:
        """Open the widget channel, unless the widget uses the Colab backend.

        A Colab widget talks through its callback; a channel would only carry a second,
        uncompressed copy of every update to a page that does not read it.
        """
        if self._backend != "colab":
            super().open()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget view; with the Colab backend, HTML that talks to the kernel itself."""
        if self._backend == "colab":
            return colab_mimebundle(self)
        return super()._repr_mimebundle_(**kwargs)

    def send_state(self, key: str | Iterable[str] | None = None) -> None:
        """Send values to the views: now, over the comm; in Colab, with the next answer."""
        if self._backend != "colab":
            super().send_state(key)
        elif (bridge := _bridges.get(self)) is not None:
            bridge.resend(self.keys if key is None else [key] if isinstance(key, str) else key)


def colab_mimebundle(pad: Any) -> dict[str, str]:
    """The pad as ``text/html`` with its front end inlined, its callback registered.

    Displaying the same pad again re-registers the same callback name (replacing the
    old registration); a new pad gets a new name, so pads never interfere.
    """
    bridge = register(pad)
    config = {"name": bridge.name, **bridge.changes(pad, since=-1)}
    return {
        "text/plain": f"{type(pad).__name__} (Colab backend, callback {bridge.name})",
        "text/html": html_page(config),
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

    def _on_change(self, change: dict[str, Any]) -> None:
        self.version = next(self._clock)
        self._changed[change["name"]] = self.version

    def resend(self, names: Iterable[str]) -> None:
        """Bring the page these values with the next answer, changed or not: the pad's
        own values in place of ones it refused (as ``send_state`` does over a comm)."""
        self.version = next(self._clock)
        for name in names:
            if name in self._changed:
                self._changed[name] = self.version

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
            # A value the pad refuses (a drawing of another size, as the pad was resized
            # in Python since the page last heard; a brush out of range) is refused by the
            # pad, not the call: the rest applies, and the pad sends its own values back
            # (send_state), which this answer carries.
            pad.set_state(incoming)
        for content in custom:
            pad._handle_custom_msg(content, [])
        return self.changes(pad, since, echo=incoming)

    def changes(self, pad: Any, since: int, echo: dict[str, Any] | None = None) -> dict[str, Any]:
        """The traits changed after version ``since``, minus unchanged ``echo`` values."""
        echo = echo or {}
        keys = [name for name in self.names if self._changed[name] > since]
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


def _same(value: object, sent: object) -> bool:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return isinstance(sent, (bytes, bytearray, memoryview)) and bytes(value) == bytes(sent)
    return value == sent
