"""The Colab output in Chromium with layer names that would end or hide its <script>.

Layer names come from model files; the page's config carries them inside a
``<script type="application/json">``. Names such as ``<!--<script>`` (which turns the
rest of the element into an HTML comment-like state) or ``</script>`` must neither stop
the pad from rendering nor run anything.
"""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import Browser

from digitwidget.nn import Dense, Flatten, Model
from digitwidget.widget import DrawPad
from digitwidget.widget.colab import colab_mimebundle
from testkit.browser import new_page
from tests.e2e import colab_fake
from tests.e2e.colab_host import colab_host

pytestmark = pytest.mark.e2e

NAMES = [
    "<!--<script>",
    "</script><script>window.__pwned = 1</script>",
    "]]><img src=x onerror='window.__pwned = 2'>",
    "line\u2028separator\u2029&amp;",
]


def model_named(names: list[str]) -> Model:
    rng = np.random.default_rng(0)
    layers: list = [Flatten("flatten")]
    width = 784
    for name in names:
        kernel = rng.normal(0, 0.1, (width, 8)).astype(np.float32)
        layers.append(Dense(name, kernel, np.zeros(8, np.float32), "relu"))
        width = 8
    kernel = rng.normal(0, 0.1, (width, 10)).astype(np.float32)
    layers.append(Dense("output", kernel, np.zeros(10, np.float32), "softmax"))
    return Model(layers, input_shape=(28, 28))


def test_pads_render_and_nothing_runs_whatever_the_layer_names(browser: Browser) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        output = colab_fake.install(monkeypatch)
        pads = [DrawPad(model_named(NAMES), inside=True), DrawPad()]
        with colab_host(output) as host:
            host.outputs = [colab_mimebundle(pad)["text/html"] for pad in pads]
            page, errors = new_page(browser)
            try:
                page.goto(host.url)
                roots = page.locator("[data-testid=digitwidget]")
                roots.nth(1).wait_for()
                assert roots.count() == 2
                layers = roots.nth(0).locator("[data-testid^=digitwidget-layer-]")
                layers.nth(len(NAMES) - 1).wait_for()
                assert layers.count() == len(NAMES)
                shown = roots.nth(0).inner_text()
                for name in NAMES[:3]:
                    assert name in shown
                assert page.evaluate("window.__pwned") is None
                assert not errors.take()
            finally:
                page.context.close()
