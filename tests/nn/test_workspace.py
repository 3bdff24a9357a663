"""The workspace's machinery: BLAS thread control, the worker pool, and split batches."""

from __future__ import annotations

import ctypes.util
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from digitwidget.nn import Dense, Flatten, InputLayer, Model
from digitwidget.nn.fast import blas as _blas
from digitwidget.nn.fast import threads as _threads
from digitwidget.nn.fast import workspace as _workspace
from digitwidget.nn.fast.blas import OPENBLAS, BlasThreads
from digitwidget.nn.fast.workspace import SPLIT_BLOCK_ROWS, SPLIT_MIN_ROWS, Workspace


class FakeBlas:
    """A stand-in BLAS thread setting that records every change."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self.history: list[int] = []

    def get(self) -> int:
        return self.threads

    def set(self, threads: int) -> None:
        self.threads = threads
        self.history.append(threads)


def _model(seed: int = 0) -> Model:
    rng = np.random.default_rng(seed)
    sizes, acts = [784, 128, 256, 10], ["relu", "relu", "softmax"]
    layers = [
        Dense(f"dense_{i}", rng.normal(0, 0.05, (a, b)), rng.normal(0, 0.1, b), act)
        for i, (a, b, act) in enumerate(zip(sizes, sizes[1:], acts, strict=False))
    ]
    return Model([InputLayer("image", (28, 28)), Flatten("flatten"), *layers])


def test_single_sets_one_thread_and_restores_the_previous_count():
    fake = FakeBlas(4)
    blas = BlasThreads(fake.get, fake.set)
    with blas.single():
        assert fake.threads == 1
        assert blas.count() == 4
    assert fake.threads == 4
    assert fake.history == [1, 4]


def test_single_restores_the_count_when_an_exception_leaves():
    fake = FakeBlas(3)
    blas = BlasThreads(fake.get, fake.set)
    with pytest.raises(RuntimeError), blas.single():
        raise RuntimeError
    assert fake.threads == 3


def test_overlapping_users_restore_the_count_once_the_last_one_leaves():
    fake = FakeBlas(2)
    blas = BlasThreads(fake.get, fake.set)
    first, second = blas.single(), blas.single()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert fake.threads == 1  # the second user still runs single-threaded
    second.__exit__(None, None, None)
    assert fake.threads == 2
    assert fake.history == [1, 2]


def test_no_openblas_to_be_found_means_no_thread_control(monkeypatch):
    libc = ctypes.util.find_library("c") or "libc.so.6"
    monkeypatch.setattr(_blas, "_candidate_paths", lambda: ["/no/such/libopenblas.so", libc])
    assert _blas.find_openblas() is None


@pytest.mark.skipif(OPENBLAS is None, reason="NumPy's BLAS here is not a findable OpenBLAS")
def test_numpy_openblas_runs_single_threaded_inside_and_gets_its_count_back():
    before = OPENBLAS.count()
    with OPENBLAS.single():
        assert int(OPENBLAS._get()) == 1
        a = np.ones((64, 64), np.float32)
        np.testing.assert_array_equal(a @ a, np.full((64, 64), 64, np.float32))
    assert OPENBLAS.count() == before


def test_share_out_does_every_task_once():
    done, lock = [], threading.Lock()

    def do(worker: str, task: int) -> None:
        with lock:
            done.append(task)

    _threads.share_out(range(50), ["here", "pool"], do)
    assert sorted(done) == list(range(50))


def test_share_out_raises_a_tasks_error_and_starts_no_more_tasks():
    done = []

    def do(worker: str, task: int) -> None:
        done.append(task)
        if task == 3:
            raise ValueError(task)

    with pytest.raises(ValueError, match="3"):
        _threads.share_out(range(8), ["here"], do)
    assert done == [0, 1, 2, 3]


def test_share_out_waits_for_a_task_under_way_when_the_caller_is_interrupted():
    started, finished = threading.Event(), threading.Event()

    def do(worker: str, task: int) -> None:
        if worker == "pool":
            started.set()
            time.sleep(0.05)
            finished.set()
        else:
            started.wait(10)
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _threads.share_out(range(2), ["here", "pool"], do)
    assert finished.is_set()


def test_share_out_runs_workers_on_their_own_threads():
    threads_by_worker: dict[str, set[int]] = {"here": set(), "a": set(), "b": set()}
    started = threading.Barrier(3, timeout=10)

    def do(worker: str, task: int) -> None:
        threads_by_worker[worker].add(threading.get_ident())
        if task < 3:
            started.wait()  # the first three tasks meet: three threads at once

    _threads.share_out(range(30), ["here", "a", "b"], do)
    assert threads_by_worker["here"] == {threading.get_ident()}
    idents = [ident for worker in ("a", "b") for ident in threads_by_worker[worker]]
    assert len(idents) == len(set(idents)) == 2


def test_share_out_does_not_wait_for_a_worker_that_finds_nothing_to_do():
    release = threading.Event()
    pool = _threads._workers(1)
    blockers = [pool.submit(release.wait, 10) for _ in range(_threads._pool_size)]
    try:
        done = []
        _threads.share_out(range(4), ["here", "pool"], lambda worker, task: done.append(worker))
        assert done == ["here"] * 4
    finally:
        release.set()
        for blocker in blockers:
            blocker.result()


def test_tasks_see_the_callers_numpy_error_state():
    pool_ran = threading.Event()

    def do(worker: str, task: int) -> None:
        if worker == "here":
            pool_ran.wait(10)  # leave the other task to the pool thread
            return
        try:
            np.float32(1e30) * np.float32(1e30)
        finally:
            pool_ran.set()

    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        _threads.share_out(range(2), ["here", "pool"], do)


def test_pool_is_rebuilt_in_a_forked_child(monkeypatch):
    pool = _threads._workers(1)
    assert _threads._workers(1) is pool
    monkeypatch.setattr(_threads.os, "getpid", lambda: -1)
    assert _threads._workers(1) is not pool


SMALL_SPLIT = 100  # rows from which the tests below split a batch, in blocks of <= 64
BLOCK = 64


def _split_workspace(model: Model, fake: FakeBlas, monkeypatch) -> Workspace:
    monkeypatch.setattr(_workspace, "SPLIT_MIN_ROWS", SMALL_SPLIT)
    blas = BlasThreads(fake.get, fake.set)
    return Workspace(model.layers, model.shapes, blas=blas, split_rows=BLOCK)


@pytest.mark.parametrize("threads", [2, 3])
@pytest.mark.parametrize("rows", [SMALL_SPLIT, SMALL_SPLIT + 1, 2 * BLOCK * 3, 2 * BLOCK * 3 + 7])
def test_split_batch_equals_the_batch_on_one_thread(threads, rows, monkeypatch):
    model = _model()
    fake = FakeBlas(threads)
    split = _split_workspace(model, fake, monkeypatch)
    alone = Workspace(model.layers, model.shapes, blas=None)
    x = np.random.default_rng(rows).random((rows, 784), dtype=np.float32)
    expected, got = np.empty((2, rows, 10), np.float32)
    alone.run(x, expected)
    split.run(x, got)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got, model.forward(x.reshape(-1, 28, 28)), rtol=1e-5, atol=1e-7)
    assert fake.history == [1, threads]
    assert len(split._lanes) == threads


@pytest.mark.parametrize(("rows", "threads", "blocks"), [(128, 2, 2), (129, 2, 4), (700, 3, 12)])
def test_split_blocks_are_equal_and_as_many_for_every_thread(rows, threads, blocks, monkeypatch):
    model = _model()
    split = _split_workspace(model, FakeBlas(threads), monkeypatch)
    seen = []
    monkeypatch.setattr(Workspace, "forward", lambda self, x, plan, out: seen.append(len(x)))
    split.run(np.zeros((rows, 784), np.float32), np.empty((rows, 10), np.float32))
    assert len(seen) == blocks
    assert sum(seen) == rows
    assert max(seen) - min(seen) <= 1
    assert max(seen) <= BLOCK


def test_small_batches_and_one_blas_thread_are_not_split():
    model = _model()
    fake = FakeBlas(2)
    workspace = Workspace(model.layers, model.shapes, blas=BlasThreads(fake.get, fake.set))
    for rows, threads in [(SPLIT_MIN_ROWS - 1, 2), (SPLIT_MIN_ROWS, 1)]:
        fake.threads = threads
        workspace.run(np.zeros((rows, 784), np.float32), np.empty((rows, 10), np.float32))
    assert fake.history == []


def test_a_few_images_run_with_one_blas_thread_and_the_count_comes_back():
    model = _model()
    fake = FakeBlas(2)
    workspace = Workspace(model.layers, model.shapes, blas=BlasThreads(fake.get, fake.set))
    for rows in (2, _workspace.ALONE_ROWS):
        workspace.run(np.zeros((rows, 784), np.float32), np.empty((rows, 10), np.float32))
    assert fake.history == [1, 2, 1, 2]
    fake.history.clear()
    workspace.run(np.zeros((1, 784), np.float32), np.empty((1, 10), np.float32))
    assert fake.history == []  # one vector: products BLAS runs on one thread anyway


def test_model_predicts_a_large_batch_like_its_rows_one_by_one():
    model = _model(1)
    images = np.random.default_rng(2).random((SPLIT_MIN_ROWS + 5, 28, 28), dtype=np.float32)
    batch = model.predict_proba(images)
    for i in (0, SPLIT_BLOCK_ROWS - 1, SPLIT_BLOCK_ROWS, len(images) - 1):
        np.testing.assert_allclose(batch[i], model.predict_proba(images[i]), rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(model.predict_proba(images), batch)


@pytest.mark.parametrize(
    ("bad", "message"),
    [({0: 3.0, -1: -0.5}, "from -0.5 to 3"), ({-1: np.nan}, "NaN or infinite")],
)
def test_split_batch_refuses_bad_values_with_the_whole_batchs_error(bad, message, monkeypatch):
    model = _model()
    fake = FakeBlas(2)
    model._workspace = _split_workspace(model, fake, monkeypatch)
    images = np.random.default_rng(6).random((6 * BLOCK, 28, 28), dtype=np.float32)
    for row, value in bad.items():
        images[row, 5, 5] = value
    with pytest.raises(ValueError, match=message):
        model.predict_proba(images)
    assert fake.history == [1, 2]


def test_numpys_own_openblas_is_tried_before_one_another_package_bundles():
    numpy_copy = "/site/numpy.libs/libscipy_openblas64_-1.so"
    scipy_copy = "/site/scipy.libs/libscipy_openblas-2.so"
    system = "/usr/lib/x86_64-linux-gnu/libopenblas.so.0"
    assert _blas.numpy_first([scipy_copy, numpy_copy], [numpy_copy]) == [numpy_copy, scipy_copy]
    assert _blas.numpy_first([scipy_copy, system], []) == [system, scipy_copy]


def test_the_engine_finds_numpys_openblas_after_scipy_loaded_its_own():
    scipy_linalg = pytest.importorskip("scipy.linalg")  # loads SciPy's bundled OpenBLAS
    scipy_linalg.blas.sgemm(1.0, np.ones((2, 2), np.float32), np.ones((2, 2), np.float32))
    found = _blas.find_openblas()
    if found is None or "numpy" not in found.library:
        pytest.skip(f"NumPy bundles no OpenBLAS here ({found and found.library})")
    assert found.library.startswith(str(Path(np.__file__).parent))
