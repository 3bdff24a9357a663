"""Synthetic drawings for training: digits as people draw them on the pad, seeded.

MNIST's digits are thick, blurred pen strokes in a few American styles; the pad gets
thin or thick lines in styles MNIST lacks (see :mod:`digitwidget.train.synthetic_styles`).
Each drawing here is one style's strokes, wobbled like a hand and placed on a virtual
280x280 pad with a random pen (6 to 30 px, round, anti-aliased), size (35-90% of the
pad's height), position, aspect, rotation and slant, then turned into the model's input
by :func:`digitwidget.preprocess.preprocess`, the very function the pad calls.

Speed: the 28x28 result depends on the ink's shape, hardly on the pad's resolution, so
the ink is painted where the drawing's longer side is ``RENDER_SIDE`` pixels (not 100-250
as on the pad), from each pixel's distance to the nearest stroke segment, in NumPy. Then
20,000 images take about 20 s on one core (1 ms each); painting the full-size pad would
make it 3.5 ms each, 70 s. Measured on 300 drawings,
the 28x28 images differ from those of the full-size pad (:func:`render_canvas`) by 0.009
per pixel on average: as much as moving the drawing by half a pad pixel does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from digitwidget.preprocess import preprocess
from digitwidget.train.synthetic_styles import STYLES, Stroke

CANVAS = 280
"""Side of the virtual pad, as the widget's default, in pixels."""

PEN = (6.0, 30.0)
"""Pen diameters drawn from, in pad pixels (log-uniform)."""

PEN_PER_HEIGHT = 0.2
"""The thickest pen for a drawing, as a fraction of its height: a thicker one clogs loops."""

HEIGHT = (0.35, 0.9)
"""The drawing's height, as a fraction of the pad's."""

RENDER_SIDE = 64
"""The drawing's longer side, in pixels, where :func:`synthetic_digits` paints it."""

LEAN = (-15.0, 24.0)
"""How far an upright stroke leans after slant and rotation, in degrees (back, forward)."""

BAND = 16
"""Rows painted at a time (see :func:`_paint`)."""

STEP = 0.035
"""The longest gap between stroke points, in template units (the digit is about 1 tall)."""


@dataclass(frozen=True)
class Drawing:
    """One synthetic drawing on the pad.

    Attributes:
        strokes: ``(k, 2)`` float arrays of ``x, y`` in pad pixels, in drawing order.
        pen: The pen's diameter in pad pixels.
        digit: What it shows.
        style: Its style's name in :data:`STYLES` (``"1:flag"`` is digit 1, style flag).
    """

    strokes: list[np.ndarray]
    pen: float
    digit: int
    style: str


def style_names(digits: Sequence[int] = range(10)) -> list[str]:
    """Every style of ``digits``, as ``"digit:name"``."""
    return [f"{d}:{name}" for d in digits for name in STYLES[d]]


def draw(style: str, rng: np.random.Generator, canvas: int = CANVAS) -> Drawing:
    """A random drawing in ``style`` (``"digit:name"``), placed on a ``canvas``-pixel pad."""
    digit, name = _parse_style(style)
    unit = [_wobble(_densify(s, STEP), rng) for s in STYLES[digit][name](rng)]
    height = rng.uniform(*HEIGHT) * canvas
    pen = float(np.exp(rng.uniform(np.log(PEN[0]), np.log(min(PEN[1], PEN_PER_HEIGHT * height)))))
    linear = _linear_map(height, rng)
    strokes = _place([(s - 0.5) @ linear.T for s in unit], pen, canvas, rng)
    return Drawing(strokes, pen, digit, style)


def render_canvas(drawing: Drawing, canvas: int = CANVAS) -> np.ndarray:
    """The full ``(canvas, canvas)`` uint8 pad: white ink (255) on black, as the pad's pixels."""
    ink = _paint(drawing.strokes, drawing.pen / 2, (canvas, canvas))
    return np.round(ink * 255).astype(np.uint8)


