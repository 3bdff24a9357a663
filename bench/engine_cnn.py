"""Inference speed and memory of the engine on a small CNN, next to ONNX Runtime and Keras.

Run from the repository root (``bench.engine`` runs it after the dense section)::

    .venv/bin/python -m bench.engine --cnn-only    # this section alone
    .venv/bin/python -m bench.engine_cnn           # the same

The network is the classic MNIST CNN: Input (28, 28, 1), Conv2D 32@3x3 relu same,
MaxPooling2D 2, Conv2D 64@3x3 relu same, MaxPooling2D 2, Flatten, Dense 128 relu,
Dense 10 softmax (421,642 parameters). Keras builds it with seeded random weights and
saves it as ``.keras``; the engine loads that file with ``load_model``; ONNX Runtime runs
a graph built from the same float32 weights with ``onnx.helper``. Latency: one image per
call, median and p99. Throughput: 10,000 images per call, the best of a few calls.
Runtimes are measured in interleaved rounds, so compare the ratios, which come from one
run. Memory: the extra peak resident memory (VmHWM over VmRSS) of one 10,000-image call
in a fresh process per runtime, and for the engine also what tracemalloc counts of its
NumPy allocations. Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np

from bench.engine import PAUSE_S, Runner, onnx_bytes, onnx_session, time_calls

INPUT_SHAPE = (28, 28, 1)
PARAMETERS = 421_642
IMAGES = 10_000
FLOPS_PER_IMAGE = 2 * (28 * 28 * 32 * 9 * 1 + 14 * 14 * 64 * 9 * 32 + 3136 * 128 + 128 * 10)
ENGINE, ORT_1, ORT_2, KERAS = (
    "digitwidget engine",
    "ONNX Runtime, 1 thread",
    "ONNX Runtime, 2 threads",
    "Keras (model(x) / predict)",
)
KERAS_BATCH = 256
"""``model.predict``'s batch size for the 10,000 images (Keras's default is 32)."""
TARGETS = {"one_ms": 1.0, "one_vs_ort": 3.0, "big_vs_ort": 1.5, "memory_mib": 300.0}
"""The issue's targets: one image in at most 1 ms and 3x ONNX Runtime's time; 10,000
images in at most 1.5x ONNX Runtime's time (2 threads), with at most 300 MiB extra."""
MiB = 1 << 20


