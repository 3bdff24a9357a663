"""DrawPad's inside view, without a browser: what is computed, packed and sent, and when."""

from __future__ import annotations

import re

import numpy as np
import pytest

from digitwidget.nn import Activation, Dense, Flatten, InputLayer, Layer, Model, load_model
from digitwidget.nn.saliency import saliency
from digitwidget.preprocess import preprocess
from digitwidget.widget import DrawPad
from digitwidget.widget import inside as _inside
from tests.widget.test_pad import drawing, random_model, send


def decode(data: bytes) -> tuple[list[np.ndarray], np.ndarray]:
    """Each layer's values and the saliency, as the message holds them."""
    return _inside.unpack_message(data)


class Plain:
    """A classifier that is not an engine model: it can be drawn for, not looked inside."""

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return np.full(10, 0.1)


@pytest.fixture(scope="module")
def shipped() -> Model:
    return load_model("mlp")  # dense layers: the inside view's squares


def test_inside_is_off_by_default_and_nothing_is_computed_or_sent(monkeypatch, shipped):
    calls, changes = [], []
    monkeypatch.setattr(_inside, "pack", lambda *a: calls.append(a) or b"x")
    pad = DrawPad(shipped)
    pad.observe(changes.append, names=["_inside_data", "_inside_layout"])
    for seq, digit in enumerate([3, 5, 8], start=1):
        send(pad, drawing(digit, seed=seq), seq)
    assert pad.inside is False
    assert pad.prediction is not None
    assert calls == []
    assert changes == []
    assert pad._inside_data == b""


def test_turning_inside_on_publishes_the_current_drawing(shipped):
    pad = DrawPad(shipped)
    send(pad, drawing(2, seed=4), 1)
    pad.inside = True
    assert pad._inside_layout == [
        {
            "name": "dense_1",
            "kind": "dense",
            "units": 128,
            "shown": 128,
            "height": 1,
            "width": 1,
            "rows": 8,
            "cols": 16,
            "bits": 8,
            "activation": "relu",
            "negative": False,
        },
        {
            "name": "dense_2",
            "kind": "dense",
            "units": 256,
            "shown": 256,
            "height": 1,
            "width": 1,
            "rows": 16,
            "cols": 16,
            "bits": 8,
            "activation": "relu",
            "negative": False,
        },
    ]
    assert len(pad._inside_data) == 2 + 2 * 13 + 128 + 256 + 4 + 784


@pytest.mark.parametrize("digit", [0, 4, 7])
def test_inside_data_is_the_engine_activations_and_saliency(shipped, digit):
    pad = DrawPad(shipped, inside=True)
    canvas = drawing(digit, seed=digit)
    send(pad, canvas, 1)
    image = preprocess(canvas)
    _, activations = shipped.forward(image, return_activations=True)
    layers, grad = decode(pad._inside_data)
    for decoded, name in zip(layers, ["dense_1", "dense_2"], strict=True):
        exact = activations[name]
        step = (exact.max() - min(exact.min(), 0)) / 255
        assert exact.max() > 0
        np.testing.assert_allclose(decoded, exact, atol=step / 2 + 1e-6)
    exact_grad = saliency(shipped, image)
    np.testing.assert_allclose(grad, exact_grad, atol=np.abs(exact_grad).max() / 254 + 1e-9)


def test_inside_data_follows_the_drawing_and_clears_when_blank(shipped):
    pad = DrawPad(shipped, inside=True)
    send(pad, drawing(1, seed=1), 1)
    first = pad._inside_data
    send(pad, drawing(8, seed=2), 2)
    assert pad._inside_data != first
    pad.clear()
    assert pad._inside_data == b""


def test_turning_inside_off_stops_the_work(monkeypatch, shipped):
    pad = DrawPad(shipped, inside=True)
    send(pad, drawing(6, seed=6), 1)
    assert pad._inside_data
    pad.inside = False
    assert pad._inside_data == b""
    calls = []
    monkeypatch.setattr(_inside, "pack", lambda *a: calls.append(a) or b"x")
    send(pad, drawing(9, seed=9), 2)
    assert calls == []
    assert pad._inside_data == b""


