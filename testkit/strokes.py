"""Synthetic digits that look drawn on a canvas with a mouse, pen or finger.

Each digit class has a few stroke templates (polylines and curves in a unit square,
x to the right, y downward, in drawing order), in several styles: 1 with and without a
flag or base, 4 open and closed, 7 with and without a bar, 9 with a straight or a curved
tail, and so on. :func:`make_strokes` picks a style and places it on a canvas with a
random size, position, aspect, rotation, slant and hand jitter; :func:`render_strokes`
paints the strokes like the widget does (round joins and caps). The browser tests draw
the same strokes with real mouse events, so both functions keep their signatures.

Example:
    >>> rng = np.random.default_rng(0)
    >>> strokes = make_strokes(7, rng)
    >>> image = render_strokes(strokes, pen=16.0)
    >>> image.shape, image.dtype
    ((280, 280), dtype('uint8'))
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw

Stroke = np.ndarray
Template = list[Stroke]


def _arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float) -> Stroke:
    """Points on an ellipse from angle ``a0`` to ``a1`` degrees (y downward, 90 = bottom)."""
    n = max(8, int(abs(a1 - a0) / 8))
    t = np.radians(np.linspace(a0, a1, n))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def _bezier(p0: tuple, p1: tuple, p2: tuple, n: int = 16) -> Stroke:
    """A quadratic Bezier curve from ``p0`` to ``p2`` pulled toward ``p1``."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    p0, p1, p2 = (np.asarray(p, dtype=float) for p in (p0, p1, p2))
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2


def _line(*points: tuple) -> Stroke:
    return np.asarray(points, dtype=float)


def _join(*parts: Stroke) -> Stroke:
    return np.concatenate(parts, axis=0)


def _eight_loop() -> Stroke:
    t = np.linspace(0.0, 2 * np.pi, 64)
    return np.stack([0.5 + 0.62 * np.sin(t) * np.cos(t), 0.5 - 0.45 * np.cos(t)], axis=1)


TEMPLATES: dict[int, list[Callable[[], Template]]] = {
    0: [
        lambda: [_arc(0.5, 0.5, 0.3, 0.45, -90, 275)],
        lambda: [_arc(0.5, 0.5, 0.27, 0.45, 235, 600)],
    ],
    1: [
        lambda: [_line((0.5, 0.05), (0.5, 0.95))],
        lambda: [_line((0.4, 0.22), (0.55, 0.05), (0.55, 0.95))],
        lambda: [_line((0.4, 0.22), (0.55, 0.05), (0.55, 0.95)), _line((0.3, 0.95), (0.8, 0.95))],
    ],
    2: [
        lambda: [_join(_arc(0.5, 0.3, 0.3, 0.25, 190, 385), _line((0.2, 0.95), (0.85, 0.95)))],
        lambda: [
            _join(
                _arc(0.48, 0.28, 0.28, 0.23, 200, 360),
                _bezier((0.76, 0.3), (0.7, 0.6), (0.2, 0.93)),
                _line((0.55, 0.9), (0.85, 0.92)),
            )
        ],
    ],
    3: [
        lambda: [
            _join(_arc(0.5, 0.28, 0.28, 0.23, 200, 450), _arc(0.5, 0.72, 0.32, 0.25, 270, 520))
        ],
        lambda: [
            _join(
                _line((0.2, 0.05), (0.8, 0.05), (0.45, 0.42)),
                _arc(0.5, 0.7, 0.32, 0.27, 260, 520),
            )
        ],
    ],
    4: [
        lambda: [_line((0.6, 0.05), (0.15, 0.65), (0.85, 0.65)), _line((0.65, 0.05), (0.65, 0.95))],
        lambda: [_line((0.25, 0.05), (0.2, 0.6), (0.85, 0.6)), _line((0.65, 0.25), (0.65, 0.95))],
    ],
    5: [
        lambda: [
            _join(
                _line((0.75, 0.05), (0.3, 0.05), (0.27, 0.45)), _arc(0.5, 0.68, 0.3, 0.27, 222, 500)
            )
        ],
        lambda: [
            _join(_line((0.3, 0.05), (0.27, 0.45)), _arc(0.5, 0.68, 0.3, 0.27, 222, 500)),
            _line((0.3, 0.05), (0.78, 0.04)),
        ],
    ],
    6: [
        lambda: [
            _join(
                _bezier((0.7, 0.05), (0.2, 0.3), (0.22, 0.7)), _arc(0.5, 0.7, 0.28, 0.25, 180, -175)
            )
        ],
        lambda: [_join(_line((0.65, 0.05), (0.25, 0.6)), _arc(0.5, 0.72, 0.27, 0.23, 200, -150))],
    ],
    7: [
        lambda: [_line((0.15, 0.05), (0.85, 0.05), (0.4, 0.95))],
        lambda: [_line((0.15, 0.05), (0.85, 0.05), (0.4, 0.95)), _line((0.35, 0.5), (0.78, 0.5))],
        lambda: [_line((0.15, 0.18), (0.15, 0.05), (0.85, 0.05), (0.5, 0.95))],
    ],
    8: [
        lambda: [_eight_loop()],
        lambda: [_arc(0.5, 0.27, 0.22, 0.22, -90, 270), _arc(0.5, 0.72, 0.28, 0.24, -90, 270)],
    ],
    9: [
        lambda: [_join(_arc(0.5, 0.3, 0.27, 0.25, 0, -360), _line((0.77, 0.3), (0.72, 0.95)))],
        lambda: [
            _join(
                _arc(0.5, 0.3, 0.27, 0.25, 0, -360), _bezier((0.77, 0.3), (0.8, 0.85), (0.4, 0.95))
            )
        ],
    ],
}


