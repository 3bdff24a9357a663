"""DrawPad against impossible values: from user code, and from a view (set_state)."""

from __future__ import annotations

import logging

import numpy as np
import pytest
import traitlets

from digitwidget.widget import DrawPad
from tests.widget.test_pad import SIZE, constant_model, drawing, random_model


@pytest.fixture
def pad() -> DrawPad:
    return DrawPad(random_model())


def answer_of(pad: DrawPad) -> tuple:
    return pad.prediction, list(pad.probabilities), bytes(pad._model_input)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("prediction", 42),
        ("prediction", 3),
        ("probabilities", [0.1] * 10),
        ("probabilities", [1.0] + [0.0] * 9),
        ("_model_input", bytes(range(256)) * 3 + bytes(16)),
        ("model_input", np.ones((28, 28), np.float32)),
    ],
)
def test_the_models_answer_cannot_be_set_from_python(pad: DrawPad, name: str, value) -> None:
    before = answer_of(pad)
    public = name.lstrip("_")
    with pytest.raises(traitlets.TraitError, match=rf"pad\.{public} is the model's answer") as info:
        setattr(pad, name, value)
    assert "pad.pixels = image" in str(info.value)
    assert "pad.clear()" in str(info.value)
    assert answer_of(pad) == before
    assert not pad.model_input.any()


def test_the_answer_still_follows_the_drawing_and_reaches_observers(pad: DrawPad) -> None:
    seen: list[object] = []
    pad.observe(lambda change: seen.append(change["new"]), names="prediction")
    pad.pixels = drawing(4)
    assert pad.prediction is not None
    assert seen == [pad.prediction]
    state = pad.get_state(key=["prediction", "probabilities", "_model_input"])
    assert state["prediction"] == pad.prediction
    assert state["probabilities"] == pad.probabilities
    pad.clear()
    assert seen[-1] is None


@pytest.mark.parametrize(
    ("image", "match"),
    [
        (np.full((SIZE, SIZE), None, object), r"Received dtype object"),
        (np.full((SIZE, SIZE), {"a": 1}, object), r"Received dtype object"),
        (np.full((SIZE, SIZE), "a"), r"Received dtype <U1"),
        (np.full((SIZE, SIZE), b"ab"), r"Received dtype \|S2"),
        (np.zeros((SIZE, SIZE), np.complex64), r"Received dtype complex64"),
        (np.zeros((SIZE, SIZE), "datetime64[s]"), r"Received dtype datetime64\[s\]"),
        ([[0] * SIZE] * (SIZE - 1) + [[0]], r"pixels must be a \(280, 280\) array of integers"),
        (np.full((SIZE, SIZE), 255.0), r"from 255.0 to 255.0\. Divide 0\.\.255 floats by 255"),
        (np.full((SIZE, SIZE), np.nan), r"Received dtype float64 with values from nan"),
    ],
    ids=["none", "dicts", "str", "bytes", "complex", "datetime", "ragged", "float-255", "nan"],
)
def test_pixels_refuse_every_other_dtype_with_the_pads_message(
    pad: DrawPad, image, match: str
) -> None:
    with pytest.raises(ValueError, match=r"pixels must be") as info:
        pad.pixels = image
    assert info.match(match)
    assert not pad.pixels.any()


def test_a_bool_mask_draws_full_ink_where_true(pad: DrawPad) -> None:
    mask = drawing(1) > 127
    pad.pixels = mask
    np.testing.assert_array_equal(pad.pixels, np.where(mask, 255, 0))


@pytest.mark.parametrize(
    ("refused", "message"),
    [
        ({"brush": 1000}, "DrawPad ignored brush: brush must be a number from 2 to 48"),
        ({"theme": "sepia"}, "DrawPad ignored theme"),
        ({"size": 5}, "DrawPad ignored size: size must be an int from 28 to 2048"),
        ({"inside": "yes"}, "DrawPad ignored inside"),
        ({"prediction": 42}, "pad.prediction is the model's answer"),
        ({"probabilities": [1] * 10}, "pad.probabilities is the model's answer"),
        ({"_ack": 99}, "DrawPad ignored _ack: the pad sets it"),
        ({"_limits": {"brush_max": 500}}, "DrawPad ignored _limits: the pad sets it"),
    ],
)
@pytest.mark.parametrize("first", [True, False], ids=["refused-first", "refused-last"])
def test_a_refused_value_leaves_the_rest_of_the_update_and_its_ack(
    pad: DrawPad, monkeypatch, caplog, refused: dict, message: str, first: bool
) -> None:
    sent: list[object] = []
    monkeypatch.setattr(pad, "send_state", lambda key=None: sent.append(key))
    good = {"_pixels": memoryview(drawing(3).tobytes()), "_seq": 4}
    update = {**refused, **good} if first else {**good, **refused}
    with caplog.at_level(logging.WARNING, logger="digitwidget"):
        pad.set_state(update)
    assert pad._ack == 4  # the view is answered, not left to its stall timeout
    assert pad.prediction is not None
    np.testing.assert_array_equal(pad.pixels, drawing(3))
    for name, value in refused.items():
        assert getattr(pad, name) != value
    assert message in pad._error  # the status line says what was refused
    assert message in caplog.text
    assert [list(refused)] == [key for key in sent if key]  # the views get the pad's value back


