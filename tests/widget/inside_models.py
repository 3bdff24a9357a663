"""Small models for the inside view's tests, each worked out by hand in its fixture."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from digitwidget.nn import Conv2D, Dense, Flatten, MaxPooling2D, Model, Reshape

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MAPS = json.loads((FIXTURES / "inside_maps.json").read_text(encoding="utf-8"))


def maps_model(spec: dict[str, Any] = MAPS) -> tuple[Model, np.ndarray]:
    """The convolutional network and image ``tests/fixtures/inside_maps.json`` describes."""
    conv, pool, out = spec["model"]["conv"], spec["model"]["pool"], spec["model"]["output"]
    kernel = np.asarray(conv["kernel"], np.float32).reshape(1, 1, 1, -1)
    filters = kernel.shape[-1]
    side = 28 // pool["size"]
    dense = np.zeros((side * side * filters, out["units"]), np.float32)
    for at, weight in out["kernel"].items():
        row, col = map(int, at.split(","))
        dense[row, col] = weight
    layers = [
        Reshape("channels", (28, 28, 1)),
        Conv2D("conv", kernel, np.zeros(filters, np.float32), conv["activation"]),
        MaxPooling2D("pool", pool["size"]),
        Flatten("flatten"),
        Dense("output", dense, np.zeros(out["units"], np.float32), out["activation"]),
    ]
    image = np.zeros((28, 28), np.float32)
    image.flat[: len(spec["image"])] = spec["image"]
    return Model(layers, input_shape=(28, 28)), image
