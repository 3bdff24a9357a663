"""The examples store: what it takes, what it refuses, what it gives back."""

from __future__ import annotations

import numpy as np
import pytest

from digitwidget.teach import MAX_EXAMPLES, Examples, check_examples


def test_examples_are_kept_in_order_with_counts_per_digit() -> None:
    store = Examples()
    first = np.full((28, 28), 0.25, np.float32)
    store.add(first, 3)
    store.add(np.ones((28, 28)), np.int64(7))
    store.add(first, 3)
    images, labels = store.arrays()
    assert images.shape == (3, 28, 28)
    assert images.dtype == np.float32
    assert labels.tolist() == [3, 7, 3]
    assert labels.dtype == np.int64
    assert store.counts() == [0, 0, 0, 2, 0, 0, 0, 1, 0, 0]
    np.testing.assert_array_equal(images[0], first)


def test_arrays_are_copies() -> None:
    store = Examples()
    store.add(np.zeros((28, 28)), 1)
    images, labels = store.arrays()
    images[:] = 1
    labels[:] = 9
    again, again_labels = store.arrays()
    assert not again.any()
    assert again_labels.tolist() == [1]


def test_an_empty_store_gives_empty_arrays_of_the_right_shape() -> None:
    images, labels = Examples().arrays()
    assert images.shape == (0, 28, 28)
    assert labels.shape == (0,)


def test_uint8_images_are_scaled_to_the_unit_range() -> None:
    images, _ = check_examples(np.full((2, 28, 28), 255, np.uint8), [0, 1])
    assert images.dtype == np.float32
    assert images.max() == 1.0


@pytest.mark.parametrize(
    ("images", "labels", "message"),
    [
        (np.zeros((2, 28, 27)), [0, 1], r"shape \(N, 28, 28\).*\(2, 28, 27\)"),
        (np.zeros((2, 28, 28)), [0], r"labels must have shape \(2,\)"),
        (np.zeros((1, 28, 28)), [10], "digits from 0 to 9"),
        (np.zeros((1, 28, 28)), [-1], "digits from 0 to 9"),
        (np.zeros((1, 28, 28)), [1.5], "integers from 0 to 9"),
        (np.full((1, 28, 28), 2.0), [1], r"values in \[0, 1\].*to 2"),
        (np.full((1, 28, 28), np.nan), [1], "NaN"),
        (np.zeros((1, 28, 28), np.int32), [1], "uint8 0..255. Received dtype int32"),
        (np.zeros((1, 28, 28), complex), [1], "Received dtype complex"),
    ],
)
def test_bad_examples_are_refused_saying_what_was_wrong(images, labels, message) -> None:
    with pytest.raises(ValueError, match=message):
        Examples().extend(images, labels)


@pytest.mark.parametrize("label", [10, -1, 2.0, True, "3", None])
def test_a_label_that_is_not_a_digit_is_refused(label) -> None:
    with pytest.raises(ValueError, match="label must be a digit"):
        Examples().add(np.zeros((28, 28)), label)


def test_a_refused_batch_adds_nothing() -> None:
    store = Examples()
    with pytest.raises(ValueError, match="digits from 0 to 9"):
        store.extend(np.zeros((2, 28, 28)), [1, 11])
    assert len(store) == 0


def test_the_store_holds_at_most_max_examples() -> None:
    store = Examples()
    store.extend(np.zeros((MAX_EXAMPLES, 28, 28), np.uint8), np.zeros(MAX_EXAMPLES, np.int64))
    with pytest.raises(ValueError, match="at most 10,000 examples"):
        store.add(np.zeros((28, 28)), 0)
    assert len(store) == MAX_EXAMPLES
