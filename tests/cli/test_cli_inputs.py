"""The command line against broken and hostile inputs: one clear line each, never a hang."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitwidget import load_model
from digitwidget.cli import main
from testkit.strokes import make_strokes, render_strokes
from tests.hostile_files import make_fifo, png_claiming

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
as_root = hasattr(os, "geteuid") and os.geteuid() == 0


def seven(path: Path) -> Path:
    image = render_strokes(make_strokes(7, np.random.default_rng(0)), pen=20.0)
    Image.fromarray(255 - image).save(path)
    return path


def error_lines(capsys) -> list[str]:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return [line for line in err.splitlines() if "error" in line]


@needs_fifo
def test_predict_reports_a_pipe_a_bomb_and_a_folder_by_name_and_reads_the_rest(
    tmp_path, capsys
) -> None:
    fifo = make_fifo(tmp_path)
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_claiming(13000, 13000))
    good = seven(tmp_path / "seven.png")
    start = time.perf_counter()
    assert main(["predict", str(fifo), str(bomb), str(tmp_path), str(good)]) == 1
    assert time.perf_counter() - start < 2.5  # the pipe was never opened, the bomb never decoded
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{good}: 7 (")
    errors = captured.err.splitlines()
    assert len(errors) == 3
    assert f"{fifo} is a pipe (FIFO), not a regular file" in errors[0]
    assert f"{bomb} is 13000x13000 pixels (169 megapixels)" in errors[1]
    assert "at most 50 megapixels" in errors[1]
    assert f"{tmp_path} is a folder" in errors[2]


def lock(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Take away the permission to read ``path`` (as root, whom chmod does not stop, by faking it)."""
    path.chmod(0)
    if as_root:
        real_open = os.open

        def refuse(name, flags, *args, **kwargs):
            if os.fspath(name) == os.fspath(path):
                raise PermissionError(13, "Permission denied", os.fspath(name))
            return real_open(name, flags, *args, **kwargs)

        monkeypatch.setattr(os, "open", refuse)


def test_predict_reports_an_image_it_may_not_read(tmp_path, monkeypatch, capsys) -> None:
    locked = seven(tmp_path / "locked.png")
    lock(locked, monkeypatch)
    assert main(["predict", str(locked), str(seven(tmp_path / "seven.png"))]) == 1
    (line,) = error_lines(capsys)
    assert f"{locked} cannot be read: Permission denied" in line


def model_file(tmp_path: Path, provenance: object) -> Path:
    model = load_model()
    model.metadata["provenance"] = provenance
    path = tmp_path / "odd.npz"
    model.save(path)
    return path


@pytest.mark.parametrize(
    ("provenance", "shown"),
    [
        (["a", "list"], "provenance: ['a', 'list']"),
        ("a string", "provenance: a string"),
        ({"versions": ["numpy", 2]}, "versions: ['numpy', 2]"),
        ({"data": "sha"}, "data: sha"),
        ({"engine_max_abs_diff": "small"}, "largest difference on the test set: small"),
        ({"engine_max_abs_diff": 10**400}, "largest difference on the test set: 1000"),
        ({"versions": {"numpy": {"deep": 1}}}, "versions: "),
        ({"author": {"name": "Ada"}}, "author: {name: 'Ada'}"),
        ({"command": "\x1b[2Jrm -rf\nok"}, r"command: \x1b[2Jrm -rf\nok"),
    ],
    ids=[
        "list",
        "string",
        "versions-list",
        "data-string",
        "diff-text",
        "diff-huge-int",
        "versions-nested",
        "unknown-key",
        "control-characters",
    ],
)
def test_info_prints_provenance_of_any_shape(tmp_path, capsys, provenance, shown) -> None:
    assert main(["info", str(model_file(tmp_path, provenance))]) == 0
    out = capsys.readouterr().out
    assert shown in out
    assert "\x1b" not in out


def test_info_escapes_layer_names_that_would_drive_the_terminal(tmp_path, capsys) -> None:
    from digitwidget.nn import Dense, Flatten, Model

    kernel = np.zeros((784, 10), np.float32)
    name = "\x1b[2J\x1b[31mred\nfake: line"
    layers = [Flatten("f"), Dense(name, kernel, np.zeros(10, np.float32), "softmax")]
    model = Model(layers, input_shape=(28, 28))
    path = tmp_path / "named.npz"
    model.save(path)
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert r"\x1b[2J\x1b[31mred\nfake: line" in out


def test_info_bounds_huge_and_deep_provenance(tmp_path, capsys) -> None:
    deep: object = "bottom"
    for _ in range(40):  # the engine refuses files nested more than 64 levels deep
        deep = [deep]
    provenance = {
        "command": "x" * 200_000,
        "data": {f"file{i}": "0" * 64 for i in range(2000)},
        "deep": deep,
        **{f"key{i}": i for i in range(100)},
    }
    assert main(["info", str(model_file(tmp_path, provenance))]) == 0
    lines = capsys.readouterr().out.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("input scale"))
    after_layers = lines[first:]
    assert len(after_layers) <= 42
    assert max(len(line) for line in after_layers) <= 200
    assert any(line.startswith("command: xxx") and line.endswith("...") for line in lines)


