"""bench.teach's writers and one run of it: the drawings are model inputs, each writer's
hand is its own, and the MLP learns a writer it read badly."""

from __future__ import annotations

import numpy as np
import pytest

from bench.teach import teach
from bench.writers import REPORTED, TUNING, Writer, drawings
from digitwidget.data import load_sample
from digitwidget.nn import load_model


@pytest.mark.parametrize("writer", TUNING + REPORTED, ids=lambda w: w.name)
def test_a_writers_drawings_are_model_inputs_of_every_digit(writer: Writer):
    images, labels = drawings(writer, 2, seed=0)
    assert images.shape == (20, 28, 28)
    assert images.dtype == np.float32
    assert images.max() == pytest.approx(1.0)
    assert labels.tolist() == [d for d in range(10) for _ in range(2)]
    again, _ = drawings(writer, 2, seed=0)
    np.testing.assert_array_equal(images, again)


def test_the_reported_writers_are_not_the_tuning_writers():
    assert not {w.name for w in TUNING} & {w.name for w in REPORTED}


def test_the_mlp_learns_the_mirrored_writer_and_keeps_mnist():
    writer = next(w for w in REPORTED if w.name == "mirror_child")
    result = teach(load_model("mlp"), writer, load_sample("check"), {})
    assert result["before"] < 0.8
    assert result["after"] >= 0.95
    assert result["mnist_before"] - result["mnist_after"] <= 0.01
