"""The commands that read a model take a shipped model's name as well as a file."""

from __future__ import annotations

import numpy as np
import pytest

import digitwidget.data
from digitwidget.cli import main
from digitwidget.nn import load_model
from digitwidget.nn.loading import DEFAULT, SHIPPED
from tests.cli.test_cli import save_digit


@pytest.mark.parametrize("name", list(SHIPPED))
def test_info_shows_a_shipped_model_by_name(capsys, name: str) -> None:
    assert main(["info", name]) == 0
    assert capsys.readouterr().out.startswith(f"Model {load_model(name).name!r}")


def test_info_without_a_model_shows_the_default(capsys) -> None:
    assert main(["info"]) == 0
    assert capsys.readouterr().out.startswith(f"Model {load_model(DEFAULT).name!r}")


@pytest.mark.parametrize("name", list(SHIPPED))
def test_predict_reads_with_the_model_named(tmp_path, capsys, name: str) -> None:
    from digitwidget.images import canvas_from_image
    from digitwidget.preprocess import preprocess

    image = save_digit(tmp_path / "three.png", 3, paper=True)
    assert main(["predict", "--model", name, str(image)]) == 0
    out = capsys.readouterr().out
    proba = load_model(name).predict_proba(preprocess(canvas_from_image(image)))
    assert f"{image}: {int(np.argmax(proba))}" in out


def test_evaluate_evaluates_the_model_named(monkeypatch, capsys) -> None:
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (40, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, 40).astype(np.uint8)
    monkeypatch.setattr(digitwidget.data, "load_mnist", lambda path=None: (None, (images, labels)))
    assert main(["evaluate", "mlp"]) == 0
    accuracy = float(np.mean(load_model("mlp").predict(images) == labels))
    assert f"accuracy {accuracy:.4f} on 40 MNIST test images" in capsys.readouterr().out


def test_a_name_that_is_not_shipped_is_a_missing_file_naming_the_shipped_ones(capsys) -> None:
    assert main(["evaluate", "lenet"]) == 1
    err = capsys.readouterr().err
    assert "model file not found: lenet" in err
    assert f"a shipped model's name: {', '.join(SHIPPED)}" in err


@pytest.mark.parametrize("command", ["info", "evaluate", "predict"])
def test_help_names_the_shipped_models(capsys, command: str) -> None:
    assert main([command, "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"a shipped model's name, {' or '.join(SHIPPED)} (default: {DEFAULT})" in help_text
