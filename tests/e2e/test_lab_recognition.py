"""In JupyterLab: drawn digits are recognised, and every panel shows the Python result."""

from __future__ import annotations

import re

import numpy as np
import pytest

from testkit.drawing import (
    bar_values,
    draw_mouse,
    is_uniform,
    prediction_text,
    thin,
    updates,
    vision_pixels,
    wait_settled,
)
from testkit.harness import PadSession
from testkit.strokes import make_strokes

pytestmark = pytest.mark.e2e

SEED = 2024
# The shipped model learned from MNIST; digits drawn in other styles (a 1 with a flag) are
# harder, so one misreading in ten is tolerated. The page and Python must always agree.
MAX_MISREAD = 1


def digit_strokes(digit: int) -> list[np.ndarray]:
    """The fixed drawing of ``digit`` used by these tests."""
    return thin(make_strokes(digit, np.random.default_rng(SEED + digit)))


def clear_from_python(session: PadSession) -> None:
    """``pad.clear()`` in the kernel, then wait until the page shows no prediction."""
    session.kernel.run("pad.clear()")
    session.root.locator("[data-testid=digitwidget-prediction]").filter(
        has_text=re.compile(r"^\s*$")
    ).wait_for()


def draw_and_settle(session: PadSession, strokes: list[np.ndarray]) -> dict:
    """Draw with the mouse, wait for the final result, return the Python state."""
    before = updates(session.root)
    draw_mouse(session.page, session.pad, strokes)
    wait_settled(session.page, session.root, after=before)
    return session.state()


def test_drawn_digits_are_recognised_in_page_and_python(lab_pad: PadSession) -> None:
    misread = {}
    for digit in range(10):
        state = draw_and_settle(lab_pad, digit_strokes(digit))
        shown = prediction_text(lab_pad.root)
        lab_pad.screenshot(f"lab-drawpad-digit-{digit}")
        assert shown == str(state["prediction"]), (
            f"Drew a {digit}: the page shows {shown!r} but pad.prediction is "
            f"{state['prediction']!r}."
        )
        if state["prediction"] != digit:
            misread[digit] = (state["prediction"], np.round(state["probabilities"], 2).tolist())
        clear_from_python(lab_pad)
    assert len(misread) <= MAX_MISREAD, f"Misread (drawn: (read, probabilities)): {misread}"


def test_probability_bars_show_python_probabilities(lab_pad: PadSession) -> None:
    state = draw_and_settle(lab_pad, digit_strokes(3))
    bars = bar_values(lab_pad.root)
    np.testing.assert_allclose(bars, state["probabilities"], atol=1e-3)
    assert int(np.argmax(bars)) == state["prediction"]
    assert sum(bars) == pytest.approx(1.0, abs=1e-3)


def test_vision_view_shows_the_model_input(lab_pad: PadSession) -> None:
    assert is_uniform(vision_pixels(lab_pad.root)), "The robot-vision view is not blank."
    state = draw_and_settle(lab_pad, digit_strokes(5))
    shown = vision_pixels(lab_pad.root)
    model_input = np.asarray(state["model_input"])
    assert not is_uniform(shown), "The robot-vision view stayed blank after drawing."
    assert shown.shape[0] == shown.shape[1], shown.shape
    assert shown.shape[0] % 28 == 0, shown.shape
    cells = shown.reshape(28, shown.shape[0] // 28, 28, -1).mean(axis=(1, 3))
    correlation = abs(np.corrcoef(cells.ravel(), model_input.ravel())[0, 1])
    assert correlation > 0.9, f"The view does not look like pad.model_input: r={correlation:.3f}"


def test_every_result_updates_the_page(lab_pad: PadSession) -> None:
    before = updates(lab_pad.root)
    state = draw_and_settle(lab_pad, digit_strokes(1))
    after = updates(lab_pad.root)
    assert after > before
    assert lab_pad.root.get_attribute("data-busy") == "0"
    assert state["ink"] > 0
    assert max(bar_values(lab_pad.root)) == pytest.approx(max(state["probabilities"]), abs=1e-3)
