"""Examples files: written atomically, read back exactly, anything else refused clearly."""

from __future__ import annotations

import io
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

import digitwidget
from digitwidget.teach import files
from digitwidget.teach.files import load_examples, save_examples


def some_examples(count: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.random((count, 28, 28), dtype=np.float32), rng.integers(0, 10, count)


def npz(path: Path, **arrays: object) -> Path:
    np.savez(path, **arrays)
    return path


def test_examples_survive_a_round_trip(tmp_path: Path) -> None:
    images, labels = some_examples()
    written = save_examples(tmp_path / "mine.npz", images, labels)
    again, again_labels = digitwidget.load_examples(written)
    np.testing.assert_array_equal(again, images)
    np.testing.assert_array_equal(again_labels, labels)
    assert again.dtype == np.float32
    assert again_labels.dtype == np.int64


def test_saving_replaces_the_file_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "mine.npz"
    save_examples(target, *some_examples(3))
    save_examples(target, *some_examples(7))
    assert len(load_examples(target)[1]) == 7
    assert os.listdir(tmp_path) == ["mine.npz"]


def test_a_failed_save_keeps_the_previous_file(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "mine.npz"
    save_examples(target, *some_examples(3))

    def broken_replace(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        save_examples(target, *some_examples(7))
    assert len(load_examples(target)[1]) == 3
    assert os.listdir(tmp_path) == ["mine.npz"]


def test_saving_needs_an_npz_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"An examples file is an \.npz"):
        save_examples(tmp_path / "mine.pkl", *some_examples())


def test_uint8_images_in_a_file_are_read_as_unit_floats(tmp_path: Path) -> None:
    path = npz(
        tmp_path / "u8.npz",
        images=np.full((2, 28, 28), 255, np.uint8),
        labels=np.array([1, 2], np.uint8),
    )
    images, labels = load_examples(path)
    assert images.max() == 1.0
    assert labels.tolist() == [1, 2]


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        (
            {"x_train": np.zeros((1, 28, 28)), "y_train": np.zeros(1, int)},
            "it holds x_train, y_train; expected exactly",
        ),
        ({"images": np.zeros((2, 28, 28))}, "it holds images; expected"),
        (
            {"images": np.zeros((2, 32, 32)), "labels": np.zeros(2, int)},
            r"images have shape \(2, 32, 32\)",
        ),
        (
            {"images": np.zeros((2, 28, 28)), "labels": np.zeros(3, int)},
            r"labels must have shape \(2,\)",
        ),
        (
            {"images": np.zeros((2, 28, 28)), "labels": np.zeros(2)},
            "labels have dtype float64; expected integers",
        ),
        (
            {"images": np.zeros((2, 28, 28), np.int16), "labels": np.zeros(2, int)},
            "images have dtype int16",
        ),
        ({"images": np.full((2, 28, 28), 3.0), "labels": np.zeros(2, int)}, r"values in \[0, 1\]"),
        ({"images": np.zeros((2, 28, 28)), "labels": np.array([0, 12])}, "digits from 0 to 9"),
        (
            {"images": np.zeros((10_001, 28, 28), np.uint8), "labels": np.zeros(10_001, np.uint8)},
            "N at most 10,000",
        ),
    ],
)
def test_a_foreign_or_damaged_npz_is_refused_by_name(tmp_path: Path, arrays, message) -> None:
    path = npz(tmp_path / "foreign.npz", **arrays)
    with pytest.raises(ValueError, match=message) as caught:
        load_examples(path)
    assert str(path) in str(caught.value)


def test_pickled_objects_are_refused_never_loaded(tmp_path: Path) -> None:
    class Boom:
        def __reduce__(self):  # unpickling this would run code
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    path = tmp_path / "evil.npz"
    with zipfile.ZipFile(path, "w") as archive:
        for name in ("images", "labels"):
            buffer = io.BytesIO()
            np.save(buffer, np.array([Boom()], dtype=object), allow_pickle=True)
            archive.writestr(f"{name}.npy", buffer.getvalue())
    with pytest.raises(ValueError, match="pickled Python objects"):
        load_examples(path)
    assert not (tmp_path / "pwned").exists()


def test_a_pickle_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "plain.npz"
    path.write_bytes(pickle.dumps({"images": [1, 2]}))
    with pytest.raises(ValueError, match="not a zip"):
        load_examples(path)


def test_a_truncated_file_is_refused(tmp_path: Path) -> None:
    path = save_examples(tmp_path / "cut.npz", *some_examples(50))
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(ValueError, match=r"cut\.npz"):
        load_examples(path)


def test_a_file_too_large_is_refused_before_reading(tmp_path: Path, monkeypatch) -> None:
    path = save_examples(tmp_path / "big.npz", *some_examples(5))
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 100)
    with pytest.raises(ValueError, match="more than the 100 an examples file may be"):
        load_examples(path)


def test_a_member_that_unpacks_past_its_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "lying.npz"
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((2, 28, 28), np.float32))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("images.npy", buffer.getvalue() + bytes(10_000))
        labels = io.BytesIO()
        np.save(labels, np.zeros(2, np.int64))
        archive.writestr("labels.npy", labels.getvalue())
    with pytest.raises(ValueError, match="claims shape"):
        load_examples(path)


def test_missing_files_and_folders_say_so(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="examples file"):
        load_examples(tmp_path / "nothing.npz")
    with pytest.raises(ValueError, match="is a folder"):
        load_examples(tmp_path)
