"""The Colab backend with a fake ``google.colab.output``: detection, registration, the callback."""

from __future__ import annotations

import base64
import gc
import json
import logging
import re
import zlib

import ipywidgets
import numpy as np
import pytest
import traitlets

from digitwidget.nn import load_model
from digitwidget.preprocess import preprocess
from digitwidget.widget import DrawPad, colab, wire
from testkit.strokes import make_strokes, render_strokes
from tests.e2e import colab_fake

SIZE = 280


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> colab_fake.FakeOutput:
    return colab_fake.install(monkeypatch)


@pytest.fixture
def pad() -> DrawPad:
    return DrawPad()


def drawing(digit: int, seed: int = 0, size: int = SIZE) -> np.ndarray:
    strokes = make_strokes(digit, np.random.default_rng(seed), canvas=size)
    return render_strokes(strokes, canvas=size, pen=18.0 * size / SIZE)


def zlib_packed(data: bytes) -> dict:
    return {"encoding": "zlib", "data": base64.b64encode(zlib.compress(data)).decode()}


def unpacked(packed: dict) -> bytes:
    return zlib.decompress(base64.b64decode(packed["data"]))


def config_of(html: str) -> dict:
    found = re.search(r'<script type="application/json">(.*?)</script>', html, re.S)
    assert found, "the output HTML carries no config"
    return json.loads(found.group(1).replace("<\\/", "</"))


def shown(pad: DrawPad, fake: colab_fake.FakeOutput) -> str:
    """Display ``pad`` the Colab way; returns its callback name."""
    return config_of(colab.colab_mimebundle(pad)["text/html"])["name"]


# -- registration and display ----------------------------------------------------------


def test_display_registers_one_callback_for_the_pad(
    fake: colab_fake.FakeOutput, pad: DrawPad
) -> None:
    name = shown(pad, fake)
    assert list(fake.functions) == [name]
    assert name.startswith("digitwidget.pad.")


def test_two_pads_get_different_callbacks(fake: colab_fake.FakeOutput) -> None:
    names = {shown(DrawPad(), fake), shown(DrawPad(), fake)}
    assert len(names) == 2
    assert set(fake.functions) == names


def test_showing_a_pad_again_replaces_its_registration(
    fake: colab_fake.FakeOutput, pad: DrawPad
) -> None:
    first = shown(pad, fake)
    callback = fake.functions[first]
    assert shown(pad, fake) == first
    assert list(fake.functions) == [first]
    assert fake.functions[first] is callback


# -- the callback ----------------------------------------------------------------------


def draw_request(image: np.ndarray, seq: int, since: int = 0) -> dict:
    return {
        "since": since,
        "state": {"_seq": seq},
        "buffers": {"_pixels": zlib_packed(image.tobytes())},
    }


@pytest.mark.parametrize("digit", [0, 3, 7])
def test_a_drawing_comes_back_as_prediction_probabilities_and_model_input(
    fake: colab_fake.FakeOutput, pad: DrawPad, digit: int
) -> None:
    name = shown(pad, fake)
    image = drawing(digit)
    answer = fake.invoke(name, draw_request(image, seq=1))
    proba = load_model().predict_proba(preprocess(image))
    assert "error" not in answer, answer
    assert answer["state"]["prediction"] == int(np.argmax(proba)) == pad.prediction
    np.testing.assert_allclose(answer["state"]["probabilities"], np.ravel(proba), rtol=1e-6)
    assert answer["state"]["_ack"] == 1
    model_input = np.frombuffer(unpacked(answer["buffers"]["_model_input"]), np.uint8)
    np.testing.assert_array_equal(model_input.reshape(28, 28), np.rint(pad.model_input * 255))
    assert model_input.max() == 255
    np.testing.assert_array_equal(pad.pixels, image)


def test_the_drawing_sent_is_not_echoed_back(fake: colab_fake.FakeOutput, pad: DrawPad) -> None:
    name = shown(pad, fake)
    answer = fake.invoke(name, draw_request(drawing(1), seq=1))
    assert "_pixels" not in answer["buffers"]
    assert "_seq" not in answer["state"]


