"""A stand-in for Google Colab's kernel side, for tests: ``google.colab.output`` and its shell.

It keeps Colab's contract (``google.colab.output._js`` in colabtools): callbacks are
registered by name; ``invokeFunction(name, args, kwargs)`` from an output frame becomes
``_invoke_function(name, json_args, json_kwargs)`` in the kernel, which decodes the JSON,
calls the callback, and the page receives the return value's display data (so an
``IPython.display.JSON`` result arrives as ``result.data["application/json"]``). An unknown
name raises ``ValueError("Function not found: ...")``, as in Colab.
"""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Callable
from types import SimpleNamespace

import IPython
import pytest
from IPython.core.formatters import DisplayFormatter


class FakeOutput(types.ModuleType):
    """``google.colab.output`` with the parts digitwidget and anywidget touch."""

    def __init__(self) -> None:
        super().__init__("google.colab.output")
        self.functions: dict[str, Callable] = {}
        self.widget_manager_enabled = 0
        self._widgets = SimpleNamespace(_installed_url=None)

    def register_callback(self, function_name: str, callback: Callable) -> None:
        """Colab's ``register_callback``: the last registration of a name wins."""
        self.functions[function_name] = callback

    def enable_custom_widget_manager(self) -> None:
        """Colab's switch for third-party widgets (anywidget calls it)."""
        self.widget_manager_enabled += 1

    def invoke_json(self, function_name: str, json_args: str, json_kwargs: str) -> dict:
        """What ``invokeFunction`` does in the kernel; returns the result's display data."""
        callback = self.functions.get(function_name)
        if callback is None:
            msg = f"Function not found: {function_name}"
            raise ValueError(msg)
        result = callback(*json.loads(json_args), **json.loads(json_kwargs))
        data, _metadata = DisplayFormatter().format(result)
        return data

    def invoke(self, function_name: str, *args: object) -> object:
        """Call like the page does, JSON round trip included; returns the JSON answer."""
        data = self.invoke_json(function_name, json.dumps(list(args)), "{}")
        return data["application/json"]


class Shell:
    """Stands for ``google.colab._shell.Shell``, the IPython shell Colab runs."""


Shell.__module__ = "google.colab._shell"


def install(monkeypatch: pytest.MonkeyPatch, *, colab_shell: bool = True) -> FakeOutput:
    """Put a fake ``google.colab`` in ``sys.modules`` (and, optionally, Colab's shell).

    Returns:
        The fake ``google.colab.output`` module, with its registered ``functions``.
    """
    output = FakeOutput()
    colab = types.ModuleType("google.colab")
    colab.output = output
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setitem(sys.modules, "google.colab.output", output)
    if colab_shell:
        shell = Shell()
        monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    return output
