"""The pad's teach mode without a browser: views' messages are delivered as the comm would.

Learning is the engine's real fine-tuning, kept fast with the MLP and few epochs.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

import digitwidget
from digitwidget.nn import load_model
from digitwidget.preprocess import preprocess
from digitwidget.widget import DrawPad
from tests.widget.test_pad import constant_model, drawing, send

EPOCHS = 12
"""Enough for the MLP to learn that these zeros are sixes."""


def view_says(pad: DrawPad, **content: object) -> None:
    """A custom message from a view, as the widget comm (or the Colab bridge) delivers it."""
    pad._handle_custom_msg(content, [])


def taught_pad(count: int = 6, **kwargs: object) -> DrawPad:
    """An MLP pad taught ``count`` drawn zeros as sixes."""
    pad = DrawPad(model="mlp", **kwargs)
    for seed in range(count):
        pad.pixels = drawing(0, seed=seed)
        pad.teach(6)
    return pad


@pytest.fixture(scope="module")
def mlp():
    return load_model("mlp")


# -- teaching --------------------------------------------------------------------------


def test_teaching_keeps_what_the_model_read_and_counts_each_digit() -> None:
    pad = DrawPad(model="mlp")
    canvas = drawing(3, seed=1)
    pad.pixels = canvas
    pad.teach(3)
    pad.pixels = drawing(8, seed=2)
    pad.teach(8)
    images, labels = pad.examples
    np.testing.assert_array_equal(images[0], preprocess(canvas))
    assert labels.tolist() == [3, 8]
    assert pad._teach_counts == [0, 0, 0, 1, 0, 0, 0, 0, 1, 0]


def test_examples_are_copies() -> None:
    pad = taught_pad(1)
    images, labels = pad.examples
    images[:] = 0
    labels[:] = 1
    assert pad.examples[0].any()
    assert pad.examples[1].tolist() == [6]


def test_a_blank_pad_cannot_be_taught() -> None:
    pad = DrawPad(model="mlp")
    with pytest.raises(ValueError, match="The pad is blank: draw a digit first"):
        pad.teach(3)
    assert len(pad.examples[1]) == 0


@pytest.mark.parametrize("label", [10, -1, "3", 2.0, None])
def test_a_label_that_is_not_a_digit_is_refused(label: object) -> None:
    pad = DrawPad(model="mlp")
    pad.pixels = drawing(3)
    with pytest.raises(ValueError, match="label must be a digit"):
        pad.teach(label)  # type: ignore[arg-type]


def test_a_view_labels_the_drawing_it_shows_and_is_acknowledged() -> None:
    pad = DrawPad(model="mlp")
    send(pad, drawing(5), seq=1)
    view_says(pad, teach=5, seq=1, id=7)
    assert pad._teach_counts[5] == 1
    assert pad._teach_ack == 7
    assert pad._error == ""


def test_a_view_label_for_an_older_drawing_is_refused_in_the_status_line() -> None:
    pad = DrawPad(model="mlp")
    send(pad, drawing(5), seq=2)
    view_says(pad, teach=5, seq=1, id=3)
    assert pad._teach_counts == [0] * 10
    assert pad._teach_ack == 0
    assert "still reading the drawing" in pad._error


def test_a_view_label_on_a_blank_pad_says_to_draw_first() -> None:
    pad = DrawPad(model="mlp")
    view_says(pad, teach=5, seq=0, id=1)
    assert "draw a digit first" in pad._error
    send(pad, drawing(5), seq=1)  # the next update clears it
    assert pad._error == ""


def test_views_cannot_set_what_the_pad_counts() -> None:
    pad = DrawPad(model="mlp")
    pad.set_state({"_teach_counts": [5] * 10, "_learn": {"state": "done"}})
    assert pad._teach_counts == [0] * 10
    assert pad._learn["state"] == "idle"
    assert "the pad sets it" in pad._error


def test_the_teach_mode_is_a_trait_views_switch() -> None:
    pad = DrawPad(model="mlp")
    pad.set_state({"teaching": True})
    assert pad.teaching is True


# -- examples in files -----------------------------------------------------------------


def test_examples_saved_come_back_in_a_new_pad(tmp_path: Path) -> None:
    pad = taught_pad(3)
    path = pad.save_examples(tmp_path / "mine.npz")
    again = DrawPad(model="mlp")
    again.add_examples(*digitwidget.load_examples(path))
    np.testing.assert_array_equal(again.examples[0], pad.examples[0])
    assert again._teach_counts[6] == 3
    from_pair = DrawPad(model="mlp", examples=digitwidget.load_examples(path))
    assert from_pair._teach_counts[6] == 3


def test_a_pad_given_a_file_keeps_every_drawing_taught_in_it(tmp_path: Path) -> None:
    path = tmp_path / "kept.npz"
    pad = DrawPad(model="mlp", examples=path)  # no file yet: it starts empty
    pad.pixels = drawing(2)
    pad.teach(2)
    assert digitwidget.load_examples(path)[1].tolist() == [2]  # on disk at once
    restarted = DrawPad(model="mlp", examples=path)  # as after a kernel restart
    assert restarted._teach_counts[2] == 1


def test_a_bad_examples_file_is_refused_before_the_pad_exists(tmp_path: Path) -> None:
    path = tmp_path / "foreign.npz"
    np.savez(path, x=np.zeros(3))
    with pytest.raises(ValueError, match="not an examples file: it holds x"):
        DrawPad(model="mlp", examples=path)


@pytest.mark.parametrize(
    ("name", "problem"),
    [("digits.pkl", "does not end in .npz"), ("no/such/dir/d.npz", "folder that does not exist")],
)
def test_an_examples_file_the_pad_could_not_write_is_refused_at_once(
    tmp_path: Path, name: str, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        DrawPad(model="mlp", examples=tmp_path / name)


def test_examples_of_another_kind_are_refused() -> None:
    with pytest.raises(TypeError, match="examples must be a file"):
        DrawPad(model="mlp", examples=42)  # type: ignore[arg-type]


# -- learning --------------------------------------------------------------------------


def test_learning_switches_the_pad_to_the_new_model_and_undo_goes_back() -> None:
    pad = taught_pad(6)
    shipped = pad.model
    pad.pixels = drawing(0, seed=0)
    assert pad.prediction == 0
    report = pad.learn(wait=True, epochs=EPOCHS).wait()
    assert pad.model is report.model
    assert pad.model_name == "custom"
    assert pad.prediction == 6  # the drawing is read again with the new model
    assert pad._learn["state"] == "done"
    assert pad._learn["can_undo"] is True
    result = pad._learn["result"]
    assert result["method"] == "3-fold"
    assert result["mine"]["before"] == 0.0
    assert result["mine"]["after"] > result["mine"]["before"]
    assert result["mnist"]["total"] == 1000
    # The error gallery: the drawings read wrong before (all 6), and after, as 28x28 bytes.
    gallery = pad._learn["gallery"]
    assert [entry["when"] for entry in gallery].count("before") == 6
    assert len(pad._learn_images) == 784 * len(gallery)
    pad.undo_learning()
    assert pad.model is shipped
    assert pad.model_name == "mlp"
    assert pad.prediction == 0
    assert pad._learn["can_undo"] is False
    assert [entry["name"] for entry in pad._models] == ["cnn", "mlp"]


def test_learning_again_starts_from_the_first_model_with_every_drawing() -> None:
    pad = taught_pad(3)
    shipped = pad.model
    first = pad.learn(wait=True, epochs=EPOCHS).report
    pad.pixels = drawing(0, seed=9)
    pad.teach(6)
    second = pad.learn(wait=True, epochs=EPOCHS).report
    assert second.examples == 4
    # From the shipped model, not from the first learned one (which it replaces).
    assert not second.model.metadata["provenance"]["tuned_from"].get("fine_tuned_before")
    assert (
        first.model.metadata["provenance"]["tuned_from"]
        == second.model.metadata["provenance"]["tuned_from"]
    )
    assert pad.model is second.model
    pad.undo_learning()
    assert pad.model is first.model
    pad.undo_learning()
    assert pad.model is shipped
    with pytest.raises(RuntimeError, match="no learning to undo"):
        pad.undo_learning()


def test_learning_with_too_few_drawings_is_refused_and_changes_nothing() -> None:
    pad = DrawPad(model="mlp")
    with pytest.raises(ValueError, match="at least 2 taught drawings; the pad has 0"):
        pad.learn()
    assert pad._learn["state"] == "idle"
    view_says(pad, learn=True)
    assert "at least 2 taught drawings" in pad._error


def test_a_model_that_cannot_learn_is_refused() -> None:
    class Scorer:
        def predict_proba(self, x: np.ndarray) -> np.ndarray:
            return np.full(10, 0.1)

    pad = DrawPad(model=Scorer())
    pad.add_examples(np.zeros((3, 28, 28)), [1, 2, 3])
    with pytest.raises(TypeError, match=r"\(Scorer\) cannot learn"):
        pad.learn()


def test_the_pad_reads_drawings_while_it_learns_and_learning_twice_is_refused() -> None:
    pad = taught_pad(6)
    job = pad.learn(epochs=400)
    try:
        with pytest.raises(RuntimeError, match="learning already"):
            pad.learn()
        view_says(pad, learn=True)
        assert "learning already" in pad._error
        send(pad, drawing(7, seed=3), seq=1)  # the kernel's own thread answers meanwhile
        assert pad.prediction == int(np.argmax(pad.model.predict_proba(pad.model_input)))
        assert pad._ack == 1
        assert job.running
    finally:
        view_says(pad, stop_learning=True)
    with pytest.raises(digitwidget.teach.Cancelled):
        job.wait(timeout=60)
    assert pad.model_name == "mlp"  # it kept its model
    assert pad._learn["state"] == "stopped"
    assert "kept its model" in pad._learn["message"]


def test_progress_reaches_the_views_from_the_learning_thread() -> None:
    pad = taught_pad(2)
    states: list[tuple[str, str]] = []
    pad.observe(
        lambda change: states.append((change["new"]["state"], threading.current_thread().name)),
        names="_learn",
    )
    pad.learn(wait=True, epochs=EPOCHS)
    assert states[0][0] == "running"
    assert states[-1][0] == "done"
    assert any(name == "digitwidget-learning" for _, name in states)


def test_a_failure_while_learning_is_shown_and_the_pad_keeps_its_model(mlp, monkeypatch) -> None:
    pad = taught_pad(2)

    def broken(*args: object, **kwargs: object) -> None:
        raise FloatingPointError("the loss became NaN")

    monkeypatch.setattr(type(pad.model), "fine_tune", broken)
    with pytest.raises(FloatingPointError):
        pad.learn(wait=True)
    assert pad.model_name == "mlp"
    assert pad._learn["state"] == "failed"
    assert "the loss became NaN" in pad._learn["message"]


def test_views_ask_to_learn_and_to_undo() -> None:
    pad = taught_pad(3)
    view_says(pad, learn=True)
    pad.learning.wait(timeout=60)
    assert pad.model_name == "custom"
    view_says(pad, undo_learning=True)
    assert pad.model_name == "mlp"
    view_says(pad, undo_learning=True)
    assert "no learning to undo" in pad._error


def test_learning_starts_from_a_custom_model_too() -> None:
    pad = DrawPad(model=constant_model(4))
    pad.pixels = drawing(1)
    pad.teach(1)
    pad.pixels = drawing(1, seed=5)
    pad.teach(1)
    pad.learn(wait=True, epochs=EPOCHS)
    assert pad.model_name == "custom"
    pad.undo_learning()
    assert pad.model_name == "custom"
    assert pad.prediction == 4  # the constant model again


def test_a_running_job_gives_signs_of_life_however_long_an_epoch(monkeypatch) -> None:
    from digitwidget.teach import job as job_module

    monkeypatch.setattr(job_module, "HEARTBEAT", 0.05)
    pad = taught_pad(2)
    release = threading.Event()
    real = type(pad.model).fine_tune

    def one_long_epoch(self, *args, **kwargs):
        release.wait(10)  # an epoch that takes long: no progress meanwhile
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(pad.model), "fine_tune", one_long_epoch)
    job = pad.learn(epochs=2)
    try:
        deadline = time.monotonic() + 10
        while pad._learn.get("beat", 0) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert pad._learn["beat"] >= 3
        assert pad._learn["state"] == "running"
    finally:
        release.set()
    job.wait(timeout=60)
    time.sleep(0.2)  # beats would land here if they outlived the job
    assert pad._learn["state"] == "done"
    assert "beat" not in pad._learn
