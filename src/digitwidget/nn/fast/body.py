"""A network's convolutional body as one step: run in small blocks inside a block of the head.

A convolution's temporaries (im2col patches, Winograd's tiles) are large, so a small
CNN's blocks hold some fourteen images (``workspace.BLOCK_BYTES``); the dense head after it
would then multiply 14 rows at a time by a kernel of 3136 x 128 (1.6 MB), reading the
whole kernel again for every 14 images. Run as this step, the body goes through its own small blocks and writes each into
its rows of the head's input, and the head runs once on hundreds of rows. One core, the
small CNN's first Dense: 20.6 µs per image in blocks of 16, 9.2 µs in blocks of 128.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from digitwidget.nn.layers import Layer, Shape

Plan = list[tuple[Layer, np.ndarray | None]]
"""``(layer, buffer)`` pairs: each layer in order with the array it writes (None: its own)."""


class Runs(Protocol):
    """What the body needs of the workspace that holds its layers."""

    block_rows: int
    layers: list[Layer]

    def forward(self, x: np.ndarray, plan: Plan, out: np.ndarray) -> None: ...
    def plan(self, rows: int) -> Plan: ...
    def unbuffered(self) -> Plan: ...


class Body(Layer):
    """The layers of ``workspace`` as one step, ``workspace.block_rows`` samples at a time.

    Called with ``out`` (by the workspace that owns this step), the body reuses its
    workspace's buffers; called without (a concurrent call), it makes new arrays.
    """

    def __init__(self, workspace: Runs, output_shape: Shape) -> None:
        super().__init__("body")
        self.workspace = workspace
        self.output_shape = output_shape

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        owned = out is not None
        if out is None:
            out = np.empty((len(x), *self.output_shape), np.float32)
        rows = self.workspace.block_rows
        for start in range(0, len(x), rows):
            block = x[start : start + rows]
            plan = self.workspace.plan(len(block)) if owned else self.workspace.unbuffered()
            self.workspace.forward(block, plan, out[start : start + rows])
        return out
