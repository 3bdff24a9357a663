"""The Colab output page: the front end inlined, the config, names that could break it."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import numpy as np
import pytest

from digitwidget.nn import Dense, Flatten, Model
from digitwidget.widget import DrawPad, colab, page
from tests.e2e import colab_fake
from tests.widget.test_colab import SIZE, config_of, fake, pad, unpacked

__all__ = ["fake", "pad"]  # fixtures shared with tests/test_colab.py


def test_html_inlines_the_front_end_and_the_initial_state(
    fake: colab_fake.FakeOutput, pad: DrawPad
) -> None:
    bundle = colab.colab_mimebundle(pad)
    html = bundle["text/html"]
    assert '<script type="module">' in html
    assert "<style>" in html
    assert html.count("</script>") == 2, "the inlined bundle must not close its script early"
    config = config_of(html)
    assert config["state"]["size"] == SIZE
    assert config["state"]["prediction"] is None
    assert unpacked(config["buffers"]["_pixels"]) == bytes(SIZE * SIZE)
    assert "DrawPad" in bundle["text/plain"]


def test_state_sent_to_the_page_is_the_pads_own_traits(pad: DrawPad) -> None:
    names = colab.synced_names(pad)
    assert {"_pixels", "_seq", "_ack", "prediction", "probabilities", "_model_input"} <= set(names)
    assert not {"_esm", "_css", "layout", "_model_name", "_dom_classes"} & set(names)


HOSTILE_NAMES = [
    "</script><script>alert(1)</script>",
    "<!--<script>",
    "]]>",
    "a\u2028b\u2029c",
    "&lt;&amp;</SCRIPT >",
]


def hostile_model() -> Model:
    """Hidden layers named to break out of a <script> element, as a model file may name them."""
    rng = np.random.default_rng(0)
    layers: list = [Flatten("flatten")]
    width = 784
    for name in HOSTILE_NAMES:
        kernel = rng.normal(0, 0.1, (width, 8)).astype(np.float32)
        layers.append(Dense(name, kernel, np.zeros(8, np.float32), "relu"))
        width = 8
    kernel = rng.normal(0, 0.1, (width, 10)).astype(np.float32)
    layers.append(Dense("output", kernel, np.zeros(10, np.float32), "softmax"))
    return Model(layers, input_shape=(28, 28))


class _Scripts(HTMLParser):
    """The <script> elements of a page as a browser's HTML parser splits them."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[tuple[str | None, str]] = []
        self._type: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "script":
            self._type = dict(attrs).get("type")
            self.scripts.append((self._type, ""))

    def handle_data(self, data: str) -> None:
        if self.lasttag == "script" and self.scripts:
            kind, text = self.scripts[-1]
            self.scripts[-1] = (kind, text + data)


def test_layer_names_from_a_model_file_cannot_break_the_output_html(
    fake: colab_fake.FakeOutput,
) -> None:
    pad = DrawPad(hostile_model(), inside=True)
    html = colab.colab_mimebundle(pad)["text/html"]
    parser = _Scripts()
    parser.feed(html)
    assert [kind for kind, _ in parser.scripts] == ["application/json", "module"]
    data = parser.scripts[0][1]
    for unsafe in ("<", ">", "&", "\u2028", "\u2029"):
        assert unsafe not in data
    config = json.loads(data)
    assert [layer["name"] for layer in config["state"]["_inside_layout"]] == HOSTILE_NAMES


@pytest.mark.parametrize("text", [*HOSTILE_NAMES, "é ü 数字 🙂", "\\u003c", ""])
def test_script_json_gives_back_exactly_what_it_was_given(text: str) -> None:
    value = {"name": text, "list": [text, 1, 2.5, None, True], text: {"nested": text}}
    encoded = page.script_json(value)
    assert json.loads(encoded) == value
    assert not set(encoded) & {"<", ">", "&", "\u2028", "\u2029"}
