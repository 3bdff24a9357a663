"""Images -> the canvas :func:`digitwidget.preprocess` and ``DrawPad.pixels`` take.

The pad's canvas is clean: a black background and full-strength ink. Images are not.
A photo of a digit on paper has dark ink on a light, noisy background whose light
changes across the page (a gradient, a vignette, a shadow); a phone may store it
sideways with an EXIF note to turn it; a drawing app may export the ink on a
transparent background; a scanner may write 16-bit samples. Each is undone here: the
image is turned upright and read as grayscale (the opacity is the ink when there is
transparency), made bright-on-dark, and the background, modelled pixel by pixel, and
its noise are taken off, so that the faintest pencil ends up as full ink and the paper
as zero wherever its light was.

Example:
    >>> from digitwidget import DrawPad, canvas_from_image
    >>> pad = DrawPad()
    >>> pad.pixels = canvas_from_image("seven.png", size=pad.size)  # doctest: +SKIP
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from digitwidget.images.background import background
from digitwidget.images.files import WORK_SIDE, check_pixels, decoded, fit_work_side, read_image
from digitwidget.preprocess import _border_level, _ink_is_dark, _outermost

__all__ = ["canvas_from_image"]

NOISE_SIGMAS = 6.0
"""How far above the background (in standard deviations of its noise) ink begins.

Gaussian noise passes six deviations about once in 10^9 pixels, so the noise of even a
12-megapixel photo does not count as ink, and a stray speck cannot stretch the crop.
"""

MIN_CONTRAST = 0.05
"""Ink must stand this far (of full scale) above background and noise; else the image is blank."""

LUMA = np.array([0.299, 0.587, 0.114], np.float32)
"""Weights of red, green and blue in gray (ITU-R 601, as Pillow's ``convert("L")``)."""


def canvas_from_image(source: Any, size: int | None = None) -> np.ndarray:
    """Turn an image into a canvas: bright ink on black, as the pad draws.

    Photos and scans of dark ink on paper, drawings on a transparent background and
    clean canvases all come out the same way: the image is turned upright (EXIF), read
    as grayscale (the opacity, where there is transparency), dark ink is made bright,
    and the paper (modelled pixel by pixel, so uneven light, a vignette or a shadow
    across the page are taken off too) and its noise become 0 while the strongest ink
    becomes 255.

    Args:
        source: A path to an image file (PNG, JPEG or any format Pillow reads), a PIL
            image, or an array: ``(H, W)`` grayscale, ``(H, W, 3)`` RGB or
            ``(H, W, 4)`` RGBA; uint8 or other integers in 0..255, uint16 (16-bit
            samples), bool, or floats in [0, 1].
        size: If given, the whole image is scaled to fit a ``(size, size)`` square
            and centred in it, with black bars on the shorter sides, so no ink is cut off.

    Returns:
        ``(H, W)`` uint8 canvas (``(size, size)`` with ``size``): 0 = background,
        255 = full ink. A blank image gives all zeros. An image larger than
        :data:`~digitwidget.images.files.WORK_SIDE` (1024) pixels on its longer side is
        scaled down to it.

    Raises:
        FileNotFoundError: There is no file at the path.
        ValueError: The path is a folder, a pipe or a device, not an image, or cannot be
            read; the image has more than 50 megapixels; the array's shape or
            values are not an image's; ``size`` is not a positive int.
        TypeError: ``source`` is none of the above.

    Example:
        >>> pad.pixels = canvas_from_image("seven.png", size=pad.size)  # doctest: +SKIP
        >>> x28 = preprocess(canvas_from_image("photo.jpg"))  # doctest: +SKIP
    """
    _check_size(size)
    canvas = _ink_on_black(_grayscale_of(source))
    if size is not None:
        canvas = _letterbox(canvas, size)
    pixels: np.ndarray = np.rint(canvas * 255).astype(np.uint8)
    return pixels


def _check_size(size: Any) -> None:
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 1):
        msg = f"Expected size to be None or an int >= 1 (the square's side in pixels). Received: size={size!r}."
        raise ValueError(msg)


def _grayscale_of(source: Any) -> np.ndarray:
    """``source`` as float32 ``(H, W)`` in [0, 1], upright, at most :data:`WORK_SIDE` a side;
    where it has transparency, its opacity."""
    from PIL import Image

    if isinstance(source, str | os.PathLike):
        gray = _grayscale(read_image(source))
    elif isinstance(source, Image.Image):
        gray = _grayscale(decoded(source, "the image"))
    elif isinstance(source, np.ndarray | list | tuple):
        gray = _array_grayscale(np.asarray(source))
    else:
        msg = (
            "Expected an image: a file path, a PIL image or an array. "
            f"Received: source of type {type(source).__name__}."
        )
        raise TypeError(msg)
    return fit_work_side(gray)


