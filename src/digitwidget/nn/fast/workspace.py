"""The one place that manages buffers: the forward pass with reused arrays, in row blocks.

Each layer that creates an array writes into a float32 buffer of ``(rows, *its output
shape)`` that is kept and reused on every call (grown on demand, up to ``block_rows``
rows); the last layer writes straight into the caller's output. Layers that do nothing at
inference (``layer.is_identity``: InputLayer, Dropout) are skipped. Batches larger than
``block_rows`` are run block by block, which bounds the buffers' memory. When OpenBLAS splits every product
over its own threads, fewer, larger blocks were faster (each product pays a hand-off).
A block also holds at most ``BLOCK_BYTES`` of buffers and of what the layers make while
they run (a convolution's im2col patches): a dense digit model needs 1.6 KB per image,
so its blocks are thousands of rows; a small CNN needs about 600 KB, so its blocks are
of some fourteen images.

Large batches on several cores are split by rows instead. Left alone, OpenBLAS splits
each product over its threads and joins them again, three times per block, while bias,
ReLU and softmax run on one core between products. Here blocks of at most
``split_rows`` rows are handed out to as many Python threads as OpenBLAS would use
(NumPy releases the GIL inside a matrix product); each thread has its own buffers, runs
single-threaded BLAS and takes its block through every layer while the block is in cache.
A thread that finishes early takes the next block, so a core slowed by other work does
less of it. Measured (``python -m bench.engine``, 2 quiet cores): 10,000 images went
from 0.73-0.74x to 0.94-0.98x ONNX Runtime's throughput.

One sample goes through the layers as plain vectors, ``(784,) -> (128,) -> ...``, with
its own 1-d buffers, when every layer's output is a vector: NumPy then calls the BLAS
matrix-vector product directly. A leading reshape (``layer.only_reshapes``: Flatten)
is then just ``reshape(-1)`` of the sample. Measured (bench/engine.py, 2 loaded cores):
one image took 0.96x ORT's time this way against 1.26x through the (1, n) batch buffers.

The layers run are the model's as :mod:`~digitwidget.nn.fast.fusion` rewrites them
(BatchNormalization folded, activations after max-pooling). When convolutions come before
a dense head, they run as one :class:`~digitwidget.nn.fast.body.Body` step in blocks of
their own (some fourteen images), inside the head's blocks (hundreds), so the head's large
kernels are read once per block of hundreds.

Only ``layer(x, out=...)`` runs here: the gradient machinery (``forward``/``backward``)
is never touched by ``predict_proba``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np

from digitwidget.nn.fast.blas import OPENBLAS, BlasThreads
from digitwidget.nn.fast.body import Body, Plan
from digitwidget.nn.fast.fusion import for_inference
from digitwidget.nn.fast.threads import share_out
from digitwidget.nn.layers import Layer

BLOCK_ROWS = 16_384
BLOCK_BYTES = 8 << 20
"""Most bytes of buffers and layer temporaries one block (one thread's) may hold.

Small enough for a block to stay in cache from layer to layer: the small CNN's second
convolution (a product of 196 rows per image by 288 by 64) ran at 97 GFLOP/s on blocks
of 16 images and 79 on blocks of 75; 10,000 images took 0.79-0.98 s with 8 MiB blocks
(18 images) against 0.90-0.93 s with 32 MiB (75 images). With that convolution run as
Winograd's (14 images a block), 10,000 images on 2 threads: 3, 4, 6, 8 and 12 MiB gave
13,600-13,800, 15,900-16,200, 16,000-16,500, 16,600-17,200 and 15,500-15,900 images a
second. A dense digit model's blocks (1.6 KB per image) are limited by the row counts
first."""
SPLIT_MIN_ROWS = 4096
"""Smallest batch split over threads.

Against OpenBLAS's own threads, each run after a pause (2 cores): 2,048 rows 0.64x,
3,072 1.11x, 4,096 1.13x, 10,000 1.22x. After a pause the OS may wake the worker on
the caller's core, and a short batch is over before the two are moved apart.
"""
ALONE_ROWS = 16
"""Batches of at most this many rows (the pad's one image) run with single-threaded BLAS.

A convolution's products are large enough for OpenBLAS to split them over its threads,
which wait for a free core: beside a browser and a notebook server on 2 cores, the pad's
kernel took 8.1 / 26 ms (p50 / p95) per drawing update with the small CNN, and the
pointer-lift-to-answer latency was 44 / 74 ms; with one BLAS thread, 2.3 / 7.4 ms and
11 / 20 ms (``bench.latency``). On an idle machine one image takes 232 µs instead of
205 µs. The dense digit model's products of one image run on one thread anyway.
"""
SPLIT_BLOCK_ROWS = 1024
"""Most rows per block in a split batch: a block's activations (1.5 MB) stay in cache.

One core, 10,240 images in blocks of 256 to 2,048 rows: 768 to 1,536 were fastest.
"""
_MAX_CACHED_SIZES = 16


class Workspace:
    """Reusable per-layer output buffers and the blocked forward pass.

    Args:
        layers: The model's layers.
        shapes: Each layer's output shape (without batch axis).
        block_rows: Most samples per block.
        blas: The BLAS thread control; None runs every batch on this thread alone.
        split_rows: Most samples per block when a batch is split over threads.
        input_shape: One sample's input shape: with it, blocks are kept within
            ``BLOCK_BYTES`` (convolutions make large temporaries from their input).
        split_body: Run layers with temporaries (convolutions) before a dense head as
            one :class:`~digitwidget.nn.fast.body.Body` step, in blocks of their own.
    """

    def __init__(
        self,
        layers: list[Layer],
        shapes: list[tuple[int, ...]],
        block_rows: int = BLOCK_ROWS,
        blas: BlasThreads | None = OPENBLAS,
        split_rows: int = SPLIT_BLOCK_ROWS,
        input_shape: tuple[int, ...] | None = None,
        split_body: bool = True,
    ) -> None:
        steps = [
            (layer, shape)
            for layer, shape in zip(layers, shapes, strict=True)
            if not layer.is_identity
        ]
        run, run_shapes = for_inference([layer for layer, _ in steps], [s for _, s in steps])
        inputs = [input_shape, *run_shapes][: len(run)]
        head = _head_start(run, inputs) if split_body else 0
        self._body: Workspace | None = None
        if head:
            self._body = body = Workspace(
                run[:head], run_shapes[:head], blas=None, input_shape=input_shape, split_body=False
            )
            run = [Body(body, run_shapes[head - 1]), *run[head:]]
            run_shapes = run_shapes[head - 1 :]
            inputs = [input_shape, *run_shapes][: len(run)]
        rows = _rows_within(BLOCK_BYTES, run, inputs, run_shapes)
        block_rows, split_rows = min(block_rows, rows), min(split_rows, rows)
        self.layers = run or [Layer("identity")]
        self.shapes = run_shapes
        self.block_rows = block_rows
        self.blas = blas
        self.split_rows = split_rows
        self._capacity = 0
        self._buffers: list[np.ndarray | None] = []
        self._plans: dict[int, Plan] = {}
        *self._hidden, self._last = self.layers
        self._vector_plan = None if head else self._plan_for_one_sample()  # a body needs rows
        self._model = (layers, shapes, input_shape)
        self._lanes = [self]  # one workspace per thread of a split batch; this one first

    @property
    def layers_run(self) -> list[Layer]:
        """Every layer ``run`` calls, in order, a body's own layers in its place."""
        if self._body is None:
            return self.layers
        return [*self._body.layers_run, *self.layers[1:]]

    def _plan_for_one_sample(self) -> Plan | None:
        """``(layer, 1-d buffer)`` pairs for one sample, or None when a layer needs the batch axis."""
        vectors = all(len(shape) == 1 for shape in self.shapes)
        # Only a leading reshape (done by flattening the sample); every other layer keeps
        # the number of axes, so the sample is then a vector from the start.
        if not vectors or any(layer.only_reshapes for layer in self.layers[1:]):
            return None
        return [
            (layer, np.empty(shape, np.float32) if layer.makes_array else None)
            for layer, shape in zip(self._hidden, self.shapes, strict=False)
            if not layer.only_reshapes
        ]

    def plan(self, rows: int) -> Plan:
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

    def run(
        self,
        x: np.ndarray,
        out: np.ndarray,
        reuse_buffers: bool = True,
        check: Callable[[np.ndarray], None] | None = None,
    ) -> None:
        """Forward ``x`` ``(batch, ...)`` into ``out`` ``(batch, classes)``, block by block.

        ``check`` (e.g. the input's range check) is called on ``x`` before it is used; a
        split batch calls it on each block, in the thread about to read the block.
        """
        if len(x) == 1 and reuse_buffers and self._vector_plan is not None:
            if check is not None:
                check(x)
            self.forward(x.reshape(-1), self._vector_plan, out[0])
            return
        blas = self.blas if reuse_buffers and len(x) >= SPLIT_MIN_ROWS else None
        threads = blas.count() if blas is not None else 1
        if blas is not None and threads > 1:
            self._run_split(x, out, blas, threads, check)
            return
        if check is not None:
            check(x)
        if len(x) <= ALONE_ROWS and self.blas is not None:
            with self.blas.single():
                self.forward(x, self.plan(len(x)) if reuse_buffers else self.unbuffered(), out)
            return
        if len(x) <= self.block_rows and reuse_buffers:
            self.forward(x, self.plan(len(x)), out)
            return
        for start in range(0, len(x), self.block_rows):
            block = x[start : start + self.block_rows]
            plan = self.plan(len(block)) if reuse_buffers else self.unbuffered()
            self.forward(block, plan, out[start : start + self.block_rows])

    def unbuffered(self) -> Plan:
        """The plan that makes new arrays (for a call while another uses the buffers)."""
        return [(layer, None) for layer in self._hidden]

    def _run_split(
        self,
        x: np.ndarray,
        out: np.ndarray,
        blas: BlasThreads,
        threads: int,
        check: Callable[[np.ndarray], None] | None,
    ) -> None:
        """Forward blocks of rows on ``threads`` threads, each with its own workspace."""
        # Equal blocks (to a row), as many for every thread: none waits for a lone last one.
        blocks = -(-len(x) // self.split_rows)
        blocks = min(-(-blocks // threads) * threads, len(x))
        bounds = [len(x) * i // blocks for i in range(blocks + 1)]

        def forward_block(lane: Workspace, rows: slice) -> None:
            block = x[rows]
            if check is not None:
                check(block)
            lane.forward(block, lane.plan(len(block)), out[rows])

        tasks = [slice(start, stop) for start, stop in itertools.pairwise(bounds)]
        try:
            with blas.single():
                share_out(tasks, self._lanes_for(threads), forward_block)
        except ValueError:
            if check is not None:
                check(x)  # the error about the whole batch rather than one block
            raise

    def _lanes_for(self, count: int) -> list[Workspace]:
        while len(self._lanes) < count:
            layers, shapes, input_shape = self._model
            lane = Workspace(layers, shapes, self.split_rows, None, input_shape=input_shape)
            self._lanes.append(lane)
        return self._lanes[:count]

    def forward(self, x: np.ndarray, plan: Plan, out: np.ndarray) -> None:
        """``x = layer(x)`` for every layer, each writing into its buffer, the last into ``out``."""
        for layer, buffer in plan:
            x = layer(x, out=buffer)
        x = self._last(x, out=out)
        if x is not out:
            np.copyto(out, x.reshape(out.shape))


def _head_start(layers: list[Layer], inputs: list[tuple[int, ...] | None]) -> int:
    """Where the dense head starts (the trailing layers that read vectors) when the layers
    before it make temporaries (convolutions); else 0: the layers run as one."""
    start = len(layers)
    while start > 0 and inputs[start - 1] is not None and len(inputs[start - 1] or ()) == 1:
        start -= 1
    body = zip(layers[:start], inputs[:start], strict=True)
    if start == len(layers) or not any(s and layer.temporary_numbers(s) for layer, s in body):
        return 0
    return start


def _rows_within(
    budget: int,
    layers: list[Layer],
    inputs: list[tuple[int, ...] | None],
    outputs: list[tuple[int, ...]],
) -> int:
    """How many samples fit in ``budget`` bytes of buffers and layer temporaries (float32)."""
    buffers = sum(
        math.prod(shape)
        for layer, shape in zip(layers, outputs, strict=True)
        if layer.makes_array and not layer.is_identity
    )
    temporaries = max(
        (
            layer.temporary_numbers(shape)
            for layer, shape in zip(layers, inputs, strict=True)
            if shape is not None
        ),
        default=0,
    )
    return max(1, budget // (4 * max(1, buffers + temporaries)))
