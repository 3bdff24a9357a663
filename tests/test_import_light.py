"""``import digitwidget`` stays light: Pillow, matplotlib, h5py, TensorFlow and the widget
libraries load only when a function that needs them runs."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("PIL", "matplotlib", "h5py", "tensorflow", "keras", "ipywidgets", "IPython")


def loaded_after(code: str) -> list[str]:
    """The heavy top-level packages in ``sys.modules`` after ``code`` runs in a fresh interpreter."""
    probe = (
        f"{code}\nimport json, sys\n"
        f"print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "code",
    [
        "import digitwidget",
        "from digitwidget import canvas_from_image, load_model, preprocess",
        "import digitwidget.cli, digitwidget.data, digitwidget.images",
        "from digitwidget.cli.parser import build_parser; build_parser()",
    ],
)
def test_import_loads_no_heavy_library(code: str) -> None:
    assert loaded_after(code) == []


def test_reading_an_image_loads_pillow_only_then() -> None:
    code = "import numpy as np, digitwidget\ndigitwidget.canvas_from_image(np.zeros((32, 32)))"
    assert loaded_after(code) == ["PIL"]
