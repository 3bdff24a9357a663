"""Canvas pixels -> the 28x28 image an MNIST model expects.

MNIST's own recipe (LeCun et al.): crop to the ink, scale the longer side to 20 pixels
keeping the aspect ratio, with anti-aliasing, paste into a 28x28 field and move the centre
of mass to the centre. One addition: the brightest pixel is brought to full ink, as in
every MNIST image, so that a thin pen does not fade away when shrunk. In MNIST's test set the centre of mass sits at (row, col) = (14.0,
14.0) in pixel-index coordinates, so that is where this recipe puts it.

Before that, the ink is found: MNIST's ink is bright on black, as on the pad, but a page
or a scan has dark ink on a light background. The background is the level of the
canvas's outermost pixels, which a drawing rarely fills, and the ink is what strays
furthest from it, below or above; what is left is how far each pixel stands out from the
background toward the ink.
"""

from __future__ import annotations

import numpy as np

FIELD = 28
"""Side of the image the model sees, in pixels."""

BOX = 20
"""Side of the box the ink is scaled into, in pixels."""

CENTRE = 14.0
"""Where MNIST's centre of mass sits, in pixel-index coordinates (row and column)."""

INK_THRESHOLD = 0.2
"""Pixels at least this bright count as ink when cropping; fainter ones are anti-aliasing."""

MIN_SIDE = 8
"""The smallest canvas side accepted."""


def preprocess(canvas: np.ndarray) -> np.ndarray | None:
    """Turn a grayscale drawing into the MNIST-style 28x28 model input.

    Args:
        canvas: `(H, W)` grayscale image: `uint8` (or other integers) in 0..255, `bool`,
            or float in [0, 1]; H and W at least 8. Bright ink on a dark background (as
            the pad draws) or dark ink on a light one (a page, a scan,
            `np.asarray(Image.open(f).convert("L"))`): the side the ink is on is read
            from the image (see the module's docstring) and the background becomes 0.
            For a photo, whose light changes across the page, or a colour image, pass
            `canvas_from_image(photo)`, which also models the uneven light.

    Returns:
        `(28, 28)` float32 in [0, 1] (ink = 1), or None when the canvas holds no ink.

    Raises:
        TypeError: if `canvas` is not a numeric array.
        ValueError: if its shape or values are not those of a grayscale image.

    Example:
        >>> canvas = np.zeros((280, 280), np.uint8)
        >>> canvas[60:220, 130:150] = 255  # a "1"
        >>> preprocess(canvas).shape
        (28, 28)
    """
    image = _ink_strength(_as_unit_grayscale(canvas))
    ink = image >= INK_THRESHOLD
    if not ink.any():
        return None
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    cropped = image[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    digit = _fit_box(cropped)
    # Every MNIST digit has full-strength ink somewhere; a thin pen, once shrunk, has not.
    digit /= digit.max()
    return _centre_by_mass(digit)


def _as_unit_grayscale(canvas: np.ndarray) -> np.ndarray:
    """Validate `canvas` and return it as float32 in [0, 1]."""
    array = np.asarray(canvas)
    if array.dtype == bool:
        array = array.astype(np.float32)
    if not (np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)):
        msg = f"Expected a numeric grayscale canvas (uint8 or float), received dtype={array.dtype}."
        raise TypeError(msg)
    if array.ndim != 2 or min(array.shape) < MIN_SIDE:
        hint = ""
        if array.ndim == 3 and array.shape[-1] in (3, 4):
            hint = (
                " For a colour image, pass digitwidget.canvas_from_image(image) instead: "
                "it reads colour, transparency and photos."
            )
        msg = (
            f"Expected a canvas of shape (H, W) with H, W >= {MIN_SIDE}, "
            f"received shape {array.shape}.{hint}"
        )
        raise ValueError(msg)
    if np.issubdtype(array.dtype, np.integer):
        return _integers_as_unit(array)
    if not np.isfinite(array).all():
        msg = "Expected finite pixel values, received NaN or infinity."
        raise ValueError(msg)
    low, high = float(array.min()), float(array.max())
    if low < 0.0 or high > 1.0:
        msg = (
            f"Expected float pixels in [0, 1], received values in [{low:g}, {high:g}]. "
            "Divide 0..255 data by 255, or pass it as uint8."
        )
        raise ValueError(msg)
    return array.astype(np.float32, copy=False)


def _integers_as_unit(array: np.ndarray) -> np.ndarray:
    """Integer pixels, checked to be in 0..255, as float32 in [0, 1]."""
    low, high = int(array.min()), int(array.max())
    if low < 0 or high > 255:
        msg = f"Expected integer pixels in 0..255, received values in {low}..{high}."
        raise ValueError(msg)
    return array.astype(np.float32) / 255.0


def _outermost(image: np.ndarray) -> np.ndarray:
    """The image's outermost pixels (its first and last rows and columns), flat."""
    return np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]])


def _border_level(image: np.ndarray) -> float:
    """The background's level: the median of the outermost pixels, which a drawing rarely fills."""
    return float(np.median(_outermost(image)))


def _ink_is_dark(image: np.ndarray, background: float) -> bool:
    """Whether the ink is darker than the background: the image strays further below it than above.

    An image with no ink at all (one level) counts as a page when it is light.
    """
    below, above = background - float(image.min()), float(image.max()) - background
    return below > above or (below == above and background > 0.5)


def _ink_strength(image: np.ndarray) -> np.ndarray:
    """How far each pixel stands out from the background toward the ink, in [0, 1]."""
    background = _border_level(image)
    if background == 0.0:  # the pad's canvas: bright ink on black already
        return image
    if _ink_is_dark(image, background):
        return np.clip(background - image, 0.0, 1.0)
    return np.clip(image - background, 0.0, 1.0)


def _fit_box(cropped: np.ndarray) -> np.ndarray:
    """Scale so the longer side is `BOX` pixels, keeping the aspect ratio, anti-aliased."""
    from PIL import Image

    height, width = cropped.shape
    scale = BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # Lanczos widens its kernel by the reduction factor, so a large downscale averages
    # every canvas pixel (anti-aliasing) instead of sampling a few of them.
    resized = Image.fromarray(np.ascontiguousarray(cropped)).resize(size, Image.Resampling.LANCZOS)
    return np.clip(np.asarray(resized, dtype=np.float32), 0.0, 1.0)


def _centre_by_mass(digit: np.ndarray) -> np.ndarray:
    """Paste `digit` into a 28x28 field with its centre of mass at (`CENTRE`, `CENTRE`)."""
    height, width = digit.shape
    mass = digit.sum()
    rows, cols = np.indices(digit.shape)
    centre_row = float((rows * digit).sum() / mass)
    centre_col = float((cols * digit).sum() / mass)
    # Whole-pixel shifts keep strokes crisp (the residual is at most half a pixel); the
    # clamp keeps every stroke inside the field for very lopsided shapes.
    top = min(max(round(CENTRE - centre_row), 0), FIELD - height)
    left = min(max(round(CENTRE - centre_col), 0), FIELD - width)
    field = np.zeros((FIELD, FIELD), dtype=np.float32)
    field[top : top + height, left : left + width] = digit
    return field
