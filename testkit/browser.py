"""Chromium (from Debian) driven by Playwright, and a collector of browser console errors."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, Error, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Errors that come from a notebook front end itself, not from the widget, keyed by why
# they are harmless. Everything else fails the test.
NOTEBOOK7_KNOWN_ERRORS: dict[str, re.Pattern[str]] = {
    # Notebook 7.6 with JupyterLab 4.6: its keyboard-shortcuts settings plugin throws on
    # page load for every page, even the file browser with no notebook open.
    "notebook 7 shortcuts settings bug": re.compile(
        r"reading 'schema'\)[\s\S]*/static/notebook/notebook_core\.", re.MULTILINE
    ),
}


def chromium_missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when Chromium is installed."""
    if CHROMIUM.exists():
        return None
    return f"Chromium not found at {CHROMIUM}; install it with `apt-get install -y chromium`."


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """Launch headless Debian Chromium; closed on exit."""
    reason = chromium_missing_reason()
    if reason:
        raise FileNotFoundError(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class ConsoleErrors:
    """Errors a page reported: ``console.error`` messages and uncaught exceptions."""

    ignore: dict[str, re.Pattern[str]] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        """Start recording errors from ``page``."""
        page.on("console", self._on_console)
        page.on("pageerror", self._on_page_error)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        location = message.location.get("url", "") if message.location else ""
        self._record(f"console.error: {message.text} ({location})")

    def _on_page_error(self, error: Error) -> None:
        self._record(f"uncaught: {error.name}: {error.message}\n{error.stack}")

    def _record(self, text: str) -> None:
        if not any(pattern.search(text) for pattern in self.ignore.values()):
            self.messages.append(text)

    def take(self) -> list[str]:
        """The errors recorded since the last call, clearing the record."""
        messages, self.messages = self.messages, []
        return messages


def new_page(
    browser: Browser,
    *,
    ignore: dict[str, re.Pattern[str]] | None = None,
    has_touch: bool = False,
) -> tuple[Page, ConsoleErrors]:
    """A 1280x900 page in a fresh context, with its console errors recorded.

    Args:
        browser: the browser to open the page in.
        ignore: known front-end errors to leave out of the record (see above).
        has_touch: whether the page accepts touch input.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900}, has_touch=has_touch)
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors = ConsoleErrors(ignore=dict(ignore or {}))
    errors.attach(page)
    return page, errors