def keras_cnn(seed: int = 0):
    """The Keras model with seeded random weights (Glorot-like kernels, non-zero biases)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input(INPUT_SHAPE),
            layers.Conv2D(32, 3, activation="relu", padding="same"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu", padding="same"),
            layers.MaxPooling2D(2),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    assert model.count_params() == PARAMETERS, model.count_params()
    rng = np.random.default_rng(seed)
    weights = []
    for w in model.get_weights():
        if w.ndim == 1:
            weights.append(rng.normal(0, 0.05, w.shape).astype(np.float32))
        else:
            fan_in, fan_out = math.prod(w.shape[:-1]), w.shape[-1]
            scale = (2 / (fan_in + fan_out)) ** 0.5
            weights.append(rng.normal(0, scale, w.shape).astype(np.float32))
    model.set_weights(weights)
    return model


def onnx_cnn(weights: list[np.ndarray]) -> bytes:
    """The CNN as an ONNX graph: NHWC in, NCHW convolutions, NHWC again before flattening."""
    from onnx import TensorProto, helper, numpy_helper

    k1, b1, k2, b2, k3, b3, k4, b4 = weights
    initializers = [
        numpy_helper.from_array(np.ascontiguousarray(k.transpose(3, 2, 0, 1)), name)
        for k, name in ((k1, "conv1_w"), (k2, "conv2_w"))  # (kh, kw, in, out) -> (out, in, kh, kw)
    ]
    initializers += [
        numpy_helper.from_array(array, name)
        for array, name in (
            (b1, "conv1_b"),
            (b2, "conv2_b"),
            (k3, "dense1_k"),
            (b3, "dense1_b"),
            (k4, "dense2_k"),
            (b4, "dense2_b"),
            (np.array([-1, k3.shape[0]], np.int64), "flat_shape"),
        )
    ]
    same = {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}  # Keras's "same" for 3x3, stride 1
    pool = {"kernel_shape": [2, 2], "strides": [2, 2]}
    node = helper.make_node
    nodes = [
        node("Transpose", ["x"], ["nchw"], perm=[0, 3, 1, 2]),
        node("Conv", ["nchw", "conv1_w", "conv1_b"], ["c1"], **same),
        node("Relu", ["c1"], ["r1"]),
        node("MaxPool", ["r1"], ["p1"], **pool),
        node("Conv", ["p1", "conv2_w", "conv2_b"], ["c2"], **same),
        node("Relu", ["c2"], ["r2"]),
        node("MaxPool", ["r2"], ["p2"], **pool),
        node("Transpose", ["p2"], ["nhwc"], perm=[0, 2, 3, 1]),  # Keras flattens (h, w, c)
        node("Reshape", ["nhwc", "flat_shape"], ["flat"]),
        node("MatMul", ["flat", "dense1_k"], ["m1"]),
        node("Add", ["m1", "dense1_b"], ["z1"]),
        node("Relu", ["z1"], ["h1"]),
        node("MatMul", ["h1", "dense2_k"], ["m2"]),
        node("Add", ["m2", "dense2_b"], ["z2"]),
        node("Softmax", ["z2"], ["y"], axis=-1),
    ]
    graph = helper.make_graph(
        nodes,
        "cnn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", *INPUT_SHAPE])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 10])],
        initializers,
    )
    return onnx_bytes(graph)


def save_models(folder: Path) -> tuple[Path, Path]:
    """``cnn.keras`` and ``cnn.onnx`` in ``folder``, with the same weights."""
    model = keras_cnn()
    keras_path, onnx_path = folder / "cnn.keras", folder / "cnn.onnx"
    model.save(keras_path)
    onnx_path.write_bytes(onnx_cnn(model.get_weights()))
    return keras_path, onnx_path


def make_runners(keras_path: Path, onnx_path: Path, keras: bool = True) -> dict[str, Runner]:
    """``{name: run}``: the engine from the .keras file, ONNX Runtime on 1 and 2 threads, Keras."""
    from digitwidget.nn import load_model

    engine = load_model(keras_path)
    assert engine.num_parameters == PARAMETERS, engine.num_parameters
    graph = onnx_path.read_bytes()
    ort_1, ort_2 = onnx_session(graph, threads=1), onnx_session(graph, threads=2)
    runners: dict[str, Runner] = {
        ENGINE: engine.predict_proba,
        ORT_1: lambda x: ort_1.run(None, {"x": x})[0],
        ORT_2: lambda x: ort_2.run(None, {"x": x})[0],
    }
    if keras:
        runners[KERAS] = keras_runner(keras_path)
    return runners


def keras_runner(path: Path) -> Runner:
    """The Keras model from ``path``: ``model(x)`` for one image, ``model.predict`` for more."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras

    model = keras.saving.load_model(path)

    def run(x: np.ndarray) -> object:
        if len(x) == 1:
            return np.asarray(model(x, training=False))
        return model.predict(x, batch_size=KERAS_BATCH, verbose=0)

    return run


