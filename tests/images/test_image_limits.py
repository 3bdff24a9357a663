"""canvas_from_image within bounds: big photos shrink early, bombs, pipes and devices are refused."""

from __future__ import annotations

import io
import os
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from digitwidget import canvas_from_image, load_model, preprocess
from testkit.strokes import make_strokes, render_strokes
from tests.hostile_files import make_fifo, png_claiming

BIG = (3000, 4000)
"""Height and width of a 12-megapixel phone photo."""


def big_photo(digit: int = 7) -> np.ndarray:
    """Dark ink on light, noisy paper at :data:`BIG`, as 8-bit gray."""
    ink = render_strokes(make_strokes(digit, np.random.default_rng(0)), pen=20.0)
    amount = np.asarray(Image.fromarray(ink).resize((2400, 2400), Image.Resampling.BILINEAR)) / 255
    page = np.zeros(BIG)
    page[300:2700, 800:3200] = amount
    gray = 220 - 170 * page + np.random.default_rng(1).normal(0, 4, BIG)
    return np.clip(np.rint(gray), 0, 255).astype(np.uint8)


def read(source) -> int | None:
    x28 = preprocess(canvas_from_image(source))
    return None if x28 is None else int(load_model().predict(x28))


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return big_photo()


def test_a_big_photo_is_read_at_a_working_size_without_a_huge_float_copy(photo, tmp_path) -> None:
    path = tmp_path / "seven.jpg"
    Image.fromarray(photo).save(path, quality=90)
    tracemalloc.start()
    try:
        canvas = canvas_from_image(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert canvas.shape == (768, 1024)
    assert peak < 30e6  # the photo as float32 alone would be 48 MB
    assert read(canvas) == 7


@pytest.mark.parametrize("mode", ["P", "1", "I;16", "RGB"])
def test_big_images_of_every_mode_shrink_to_the_working_size(photo, tmp_path, mode) -> None:
    path = tmp_path / "seven.png"
    if mode == "I;16":
        Image.fromarray(photo.astype(np.uint16) * 257).save(path, compress_level=1)
    else:
        Image.fromarray(photo).convert(mode, dither=Image.Dither.NONE).save(path, compress_level=1)
    canvas = canvas_from_image(path)
    assert canvas.shape == (768, 1024)
    assert read(canvas) == 7


def test_a_big_array_shrinks_like_the_same_image_in_a_file(photo, tmp_path) -> None:
    path = tmp_path / "seven.png"
    Image.fromarray(photo).save(path, compress_level=1)
    from_file, from_array = canvas_from_image(path), canvas_from_image(photo)
    assert from_array.shape == from_file.shape == (768, 1024)
    assert np.mean(np.abs(from_array.astype(int) - from_file)) < 2
    assert read(from_array) == 7


def test_a_big_sideways_photo_is_turned_upright(photo, tmp_path) -> None:
    sideways = np.ascontiguousarray(np.rot90(photo))  # as a phone stores it: turned a quarter
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to view"
    path = tmp_path / "sideways.jpg"
    Image.fromarray(sideways).save(path, exif=exif, quality=90)
    canvas = canvas_from_image(path)
    assert canvas.shape == (768, 1024)
    assert read(canvas) == 7


def test_an_image_header_claiming_169_megapixels_is_refused_at_once(tmp_path) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png_claiming(13000, 13000))
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"bomb\.png is 13000x13000 pixels \(169 megapixels\)"):
        canvas_from_image(path)
    assert time.perf_counter() - start < 0.5


@pytest.mark.parametrize(
    ("size", "message"),
    [
        ((120, 100), r"is 120x100 pixels.*at most 0\.01 megapixels"),  # Pillow warns
        ((300, 300), r"too large to read \(Image size \(90000 pixels\) exceeds"),  # Pillow refuses
    ],
    ids=["warned", "refused"],
)
def test_pillows_own_lower_limit_is_kept_and_its_warning_never_decodes(
    tmp_path, monkeypatch, size, message
) -> None:
    path = tmp_path / "big.png"
    Image.new("L", size).save(path, compress_level=1)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may leak as a warning
        with pytest.raises(ValueError, match=message):
            canvas_from_image(path)


def test_a_pil_image_or_an_array_over_the_limit_is_refused_before_decoding() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        lazy = Image.open(io.BytesIO(png_claiming(9000, 6000)))
    with pytest.raises(ValueError, match=r"the image is 9000x6000 pixels \(54 megapixels\)"):
        canvas_from_image(lazy)
    huge = np.broadcast_to(np.uint8(0), (6000, 9000))  # no memory behind it
    with pytest.raises(ValueError, match=r"the image array is 9000x6000 pixels"):
        canvas_from_image(huge)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_refused_without_opening_it(tmp_path) -> None:
    path = make_fifo(tmp_path)
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"pipe\.png is a pipe \(FIFO\), not a regular file"):
        canvas_from_image(path)
    assert time.perf_counter() - start < 1


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_device_is_refused_without_reading_it() -> None:
    with pytest.raises(ValueError, match=r"/dev/zero is a device or a socket, not a regular file"):
        canvas_from_image("/dev/zero")
