"""The teach mode in Notebook 7 and in a marimo app: teach by key and by a bar, Learn, see
the pad switch to the learned model (the learning thread's updates reach the page)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Browser, Locator, Page

from testkit.browser import NOTEBOOK7_KNOWN_ERRORS
from testkit.drawing import draw_mouse, updates, wait_settled
from testkit.harness import marimo_page, pad_notebook
from testkit.notebooks import PAD_SELECTOR, ROOT_SELECTOR
from testkit.servers import jupyter_server
from testkit.strokes import make_strokes

pytestmark = pytest.mark.e2e

CELLS = ['from digitwidget import DrawPad\n\npad = DrawPad(model="mlp")\npad']
MARIMO_APP = """import marimo

app = marimo.App()


@app.cell
def _():
    import marimo as mo
    from digitwidget import DrawPad

    pad = mo.ui.anywidget(DrawPad(model="mlp"))
    pad
    return


if __name__ == "__main__":
    app.run()
"""
BLANK = (
    "el => el.dataset.busy === '0' && "
    "el.querySelector('[data-testid=digitwidget-prediction]').textContent.trim() === ''"
)


def teach_and_learn(page: Page, root: Locator) -> None:
    """Teach three zeros as sixes (keys, then a bar), learn, wait for the learned model."""
    canvas = root.locator(PAD_SELECTOR)
    for seed in range(3):
        before = updates(root)
        draw_mouse(page, canvas, make_strokes(0, np.random.default_rng(seed)))
        wait_settled(page, root, after=before)
        if seed == 0:
            page.keyboard.press("t")
        if seed == 2:
            root.locator("[data-testid=digitwidget-bar-6]").click()
        else:
            page.keyboard.press("6")
        page.wait_for_function(
            "([el, n]) => el.dataset.count === String(n)",
            arg=[
                root.locator("[data-testid=digitwidget-teach-count-6]").element_handle(),
                seed + 1,
            ],
        )
        page.wait_for_function(BLANK, arg=root.element_handle())
    root.locator("[data-testid=digitwidget-learn]").click()
    panel = root.locator("[data-testid=digitwidget-teach]")
    page.wait_for_function(
        "el => el.dataset.state === 'done'", arg=panel.element_handle(), timeout=90_000
    )
    picker = root.locator("[data-testid=digitwidget-model]")
    page.wait_for_function("el => el.value === 'custom'", arg=picker.element_handle())
    rows = root.locator("[data-testid=digitwidget-learn-result] tr").all_inner_texts()
    assert rows[1].startswith("Your drawings")


def test_notebook7_teaches_and_learns(browser: Browser, tmp_path: Path) -> None:
    with (
        jupyter_server("notebook", tmp_path) as server,
        pad_notebook(
            browser, server, "notebook", "teach.ipynb", CELLS, ignore=NOTEBOOK7_KNOWN_ERRORS
        ) as session,
    ):
        teach_and_learn(session.page, session.root)
        assert session.kernel.eval("pad.model_name") == "custom"
        assert session.kernel.eval("pad.examples[1].tolist()") == [6, 6, 6]
        session.assert_no_errors()


def test_marimo_teaches_and_learns(browser: Browser, tmp_path: Path) -> None:
    app_file = tmp_path / "app.py"
    app_file.write_text(MARIMO_APP)
    with marimo_page(browser, app_file) as page:
        teach_and_learn(page, page.locator(ROOT_SELECTOR).first)