def images(count: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random((count, *INPUT_SHAPE), dtype=np.float32)


def agreement(runners: dict[str, Runner]) -> dict[str, float]:
    """Largest difference of each runtime's probabilities from the engine's, on 100 images."""
    x = images(100, 3)
    reference = np.asarray(runners[ENGINE](x))
    return {
        name: float(np.max(np.abs(np.asarray(run(x)) - reference)))
        for name, run in runners.items()
        if name != ENGINE
    }


def measure(
    runners: dict[str, Runner], rounds: int, calls: int, images_per_call: int
) -> dict[str, dict[str, float]]:
    """Interleaved rounds: every runner does ``calls`` single images and one large call each."""
    one, big = images(1, 1), images(images_per_call, 2)
    small: dict[str, list[float]] = {name: [] for name in runners}
    large: dict[str, list[float]] = {name: [] for name in runners}
    for run in runners.values():
        time_calls(run, one, 20)
        time_calls(run, big, 1)
    names = list(runners)
    for round_ in range(rounds):
        for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
            time.sleep(PAUSE_S)
            small[name] += time_calls(runners[name], one, calls)
            time.sleep(PAUSE_S)
            large[name] += time_calls(runners[name], big, 1)
    return {
        name: {
            "median_us": float(np.median(small[name])) * 1e6,
            "p99_us": float(np.percentile(small[name], 99)) * 1e6,
            "images_per_s": images_per_call / min(large[name]),
        }
        for name in runners
    }


def _conv_parts(layer, x: np.ndarray) -> dict[str, float]:
    """Seconds of a convolution's im2col copy and of its matrix product, each done alone
    (a thin product takes the bias as a column of ones, as the layer does)."""
    from digitwidget.nn.layers.conv import THIN_PRODUCT
    from digitwidget.nn.layers.windows import patches, patches_with_ones

    kernel = layer.kernel.reshape(-1, layer.filters)
    thin = layer.bias is not None and len(kernel) < THIN_PRODUCT
    start = time.perf_counter()
    cols = (patches_with_ones if thin else patches)(x, layer.window, layer.place(x.shape[1:]))
    copied = time.perf_counter() - start
    kernel = np.vstack([kernel, layer.bias]) if thin else kernel
    out = np.empty((len(cols), layer.filters), np.float32)
    start = time.perf_counter()
    np.dot(cols, kernel, out=out)
    product = time.perf_counter() - start
    per_image = len(cols) // len(x)
    shape = f"{per_image} x {kernel.shape[0]} x {layer.filters} per image"
    return {"im2col copy (patches)": copied, f"matrix product ({shape})": product}


def _winograd_parts(layer, x: np.ndarray) -> dict[str, float]:
    """Seconds of a Winograd convolution's steps, each done alone: the padded copy, the
    input transform, the 16 matrix products, the output transform with the pooling."""
    from digitwidget.nn.fast.winograd import WorkingArrays, input_transform, output_transform

    start = time.perf_counter()
    arrays = WorkingArrays.make(layer, *x.shape[:3])
    layer.pad_into(arrays.padded, x)
    padded = time.perf_counter()
    input_transform(arrays)
    transformed = time.perf_counter()
    tiles = arrays.tiles.reshape(16, -1, layer.channels)
    products = arrays.products.reshape(16, -1, layer.filters)
    np.matmul(tiles, layer.transformed, out=products)
    multiplied = time.perf_counter()
    y = output_transform(arrays.products)
    if layer.pools:
        np.maximum(np.maximum(y[0][0], y[0][1]), np.maximum(y[1][0], y[1][1]))
    done = time.perf_counter()
    per_image = len(tiles[0]) // len(x)
    return {
        "padded copy": padded - start,
        "input transform": transformed - padded,
        f"16 matrix products ({per_image} x {layer.channels} x {layer.filters} per image)": (
            multiplied - transformed
        ),
        "output transform" + (" and pooling" if layer.pools else ""): done - multiplied,
    }


def _stages(workspace, rows: int) -> list[tuple[list, int]]:
    """``(plan, rows)`` per stage as the workspace runs a block of ``rows``: the
    convolutional body in its own smaller blocks, then the dense head (or all as one)."""

    def plan(ws, n: int) -> list:
        return [*ws.plan(n), (ws.layers[-1], np.empty((n, *ws.shapes[-1]), np.float32))]

    body = workspace._body
    if body is None:
        return [(plan(workspace, rows), rows)]
    head = plan(workspace, rows)[1:]
    return [(plan(body, min(rows, body.block_rows)), min(rows, body.block_rows)), (head, rows)]


def layer_times(keras_path: Path, rows: int, repeats: int) -> list[tuple[str, float]]:
    """Seconds per image and layer (best of ``repeats``) in a block of ``rows``, one thread.

    The layers run as the engine's workspace runs them (the rewritten layers of
    ``nn.fast.fusion``; a convolutional body in its own blocks), into its reused buffers.
    Each convolution's steps (im2col copy and matrix product; Winograd's transforms and
    products) are also timed alone, as rows starting with "of which" after the layer's row.
    """
    from digitwidget.nn import load_model
    from digitwidget.nn.fast.blas import OPENBLAS

    model = load_model(keras_path)
    workspace = model._workspace
    stages = _stages(workspace, rows)
    best: dict[str, float] = {}
    with OPENBLAS.single() if OPENBLAS is not None else contextlib.nullcontext():
        for _ in range(repeats):
            block = images(rows, 6)
            for i, (plan, stage_rows) in enumerate(stages):
                x = block[:stage_rows]
                for layer, buffer in plan:
                    parts = {}
                    if hasattr(layer, "kernel") and getattr(layer, "groups", 0) == 1:
                        parts = _conv_parts(layer, x)
                    elif hasattr(layer, "transformed"):
                        parts = _winograd_parts(layer, x)
                    start = time.perf_counter()
                    x = layer(x, out=buffer)
                    seconds = time.perf_counter() - start
                    timings = {f"{type(layer).__name__} {layer.name}": seconds}
                    timings |= {f"  of which {layer.name}'s {part}": v for part, v in parts.items()}
                    for key, value in timings.items():
                        best[key] = min(best.get(key, math.inf), value / stage_rows)
                if i + 1 < len(stages):
                    block = workspace.layers[0](block)  # the body's output: the head's input
    return list(best.items())


def layer_table(keras_path: Path, block_rows: int) -> str:
    """Where the engine's time goes: one image, and a block of a split 10,000-image batch."""
    from digitwidget.nn import load_model

    body = load_model(keras_path)._workspace._body
    one = layer_times(keras_path, 1, 200)
    block = layer_times(keras_path, block_rows, 20)
    total_one = sum(s for n, s in one if not n.startswith("  "))
    total_block = sum(s for n, s in block if not n.startswith("  "))
    blocks = f"{block_rows} images"
    if body is not None:
        blocks += f" (the convolutions in blocks of {min(block_rows, body.block_rows)})"
    lines = [
        f"| engine layer, one thread | 1 image (µs) | share | per image in blocks of {blocks} (µs) | share |",
        "|---|---:|---:|---:|---:|",
    ]
    for (name, s1), (_, sb) in zip(one, block, strict=True):
        lines.append(
            f"| {name.strip()} | {s1 * 1e6:.1f} | {s1 / total_one:.0%} "
            f"| {sb * 1e6:.1f} | {sb / total_block:.0%} |"
        )
    lines.append(
        f"| sum of the layers | {total_one * 1e6:.1f} | | {total_block * 1e6:.1f} "
        f"({1 / total_block:,.0f} images/s on one thread) | |"
    )
    return "\n".join(lines)


def engine_tracemalloc(keras_path: Path, count: int) -> tuple[float, float]:
    """Peak MiB of NumPy allocations (tracemalloc) in a 10,000-image call: first, then later."""
    from digitwidget.nn import load_model

    model = load_model(keras_path)
    x = images(count, 7)
    model.predict_proba(x[:1])
    peaks = []
    for _ in range(2):
        tracemalloc.start()
        model.predict_proba(x)
        peaks.append(tracemalloc.get_traced_memory()[1] / MiB)
        tracemalloc.stop()
    return peaks[0], peaks[1]


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field + ":"))
    return int(line.split()[1])


