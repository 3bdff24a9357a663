"""Stroke templates for synthetic digits: each digit in the styles people draw it with.

MNIST was written by American census staff and students with a pen on forms; people who
draw on the pad write digits MNIST hardly holds: a 1 with a flag and a foot, a 7 with a
bar, a 4 in one stroke, a 6 whose top curls or ends in a ball, a 9 with a curled tail or a
ball head. The shipped model read those as other digits, so each of them has a template
here, beside the plain forms.

A template is a function of a random generator that returns the strokes of one drawing,
in drawing order: ``(k, 2)`` float arrays of ``x, y`` in a unit box, y downward, the digit
about 1 tall. Its few random numbers vary proportions (a flag's length, a loop's size, how
far a loop closes), so no two drawings of a style are the same even before
:mod:`digitwidget.train.synthetic` places and wobbles them. Written here, with no fonts and
no outside data; ``testkit/strokes.py`` has separate templates, so the project's self-made
evaluation set stays an independent check.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

Stroke = np.ndarray
"""``(k, 2)`` float64 ``x, y`` points in the unit box, y downward."""

Template = Callable[[np.random.Generator], list[Stroke]]
"""A style: the strokes of one drawing, given the random numbers that vary its shape."""

Point = tuple[float, float]


def line(*points: Point) -> Stroke:
    """A polyline through ``points``."""
    return np.asarray(points, dtype=float)


def arc(cx: float, cy: float, rx: float, ry: float, a0: float, a1: float) -> Stroke:
    """An elliptic arc from angle ``a0`` to ``a1`` in degrees.

    y points down, so 0 is the right, 90 the bottom, -90 the top, and a growing angle
    turns clockwise on screen.
    """
    t = np.radians(np.linspace(a0, a1, max(6, int(abs(a1 - a0) / 6))))
    return np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1)


def curve(*points: Point, n: int = 24) -> Stroke:
    """A Bezier curve of any degree: from the first point to the last, pulled by the rest."""
    control = np.asarray(points, dtype=float)
    degree = len(control) - 1
    t = np.linspace(0.0, 1.0, n)[:, None]
    basis = [math.comb(degree, i) * t**i * (1 - t) ** (degree - i) for i in range(degree + 1)]
    return np.asarray(sum(b * p for b, p in zip(basis, control, strict=True)), dtype=float)


def join(*parts: Stroke) -> Stroke:
    """One stroke through several parts, in order (the pen stays down between them)."""
    return np.concatenate(parts, axis=0)


def _u(rng: np.random.Generator, low: float, high: float) -> float:
    return float(rng.uniform(low, high))


def _sign(rng: np.random.Generator) -> float:
    return 1.0 if rng.random() < 0.5 else -1.0


# 0 -------------------------------------------------------------------------------------


def _oval(rng: np.random.Generator, rx: float) -> Stroke:
    """A 0's oval from its top, either way round, closing short or running over."""
    start, turn = _u(rng, -110, -60), 360 + _u(rng, -12, 35)
    return arc(0.5, 0.5, rx, 0.5, start, start + _sign(rng) * turn)


def zero_plain(rng: np.random.Generator) -> list[Stroke]:
    return [_oval(rng, _u(rng, 0.24, 0.34))]


def zero_narrow(rng: np.random.Generator) -> list[Stroke]:
    return [_oval(rng, _u(rng, 0.12, 0.19))]


def zero_slashed(rng: np.random.Generator) -> list[Stroke]:
    rx = _u(rng, 0.24, 0.32)
    reach = rx + _u(rng, 0.0, 0.08)
    return [
        _oval(rng, rx),
        line((0.5 + reach, _u(rng, 0.0, 0.12)), (0.5 - reach, 1 - _u(rng, 0, 0.12))),
    ]


# 1 -------------------------------------------------------------------------------------


def _flag(length: float, angle: float) -> Point:
    """Where a 1's flag starts: ``length`` down-left of the top, ``angle`` from vertical."""
    a = np.radians(angle)
    return (0.5 - length * float(np.sin(a)), length * float(np.cos(a)))


def one_plain(rng: np.random.Generator) -> list[Stroke]:
    return [line((0.5, 0.0), (0.5 + _u(rng, -0.03, 0.03), 1.0))]