def test_a_poll_with_nothing_new_returns_no_state(
    fake: colab_fake.FakeOutput, pad: DrawPad
) -> None:
    name = shown(pad, fake)
    version = fake.invoke(name, draw_request(drawing(2), seq=1))["version"]
    answer = fake.invoke(name, {"since": version})
    assert answer == {"version": version, "state": {}, "buffers": {}}


def test_clear_in_python_reaches_the_next_poll(fake: colab_fake.FakeOutput, pad: DrawPad) -> None:
    name = shown(pad, fake)
    version = fake.invoke(name, draw_request(drawing(4), seq=1))["version"]
    pad.clear()
    answer = fake.invoke(name, {"since": version})
    assert unpacked(answer["buffers"]["_pixels"]) == bytes(SIZE * SIZE)
    assert answer["state"]["prediction"] is None
    assert answer["version"] > version


def test_values_the_pad_sends_again_come_with_the_next_answer(
    fake: colab_fake.FakeOutput, pad: DrawPad
) -> None:
    name = shown(pad, fake)
    version = fake.invoke(name, draw_request(drawing(2), seq=1))["version"]
    pad.send_state(["brush", "size"])  # what the pad does in place of values it refused
    answer = fake.invoke(name, {"since": version})
    assert answer["state"] == {"brush": 18.0, "size": SIZE}
    assert answer["version"] > version
    assert fake.invoke(name, {"since": answer["version"]})["state"] == {}


def test_pads_do_not_interfere(fake: colab_fake.FakeOutput) -> None:
    first, second = DrawPad(), DrawPad()
    fake.invoke(shown(first, fake), draw_request(drawing(1), seq=1))
    assert first.prediction is not None
    assert second.prediction is None
    assert second.pixels.max() == 0


def test_python_observers_see_changes_made_through_the_callback(
    fake: colab_fake.FakeOutput, pad: DrawPad
) -> None:
    seen = []
    pad.observe(lambda change: seen.append(change["new"]), names="prediction")
    fake.invoke(shown(pad, fake), draw_request(drawing(7), seq=1))
    assert seen == [pad.prediction]
    assert seen[0] is not None


def test_custom_messages_reach_the_pads_handlers(fake: colab_fake.FakeOutput, pad: DrawPad) -> None:
    received = []
    pad.on_msg(lambda _widget, content, buffers: received.append(content))
    fake.invoke(shown(pad, fake), {"since": 0, "custom": [{"type": "hello"}]})
    assert received == [{"type": "hello"}]


BAD_REQUESTS = {
    "not an object": ([1, 2], r"Expected a JSON object"),
    "unknown field": ({"since": 0, "pixels": "x"}, r"received \['pixels', 'since'\]"),
    "since not an integer": ({"since": "3"}, r"'since' to be an integer"),
    "unknown trait": ({"since": 0, "state": {"layout": 1}}, r"unknown keys \['layout'\]"),
    "state not an object": ({"since": 0, "state": []}, r"'state' to be a JSON object"),
    "bad encoding": (
        {"since": 0, "buffers": {"_pixels": {"encoding": "png", "data": ""}}},
        r"received encoding='png'",
    ),
    "not base64": (
        {"since": 0, "buffers": {"_pixels": {"encoding": "zlib", "data": "%%%"}}},
        r"not: ",
    ),
    "not zlib": (
        {"since": 0, "buffers": {"_pixels": {"encoding": "zlib", "data": "AAAA"}}},
        r"zlib cannot read",
    ),
    "too large": (
        {"since": 0, "buffers": {"_pixels": zlib_packed(bytes(wire.MAX_BYTES + 10))}},
        r"at most 16777216 bytes",
    ),
    "custom not a list": ({"since": 0, "custom": {"a": 1}}, r"'custom' to be a list"),
}


