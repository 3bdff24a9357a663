"""Importing the package stays light: no tensorflow, keras or matplotlib."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("tensorflow", "keras", "matplotlib")


@pytest.mark.parametrize("module", ["digitwidget", "digitwidget.nn"])
def test_import_does_not_load_heavy_libraries(module):
    code = (
        f"import sys, {module}\n"
        "from digitwidget.nn import load_model, Model\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_lazy_drawpad_is_listed_for_tab_completion():
    import digitwidget

    assert set(digitwidget.__all__) <= set(dir(digitwidget))