def peak_extra_rss(runtime: str, keras_path: Path, onnx_path: Path, count: int) -> float:
    """In this process: the extra peak resident MiB of one ``count``-image call (after one image).

    The peak (VmHWM) is reset through ``/proc/self/clear_refs`` just before the call, so
    what the process touched before does not count; what the call makes and keeps
    (buffers, arenas) does. Where that cannot be done, psutil samples the RSS every
    millisecond instead (which can miss a short peak).
    """
    if runtime == KERAS:
        run = keras_runner(keras_path)
    else:
        run = make_runners(keras_path, onnx_path, keras=False)[runtime]
    x = images(count, 8)
    run(x[:1])
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
    except OSError:
        return _sampled_extra_rss(run, x)
    before = _status_kib("VmRSS")
    run(x)
    return (_status_kib("VmHWM") - before) / 1024


def _sampled_extra_rss(run: Runner, x: np.ndarray) -> float:
    import psutil

    process, peak, done = psutil.Process(), [0], threading.Event()

    def sample() -> None:
        while not done.wait(0.001):
            peak[0] = max(peak[0], process.memory_info().rss)

    before = process.memory_info().rss
    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        run(x)
    finally:
        done.set()
        sampler.join()
    return (max(peak[0], process.memory_info().rss) - before) / MiB