def model_input(drawing: Drawing) -> np.ndarray:
    """The ``(28, 28)`` float32 image the model reads for ``drawing`` (see the module doc)."""
    points = np.concatenate(drawing.strokes)
    radius = drawing.pen / 2
    low, high = points.min(axis=0) - radius, points.max(axis=0) + radius
    scale = min(1.0, RENDER_SIDE / float(np.max(high - low)))
    # A blank border of 2 pixels at least (preprocess reads the background there), and
    # a side of 8 at least (preprocess's smallest canvas), the ink in the middle.
    size = np.maximum(np.ceil((high - low) * scale) + 4, 8)
    origin = (low + high) / 2 * scale - size / 2
    strokes = [s * scale - origin for s in drawing.strokes]
    ink = _paint(strokes, radius * scale, (int(size[0]), int(size[1])))
    image = preprocess(ink)
    if image is None:  # cannot happen: every stroke paints at least one pixel
        raise RuntimeError(f"a synthetic drawing of style {drawing.style} has no ink")
    return image


def synthetic_digits(
    count_per_digit: int, seed: int = 0, styles: Sequence[str] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic drawings, ready for training as MNIST's images are.

    Args:
        count_per_digit: How many drawings of each digit.
        seed: The random seed; the same seed gives the same images.
        styles: Only these styles (``"digit:name"``, see :func:`style_names`); a digit
            none of them shows gets no drawings. All styles when None.

    Returns:
        ``(images, labels)``: ``(n, 28, 28)`` uint8 (ink bright, 0..255, as MNIST's) and
        ``(n,)`` int64 labels, ``n = count_per_digit`` times the digits shown, shuffled.
        Each digit's drawings share its styles out evenly.
    """
    if count_per_digit < 0:
        raise ValueError(f"count_per_digit must be >= 0, received {count_per_digit}.")
    names = style_names() if styles is None else list(styles)
    for name in names:
        _parse_style(name)
    rng = np.random.default_rng(seed)
    chosen = _styles_per_image(names, count_per_digit, rng)
    images = np.zeros((len(chosen), 28, 28), dtype=np.uint8)
    for i, style in enumerate(chosen):
        images[i] = np.round(model_input(draw(style, rng)) * 255)
    labels = np.array([int(s.split(":")[0]) for s in chosen], dtype=np.int64)
    return images, labels


def contact_sheet(images: np.ndarray, columns: int, gap: int = 2) -> np.ndarray:
    """``images`` in rows of ``columns``, bright ink on black, grey gaps: to look at them."""
    rows = -(-len(images) // columns)
    side = images.shape[1] + gap
    sheet = np.full((rows * side + gap, columns * side + gap), 60, dtype=np.uint8)
    for i, image in enumerate(images):
        top, left = gap + (i // columns) * side, gap + (i % columns) * side
        sheet[top : top + image.shape[0], left : left + image.shape[1]] = image
    return sheet


def _parse_style(style: str) -> tuple[int, str]:
    digit, _, name = style.partition(":")
    if not digit.isdigit() or int(digit) not in STYLES or name not in STYLES[int(digit)]:
        raise ValueError(f"Unknown style {style!r}; the styles are {style_names()}.")
    return int(digit), name


def _styles_per_image(names: list[str], count: int, rng: np.random.Generator) -> list[str]:
    """Each digit ``count`` times, its styles shared out evenly, in a random order."""
    chosen: list[str] = []
    for digit in sorted({int(n.split(":")[0]) for n in names}):
        own = [n for n in names if int(n.split(":")[0]) == digit]
        chosen += [own[i % len(own)] for i in rng.permutation(count)]
    return [chosen[i] for i in rng.permutation(len(chosen))]


def _densify(stroke: Stroke, step: float) -> Stroke:
    """The stroke with points added so that none is more than ``step`` from the next."""
    gaps = np.linalg.norm(np.diff(stroke, axis=0), axis=1)
    pieces = np.maximum(1, np.ceil(gaps / step)).astype(int)
    index = np.repeat(np.arange(len(gaps)), pieces)
    first = np.repeat(np.cumsum(pieces) - pieces, pieces)
    frac = ((np.arange(len(index)) - first) / np.repeat(pieces, pieces))[:, None]
    inner = stroke[index] * (1 - frac) + stroke[index + 1] * frac
    return np.concatenate([inner, stroke[-1:]])


def _wobble(stroke: Stroke, rng: np.random.Generator) -> Stroke:
    """A hand's slow wobble (smoothed noise) plus a small shake at every point."""
    sigma = rng.uniform(0.004, 0.018)
    kernel = np.hanning(13)[1:-1]
    kernel /= np.sqrt(np.sum(kernel**2))
    raw = rng.normal(0.0, sigma, size=(len(stroke) + len(kernel) - 1, 2))
    slow = np.stack([np.convolve(raw[:, i], kernel, mode="valid") for i in range(2)], axis=1)
    return stroke + slow + rng.normal(0.0, 0.002, size=stroke.shape)


def _linear_map(height: float, rng: np.random.Generator) -> np.ndarray:
    """A random 2x2 map: size, aspect, slant (shear), then rotation.

    Slant and rotation together lean an upright stroke by at most ``LEAN`` degrees (back,
    forward): both at their limits, a 1 would lie at 32 degrees, which a hand hardly does,
    and a 1 leaning far back with a flag reads as 7.
    """
    aspect = rng.uniform(0.75, 1.3)
    slant = rng.uniform(-0.3, 0.3)
    lean = np.degrees(np.arctan(slant))
    degrees = np.clip(rng.uniform(-15.0, 15.0), LEAN[0] - lean, LEAN[1] - lean)
    angle = np.radians(degrees)
    scale = np.diag([height * aspect, height])
    shear = np.array([[1.0, -slant], [0.0, 1.0]])  # x -= slant * y: positive leans right
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return np.asarray(rotation @ shear @ scale)


def _place(
    strokes: list[np.ndarray], pen: float, canvas: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """The strokes shrunk to fit on the pad if need be, anywhere on it, ink inside."""
    points = np.concatenate(strokes)
    low, high = points.min(axis=0), points.max(axis=0)
    room = canvas - pen - 2.0
    fit = min(1.0, room / float(np.max(high - low)))
    offset = 1.0 + pen / 2 - low * fit + rng.uniform(0.0, 1.0, size=2) * (room - (high - low) * fit)
    return [s * fit + offset for s in strokes]


def _paint(strokes: list[np.ndarray], radius: float, shape: tuple[int, int]) -> np.ndarray:
    """A round pen of ``radius`` along ``strokes``, anti-aliased: ``(h, w)`` float32 in [0, 1].

    Each pixel's ink is how far its centre lies inside the pen's reach (the distance to
    the nearest segment), ramped over one pixel; ``shape`` is ``(w, h)``. The image is
    painted in bands of ``BAND`` rows, each from the segments that reach it and over the
    columns they reach: most pixels are far from most segments.
    """
    starts = np.concatenate([s[:-1] if len(s) > 1 else s for s in strokes]).astype(np.float32)
    ends = np.concatenate([s[1:] if len(s) > 1 else s for s in strokes]).astype(np.float32)
    low = np.minimum(starts, ends) - (radius + 1)
    high = np.maximum(starts, ends) + (radius + 1)
    width, height = shape
    ink = np.zeros((height, width), dtype=np.float32)
    for top in range(0, height, BAND):
        bottom = min(top + BAND, height)
        near = (low[:, 1] <= bottom) & (high[:, 1] >= top)
        if not near.any():
            continue
        left = max(int(low[near, 0].min()), 0)
        right = min(int(np.ceil(high[near, 0].max())), width)
        x = np.arange(left, right, dtype=np.float32) + np.float32(0.5)
        y = np.arange(top, bottom, dtype=np.float32) + np.float32(0.5)
        distance = _distance(x, y, starts[near], ends[near])
        ink[top:bottom, left:right] = np.clip(radius + 0.5 - distance, 0.0, 1.0)
    return ink


def _distance(x: np.ndarray, y: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Each pixel's distance to the nearest segment ``a[i] -> b[i]``: ``(len(y), len(x))``.

    With ``d`` from a segment's start to the pixel and ``t`` how far along the segment
    the nearest point is, the squared distance is ``|d|^2 - t (2 d.ab - t |ab|^2)``.
    ``|d|^2`` and ``d.ab`` are a sum of a part per column and a part per row, so only
    sums and products of whole ``(rows, columns, segments)`` arrays are left.
    """
    ab = b - a
    length2 = np.maximum(np.sum(ab * ab, axis=1), np.float32(1e-12))
    dx, dy = x[None, :, None] - a[:, 0], y[:, None, None] - a[:, 1]
    along = dx * ab[:, 0] + dy * ab[:, 1]
    t = np.clip(along / length2, 0.0, 1.0)
    square = dx * dx + dy * dy - t * (2 * along - t * length2)
    return np.asarray(np.sqrt(np.maximum(np.min(square, axis=2), 0.0)))
