"""In JupyterLab: touch and pen strokes draw like the mouse does."""

from __future__ import annotations

import pytest

from testkit.drawing import (
    SIMPLE_STROKES,
    draw_mouse,
    draw_pen,
    draw_touch,
    prediction_text,
    updates,
    wait_settled,
)
from testkit.harness import PadSession

pytestmark = pytest.mark.e2e


def draw_with(session: PadSession, pointer: str, digit: int) -> None:
    """Draw ``digit``'s simple strokes with ``pointer``: mouse, touch or pen."""
    strokes = SIMPLE_STROKES[digit]
    if pointer == "mouse":
        draw_mouse(session.page, session.pad, strokes)
        return
    cdp = session.page.context.new_cdp_session(session.page)
    try:
        if pointer == "touch":
            cdp.send("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 1})
            draw_touch(cdp, session.pad, strokes)
            cdp.send("Emulation.setTouchEmulationEnabled", {"enabled": False})
        else:
            draw_pen(cdp, session.pad, strokes)
    finally:
        cdp.detach()


@pytest.mark.parametrize("pointer", ["mouse", "touch", "pen"])
@pytest.mark.parametrize("digit", [0, 7])
def test_pointer_strokes_draw_and_are_recognised(
    lab_pad: PadSession, pointer: str, digit: int
) -> None:
    before = updates(lab_pad.root)
    draw_with(lab_pad, pointer, digit)
    wait_settled(lab_pad.page, lab_pad.root, after=before)
    state = lab_pad.state()
    assert state["ink"] > 1000, f"A {pointer} stroke left only {state['ink']} ink pixels."
    assert prediction_text(lab_pad.root) == str(state["prediction"])
    assert state["prediction"] == digit


CONTENT_BOX = """
(canvas) => {
  const r = canvas.getBoundingClientRect();
  return [r.left + canvas.clientLeft, r.top + canvas.clientTop, canvas.clientWidth];
}
"""


def test_a_tap_lands_under_the_pointer_to_a_fraction_of_a_pixel(lab_pad: PadSession) -> None:
    size = lab_pad.kernel.eval("pad.size")
    for corner in ("top left", "bottom right"):  # near the corners, where errors add up
        lab_pad.kernel.run("pad.clear()")
        # Where the canvas is now: the notebook may have moved it since the last tap.
        lab_pad.pad.scroll_into_view_if_needed()
        left, top, width = lab_pad.pad.evaluate(CONTENT_BOX)
        near = far = 20 if corner == "top left" else width - 20
        before = updates(lab_pad.root)
        lab_pad.page.mouse.click(left + near, top + far)
        wait_settled(lab_pad.page, lab_pad.root, after=before)
        ink = lab_pad.kernel.eval(
            "[float(v) for v in __import__('numpy').argwhere(pad.pixels > 127).mean(axis=0)]"
        )
        # Pixel (i, j) spans [i, i + 1): a dot centred on p has its pixels' mean at p - 0.5.
        expected = [far * size / width - 0.5, near * size / width - 0.5]  # (row, column)
        assert abs(ink[0] - expected[0]) < 0.3, (ink, expected)
        assert abs(ink[1] - expected[1]) < 0.3, (ink, expected)


def test_a_right_click_neither_draws_nor_opens_jupyterlabs_menu(lab_pad: PadSession) -> None:
    box = lab_pad.pad.bounding_box()
    assert box is not None
    lab_pad.page.mouse.click(box["x"] + 140, box["y"] + 140, button="right")
    lab_pad.page.wait_for_timeout(300)
    assert lab_pad.page.locator(".lm-Menu").count() == 0, "A context menu opened over the pad."
    assert lab_pad.state()["ink"] == 0