def rss_in_fresh_process(runtime: str, keras_path: Path, onnx_path: Path, count: int) -> float:
    """:func:`peak_extra_rss` in a new interpreter, so that no other runtime shares its heap."""
    command = [
        sys.executable,
        "-m",
        "bench.engine_cnn",
        "--rss-child",
        json.dumps([runtime, str(keras_path), str(onnx_path), count]),
    ]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(command, capture_output=True, text=True, env=env, cwd=root)
    if out.returncode != 0:
        print(f"memory of {runtime} not measured: {out.stderr.strip()[-300:]}", file=sys.stderr)
        return math.nan
    return float(out.stdout.split()[-1])


def blas_kernel() -> str:
    """Which OpenBLAS kernel NumPy runs, and the environment variables that choose it."""
    kernel = "unknown"
    with contextlib.suppress(ImportError):
        from threadpoolctl import threadpool_info

        kernels = [  # "SkylakeX (numpy)": the kernel and the package whose OpenBLAS runs it
            f"{i.get('architecture')} ({Path(i.get('filepath', '')).parent.name.removesuffix('.libs')})"
            for i in threadpool_info()
            if i.get("internal_api") == "openblas"
        ]
        kernel = ", ".join(kernels) or kernel
    if kernel == "unknown":
        kernel = _corename() or kernel
    settings = ", ".join(
        f"{name}={os.environ[name]!r}"
        for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
        if name in os.environ
    )
    note = (
        f"OpenBLAS kernel: {kernel} ({settings or 'OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset'})"
    )
    if os.environ.get("OPENBLAS_CORETYPE"):
        note += (
            "; OPENBLAS_CORETYPE forces an older kernel here: benchmark with "
            "`OPENBLAS_CORETYPE= OPENBLAS_L2_SIZE= .venv/bin/python -m bench.engine`"
        )
    return note


_CORENAME_SYMBOLS = (
    "scipy_openblas_get_corename64_",
    "scipy_openblas_get_corename",
    "openblas_get_corename",
)


def _corename() -> str | None:
    """OpenBLAS's own name for its kernel (``openblas_get_corename``), where it is found."""
    from digitwidget.nn.fast import blas

    for path in blas._candidate_paths():
        library = blas._load(path)
        for name in _CORENAME_SYMBOLS:
            function = getattr(library, name, None) if library is not None else None
            if function is not None:
                function.restype, function.argtypes = ctypes.c_char_p, []
                return str(function().decode())
    return None


def _ratio(value: float, target: float) -> str:
    return f"{value:.2f}x ({'meets' if value <= target else 'misses'} <= {target:g}x)"


def table(results: dict[str, dict[str, float]], memory: dict[str, str], count: int) -> str:
    """Times, throughput, memory, and time ratios to ONNX Runtime (lower is faster)."""
    ort_1, ort_2 = results[ORT_1], results[ORT_2]
    big = "10k" if count == IMAGES else f"{count:,}"
    lines = [
        "| runtime | 1 image median (µs) | 1 image p99 (µs) | time vs ORT 1 thr | time vs ORT 2 thr "
        f"| {big} images/s | {big} time vs ORT 2 thr | GFLOP/s | {big} peak extra memory |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['median_us']:,.1f} | {r['p99_us']:,.1f} "
            f"| {r['median_us'] / ort_1['median_us']:.2f}x | {r['median_us'] / ort_2['median_us']:.2f}x "
            f"| {r['images_per_s']:,.0f} | {ort_2['images_per_s'] / r['images_per_s']:.2f}x "
            f"| {r['images_per_s'] * FLOPS_PER_IMAGE / 1e9:.1f} | {memory.get(name, '-')} |"
        )
    return "\n".join(lines)


