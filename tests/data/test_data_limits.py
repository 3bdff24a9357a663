"""MNIST files read within bounds: announced sizes capped, unpacking stopped, only MNIST's values."""

from __future__ import annotations

import gzip
import io
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from digitwidget.cli import main
from digitwidget.data import load_mnist, read_idx
from tests.hostile_files import make_fifo


def idx_header(magic: int, *shape: int) -> bytes:
    return magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in shape)


def gzip_of(header: bytes, zeros: int, chunk: int = 1 << 20) -> bytes:
    """``header`` then ``zeros`` zero bytes, gzipped without holding them all in memory."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
        gz.write(header)
        for start in range(0, zeros, chunk):
            gz.write(bytes(min(chunk, zeros - start)))
    return out.getvalue()


def peak_bytes(function, *args) -> tuple[BaseException | None, int]:
    """Run ``function(*args)``; what it raised (or None) and the peak memory it took."""
    tracemalloc.start()
    try:
        function(*args)
        raised = None
    except Exception as error:  # returned to the test, which checks it
        raised = error
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return raised, peak


def test_a_gzip_bomb_is_unpacked_only_as_far_as_its_header_announces(tmp_path) -> None:
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(gzip_of(idx_header(0x803, 2, 28, 28), 200 << 20))  # 200 MB of zeros
    assert path.stat().st_size < 300_000
    raised, peak = peak_bytes(read_idx, path)
    assert isinstance(raised, ValueError)
    assert "expected 1584 bytes, received more" in str(raised)
    assert peak < 8 << 20


@pytest.mark.parametrize(
    "shape",
    [(4_000_000_000, 28, 28), (100_001, 28, 28), (10, 65, 28), (10, 28, 0), (200_000,)],
    ids=["4e9-images", "100001-images", "65-rows", "0-cols", "200000-labels"],
)
def test_a_header_announcing_more_than_mnist_is_refused_before_allocating(tmp_path, shape) -> None:
    path = tmp_path / "file-ubyte"
    path.write_bytes(idx_header(0x803 if len(shape) == 3 else 0x801, *shape) + bytes(100))
    raised, peak = peak_bytes(read_idx, path)
    assert isinstance(raised, ValueError)
    assert "more than an MNIST-like file holds (at most 100,000 images of at most 64x64" in str(
        raised
    )
    assert str(path) in str(raised)
    assert peak < 1 << 20


def test_a_gzipped_file_shorter_than_its_header_is_refused(tmp_path) -> None:
    path = tmp_path / "labels.gz"
    path.write_bytes(gzip.compress(idx_header(0x801, 10) + bytes(7)))
    with pytest.raises(ValueError, match=r"expected 18 bytes, received 15\. The file is truncated"):
        read_idx(path)


def test_a_named_pipe_is_refused_as_an_idx_file(tmp_path) -> None:
    path = make_fifo(tmp_path)
    with pytest.raises(ValueError, match=r"is a pipe \(FIFO\), not a regular file"):
        read_idx(path)


def mnist_arrays(**changes: np.ndarray) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    arrays = {
        "x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 6, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 4, dtype=np.uint8),
    }
    arrays.update(changes)
    return arrays


def npy_bytes(array: np.ndarray) -> bytes:
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


def write_npz(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(f"{name}.npy", data)
    return path


def test_an_npz_member_packed_with_another_method_is_refused(tmp_path) -> None:
    members = {k: npy_bytes(v) for k, v in mnist_arrays().items()}
    path = write_npz(tmp_path / "mnist.npz", members, method=zipfile.ZIP_BZIP2)
    with pytest.raises(
        ValueError,
        match=r"member 'x_train\.npy' is compressed with bzip2; only stored and deflated",
    ):
        load_mnist(path)


def test_an_npz_member_larger_than_its_header_says_is_refused_before_unpacking(tmp_path) -> None:
    members = {k: npy_bytes(v) for k, v in mnist_arrays().items()}
    members["x_train"] += bytes(200 << 20)  # 200 MB of zeros after the 6 images
    path = write_npz(tmp_path / "mnist.npz", members)
    del members
    assert path.stat().st_size < 1_000_000
    raised, peak = peak_bytes(load_mnist, path)
    assert isinstance(raised, ValueError)
    assert "member 'x_train.npy' claims shape (6, 28, 28) of uint8 (4,704 bytes)" in str(raised)
    assert peak < 8 << 20


@pytest.mark.parametrize(
    ("header_shape", "message"),
    [
        (
            (10**12, 28, 28),
            r"x_train has shape \(1000000000000, 28, 28\); expected \(count, 28, 28\)",
        ),
        ((6, 32, 32), r"x_train has shape \(6, 32, 32\); expected \(count, 28, 28\)"),
        ((6, 784), r"x_train has shape \(6, 784\)"),
    ],
)
def test_an_npz_header_with_a_shape_mnist_has_not_is_refused(tmp_path, header_shape, message):
    data = npy_bytes(mnist_arrays()["x_train"])
    fake = np.lib.format.header_data_from_array_1_0(np.zeros((1,), np.uint8))
    fake["shape"] = header_shape
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(out, fake)
    members = {k: npy_bytes(v) for k, v in mnist_arrays().items()}
    members["x_train"] = out.getvalue() + data[128:]
    with pytest.raises(ValueError, match=message):
        load_mnist(write_npz(tmp_path / "mnist.npz", members))


@pytest.mark.parametrize(
    ("name", "array", "message"),
    [
        (
            "x_train",
            np.full((6, 28, 28), 0.5, np.float32),
            r"float32 with values in \[0\.5, 0\.5\]",
        ),
        ("x_test", np.full((4, 28, 28), np.nan), r"float64 with values in \[nan, nan\]"),
        ("x_train", np.full((6, 28, 28), 300, np.int16), r"int16 with values in 300\.\.300"),
        ("x_train", np.zeros((6, 28, 28), bool), r"has dtype bool; expected uint8 images"),
        ("x_train", np.zeros((6, 28, 28), np.complex64), r"dtype complex64"),
        ("y_train", np.full(6, 2.7), r"y_train is float64 with values in \[2\.7, 2\.7\]"),
        ("y_train", np.full(6, -1, np.int8), r"int8 with values in -1\.\.-1; expected labels"),
        (
            "y_test",
            np.full(4, 10, np.int64),
            r"values in 10\.\.10; expected labels: integers 0\.\.9",
        ),
        ("y_test", np.array(["1", "2", "3", "4"]), r"y_test has dtype <U1"),
    ],
)
def test_npz_arrays_that_are_not_mnists_values_are_refused(tmp_path, name, array, message) -> None:
    path = tmp_path / "mnist.npz"
    np.savez(path, **mnist_arrays(**{name: array}))
    with pytest.raises(ValueError, match=message) as caught:
        load_mnist(path)
    assert f"{path}: {name}" in str(caught.value)


def test_float_images_in_0_1_say_how_to_scale_them(tmp_path) -> None:
    path = tmp_path / "mnist.npz"
    np.savez(path, **mnist_arrays(x_train=np.random.default_rng(0).random((6, 28, 28))))
    with pytest.raises(ValueError, match=r"Scale it: \(x \* 255\)\.round\(\)\.astype\(np\.uint8\)"):
        load_mnist(path)


def test_integer_images_and_labels_of_any_width_are_read_as_uint8(tmp_path) -> None:
    arrays = mnist_arrays()
    wide = {k: v.astype(np.int64) for k, v in arrays.items()}
    path = tmp_path / "mnist.npz"
    np.savez_compressed(path, **wide)
    (x_train, y_train), (x_test, y_test) = load_mnist(path)
    for got, name in ((x_train, "x_train"), (y_train, "y_train"), (x_test, "x_test")):
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, arrays[name])
    np.testing.assert_array_equal(y_test, arrays["y_test"])


def test_counts_that_do_not_match_are_refused(tmp_path) -> None:
    path = tmp_path / "mnist.npz"
    np.savez(path, **mnist_arrays(y_train=np.zeros(5, np.uint8)))
    with pytest.raises(
        ValueError, match=r"train images \(6, 28, 28\) and labels \(5,\) do not match"
    ):
        load_mnist(path)


def test_evaluate_on_float_images_fails_instead_of_reporting_a_low_accuracy(tmp_path, capsys):
    path = tmp_path / "mnist.npz"
    arrays = mnist_arrays()
    np.savez(path, **{**arrays, "x_test": arrays["x_test"] / 255})
    assert main(["evaluate", "--data", str(path)]) == 1
    captured = capsys.readouterr()
    assert "accuracy" not in captured.out
    assert "x_test is float64 with values in" in captured.err