@pytest.mark.parametrize("kind", ["folder", "corrupt", "empty", "pipe", "locked"])
def test_an_unreadable_model_file_is_one_line_naming_it(
    tmp_path, monkeypatch, capsys, kind
) -> None:
    path = tmp_path / "model.npz"
    if kind == "folder":
        path.mkdir()
    elif kind == "corrupt":
        path.write_bytes(b"PK\x03\x04" + os.urandom(200))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "pipe":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no named pipes here")
        os.mkfifo(path)
    else:
        path.write_bytes(b"")
        lock(path, monkeypatch)
    for command in (["info", str(path)], ["predict", "--model", str(path), "x.png"]):
        assert main(command) == 1
        (line,) = capsys.readouterr().err.strip().splitlines()
        assert str(path) in line
        assert line.startswith(f"digitwidget {command[0]}: error: ")


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--learning-rate", "inf", "expected a finite number in (0, infinity), received inf"),
        ("--learning-rate", "nan", "received nan"),
        ("--learning-rate", "-0.1", "received -0.1"),
        ("--learning-rate", "0", "received 0"),
        ("--weight-decay", "inf", "expected a finite number in [0, infinity), received inf"),
        ("--weight-decay", "-0.0001", "received -0.0001"),
        ("--dropout", "1", "expected a finite number in [0, 1), received 1"),
        ("--dropout", "nan", "received nan"),
        ("--label-smoothing", "-0.1", "in [0, 1), received -0.1"),
        ("--epochs", "0", "expected an integer from 1 to 10,000, received 0"),
        ("--epochs", "-3", "received -3"),
        ("--epochs", "2.5", "received '2.5'"),
        ("--batch-size", "0", "expected an integer from 1 to 60,000, received 0"),
        ("--hidden", "-5", "received -5"),
        ("--validation", "0", "from 1 to 59,999, received 0"),
        ("--train-limit", "0", "received 0"),
        ("--seed", "-1", "received -1"),
        ("--logical-cpus", "-2", "received -2"),
        ("--activation", "softmax", "expected one of"),
        ("--activation", "relu6", "received 'relu6'"),
    ],
)
def test_train_refuses_an_impossible_number_before_anything_runs(
    monkeypatch, capsys, option, value, message
) -> None:
    import digitwidget.train

    monkeypatch.setattr(digitwidget.train, "train_and_export", pytest.fail)
    assert main(["train", "--out", "m", option, value]) == 2
    err = capsys.readouterr().err
    line = err.strip().splitlines()[-1]
    assert line.startswith(f"digitwidget train: error: argument {option}: expected ")
    assert message in line
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--batch-size", "4000", "--train-limit", "3000"], "--batch-size 4000 is larger than"),
        (["--keras", "model.h5"], "expected a file name ending in .keras"),
        (["--out", "FILE/m"], "is not a folder, so the model cannot be written"),
        (["--keras", "FILE/m.keras"], "is not a folder, so the Keras model cannot be written"),
        (["--out", "."], "expected a file path without suffix"),
        (["--out", ""], "expected a file path without suffix"),
        (["--out", "DIR"], "DIR.npz is a folder; expected a file name for the model"),
        (["--out", "LOG"], "LOG.json is a folder; expected a file name for the history"),
    ],
)
def test_train_refuses_outputs_it_could_not_write_before_training(
    tmp_path, monkeypatch, capsys, extra, message
) -> None:
    import digitwidget.data
    import digitwidget.train

    (tmp_path / "FILE").write_text("a file, not a folder")
    (tmp_path / "DIR.npz").mkdir()
    (tmp_path / "LOG.json").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(digitwidget.train, "train_and_export", pytest.fail)
    monkeypatch.setattr(digitwidget.data, "find_mnist", pytest.fail)
    argv = ["train", "--out", "m", *extra] if "--out" not in extra else ["train", *extra]
    assert main(argv) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert message in line


@pytest.mark.parametrize(
    ("plot", "message"),
    [
        ("{tmp}", "is a folder; expected an image file name"),
        ("{tmp}/cm", "expected a file name ending in the image format, one of"),
        ("{tmp}/cm.txt", "received the suffix .txt"),
        ("{tmp}/missing/cm.png", "the folder {tmp}/missing does not exist"),
    ],
)
def test_evaluate_refuses_a_plot_path_before_evaluating(
    tmp_path, monkeypatch, capsys, plot, message
):
    import digitwidget.data

    monkeypatch.setattr(digitwidget.data, "load_mnist", pytest.fail)
    plot = plot.format(tmp=tmp_path)
    assert main(["evaluate", "--plot", plot]) == 1
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert message.format(tmp=tmp_path) in line
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def write_small_mnist(folder: Path) -> None:
    """Twenty random MNIST-shaped images and labels as the four IDX files."""
    rng = np.random.default_rng(0)
    folder.mkdir()
    for stem in ("train", "t10k"):
        x = rng.integers(0, 256, (20, 28, 28), dtype=np.uint8)
        y = rng.integers(0, 10, 20, dtype=np.uint8)
        for kind, array, magic in (("images-idx3", x, 0x803), ("labels-idx1", y, 0x801)):
            header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
            (folder / f"{stem}-{kind}-ubyte").write_bytes(header + array.tobytes())


@pytest.mark.parametrize("name", ["cm.png", "cm.PDF", "cm.svg"])
def test_evaluate_writes_the_plot_where_it_says(tmp_path, capsys, name) -> None:
    write_small_mnist(tmp_path / "mnist")
    plot = tmp_path / name
    assert main(["evaluate", "--data", str(tmp_path / "mnist"), "--plot", str(plot)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"wrote {plot}"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "mnist"])
    assert plot.stat().st_size > 1000
    assert re.match(rb"\x89PNG|%PDF|<\?xml", plot.read_bytes())
