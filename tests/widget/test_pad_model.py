"""DrawPad and its model: the default one, switching, a model that fails or is not one."""

from __future__ import annotations

import re

import numpy as np
import pytest

from digitwidget.nn import Dense, Flatten, Model
from digitwidget.widget import DrawPad, models
from tests.widget.test_pad import constant_model, drawing, send


class BrokenModel:
    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        msg = "this model always fails"
        raise RuntimeError(msg)


class Breakable:
    """Answers 7, until it is broken."""

    broken = False

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        if self.broken:
            msg = "this model always fails"
            raise RuntimeError(msg)
        return constant_model(7).predict_proba(x)


def test_update_is_acknowledged_even_when_the_model_fails() -> None:
    pad = DrawPad(BrokenModel())
    with pytest.raises(RuntimeError, match="always fails"):
        send(pad, drawing(4), seq=3)
    assert pad._ack == 3


def test_a_failing_model_shows_its_error_instead_of_an_old_answer() -> None:
    model = Breakable()
    pad = DrawPad(model)
    send(pad, drawing(1), seq=1)
    assert (pad.prediction, pad._error) == (7, "")
    model.broken = True  # the model breaks between two drawings
    with pytest.raises(RuntimeError):
        send(pad, drawing(2), seq=2)
    assert pad.prediction is None
    assert pad.probabilities == [0.0] * 10
    assert pad._error == "The model failed: RuntimeError: this model always fails"
    pad.model = constant_model(5)
    assert (pad.prediction, pad._error) == (5, "")


def test_switching_the_model_repredicts_the_current_drawing() -> None:
    pad = DrawPad(constant_model(3))
    send(pad, drawing(1), seq=1)
    assert pad.prediction == 3
    pad.model = constant_model(7)
    assert pad.prediction == 7
    assert pad.probabilities[7] == max(pad.probabilities)


class FixedAnswer:
    """A classifier that returns ``answer`` whatever it is shown."""

    def __init__(self, answer) -> None:
        self.answer = answer

    def predict_proba(self, x: np.ndarray):
        return self.answer


class RowsAsSamples:
    """scikit-learn's convention: the (28, 28) image is read as 28 samples of 28 features."""

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        return np.full((len(x), 10), 0.1)


@pytest.mark.parametrize(
    ("model", "match"),
    [
        (
            RowsAsSamples(),
            r"shape \(10,\) or \(1, 10\)\. Received shape \(28, 10\).*reshape\(1, 784\)",
        ),
        (FixedAnswer(np.full(3, 1 / 3)), r"Received shape \(3,\)"),
        (FixedAnswer("seven"), r"Received str"),
        (FixedAnswer(np.full(10, np.nan)), r"finite, non-negative and summing to 1"),
        (FixedAnswer(np.arange(10.0)), r"summing to 45.*apply a softmax"),
        (FixedAnswer([[0.05] * 10]), r"summing to 0.5"),
    ],
    ids=["rows-as-samples", "three-classes", "text", "nan", "logits", "not-normalised"],
)
def test_a_model_whose_answer_is_not_ten_probabilities_is_refused(model, match: str) -> None:
    pad = DrawPad(model)
    with pytest.raises(ValueError, match=match):
        send(pad, drawing(2), seq=1)
    assert pad.prediction is None
    assert pad.probabilities == [0.0] * 10
    assert pad._ack == 1
    assert re.search(match, pad._error)


def test_a_one_row_batch_of_probabilities_is_accepted() -> None:
    answer = np.eye(10)[[4]]  # shape (1, 10)
    pad = DrawPad(FixedAnswer(answer))
    send(pad, drawing(2), seq=1)
    assert pad.prediction == 4
    assert pad.probabilities == answer[0].tolist()


def test_switching_to_a_model_that_fails_keeps_the_previous_one() -> None:
    pad = DrawPad(constant_model(3))
    send(pad, drawing(1), seq=1)
    with pytest.raises(ValueError, match="Received shape"):
        pad.model = FixedAnswer(np.ones(3))
    assert isinstance(pad.model, Model)
    assert (pad.prediction, pad._error) == (3, "")
    send(pad, drawing(8), seq=2)
    assert pad.prediction == 3


def test_default_model_is_loaded_lazily_once_and_shared(monkeypatch: pytest.MonkeyPatch) -> None:
    import digitwidget.nn

    loads = []

    def fake_load_model(name: str) -> Model:
        loads.append(name)
        return constant_model(4)

    monkeypatch.setattr(digitwidget.nn, "load_model", fake_load_model)
    models.shipped.cache_clear()
    try:
        pads = [DrawPad(), DrawPad(model="cnn")]
        assert loads == []  # a blank pad never needs the model
        for seq, pad in enumerate(pads, start=1):
            send(pad, drawing(9), seq)
        assert [pad.prediction for pad in pads] == [4, 4]
        assert loads == ["cnn"]
        assert pads[0].model is pads[1].model
    finally:
        models.shipped.cache_clear()


def test_a_keras_model_is_refused_with_how_to_convert_it() -> None:
    class Sequential:  # stands for keras.Sequential, without importing Keras
        def predict(self, x):
            return x

    Sequential.__module__ = "keras.src.models.sequential"

    class Digits(Sequential):  # a user's subclass, defined in a notebook
        pass

    Digits.__module__ = "__main__"
    for model in (Sequential(), Digits()):
        with pytest.raises(TypeError, match=r"predict_proba") as info:
            DrawPad(model=model)
        message = str(info.value)
        assert 'model.save("mine.keras"), then DrawPad(model="mine.keras")' in message
        assert f"Received: model of type {type(model).__name__}" in message


def test_with_the_inside_view_on_the_network_runs_once_per_drawing(monkeypatch) -> None:
    passes: list[str] = []
    for name in ("predict_proba", "forward", "explain"):
        original = getattr(Model, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            passes.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Model, name, counted)
    rng = np.random.default_rng(0)
    hidden = Dense("hidden", rng.normal(0, 0.05, (784, 16)).astype(np.float32), None, "relu")
    out = Dense("out", rng.normal(0, 0.3, (16, 10)).astype(np.float32), None, "softmax")
    pad = DrawPad(Model([Flatten("flatten"), hidden, out], input_shape=(28, 28)), inside=True)
    send(pad, drawing(3), seq=1)
    assert passes == ["explain"], "the answer and the inside view come from one pass"
    assert pad.prediction is not None
    assert pad._inside_data
    pad.inside = False
    passes.clear()
    send(pad, drawing(5), seq=2)
    assert passes == ["predict_proba"]
