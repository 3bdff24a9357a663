"""Python against the fixtures the front end's tests read too (tests/fixtures/).

The Colab wire and the inside-view message are written on one side and read on the
other; both sides' tests read the same files, so neither can drift alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from digitwidget.nn import Dense, Flatten, Model
from digitwidget.widget import inside, wire

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


WIRE = fixture("colab_wire.json")
INSIDE = fixture("inside_message.json")


@pytest.mark.parametrize("case", WIRE["cases"], ids=lambda case: f"{len(case['raw_hex']) // 2}B")
def test_the_wire_unpacks_what_python_and_the_front_end_pack(case: dict) -> None:
    raw = bytes.fromhex(case["raw_hex"])
    made_by = ["python", "front end", "plain base64"]
    for packed, maker in zip(case["packed"], made_by, strict=True):
        assert wire.unpack(packed) == raw, maker
    assert wire.pack(raw)["encoding"] == "zlib"
    assert wire.unpack(wire.pack(raw)) == raw


@pytest.mark.parametrize(
    "case", WIRE["refused"], ids=lambda case: case["packed"]["data"] or "empty"
)
def test_the_wire_refuses_what_the_front_end_refuses(case: dict) -> None:
    with pytest.raises(ValueError, match=case["python_error"]):
        wire.unpack(case["packed"])


def hand_made_model() -> tuple[Model, np.ndarray]:
    """The network and image the fixture describes (its "about" works them out by hand)."""
    spec = INSIDE["model"]
    kernel = np.zeros((784, spec["hidden"]["units"]), np.float32)
    for row, col in spec["hidden"]["kernel_ones"]:
        kernel[row, col] = 1
    out = np.zeros((spec["hidden"]["units"], spec["output"]["units"]), np.float32)
    for at, weight in spec["output"]["kernel"].items():
        row, col = map(int, at.split(","))
        out[row, col] = weight
    layers = [
        Flatten("flatten"),
        Dense("hidden", kernel, np.zeros(kernel.shape[1], np.float32), "relu"),
        Dense("output", out, np.zeros(out.shape[1], np.float32), "softmax"),
    ]
    image = np.zeros((28, 28), np.float32)
    image.flat[: len(INSIDE["image"])] = INSIDE["image"]
    return Model(layers, input_shape=(28, 28)), image


def test_the_inside_message_is_the_one_the_front_end_decodes() -> None:
    model, image = hand_made_model()
    assert int(np.argmax(model.predict_proba(image))) == 3
    assert inside.pack(model, image).hex() == INSIDE["message_hex"]
