"""DrawPad's models by name, file or object; the picker's traits; switching from a view."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import traitlets

from digitwidget.nn import ModelFileError, load_model
from digitwidget.nn.loading import DEFAULT, SHIPPED
from digitwidget.widget import DrawPad, models
from tests.e2e import colab_fake
from tests.widget.test_colab import shown
from tests.widget.test_pad import constant_model, drawing, send, sent_messages
from tests.widget.test_pad_model import Breakable, BrokenModel

SHIPPED_MENU = [
    {"name": name, "label": name.upper(), "title": text} for name, text in SHIPPED.items()
]


@pytest.fixture(autouse=True)
def quiet() -> Iterator[None]:
    """Refusals are logged as warnings; these tests read them from the pad instead."""
    logging.getLogger("digitwidget").disabled = True
    yield
    logging.getLogger("digitwidget").disabled = False


@pytest.fixture
def npz(tmp_path: Path) -> Path:
    """A model file that answers 6 whatever it sees."""
    path = tmp_path / "six.npz"
    constant_model(6).save(path)
    return path


def switched_from_view(pad: DrawPad, name: str) -> None:
    """What a view's picker sends: the model name it chose."""
    pad.set_state({"model_name": name})


def test_a_new_pad_uses_the_default_model_and_offers_the_shipped_ones() -> None:
    pad = DrawPad()
    assert pad.model_name == DEFAULT == "cnn"
    assert pad._models == SHIPPED_MENU
    assert [entry["name"] for entry in pad._models] == ["cnn", "mlp"]


@pytest.mark.parametrize("name", list(SHIPPED))
def test_a_shipped_model_by_name_is_loaded_once_and_shared(name: str) -> None:
    pads = [DrawPad(model=name), DrawPad(model=name)]
    assert [pad.model_name for pad in pads] == [name, name]
    assert pads[0].model is pads[1].model is models.shipped(name)
    send(pads[0], drawing(3), seq=1)
    expected = load_model(name).predict_proba(pads[0].model_input)
    np.testing.assert_allclose(pads[0].probabilities, np.ravel(expected), rtol=1e-6)
    assert pads[0]._models == SHIPPED_MENU  # no custom entry for a shipped model


@pytest.mark.parametrize("as_path", [False, True], ids=["str", "pathlike"])
def test_a_model_file_is_loaded_and_offered_as_custom(npz: Path, as_path: bool) -> None:
    pad = DrawPad(model=npz if as_path else str(npz))
    send(pad, drawing(2), seq=1)
    assert (pad.model_name, pad.prediction) == ("custom", 6)
    assert pad._models == [*SHIPPED_MENU, {"name": "custom", "label": "Custom", "title": str(npz)}]


def test_a_model_object_is_custom_and_titled_by_its_name() -> None:
    model = constant_model(1)
    model.name = "ones"
    assert DrawPad(model=model)._models[-1] == {
        "name": "custom",
        "label": "Custom",
        "title": "ones",
    }
    assert DrawPad(model=BrokenModel())._models[-1]["title"] == "BrokenModel"


def test_a_missing_file_is_refused_naming_the_shipped_models(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"No model file at .*'cnn' or 'mlp'"):
        DrawPad(model=str(tmp_path / "missing.keras"))
    with pytest.raises(FileNotFoundError, match="No model file"):
        DrawPad(model="CNN")  # names are exact


def test_a_damaged_file_is_refused_with_load_models_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.npz"
    path.write_bytes(b"not a zip file")
    with pytest.raises(ModelFileError, match=r"broken\.npz"):
        DrawPad(model=path)


def test_something_else_is_refused_naming_what_the_pad_takes() -> None:
    with pytest.raises(TypeError, match=r"shipped model's name \('cnn', 'mlp'\), the path"):
        DrawPad(model=42)


