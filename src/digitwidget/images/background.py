"""The background of a photo of ink on paper: the paper's light at every pixel, ink left out.

Light changes across a page: it falls off from one side (a gradient), towards the
corners (a vignette), around a lamp's spot, or stops at a shadow's edge. One level for
the whole paper then either takes dark paper for ink or bright ink for paper. Here the
paper's light is modelled pixel by pixel with morphological openings, so that what is
left above it is the ink (and the camera's noise), wherever the light was.
"""

from __future__ import annotations

import math

import numpy as np

BACKGROUND_GRID = 256
"""The background is modelled on a copy at most this many pixels on its longer side.

Light changes slowly across a page, so this is detail enough; averaging pixels into the
copy also averages away most of their noise, and keeps a 12-megapixel photo fast.
"""

FLAT_WINDOW = 0.5
"""Side of the flat window that follows straight changes of light, as a fraction of the
image's shorter side. A pen stroke is much narrower, so no window fits inside the ink."""

BEND = 8.0
"""How much the paper's light may bend: full scale over (shorter side / sqrt(BEND)) squared.

A vignette, a lamp's spot or a soft shadow bends less; a pen stroke, which rises by most
of full scale across a few percent of the image, bends far more and is left out.
"""


def background(gray: np.ndarray) -> np.ndarray:
    """The paper's light at every pixel, ink left out: ``(H, W)`` float32, like ``gray``.

    Two morphological openings (every pixel the lowest value under a window around it,
    then the highest of those), whichever is higher at each pixel: one with a flat
    window, which keeps the light exactly where it rises or falls in one direction (a
    gradient, the edge of a shadow), and one with a paraboloid, which also keeps it
    where it bends by up to :data:`BEND` (a vignette, a lamp's spot, a soft shadow).
    Both leave out what is brighter than its surroundings and much narrower than them:
    the ink. They are computed on a smaller copy (:data:`BACKGROUND_GRID`), scaled back up.

    Args:
        gray: ``(H, W)`` float32 image in [0, 1] with bright ink (a page already inverted).
    """
    from PIL import Image

    height, width = gray.shape
    shrink = min(1.0, BACKGROUND_GRID / max(height, width))
    small = gray
    if shrink < 1:
        size = (max(1, round(width * shrink)), max(1, round(height * shrink)))
        small = np.asarray(Image.fromarray(gray).resize(size, Image.Resampling.BOX))
    side = min(small.shape)
    curvature = BEND / side**2
    reach = math.ceil(1 / math.sqrt(curvature))  # further away, the paraboloid is above full scale
    flat = _opening(small, max(1, round(FLAT_WINDOW * side / 2)), 0.0)
    opened: np.ndarray = np.maximum(flat, _opening(small, reach, curvature))
    if shrink < 1:
        resized = Image.fromarray(opened).resize((width, height), Image.Resampling.BILINEAR)
        opened = np.asarray(resized)
    return opened


def _opening(image: np.ndarray, reach: int, curvature: float) -> np.ndarray:
    """Erode, then dilate, ``image`` by a window ``reach`` pixels each way, curved by ``curvature``.

    The edges are repeated far enough out that a window can lie beyond them, as if the
    light went on as it was at the edge: so a shadow's edge that meets the image's edge
    is kept too.
    """
    padded = np.pad(image, reach, mode="edge")
    eroded = _sweep(_sweep(padded, reach, curvature, np.minimum).T, reach, curvature, np.minimum)
    opened = _sweep(_sweep(eroded, reach, -curvature, np.maximum).T, reach, -curvature, np.maximum)
    return np.ascontiguousarray(opened[reach:-reach, reach:-reach])


def _sweep(rows: np.ndarray, reach: int, curvature: float, op: np.ufunc) -> np.ndarray:
    """``op`` (np.minimum or np.maximum) of each pixel and its row neighbours up to ``reach``
    away, each offset by ``curvature * distance**2`` (0 for a flat window); edges repeated.

    A square window, or a paraboloid (its offsets add up along rows and columns), is this
    along the rows, then along the columns.
    """
    count = rows.shape[1]
    padded = np.pad(rows, ((0, 0), (reach, reach)), mode="edge")
    out: np.ndarray = rows.copy()
    for shift in range(1, reach + 1):
        offset = np.float32(curvature * shift * shift)
        op(out, padded[:, reach + shift : reach + shift + count] + offset, out=out)
        op(out, padded[:, reach - shift : reach - shift + count] + offset, out=out)
    return out
