"""The teach mode over the Colab wire: labels and requests travel as custom messages in a
call, and what the learning thread changes reaches the page with the next call (a poll)."""

from __future__ import annotations

import numpy as np

from digitwidget.widget import DrawPad
from tests.e2e import colab_fake
from tests.widget.test_colab import draw_request, drawing, fake, shown, unpacked

__all__ = ["fake"]


def test_labels_learning_and_undo_travel_over_the_colab_wire(fake: colab_fake.FakeOutput) -> None:
    pad = DrawPad(model="mlp", backend="colab")
    name = shown(pad, fake)
    answer = fake.invoke(name, {"since": 0, "state": {"teaching": True}})
    since = answer["version"]
    for seq, seed in enumerate(range(4), start=1):
        answer = fake.invoke(name, draw_request(drawing(0, seed=seed), seq=seq, since=since))
        since = answer["version"]
        answer = fake.invoke(
            name, {"since": since, "custom": [{"teach": 6, "seq": seq, "id": seq}]}
        )
        since = answer["version"]
        assert answer["state"]["_teach_ack"] == seq
    assert answer["state"]["_teach_counts"][6] == 4

    answer = fake.invoke(name, {"since": since, "custom": [{"learn": True}]})
    since = answer["version"]
    assert answer["state"]["_learn"]["state"] == "running"
    pad.learning.wait(timeout=120)  # meanwhile the page polls; here, one poll after
    answer = fake.invoke(name, {"since": since})
    assert answer["state"]["_learn"]["state"] == "done"
    assert answer["state"]["model_name"] == "custom"
    gallery = answer["state"]["_learn"]["gallery"]
    assert len(unpacked(answer["buffers"]["_learn_images"])) == 784 * len(gallery)
    since = answer["version"]

    answer = fake.invoke(name, {"since": since, "custom": [{"undo_learning": True}]})
    assert answer["state"]["model_name"] == "mlp"
    assert answer["state"]["_learn"]["can_undo"] is False


def test_a_view_cannot_set_the_counts_over_the_colab_wire(fake: colab_fake.FakeOutput) -> None:
    pad = DrawPad(model="mlp", backend="colab")
    name = shown(pad, fake)
    answer = fake.invoke(name, {"since": 0, "state": {"_teach_counts": [9] * 10}})
    assert answer["state"]["_teach_counts"] == [0] * 10  # the pad's own values, sent back
    assert "the pad sets it" in answer["state"]["_error"]
    assert np.sum(pad._teach_counts) == 0