def test_switching_by_name_reads_the_drawing_again_in_one_message(
    npz: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pad = DrawPad(model=npz)
    send(pad, drawing(4), seq=1)
    sent = sent_messages(pad, monkeypatch)
    pad.model = "mlp"
    expected = load_model("mlp").predict_proba(pad.model_input)
    np.testing.assert_allclose(pad.probabilities, np.ravel(expected), rtol=1e-6)
    assert pad.model_name == "mlp"
    assert pad.model is models.shipped("mlp")
    assert [keys for _, keys, _ in sent] == [
        {"prediction", "probabilities", "model_name"}  # _model_input: the same image
    ]
    pad.model = None
    assert pad.model_name == DEFAULT


def test_a_failing_switch_keeps_the_previous_model_and_traits(tmp_path: Path) -> None:
    pad = DrawPad(model="mlp")
    send(pad, drawing(4), seq=1)
    before = (pad.prediction, list(pad.probabilities))
    for bad in (tmp_path / "missing.npz", BrokenModel(), "lenet"):
        with pytest.raises((FileNotFoundError, RuntimeError)):
            pad.model = bad
        assert pad.model_name == "mlp"
        assert pad._models == SHIPPED_MENU, "a model that failed is not offered"
        assert (pad.prediction, pad.probabilities) == before
        assert pad._error == ""


def test_model_name_is_set_by_switching_models_not_directly() -> None:
    pad = DrawPad()
    with pytest.raises(traitlets.TraitError, match=r'pad.model = "mlp"'):
        pad.model_name = "mlp"
    with pytest.raises(traitlets.TraitError, match="read-only"):
        pad._models = []
    assert pad.model_name == "cnn"


def test_a_view_switches_the_model_and_the_drawing_is_read_again() -> None:
    pad = DrawPad()
    send(pad, drawing(8), seq=1)
    switched_from_view(pad, "mlp")
    assert pad.model_name == "mlp"
    expected = load_model("mlp").predict_proba(pad.model_input)
    np.testing.assert_allclose(pad.probabilities, np.ravel(expected), rtol=1e-6)
    assert pad._error == ""


def test_a_view_can_switch_back_to_the_custom_model() -> None:
    pad = DrawPad(model=constant_model(5))
    send(pad, drawing(8), seq=1)
    switched_from_view(pad, "cnn")
    assert pad.model_name == "cnn"
    assert pad._models[-1]["name"] == "custom", "the custom model is still offered"
    switched_from_view(pad, "custom")
    assert (pad.model_name, pad.prediction) == ("custom", 5)


def test_a_switch_that_fails_in_a_view_keeps_the_model_and_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    model = Breakable()
    pad = DrawPad(model=model)
    send(pad, drawing(8), seq=1)
    switched_from_view(pad, "cnn")
    model.broken = True
    resent: list[object] = []
    monkeypatch.setattr(pad, "send_state", lambda key=None: resent.append(key))
    switched_from_view(pad, "custom")  # not raised: a view's message has no caller
    assert pad.model_name == "cnn"
    assert pad.model is models.shipped("cnn")
    assert pad.prediction == int(np.argmax(pad.model.predict_proba(pad.model_input)))
    assert pad._error == (
        "The pad kept the 'cnn' model: switching to 'custom' failed "
        "(RuntimeError: this model always fails)."
    )
    assert ["model_name"] in resent, "the view's select goes back to the model in use"
    send(pad, drawing(8), seq=2)
    assert pad._error == "", "the next update from the view clears the message"


@pytest.mark.parametrize("name", ["lenet", "/etc/passwd", 3, None])
def test_a_view_cannot_name_a_model_the_picker_does_not_offer(
    name: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    import digitwidget.nn

    def never(*args: object) -> None:
        pytest.fail("a view made the kernel load a model file")

    monkeypatch.setattr(digitwidget.nn, "load_model", never)
    pad = DrawPad(model="mlp")
    switched_from_view(pad, name)  # type: ignore[arg-type]
    assert pad.model_name == "mlp"
    assert "a view chose" in pad._error
    assert "expected one of 'cnn', 'mlp'." in pad._error


def test_custom_is_refused_from_a_view_when_the_pad_has_no_custom_model() -> None:
    pad = DrawPad()
    switched_from_view(pad, "custom")
    assert pad.model_name == "cnn"
    assert "a view chose 'custom'" in pad._error


def test_a_view_cannot_set_the_menu() -> None:
    pad = DrawPad()
    pad.set_state({"_models": [{"name": "evil", "label": "x", "title": "y"}]})
    assert pad._models == SHIPPED_MENU
    assert "DrawPad ignored _models" in pad._error


def test_with_the_inside_view_on_a_switch_brings_the_new_models_layers() -> None:
    pad = DrawPad(model="mlp", inside=True)
    send(pad, drawing(8), seq=1)
    from digitwidget.widget import inside

    assert pad._inside_layout == inside.layout(load_model("mlp"))
    switched_from_view(pad, "cnn")
    assert (
        pad._inside_layout == inside.layout(load_model("cnn")) != inside.layout(load_model("mlp"))
    )
    assert pad._inside_data


def test_through_the_colab_wire_a_switch_and_a_refusal_come_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = colab_fake.install(monkeypatch)
    pad = DrawPad(model=constant_model(5), backend="colab")
    name = shown(pad, fake)
    send(pad, drawing(8), seq=1)
    answer = fake.invoke(name, {"since": 0, "state": {"model_name": "mlp"}})
    assert "error" not in answer, answer
    assert pad.model_name == "mlp"
    assert "model_name" not in answer["state"], "the view's own choice is not echoed"
    assert answer["state"]["prediction"] == pad.prediction
    np.testing.assert_allclose(answer["state"]["probabilities"], pad.probabilities)
    answer = fake.invoke(name, {"since": answer["version"], "state": {"model_name": "lenet"}})
    assert answer["state"]["model_name"] == "mlp", "the page's select goes back"
    assert "a view chose 'lenet'" in answer["state"]["_error"]