def _densify(stroke: Stroke, step: float) -> Stroke:
    """Resample a polyline so consecutive points are at most ``step`` apart."""
    out = [stroke[:1]]
    for a, b in itertools.pairwise(stroke):
        n = max(1, int(np.ceil(np.linalg.norm(b - a) / step)))
        out.append(a + (b - a) * np.linspace(0.0, 1.0, n + 1)[1:, None])
    return np.concatenate(out, axis=0)


def _smooth_noise(n: int, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """``(n, 2)`` slowly varying noise of standard deviation about ``sigma`` (a hand's wobble)."""
    kernel = np.hanning(9)[1:-1]
    kernel /= np.sqrt(np.sum(kernel**2))
    raw = rng.normal(0.0, sigma, size=(n + len(kernel) - 1, 2))
    return np.stack([np.convolve(raw[:, i], kernel, mode="valid") for i in range(2)], axis=1)


def _placement(rng: np.random.Generator, canvas: int) -> tuple[np.ndarray, float]:
    """A random 2x2 linear map (size, aspect, slant, rotation) and its height in pixels."""
    height = rng.uniform(0.45, 0.8) * canvas
    aspect = rng.uniform(0.75, 1.2)
    slant = rng.uniform(-0.3, 0.3)
    angle = np.radians(rng.uniform(-12.0, 12.0))
    scale = np.diag([height * aspect, height])
    shear = np.array([[1.0, slant], [0.0, 1.0]])
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return rot @ shear @ scale, height


def make_strokes(digit: int, rng: np.random.Generator, canvas: int = 280) -> list[np.ndarray]:
    """Random strokes of one digit, as a person might draw it on a square canvas.

    Args:
        digit: The class, 0..9.
        rng: The random source (style, size, position, aspect, rotation, slant, jitter).
        canvas: Side of the square canvas in pixels.

    Returns:
        A list of strokes in drawing order, each a ``(k, 2)`` float array of ``x, y`` in
        canvas pixel coordinates (inside ``[0, canvas)``), points a few pixels apart.
    """
    if digit not in TEMPLATES:
        msg = f"Expected a digit 0..9, received digit={digit!r}."
        raise ValueError(msg)
    styles = TEMPLATES[digit]
    template = styles[int(rng.integers(len(styles)))]()
    linear, height = _placement(rng, canvas)
    strokes = []
    for part in template:
        wobble = part + _smooth_noise(len(part), 0.015, rng)
        points = (wobble - 0.5) @ linear.T
        strokes.append(_densify(points, step=max(2.0, canvas / 70)))
    points = np.concatenate(strokes)
    margin = 0.06 * canvas
    fit = min(1.0, (canvas - 2 * margin) / float(np.ptp(points, axis=0).max()))
    strokes = [s * fit for s in strokes]
    low, high = points.min(axis=0) * fit, points.max(axis=0) * fit
    room = np.maximum(canvas - 2 * margin - (high - low), 0.0)
    offset = margin - low + rng.uniform(0.0, 1.0, size=2) * room
    jitter = 0.0015 * height
    return [
        np.clip(s + offset + rng.normal(0.0, jitter, size=s.shape), 0.0, canvas - 1.0)
        for s in strokes
    ]


def render_strokes(strokes: list[np.ndarray], canvas: int = 280, pen: float = 18.0) -> np.ndarray:
    """Paint strokes like the widget: white ink on black, round joins and caps.

    Args:
        strokes: ``(k, 2)`` arrays of ``x, y`` canvas pixel coordinates.
        canvas: Side of the square canvas in pixels.
        pen: Line width in pixels.

    Returns:
        ``(canvas, canvas)`` uint8 image, ink 255, background 0.
    """
    image = Image.new("L", (canvas, canvas), 0)
    draw = ImageDraw.Draw(image)
    radius = pen / 2.0
    for stroke in strokes:
        points = [(float(x), float(y)) for x, y in np.asarray(stroke, dtype=float)]
        if len(points) > 1:
            draw.line(points, fill=255, width=max(1, round(pen)), joint="curve")
        for x, y in (points[0], points[-1]):
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    return np.asarray(image, dtype=np.uint8)
