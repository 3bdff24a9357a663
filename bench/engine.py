"""Inference speed of the NumPy engine next to Keras, ONNX Runtime and plain NumPy.

Run from the repository root::

    .venv/bin/python -m bench.engine              # the full table
    .venv/bin/python -m bench.engine --blocks     # also: throughput per split block size
    .venv/bin/python -m bench.engine --batches    # also: batches of 2 to 1,024 images
    .venv/bin/python -m bench.engine --no-cnn     # the dense network only
    .venv/bin/python -m bench.engine --cnn-only   # the CNN only (bench/engine_cnn.py)

All runtimes get the same random-but-fixed float32 weights (784-128-256-10, relu, relu,
softmax). Latency: one image per call, median and p99 over many calls. Throughput: 10,000
images per call. Runtimes are measured in interleaved rounds so that background load
hits them alike; compare the ratios, which come from one run. A large NumPy GEMM gives
the machine's GFLOP/s ceiling. Import time and peak RSS come from fresh subprocesses.
A small CNN's section follows (bench/engine_cnn.py).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

SIZES = (784, 128, 256, 10)
FLOPS_PER_IMAGE = 2 * sum(a * b for a, b in itertools.pairwise(SIZES))
THROUGHPUT_IMAGES = 10_000
PAUSE_S = 0.2
"""Pause before each runner's turn, so that the previous runner's threads fall idle."""

Runner = Callable[[np.ndarray], object]


def make_weights(seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Glorot-like random weights, fixed by ``seed``: [(kernel (in, out), bias (out,)), ...]."""
    rng = np.random.default_rng(seed)
    return [
        (
            rng.normal(0, (2 / (a + b)) ** 0.5, (a, b)).astype(np.float32),
            rng.normal(0, 0.1, b).astype(np.float32),
        )
        for a, b in itertools.pairwise(SIZES)
    ]


def engine_runner(weights, split_rows: int | None = None) -> Runner:
    from digitwidget.nn import Dense, InputLayer, Model
    from digitwidget.nn.fast.workspace import Workspace

    acts = ["relu", "relu", "softmax"]
    dense = [
        Dense(f"dense_{i}", k, b, a)
        for i, ((k, b), a) in enumerate(zip(weights, acts, strict=True))
    ]
    model = Model([InputLayer("pixels", (SIZES[0],)), *dense])
    if split_rows is not None:
        model._workspace = Workspace(model.layers, model.shapes, split_rows=split_rows)
    return model.predict_proba


def numpy_runner(weights) -> Runner:
    """The network as a few lines of plain NumPy, with no buffer reuse or blocking."""
    (k1, b1), (k2, b2), (k3, b3) = weights

    def run(x: np.ndarray) -> np.ndarray:
        h = np.maximum(x @ k1 + b1, 0)
        h = np.maximum(h @ k2 + b2, 0)
        z = h @ k3 + b3
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    return run


def onnx_graph(weights) -> bytes:
    """The same network as an ONNX graph built with onnx.helper: MatMul, Add, Relu, Softmax."""
    from onnx import TensorProto, helper, numpy_helper

    nodes, initializers, previous = [], [], "x"
    for i, (kernel, bias) in enumerate(weights):
        initializers += [
            numpy_helper.from_array(kernel, f"k{i}"),
            numpy_helper.from_array(bias, f"b{i}"),
        ]
        nodes.append(helper.make_node("MatMul", [previous, f"k{i}"], [f"m{i}"]))
        nodes.append(helper.make_node("Add", [f"m{i}", f"b{i}"], [f"z{i}"]))
        last = i == len(weights) - 1
        op, attrs = ("Softmax", {"axis": -1}) if last else ("Relu", {})
        nodes.append(helper.make_node(op, [f"z{i}"], [f"h{i}"], **attrs))
        previous = f"h{i}"
    graph = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", SIZES[0]])],
        [helper.make_tensor_value_info(previous, TensorProto.FLOAT, ["batch", SIZES[-1]])],
        initializers,
    )
    return onnx_bytes(graph)


def onnx_bytes(graph) -> bytes:
    """An ONNX graph as the bytes of a model file (opset 17)."""
    from onnx import helper

    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model.SerializeToString()