def one_flag(rng: np.random.Generator) -> list[Stroke]:
    """A 1 with a flag: shorter and steeper than a 7's bar, which is what tells them apart."""
    flag = _flag(_u(rng, 0.12, 0.25), _u(rng, 25, 50))
    return [line(flag, (0.5, 0.0), (0.5, 1.0))]


def one_flag_foot(rng: np.random.Generator) -> list[Stroke]:
    """The serif 1. Its flag is short and steep: a long flat one over a foot reads as Z."""
    flag = _flag(_u(rng, 0.12, 0.24), _u(rng, 25, 50))
    half = _u(rng, 0.12, 0.22)
    foot = line((0.5 - half, 1.0), (0.5 + half * _u(rng, 0.85, 1.15), 1.0 + _u(rng, -0.02, 0.02)))
    return [line(flag, (0.5, 0.0), (0.5, 1.0)), foot]


def one_long_upstroke(rng: np.random.Generator) -> list[Stroke]:
    """The continental 1: a long, steep upstroke, then the stem."""
    flag = _flag(_u(rng, 0.32, 0.5), _u(rng, 20, 36))
    return [line(flag, (0.5, 0.0), (0.5, 1.0))]


# 2 -------------------------------------------------------------------------------------


def _two_top(rng: np.random.Generator) -> Stroke:
    """A 2's hook: from the upper left, over the top and down its right side."""
    return arc(
        0.5, 0.27, _u(rng, 0.24, 0.3), _u(rng, 0.2, 0.27), _u(rng, 170, 215), 360 + _u(rng, 0, 25)
    )


def two_round(rng: np.random.Generator) -> list[Stroke]:
    top = _two_top(rng)
    base = _u(rng, 0.96, 1.0)
    neck = curve(tuple(top[-1]), (0.7, 0.62), (0.18, base))
    return [join(top, neck, line((0.18, base), (_u(rng, 0.75, 0.9), base + _u(rng, -0.03, 0.03))))]


def two_loop(rng: np.random.Generator) -> list[Stroke]:
    """A 2 with a small loop where the neck meets the base."""
    top = _two_top(rng)
    r = _u(rng, 0.06, 0.1)
    neck = curve(tuple(top[-1]), (0.68, 0.6), (0.3, 0.9 - r))
    loop = arc(0.3 - r, 0.9, r, r, -45, 240)
    base = curve(tuple(loop[-1]), (0.3, 1.02), (_u(rng, 0.75, 0.9), _u(rng, 0.92, 1.0)))
    return [join(top, neck, loop, base)]


def two_z(rng: np.random.Generator) -> list[Stroke]:
    """A Z-like 2: a near-flat top, a straight diagonal and a flat base."""
    top = _u(rng, 0.0, 0.08)
    bend = curve((0.2, top + 0.08), (0.5, top - 0.06), (0.82, top + _u(rng, 0.02, 0.14)))
    return [join(bend, line((0.2, 0.97), (_u(rng, 0.75, 0.88), 0.97)))]


# 3 -------------------------------------------------------------------------------------


def _lower_bowl(rng: np.random.Generator, top: float) -> Stroke:
    """A 3's lower bowl, from the middle round to the lower left."""
    ry = (1.0 - top) / 2
    return arc(0.48, top + ry, _u(rng, 0.27, 0.34), ry, _u(rng, 250, 275), _u(rng, 495, 525))


def three_round(rng: np.random.Generator) -> list[Stroke]:
    middle = _u(rng, 0.42, 0.5)
    upper = arc(
        0.5, middle / 2, _u(rng, 0.22, 0.29), middle / 2, _u(rng, 190, 215), _u(rng, 440, 460)
    )
    return [join(upper, _lower_bowl(rng, middle))]


def three_two_strokes(rng: np.random.Generator) -> list[Stroke]:
    """A 3 as two bowls drawn one after the other, the pen lifted at the middle."""
    middle = _u(rng, 0.42, 0.5)
    upper = arc(
        0.5, middle / 2, _u(rng, 0.22, 0.29), middle / 2, _u(rng, 190, 215), _u(rng, 445, 460)
    )
    return [upper, _lower_bowl(rng, middle)]


def three_flat_top(rng: np.random.Generator) -> list[Stroke]:
    """A 3 with a flat top, like a 7 then a bowl."""
    middle = _u(rng, 0.36, 0.44)
    top = line((_u(rng, 0.15, 0.25), 0.0), (0.8, _u(rng, -0.02, 0.03)), (0.42, middle))
    return [join(top, _lower_bowl(rng, middle))]


