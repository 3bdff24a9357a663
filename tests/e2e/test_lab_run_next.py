"""In JupyterLab: drawing does not select the pad's cell, so Shift+Enter runs the next one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from testkit.drawing import SIMPLE_STROKES, draw_mouse, updates, wait_settled
from testkit.harness import PAD_CELLS, PadSession, pad_notebook
from testkit.notebooks import active_cell
from testkit.servers import Server

pytestmark = pytest.mark.e2e

CELLS = [*PAD_CELLS, "after = 'ran'", "last = 'ran'"]


@pytest.fixture
def session(browser: Browser, lab_server: Server) -> Iterator[PadSession]:
    with pad_notebook(browser, lab_server, "lab", "run_next.ipynb", cells=CELLS) as opened:
        yield opened
        opened.assert_no_errors()


def test_shift_enter_after_drawing_runs_the_next_cell_and_keeps_the_drawing(
    session: PadSession,
) -> None:
    page = session.page
    # Where a user is after running the pad's cell with Shift+Enter: on the next cell.
    page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".jp-InputPrompt").click()
    assert active_cell(page) == 1
    session.kernel.run("after = last = None")

    before = updates(session.root)
    draw_mouse(page, session.pad, SIMPLE_STROKES[7])
    wait_settled(page, session.root, after=before)
    drawn = session.state()
    assert drawn["ink"] > 0
    assert active_cell(page) == 1, "Drawing made the pad's cell the active one."

    # The pad's own shortcuts still reach the pad, though its cell is not the active one.
    for key, ink in (("Control+z", 0), ("Shift+Control+z", drawn["ink"])):
        before = updates(session.root)
        page.keyboard.press(key)
        wait_settled(page, session.root, after=before)
        assert session.state()["ink"] == ink, key

    prompts = page.locator(".jp-Notebook .jp-Cell .jp-InputPrompt")
    counts = [prompts.nth(i).inner_text() for i in range(3)]
    page.keyboard.press("Shift+Enter")
    # A cell that ran shows a new execution count in its prompt ("[*]" while it runs).
    page.wait_for_function(
        "([el, old]) => el.textContent !== old && !el.textContent.includes('*')",
        arg=[prompts.nth(1).element_handle(), counts[1]],
    )
    assert session.kernel.eval("after") == "ran", "Shift+Enter did not run the next cell."
    assert prompts.nth(0).inner_text() == counts[0], "Shift+Enter ran the pad's cell again."
    assert session.kernel.eval("last") is None, "Shift+Enter ran more than one cell."
    assert active_cell(page) == 2
    # The pad's cell did not run again: the same pad still holds the same drawing.
    assert session.state()["pixels_sha1"] == drawn["pixels_sha1"]
    assert page.locator("[data-testid=digitwidget]").count() == 1