def onnx_session(graph: bytes, spinning: bool = False, threads: int = 0):
    """An ONNX Runtime session on the CPU; ``threads=0`` lets ONNX Runtime choose."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    if not spinning:
        # By default idle ORT threads keep spinning (busy-waiting for the next call), on a
        # core of their own; the engine's threads sleep when idle.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])


def onnx_runner(weights, spinning: bool = False) -> Runner:
    """ONNX Runtime running the network, its idle threads sleeping unless ``spinning``."""
    session = onnx_session(onnx_graph(weights), spinning)
    return lambda x: session.run(None, {"x": x})[0]


def keras_runners(weights) -> dict[str, Runner]:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    acts = ["relu", "relu", "softmax"]
    model = keras.Sequential(
        [
            keras.Input((SIZES[0],)),
            *(keras.layers.Dense(b, a) for b, a in zip(SIZES[1:], acts, strict=True)),
        ]
    )
    model.set_weights([w for pair in weights for w in pair])
    return {
        "Keras model(x)": lambda x: model(x, training=False),
        "Keras predict_on_batch": model.predict_on_batch,
    }


def time_calls(run: Runner, x: np.ndarray, calls: int) -> list[float]:
    """Seconds per call, one timing per call."""
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        run(x)
        times.append(time.perf_counter() - start)
    return times


def measure(
    runners: dict[str, Runner], rounds: int, calls: int, big_calls: int
) -> dict[str, dict[str, float]]:
    """Interleaved rounds: every runner does its batch-1 calls and 10k calls in each round."""
    rng = np.random.default_rng(1)
    one = rng.random((1, SIZES[0]), dtype=np.float32)
    big = rng.random((THROUGHPUT_IMAGES, SIZES[0]), dtype=np.float32)
    small = {name: [] for name in runners}
    large = {name: [] for name in runners}
    for run in runners.values():
        time_calls(run, one, 50)
        time_calls(run, big, 1)
    names = list(runners)
    for round_ in range(rounds):
        # Each round starts with a different runner, after a pause: thread pools that
        # spin-wait after a call (TensorFlow's) would otherwise always slow down the
        # runner measured right after them.
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            time.sleep(PAUSE_S)
            small[name] += time_calls(runners[name], one, calls)
            large[name] += time_calls(runners[name], big, big_calls)
    return {
        name: {
            "median_us": float(np.median(small[name])) * 1e6,
            "p99_us": float(np.percentile(small[name], 99)) * 1e6,
            "images_per_s": THROUGHPUT_IMAGES / float(np.median(large[name])),
        }
        for name in runners
    }


def gemm_ceiling(n: int = 2048, repeats: int = 5) -> float:
    """GFLOP/s of a large float32 matrix product: the machine's practical ceiling."""
    rng = np.random.default_rng(2)
    a, b = rng.random((n, n), dtype=np.float32), rng.random((n, n), dtype=np.float32)
    a @ b
    best = min(time_calls(lambda _: a @ b, a, repeats))
    return 2 * n**3 / best / 1e9


def product_speeds(weights, rows: int = 1000, calls: int = 40) -> dict[str, float]:
    """GFLOP/s of the first layer's product alone on ``rows`` images, one thread each.

    NumPy hands it to OpenBLAS, ONNX Runtime to its own MLAS kernels; the rest of each
    network is left out. Each runtime does the product its own way: ONNX Runtime packs
    the constant weights once, when the session is made, and allocates the result on
    every call; OpenBLAS packs the weights on every call, into a result reused here.
    """
    from onnx import TensorProto, helper, numpy_helper

    from digitwidget.nn.fast.blas import OPENBLAS

    kernel = weights[0][0]
    x = np.random.default_rng(4).random((rows, kernel.shape[0]), dtype=np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "k"], ["y"])],
        "product",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", kernel.shape[0]])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", kernel.shape[1]])],
        [numpy_helper.from_array(kernel, "k")],
    )
    session = onnx_session(onnx_bytes(graph), threads=1)
    fortran, out = np.asfortranarray(kernel), np.empty((rows, kernel.shape[1]), np.float32)
    runs = {
        "NumPy (OpenBLAS)": lambda _: np.dot(x, fortran, out=out),
        "ONNX Runtime (MLAS)": lambda _: session.run(None, {"x": x}),
    }
    flop = 2 * x.size * kernel.shape[1]
    speeds = {name: [] for name in runs}
    with OPENBLAS.single() if OPENBLAS is not None else contextlib.nullcontext():
        for _ in range(3):
            for name, run in runs.items():
                time_calls(run, x, 5)
                speeds[name].append(flop / float(np.median(time_calls(run, x, calls))) / 1e9)
    return {name: max(values) for name, values in speeds.items()}


