"""In JupyterLab: touch and pen strokes draw like the mouse does."""

from __future__ import annotations

import pytest

from tests.e2e.drawing import (
    SIMPLE_STROKES,
    draw_mouse,
    draw_pen,
    draw_touch,
    prediction_text,
    updates,
    wait_settled,
)
from tests.e2e.harness import PadSession

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
