"""digitwidget: draw a digit in a notebook and watch a NumPy neural network read it.

>>> from digitwidget import DrawPad
>>> DrawPad()  # in a notebook cell
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from digitwidget._version import __version__ as __version__
from digitwidget.images import canvas_from_image
from digitwidget.nn import Model, ModelFileError, load_model
from digitwidget.preprocess import preprocess
from digitwidget.teach.files import load_examples

if TYPE_CHECKING:
    from digitwidget.widget import DrawPad

__all__ = [
    "DrawPad",
    "Model",
    "ModelFileError",
    "canvas_from_image",
    "load_examples",
    "load_model",
    "preprocess",
]


def __getattr__(name: str) -> Any:
    # The widget pulls in ipywidgets and IPython; the engine alone needs neither.
    if name == "DrawPad":
        from digitwidget.widget import DrawPad

        return DrawPad
    msg = f"module 'digitwidget' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})  # DrawPad too, though it is imported on first use


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    """The Jupyter server extension (see :mod:`digitwidget.widget.server`)."""
    return [{"module": "digitwidget.widget.server"}]
