"""The DrawPad's Colab output in Chromium, its calls answered by the kernel side in this process.

Colab itself cannot be reached from the test machine; ``colab_host`` keeps Colab's
``invokeFunction`` contract (JSON arguments, ``result.data["application/json"]``) and runs
the callbacks registered through a fake ``google.colab.output``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from playwright.sync_api import Browser, Locator, Page

from digitwidget.nn import load_model
from digitwidget.preprocess import preprocess
from digitwidget.widget import DrawPad
from digitwidget.widget.colab import colab_mimebundle
from testkit.browser import ConsoleErrors, new_page
from testkit.drawing import (
    bar_values,
    draw_mouse,
    is_uniform,
    prediction_text,
    updates,
    vision_pixels,
    wait_settled,
)
from testkit.strokes import make_strokes, render_strokes
from tests.e2e import colab_fake
from tests.e2e.colab_host import ColabHost, colab_host

pytestmark = pytest.mark.e2e

SEED = 2024
BLANK = (
    "el => el.dataset.busy === '0' && "
    "el.querySelector('[data-testid=digitwidget-prediction]').textContent.trim() === ''"
)


@dataclass
class ColabPage:
    """Two pads shown the Colab way on one page."""

    page: Page
    errors: ConsoleErrors
    host: ColabHost
    pads: list[DrawPad]

    def root(self, i: int) -> Locator:
        return self.page.locator("[data-testid=digitwidget]").nth(i)

    def canvas(self, i: int) -> Locator:
        return self.root(i).locator("[data-testid=digitwidget-pad]")

    def status(self, i: int) -> Locator:
        """Pad ``i``'s status line: where a failed call says why, as a stalled kernel does."""
        return self.root(i).locator("[data-testid=digitwidget-status]")

    def draw(self, i: int, strokes: list[np.ndarray]) -> None:
        """Draw on pad ``i`` with the mouse and wait for the final result."""
        before = updates(self.root(i))
        draw_mouse(self.page, self.canvas(i), strokes)
        wait_settled(self.page, self.root(i), after=before)


def digit_strokes(digit: int) -> list[np.ndarray]:
    return make_strokes(digit, np.random.default_rng(SEED + digit))


@pytest.fixture(scope="module")
def colab_page(browser: Browser) -> Iterator[ColabPage]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        output = colab_fake.install(monkeypatch)
        pads = [DrawPad(), DrawPad()]
        with colab_host(output) as host:
            host.outputs = [colab_mimebundle(pad)["text/html"] for pad in pads]
            page, errors = new_page(browser)
            page.goto(host.url)
            page.locator("[data-testid=digitwidget]").nth(1).wait_for()
            yield ColabPage(page, errors, host, pads)
            page.context.close()


@pytest.fixture
def colab(colab_page: ColabPage) -> Iterator[ColabPage]:
    """The page with both pads blank; no console errors after the test."""
    with colab_page.host.lock:
        for pad in colab_page.pads:
            pad.clear()
    for i in range(2):
        colab_page.page.wait_for_function(BLANK, arg=colab_page.root(i).element_handle())
    yield colab_page
    messages = colab_page.errors.take()
    assert not messages, "The browser logged errors:\n" + "\n\n".join(messages)


