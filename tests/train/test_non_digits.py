"""Drawings of no digit: seeded, MNIST-shaped, labelled -1, trained toward "every digit 10%"."""

from __future__ import annotations

import numpy as np
import pytest

from digitwidget.train import PRESETS
from digitwidget.train.non_digits import NO_DIGIT, SHAPES, non_digits
from digitwidget.train.pipeline import training_data


def test_the_same_seed_gives_the_same_drawings() -> None:
    x1, y1 = non_digits(9, seed=3)
    x2, _ = non_digits(9, seed=3)
    np.testing.assert_array_equal(x1, x2)
    assert not np.array_equal(x1, non_digits(9, seed=4)[0])
    assert x1.shape == (9, 28, 28)
    assert x1.dtype == np.uint8
    np.testing.assert_array_equal(y1, [NO_DIGIT] * 9)


def test_every_shape_is_ink_in_the_middle_of_a_dark_field() -> None:
    x, _ = non_digits(3 * len(SHAPES) * 4, seed=0)
    for image in x:
        assert image.max() >= 200  # as preprocess scales any drawing: up to 20 px of ink
        assert image[:2].max() < 60
        assert image[-2:].max() < 60


def test_they_join_the_training_split_only() -> None:
    pytest.importorskip("tensorflow")
    config = PRESETS["quick"].replace(non_digits=12, train_limit=300, validation=100)
    (x_fit, y_fit), (_, y_val) = training_data(config)
    assert (y_fit == NO_DIGIT).sum() == 12
    assert (y_val >= 0).all()
    assert len(x_fit) == 300 + 12


def test_their_training_target_is_uniform() -> None:
    pytest.importorskip("tensorflow")
    from digitwidget.train.pipeline import dataset

    config = PRESETS["quick"].replace(augment=None, batch_size=4)
    x = np.zeros((4, 28, 28), np.uint8)
    y = np.array([3, NO_DIGIT, 0, NO_DIGIT])
    _, targets = next(iter(dataset(x, y, config, train=False)))
    np.testing.assert_allclose(targets.numpy()[[1, 3]], np.full((2, 10), 0.1))
    np.testing.assert_array_equal(targets.numpy()[0], np.eye(10)[3])
