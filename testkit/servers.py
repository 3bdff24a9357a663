"""Notebook servers for browser tests: JupyterLab, Notebook 7 and marimo on 127.0.0.1.

Every server runs in its own process group with temporary settings, workspace and
runtime directories, and is killed (group and all) when its context manager exits.

Example:
    >>> with jupyter_server("lab", root_dir) as server:  # doctest: +SKIP
    ...     page.goto(server.url("lab/tree/pad.ipynb"))
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "artifacts"
START_TIMEOUT_S = 120.0

# Turn off JupyterLab's news and update checks: there is no network here, and a failing
# fetch would only add noise to the browser console.
_LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


@dataclass(frozen=True)
class Server:
    """A running notebook server.

    Attributes:
        base: base URL, e.g. ``http://127.0.0.1:8888/``.
        root_dir: the directory the server serves files from.
        runtime_dir: where Jupyter writes kernel connection files (None for marimo).
    """

    base: str
    root_dir: Path
    runtime_dir: Path | None

    def url(self, path: str = "") -> str:
        """The absolute URL of ``path`` on this server."""
        return self.base + path.lstrip("/")

    def get_json(self, path: str) -> object:
        """GET ``path`` and decode the JSON answer."""
        with urllib.request.urlopen(self.url(path), timeout=10) as response:
            return json.load(response)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_lab_settings(settings_dir: Path) -> None:
    for name, values in _LAB_SETTINGS.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def _jupyter_command(app: str, port: int, root_dir: Path, state: Path, python: str) -> list[str]:
    command = [
        python, "-m", "jupyter", app,
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root_dir}",
        "--IdentityProvider.token=",
        "--ServerApp.password=",
        "--ServerApp.disable_check_xsrf=True",
    ]  # fmt: skip
    app_class = "LabApp" if app == "lab" else "JupyterNotebookApp"
    command += [
        f"--{app_class}.user_settings_dir={state / 'settings'}",
        f"--{app_class}.workspaces_dir={state / 'workspaces'}",
    ]
    if app == "lab":
        command += [
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ]
    if os.getuid() == 0:
        command.append("--allow-root")
    return command


def _wait_until_up(
    process: subprocess.Popen, probe: str, log: Path, timeout: float = START_TIMEOUT_S
) -> None:
    """Poll ``probe`` until it answers 200, or fail with the server log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            msg = f"Server exited with code {process.returncode} before answering. Log:\n"
            raise RuntimeError(msg + log.read_text()[-4000:])
        with (
            contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError),
            urllib.request.urlopen(probe, timeout=2) as response,
        ):
            if response.status == 200:
                return
        time.sleep(0.25)
    msg = f"Server did not answer {probe} within {timeout:.0f} s. Log:\n"
    raise TimeoutError(msg + log.read_text()[-4000:])


@contextlib.contextmanager
def _process_group(command: list[str], env: dict[str, str], cwd: Path, log: Path) -> Iterator:
    """Start ``command`` in a new process group; kill the whole group on exit."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as log_file:
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        try:
            yield process
        finally:
            _kill_group(process)


def _kill_group(process: subprocess.Popen) -> None:
    """SIGTERM the process group, then SIGKILL whatever is left after a grace period."""
    for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace)
            break
    # Kernels live in the same group; make sure none survives its server.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _kill_kernels(runtime_dir: Path) -> None:
    """SIGKILL kernels left over from a server: they run in sessions of their own.

    A kernel is recognised by its connection file inside this server's runtime dir.
    """
    marker = str(runtime_dir).encode()
    for proc in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError):
            if marker in (proc / "cmdline").read_bytes():
                os.kill(int(proc.name), signal.SIGKILL)


@contextlib.contextmanager
def jupyter_server(
    app: str, root_dir: Path, python: str = sys.executable, label: str = ""
) -> Iterator[Server]:
    """Run ``jupyter lab`` or ``jupyter notebook`` serving ``root_dir``.

    Args:
        app: ``"lab"`` or ``"notebook"``.
        root_dir: directory holding the notebooks the tests write.
        python: the interpreter whose environment runs the server and its kernels.
        label: added to the log's name (``artifacts/jupyter-<app>[-<label>].log``).

    Yields:
        The running server; it is shut down (process group killed) on exit.
    """
    if app not in ("lab", "notebook"):
        msg = f"Expected app 'lab' or 'notebook', received app={app!r}."
        raise ValueError(msg)
    with tempfile.TemporaryDirectory(prefix=f"digitwidget-{app}-") as tmp:
        state = Path(tmp)
        if app == "lab":
            _write_lab_settings(state / "settings")
        env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(state / "runtime")}
        env.pop("JUPYTER_TOKEN", None)
        port = free_port()
        log = ARTIFACTS / f"jupyter-{'-'.join(filter(None, [app, label]))}.log"
        command = _jupyter_command(app, port, root_dir, state, python)
        try:
            with _process_group(command, env, root_dir, log) as process:
                base = f"http://127.0.0.1:{port}/"
                _wait_until_up(process, base + "api/status", log)
                yield Server(base=base, root_dir=root_dir, runtime_dir=state / "runtime")
        finally:
            _kill_kernels(state / "runtime")


@contextlib.contextmanager
def marimo_server(app_file: Path) -> Iterator[Server]:
    """Run ``marimo run app_file`` headless on 127.0.0.1 without a token."""
    port = free_port()
    command = [
        sys.executable, "-m", "marimo", "run", str(app_file),
        "--headless", "--host", "127.0.0.1", "--port", str(port),
        "--no-token", "--no-sandbox", "--no-skew-protection",
    ]  # fmt: skip
    env = {**os.environ, "MARIMO_SKIP_UPDATE_CHECK": "1"}
    log = ARTIFACTS / "marimo.log"
    with _process_group(command, env, app_file.parent, log) as process:
        base = f"http://127.0.0.1:{port}/"
        _wait_until_up(process, base + "health", log)
        yield Server(base=base, root_dir=app_file.parent, runtime_dir=None)
