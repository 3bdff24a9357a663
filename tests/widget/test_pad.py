"""DrawPad state, without a browser: front-end updates are simulated with set_state."""

from __future__ import annotations

import gc
import logging
import tracemalloc

import numpy as np
import pytest
import traitlets

from digitwidget.nn import Dense, Flatten, Model
from digitwidget.preprocess import preprocess
from digitwidget.widget import DrawPad
from testkit.strokes import make_strokes, render_strokes

SIZE = 280


def random_model(seed: int = 0) -> Model:
    """A 784 -> 10 softmax model with fixed random weights."""
    rng = np.random.default_rng(seed)
    kernel = rng.normal(0, 0.3, (784, 10)).astype(np.float32)
    bias = rng.normal(0, 0.1, 10).astype(np.float32)
    return Model(
        [Flatten("flatten"), Dense("dense", kernel, bias, "softmax")], input_shape=(28, 28)
    )


def constant_model(digit: int) -> Model:
    """A model that answers `digit` whatever it sees (zero kernel, one large bias)."""
    bias = np.zeros(10, np.float32)
    bias[digit] = 5.0
    kernel = np.zeros((784, 10), np.float32)
    return Model(
        [Flatten("flatten"), Dense("dense", kernel, bias, "softmax")], input_shape=(28, 28)
    )


def drawing(digit: int, seed: int = 0, size: int = SIZE) -> np.ndarray:
    """A synthetic hand-drawn digit, (size, size) uint8, ink bright."""
    rng = np.random.default_rng(seed)
    return render_strokes(make_strokes(digit, rng, canvas=size), canvas=size)


def send(pad: DrawPad, pixels: np.ndarray | bytes, seq: int) -> None:
    """Deliver an update the way the front end's message arrives: binary as memoryview."""
    data = pixels if isinstance(pixels, bytes) else np.ascontiguousarray(pixels).tobytes()
    pad.set_state({"_pixels": memoryview(data), "_seq": seq})


@pytest.fixture
def pad() -> DrawPad:
    return DrawPad(random_model())


def test_blank_pad_has_no_prediction(pad: DrawPad) -> None:
    assert pad.prediction is None
    assert pad.probabilities == [0.0] * 10
    assert pad.model_input.shape == (28, 28)
    assert pad.model_input.dtype == np.float32
    assert not pad.model_input.any()
    assert pad.pixels.shape == (SIZE, SIZE)
    assert not pad.pixels.any()


@pytest.mark.parametrize("digit", [0, 1, 4, 7, 8])
def test_front_end_update_publishes_what_the_model_says(pad: DrawPad, digit: int) -> None:
    canvas = drawing(digit, seed=digit)
    send(pad, canvas, seq=1)
    expected_input = preprocess(canvas)
    expected = pad.model.predict_proba(expected_input)
    np.testing.assert_allclose(pad.probabilities, expected, rtol=1e-6)
    assert pad.prediction == int(np.argmax(expected))
    np.testing.assert_array_equal(pad.model_input, expected_input)  # exactly what the model read
    np.testing.assert_array_equal(pad.model.predict_proba(pad.model_input), pad.probabilities)
    views = np.frombuffer(pad._model_input, np.uint8).reshape(28, 28) / 255
    np.testing.assert_allclose(views, expected_input, atol=0.5 / 255)  # the views get bytes
    np.testing.assert_array_equal(pad.pixels, canvas)
    assert pad._ack == 1


@pytest.mark.parametrize("order", [("_pixels", "_seq"), ("_seq", "_pixels")])
def test_ack_is_set_after_the_result_whatever_the_message_order(
    pad: DrawPad, order: tuple[str, str]
) -> None:
    seen = []
    pad.observe(lambda change: seen.append((change["new"], pad.prediction)), names="_ack")
    state = {"_pixels": memoryview(drawing(3).tobytes()), "_seq": 5}
    pad.set_state({name: state[name] for name in order})
    assert seen == [(5, pad.prediction)]
    assert pad.prediction is not None


