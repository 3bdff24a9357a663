"""A CNN's convolutional body runs in small blocks inside the large blocks of its dense head."""

from __future__ import annotations

import threading

import numpy as np

from digitwidget.nn import load_model
from digitwidget.nn.fast.body import Body
from digitwidget.nn.fast.workspace import BLOCK_BYTES, Workspace


def _images(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((count, 28, 28, 1), np.float32)


def _workspaces() -> tuple[Workspace, Workspace]:
    model = load_model("cnn")
    make = {"layers": model.layers, "shapes": model.shapes, "input_shape": model.input_shape}
    return Workspace(**make, blas=None), Workspace(**make, blas=None, split_body=False)


def test_the_cnn_runs_as_a_body_then_its_dense_head():
    split, _ = _workspaces()
    body, *head = split.layers
    assert isinstance(body, Body)
    assert [type(layer).__name__ for layer in head] == ["Dense", "Dense"]
    assert body.output_shape == (3136,)
    # The body's blocks are bounded by its im2col temporaries; the head's are far larger.
    assert 1 <= body.workspace.block_rows <= 64
    assert split.block_rows >= 8 * body.workspace.block_rows
    per_row = 4 * (3136 + 128 + 10)
    assert split.block_rows * per_row <= BLOCK_BYTES


def test_body_and_head_compute_what_one_pass_computes():
    split, whole = _workspaces()
    for count in (1, 3, 17, 40, 1000):  # within, at and across block edges
        x = _images(count, seed=count)
        a, b = np.empty((count, 10), np.float32), np.empty((count, 10), np.float32)
        split.run(x, a)
        whole.run(x, b)
        np.testing.assert_allclose(a, b, atol=1e-6, err_msg=str(count))


def test_a_concurrent_call_makes_its_own_arrays_and_gets_the_same_answer():
    split, whole = _workspaces()
    x = _images(200, seed=5)
    expected = np.empty((200, 10), np.float32)
    whole.run(x, expected)
    results: list[np.ndarray] = []

    def call() -> None:
        out = np.empty((200, 10), np.float32)
        split.run(x, out, reuse_buffers=False)
        results.append(out)

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    owned = np.empty((200, 10), np.float32)
    split.run(x, owned)  # the owner, with its buffers, at the same time
    for thread in threads:
        thread.join()
    assert len(results) == 4
    for out in [owned, *results]:
        np.testing.assert_allclose(out, expected, atol=1e-6)


def test_a_dense_model_has_no_body():
    model = load_model("mlp")
    workspace = Workspace(model.layers, model.shapes, input_shape=model.input_shape)
    assert not any(isinstance(layer, Body) for layer in workspace.layers)
    assert workspace.layers_run == workspace.layers