def targets(results: dict[str, dict[str, float]], engine_memory_mib: float, count: int) -> str:
    """The engine against the issue's targets (time ratios: lower is better)."""
    engine = results[ENGINE]
    fastest_ort_one = min(results[ORT_1]["median_us"], results[ORT_2]["median_us"])
    one_ms = engine["median_us"] / 1000
    return "\n".join(
        [
            "Targets (engine; time ratios to ONNX Runtime, lower is faster):"
            + ("" if count == IMAGES else f" NOTE: measured on {count:,} images, not 10,000"),
            f"- 1 image: {one_ms:.3f} ms ({'meets' if one_ms <= TARGETS['one_ms'] else 'misses'} "
            f"<= {TARGETS['one_ms']:g} ms); "
            f"{_ratio(engine['median_us'] / fastest_ort_one, TARGETS['one_vs_ort'])} "
            "the faster ONNX Runtime setting's time",
            f"- 10,000 images: {_ratio(results[ORT_2]['images_per_s'] / engine['images_per_s'], TARGETS['big_vs_ort'])} "
            "ONNX Runtime's time with 2 threads",
            f"- 10,000 images, peak extra memory: {engine_memory_mib:.0f} MiB "
            f"({'meets' if engine_memory_mib <= TARGETS['memory_mib'] else 'misses'} "
            f"<= {TARGETS['memory_mib']:g} MiB)",
        ]
    )


def block_rows(keras_path: Path, images_per_call: int) -> int:
    """Rows per block of one thread's share of ``images_per_call`` images, as the engine runs."""
    from digitwidget.nn import load_model
    from digitwidget.nn.fast.workspace import SPLIT_MIN_ROWS

    workspace = load_model(keras_path)._workspace
    split = images_per_call >= SPLIT_MIN_ROWS
    return min(workspace.split_rows if split else workspace.block_rows, images_per_call)


def run_section(
    rounds: int = 4,
    calls: int = 100,
    images_per_call: int = IMAGES,
    keras: bool = True,
    layers: bool = True,
) -> None:
    """Print the CNN section: agreement, the side-by-side table, targets, memory, layers."""
    print(
        f"\n## CNN (Conv 32 - pool - Conv 64 - pool - Dense 128 - Dense 10, {PARAMETERS:,} parameters)\n"
    )
    print(blas_kernel())
    with tempfile.TemporaryDirectory(prefix="digitwidget-bench-cnn-") as folder:
        keras_path, onnx_path = save_models(Path(folder))
        runners = make_runners(keras_path, onnx_path, keras)
        differences = ", ".join(f"{name} {d:.1e}" for name, d in agreement(runners).items())
        print(f"max |difference| from the engine's probabilities (100 images): {differences}")
        results = measure(runners, rounds, calls, images_per_call)
        del runners
        traced_first, traced_later = engine_tracemalloc(keras_path, images_per_call)
        rss = {
            name: rss_in_fresh_process(name, keras_path, onnx_path, images_per_call)
            for name in results
        }
        memory = {
            name: "RSS not measured" if math.isnan(mib) else f"{mib:.0f} MiB RSS"
            for name, mib in rss.items()
        }
        memory[ENGINE] += f"; {traced_first:.0f} MiB traced ({traced_later:.0f} on later calls)"
        print(
            f"\n{rounds} rounds: {rounds * calls} single images and the best of {rounds} calls of "
            f"{images_per_call:,} images per runtime; {FLOPS_PER_IMAGE:,} FLOP per image; "
            f"os.cpu_count()={os.cpu_count()}; load average {os.getloadavg()[0]:.1f}"
        )
        print(
            "Memory: peak RSS over RSS just before the call, in a fresh process per runtime "
            "after one image; 'traced': tracemalloc's peak of the engine's NumPy allocations.\n"
        )
        print(table(results, memory, images_per_call))
        engine_mib = traced_first if math.isnan(rss[ENGINE]) else max(rss[ENGINE], traced_first)
        print("\n" + targets(results, engine_mib, images_per_call))
        if layers:
            print("\n" + layer_table(keras_path, block_rows(keras_path, images_per_call)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--calls", type=int, default=100, help="single images per runner per round")
    parser.add_argument("--images", type=int, default=IMAGES, help="images per large call")
    parser.add_argument("--no-keras", action="store_true", help="skip Keras's timings")
    parser.add_argument("--rss-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_child:
        runtime, keras_path, onnx_path, count = json.loads(args.rss_child)
        print(peak_extra_rss(runtime, Path(keras_path), Path(onnx_path), count))
        return
    run_section(args.rounds, args.calls, args.images, not args.no_keras)


if __name__ == "__main__":
    main()
