"""preprocess(): canvas drawings -> MNIST-style 28x28 inputs."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from digitwidget import load_model
from digitwidget.preprocess import BOX, CENTRE, preprocess
from testkit.strokes import make_strokes, render_strokes


def draw(points, *, canvas=280, width=18, offset=(0, 0), scale=1.0) -> np.ndarray:
    """A white polyline with round ends on a black canvas, like the widget's pen."""
    image = Image.new("L", (canvas, canvas), 0)
    pen = ImageDraw.Draw(image)
    xy = [(x * scale + offset[0], y * scale + offset[1]) for x, y in points]
    pen.line(xy, fill=255, width=width, joint="curve")
    for x, y in (xy[0], xy[-1]):
        r = width / 2
        pen.ellipse((x - r, y - r, x + r, y + r), fill=255)
    return np.asarray(image)


SEVEN = [(80, 70), (200, 70), (120, 230)]
ZERO = [(140, 50), (90, 90), (85, 170), (140, 225), (190, 170), (190, 90), (140, 50)]
ONE = [(140, 50), (140, 230)]

DRAWINGS = {
    "seven": dict(points=SEVEN),
    "small seven": dict(points=SEVEN, scale=0.3, width=6),
    "large zero": dict(points=ZERO, scale=1.2, offset=(-30, -20)),
    "off-centre zero": dict(points=ZERO, scale=0.4, offset=(150, 150), width=8),
    "thin one": dict(points=ONE, width=3),
    "thick one": dict(points=ONE, width=40),
    "corner seven": dict(points=SEVEN, scale=0.25, offset=(0, 0), width=5),
}


def ink_box(image: np.ndarray) -> tuple[int, int]:
    rows = np.flatnonzero((image > 0).any(axis=1))
    cols = np.flatnonzero((image > 0).any(axis=0))
    return rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    rows, cols = np.indices(image.shape)
    mass = image.sum()
    return float((rows * image).sum() / mass), float((cols * image).sum() / mass)


@pytest.mark.parametrize("name", DRAWINGS)
def test_ink_fits_the_20_pixel_box_and_touches_it(name):
    x = preprocess(draw(**DRAWINGS[name]))
    height, width = ink_box(x)
    assert max(height, width) == BOX
    assert min(height, width) >= 1


@pytest.mark.parametrize("name", DRAWINGS)
def test_centre_of_mass_is_at_the_centre_within_half_a_pixel(name):
    row, col = centre_of_mass(preprocess(draw(**DRAWINGS[name])))
    # Shifts are whole pixels, as in MNIST; a tie lands exactly half a pixel away.
    assert abs(row - CENTRE) <= 0.5 + 1e-5
    assert abs(col - CENTRE) <= 0.5 + 1e-5


@pytest.mark.parametrize("name", DRAWINGS)
def test_output_is_float32_in_unit_range(name):
    x = preprocess(draw(**DRAWINGS[name]))
    assert x.shape == (28, 28)
    assert x.dtype == np.float32
    assert x.min() >= 0.0
    assert x.max() <= 1.0
    assert x.max() == pytest.approx(1.0)  # full-strength ink, as in every MNIST digit


def test_position_on_the_canvas_does_not_change_the_result():
    here = preprocess(draw(SEVEN, scale=0.5, offset=(0, 0)))
    there = preprocess(draw(SEVEN, scale=0.5, offset=(130, 120)))
    np.testing.assert_allclose(here, there, atol=1e-6)


def test_drawing_size_barely_changes_the_result():
    small = preprocess(draw(ZERO, scale=0.5, width=9))
    large = preprocess(draw(ZERO, scale=1.0, width=18))
    # Whole-pixel centring may place the two one pixel apart; compare the best alignment.
    best = max(
        np.corrcoef(np.roll(small, (dy, dx), axis=(0, 1)).ravel(), large.ravel())[0, 1]
        for dy in (-1, 0, 1)
        for dx in (-1, 0, 1)
    )
    assert best > 0.95


def test_aspect_ratio_is_kept():
    x = preprocess(draw(ONE, width=18))  # tall and thin
    height, width = ink_box(x)
    assert height == BOX
    assert width <= 5


