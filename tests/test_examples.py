"""The examples run top to bottom on a fresh kernel, and are committed without outputs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOTEBOOKS = sorted(p.name for p in EXAMPLES.glob("*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

RUN_APP = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("app", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
outputs, defs = module.app.run()
print(json.dumps({
    "outputs": [type(o).__name__ for o in outputs],
    "pad": type(defs["pad"].widget).__name__,
    "charts": defs["charts"].text,
}))
"""


def execute(name: str, cwd: Path) -> nbformat.NotebookNode:
    """Run notebook ``name`` from examples/ in a fresh python3 kernel with ``cwd`` as its directory."""
    notebook = nbformat.read(EXAMPLES / name, as_version=4)
    client = NotebookClient(
        notebook, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    client.execute()
    return notebook


def outputs(notebook: nbformat.NotebookNode, kind: str) -> list:
    """Every output of the code cells with MIME type ``kind`` (or stream text for "stdout")."""
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if kind == "stdout" and output.get("name") == "stdout":
                found.append(output["text"])
            elif kind in output.get("data", {}):
                found.append(output["data"][kind])
    return found


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_committed_without_outputs(name: str) -> None:
    notebook = nbformat.read(EXAMPLES / name, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code, "a notebook without code"
    assert all(not cell.outputs and cell.execution_count is None for cell in code)


def test_examples_include_the_documented_notebooks() -> None:
    assert {
        "quickstart.ipynb",
        "inside_the_network.ipynb",
        "inside_a_cnn.ipynb",
        "train_your_own.ipynb",
    } <= set(NOTEBOOKS)


@pytest.mark.slow
def test_quickstart_runs_and_shows_a_pad(tmp_path: Path) -> None:
    notebook = execute("quickstart.ipynb", tmp_path)
    assert outputs(notebook, WIDGET_VIEW)


@pytest.mark.slow
def test_inside_the_network_matches_the_engine_by_hand(tmp_path: Path) -> None:
    notebook = execute("inside_the_network.ipynb", tmp_path)
    text = "".join(outputs(notebook, "stdout"))
    assert "prediction: 7" in text
    assert "label: 7" in text
    # Each layer worked out by hand in NumPy, and the saliency by the chain rule, against
    # the engine: the differences the notebook prints must be float32 rounding, no more.
    layers = dict(re.findall(r"^(\w+) +by hand .* max \|diff\| (\S+)$", text, re.M))
    assert set(layers) == {"dense_1", "dense_2", "output"}, text
    saliency = re.findall(r"max \|by hand - saliency\(\)\|: (\S+)", text)
    assert len(saliency) == 1, text
    for name, diff in [*layers.items(), ("saliency", saliency[0])]:
        assert float(diff) <= 1e-5, f"{name}: by hand and the engine differ by {diff}"
    assert len(outputs(notebook, "image/png")) == 3, "weights, activations and saliency figures"
    assert outputs(notebook, WIDGET_VIEW), "the live DrawPad at the end"


@pytest.mark.slow
def test_inside_a_cnn_matches_the_engine_by_hand(tmp_path: Path) -> None:
    notebook = execute("inside_a_cnn.ipynb", tmp_path)
    text = "".join(outputs(notebook, "stdout"))
    assert "prediction: 7" in text
    assert "label: 7" in text
    # im2col, pooling and the dense head in NumPy against the engine: float32 rounding only.
    layers = dict(re.findall(r"^(\w+) +by hand .* max \|diff\| (\S+)$", text, re.M))
    assert set(layers) == {"conv_1", "pool_1", "conv_2", "pool_2", "dense_1", "output"}, text
    for name, diff in layers.items():
        assert float(diff) <= 1e-5, f"{name}: by hand and the engine differ by {diff}"
    keras_diffs = re.findall(r"Keras vs engine max \|diff\| (\S+)", text)
    assert len(keras_diffs) in (0, 3), text  # three layers compared where Keras is installed
    assert all(float(diff) <= 1e-4 for diff in keras_diffs), keras_diffs
    assert len(outputs(notebook, "image/png")) == 3, "filters, feature maps and saliency"
    assert outputs(notebook, WIDGET_VIEW), "the live DrawPad at the end"


@pytest.mark.slow
@pytest.mark.tf
def test_train_your_own_trains_exports_and_draws(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("tensorflow")
    monkeypatch.setenv("DIGITWIDGET_EXAMPLE_SUBSET", "2000")
    notebook = execute("train_your_own.ipynb", tmp_path)
    assert (tmp_path / "my_digits.npz").is_file()
    assert (tmp_path / "my_digits.json").is_file()
    text = "".join(outputs(notebook, "stdout"))
    assert "test accuracy:" in text
    assert "trained with: 2 epochs" in text
    assert len(outputs(notebook, "image/png")) == 3, "history, confusion matrix, mistakes"
    assert outputs(notebook, WIDGET_VIEW)


@pytest.mark.slow
def test_marimo_app_runs_every_cell() -> None:
    run = subprocess.run(
        [sys.executable, "-c", RUN_APP, str(EXAMPLES / "app.py")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["pad"] == "DrawPad"
    assert "anywidget" in result["outputs"]
    assert result["charts"].count("<img") == 2, result["charts"][:500]
