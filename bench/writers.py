"""Simulated writers for ``bench.teach``: people whose handwriting MNIST and the training set lack.

Each writer keeps one hand throughout, as a person does: one shape per digit (drawn
here, not taken from ``digitwidget.train.synthetic_styles`` nor ``testkit.strokes``), one
slant, one aspect, one pen. Each drawing varies only as one person's drawings do: a little
in size, proportion, position, rotation and wobble. Drawings are painted on a 280-pixel
pad as the widget paints them (``testkit.strokes.render_strokes``) and go through
``preprocess``.

``TUNING`` writers were used to choose fine-tuning's defaults; ``REPORTED`` writers were
not, and are the ones ``bench.teach`` reports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from digitwidget.preprocess import preprocess
from digitwidget.train.synthetic_styles import arc, curve, join, line
from testkit.strokes import render_strokes

Glyph = Callable[[np.random.Generator], list[np.ndarray]]


def _u(rng: np.random.Generator, low: float, high: float) -> float:
    return float(rng.uniform(low, high))


# Shapes no template of the training set draws -------------------------------------------


def zero_box(rng: np.random.Generator) -> list[np.ndarray]:
    """A 0 drawn as a rounded rectangle."""
    w = _u(rng, 0.28, 0.34)
    return [
        line(
            (0.5, 0.0),
            (0.5 - w, 0.04),
            (0.5 - w, 0.96),
            (0.5 + w, 0.96),
            (0.5 + w, 0.04),
            (0.45, 0.02),
        )
    ]


def zero_dotted(rng: np.random.Generator) -> list[np.ndarray]:
    """A 0 with a dot in its middle, as programmers tell it from O."""
    dot = arc(0.5, 0.5, 0.03, 0.04, 0, 360)
    return [arc(0.5, 0.5, _u(rng, 0.26, 0.32), 0.5, -90, 270), dot]


def one_hooked(rng: np.random.Generator) -> list[np.ndarray]:
    """A 1 whose stem ends in a hook to the left, like a J without its bar."""
    hook = _u(rng, 0.12, 0.2)
    return [
        join(
            line((0.45, 0.12), (0.55, 0.0), (0.55, 0.8)),
            curve((0.55, 0.8), (0.55, 1.0), (0.55 - hook, 0.95)),
        )
    ]


def one_roof(rng: np.random.Generator) -> list[np.ndarray]:
    """A 1 with a long flag and a long base, both nearly flat."""
    flag = _u(rng, 0.25, 0.35)
    return [line((0.5 - flag, 0.2), (0.52, 0.0), (0.52, 1.0)), line((0.2, 1.0), (0.84, 1.0))]


def one_slash(rng: np.random.Generator) -> list[np.ndarray]:
    """A 1 as one stroke with a tiny tick at its top."""
    return [line((0.44, 0.08), (0.56, 0.0), (0.5 + _u(rng, -0.02, 0.02), 1.0))]


def two_swash(rng: np.random.Generator) -> list[np.ndarray]:
    """A 2 whose base ends in an upward swash."""
    top = arc(0.5, 0.25, 0.26, 0.22, 200, 370)
    neck = curve(tuple(top[-1]), (0.66, 0.6), (0.18, 0.96))
    return [join(top, neck, curve((0.18, 0.96), (0.6, 0.9), (0.9, _u(rng, 0.72, 0.82))))]


def three_pointed(rng: np.random.Generator) -> list[np.ndarray]:
    """A 3 of two pointed bowls that meet in a sharp middle."""
    middle = _u(rng, 0.44, 0.5)
    return [
        line(
            (0.2, 0.08),
            (0.72, 0.05),
            (0.78, 0.22),
            (0.42, middle),
            (0.8, middle + 0.15),
            (0.78, 0.88),
            (0.45, 1.0),
            (0.18, 0.9),
        )
    ]


def four_chair(rng: np.random.Generator) -> list[np.ndarray]:
    """A 4 like a chair: a curved left arm into the bar, the stem hanging far below."""
    bar = _u(rng, 0.38, 0.48)
    arm = curve((0.22, 0.0), (0.18, bar + 0.1), (0.7, bar))
    return [join(arm, line((0.7, bar), (0.9, bar))), line((0.68, 0.0), (0.66, 1.0))]


def four_crossed(rng: np.random.Generator) -> list[np.ndarray]:
    """A closed 4 whose bar runs far to the left of the diagonal."""
    bar = _u(rng, 0.6, 0.7)
    return [
        line((0.62, 0.0), (0.22, bar)),
        line((0.02, bar), (0.95, bar)),
        line((0.62, 0.0), (0.62, 1.0)),
    ]


def five_round(rng: np.random.Generator) -> list[np.ndarray]:
    """A 5 without a corner: its stem curves into the bowl like an S."""
    bowl = arc(0.48, 0.68, 0.3, 0.3, 220, 500)
    return [
        join(curve((0.3, 0.0), (0.2, 0.2), (0.28, 0.42)), bowl),
        line((0.3, 0.0), (0.82, _u(rng, -0.05, 0.05))),
    ]


def six_tall(rng: np.random.Generator) -> list[np.ndarray]:
    """A 6 with a tall straight back and a small loop at its very bottom."""
    r = _u(rng, 0.15, 0.2)
    loop = arc(0.5, 1.0 - r, 0.2, r, 180, -180)
    return [join(line((0.62, 0.0), (0.3, 1.0 - r)), loop)]


def seven_curl(rng: np.random.Generator) -> list[np.ndarray]:
    """A 7 whose stem curls to the left at its foot."""
    stem = curve((0.85, 0.0), (0.5, 0.55), (0.5, 0.95), (0.3, _u(rng, 0.85, 0.95)))
    return [join(line((0.12, 0.05), (0.85, 0.0)), stem)]


def seven_hat(rng: np.random.Generator) -> list[np.ndarray]:
    """A 7 whose bar is a wave and whose stem is straight, with a cross bar."""
    bar = curve((0.1, 0.08), (0.35, -0.06), (0.6, 0.12), (0.88, 0.0))
    return [
        join(bar, line((0.88, 0.0), (0.42, 1.0))),
        line((0.4, 0.52), (0.85, _u(rng, 0.46, 0.52))),
    ]


def eight_snowman(rng: np.random.Generator) -> list[np.ndarray]:
    """An 8 of two separate circles, a small one on a big one."""
    top = _u(rng, 0.36, 0.42)
    return [
        arc(0.5, top / 2, 0.18, top / 2, 0, 360),
        arc(0.5, top + (1 - top) / 2, 0.28, (1 - top) / 2, 0, 360),
    ]


def eight_hourglass(rng: np.random.Generator) -> list[np.ndarray]:
    """An 8 of straight lines: an hourglass closed at the top and the bottom."""
    w = _u(rng, 0.26, 0.32)
    return [line((0.5 - w, 0.0), (0.5 + w, 0.0), (0.5 - w, 1.0), (0.5 + w, 1.0), (0.5 - w, 0.0))]


def nine_q(rng: np.random.Generator) -> list[np.ndarray]:
    """A 9 written like a q: the stem starts at the head's top and runs straight down."""
    ry = _u(rng, 0.2, 0.25)
    return [arc(0.45, ry, 0.25, ry, 0, -360), line((0.7, 0.0), (0.72, 1.0))]


