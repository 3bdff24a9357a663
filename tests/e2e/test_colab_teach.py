"""The teach mode through the Colab backend in Chromium: labels and Learn travel in
``invokeFunction`` calls, and the learning thread's progress and result reach the page
by its polling (the Colab wire has no comm to push them)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from playwright.sync_api import Browser, Locator, Page

from digitwidget.widget import DrawPad
from digitwidget.widget.colab import colab_mimebundle
from testkit.browser import ConsoleErrors, new_page
from testkit.drawing import draw_mouse, updates, wait_settled
from testkit.strokes import make_strokes
from tests.e2e import colab_fake
from tests.e2e.colab_host import colab_host

pytestmark = pytest.mark.e2e

BLANK = (
    "el => el.dataset.busy === '0' && "
    "el.querySelector('[data-testid=digitwidget-prediction]').textContent.trim() === ''"
)


@pytest.fixture(scope="module")
def colab_teach(browser: Browser) -> Iterator[tuple[Page, ConsoleErrors, DrawPad]]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        output = colab_fake.install(monkeypatch)
        pad = DrawPad(model="mlp")
        with colab_host(output) as host:
            host.outputs = [colab_mimebundle(pad)["text/html"]]
            page, errors = new_page(browser)
            page.goto(host.url)
            page.locator("[data-testid=digitwidget]").wait_for()
            yield page, errors, pad
            page.context.close()


def part(page: Page, name: str) -> Locator:
    return page.locator(f"[data-testid=digitwidget-{name}]")


def test_teaching_and_learning_over_the_colab_wire(colab_teach) -> None:
    page, errors, pad = colab_teach
    root = page.locator("[data-testid=digitwidget]")
    canvas = part(page, "pad")
    for seed in range(4):
        before = updates(root)
        draw_mouse(page, canvas, make_strokes(0, np.random.default_rng(seed)))
        wait_settled(page, root, after=before)
        if seed == 0:
            page.keyboard.press("t")
        if seed % 2:
            part(page, "bar-6").click()
        else:
            page.keyboard.press("6")
        page.wait_for_function(
            "([el, n]) => el.dataset.count === String(n)",
            arg=[part(page, "teach-count-6").element_handle(), seed + 1],
        )
        page.wait_for_function(BLANK, arg=root.element_handle())
    assert pad.teaching is True
    assert pad.examples[1].tolist() == [6, 6, 6, 6]

    panel = part(page, "teach")
    part(page, "learn").click()
    page.wait_for_function(
        "el => el.dataset.state === 'done'", arg=panel.element_handle(), timeout=90_000
    )
    assert pad.model_name == "custom"
    page.wait_for_function("el => el.value === 'custom'", arg=part(page, "model").element_handle())
    rows = part(page, "learn-result").locator("tr").all_inner_texts()
    assert rows[1].startswith("Your drawings")
    assert rows[1].split()[-1] == f"{round(100 * pad._learn['result']['mine']['after'])}%"

    part(page, "learn-undo").click()
    page.wait_for_function("el => el.value === 'mlp'", arg=part(page, "model").element_handle())
    assert pad.model_name == "mlp"
    messages = errors.take()
    assert not messages, "The browser logged errors:\n" + "\n\n".join(messages)
