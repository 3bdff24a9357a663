"""The synthetic drawings: seeded, balanced, MNIST-shaped, every style legible as ink.

Timing is not asserted (the machine is shared); ``synthetic_digits(2000)`` takes about
20 s of CPU. No TensorFlow needed.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from digitwidget.preprocess import preprocess
from digitwidget.train.synthetic import (
    contact_sheet,
    draw,
    model_input,
    render_canvas,
    style_names,
    synthetic_digits,
)
from digitwidget.train.synthetic_styles import STYLES


def test_the_same_seed_gives_the_same_images_and_another_seed_others() -> None:
    x1, y1 = synthetic_digits(3, seed=7)
    x2, y2 = synthetic_digits(3, seed=7)
    x3, _ = synthetic_digits(3, seed=8)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


def test_images_are_mnist_shaped_bright_ink_and_labels_balanced() -> None:
    x, y = synthetic_digits(6, seed=1)
    assert x.shape == (60, 28, 28)
    assert x.dtype == np.uint8
    assert y.shape == (60,)
    assert np.issubdtype(y.dtype, np.integer)
    np.testing.assert_array_equal(np.bincount(y, minlength=10), [6] * 10)
    assert (x.max(axis=(1, 2)) == 255).all()  # preprocess brings the ink to full strength
    rim = np.concatenate([x[:, [0, -1], :].reshape(-1), x[:, :, [0, -1]].reshape(-1)])
    assert rim.mean() < 5  # MNIST's dark margin (a lopsided digit may touch an edge)
    assert len(set(y[:10].tolist())) > 1  # shuffled, not in label order


def test_no_drawings_is_an_empty_set_and_a_negative_count_an_error() -> None:
    x, y = synthetic_digits(0)
    assert x.shape == (0, 28, 28)
    assert y.shape == (0,)
    with pytest.raises(ValueError, match="count_per_digit"):
        synthetic_digits(-1)


@pytest.mark.parametrize("style", style_names())
def test_every_style_renders_ink_of_its_digit(style: str) -> None:
    x, y = synthetic_digits(4, seed=3, styles=[style])
    digit = int(style.split(":")[0])
    assert (y == digit).all()
    assert len(x) == 4
    ink = (x >= 128).sum(axis=(1, 2))
    assert (ink >= 15).all(), f"{style}: too little ink {ink}"
    assert (ink <= 28 * 28 // 2).all(), f"{style}: a blot {ink}"


def test_a_style_list_shares_each_digit_out_over_its_styles() -> None:
    _, y = synthetic_digits(10, styles=["1:flag", "1:flag_foot", "7:crossed"])
    np.testing.assert_array_equal(np.bincount(y, minlength=10)[[1, 7]], [10, 10])
    assert len(y) == 20


def test_styles_cover_the_forms_mnist_lacks() -> None:
    wanted = ["1:flag_foot", "1:long_upstroke", "4:cursive", "4:triangle", "6:curled"]
    wanted += ["6:ball", "7:crossed", "9:curled", "9:ball", "2:loop", "3:flat_top"]
    assert set(wanted) <= set(style_names())
    assert all(len(STYLES[d]) >= 2 for d in range(10))


def test_an_unknown_style_is_refused_with_the_styles_named() -> None:
    with pytest.raises(ValueError, match="1:flag"):
        synthetic_digits(1, styles=["1:banner"])
    with pytest.raises(ValueError, match="Unknown style"):
        synthetic_digits(1, styles=["x"])


def test_a_drawing_is_white_round_ink_on_the_black_pad_inside_it() -> None:
    rng = np.random.default_rng(0)
    for style in style_names():
        drawing = draw(style, rng)
        canvas = render_canvas(drawing)
        assert canvas.shape == (280, 280)
        assert canvas.dtype == np.uint8
        assert canvas.max() == 255
        rim = np.concatenate([canvas[0], canvas[-1], canvas[:, 0], canvas[:, -1]])
        assert (rim == 0).all(), style
        assert 6.0 <= drawing.pen <= 30.0


def test_the_model_input_is_what_preprocess_makes_of_the_full_pad() -> None:
    """The fast path paints at a lower resolution; the 28x28 image must barely change."""
    rng = np.random.default_rng(2)
    names = style_names()
    drawings = [draw(names[i % len(names)], rng) for i in range(24)]
    full = np.stack([preprocess(render_canvas(d)) for d in drawings])
    fast = np.stack([model_input(d) for d in drawings])
    assert fast.dtype == np.float32
    assert fast.min() >= 0.0
    assert fast.max() == 1.0
    # Moving a drawing by half a pad pixel changes the image by about 0.01 per pixel.
    assert np.abs(full - fast).mean() < 0.02


def test_a_contact_sheet_shows_every_digit(tmp_path) -> None:
    x, y = synthetic_digits(20, seed=0)
    sheet = contact_sheet(x[np.argsort(y, kind="stable")], columns=20)
    assert sheet.shape == (10 * 30 + 2, 20 * 30 + 2)
    Image.fromarray(sheet).save(tmp_path / "synthetic_sheet.png")
    assert (tmp_path / "synthetic_sheet.png").stat().st_size > 0
