"""What a pip user gets: the wheel and sdist built from this checkout, the wheel installed
without extras into a fresh virtual environment beside JupyterLab, and used there.

Nothing here imports digitwidget from the checkout: every check runs in the fresh
environment, so a file the wheel forgets (the shipped weights, the front end, the server
extension's config) fails here the way it would fail for a user.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser

from testkit.drawing import draw_mouse, prediction_text, thin, wait_settled
from testkit.harness import pad_notebook
from testkit.servers import REPO, jupyter_server
from testkit.strokes import make_strokes, render_strokes

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

DIGIT = 3
SEED = 7
SHIPPED_FILES = [
    "digitwidget/weights/mlp.npz",
    "digitwidget/weights/mlp.json",
    "digitwidget/data/mnist_sample.npz",
    "digitwidget/static/widget.js",
    "digitwidget/static/widget.css",
    "digitwidget/static/colab.js",
]


@dataclass(frozen=True)
class Dists:
    wheel: Path
    sdist: Path


@dataclass(frozen=True)
class Installed:
    """A fresh virtual environment holding the wheel (no extras) and JupyterLab."""

    python: Path

    def run(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``args`` with the environment's own scripts first on PATH."""
        bin_dir = self.python.parent
        command = [str(bin_dir / args[0]), *args[1:]]
        return subprocess.run(command, capture_output=True, text=True, cwd=cwd, timeout=600)

    def python_json(self, code: str) -> object:
        """Run ``code`` in the environment's Python; it prints one JSON value."""
        done = self.run("python", "-c", code)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


def _check(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, f"{done.args} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    """The sdist, and the wheel built from that sdist (as `python -m build` does)."""
    out = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "build", "--outdir", str(out), str(REPO)]
    _check(subprocess.run(command, capture_output=True, text=True, timeout=900))
    (wheel,) = out.glob("digitwidget-*.whl")
    (sdist,) = out.glob("digitwidget-*.tar.gz")
    return Dists(wheel=wheel, sdist=sdist)


@pytest.fixture(scope="module")
def installed(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    venv = tmp_path_factory.mktemp("user") / "venv"
    _check(
        subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True)
    )
    env = Installed(python=venv / "bin" / "python")
    _check(env.run("python", "-m", "pip", "install", "--quiet", str(dists.wheel), "jupyterlab"))
    return env


def test_wheel_carries_the_weights_the_front_end_and_the_server_config(dists: Dists) -> None:
    names = set(zipfile.ZipFile(dists.wheel).namelist())
    missing = [name for name in SHIPPED_FILES if name not in names]
    assert not missing, f"The wheel lacks {missing}."
    config = "etc/jupyter/jupyter_server_config.d/digitwidget.json"
    assert any(name.endswith(config) for name in names), "The wheel lacks the server config."
    assert not [name for name in names if name.startswith(("tests/", "bench/"))]


def test_sdist_carries_what_rebuilds_the_wheel(dists: Dists) -> None:
    with tarfile.open(dists.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for name in ["pyproject.toml", "package.json", "package-lock.json", "js/widget.js"]:
        assert name in names, f"The sdist lacks {name}."
    assert "src/digitwidget/weights/mlp.npz" in names
    assert not [name for name in names if name.startswith(("node_modules/", ".venv/"))]


def test_installed_without_extras_loads_the_shipped_model_without_tensorflow(
    installed: Installed,
) -> None:
    found = installed.python_json(
        "import json, sys, importlib.util, digitwidget, numpy as np\n"
        "model = digitwidget.load_model()\n"
        "p = model.predict_proba(np.zeros((28, 28), np.float32))\n"
        "print(json.dumps({'file': digitwidget.__file__, 'sum': float(p.sum()),\n"
        "    'tf_installed': importlib.util.find_spec('tensorflow') is not None,\n"
        "    'tf_imported': 'tensorflow' in sys.modules}))"
    )
    assert isinstance(found, dict)
    assert Path(found["file"]).is_relative_to(installed.python.parent.parent), found["file"]
    assert found["sum"] == pytest.approx(1.0, abs=1e-5)
    assert not found["tf_installed"], "A plain install pulled in TensorFlow."
    assert not found["tf_imported"]


def test_installed_cli_predicts_a_scanned_digit(installed: Installed, tmp_path: Path) -> None:
    ink = render_strokes(make_strokes(DIGIT, np.random.default_rng(SEED)))
    scan = tmp_path / "three.png"
    Image.fromarray(255 - ink).save(scan)  # dark ink on white paper, as a scan looks
    done = installed.run("digitwidget", "predict", str(scan))
    _check(done)
    assert f"{scan.name}: {DIGIT}" in done.stdout, done.stdout


def test_installed_server_enables_the_extension(installed: Installed) -> None:
    done = installed.run("jupyter", "server", "extension", "list")
    _check(done)
    lines = (done.stdout + done.stderr).splitlines()
    assert any("digitwidget" in line and "enabled" in line for line in lines), lines


@pytest.fixture(scope="module")
def installed_lab(installed: Installed, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    root = tmp_path_factory.mktemp("wheel-notebooks")
    with jupyter_server("lab", root, python=str(installed.python), label="wheel") as server:
        yield server


def test_installed_pad_answers_a_drawing_in_jupyterlab(
    installed: Installed, installed_lab, browser: Browser
) -> None:
    with pad_notebook(browser, installed_lab, "lab", "wheel.ipynb") as session:
        where = session.kernel.eval("__import__('digitwidget').__file__")
        assert Path(str(where)).is_relative_to(installed.python.parent.parent), where
        strokes = thin(make_strokes(DIGIT, np.random.default_rng(SEED)))
        draw_mouse(session.page, session.pad, strokes)
        wait_settled(session.page, session.root, after=0)
        state = session.state()
        assert state["prediction"] == DIGIT, state["probabilities"]
        assert prediction_text(session.root) == str(DIGIT)
        session.assert_no_errors()