# 4 -------------------------------------------------------------------------------------


def _stem(rng: np.random.Generator, x: float, top: float) -> Stroke:
    return line((x, top), (x + _u(rng, -0.04, 0.02), 1.0))


def four_open(rng: np.random.Generator) -> list[Stroke]:
    """Two strokes: an L (down, then right), then the stem, its top above the L's."""
    bar = _u(rng, 0.55, 0.68)
    left = (_u(rng, 0.18, 0.32), _u(rng, 0.0, 0.15))
    first = line(
        left, (_u(rng, 0.12, 0.22), bar), (_u(rng, 0.82, 0.92), bar + _u(rng, -0.03, 0.03))
    )
    return [first, _stem(rng, _u(rng, 0.6, 0.7), 0.0)]


def four_closed(rng: np.random.Generator) -> list[Stroke]:
    """Two strokes: a diagonal down to the left and the bar, then the stem."""
    bar, x = _u(rng, 0.58, 0.7), _u(rng, 0.6, 0.7)
    first = line((x, 0.0), (_u(rng, 0.08, 0.18), bar), (_u(rng, 0.84, 0.94), bar))
    return [first, _stem(rng, x, 0.0)]


def four_triangle(rng: np.random.Generator) -> list[Stroke]:
    """One stroke: up the stem, down the diagonal, along the bar past the stem."""
    bar, x = _u(rng, 0.58, 0.7), _u(rng, 0.6, 0.7)
    return [line((x, 1.0), (x, 0.0), (_u(rng, 0.08, 0.18), bar), (_u(rng, 0.84, 0.94), bar))]


def four_cursive(rng: np.random.Generator) -> list[Stroke]:
    """One stroke: down, along the bar, up to the top and back down the stem.

    Its top is open, which tells it from a 9, and it is where the shipped model failed.
    """
    bar, x = _u(rng, 0.5, 0.62), _u(rng, 0.62, 0.72)
    down = curve((_u(rng, 0.2, 0.32), 0.0), (_u(rng, 0.1, 0.2), bar + 0.05), (x - 0.05, bar))
    rise = curve((x - 0.05, bar), (x + 0.02, bar - 0.1), (x + _u(rng, 0.0, 0.08), 0.0))
    return [join(down, rise, line((x, 0.05), (x + _u(rng, -0.04, 0.0), 1.0)))]


def four_serif(rng: np.random.Generator) -> list[Stroke]:
    """An open or closed 4 with a foot under its stem."""
    strokes = four_open(rng) if rng.random() < 0.5 else four_closed(rng)
    x = float(strokes[1][-1, 0])
    half = _u(rng, 0.1, 0.17)
    return [*strokes, line((x - half, 1.0), (x + half, 1.0))]


# 5 -------------------------------------------------------------------------------------


def _five_body(rng: np.random.Generator) -> tuple[Point, Stroke]:
    """A 5's stem and bowl in one stroke, and where its flag joins."""
    corner = (_u(rng, 0.22, 0.32), 0.0)
    waist = _u(rng, 0.38, 0.48)
    ry = (1.0 - waist) / 2 + 0.02
    bowl = arc(0.47, 1.0 - ry, _u(rng, 0.28, 0.34), ry, _u(rng, 215, 235), _u(rng, 480, 510))
    return corner, join(line(corner, (corner[0] - _u(rng, 0.0, 0.06), waist + 0.03)), bowl)


def five_flag_detached(rng: np.random.Generator) -> list[Stroke]:
    corner, body = _five_body(rng)
    flag = line(
        (corner[0] + _u(rng, -0.02, 0.04), corner[1]), (_u(rng, 0.72, 0.85), _u(rng, -0.05, 0.03))
    )
    return [body, flag] if rng.random() < 0.7 else [flag, body]


def five_flag_connected(rng: np.random.Generator) -> list[Stroke]:
    _, body = _five_body(rng)  # the body starts at the flag's end
    return [join(line((_u(rng, 0.72, 0.85), _u(rng, -0.05, 0.03))), body)]


# 6 -------------------------------------------------------------------------------------


def _six_loop(rng: np.random.Generator, entry: Point) -> Stroke:
    """A 6's loop entered on its left and closed past its start."""
    r = _u(rng, 0.2, 0.3)
    cy = 1.0 - r
    loop = arc(0.5, cy, _u(rng, 0.24, 0.3), r, 180, _u(rng, -185, -160))
    return join(curve(entry, (0.22, cy - 0.05), tuple(loop[0])), loop)