def nine_triangle(rng: np.random.Generator) -> list[np.ndarray]:
    """A 9 with a triangular head and a curved tail."""
    head = line((0.75, 0.3), (0.25, 0.35), (0.6, 0.0), (0.75, 0.3))
    return [join(head, curve((0.75, 0.3), (0.78, 0.9), (0.3, _u(rng, 0.95, 1.0))))]


def nine_looped(rng: np.random.Generator) -> list[np.ndarray]:
    """A 9 whose tail ends in a loop, like a cursive g."""
    head = arc(0.5, 0.22, 0.24, 0.22, 10, -350)
    tail = join(line((0.74, 0.22), (0.7, 0.9)), arc(0.56, 0.9, 0.14, 0.1, 0, 300))
    return [join(head, tail)]


SEGMENTS = {
    "a": ((0.2, 0.0), (0.8, 0.0)),
    "b": ((0.8, 0.0), (0.8, 0.5)),
    "c": ((0.8, 0.5), (0.8, 1.0)),
    "d": ((0.8, 1.0), (0.2, 1.0)),
    "e": ((0.2, 1.0), (0.2, 0.5)),
    "f": ((0.2, 0.5), (0.2, 0.0)),
    "g": ((0.2, 0.5), (0.8, 0.5)),
}
LCD = ("abcdef", "bc", "abged", "abgcd", "fgbc", "afgcd", "afgedc", "abc", "abcdefg", "abcdfg")
"""Each digit's segments on a seven-segment display."""


def segment_glyph(digit: int) -> Glyph:
    """A digit drawn as its display segments, each a straight stroke."""

    def glyph(rng: np.random.Generator) -> list[np.ndarray]:
        return [line(*SEGMENTS[s]) + rng.normal(0, 0.01, (2, 2)) for s in LCD[digit]]

    return glyph


@dataclass(frozen=True)
class Writer:
    """One person's hand: a shape per digit, a slant, an aspect, a pen, a size.

    ``slant`` leans upright strokes (degrees, forward positive); ``aspect`` is width over
    height; ``pen`` is the pen's diameter range on the 280-pixel pad; ``height`` the
    drawing's height as a fraction of the pad.
    """

    name: str
    glyphs: dict[int, Glyph]
    slant: float = 0.0
    aspect: float = 1.0
    pen: tuple[float, float] = (14.0, 20.0)
    height: tuple[float, float] = (0.5, 0.8)
    rotation: float = 0.0
    mirrored: frozenset[int] = frozenset()
    outline: float = 0.0
    note: str = field(default="")


