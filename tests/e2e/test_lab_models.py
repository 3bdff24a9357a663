"""In JupyterLab: the toolbar's model picker switches the pad's model live."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Locator

from testkit.drawing import bar_values, draw_mouse, updates, wait_settled
from testkit.harness import PadSession
from testkit.servers import ARTIFACTS
from testkit.strokes import make_strokes

pytestmark = pytest.mark.e2e

SCREENSHOTS = Path("/tmp/digitwidget-screenshots")
"""Where the picker's screenshots are copied for a look outside the artifacts."""
BREAKABLE = """
class Breakable:
    broken = False
    def __init__(self, model):
        self.model = model
    def predict_proba(self, x):
        if self.broken:
            raise RuntimeError("this model broke")
        return self.model.predict_proba(x)
"""


@pytest.fixture
def picker(lab_pad: PadSession) -> Iterator[Locator]:
    """The pad's model picker; the pad is given its default model back after the test."""
    select = lab_pad.root.locator("[data-testid=digitwidget-model]")
    yield select
    lab_pad.kernel.run("pad.model = None\npad.theme = 'auto'")
    lab_pad.page.wait_for_function("el => el.value === 'cnn'", arg=select.element_handle())


def draw_a_digit(session: PadSession) -> None:
    before = updates(session.root)
    draw_mouse(session.page, session.pad, make_strokes(4, np.random.default_rng(7)))
    wait_settled(session.page, session.root, after=before)


def wait_for_model(session: PadSession, picker: Locator, name: str, after: int) -> None:
    """Wait until Python uses ``name`` and the page shows its answer (a newer result)."""
    session.page.wait_for_function(
        "([el, select, n, name]) => Number(el.dataset.updates) > n && select.value === name",
        arg=[session.root.element_handle(), picker.element_handle(), after, name],
    )
    assert session.kernel.eval("pad.model_name") == name


def keep_screenshot(session: PadSession, name: str) -> None:
    session.screenshot(name)
    SCREENSHOTS.mkdir(exist_ok=True)
    shutil.copy(ARTIFACTS / f"{name}.png", SCREENSHOTS / f"{name}.png")


def test_choosing_a_model_reads_the_drawing_again(lab_pad: PadSession, picker: Locator) -> None:
    options = picker.locator("option")
    listed = options.evaluate_all("els => els.map((o) => [o.value, o.textContent])")
    assert listed[:2] == [["cnn", "CNN"], ["mlp", "MLP"]]
    # A custom model an earlier test gave this shared pad stays on the list, after these.
    assert listed[2:] in ([], [["custom", "Custom"]])
    assert picker.get_attribute("aria-label") == "Model"
    assert picker.input_value() == "cnn"
    draw_a_digit(lab_pad)
    cnn_bars = bar_values(lab_pad.root)

    before = updates(lab_pad.root)
    picker.select_option("mlp")
    wait_for_model(lab_pad, picker, "mlp", before)
    shown = bar_values(lab_pad.root)
    python = lab_pad.kernel.eval("[float(p) for p in pad.probabilities]")
    np.testing.assert_allclose(shown, python, atol=1e-3)
    assert shown != cnn_bars, "The bars still show the CNN's answer."
    keep_screenshot(lab_pad, "lab-model-picker-light")
    lab_pad.kernel.run("pad.theme = 'dark'")
    lab_pad.page.wait_for_function(
        "el => el.dataset.dwTheme === 'dark'", arg=lab_pad.root.element_handle()
    )
    keep_screenshot(lab_pad, "lab-model-picker-dark")

    before = updates(lab_pad.root)  # by keyboard: Tab from the brush slider, then an arrow
    lab_pad.root.locator("[data-testid=digitwidget-brush]").focus()
    lab_pad.page.keyboard.press("Tab")
    focused = lab_pad.page.evaluate("document.activeElement.dataset.testid")
    assert focused == "digitwidget-model", "Tab from the brush slider does not reach the picker."
    lab_pad.page.keyboard.press("ArrowUp")
    wait_for_model(lab_pad, picker, "cnn", before)
    focused = lab_pad.page.evaluate("document.activeElement.dataset.testid")
    assert focused == "digitwidget-model", "The notebook took the keyboard from the picker."


def test_a_model_that_fails_leaves_the_previous_one_and_says_why(
    lab_pad: PadSession, picker: Locator
) -> None:
    lab_pad.kernel.run(BREAKABLE + "mine = Breakable(pad.model)\npad.model = mine")
    lab_pad.page.wait_for_function("el => el.value === 'custom'", arg=picker.element_handle())
    assert picker.locator("option").last.inner_text() == "Custom"
    draw_a_digit(lab_pad)
    before = updates(lab_pad.root)
    picker.select_option("mlp")
    wait_for_model(lab_pad, picker, "mlp", before)

    lab_pad.kernel.run("mine.broken = True")
    picker.select_option("custom")
    status = lab_pad.root.locator("[data-testid=digitwidget-status]")
    status.filter(has_text="The pad kept the 'mlp' model").wait_for()
    assert "RuntimeError: this model broke" in status.inner_text()
    lab_pad.page.wait_for_function("el => el.value === 'mlp'", arg=picker.element_handle())
    assert lab_pad.kernel.eval("pad.model_name") == "mlp"
    assert lab_pad.kernel.eval("pad.prediction") is not None
    keep_screenshot(lab_pad, "lab-model-picker-refused")
