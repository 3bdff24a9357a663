"""In JupyterLab: clear, undo, redo and eraser act on the drawing Python sees."""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import Locator

from testkit.drawing import (
    SIMPLE_STROKES,
    bar_values,
    draw_mouse,
    is_uniform,
    prediction_text,
    to_page,
    updates,
    vision_pixels,
    wait_settled,
)
from testkit.harness import PadSession
from testkit.notebooks import toggle_line_numbers

pytestmark = pytest.mark.e2e

SEVEN_TOP = np.array([[70.0 + 5 * i, 60.0] for i in range(29)])
SEVEN_STEM = np.array([[205.0 - 2.0 * i, 60.0 + 4.5 * i] for i in range(41)])
HORIZONTAL = np.array([[60.0 + 4 * i, 140.0] for i in range(41)])


def draw_and_settle(session: PadSession, strokes: list[np.ndarray]) -> dict:
    """Draw with the mouse, wait for the final result, return the Python state."""
    before = updates(session.root)
    draw_mouse(session.page, session.pad, strokes)
    wait_settled(session.page, session.root, after=before)
    return session.state()


def act(session: PadSession, how: str, action: str) -> dict:
    """Press the toolbar button or the shortcut for ``action``; return the settled state."""
    before = updates(session.root)
    if how == "button":
        session.root.locator(f"[data-testid=digitwidget-{action}]").click()
    else:
        keys = {"clear": "Delete", "undo": "Control+z", "redo": "Control+Shift+z"}
        session.root.focus()
        session.page.keyboard.press(keys[action])
    wait_settled(session.page, session.root, after=before)
    return session.state()


def assert_blank(root: Locator, state: dict) -> None:
    """The page and Python agree that nothing is drawn."""
    assert prediction_text(root) == ""
    assert state["prediction"] is None
    assert state["ink"] == 0
    assert state["probabilities"] == [0.0] * 10
    assert bar_values(root) == [0.0] * 10
    assert is_uniform(vision_pixels(root)), "The robot-vision view is not blank."


@pytest.mark.parametrize("how", ["button", "key"])
def test_clear_empties_page_and_python(lab_pad: PadSession, how: str) -> None:
    drawn = draw_and_settle(lab_pad, SIMPLE_STROKES[7])
    assert drawn["ink"] > 0
    assert drawn["prediction"] is not None
    assert_blank(lab_pad.root, act(lab_pad, how, "clear"))


@pytest.mark.parametrize("how", ["button", "key"])
def test_undo_and_redo_restore_exact_drawings(lab_pad: PadSession, how: str) -> None:
    first = draw_and_settle(lab_pad, [SEVEN_TOP])
    both = draw_and_settle(lab_pad, [SEVEN_STEM])
    assert both["ink"] > first["ink"] > 0

    undone = act(lab_pad, how, "undo")
    assert undone["pixels_sha1"] == first["pixels_sha1"]
    assert prediction_text(lab_pad.root) == str(undone["prediction"])

    redone = act(lab_pad, how, "redo")
    assert redone["pixels_sha1"] == both["pixels_sha1"]
    assert prediction_text(lab_pad.root) == str(redone["prediction"])


def test_clear_can_be_undone(lab_pad: PadSession) -> None:
    drawn = draw_and_settle(lab_pad, SIMPLE_STROKES[0])
    act(lab_pad, "button", "clear")
    restored = act(lab_pad, "button", "undo")
    assert restored["pixels_sha1"] == drawn["pixels_sha1"]
    assert prediction_text(lab_pad.root) == str(drawn["prediction"])


def test_eraser_removes_ink_where_it_passes(lab_pad: PadSession) -> None:
    eraser = lab_pad.root.locator("[data-testid=digitwidget-eraser]")
    drawn = draw_and_settle(lab_pad, SIMPLE_STROKES[1])
    assert eraser.get_attribute("aria-pressed") == "false"

    eraser.click()
    assert eraser.get_attribute("aria-pressed") == "true"
    erased = draw_and_settle(lab_pad, [HORIZONTAL])
    eraser.click()
    assert eraser.get_attribute("aria-pressed") == "false"

    assert 0 < erased["ink"] < drawn["ink"], (drawn["ink"], erased["ink"])
    redrawn = draw_and_settle(lab_pad, [HORIZONTAL])
    assert redrawn["ink"] > drawn["ink"], "Drawing after turning the eraser off did not add ink."


def test_brush_slider_sets_python_brush_and_back(lab_pad: PadSession) -> None:
    thin_ink = draw_and_settle(lab_pad, SIMPLE_STROKES[1])["ink"]
    act(lab_pad, "button", "clear")
    slider = lab_pad.root.locator("[data-testid=digitwidget-brush]")
    slider.focus()
    lab_pad.page.keyboard.press("End")
    # The drawing is sent after the brush change on the same connection, so once it has
    # been answered, the kernel has the new brush too.
    thick_ink = draw_and_settle(lab_pad, SIMPLE_STROKES[1])["ink"]
    assert lab_pad.kernel.eval("pad.brush") == float(slider.get_attribute("max") or 0)
    assert thick_ink > 2 * thin_ink, (thin_ink, thick_ink)

    lab_pad.kernel.run("pad.brush = 18")
    lab_pad.page.wait_for_function("el => el.value === '18'", arg=slider.element_handle())


def test_keys_the_pad_does_not_use_still_reach_jupyterlab(lab_pad: PadSession) -> None:
    draw_and_settle(lab_pad, SIMPLE_STROKES[1])
    focused = lab_pad.page.evaluate("document.activeElement.dataset.testid")
    assert focused == "digitwidget", "Drawing did not give the pad the keyboard."
    toggle_line_numbers(lab_pad.page)
    toggle_line_numbers(lab_pad.page)  # and back, for the tests after this one
    assert lab_pad.state()["ink"] > 0, "A key the pad does not use changed the drawing."


def test_clear_and_undo_wait_while_a_stroke_is_drawn(lab_pad: PadSession) -> None:
    first = draw_and_settle(lab_pad, [SEVEN_TOP])
    before = updates(lab_pad.root)
    (stem,) = to_page(lab_pad.pad, [SEVEN_STEM])
    page = lab_pad.page
    page.mouse.move(*stem[0])
    page.mouse.down()
    for x, y in stem[1:20]:
        page.mouse.move(x, y)
    page.keyboard.press("Delete")  # mid-stroke: ignored
    for x, y in stem[20:]:
        page.mouse.move(x, y)
    page.mouse.up()
    wait_settled(page, lab_pad.root, after=before)
    both = lab_pad.state()
    # Had Delete cleared the canvas, only the last half of the stem would be left.
    assert both["ink"] > first["ink"], "A key pressed mid-stroke changed the drawing."
    undone = act(lab_pad, "key", "undo")
    assert undone["pixels_sha1"] == first["pixels_sha1"], "Undo did not take back the stroke."
