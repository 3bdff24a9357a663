"""Image files and PIL images, decoded within bounds: a pixel limit, and shrunk early.

A photo of a digit may have 12 megapixels; a small file may claim far more in its header
(a decompression bomb). Both are bounded here before any pixel becomes a float: images
over :data:`MAX_PIXELS` are refused from their header, and larger ones are decoded at a
reduced size (JPEG's draft mode, then Pillow's block averaging) towards :data:`WORK_SIDE`.
"""

from __future__ import annotations

import contextlib
import os
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from digitwidget._files import open_regular

MAX_PIXELS = 50_000_000
"""Images with more pixels are refused before they are decoded.

A digit needs a few hundred pixels a side; a bigger image, or a small file whose header
claims a huge one, would cost gigabytes and minutes to decode.
"""

WORK_SIDE = 1024
"""Larger images are scaled down to this many pixels on their longer side before they
become floats: a pen stroke stays many pixels wide, and a 12-megapixel photo costs
megabytes, not half a gigabyte."""


def read_image(path: str | os.PathLike[str]) -> Any:
    """The image in a file as a decoded PIL image, upright, near :data:`WORK_SIDE` at most.

    Raises:
        FileNotFoundError: Nothing is at ``path``.
        ValueError: It is not a regular file, not an image, damaged, or too large; the
            message names it.
    """
    from PIL import Image

    name = os.fspath(path)
    with open_regular(path, "image file", "pass the image files in it") as handle:
        with _pillow_errors(name), warnings.catch_warnings():
            # Pillow warns of a large image from its header; check_pixels refuses it, by its size.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(handle)
        with image:
            check_pixels(image.size, name)
            target = work_size(image.size)
            if target != image.size:  # JPEG decodes at 1/2, 1/4 or 1/8 of its size, cheaply
                with _pillow_errors(name):
                    image.draft("L" if image.mode in ("L", "RGB") else None, target)
            return decoded(image, name)


def decoded(image: Any, name: str) -> Any:
    """A PIL image decoded, shrunk by a whole factor towards :data:`WORK_SIDE`, upright (EXIF).

    The original is left as it was; the result is a new image.
    """
    from PIL import ImageOps

    check_pixels(image.size, name)
    with _pillow_errors(name):
        factor = max(image.size) // WORK_SIDE
        if factor > 1:  # averages whole blocks of pixels, before any float copy exists
            image = _reducible(image).reduce(factor)
        return ImageOps.exif_transpose(image)


def check_pixels(size: tuple[int, int], name: str) -> None:
    """Refuse an image of more than :data:`MAX_PIXELS` pixels, or than Pillow's own limit
    (``PIL.Image.MAX_IMAGE_PIXELS``) if that is lower; ``size`` is (width, height)."""
    width, height = size
    if width * height > _limit():
        megapixels = width * height / 1e6
        msg = f"{name} is {width}x{height} pixels ({megapixels:.0f} megapixels). {_limit_text()}"
        raise ValueError(msg)


def _limit() -> int:
    from PIL import Image

    return min(MAX_PIXELS, Image.MAX_IMAGE_PIXELS or MAX_PIXELS)


def work_size(size: tuple[int, int]) -> tuple[int, int]:
    """``size`` (width, height) scaled to at most :data:`WORK_SIDE` on its longer side."""
    scale = WORK_SIDE / max(size)
    if scale >= 1:
        return size
    return (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))


def fit_work_side(gray: np.ndarray) -> np.ndarray:
    """``(H, W)`` float32 ``gray`` scaled down (box filter) to at most :data:`WORK_SIDE` a side."""
    from PIL import Image

    height, width = gray.shape
    target = work_size((width, height))
    if target == (width, height):
        return gray
    return np.asarray(Image.fromarray(gray).resize(target, Image.Resampling.BOX))


@contextlib.contextmanager
def _pillow_errors(name: str) -> Iterator[None]:
    """Turn whatever Pillow raises on a damaged or oversized image into a ValueError naming it."""
    from PIL import Image

    try:
        with warnings.catch_warnings():  # a warning alone would let a huge image be decoded
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            yield
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        msg = f"{name} is too large to read ({err}). {_limit_text()}"
        raise ValueError(msg) from None
    except Exception as err:  # Pillow's decoders raise many kinds of error on a damaged file
        msg = (
            f"{name} is not a readable image (expected PNG, JPEG or another format Pillow "
            f"reads): {type(err).__name__}: {err}"
        )
        raise ValueError(msg) from None


def _limit_text() -> str:
    return (
        f"Images of at most {_limit() / 1e6:g} megapixels are read; scale it down "
        "first (a digit needs a few hundred pixels a side)."
    )


def _reducible(image: Any) -> Any:
    """``image`` in a mode whose pixels can be averaged (not palette indices or 1-bit)."""
    if image.mode in ("P", "PA"):
        transparent = image.mode == "PA" or "transparency" in image.info
        return image.convert("RGBA" if transparent else "L")
    if image.mode == "1":
        return image.convert("L")
    if image.mode.startswith("I;16"):
        return image.convert("I")
    return image