def test_uint8_and_unit_float_give_the_same_result():
    canvas = draw(SEVEN)
    np.testing.assert_allclose(preprocess(canvas), preprocess(canvas / 255.0), atol=1e-6)


def test_bool_canvas_is_accepted():
    assert preprocess(draw(SEVEN) > 0) is not None


def test_any_canvas_size_is_accepted():
    canvas = np.asarray(Image.fromarray(draw(SEVEN)).resize((37, 91)))
    x = preprocess(canvas)
    assert x.shape == (28, 28)
    assert max(ink_box(x)) == BOX


@pytest.mark.parametrize(
    "canvas",
    [np.zeros((280, 280), np.uint8), np.zeros((8, 8)), np.full((50, 50), 0.1)],
    ids=["zeros", "tiny zeros", "faint haze"],
)
def test_blank_canvas_gives_none(canvas):
    assert preprocess(canvas) is None


def test_input_is_not_modified():
    canvas = draw(SEVEN)
    before = canvas.copy()
    preprocess(canvas)
    np.testing.assert_array_equal(canvas, before)


@pytest.mark.parametrize(
    ("canvas", "message"),
    [
        (np.zeros(784), r"shape \(H, W\).*received shape \(784,\)"),
        (np.zeros((3, 200)), r"H, W >= 8, received shape \(3, 200\)"),
        (np.zeros((28, 28, 3)), r"colour image, pass digitwidget\.canvas_from_image\(image\)"),
        (np.full((28, 28), 2.0), r"\[0, 1\], received values in \[2, 2\]"),
        (np.full((28, 28), -0.5), r"\[0, 1\]"),
        (np.full((28, 28), np.nan), r"NaN or infinity"),
        (np.full((28, 28), 300, np.int32), r"0\.\.255, received values in 300\.\.300"),
    ],
    ids=["flat", "too small", "rgb", "above one", "negative", "nan", "int out of range"],
)
def test_bad_canvas_gets_a_clear_value_error(canvas, message):
    with pytest.raises(ValueError, match=message):
        preprocess(canvas)


@pytest.mark.parametrize(
    "canvas", [np.full((28, 28), "a"), np.zeros((28, 28), complex)], ids=["str", "complex"]
)
def test_non_numeric_canvas_gets_a_type_error(canvas):
    with pytest.raises(TypeError, match="numeric grayscale canvas"):
        preprocess(canvas)


@pytest.mark.parametrize("name", DRAWINGS)
def test_dark_ink_on_white_paper_reads_as_the_same_drawing(name):
    canvas = draw(**DRAWINGS[name])
    np.testing.assert_allclose(preprocess(255 - canvas), preprocess(canvas), atol=1e-6)


def test_dark_ink_on_grey_paper_reads_as_the_same_drawing():
    ink = draw(SEVEN) > 0
    page = np.where(ink, 40, 180).astype(np.uint8)  # grey paper, dark grey ink
    expected = preprocess(ink * np.float32(140 / 255))  # the paper at 0, the ink 140 above
    np.testing.assert_allclose(preprocess(page), expected, atol=1e-5)


@pytest.mark.parametrize("digit", [1, 3, 7])
def test_a_page_read_with_pillow_as_grayscale_is_predicted(tmp_path, digit):
    ink = render_strokes(make_strokes(digit, np.random.default_rng(digit)), pen=20.0)
    Image.fromarray(255 - ink).convert("RGB").save(tmp_path / "page.png")  # black on white
    with Image.open(tmp_path / "page.png") as image:
        canvas = np.asarray(image.convert("L"))
    assert load_model().predict(preprocess(canvas)) == digit


@pytest.mark.parametrize("level", [0.0, 0.3, 0.5, 0.8, 1.0])
def test_a_canvas_of_one_level_is_blank(level):
    assert preprocess(np.full((50, 50), level)) is None


def test_bright_ink_touching_the_edges_keeps_its_side():
    canvas = draw(ONE, width=40, scale=1.6, offset=(-84, -80))  # from the top edge to the bottom
    assert canvas[0].any()
    assert canvas[-1].any()
    x = preprocess(canvas)
    assert max(ink_box(x)) == BOX
    assert x[14, 14] > 0.9  # the stroke is ink, the field around it is not
    assert x[:, :10].max() == 0
