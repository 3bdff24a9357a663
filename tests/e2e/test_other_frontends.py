"""Smoke tests in Notebook 7 and in a marimo app: draw a 7, see a 7."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser

from testkit.browser import NOTEBOOK7_KNOWN_ERRORS
from testkit.drawing import (
    SIMPLE_STROKES,
    draw_mouse,
    prediction_text,
    updates,
    wait_settled,
)
from testkit.harness import PAD_CELLS, marimo_page, pad_notebook
from testkit.notebooks import (
    PAD_SELECTOR,
    ROOT_SELECTOR,
    WIDGET_TIMEOUT_MS,
    active_cell,
    toggle_line_numbers,
)
from testkit.servers import ARTIFACTS, jupyter_server

pytestmark = pytest.mark.e2e

MARIMO_APP = """import marimo

app = marimo.App()


@app.cell
def _():
    import marimo as mo
    from digitwidget import DrawPad

    pad = mo.ui.anywidget(DrawPad())
    pad
    return mo, pad


@app.cell
def _(mo, pad):
    mo.Html(f"<span data-testid='python-prediction'>{pad.widget.prediction}</span>")
    return


if __name__ == "__main__":
    app.run()
"""


def test_notebook7_recognises_a_drawn_seven(browser: Browser, tmp_path: Path) -> None:
    with (
        jupyter_server("notebook", tmp_path) as server,
        pad_notebook(
            browser,
            server,
            "notebook",
            "pad.ipynb",
            [*PAD_CELLS, "after = 'ran'"],
            ignore=NOTEBOOK7_KNOWN_ERRORS,
        ) as session,
    ):
        active = active_cell(session.page)
        before = updates(session.root)
        draw_mouse(session.page, session.pad, SIMPLE_STROKES[7])
        wait_settled(session.page, session.root, after=before)
        session.screenshot("notebook7-drawpad")
        state = session.state()
        assert prediction_text(session.root) == str(state["prediction"]) == "7"

        # The pad's keys work here too, and the others reach the notebook.
        for key, expected in (("Delete", ""), ("Control+z", "7")):
            before = updates(session.root)
            session.page.keyboard.press(key)
            wait_settled(session.page, session.root, after=before)
            assert prediction_text(session.root) == expected, key
        toggle_line_numbers(session.page)

        # Drawing left the active cell (the one after the pad) alone: Shift+Enter runs it.
        assert active_cell(session.page) == active == 1
        drawn = session.state()["pixels_sha1"]
        session.kernel.run("after = None")
        prompt = session.page.locator(".jp-Notebook .jp-Cell .jp-InputPrompt").nth(1)
        old = prompt.inner_text()
        session.page.keyboard.press("Shift+Enter")
        session.page.wait_for_function(
            "([el, old]) => el.textContent !== old && !el.textContent.includes('*')",
            arg=[prompt.element_handle(), old],
        )
        assert session.kernel.eval("after") == "ran"
        assert session.state()["pixels_sha1"] == drawn
        session.assert_no_errors()


def test_marimo_app_recognises_a_drawn_seven(browser: Browser, tmp_path: Path) -> None:
    app_file = tmp_path / "app.py"
    app_file.write_text(MARIMO_APP)
    with marimo_page(browser, app_file) as page:
        pad = page.locator(PAD_SELECTOR).first
        root = page.locator(ROOT_SELECTOR).first
        before = updates(root)
        draw_mouse(page, pad, SIMPLE_STROKES[7])
        wait_settled(page, root, after=before)
        assert prediction_text(root) == "7"
        python = page.locator("[data-testid=python-prediction]")
        python.filter(has_text="7").wait_for(timeout=WIDGET_TIMEOUT_MS)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "marimo-drawpad.png")
