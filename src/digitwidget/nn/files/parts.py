"""What a model file holds, before it becomes a Model: the readers return this."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from digitwidget.nn.layers import Layer


@dataclass
class ModelParts:
    """The layers (built and weighted), one sample's input shape, metadata and name."""

    layers: list[Layer]
    input_shape: tuple[int, ...]
    metadata: dict[str, Any] = field(default_factory=dict)
    name: str = "model"
