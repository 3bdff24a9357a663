"""In JupyterLab: one pad displayed twice stays in step, and Python can set or clear it."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from playwright.sync_api import Browser

from testkit.drawing import (
    SIMPLE_STROKES,
    canvas_ink,
    draw_mouse,
    is_uniform,
    updates,
    vision_pixels,
    wait_settled,
)
from testkit.harness import PAD_CELLS, PadSession, pad_notebook
from testkit.notebooks import PAD_SELECTOR
from testkit.servers import REPO, Server

pytestmark = pytest.mark.e2e

SHOWN_SAME = """
([roots, text]) => roots.every(
  (root) => root.dataset.busy === '0' &&
    root.querySelector('[data-testid=digitwidget-prediction]').textContent.trim() === text)
"""


@pytest.fixture(scope="module")
def twice_module(browser: Browser, lab_server: Server) -> Iterator[PadSession]:
    """A notebook that displays the same DrawPad in two output cells."""
    cells = [*PAD_CELLS, "pad"]
    with pad_notebook(browser, lab_server, "lab", "twice.ipynb", cells, pads=2) as session:
        session.kernel.run(f"import sys\nsys.path.insert(0, {str(REPO)!r})")
        yield session


@pytest.fixture
def twice(twice_module: PadSession) -> Iterator[PadSession]:
    """The two views, cleared from Python first; no console errors after the test."""
    twice_module.kernel.run("pad.clear()")
    wait_shown(twice_module, "")
    yield twice_module
    twice_module.assert_no_errors()


def wait_shown(session: PadSession, text: str) -> None:
    """Wait until every view is idle and shows prediction ``text``."""
    roots = session.roots.element_handles()
    assert len(roots) == 2, f"Expected two views of the pad, found {len(roots)}."
    session.page.wait_for_function(SHOWN_SAME, arg=[roots, text])


def pad_inks(session: PadSession) -> list[np.ndarray]:
    """The ink mask of each view's drawing canvas."""
    return [canvas_ink(session.roots.nth(i).locator(PAD_SELECTOR)) for i in range(2)]


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two masks."""
    return float((a & b).sum() / max(1, (a | b).sum()))


def test_drawing_in_one_view_shows_in_the_other(twice: PadSession) -> None:
    before = updates(twice.root)
    draw_mouse(twice.page, twice.pad, SIMPLE_STROKES[7])
    wait_settled(twice.page, twice.root, after=before)
    state = twice.state()
    wait_shown(twice, str(state["prediction"]))

    first, second = pad_inks(twice)
    assert first.any(), "The view drawn on shows no ink."
    assert overlap(first, second) > 0.98, "The second view shows a different drawing."
    assert not is_uniform(vision_pixels(twice.roots.nth(1)))


def test_python_pixels_and_clear_update_every_view(twice: PadSession) -> None:
    strokes = [s.tolist() for s in SIMPLE_STROKES[7]]
    twice.kernel.run(
        "import numpy as np\nfrom testkit.strokes import render_strokes\n"
        f"pad.pixels = render_strokes([np.array(s) for s in {strokes!r}])"
    )
    state = twice.state()
    assert state["prediction"] == 7
    wait_shown(twice, "7")

    python_ink = np.asarray(twice.kernel.eval("(pad.pixels > 0).tolist()"))
    for view, ink in enumerate(pad_inks(twice)):
        scale = ink.shape[0] // python_ink.shape[0]
        shown = ink[::scale, ::scale]
        assert overlap(shown, python_ink) > 0.8, f"View {view} does not show pad.pixels."
        assert not is_uniform(vision_pixels(twice.roots.nth(view)))

    twice.kernel.run("pad.clear()")
    wait_shown(twice, "")
    assert twice.state()["ink"] == 0
    for view, ink in enumerate(pad_inks(twice)):
        assert not ink.any(), f"View {view} still shows ink after pad.clear()."
        assert is_uniform(vision_pixels(twice.roots.nth(view)))


STATUS_IS = """
([roots, text]) => roots.every(
  (root) => root.querySelector('.dw-status').textContent === text &&
    getComputedStyle(root.querySelector('.dw-status')).opacity === '1')
"""


def test_a_failing_model_shows_its_error_in_every_view(twice: PadSession) -> None:
    twice.kernel.run(
        "class Broken:\n"
        "    def predict_proba(self, x):\n"
        "        raise RuntimeError('the weights went missing')\n"
        "pad.model = Broken()"
    )
    try:
        before = updates(twice.root)
        draw_mouse(twice.page, twice.pad, SIMPLE_STROKES[7])
        wait_settled(twice.page, twice.root, after=before)
        wait_shown(twice, "")  # no answer: not the last good one either
        roots = twice.roots.element_handles()
        error = "The model failed: RuntimeError: the weights went missing"
        twice.page.wait_for_function(STATUS_IS, arg=[roots, error])
        assert twice.state()["prediction"] is None
    finally:
        twice.kernel.run("pad.model = None")
    wait_shown(twice, "7")
    assert all(root.query_selector(".dw-status").text_content() == "" for root in roots)