BASE: dict[int, Glyph] = {
    0: zero_box,
    1: one_hooked,
    2: two_swash,
    3: three_pointed,
    4: four_chair,
    5: five_round,
    6: six_tall,
    7: seven_curl,
    8: eight_snowman,
    9: nine_q,
}

LCD_GLYPHS: dict[int, Glyph] = {d: segment_glyph(d) for d in range(10)}

TUNING = (
    Writer("forward_slant", BASE, slant=45.0, note="leans 45 degrees forward"),
    Writer(
        "marker",
        BASE | {4: four_crossed, 9: nine_triangle},
        pen=(38.0, 46.0),
        height=(0.6, 0.85),
        note="a thick marker",
    ),
    Writer("mirror_some", BASE, mirrored=frozenset({3, 6, 9}), note="3, 6 and 9 back to front"),
)
REPORTED = (
    Writer(
        "mirror_child",
        BASE | {1: one_roof},
        mirrored=frozenset({2, 3, 4, 5, 7}),
        pen=(18.0, 24.0),
        note="2, 3, 4, 5 and 7 back to front",
    ),
    Writer("display", LCD_GLYPHS, slant=8.0, note="seven-segment digits"),
    Writer(
        "bubble",
        BASE | {8: eight_hourglass, 0: zero_dotted},
        outline=0.07,
        pen=(5.0, 7.0),
        note="every stroke a double line",
    ),
    Writer(
        "rotated",
        BASE | {9: nine_looped, 7: seven_hat},
        rotation=35.0,
        pen=(10.0, 14.0),
        note="turned 35 degrees clockwise",
    ),
    Writer(
        "backhand_wide",
        BASE | {4: four_crossed, 1: one_slash},
        slant=-30.0,
        aspect=1.6,
        pen=(24.0, 30.0),
        note="leans back, wide, thick",
    ),
)


def _densify(stroke: np.ndarray, step: float = 0.02) -> np.ndarray:
    gaps = np.linalg.norm(np.diff(stroke, axis=0), axis=1)
    parts = [stroke[:1]]
    for a, b, gap in zip(stroke[:-1], stroke[1:], gaps, strict=True):
        n = max(1, int(np.ceil(gap / step)))
        parts.append(a + (b - a) * np.linspace(0, 1, n + 1)[1:, None])
    return np.concatenate(parts)


def _wobble(stroke: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    kernel = np.hanning(11)[1:-1]
    kernel /= kernel.sum()
    raw = rng.normal(0, 0.03, (len(stroke) + len(kernel) - 1, 2))
    slow = np.stack([np.convolve(raw[:, i], kernel, mode="valid") for i in range(2)], axis=1)
    return stroke + slow


def _outline(stroke: np.ndarray, width: float) -> list[np.ndarray]:
    """The stroke as two lines ``width`` apart, one on each side (bubble writing)."""
    if len(stroke) < 2:
        return [stroke]
    tangent = np.gradient(stroke, axis=0)
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
    normal /= np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-9)
    return [stroke + normal * width / 2, stroke - normal * width / 2]


def draw(writer: Writer, digit: int, rng: np.random.Generator, canvas: int = 280) -> np.ndarray:
    """One drawing of ``digit`` in ``writer``'s hand: the ``(28, 28)`` model input."""
    strokes = [_wobble(_densify(s), rng) for s in writer.glyphs[digit](rng)]
    if digit in writer.mirrored:
        strokes = [s * [-1.0, 1.0] + [1.0, 0.0] for s in strokes]
    if writer.outline:
        strokes = [twin for s in strokes for twin in _outline(s, writer.outline)]
    height = _u(rng, *writer.height) * canvas
    aspect = writer.aspect * _u(rng, 0.92, 1.08)
    shear = np.tan(np.radians(writer.slant + _u(rng, -4, 4)))
    angle = np.radians(writer.rotation + _u(rng, -4, 4))
    linear = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    linear = linear @ np.array([[1.0, -shear], [0.0, 1.0]]) @ np.diag([height * aspect, height])
    placed = [(s - 0.5) @ linear.T for s in strokes]
    points = np.concatenate(placed)
    pen = _u(rng, *writer.pen)
    room = canvas - 2 * pen
    fit = min(1.0, room / float(np.ptp(points, axis=0).max()))
    low = points.min(axis=0) * fit
    spare = room - np.ptp(points, axis=0) * fit
    offset = pen - low + rng.uniform(0, 1, 2) * np.maximum(spare, 0)
    image = preprocess(render_strokes([s * fit + offset for s in placed], canvas, pen))
    assert image is not None  # every glyph has ink
    return image


def drawings(writer: Writer, per_digit: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``per_digit`` drawings of every digit by ``writer``: ``(10 * per_digit, 28, 28)``, labels."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(10), per_digit)
    return np.stack([draw(writer, int(d), rng) for d in labels]), labels
