"""In JupyterLab: the inside view shows each hidden layer and the saliency, live."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Locator

from testkit.drawing import draw_mouse, is_uniform, thin, updates, wait_settled
from testkit.harness import PadSession
from testkit.strokes import make_strokes

pytestmark = pytest.mark.e2e

TOGGLE = "[data-testid=digitwidget-inside-toggle]"
SALIENCY = "[data-testid=digitwidget-saliency]"

_READ_RGBA = """
(canvas) => {
  const {width, height} = canvas;
  return {width, height, data: Array.from(canvas.getContext('2d').getImageData(0, 0, width, height).data)};
}
"""


def rgba(canvas: Locator) -> np.ndarray:
    """A canvas's backing pixels as ``(h, w, 4)`` uint8."""
    found = canvas.evaluate(_READ_RGBA)
    return np.asarray(found["data"], np.uint8).reshape(found["height"], found["width"], 4)


def layer(session: PadSession, i: int) -> Locator:
    return session.root.locator(f"[data-testid=digitwidget-layer-{i}]")


def draw(session: PadSession, strokes: list[np.ndarray]) -> None:
    before = updates(session.root)
    draw_mouse(session.page, session.pad, strokes)
    wait_settled(session.page, session.root, after=before)


def wait_inside(session: PadSession, on: bool) -> None:
    """Wait until Python and the page agree that the inside view is ``on``."""
    session.page.wait_for_function(
        "([el, on]) => el.classList.contains('is-inside') === on",
        arg=[session.root.element_handle(), on],
    )
    for _ in range(100):
        if session.kernel.eval("pad.inside") is on:
            return
        session.page.wait_for_timeout(50)
    pytest.fail(f"pad.inside did not become {on} in Python.")


def test_inside_view_shows_layers_and_saliency_that_follow_the_drawing(
    lab_pad: PadSession,
) -> None:
    lab_pad.kernel.run('pad.model = "mlp"')  # two dense hidden layers (maps: test_inside_cnn.py)
    toggle = lab_pad.root.locator(TOGGLE)
    assert toggle.get_attribute("aria-pressed") == "false"
    assert not layer(lab_pad, 0).is_visible()
    toggle.click()
    try:
        wait_inside(lab_pad, True)
        assert toggle.get_attribute("aria-pressed") == "true"
        shapes = [rgba(layer(lab_pad, i)).shape for i in range(2)]
        assert shapes == [(8, 16, 4), (16, 16, 4)], "128 -> 8 x 16 and 256 -> 16 x 16"
        assert layer(lab_pad, 2).count() == 0
        assert layer(lab_pad, 0).is_visible()
        assert lab_pad.root.locator(SALIENCY).is_visible()

        strokes = thin(make_strokes(8, np.random.default_rng(7)))
        draw(lab_pad, strokes[:1])
        first = [rgba(layer(lab_pad, i)) for i in range(2)]
        first_saliency = rgba(lab_pad.root.locator(SALIENCY))
        draw(lab_pad, strokes[1:])
        second = [rgba(layer(lab_pad, i)) for i in range(2)]
        second_saliency = rgba(lab_pad.root.locator(SALIENCY))
        lab_pad.screenshot("lab-drawpad-inside")

        for before, after in zip(first, second, strict=True):
            assert not is_uniform(after[..., :3].sum(axis=2))
            assert (before != after).any(), "the heat map did not change with the drawing"
        assert second_saliency[..., 3].max() > 200, "the saliency overlay is empty"
        assert (first_saliency != second_saliency).any()
        shown = float(layer(lab_pad, 1).get_attribute("data-max"))
        python = lab_pad.kernel.eval(
            "float(pad.model.forward(pad.model_input, return_activations=True)[1]['dense_2'].max())"
        )
        assert shown == pytest.approx(python, rel=1e-3)
    finally:
        lab_pad.kernel.run("pad.inside = False\npad.model = None")
    wait_inside(lab_pad, False)
    assert toggle.get_attribute("aria-pressed") == "false"
    assert not layer(lab_pad, 0).is_visible()
    assert not lab_pad.root.locator(SALIENCY).is_visible()


def test_marimo_example_app_charts_follow_the_drawing(browser, tmp_path) -> None:
    """examples/app.py under ``marimo run``: drawing a 7 redraws the chart images."""
    import shutil

    from testkit.drawing import SIMPLE_STROKES, prediction_text
    from testkit.harness import marimo_page
    from testkit.notebooks import PAD_SELECTOR, ROOT_SELECTOR, WIDGET_TIMEOUT_MS
    from testkit.servers import ARTIFACTS

    app_file = tmp_path / "app.py"
    shutil.copy(Path(__file__).resolve().parents[2] / "examples" / "app.py", app_file)
    with marimo_page(browser, app_file) as page:
        charts = page.locator("img")
        charts.nth(1).wait_for(timeout=WIDGET_TIMEOUT_MS)
        blank = charts.first.get_attribute("src")
        root = page.locator(ROOT_SELECTOR).first
        before = updates(root)
        draw_mouse(page, page.locator(PAD_SELECTOR).first, SIMPLE_STROKES[7])
        wait_settled(page, root, after=before)
        assert prediction_text(root) == "7"
        # The chart cell re-runs with the new prediction: its images are replaced.
        page.wait_for_function(
            "(blank) => document.querySelector('img').getAttribute('src') !== blank",
            arg=blank,
            timeout=WIDGET_TIMEOUT_MS,
        )
        assert charts.count() == 2
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "marimo-example-app.png", full_page=True)
