"""Image files as the command line reads them: photos, scans and app exports become a clean canvas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitwidget import load_model, preprocess
from digitwidget.cli import main
from digitwidget.images import read_image
from tests.drawn_digits import make_strokes, render_strokes

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


def predicted(path: Path) -> int | None:
    x28 = preprocess(read_image(path))
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
    np.testing.assert_array_equal(read_image(save(canvas, "c.png")), canvas / np.float32(255))


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


def test_paper_and_its_noise_become_zero_and_the_ink_full_strength(save) -> None:
    amount = ink(7)
    canvas = read_image(save(on_paper(amount, 238, 60, noise=8), "p.png"))
    assert canvas.max() == 1
    assert not canvas[amount == 0].any()  # not one noise pixel is left as ink
    # The brightest pixel is full ink; it caught the largest upward noise, the rest are near it.
    assert np.median(canvas[amount == 1]) > 0.75


def test_blank_noisy_paper_is_blank(save, capsys) -> None:
    path = save(on_paper(np.zeros((300, 400)), 230, 0, noise=8), "blank.png")
    assert not read_image(path).any()
    assert main(["predict", str(path)]) == 0
    assert "blank (no ink found)" in capsys.readouterr().out


def test_a_sideways_phone_photo_is_turned_upright_by_its_exif_note(save) -> None:
    upright = on_paper(ink(7), 238, 60)
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn 90 degrees clockwise to display"
    stored = np.rot90(upright)  # as the camera wrote it: turned counter-clockwise
    rotated = save(stored, "phone.png", exif=exif)
    np.testing.assert_array_equal(read_image(rotated), read_image(save(upright, "up.png")))
    assert predicted(rotated) == 7


@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 255, 255), (200, 30, 30)], ids=str)
def test_ink_on_a_transparent_background_is_read_from_its_opacity(save, colour) -> None:
    amount = ink(3)
    rgba = np.zeros((*amount.shape, 4), np.uint8)
    rgba[..., :3] = colour
    rgba[..., 3] = np.rint(amount * 255)
    canvas = read_image(save(rgba, "export.png"))
    np.testing.assert_allclose(canvas, amount, atol=1 / 255)
    assert predicted(save(rgba, "export.png")) == 3


def test_sixteen_bit_samples_keep_their_gray_levels(save) -> None:
    photo = on_paper(ink(3), 238, 60, noise=4)
    deep = photo.astype(np.uint16) * 257  # the same gray levels in 16 bits
    canvas = read_image(save(deep, "scan.png"))
    np.testing.assert_allclose(canvas, read_image(save(photo, "scan8.png")), atol=1e-6)
    assert len(np.unique(canvas)) > 2  # gray levels, not black and white


def test_a_missing_or_unreadable_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_image(tmp_path / "none.png")
    text = tmp_path / "notes.png"
    text.write_text("not an image")
    with pytest.raises(ValueError, match=r"notes.png is not a readable image"):
        read_image(text)


def test_predict_reports_a_bad_image_by_name_and_goes_on(save, tmp_path, capsys) -> None:
    tiny = save(np.zeros((4, 4), np.uint8), "tiny.png")
    good = save(on_paper(ink(7), 238, 60), "seven.png")
    assert main(["predict", str(tiny), str(tmp_path / "gone.png"), str(good)]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith(f"{good}: 7 (")
    errors = captured.err.splitlines()
    assert len(errors) == 2
    assert f"{tiny}: Expected a canvas of shape (H, W) with H, W >= 8" in errors[0]
    assert "image not found" in errors[1]
    assert "gone.png" in errors[1]