def _grayscale(image: Any) -> np.ndarray:
    """A PIL image as float32 in [0, 1]; where it has transparency, its opacity."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        opacity = np.asarray(image.convert("RGBA").getchannel("A"), np.float32) / 255
        if opacity.min() < 1:  # ink drawn on a transparent background, in any colour
            return opacity
    if image.mode.startswith("I"):  # 16-bit samples (convert("L") would clip them at 255)
        return np.clip(np.asarray(image, np.float64) / 65535, 0, 1).astype(np.float32)
    if image.mode == "F":  # floats, in [0, 1] or in 0..255
        values = np.asarray(image, np.float64)
        return np.clip(values / (1.0 if values.max() <= 1 else 255.0), 0, 1).astype(np.float32)
    return np.asarray(image.convert("L"), np.float32) / 255


def _array_grayscale(array: np.ndarray) -> np.ndarray:
    """An image array as float32 ``(H, W)`` in [0, 1], by the same rules as a file."""
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))) or not array.size:
        msg = (
            "Expected an image array of shape (H, W), (H, W, 3) or (H, W, 4). "
            f"Received: shape {array.shape}."
        )
        raise ValueError(msg)
    check_pixels((array.shape[1], array.shape[0]), "the image array")
    unit = _unit_values(array, max(array.shape[:2]) // WORK_SIDE)
    if unit.ndim == 2:
        return unit
    if unit.shape[2] == 4 and unit[..., 3].min() < 1:  # ink on a transparent background
        return np.ascontiguousarray(unit[..., 3])
    return unit[..., :3] @ LUMA


def _unit_values(array: np.ndarray, factor: int = 1) -> np.ndarray:
    """Pixel values as float32 in [0, 1]: uint16 / 65535, other integers / 255, floats as they
    are; each ``factor x factor`` block averaged into one pixel."""
    kind = array.dtype.kind
    if kind == "b":
        return _block_mean(array, factor)
    if kind in "iu":
        top = 65535 if array.dtype == np.uint16 else 255
        _check_integers(array, top)
        unit: np.ndarray = _block_mean(array, factor) / np.float32(top)
        return unit
    if kind == "f":
        low, high = float(array.min()), float(array.max())
        if not (np.isfinite(low) and np.isfinite(high)) or low < 0 or high > 1:
            msg = (
                f"Expected float pixels in [0, 1], received values in [{low:g}, {high:g}]. "
                "Divide 0..255 data by 255, or pass it as uint8."
            )
            raise ValueError(msg)
        return _block_mean(array, factor)
    msg = f"Expected numeric pixels (integers, bool or floats), received dtype={array.dtype}."
    raise ValueError(msg)


def _check_integers(array: np.ndarray, top: int) -> None:
    """Refuse integer pixels outside 0..``top``."""
    low, high = int(array.min()), int(array.max())
    if low < 0 or high > top:
        msg = (
            f"Expected integer pixels in 0..{top}, received values in {low}..{high}. "
            "For 16-bit samples pass a uint16 array."
        )
        raise ValueError(msg)


def _block_mean(array: np.ndarray, factor: int) -> np.ndarray:
    """``array`` as float32, each ``factor x factor`` block of pixels averaged into one.

    The average is taken block by block, so a large integer image never exists as floats
    at full size; rows and columns past the last whole block are left out.
    """
    if factor <= 1:
        return array.astype(np.float32)
    rows, cols = min(factor, array.shape[0]), min(factor, array.shape[1])
    height, width = array.shape[0] // rows, array.shape[1] // cols
    blocks = array[: height * rows, : width * cols].reshape(height, rows, width, cols, -1)
    means: np.ndarray = blocks.mean(axis=(1, 3), dtype=np.float32)
    return means.reshape(height, width, *array.shape[2:])


def _letterbox(canvas: np.ndarray, size: int) -> np.ndarray:
    """The whole canvas scaled to fit a ``(size, size)`` square, centred on black."""
    from PIL import Image

    height, width = canvas.shape
    scale = size / max(height, width)
    fitted = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = Image.fromarray(canvas).resize(fitted, Image.Resampling.LANCZOS)
    square = np.zeros((size, size), np.float32)
    top, left = (size - fitted[1]) // 2, (size - fitted[0]) // 2
    square[top : top + fitted[1], left : left + fitted[0]] = np.clip(np.asarray(resized), 0, 1)
    return square


def _ink_on_black(gray: np.ndarray) -> np.ndarray:
    """Make the ink bright, take off the background and its noise, stretch the ink to 1.

    What is left above the background (modelled by
    :func:`~digitwidget.images.background.background`, or the one level of a clean
    canvas's edges) is ink plus noise. The noise is measured on the image's outermost
    pixels, which a digit rarely fills: their median is the level the noise leaves, and
    their median absolute deviation its spread.
    """
    if _ink_is_dark(gray, _border_level(gray)):  # dark ink on paper, as :func:`preprocess` decides
        gray = 1 - gray
    edges = _outermost(gray)
    clean = edges.min() == edges.max()  # an export or a drawing: one level, no light to model
    above = gray - (edges[0] if clean else background(gray))
    border = _outermost(above)
    level = np.median(border)
    noise = 1.4826 * np.median(np.abs(border - level))  # a normal law's sigma
    ink: np.ndarray = above - (level + NOISE_SIGMAS * noise)
    peak = float(ink.max())
    if peak < MIN_CONTRAST:
        return np.zeros_like(gray)
    return np.clip(ink / peak, 0, 1)
