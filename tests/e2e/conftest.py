"""Fixtures for the browser tests: one Chromium and one JupyterLab per session.

The fixtures are thin wrappers over ``testkit.harness`` (shared with ``bench/latency.py``).
Every test that uses a page fails if the page logged an error.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from testkit.browser import chromium, chromium_missing_reason
from testkit.harness import PadSession, pad_notebook
from testkit.servers import Server, jupyter_server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium, shared by every browser test."""
    reason = chromium_missing_reason()
    if reason:
        pytest.skip(reason)
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="session")
def notebook_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory the notebook servers serve; tests write their notebooks here."""
    return tmp_path_factory.mktemp("notebooks")


@pytest.fixture(scope="session")
def lab_server(notebook_dir: Path) -> Iterator[Server]:
    """A JupyterLab server on 127.0.0.1, shared by the session."""
    with jupyter_server("lab", notebook_dir) as server:
        yield server


@pytest.fixture(scope="session")
def lab_pad_session(browser: Browser, lab_server: Server) -> Iterator[PadSession]:
    """A JupyterLab notebook showing one DrawPad, shared by the session's tests."""
    with pad_notebook(browser, lab_server, "lab", "pad.ipynb") as session:
        yield session


@pytest.fixture
def lab_pad(lab_pad_session: PadSession) -> Iterator[PadSession]:
    """The shared DrawPad, cleared from Python before the test; no console errors after."""
    session = lab_pad_session
    session.kernel.run("pad.clear()")
    session.page.wait_for_function(
        "el => el.dataset.busy === '0' && el.querySelector("
        "'[data-testid=digitwidget-prediction]').textContent.trim() === ''",
        arg=session.root.element_handle(),
    )
    yield session
    session.assert_no_errors()