def test_the_status_line_clears_with_the_next_good_drawing(pad: DrawPad) -> None:
    pad.set_state({"brush": -1, "_pixels": memoryview(drawing(3).tobytes()), "_seq": 1})
    assert "ignored brush" in pad._error
    pad.set_state({"_pixels": memoryview(drawing(5).tobytes()), "_seq": 2})
    assert pad._error == ""


def test_a_seq_that_is_not_a_number_is_refused_and_the_drawing_still_applied(pad, caplog):
    with caplog.at_level(logging.WARNING, logger="digitwidget"):
        pad.set_state({"_pixels": memoryview(drawing(3).tobytes()), "_seq": "x"})
    assert pad.prediction is not None
    assert (pad._seq, pad._ack) == (0, 0)
    assert "ignored _seq" in pad._error


@pytest.mark.parametrize("order", [("_pixels", "size", "_seq"), ("size", "_pixels", "_seq")])
def test_a_size_and_a_drawing_of_that_size_in_one_update_keep_the_drawing(order) -> None:
    pad = DrawPad(constant_model(6))
    canvas = drawing(2, size=140)
    values = {"size": 140, "_pixels": memoryview(canvas.tobytes()), "_seq": 1}
    pad.set_state({name: values[name] for name in order})
    assert pad.size == 140
    np.testing.assert_array_equal(pad.pixels, canvas)
    assert (pad.prediction, pad._ack, pad._error) == (6, 1, "")


def test_a_new_size_with_a_drawing_of_the_old_size_clears_and_says_so(monkeypatch) -> None:
    pad = DrawPad(constant_model(6))
    sent: list[object] = []
    monkeypatch.setattr(pad, "send_state", lambda key=None: sent.append(key))
    logging.getLogger("digitwidget").disabled = True
    try:
        pad.set_state({"size": 140, "_pixels": memoryview(drawing(2).tobytes()), "_seq": 1})
    finally:
        logging.getLogger("digitwidget").disabled = False
    assert (pad.size, pad.prediction, pad._ack) == (140, None, 1)
    assert not pad.pixels.any()
    assert "expected 19600 bytes (140 x 140 uint8 pixels), received 78400" in pad._error
    assert ["_pixels", "size"] in sent


def test_a_refused_size_keeps_a_drawing_of_the_current_size(pad: DrawPad) -> None:
    logging.getLogger("digitwidget").disabled = True
    try:
        pad.set_state({"size": 5, "_pixels": memoryview(drawing(2).tobytes()), "_seq": 1})
    finally:
        logging.getLogger("digitwidget").disabled = False
    assert pad.size == SIZE
    np.testing.assert_array_equal(pad.pixels, drawing(2))
    assert pad._ack == 1


def test_the_views_get_the_limits_the_pad_checks(pad: DrawPad) -> None:
    limits = pad._limits
    assert limits == {"brush_min": 2, "brush_max": 48, "size": 280, "brush": 18.0, "confident": 0.5}
    assert (pad.size, pad.brush) == (limits["size"], limits["brush"])
    pad.brush = limits["brush_min"]
    pad.brush = limits["brush_max"]
    for outside in (limits["brush_min"] - 1, limits["brush_max"] + 1):
        with pytest.raises(traitlets.TraitError, match="brush must be a number from 2 to 48"):
            pad.brush = outside
    assert "_limits" in pad.get_state()  # sent to every view with the rest of the state


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"size": 10}, ValueError, r"size must be an int from 28 to 2048.*Received: size=10"),
        ({"size": 280.0}, ValueError, r"Received: size=280.0"),
        ({"brush": 0}, ValueError, r"brush must be a number from 2 to 48.*Received: brush=0"),
        ({"brush": 80}, ValueError, r"from 2 to 48.*Received: brush=80"),
        ({"brush": "big"}, ValueError, r"Received: brush='big'"),
        ({"theme": "purple"}, ValueError, r"theme must be one of .*Received: theme='purple'"),
        ({"backend": "qt"}, ValueError, r"backend must be one of .*Received: backend='qt'"),
        ({"model": object()}, TypeError, r"predict_proba.*Received: model of type object"),
    ],
)
def test_constructor_rejects_bad_arguments_with_a_clear_message(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        DrawPad(**kwargs)


def test_options_after_model_are_keyword_only() -> None:
    with pytest.raises(TypeError):
        DrawPad(None, 280)  # type: ignore[misc]


@pytest.mark.parametrize("backend", ["auto", "widget"])
def test_widget_backends_are_accepted(backend: str) -> None:
    pad = DrawPad(random_model(), backend=backend, theme="dark", brush=30)
    assert (pad.theme, pad.brush) == ("dark", 30.0)


@pytest.mark.parametrize(("name", "value"), [("theme", "sepia"), ("brush", -3.0), ("brush", 500.0)])
def test_traits_refuse_invalid_values_and_keep_theirs(pad: DrawPad, name: str, value) -> None:
    before = getattr(pad, name)
    with pytest.raises(traitlets.TraitError):
        setattr(pad, name, value)
    assert getattr(pad, name) == before
