"""DrawPad's own trait types: the drawing's pixel buffer and the read-only answer."""

from __future__ import annotations

from typing import Any

import traitlets


def pixel_bytes(value: Any, size: int) -> bytes:
    """A drawing sent by a view as ``size * size`` bytes; a TraitError says what was wrong."""
    expected = size * size
    if isinstance(value, bytes | bytearray | memoryview):
        data = value if isinstance(value, bytes) else bytes(value)
        if len(data) == expected:
            return data
        received = f"{len(data)} bytes"
    else:
        received = f"a value of type {type(value).__name__}"
    msg = (
        f"DrawPad ignored a drawing update: expected {expected} bytes ({size} x {size} uint8 "
        f"pixels), received {received}. The previous drawing is kept."
    )
    raise traitlets.TraitError(msg)


class PixelBuffer(traitlets.TraitType):
    """The drawing: ``size * size`` uint8 bytes, row-major, 0 = background.

    The front end's binary state arrives as ``memoryview``; it is converted to ``bytes``.
    """

    info_text = "size * size bytes"
    default_value = b""

    def validate(self, obj: Any, value: Any) -> bytes:
        return pixel_bytes(value, obj.size)


ANSWERS = {
    "prediction": "prediction",
    "probabilities": "probabilities",
    "_model_input": "model_input",
}
"""The traits that hold the model's answer, and the names users know them by."""


def answer_message(name: str) -> str:
    return (
        f"pad.{ANSWERS.get(name, name)} is the model's answer to the drawing, so it cannot be "
        "set. Change the drawing instead: draw on the pad, assign pad.pixels = image, or call "
        "pad.clear(); or give the pad another model: pad.model = ..."
    )


class Answer(traitlets.TraitType):
    """A trait holding the model's answer: the pad sets it (``set_trait``), users cannot."""

    def __set__(self, obj: Any, value: Any) -> None:
        raise traitlets.TraitError(answer_message(str(self.name)))


class AnswerInt(Answer, traitlets.Int):
    pass


class AnswerList(Answer, traitlets.List):
    pass


class AnswerBytes(Answer, traitlets.Bytes):
    pass


class ShownModel(traitlets.Unicode):
    """``model_name``: which model reads the drawing. The pad sets it (``set_trait``) when
    its model changes; users switch models through ``pad.model``."""

    def __set__(self, obj: Any, value: Any) -> None:
        msg = (
            "pad.model_name says which model reads the drawing, so it cannot be set. Switch "
            'models with pad.model = "mlp" (a shipped model\'s name, a file or a model). '
            f"Received: model_name={value!r:.60}."
        )
        raise traitlets.TraitError(msg)
