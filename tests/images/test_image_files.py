"""canvas_from_image: photos, scans, app exports, PIL images and arrays become a clean canvas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitwidget import canvas_from_image, load_model, preprocess
from digitwidget.cli import main
from digitwidget.images.background import background
from testkit.strokes import make_strokes, render_strokes

DIGITS = (0, 3, 7)


def ink(digit: int, seed: int = 0) -> np.ndarray:
    """A drawn digit: (280, 280) float in [0, 1], 1 = full ink, on 0."""
    strokes = make_strokes(digit, np.random.default_rng(seed))
    return render_strokes(strokes, pen=20.0).astype(np.float64) / 255


def on_paper(amount: np.ndarray, paper: float, pen: float, noise: float = 0.0) -> np.ndarray:
    """Dark ink on light paper as 8-bit gray: ``paper`` where there is no ink, ``pen`` under full ink."""
    gray = paper + (pen - paper) * amount
    gray += np.random.default_rng(1).normal(0, noise, gray.shape)
    return np.clip(np.rint(gray), 0, 255).astype(np.uint8)


PAGE = (420, 560)
"""Height and width of the synthetic phone photos."""

LIGHTINGS = ("linear", "radial", "vignette", "shadow")


def lighting(kind: str) -> np.ndarray:
    """The gray level of white paper at each pixel of a page lit unevenly."""
    rows, cols = np.indices(PAGE, dtype=np.float64)
    y, x = rows / (PAGE[0] - 1), cols / (PAGE[1] - 1)
    if kind == "linear":  # the report's page: grey 150 on the left to 200 on the right
        return 150 + 50 * x
    if kind == "radial":  # a lamp above the top right corner
        return 210 - 75 * np.hypot(x - 0.8, y - 0.1)
    if kind == "vignette":  # bright in the middle, 45% darker in the corners
        return 215 * (1 - 0.9 * ((x - 0.5) ** 2 + (y - 0.5) ** 2))
    if kind == "shadow":  # a soft-edged shadow over the lower left, across the digit
        across = (cols - 0.6 * rows - 150) / 8  # signed distance from the edge, in 8 px
        return 120 + 80 / (1 + np.exp(-across))
    raise ValueError(kind)


def photo(amount: np.ndarray, kind: str, noise: float = 4.0) -> np.ndarray:
    """``amount`` of ink (a (280, 280) drawing, or zeros) photographed on an unevenly lit page.

    The ink reflects 12% of the light the paper reflects (near black), so under a shadow
    it is darker too; the camera adds Gaussian noise.
    """
    page = np.zeros(PAGE)
    page[70:350, 140:420] = amount
    gray = lighting(kind) * (1 - 0.88 * page)
    gray += np.random.default_rng(2).normal(0, noise, PAGE)
    return np.clip(np.rint(gray), 0, 255).astype(np.uint8)


def predicted(source) -> int | None:
    x28 = preprocess(canvas_from_image(source))
    return None if x28 is None else int(load_model().predict(x28))


@pytest.fixture
def save(tmp_path: Path):
    def save(array: np.ndarray, name: str, mode: str | None = None, **kwargs) -> Path:
        path = tmp_path / name
        Image.fromarray(array, mode).save(path, **kwargs)
        return path

    return save


def test_a_clean_canvas_is_read_unchanged(save) -> None:
    canvas = np.rint(ink(3) * 255).astype(np.uint8)
    np.testing.assert_array_equal(canvas_from_image(save(canvas, "c.png")), canvas)


@pytest.mark.parametrize("digit", DIGITS)
@pytest.mark.parametrize(
    ("paper", "pen", "noise"),
    [(238, 60, 0), (238, 60, 8), (200, 40, 4), (255, 209, 0)],
    ids=["grey-paper", "noisy-photo", "dim-photo", "pencil"],
)
def test_dark_ink_on_uneven_paper_reads_as_the_clean_drawing(
    save, digit, paper, pen, noise
) -> None:
    photo = on_paper(ink(digit), paper, pen, noise)
    assert predicted(save(photo, f"{digit}.png")) == digit


@pytest.mark.parametrize("digit", DIGITS)
@pytest.mark.parametrize("kind", LIGHTINGS)
def test_a_photo_of_a_page_lit_unevenly_is_read_as_the_digit(save, digit, kind) -> None:
    assert predicted(save(photo(ink(digit), kind), f"{digit}.png")) == digit


@pytest.mark.parametrize("kind", LIGHTINGS)
def test_uneven_light_leaves_no_ink_on_the_paper(kind) -> None:
    amount = ink(8)
    canvas = canvas_from_image(photo(amount, kind))
    paper = np.zeros(PAGE, bool)
    paper[70:350, 140:420] = amount == 0
    paper[:70] = paper[350:] = paper[:, :140] = paper[:, 420:] = True
    assert canvas[paper].max() < 0.2 * 255  # less than preprocess counts as ink
    assert np.median(canvas[~paper]) > 0.5 * 255


@pytest.mark.parametrize("kind", LIGHTINGS)
def test_a_blank_page_lit_unevenly_is_blank(save, capsys, kind) -> None:
    path = save(photo(np.zeros((280, 280)), kind), "blank.jpg", quality=90)
    assert not canvas_from_image(path).any()
    assert main(["predict", str(path)]) == 0
    assert "blank (no ink found)" in capsys.readouterr().out


@pytest.mark.parametrize("kind", LIGHTINGS)
def test_the_background_follows_the_light_and_leaves_out_the_ink(kind) -> None:
    paper = (1 - lighting(kind) / 255).astype(np.float32)  # inverted: ink is bright
    np.testing.assert_allclose(background(paper), paper, atol=2 / 255)
    strokes = np.zeros(PAGE, np.float32)
    strokes[70:350, 140:420] = ink(8)
    flat = np.float32(0.2) + np.float32(0.7) * strokes  # ink on evenly lit paper
    np.testing.assert_allclose(background(flat), 0.2, atol=3 / 255)


@pytest.mark.parametrize(("digit", "seed"), [(4, 0), (8, 3), (9, 3)])
def test_a_tight_crop_with_a_thick_pen_is_read_as_the_digit(digit, seed) -> None:
    drawing = render_strokes(make_strokes(digit, np.random.default_rng(seed)), pen=30.0)
    rows, cols = np.flatnonzero(drawing.any(axis=1)), np.flatnonzero(drawing.any(axis=0))
    crop = drawing[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1] / 255.0
    scan = on_paper(crop, 230, 27, noise=3)  # ink from edge to edge, strokes a fifth as wide
    assert predicted(scan) == digit


def test_paper_and_its_noise_become_zero_and_the_ink_full_strength(save) -> None:
    amount = ink(7)
    canvas = canvas_from_image(save(on_paper(amount, 238, 60, noise=8), "p.png"))
    assert canvas.dtype == np.uint8
    assert canvas.max() == 255
    assert not canvas[amount == 0].any()  # not one noise pixel is left as ink
    # The brightest pixel is full ink; it caught the largest upward noise, the rest are near it.
    assert np.median(canvas[amount == 1]) > 0.75 * 255


def test_blank_noisy_paper_is_blank(save, capsys) -> None:
    path = save(on_paper(np.zeros((300, 400)), 230, 0, noise=8), "blank.png")
    assert not canvas_from_image(path).any()
    assert main(["predict", str(path)]) == 0
    assert "blank (no ink found)" in capsys.readouterr().out


def test_a_sideways_phone_photo_is_turned_upright_by_its_exif_note(save) -> None:
    upright = on_paper(ink(7), 238, 60)
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn 90 degrees clockwise to display"
    stored = np.rot90(upright)  # as the camera wrote it: turned counter-clockwise
    rotated = save(stored, "phone.png", exif=exif)
    np.testing.assert_array_equal(
        canvas_from_image(rotated), canvas_from_image(save(upright, "up.png"))
    )
    assert predicted(rotated) == 7


@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 255, 255), (200, 30, 30)], ids=str)
def test_ink_on_a_transparent_background_is_read_from_its_opacity(save, colour) -> None:
    amount = ink(3)
    rgba = np.zeros((*amount.shape, 4), np.uint8)
    rgba[..., :3] = colour
    rgba[..., 3] = np.rint(amount * 255)
    canvas = canvas_from_image(save(rgba, "export.png"))
    np.testing.assert_allclose(canvas / 255, amount, atol=1 / 255)
    assert predicted(save(rgba, "export.png")) == 3


def test_sixteen_bit_samples_keep_their_gray_levels(save) -> None:
    photo = on_paper(ink(3), 238, 60, noise=4)
    deep = photo.astype(np.uint16) * 257  # the same gray levels in 16 bits
    canvas = canvas_from_image(save(deep, "scan.png"))
    np.testing.assert_array_equal(canvas, canvas_from_image(save(photo, "scan8.png")))
    assert len(np.unique(canvas)) > 2  # gray levels, not black and white


def test_a_missing_file_a_folder_or_a_non_image_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"image file not found: .*none\.png"):
        canvas_from_image(tmp_path / "none.png")
    with pytest.raises(ValueError, match=r"is a folder, not an image file"):
        canvas_from_image(tmp_path)
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    with pytest.raises(ValueError, match=r"notes.png is not a readable image"):
        canvas_from_image(str(text))


def test_predict_reports_a_bad_image_by_name_and_goes_on(save, tmp_path, capsys) -> None:
    tiny = save(np.zeros((4, 4), np.uint8), "tiny.png")
    good = save(on_paper(ink(7), 238, 60), "seven.png")
    assert main(["predict", str(tiny), str(tmp_path / "gone.png"), str(good)]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{good}: 7 (")
    errors = captured.err.splitlines()
    assert len(errors) == 2
    assert f"{tiny}: Expected a canvas of shape (H, W) with H, W >= 8" in errors[0]
    assert "image file not found" in errors[1]
    assert "gone.png" in errors[1]


def test_a_path_a_pil_image_and_an_array_give_the_same_canvas(save) -> None:
    photo = on_paper(ink(7), 238, 60, noise=4)
    path = save(photo, "seven.png")
    expected = canvas_from_image(path)
    assert expected.shape == photo.shape
    with Image.open(path) as image:
        np.testing.assert_array_equal(canvas_from_image(image), expected)
    np.testing.assert_array_equal(canvas_from_image(str(path)), expected)
    np.testing.assert_array_equal(canvas_from_image(photo), expected)
    np.testing.assert_array_equal(canvas_from_image(photo.astype(np.int64).tolist()), expected)
    np.testing.assert_array_equal(canvas_from_image(photo / 255), expected)
    rgb = np.repeat(photo[..., None], 3, axis=2)
    np.testing.assert_array_equal(canvas_from_image(rgb), expected)


def test_an_rgba_array_with_transparency_is_read_from_its_opacity() -> None:
    amount = ink(3)
    rgba = np.zeros((*amount.shape, 4), np.uint8)
    rgba[..., 3] = np.rint(amount * 255)
    np.testing.assert_array_equal(canvas_from_image(rgba), rgba[..., 3])


@pytest.mark.parametrize(("height", "width"), [(300, 200), (200, 300), (280, 280), (30, 60)])
def test_with_a_size_the_whole_image_fits_a_centred_square(height, width) -> None:
    canvas = np.zeros((height, width), np.uint8)
    canvas[:4, width // 2 - 2 : width // 2 + 2] = 255  # ink at the middle of each edge
    canvas[-4:, width // 2 - 2 : width // 2 + 2] = 255
    canvas[height // 2 - 2 : height // 2 + 2, :4] = 255
    canvas[height // 2 - 2 : height // 2 + 2, -4:] = 255
    square = canvas_from_image(canvas, size=140)
    assert square.shape == (140, 140)
    assert square.dtype == np.uint8
    rows = np.flatnonzero(square.max(axis=1) > 64)
    cols = np.flatnonzero(square.max(axis=0) > 64)
    # The ink is kept whole: its longer side spans the square, its shorter side is centred.
    long_side, short_side = (rows, cols) if height >= width else (cols, rows)
    assert (long_side[0], long_side[-1]) == (0, 139)
    fitted = round(140 * min(height, width) / max(height, width))
    assert short_side[0] == (140 - fitted) // 2
    assert short_side[-1] == (140 - fitted) // 2 + fitted - 1


def test_a_file_put_into_a_pad_is_read_as_the_digit(save) -> None:
    from digitwidget import DrawPad

    pad = DrawPad(size=200)
    pad.pixels = canvas_from_image(save(on_paper(ink(7), 238, 60, noise=4), "7.jpg"), size=pad.size)
    assert pad.prediction == 7


@pytest.mark.parametrize(
    ("source", "error", "message"),
    [
        (
            np.zeros((5, 5, 2)),
            ValueError,
            r"shape \(H, W\), \(H, W, 3\) or \(H, W, 4\).*\(5, 5, 2\)",
        ),
        (np.zeros((0, 5)), ValueError, r"Received: shape \(0, 5\)"),
        (np.full((9, 9), 300), ValueError, r"integer pixels in 0\.\.255, received values in 300"),
        (np.full((9, 9), -1, np.int16), ValueError, r"in 0\.\.255, received values in -1"),
        (
            np.full((9, 9), 2.0),
            ValueError,
            r"float pixels in \[0, 1\].*Divide 0\.\.255 data by 255",
        ),
        (np.full((9, 9), np.nan), ValueError, r"float pixels in \[0, 1\]"),
        (np.full((9, 9), "a"), ValueError, r"numeric pixels.*dtype=<U1"),
        (b"\x89PNG", TypeError, r"a file path, a PIL image or an array.*type bytes"),
        (7, TypeError, r"Received: source of type int"),
    ],
    ids=["two-channels", "empty", "int-300", "negative", "float-255", "nan", "str", "bytes", "int"],
)
def test_what_is_not_an_image_gets_a_clear_error(source, error, message) -> None:
    with pytest.raises(error, match=message):
        canvas_from_image(source)


@pytest.mark.parametrize("size", [0, -3, 2.5, True, "280"])
def test_a_size_that_is_not_a_positive_int_is_refused(size) -> None:
    with pytest.raises(ValueError, match=rf"size to be None or an int >= 1.*size={size!r}"):
        canvas_from_image(np.zeros((9, 9), np.uint8), size=size)
