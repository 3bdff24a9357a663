"""The one place that manages buffers: the forward pass over row blocks with reused arrays.

Each layer that creates an array gets one preallocated float32 buffer of
``(BLOCK_ROWS, *its output shape)``, reused on every call; the last layer writes straight
into the caller's output. Large batches are cut into blocks of ``BLOCK_ROWS`` samples so
the intermediate activations stay in the CPU cache (``python -m bench.engine --blocks``
measures the choice).
"""

from __future__ import annotations

import numpy as np

from digitwidget.nn.layers import Layer

BLOCK_ROWS = 256
_MAX_CACHED_SIZES = 16


class Workspace:
    """Reusable per-layer output buffers and the blocked forward pass.

    Args:
        layers: The model's layers.
        shapes: Each layer's output shape (without batch axis).
        block_rows: Samples per block.
    """

    def __init__(
        self, layers: list[Layer], shapes: list[tuple[int, ...]], block_rows: int = BLOCK_ROWS
    ) -> None:
        self.layers = layers
        self.block_rows = block_rows
        self._buffers = [
            np.empty((block_rows, *shape), np.float32) if layer.makes_array else None
            for layer, shape in zip(layers, shapes, strict=True)
        ]
        self._views: dict[int, list[np.ndarray | None]] = {}
        *self._hidden, self._last = layers or [Layer("identity")]

    def buffers(self, rows: int) -> list[np.ndarray | None]:
        """Views of the first ``rows`` rows of every buffer (cached per block size)."""
        views = self._views.get(rows)
        if views is None:
            views = [None if b is None else b[:rows] for b in self._buffers]
            if len(self._views) < _MAX_CACHED_SIZES:
                self._views[rows] = views
        return views

    def run(self, x: np.ndarray, out: np.ndarray, reuse_buffers: bool = True) -> None:
        """Forward ``x`` ``(batch, ...)`` into ``out`` ``(batch, classes)``, block by block."""
        if len(x) <= self.block_rows and reuse_buffers:
            self.forward(x, self.buffers(len(x)), out)
            return
        for start in range(0, len(x), self.block_rows):
            block = x[start : start + self.block_rows]
            buffers = self.buffers(len(block)) if reuse_buffers else [None] * len(self.layers)
            self.forward(block, buffers, out[start : start + self.block_rows])

    def forward(self, x: np.ndarray, buffers: list[np.ndarray | None], out: np.ndarray) -> None:
        """``x = layer(x)`` for every layer, each writing into its buffer, the last into ``out``."""
        for layer, buffer in zip(self._hidden, buffers, strict=False):
            x = layer(x, out=buffer)
        x = self._last(x, out=out)
        if x is not out:
            np.copyto(out, x.reshape(out.shape))