def one_thread_speeds(weights, rounds: int = 6, calls: int = 3) -> dict[str, float]:
    """Images/s on 10,000 images with one thread each: where the two-thread gap comes from.

    The engine runs the batch in the blocks it would hand to each thread of a split
    batch, with single-threaded OpenBLAS; ONNX Runtime gets one intra-op thread.
    """
    from digitwidget.nn.fast.blas import OPENBLAS
    from digitwidget.nn.fast.workspace import SPLIT_BLOCK_ROWS, Workspace

    model = engine_runner(weights).__self__
    model._workspace = Workspace(model.layers, model.shapes, SPLIT_BLOCK_ROWS, blas=None)
    session = onnx_session(onnx_graph(weights), threads=1)
    runners = {
        "digitwidget engine": model.predict_proba,
        "ONNX Runtime": lambda x: session.run(None, {"x": x}),
    }
    big = np.random.default_rng(5).random((THROUGHPUT_IMAGES, SIZES[0]), dtype=np.float32)
    times = {name: [] for name in runners}
    with OPENBLAS.single() if OPENBLAS is not None else contextlib.nullcontext():
        for _ in range(rounds):
            for name, run in runners.items():
                time.sleep(PAUSE_S)
                time_calls(run, big, 1)
                times[name] += time_calls(run, big, calls)
    return {name: THROUGHPUT_IMAGES / float(np.median(t)) for name, t in times.items()}


def import_cost(module: str, runs: int = 3) -> tuple[float, float]:
    """Median seconds and peak RSS (MiB) of ``import module`` in fresh interpreters."""
    # VmHWM (peak resident memory) belongs to the new process image, unlike ru_maxrss,
    # which a child inherits from this already large process across fork + exec.
    code = (
        "import time; t = time.perf_counter(); import "
        + module
        + "; dt = time.perf_counter() - t; "
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]; "
        "print(dt, hwm.split()[1])"
    )
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        )
        seconds, rss_kib = out.stdout.split()
        results.append((float(seconds), int(rss_kib) / 1024))
    return float(np.median([r[0] for r in results])), float(np.median([r[1] for r in results]))


def engine_threads() -> str:
    """How the engine runs a large batch here: split over threads, or by OpenBLAS alone."""
    from digitwidget.nn.fast.blas import OPENBLAS
    from digitwidget.nn.fast.workspace import SPLIT_MIN_ROWS

    if OPENBLAS is None:
        return "engine: OpenBLAS's thread count not found; large batches use NumPy's BLAS as is"
    return (
        f"engine: batches of {SPLIT_MIN_ROWS:,}+ images split over {OPENBLAS.count()} threads, "
        "each with single-threaded OpenBLAS"
    )


def check_agreement(runners: dict[str, Runner]) -> float:
    """Largest difference from the engine's probabilities over 100 images."""
    x = np.random.default_rng(3).random((100, SIZES[0]), dtype=np.float32)
    reference = np.asarray(runners["digitwidget engine"](x))
    return max(float(np.max(np.abs(np.asarray(run(x)) - reference))) for run in runners.values())


