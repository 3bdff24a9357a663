"""The pad's models: the shipped ones by name, a file, any object with ``predict_proba``;
and what the pad's model picker lists.

A shipped model is loaded once per process, when a pad first needs it, and shared by
every pad. A file is loaded when it is given, so a missing or damaged one is refused at
once, by :func:`digitwidget.load_model`'s ``FileNotFoundError`` or ``ModelFileError``.

Example:
    >>> resolve("mlp").name, resolve(None).name
    ('mlp', 'cnn')
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import TypeAlias

from digitwidget.nn.loading import DEFAULT, SHIPPED
from digitwidget.widget.checks import Classifier, check_model

ModelSpec: TypeAlias = "Classifier | str | os.PathLike[str] | None"
"""What ``DrawPad(model=...)`` and ``pad.model = ...`` take."""
CUSTOM = "custom"
"""``DrawPad.model_name`` for a model from a file or an object the user gave."""


@functools.cache
def shipped(name: str) -> Classifier:
    """The shipped model ``name``, loaded on first use and shared by every pad."""
    from digitwidget.nn import load_model

    return load_model(name)


@dataclass(frozen=True)
class Choice:
    """A model the pad can use, by the name its picker shows.

    Attributes:
        name: a shipped model's name (a key of ``SHIPPED``) or ``"custom"``.
        title: what the picker's tooltip says of it: the shipped model's description,
            the custom model's file or name.
        given: the custom model; None for a shipped one, loaded when first needed.
    """

    name: str
    title: str
    given: Classifier | None = None

    @property
    def model(self) -> Classifier:
        return self.given if self.given is not None else shipped(self.name)


def resolve(spec: object) -> Choice:
    """What ``DrawPad(model=spec)`` uses: None (the default), a shipped model's name, a
    ``.keras`` or ``.npz`` file (str or os.PathLike), or an object with ``predict_proba``.

    Raises:
        FileNotFoundError: ``spec`` is neither a shipped name nor an existing file.
        ModelFileError: the file is not a model the engine can run.
        TypeError: ``spec`` cannot score a drawing (the message says how to make it one).
    """
    if spec is None:
        spec = DEFAULT
    if isinstance(spec, str) and spec in SHIPPED:
        return Choice(spec, SHIPPED[spec])
    if isinstance(spec, str | os.PathLike):
        from digitwidget.nn import load_model

        return Choice(CUSTOM, os.fspath(spec), load_model(spec))
    check_model(spec)
    model: Classifier = spec  # type: ignore[assignment]  # checked: it has predict_proba
    name = getattr(model, "name", None)
    return Choice(CUSTOM, name if isinstance(name, str) and name else type(model).__name__, model)


class Held:
    """A pad's models: the one in use, and the last custom one (its picker offers it still
    when a shipped model is in use, to switch back).

    Args:
        choice: the model to start with.
    """

    def __init__(self, choice: Choice) -> None:
        self.current = choice
        self.custom = choice if choice.name == CUSTOM else None

    def settle(self) -> None:
        """The model in use has read the drawing: a custom one joins the picker."""
        if self.current.name == CUSTOM:
            self.custom = self.current

    def find(self, name: str) -> Choice:
        """The model a picker entry names: a shipped one, or the custom one."""
        return self.custom if name == CUSTOM and self.custom is not None else resolve(name)

    def menu(self) -> list[dict[str, str]]:
        """The picker's entries, ``{"name", "label", "title"}`` each: the shipped models,
        then the custom one if there is one."""
        entries = [
            {"name": name, "label": name.upper(), "title": text} for name, text in SHIPPED.items()
        ]
        if self.custom is not None:
            entries.append({"name": CUSTOM, "label": "Custom", "title": self.custom.title})
        return entries