def test_inside_view_needs_an_engine_model():
    pad = DrawPad(Plain(), inside=True)
    send(pad, drawing(3, seed=3), 1)
    assert pad.prediction == 0
    assert pad._inside_layout == []
    assert pad._inside_data == b""


def test_switching_the_model_updates_the_layers_shown(shipped):
    pad = DrawPad(shipped, inside=True)
    send(pad, drawing(5, seed=5), 1)
    pad.model = random_model()
    assert pad._inside_layout == []
    assert pad._inside_data == b""
    pad.model = shipped
    assert [entry["units"] for entry in pad._inside_layout] == [128, 256]
    assert len(pad._inside_data) == 1200


def test_activation_layers_are_shown_after_their_dense():
    rng = np.random.default_rng(0)
    model = Model(
        [
            InputLayer("image", (28, 28)),
            Flatten("flatten"),
            Dense("hidden", rng.normal(0, 0.05, (784, 12))),
            Activation("squash", "tanh"),
            Dense("logits", rng.normal(0, 0.3, (12, 10))),
        ]
    )
    assert _inside.layout(model) == [
        {
            "name": "hidden",
            "kind": "dense",
            "units": 12,
            "shown": 12,
            "height": 1,
            "width": 1,
            "rows": 3,
            "cols": 4,
            "bits": 8,
            "activation": "linear",
            "negative": True,
        },
        {
            "name": "squash",
            "kind": "activation",
            "units": 12,
            "shown": 12,
            "height": 1,
            "width": 1,
            "rows": 3,
            "cols": 4,
            "bits": 8,
            "activation": "tanh",
            "negative": True,
        },
    ]
    image = preprocess(drawing(4, seed=0))
    layers, _ = decode(_inside.pack(model, image))
    assert layers[1].min() < 0 < layers[1].max(), "a tanh layer keeps its sign"


@pytest.mark.parametrize(
    ("activation", "negative"),
    [
        ("relu", False),
        ({"name": "relu", "max_value": 6.0}, False),
        ({"name": "relu", "negative_slope": 0.1}, True),
        ({"name": "relu", "threshold": -0.5}, True),
        ("sigmoid", False),
        ("softplus", False),
        ("softmax", False),
        ("linear", True),
        ("tanh", True),
        ("leaky_relu", True),
        ("elu", True),
        ("gelu", True),
        ("silu", True),
    ],
)
def test_layout_says_whether_a_layer_can_be_negative(activation, negative):
    rng = np.random.default_rng(1)
    model = Model(
        [
            InputLayer("image", (28, 28)),
            Flatten("flatten"),
            Dense("hidden", rng.normal(0, 0.05, (784, 6)), activation=activation),
            Dense("logits", rng.normal(0, 0.3, (6, 10))),
        ]
    )
    assert _inside.layout(model)[0]["negative"] is negative


def test_negative_values_occur_only_in_layers_that_say_they_can():
    """What the layout promises holds for the data: a relu layer never decodes below 0."""
    rng = np.random.default_rng(2)
    model = Model(
        [
            InputLayer("image", (28, 28)),
            Flatten("flatten"),
            Dense("hidden", rng.normal(0, 0.05, (784, 12))),
            Activation("rectify", "relu"),
            Dense("logits", rng.normal(0, 0.3, (12, 10))),
        ]
    )
    layers, _ = decode(_inside.pack(model, preprocess(drawing(5, seed=1))))
    signs = [entry["negative"] for entry in _inside.layout(model)]
    assert signs == [True, False]
    assert layers[0].min() < 0
    assert layers[1].min() >= 0