@pytest.mark.parametrize(("request_", "message"), BAD_REQUESTS.values(), ids=BAD_REQUESTS)
def test_a_bad_call_gets_a_clear_error_and_changes_nothing(
    fake: colab_fake.FakeOutput, pad: DrawPad, request_: object, message: str
) -> None:
    name = shown(pad, fake)
    fake.invoke(name, draw_request(drawing(3), seq=1))
    before = (pad.pixels.copy(), pad.prediction, pad._seq)
    answer = fake.invoke(name, request_)
    assert set(answer) == {"error"}
    assert re.search(message, answer["error"]), answer["error"]
    np.testing.assert_array_equal(pad.pixels, before[0])
    assert (pad.prediction, pad._seq) == before[1:]


def test_a_drawing_of_an_old_size_brings_the_page_the_new_size_and_drawing(
    fake: colab_fake.FakeOutput, pad: DrawPad, caplog: pytest.LogCaptureFixture
) -> None:
    name = shown(pad, fake)
    version = fake.invoke(name, draw_request(drawing(3), seq=1))["version"]
    pad.size = 140  # in a later cell, while the page still draws at 280
    with caplog.at_level(logging.WARNING, logger="digitwidget"):
        answer = fake.invoke(name, {**draw_request(drawing(5), seq=2), "since": version})
    assert "error" not in answer, answer
    assert answer["state"]["size"] == 140
    assert unpacked(answer["buffers"]["_pixels"]) == bytes(140 * 140)
    assert answer["state"]["_ack"] == 2  # the call was answered; the page is not stuck
    assert pad.prediction is None
    assert "ignored a drawing update: expected 19600 bytes" in caplog.text
    drawn = fake.invoke(
        name, {**draw_request(drawing(5, size=140), seq=3), "since": answer["version"]}
    )
    assert drawn["state"]["prediction"] == pad.prediction is not None


def test_a_colab_pad_opens_no_widget_channel_and_lives_on_unnamed(
    fake: colab_fake.FakeOutput,
) -> None:
    pad = DrawPad(backend="colab")
    assert pad.comm is None  # no second copy of every update over the widget channel
    name = shown(pad, fake)
    del pad  # as after display(DrawPad(backend="colab"))
    gc.collect()
    answer = fake.invoke(name, draw_request(drawing(3), seq=1))
    assert answer["state"]["prediction"] == 3, answer


class Counter(ipywidgets.Widget):
    """A minimal widget: DrawPad itself stays alive (anywidget's file watcher holds it)."""

    count = traitlets.Int(0).tag(sync=True)


def test_a_call_for_a_pad_that_is_gone_says_to_rerun_the_cell(
    fake: colab_fake.FakeOutput,
) -> None:
    widget = Counter()
    name = colab.register(widget).name
    assert fake.invoke(name, {"since": 0, "state": {"count": 2}})["version"] == 1
    widget.close()  # ipywidgets holds every open widget; a closed one can be collected
    del widget
    gc.collect()
    answer = fake.invoke(name, {"since": 0})
    assert "re-run the cell" in answer["error"]


def test_the_answer_is_ipython_json(fake: colab_fake.FakeOutput, pad: DrawPad) -> None:
    callback = fake.functions[shown(pad, fake)]
    data, _metadata = callback({"since": 0})._repr_json_()
    assert data["version"] == 0


@pytest.mark.parametrize(
    ("state", "expected"),
    [({"brush": 1000}, {"brush": 18.0}), ({"theme": "sepia"}, {"theme": "auto"})],
)
def test_a_value_the_pad_refuses_comes_back_as_the_pads_own_and_the_call_is_answered(
    fake: colab_fake.FakeOutput, pad: DrawPad, state: dict, expected: dict
) -> None:
    name = shown(pad, fake)
    request = draw_request(drawing(3), seq=1)
    request["state"].update(state)
    logging.getLogger("digitwidget").disabled = True
    try:
        answer = fake.invoke(name, request)
    finally:
        logging.getLogger("digitwidget").disabled = False
    assert "error" not in answer, answer
    for key, value in expected.items():
        assert answer["state"][key] == value
    assert answer["state"]["_ack"] == 1
    assert answer["state"]["prediction"] == pad.prediction is not None
    assert f"ignored {next(iter(state))}" in answer["state"]["_error"]