@pytest.mark.parametrize(
    ("payload", "received"),
    [
        (memoryview(b"\x01\x02\x03"), "received 3 bytes"),
        (memoryview(b""), "received 0 bytes"),
        (memoryview(bytes(SIZE * SIZE + 1)), f"received {SIZE * SIZE + 1} bytes"),
        ("not pixels", "received a value of type str"),
        ([0] * (SIZE * SIZE), "received a value of type list"),
        (None, "received a value of type NoneType"),
    ],
)
def test_malformed_update_is_refused_with_a_warning_and_state_kept(
    pad: DrawPad, caplog: pytest.LogCaptureFixture, payload: object, received: str
) -> None:
    canvas = drawing(2)
    send(pad, canvas, seq=1)
    before = (pad.prediction, list(pad.probabilities), pad.model_input.copy())
    with caplog.at_level(logging.WARNING, logger="digitwidget"):
        pad.set_state({"_pixels": payload, "_seq": 2})
    assert [r.name for r in caplog.records] == ["digitwidget"]
    assert received in caplog.records[0].getMessage()
    assert f"expected {SIZE * SIZE} bytes" in caplog.records[0].getMessage()
    np.testing.assert_array_equal(pad.pixels, canvas)
    assert (pad.prediction, pad.probabilities) == before[:2]
    np.testing.assert_array_equal(pad.model_input, before[2])
    assert pad._ack == 2


def test_refused_update_sends_the_good_drawing_back_to_the_views(
    pad: DrawPad, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[object] = []
    monkeypatch.setattr(pad, "send_state", lambda key=None: sent.append(key))
    logging.getLogger("digitwidget").disabled = True
    try:
        pad.set_state({"_pixels": memoryview(b"bad"), "_seq": 1})
    finally:
        logging.getLogger("digitwidget").disabled = False
    assert ["_pixels", "size"] in sent


def sent_messages(pad: DrawPad, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, set, int]]:
    """Record each comm message as (method, state keys incl. binary ones, buffer bytes)."""
    sent: list[tuple[str, set, int]] = []

    def record(msg: dict, buffers: list | None = None) -> None:
        keys = set(msg["state"]) | {path[0] for path in msg.get("buffer_paths", [])}
        sent.append((msg["method"], keys, sum(len(b) for b in buffers or [])))

    monkeypatch.setattr(pad, "_send", record)
    return sent


