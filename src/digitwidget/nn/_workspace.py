"""The one place that manages buffers: the forward pass with reused arrays, in row blocks.

Each layer that creates an array writes into a float32 buffer of ``(rows, *its output
shape)`` that is kept and reused on every call (grown on demand, up to ``block_rows``
rows); the last layer writes straight into the caller's output. Layers that do nothing at
inference (InputLayer, Dropout) are skipped. Batches larger than ``block_rows`` are run
block by block, which bounds the buffers' memory.

Block size, measured with ``python -m bench.engine --blocks`` on 2 shared CPU cores:
every BLAS call pays a thread hand-off, so fewer, larger blocks were always faster
(10,000 images: 4k images/s with 256-row blocks, 36-75k with 10,000-row blocks); the
intermediate activations of even 16,384 rows (26 MB) fit in the 32 MB L3 cache.

One sample goes through the layers as plain vectors, ``(784,) -> (128,) -> ...``, with
its own 1-d buffers, when every layer's output is a vector (no Flatten): NumPy then calls
the BLAS matrix-vector product directly. Measured (bench/engine.py, 2 loaded cores): one
image took 0.96x ORT's time this way against 1.26x through the (1, n) batch buffers.
"""

from __future__ import annotations

import numpy as np

from digitwidget.nn.layers import Flatten, Layer

BLOCK_ROWS = 16_384
_MAX_CACHED_SIZES = 16


class Workspace:
    """Reusable per-layer output buffers and the blocked forward pass.

    Args:
        layers: The model's layers.
        shapes: Each layer's output shape (without batch axis).
        block_rows: Most samples per block.
    """

    def __init__(
        self, layers: list[Layer], shapes: list[tuple[int, ...]], block_rows: int = BLOCK_ROWS
    ) -> None:
        steps = [
            (layer, shape)
            for layer, shape in zip(layers, shapes, strict=True)
            if not layer.is_identity
        ]
        self.layers = [layer for layer, _ in steps] or [Layer("identity")]
        self.shapes = [shape for _, shape in steps]
        self.block_rows = block_rows
        self._capacity = 0
        self._buffers: list[np.ndarray | None] = []
        self._plans: dict[int, list[tuple[Layer, np.ndarray | None]]] = {}
        *self._hidden, self._last = self.layers
        self._vector_plan = self._plan_for_one_sample()

    def _plan_for_one_sample(self) -> list[tuple[Layer, np.ndarray | None]] | None:
        """``(layer, 1-d buffer)`` pairs for one sample, or None when a layer needs the batch axis."""
        if any(len(shape) != 1 for shape in self.shapes) or any(
            isinstance(layer, Flatten) for layer in self.layers
        ):
            return None
        return [
            (layer, np.empty(shape, np.float32) if layer.makes_array else None)
            for layer, shape in zip(self._hidden, self.shapes, strict=False)
        ]

    def plan(self, rows: int) -> list[tuple[Layer, np.ndarray | None]]:
        """``(layer, buffer)`` pairs for a block of ``rows`` samples (cached per block size)."""
        plan = self._plans.get(rows)
        if plan is None:
            if rows > self._capacity:
                self._allocate(rows)
            views = [None if b is None else b[:rows] for b in self._buffers]
            plan = list(zip(self._hidden, views, strict=True))
            if len(self._plans) < _MAX_CACHED_SIZES:
                self._plans[rows] = plan
        return plan

    def _allocate(self, rows: int) -> None:
        self._capacity = rows
        self._buffers = [
            np.empty((rows, *shape), np.float32) if layer.makes_array else None
            for layer, shape in zip(self._hidden, self.shapes, strict=False)
        ]
        self._plans.clear()

    def run(self, x: np.ndarray, out: np.ndarray, reuse_buffers: bool = True) -> None:
        """Forward ``x`` ``(batch, ...)`` into ``out`` ``(batch, classes)``, block by block."""
        if len(x) == 1 and reuse_buffers and self._vector_plan is not None:
            self.forward(x[0], self._vector_plan, out[0])
            return
        if len(x) <= self.block_rows and reuse_buffers:
            self.forward(x, self.plan(len(x)), out)
            return
        for start in range(0, len(x), self.block_rows):
            block = x[start : start + self.block_rows]
            plan = (
                self.plan(len(block))
                if reuse_buffers
                else [(layer, None) for layer in self._hidden]
            )
            self.forward(block, plan, out[start : start + self.block_rows])

    def forward(
        self, x: np.ndarray, plan: list[tuple[Layer, np.ndarray | None]], out: np.ndarray
    ) -> None:
        """``x = layer(x)`` for every layer, each writing into its buffer, the last into ``out``."""
        for layer, buffer in plan:
            x = layer(x, out=buffer)
        x = self._last(x, out=out)
        if x is not out:
            np.copyto(out, x.reshape(out.shape))
