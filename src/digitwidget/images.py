"""Image files -> the canvas :func:`digitwidget.preprocess` reads: bright ink on black.

The pad's canvas is clean: a black background and full-strength ink. Files are not.
A photo of a digit on paper has dark ink on a light, uneven, noisy background; a phone
may store it sideways with an EXIF note to turn it; a drawing app may export the ink
on a transparent background; a scanner may write 16-bit samples. Each is undone here:
the image is turned upright and read as grayscale (the opacity is the ink when there is
transparency), made bright-on-dark, and the background level and its noise are taken
off, so that the faintest pencil ends up as full ink and the paper as zero.
"""

from __future__ import annotations

import os

import numpy as np

NOISE_SIGMAS = 6.0
"""How far above the background (in standard deviations of its noise) ink begins.

Gaussian noise passes six deviations about once in 10^9 pixels, so the noise of even a
12-megapixel photo does not count as ink, and a stray speck cannot stretch the crop.
"""

MIN_CONTRAST = 0.05
"""Ink must stand this far (of full scale) above background and noise; else the image is blank."""


def read_image(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an image file as a float32 ``(H, W)`` canvas in [0, 1]: ink bright, background 0.

    Raises:
        FileNotFoundError: if there is no file at ``path``.
        ValueError: if the file is not an image Pillow can read.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            gray = _grayscale(ImageOps.exif_transpose(image))
    except FileNotFoundError:
        raise
    except (UnidentifiedImageError, OSError) as err:
        msg = f"{os.fspath(path)} is not a readable image (expected PNG or JPEG): {err}"
        raise ValueError(msg) from err
    return _ink_on_black(gray)


def _grayscale(image) -> np.ndarray:
    """The image as float32 in [0, 1]; where it has transparency, its opacity."""
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


def _ink_on_black(gray: np.ndarray) -> np.ndarray:
    """Invert dark-on-light images, take off the background and its noise, stretch the ink to 1.

    The background is read from the image's outermost pixels, which a digit rarely
    fills; its noise is their median absolute deviation, which ignores a few ink pixels.
    """
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 0.5:  # dark ink on light paper
        gray, border = 1 - gray, 1 - border
    background = np.median(border)
    noise = 1.4826 * np.median(np.abs(border - background))  # a normal law's sigma
    ink = gray - (background + NOISE_SIGMAS * noise)
    peak = float(ink.max())
    if peak < MIN_CONTRAST:
        return np.zeros_like(gray)
    return np.clip(ink / peak, 0, 1)