def test_one_update_is_answered_by_one_message_with_the_result_and_ack(
    pad: DrawPad, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = sent_messages(pad, monkeypatch)
    send(pad, drawing(3), seq=1)
    answers = [(keys, size) for method, keys, size in sent if method == "update"]
    assert answers == [({"prediction", "probabilities", "_model_input", "_ack"}, 784)]


def test_pixels_set_from_python_reach_the_views_with_their_result_in_one_message(
    pad: DrawPad, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent = sent_messages(pad, monkeypatch)
    pad.pixels = drawing(3)
    pad.clear()
    result = {"prediction", "probabilities", "_model_input"}
    assert [keys for _, keys, _ in sent] == [{"_pixels", *result}] * 2


def test_the_same_drawing_sent_again_is_not_predicted_again() -> None:
    calls = []

    class Counting:
        def predict_proba(self, x: np.ndarray) -> np.ndarray:
            calls.append(1)
            return constant_model(2).predict_proba(x)

    pad = DrawPad(Counting())
    image = drawing(6)
    send(pad, image, seq=1)
    send(pad, image.copy(), seq=2)  # a stroke's end re-sends the drawing as it is
    assert (len(calls), pad._ack, pad.prediction) == (1, 2, 2)


def test_clear_returns_to_blank(pad: DrawPad) -> None:
    send(pad, drawing(5), seq=1)
    assert pad.prediction is not None
    pad.clear()
    assert pad.prediction is None
    assert pad.probabilities == [0.0] * 10
    assert not pad.model_input.any()
    assert not pad.pixels.any()


@pytest.mark.parametrize(
    "convert",
    [
        lambda img: img,
        lambda img: img > 127,
        lambda img: img.astype(np.float64) / 255,
        lambda img: img.astype(np.int64),
        lambda img: img.tolist(),
    ],
    ids=["uint8", "bool", "float", "int64", "list"],
)
def test_pixels_setter_accepts_uint8_bool_and_unit_float(pad: DrawPad, convert) -> None:
    canvas = drawing(6)
    pad.pixels = convert(canvas)
    assert pad.prediction is not None
    reference = np.asarray(convert(canvas), np.float64)
    scale = 1.0 if reference.max() <= 1 else 255.0
    np.testing.assert_allclose(pad.pixels / 255.0, reference / scale, atol=0.5 / 255)


@pytest.mark.parametrize(
    ("image", "match"),
    [
        (np.zeros((28, 28), np.uint8), r"shape \(280, 280\).*Received shape \(28, 28\)"),
        (np.full((SIZE, SIZE), 2.0), r"float in \[0, 1\].*from 2.0 to 2.0"),
        (np.full((SIZE, SIZE), 300, np.int64), r"Received dtype int64 with values from 300"),
        (np.full((SIZE, SIZE), -1, np.int16), r"Received dtype int16 with values from -1"),
    ],
)
def test_pixels_setter_rejects_what_is_not_a_drawing(pad: DrawPad, image, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        pad.pixels = image
    assert not pad.pixels.any()


def test_observe_fires_when_the_prediction_changes(pad: DrawPad) -> None:
    changes = []
    pad.observe(lambda change: changes.append((change["old"], change["new"])), names="prediction")
    send(pad, drawing(0), seq=1)
    first = pad.prediction
    pad.clear()
    assert changes == [(None, first), (first, None)]


def test_size_sets_the_canvas_and_changing_it_clears_the_drawing() -> None:
    pad = DrawPad(random_model(), size=140)
    canvas = drawing(8, size=140)
    send(pad, canvas, seq=1)
    np.testing.assert_array_equal(pad.pixels, canvas)
    pad.size = 200
    assert pad.pixels.shape == (200, 200)
    assert pad.prediction is None
    with pytest.raises(traitlets.TraitError, match="size must be an int from 28 to 2048"):
        pad.size = 5


@pytest.mark.slow
def test_a_thousand_updates_end_in_the_last_drawing_without_growing_memory(pad: DrawPad) -> None:
    drawings = [drawing(d % 10, seed=d) for d in range(20)]
    final = drawings[-1]

    def burst(start: int, count: int) -> None:
        for i in range(start, start + count):
            send(pad, drawings[i % len(drawings)], seq=i + 1)

    burst(0, 100)  # warm caches before measuring
    gc.collect()
    tracemalloc.start()
    try:
        baseline = tracemalloc.take_snapshot()
        burst(100, 899)
        send(pad, final, seq=1000)
        gc.collect()
        grown = sum(
            s.size_diff for s in tracemalloc.take_snapshot().compare_to(baseline, "filename")
        )
    finally:
        tracemalloc.stop()
    assert pad._ack == 1000
    np.testing.assert_array_equal(pad.pixels, final)
    np.testing.assert_allclose(
        pad.probabilities, pad.model.predict_proba(preprocess(final)), rtol=1e-6
    )
    assert grown < 512 * 1024, f"memory grew by {grown} bytes over 900 updates"


def test_repr_is_short_and_shows_the_prediction(pad: DrawPad) -> None:
    assert repr(pad) == "DrawPad(size=280, prediction=None)"
    pad.model = constant_model(2)
    send(pad, drawing(2), seq=1)
    assert repr(pad) == "DrawPad(size=280, prediction=2)"