def six_straight(rng: np.random.Generator) -> list[Stroke]:
    top = (_u(rng, 0.6, 0.75), 0.0)
    return [join(line(top), _six_loop(rng, (0.3, 0.55)))]


def six_round(rng: np.random.Generator) -> list[Stroke]:
    top = curve((_u(rng, 0.72, 0.82), _u(rng, 0.03, 0.1)), (0.45, -0.04), (0.24, 0.45))
    return [join(top, _six_loop(rng, (0.24, 0.5)))]


def six_curled(rng: np.random.Generator) -> list[Stroke]:
    """A 6 whose top starts low on the right and curls over, like a hook."""
    start = (_u(rng, 0.74, 0.84), _u(rng, 0.14, 0.24))
    top = curve(start, (0.74, -0.04), (0.46, -0.02), (0.26, 0.4))
    return [join(top, _six_loop(rng, (0.25, 0.5)))]


def six_ball(rng: np.random.Generator) -> list[Stroke]:
    """A 6 whose top ends in a ball: a small loop drawn before coming down."""
    r = _u(rng, 0.04, 0.07)
    cx, cy = _u(rng, 0.6, 0.72), r + 0.01
    ball = arc(cx, cy, r, r, _u(rng, 60, 120), _u(rng, -300, -250))
    down = curve(tuple(ball[-1]), (0.32, 0.15), (0.25, 0.48))
    return [join(ball, down, _six_loop(rng, (0.25, 0.5)))]


# 7 -------------------------------------------------------------------------------------


def _seven(rng: np.random.Generator, bowed: float = 0.0) -> tuple[Stroke, Stroke]:
    """A 7's bar and stem; ``bowed`` pulls the stem's middle to the right."""
    left, right = (_u(rng, 0.12, 0.22), _u(rng, -0.03, 0.05)), (_u(rng, 0.8, 0.88), 0.0)
    foot = (_u(rng, 0.32, 0.5), 1.0)
    middle = ((right[0] + foot[0]) / 2 + bowed, 0.5)
    return line(left, right), curve(right, middle, foot)


def seven_plain(rng: np.random.Generator) -> list[Stroke]:
    return [join(*_seven(rng))]


