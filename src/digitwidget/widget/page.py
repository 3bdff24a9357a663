"""The Colab output: the pad as an HTML page with its front end and config inlined."""

from __future__ import annotations

import html
import json
from importlib import resources
from typing import Any

_ERROR_CSS = (
    ".digitwidget-colab-error{margin:6px 0;padding:4px 8px;border-left:3px solid #c62828;"
    "color:#c62828;font:13px/1.4 system-ui,sans-serif}"
)


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


def html_page(config: dict) -> str:
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