@pytest.mark.parametrize(
    ("values", "lo", "hi"),
    [([0.0, 1.0, 3.0], 0.0, 3.0), ([-0.5, 0.25, 1.0], -0.5, 1.0), ([-2.0, -1.0], -2.0, 0.0)],
)
def test_quantise_keeps_zero_in_range_and_ends_exact(values, lo, hi):
    got_lo, got_hi, codes = _inside.quantise(np.array(values))
    assert (got_lo, got_hi) == (lo, hi)
    decoded = got_lo + codes / 255 * (got_hi - got_lo)
    np.testing.assert_allclose(decoded, values, atol=(hi - lo) / 510)
    assert codes.dtype == np.uint8


def test_all_zero_layer_quantises_without_dividing_by_zero():
    lo, hi, codes = _inside.quantise(np.zeros(5))
    assert (lo, hi) == (0.0, 0.0)
    assert not codes.any()


def _model_with_an_empty_hidden_layer() -> Model:
    """Works (its answer is its output bias, digit 9), but has nothing to show inside."""
    zeros = np.zeros
    return Model(
        [
            InputLayer("in", (28, 28)),
            Flatten("flat"),
            Dense("empty", zeros((784, 0), np.float32), zeros(0, np.float32), "relu"),
            Dense("out", zeros((0, 10), np.float32), np.arange(10, dtype=np.float32), "softmax"),
        ]
    )


def test_a_view_that_cannot_show_the_model_leaves_its_answer_alone():
    pad = DrawPad(model=_model_with_an_empty_hidden_layer())
    pad.inside = True
    send(pad, drawing(3), 1)
    assert pad.prediction == 9, "the model answers; the inside view's trouble is its own"
    assert "The model failed" not in pad._error
    assert "The inside view cannot show this model" in pad._error
    assert pad._inside_data == b""

    pad.inside = False  # without the view, nothing is wrong
    assert pad._error == ""
    assert pad.prediction == 9


def test_read_gives_the_answer_and_the_view_from_one_pass(monkeypatch, shipped):
    image = preprocess(drawing(7, seed=3))
    expected = shipped.predict_proba(image)
    data = _inside.pack(shipped, image)
    passes = []
    monkeypatch.setattr(Model, "predict_proba", lambda *a: passes.append("predict_proba"))
    monkeypatch.setattr(Model, "forward", lambda *a, **k: passes.append("forward"))
    reading = _inside.read(shipped, image)
    assert passes == [], "explain alone ran the network"
    np.testing.assert_array_equal(reading.probabilities, expected)
    assert reading.data == data
    assert reading.error is None


def test_read_keeps_the_answer_when_the_view_cannot_show_the_model():
    model = _model_with_an_empty_hidden_layer()
    image = preprocess(drawing(3))
    reading = _inside.read(model, image)
    np.testing.assert_array_equal(reading.probabilities, model.predict_proba(image))
    assert reading.data == b""
    assert isinstance(reading.error, ValueError)
    with pytest.raises(ValueError, match=re.escape(str(reading.error))):
        _inside.pack(model, image)  # pack raises what read returns


def test_read_asks_a_plain_classifier_for_its_answer_only():
    reading = _inside.read(Plain(), np.zeros((28, 28), np.float32))
    np.testing.assert_array_equal(reading.probabilities, np.full(10, 0.1))
    assert (reading.data, reading.error) == (b"", None)


class _Doubling(Layer):
    """A layer with an inference pass but no backward pass: y = 2x."""

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        return np.multiply(x, 2, out=out)


def test_a_layer_without_a_backward_pass_shows_its_activations_without_saliency():
    rng = np.random.default_rng(3)
    model = Model(
        [
            InputLayer("image", (28, 28)),
            Flatten("flatten"),
            Dense("hidden", rng.normal(0, 0.05, (784, 12)), None, "tanh"),
            _Doubling("double"),
            Dense("logits", rng.normal(0, 0.3, (12, 10))),
        ]
    )
    image = preprocess(drawing(2, seed=2))
    reading = _inside.read(model, image)
    layers, grad = decode(reading.data)
    _, activations = model.forward(image, return_activations=True)
    np.testing.assert_allclose(layers[1], activations["double"], atol=np.ptp(layers[1]) / 255)
    assert not grad.any()
    np.testing.assert_array_equal(reading.probabilities, model.predict_proba(image))