def seven_crossed(rng: np.random.Generator) -> list[Stroke]:
    bar, stem = _seven(rng, _u(rng, -0.04, 0.08))
    middle = stem[len(stem) // 2]
    half = _u(rng, 0.14, 0.22)
    cross = line((middle[0] - half, middle[1]), (middle[0] + half, middle[1] - _u(rng, 0, 0.04)))
    return [join(bar, stem), cross]


def seven_curved(rng: np.random.Generator) -> list[Stroke]:
    return [join(*_seven(rng, _u(rng, 0.08, 0.16)))]


def seven_serif(rng: np.random.Generator) -> list[Stroke]:
    """A 7 whose bar starts with a little downward tick."""
    bar, stem = _seven(rng, _u(rng, 0.0, 0.12))
    tick = line((bar[0, 0] - _u(rng, -0.02, 0.03), bar[0, 1] + _u(rng, 0.12, 0.22)))
    return [join(tick, bar, stem)]


# 8 -------------------------------------------------------------------------------------


def eight_two_loops(rng: np.random.Generator) -> list[Stroke]:
    middle = _u(rng, 0.4, 0.5)
    start = _u(rng, -120, -60)
    top = arc(0.5, middle / 2, _u(rng, 0.18, 0.25), middle / 2, start, start - 370)
    r = (1 - middle) / 2
    bottom = arc(0.5, middle + r, _u(rng, 0.22, 0.3), r, -90, -90 + _sign(rng) * 370)
    return [top, bottom]


def eight_one_stroke(rng: np.random.Generator) -> list[Stroke]:
    """A figure of eight in one stroke, crossing itself in the middle."""
    middle = _u(rng, 0.4, 0.5)
    width_top, width_bottom = _u(rng, 0.35, 0.5), _u(rng, 0.45, 0.62)
    t0 = _u(rng, -0.5, 0.0)
    t = np.linspace(t0, t0 + 2 * np.pi + _u(rng, 0.0, 0.4), 90)
    x, y = -np.sin(t) * np.cos(t), -np.cos(t)
    upper = y < 0
    x = 0.5 + x * np.where(upper, width_top, width_bottom)
    y = np.where(upper, middle * (1 + y), middle + (1 - middle) * y)
    return [np.stack([x, y], axis=1)]


def eight_crossed(rng: np.random.Generator) -> list[Stroke]:
    """An S, then one line back up from its tail to its head, closing both loops."""
    middle = _u(rng, 0.42, 0.5)
    r_top, r_bottom = middle / 2, (1 - middle) / 2
    head = arc(0.5, r_top, _u(rng, 0.2, 0.26), r_top, _u(rng, -50, -20), -270)
    tail = arc(0.5, middle + r_bottom, _u(rng, 0.24, 0.3), r_bottom, -90, 150)
    back = line(tuple(tail[-1]), (head[0, 0] + 0.02, head[0, 1] - 0.02))
    return [join(head, tail, back)]


# 9 -------------------------------------------------------------------------------------


def _head(rng: np.random.Generator) -> tuple[Stroke, float, float]:
    """A 9's head, from its right round the top and back, and its right edge and height."""
    ry = _u(rng, 0.18, 0.25)
    rx = _u(rng, 0.22, 0.28)
    right = 0.5 + rx
    head = arc(0.5, ry, rx, ry, _u(rng, 10, 30), _u(rng, -360, -340))
    return head, right, ry


def nine_straight(rng: np.random.Generator) -> list[Stroke]:
    head, right, ry = _head(rng)
    return [join(head, line((right, ry), (right - _u(rng, 0.0, 0.1), 1.0)))]


def nine_curled(rng: np.random.Generator) -> list[Stroke]:
    """A 9 whose tail ends in a small curl to the left."""
    head, right, ry = _head(rng)
    hook = _u(rng, 0.12, 0.22)
    tail = curve((right, ry), (right, 1.05), (right - hook, 1.0), (right - hook - 0.05, 0.88))
    return [join(head, tail)]


def nine_round_bottom(rng: np.random.Generator) -> list[Stroke]:
    """A 9 whose tail sweeps round to the lower left, as in a g."""
    head, right, ry = _head(rng)
    tail = curve(
        (right, ry), (right + 0.04, 0.9), (0.5, 1.04), (_u(rng, 0.2, 0.32), _u(rng, 0.82, 0.92))
    )
    return [join(head, tail)]


def nine_ball(rng: np.random.Generator) -> list[Stroke]:
    """A 9 with a closed ball for a head and the stem drawn apart."""
    ry = _u(rng, 0.16, 0.22)
    rx = _u(rng, 0.18, 0.25)
    start = _u(rng, -60, 30)
    ball = arc(0.5, ry, rx, ry, start, start - _u(rng, 370, 400))
    x = 0.5 + rx * _u(rng, 0.85, 1.0)  # the stem touches the ball
    return [ball, line((x, ry * _u(rng, 0.4, 1.0)), (x - _u(rng, 0.0, 0.08), 1.0))]


STYLES: dict[int, dict[str, Template]] = {
    0: {"plain": zero_plain, "narrow": zero_narrow, "slashed": zero_slashed},
    1: {
        "plain": one_plain,
        "flag": one_flag,
        "flag_foot": one_flag_foot,
        "long_upstroke": one_long_upstroke,
    },
    2: {"round": two_round, "loop": two_loop, "z": two_z},
    3: {"round": three_round, "two_strokes": three_two_strokes, "flat_top": three_flat_top},
    4: {
        "open": four_open,
        "closed": four_closed,
        "triangle": four_triangle,
        "cursive": four_cursive,
        "serif": four_serif,
    },
    5: {"flag_detached": five_flag_detached, "flag_connected": five_flag_connected},
    6: {"straight": six_straight, "round": six_round, "curled": six_curled, "ball": six_ball},
    7: {
        "plain": seven_plain,
        "crossed": seven_crossed,
        "curved": seven_curved,
        "serif": seven_serif,
    },
    8: {"two_loops": eight_two_loops, "one_stroke": eight_one_stroke, "crossed": eight_crossed},
    9: {
        "straight": nine_straight,
        "curled": nine_curled,
        "round_bottom": nine_round_bottom,
        "ball": nine_ball,
    },
}
"""Every digit's styles by name; ``"digit:name"`` (e.g. ``"1:flag_foot"``) names one."""
