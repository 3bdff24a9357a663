"""One DrawPad in a real notebook page: the page, its widget, and its kernel; or in a
marimo app's page (:func:`marimo_page`).

Used by the browser tests (through thin pytest fixtures) and by ``bench/latency.py``.

Example:
    >>> with chromium() as browser, jupyter_server("lab", root) as server:  # doctest: +SKIP
    ...     with pad_notebook(browser, server, "lab", "pad.ipynb") as session:
    ...         draw_mouse(session.page, session.pad, strokes)
    ...         wait_settled(session.page, session.root, after=0)
    ...         session.state()["prediction"]
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page

from testkit.browser import ConsoleErrors, new_page
from testkit.notebooks import (
    PAD_SELECTOR,
    ROOT_SELECTOR,
    WIDGET_TIMEOUT_MS,
    KernelBridge,
    kernel_bridge,
    open_and_run,
    write_notebook,
)
from testkit.servers import ARTIFACTS, Server, marimo_server

PAD_CELLS = ["from digitwidget import DrawPad\n\npad = DrawPad()\npad"]

_STATE = """{
    "prediction": pad.prediction,
    "probabilities": [float(p) for p in pad.probabilities],
    "ink": int((pad.pixels > 0).sum()),
    "pixels_sha1": __import__("hashlib").sha1(pad.pixels.tobytes()).hexdigest(),
    "model_input": pad.model_input.tolist(),
}"""


@dataclass
class PadSession:
    """A notebook page showing a DrawPad named ``pad`` in its kernel.

    Attributes:
        page: the browser page.
        errors: console errors and uncaught exceptions of the page.
        kernel: a second client of the notebook's kernel.
        roots: every ``data-testid=digitwidget`` root on the page, in display order.
    """

    page: Page
    errors: ConsoleErrors
    kernel: KernelBridge
    roots: Locator

    @property
    def root(self) -> Locator:
        """The first displayed widget's root."""
        return self.roots.first

    @property
    def pad(self) -> Locator:
        """The first displayed widget's drawing canvas."""
        return self.root.locator(PAD_SELECTOR)

    def state(self) -> dict:
        """``pad``'s Python state: prediction, probabilities, ink, pixel hash, model input."""
        return self.kernel.eval(_STATE)

    def assert_no_errors(self) -> None:
        """Fail with the recorded messages if the page logged errors since the last check."""
        messages = self.errors.take()
        assert not messages, "The browser logged errors:\n" + "\n\n".join(messages)

    def screenshot(self, name: str) -> None:
        """Keep a screenshot of the first widget as ``artifacts/<name>.png``."""
        ARTIFACTS.mkdir(exist_ok=True)
        self.root.screenshot(path=ARTIFACTS / f"{name}.png")


@contextlib.contextmanager
def pad_notebook(
    browser: Browser,
    server: Server,
    app: str,
    name: str,
    cells: list[str] = PAD_CELLS,
    pads: int = 1,
    ignore: dict[str, re.Pattern[str]] | None = None,
) -> Iterator[PadSession]:
    """Write notebook ``name`` with ``cells``, open it in ``app``, run it, connect its kernel.

    Args:
        browser: the browser to open the page in.
        server: a JupyterLab or Notebook 7 server whose root holds the notebook.
        app: ``"lab"`` or ``"notebook"``.
        name: file name of the notebook in the server's root.
        cells: code cells; they must create a DrawPad named ``pad`` and display it.
        pads: how many pads the cells display (waited for).
        ignore: known front-end console errors to leave out (see ``browser``).
    """
    write_notebook(server.root_dir / name, cells)
    page, errors = new_page(browser, ignore=ignore)
    try:
        kernel_id = open_and_run(page, server, app, name, pads=pads)
        with kernel_bridge(server, kernel_id) as kernel:
            yield PadSession(page, errors, kernel, page.locator(ROOT_SELECTOR))
    finally:
        page.context.close()


@contextlib.contextmanager
def marimo_page(browser: Browser, app_file: Path) -> Iterator[Page]:
    """``app_file`` under ``marimo run``, open in a page with its first DrawPad shown.

    After the block the server is stopped and the test fails if the page logged errors.
    """
    page, errors = new_page(browser)
    try:
        with marimo_server(app_file) as server:
            page.goto(server.url())
            page.locator(PAD_SELECTOR).first.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
            yield page
        messages = errors.take()
        assert not messages, "The browser logged errors:\n" + "\n\n".join(messages)
    finally:
        page.context.close()