def table(results: dict[str, dict[str, float]], ceiling: float) -> str:
    ort = results["ONNX Runtime"]
    lines = [
        "| runtime | batch 1 median (µs) | batch 1 p99 (µs) | batch-1 speed vs ORT | 10k images/s | 10k speed vs ORT | GFLOP/s | share of GEMM ceiling |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        gflops = r["images_per_s"] * FLOPS_PER_IMAGE / 1e9
        lines.append(
            f"| {name} | {r['median_us']:.1f} | {r['p99_us']:.1f} | {ort['median_us'] / r['median_us']:.2f}x "
            f"| {r['images_per_s']:,.0f} | {r['images_per_s'] / ort['images_per_s']:.2f}x | {gflops:.1f} | {gflops / ceiling:.0%} |"
        )
    return "\n".join(lines)


def block_sizes(weights, sizes=(256, 512, 768, 1024, 1536, 2048, 5000), rounds: int = 5) -> str:
    """10k throughput for each largest block of a batch split over threads."""
    runners = {f"split_rows={b}": engine_runner(weights, b) for b in sizes}
    results = measure(runners, rounds, calls=1, big_calls=2)
    lines = ["| engine split block rows | 10k images/s |", "|---:|---:|"]
    lines += [f"| {name.split('=')[1]} | {r['images_per_s']:,.0f} |" for name, r in results.items()]
    return "\n".join(lines)


def batch_sizes(weights, sizes=(2, 4, 8, 16, 64, 256, 1024), rounds: int = 5) -> str:
    """Median time per call for small and middle batches: the engine next to ONNX Runtime."""
    runners = {"engine": engine_runner(weights), "ORT": onnx_runner(weights)}
    rng = np.random.default_rng(5)
    lines = [
        "| images per call | engine (µs) | ONNX Runtime (µs) | engine speed vs ORT |",
        "|---:|---:|---:|---:|",
    ]
    for size in sizes:
        x = rng.random((size, SIZES[0]), dtype=np.float32)
        times = {name: [] for name in runners}
        for _ in range(rounds):
            for name, run in runners.items():
                time.sleep(PAUSE_S / 4)
                time_calls(run, x, 5)
                times[name] += time_calls(run, x, 50)
        engine, ort = (float(np.median(times[name])) * 1e6 for name in runners)
        lines.append(f"| {size:,} | {engine:.1f} | {ort:.1f} | {ort / engine:.2f}x |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--calls", type=int, default=400, help="batch-1 calls per runner per round")
    parser.add_argument(
        "--no-keras",
        action="store_true",
        help="skip Keras (the CNN section still uses it to write its .keras file)",
    )
    parser.add_argument("--blocks", action="store_true", help="also compare split block sizes")
    parser.add_argument("--batches", action="store_true", help="also time batches of 2-1,024")
    parts = parser.add_mutually_exclusive_group()
    parts.add_argument("--no-cnn", action="store_true", help="skip the CNN section")
    parts.add_argument("--cnn-only", action="store_true", help="run the CNN section alone")
    parser.add_argument("--cnn-rounds", type=int, default=4, help="CNN rounds (default 4)")
    parser.add_argument("--cnn-calls", type=int, default=100, help="CNN single images per round")
    parser.add_argument("--cnn-images", type=int, default=10_000, help="CNN images per large call")
    args = parser.parse_args(argv)
    if not args.cnn_only:
        dense(args)
    if not args.no_cnn:
        from bench.engine_cnn import run_section

        run_section(args.cnn_rounds, args.cnn_calls, args.cnn_images, keras=not args.no_keras)


def dense(args: argparse.Namespace) -> None:
    """The dense network's section: agreement, the table, kernels, options, import costs."""
    weights = make_weights()
    runners = {
        "digitwidget engine": engine_runner(weights),
        "ONNX Runtime": onnx_runner(weights),
        "ONNX Runtime, idle threads spinning (its default)": onnx_runner(weights, spinning=True),
        "plain NumPy": numpy_runner(weights),
    }
    if not args.no_keras:
        runners |= keras_runners(weights)
    print(f"max |difference| from the engine: {check_agreement(runners):.2e}")
    ceiling = gemm_ceiling()
    results = measure(runners, args.rounds, args.calls, big_calls=3)
    print(
        f"\nGEMM ceiling (2048x2048 float32 NumPy matmul): {ceiling:.1f} GFLOP/s; "
        f"{FLOPS_PER_IMAGE:,} FLOP per image; os.cpu_count()={os.cpu_count()}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(engine_threads() + "\n")
    print(table(results, ceiling))
    products = ", ".join(f"{name} {gflops:.1f}" for name, gflops in product_speeds(weights).items())
    print(f"\nThe first layer's product alone (1,000 x 784 x 128, one thread), GFLOP/s: {products}")
    engine, ort = one_thread_speeds(weights).values()
    print(
        f"10,000 images on one thread: engine {engine:,.0f} images/s, ONNX Runtime {ort:,.0f} "
        f"images/s ({engine / ort:.2f}x)"
    )
    if args.blocks:
        print("\n" + block_sizes(weights))
    if args.batches:
        print("\n" + batch_sizes(weights))
    print("\n| import | time (s) | peak RSS (MiB) |\n|---|---:|---:|")
    for module in ("numpy", "digitwidget", "tensorflow"):
        seconds, rss = import_cost(module)
        print(f"| import {module} | {seconds:.3f} | {rss:.0f} |")


if __name__ == "__main__":
    main()
