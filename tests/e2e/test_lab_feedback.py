"""In JupyterLab: what the pad tells its user, and where the keyboard and the pen go."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from testkit.drawing import (
    SIMPLE_STROKES,
    draw_mouse,
    prediction_text,
    updates,
    wait_settled,
)
from testkit.harness import PadSession

pytestmark = pytest.mark.e2e

TOP = np.array([[70.0 + 5 * i, 60.0] for i in range(29)])
STEM = np.array([[205.0 - 2.0 * i, 60.0 + 4.5 * i] for i in range(41)])
HORIZONTAL = np.array([[60.0 + 4 * i, 140.0] for i in range(41)])
PREDICTION = "[data-testid=digitwidget-prediction]"


def draw_and_settle(session: PadSession, strokes: list[np.ndarray]) -> dict:
    """Draw with the mouse, wait for the final result, return the Python state."""
    before = updates(session.root)
    draw_mouse(session.page, session.pad, strokes)
    wait_settled(session.page, session.root, after=before)
    return session.state()


def focused_testid(session: PadSession) -> str | None:
    return session.page.evaluate("document.activeElement?.dataset.testid ?? null")


def wait_python(session: PadSession, expression: str, expected: object) -> None:
    """Wait until ``expression`` has the value ``expected`` in the kernel."""
    for _ in range(100):
        if session.kernel.eval(expression) == expected:
            return
        session.page.wait_for_timeout(50)
    pytest.fail(f"{expression} did not become {expected!r} in Python.")


def test_shortcuts_still_work_after_undo_disables_itself(lab_pad: PadSession) -> None:
    draw_and_settle(lab_pad, [TOP])
    draw_and_settle(lab_pad, [STEM])
    undo = lab_pad.root.locator("[data-testid=digitwidget-undo]")
    states = [lab_pad.state()["pixels_sha1"]]
    for _ in range(60):  # the history keeps at most 50 steps
        if undo.is_disabled():
            break
        before = updates(lab_pad.root)
        undo.click()
        wait_settled(lab_pad.page, lab_pad.root, after=before)
        states.append(lab_pad.state()["pixels_sha1"])
    assert undo.is_disabled(), "Undo never ran out of steps."
    assert focused_testid(lab_pad) == "digitwidget", "The keyboard left the pad."

    keyboard = lab_pad.page.keyboard
    before = updates(lab_pad.root)
    keyboard.press("Control+Shift+z")
    wait_settled(lab_pad.page, lab_pad.root, after=before)
    assert lab_pad.state()["pixels_sha1"] == states[-2], "Redo did not bring the step back."
    before = updates(lab_pad.root)
    keyboard.press("Control+z")
    wait_settled(lab_pad.page, lab_pad.root, after=before)
    assert lab_pad.state()["pixels_sha1"] == states[-1], "Undo did not take it back again."

    eraser = lab_pad.root.locator("[data-testid=digitwidget-eraser]")
    keyboard.press("e")
    assert eraser.get_attribute("aria-pressed") == "true"
    keyboard.press("e")
    assert eraser.get_attribute("aria-pressed") == "false"
    brush = lab_pad.kernel.eval("pad.brush")
    try:
        keyboard.press("[")
        wait_python(lab_pad, "pad.brush", brush - 2)
    finally:
        lab_pad.kernel.run(f"pad.brush = {brush}")


def test_a_tap_is_shown_as_a_guess_not_an_answer(lab_pad: PadSession) -> None:
    box = lab_pad.pad.bounding_box()
    assert box is not None
    before = updates(lab_pad.root)
    lab_pad.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    wait_settled(lab_pad.page, lab_pad.root, after=before)
    state = lab_pad.state()
    assert max(state["probabilities"]) < 0.5, "A tap was expected to leave the model unsure."

    digit = lab_pad.root.locator(PREDICTION)
    assert prediction_text(lab_pad.root) == str(state["prediction"])
    assert digit.get_attribute("data-confident") == "0"
    unsure = lab_pad.root.locator(".dw-confidence")
    assert unsure.is_visible()
    assert unsure.inner_text().startswith("Not sure")
    # Screen readers read the digit and the label together.
    region = lab_pad.root.locator(
        "[role=status][aria-atomic=true]", has=lab_pad.page.locator(PREDICTION)
    )
    assert "Not sure" in region.inner_text()
    lab_pad.screenshot("lab-not-sure")

    lab_pad.kernel.run("pad.clear()")
    state = draw_and_settle(lab_pad, SIMPLE_STROKES[7])
    assert max(state["probabilities"]) >= 0.5
    assert digit.get_attribute("data-confident") == "1"
    assert "Not sure" not in unsure.inner_text()


def test_old_answer_is_greyed_out_while_the_kernel_does_not_answer(lab_pad: PadSession) -> None:
    """The kernel process is paused (SIGSTOP), as a restarted kernel it answers nothing."""
    drawn = draw_and_settle(lab_pad, SIMPLE_STROKES[1])
    shown = prediction_text(lab_pad.root)
    assert shown == str(drawn["prediction"])
    assert lab_pad.root.get_attribute("data-stale") == "0"

    pid = int(lab_pad.kernel.eval("__import__('os').getpid()"))
    os.kill(pid, signal.SIGSTOP)
    try:
        before = updates(lab_pad.root)
        draw_mouse(lab_pad.page, lab_pad.pad, [HORIZONTAL])
        lab_pad.page.wait_for_function(
            "el => el.dataset.stale === '1' && "
            "el.querySelector('.dw-panels').dataset.stale === '1'",
            arg=lab_pad.root.element_handle(),
            timeout=10_000,
        )
        assert prediction_text(lab_pad.root) == shown, "The old answer was expected to stay."
        opacity = lab_pad.root.locator(".dw-result").evaluate("el => getComputedStyle(el).opacity")
        assert float(opacity) < 0.6, "The old answer is not greyed out."
        lab_pad.screenshot("lab-stale-answer")
    finally:
        os.kill(pid, signal.SIGCONT)
    wait_settled(lab_pad.page, lab_pad.root, after=before)
    assert lab_pad.root.get_attribute("data-stale") == "0"
    assert prediction_text(lab_pad.root) == str(lab_pad.state()["prediction"])


def test_erasing_a_blank_pad_says_there_is_nothing_to_erase(lab_pad: PadSession) -> None:
    eraser = lab_pad.root.locator("[data-testid=digitwidget-eraser]")
    status = lab_pad.root.locator(".dw-status")
    eraser.click()
    try:
        state = draw_and_settle(lab_pad, [HORIZONTAL])
        assert state["ink"] == 0
        assert status.inner_text() == "Nothing to erase"
        assert status.is_visible()
    finally:
        eraser.click()
    status.wait_for(state="hidden", timeout=5000)
    assert status.inner_text() == ""


def test_a_stroke_that_leaves_the_canvas_is_not_drawn_along_its_border(
    lab_pad: PadSession,
) -> None:
    out = np.array([[200.0 + 4 * i, 100.0] for i in range(31)])  # to x = 320, past the edge
    down = np.array([[320.0, 100.0 + 4 * i] for i in range(1, 26)])  # outside, down to y = 200
    back = np.array([[320.0 - 4 * i, 200.0] for i in range(1, 31)])  # in again, to x = 200
    lab_pad.kernel.run("pad.brush = 18")
    state = draw_and_settle(lab_pad, [np.concatenate([out, down, back])])
    assert state["ink"] > 0
    edge = np.asarray(lab_pad.kernel.eval("pad.pixels[:, -4:].tolist()")) > 0
    assert edge[96:105].any(), "The line does not reach the edge where it left."
    assert edge[196:205].any(), "The line does not start again where it came back."
    assert not edge[115:186].any(), "The stroke was drawn along the border."
    inner = np.asarray(lab_pad.kernel.eval("pad.pixels[:, 200:270].tolist()")) > 0
    assert inner[100].all(), "The line out was not drawn."
    assert inner[200].all(), "The line back was not drawn."
