"""The inside view and its detail panel through the Colab backend (a fake Colab host).

The detail request and its answer are ordinary synced traits, so they travel the Colab
wire like the drawing: a request set in the page reaches Python with the next call, and
the answer comes back with it.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.e2e.test_colab import ColabPage, colab, colab_page, digit_strokes  # noqa: F401
from tests.e2e.test_inside import rgba

pytestmark = pytest.mark.e2e

TOGGLE = "[data-testid=digitwidget-inside-toggle]"
DETAIL = "[data-testid=digitwidget-detail]"


def test_the_inside_view_and_its_detail_travel_the_colab_wire(colab: ColabPage) -> None:  # noqa: F811
    root, pad = colab.root(0), colab.pads[0]
    root.locator(TOGGLE).click()
    try:
        colab.page.wait_for_function(
            "el => el.classList.contains('is-inside')", arg=root.element_handle()
        )
        colab.draw(0, digit_strokes(3))
        first = root.locator("[data-testid=digitwidget-layer-0]")
        colab.page.wait_for_function("el => Number(el.dataset.max) > 0", arg=first.element_handle())
        assert first.get_attribute("data-kind") == "conv"
        assert (
            root.locator("[data-testid=digitwidget-layer-4]").get_attribute("data-kind") == "dense"
        )
        assert rgba(first)[..., 3].max() == 255
        assert len(pad._inside_data) <= 24 * 1024

        first.focus()  # the keyboard's first cell: channel 0 at (0, 0)
        colab.page.keyboard.press("PageDown")
        for _ in range(14):
            colab.page.keyboard.press("ArrowDown")
        panel = root.locator(DETAIL)
        colab.page.wait_for_function(
            "el => el.dataset.state === 'shown' && el.dataset.unit === '1' && el.dataset.y === '14'",
            arg=panel.element_handle(),
        )
        with colab.host.lock:
            _, activations = pad.model.forward(pad.model_input, return_activations=True)
        engine = float(activations["conv_1"][14, 0, 1])
        assert float(panel.get_attribute("data-value") or "nan") == engine
        z = float(panel.get_attribute("data-z") or "nan")
        assert max(z, 0.0) == pytest.approx(engine, abs=1e-5)
        assert np.isfinite(float(panel.get_attribute("data-sum") or "nan"))
    finally:
        with colab.host.lock:
            pad.inside = False
    colab.page.wait_for_function(
        "el => !el.classList.contains('is-inside')", arg=root.element_handle()
    )