def ink_overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of the inked pixels of two drawings."""
    a, b = a > 64, b > 64
    return float((a & b).sum() / max((a | b).sum(), 1))


def test_drawn_digits_reach_python_intact_and_are_recognised(colab: ColabPage) -> None:
    model = load_model()
    read = []
    for digit in range(10):
        strokes = digit_strokes(digit)
        colab.draw(0, strokes)
        pad = colab.pads[0]
        expected = render_strokes(strokes, pen=pad.brush)
        assert ink_overlap(pad.pixels, expected) > 0.8, (
            f"digit {digit}: the drawing arrived changed"
        )
        oracle = int(np.argmax(model.predict_proba(preprocess(pad.pixels))))
        assert pad.prediction == oracle
        assert prediction_text(colab.root(0)) == str(pad.prediction)
        read.append(pad.prediction)
        colab.root(0).locator("[data-testid=digitwidget-clear]").click()
        colab.page.wait_for_function(BLANK, arg=colab.root(0).element_handle())
    correct = sum(r == d for d, r in enumerate(read))
    assert correct >= 8, f"Drew 0..9, the pad read {read}"


def test_vision_view_shows_the_model_input(colab: ColabPage) -> None:
    assert is_uniform(vision_pixels(colab.root(0)))
    colab.draw(0, digit_strokes(5))
    shown = vision_pixels(colab.root(0))
    assert not is_uniform(shown)
    cells = shown.reshape(28, shown.shape[0] // 28, 28, -1).mean(axis=(1, 3))
    correlation = abs(np.corrcoef(cells.ravel(), colab.pads[0].model_input.ravel())[0, 1])
    assert correlation > 0.9, f"The view does not look like pad.model_input: r={correlation:.3f}"


def test_clear_button_clears_the_page_and_python(colab: ColabPage) -> None:
    colab.draw(0, digit_strokes(2))
    assert colab.pads[0].prediction is not None
    colab.root(0).locator("[data-testid=digitwidget-clear]").click()
    colab.page.wait_for_function(BLANK, arg=colab.root(0).element_handle())
    assert colab.pads[0].prediction is None
    assert colab.pads[0].pixels.max() == 0
    assert is_uniform(vision_pixels(colab.root(0)))


def test_clear_in_python_reaches_the_page(colab: ColabPage) -> None:
    colab.draw(0, digit_strokes(4))
    assert prediction_text(colab.root(0)) != ""
    with colab.host.lock:
        colab.pads[0].clear()
    colab.page.wait_for_function(BLANK, arg=colab.root(0).element_handle(), timeout=15_000)
    assert is_uniform(vision_pixels(colab.root(0)))


def test_pads_on_one_page_do_not_interfere(colab: ColabPage) -> None:
    colab.draw(1, digit_strokes(7))
    assert colab.pads[1].prediction == 7
    assert prediction_text(colab.root(1)) == "7"
    assert colab.pads[0].prediction is None
    assert prediction_text(colab.root(0)) == ""


def test_the_model_picker_switches_the_model_over_the_wire(colab: ColabPage) -> None:
    colab.draw(0, digit_strokes(2))
    before = updates(colab.root(0))
    picker = colab.root(0).locator("[data-testid=digitwidget-model]")
    picker.select_option("mlp")
    try:
        colab.page.wait_for_function(
            "([el, n]) => Number(el.dataset.updates) > n",
            arg=[colab.root(0).element_handle(), before],
        )
        assert colab.pads[0].model_name == "mlp"
        expected = load_model("mlp").predict_proba(colab.pads[0].model_input)
        np.testing.assert_allclose(bar_values(colab.root(0)), np.ravel(expected), atol=1e-5)
        assert picker.input_value() == "mlp"
    finally:
        with colab.host.lock:
            colab.pads[0].model = None
    colab.page.wait_for_function("el => el.value === 'cnn'", arg=picker.element_handle())


def test_a_drawing_travels_compressed(colab: ColabPage) -> None:
    sizes: list[int] = []
    invoke = colab.host.invoke
    colab.host.invoke = lambda body: (sizes.append(len(body)), invoke(body))[1]
    try:
        colab.draw(0, digit_strokes(8))
    finally:
        colab.host.invoke = invoke
    assert sizes, "drawing made no call"
    assert max(sizes) < 10_000, f"a call carried {max(sizes)} bytes for a 78,400-pixel drawing"


EXPECTED_FAILURES = ("digitwidget: a call to the kernel failed", "status of 500")


def test_a_failed_call_shows_a_message_and_the_pad_recovers(colab: ColabPage) -> None:
    functions = colab.host.output.functions
    name = next(iter(functions))  # pad 0 was shown first
    callback = functions.pop(name)  # as after a kernel restart
    try:
        draw_mouse(colab.page, colab.canvas(0), digit_strokes(3))
        colab.page.wait_for_function(
            "el => el.dataset.stale === '1' && el.querySelector("
            "'[data-testid=digitwidget-status]').textContent.includes('Re-run the cell')",
            arg=colab.root(0).element_handle(),
        )
        assert colab.page.locator("[data-testid=digitwidget-colab-error]").count() == 0
    finally:
        functions[name] = callback
    colab.page.wait_for_function(
        "el => el.dataset.busy === '0' && el.querySelector("
        "'[data-testid=digitwidget-prediction]').textContent.trim() !== ''",
        arg=colab.root(0).element_handle(),
        timeout=20_000,
    )
    assert colab.root(0).get_attribute("data-stale") == "0"
    assert colab.status(0).inner_text() == ""
    assert prediction_text(colab.root(0)) == str(colab.pads[0].prediction)
    assert colab.pads[0].pixels.max() > 0
    logged = colab.errors.take()
    assert any(EXPECTED_FAILURES[0] in m for m in logged), logged
    unexpected = [m for m in logged if not any(kind in m for kind in EXPECTED_FAILURES)]
    assert not unexpected, unexpected


def test_outside_colab_the_output_says_it_needs_colab(colab_page: ColabPage) -> None:
    page, errors = new_page(colab_page.page.context.browser)
    try:
        page.set_content(f"<!doctype html><body>{colab_page.host.outputs[0]}</body>")
        box = page.locator("[data-testid=digitwidget-colab-error]")
        box.wait_for(state="visible")
        assert "needs Google Colab" in box.inner_text()
        assert "backend='widget'" in box.inner_text()
        assert any("could not start" in m for m in errors.take())
    finally:
        page.context.close()
