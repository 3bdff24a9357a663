"""Write notebooks, open and run them in JupyterLab or Notebook 7, and talk to their kernel.

The page runs the cells (so the widget is displayed by the real front end); Python state is
read through a second client of the same kernel, found through the server's sessions API.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
from jupyter_client import BlockingKernelClient
from playwright.sync_api import Page

from testkit.servers import Server

PAD_SELECTOR = "[data-testid=digitwidget-pad]"
ROOT_SELECTOR = "[data-testid=digitwidget]"
WIDGET_TIMEOUT_MS = 90_000


def toggle_line_numbers(page: Page) -> None:
    """Press Shift+L and wait until every cell's line numbers were shown or hidden.

    Shift+L is a command-mode shortcut of the notebook, so this proves the key reached it.
    """
    count = "() => document.querySelectorAll('.jp-Notebook .cm-lineNumbers').length"
    before = page.evaluate(count)
    page.keyboard.press("Shift+L")
    page.wait_for_function(f"() => ({count})() !== {before}")


def active_cell(page: Page) -> int:
    """The index of the notebook's active cell (-1 when none is)."""
    return page.evaluate(
        "[...document.querySelectorAll('.jp-Notebook .jp-Cell')]"
        ".findIndex(cell => cell.classList.contains('jp-mod-active'))"
    )


def write_notebook(path: Path, cells: list[str]) -> Path:
    """Write a notebook of code ``cells`` with the python3 kernel to ``path``."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(notebook, path)
    return path


def notebook_url(server: Server, app: str, name: str) -> str:
    """The URL that opens notebook ``name`` in ``app`` (``"lab"`` or ``"notebook"``)."""
    if app == "notebook":
        return server.url("notebooks/" + name)
    # One workspace per notebook, so JupyterLab does not restore other notebooks with it.
    return server.url(f"lab/workspaces/{Path(name).stem}/tree/{name}")


def _click_menu(page: Page, menu: str, item: str) -> None:
    """Open top menu ``menu`` and click ``item`` (works in JupyterLab and Notebook 7)."""
    page.locator(".lm-MenuBar-itemLabel", has_text=menu).first.click()
    entry = page.locator(".lm-Menu-content .lm-Menu-itemLabel").filter(has_text=item).first
    entry.click()


def wait_for_kernel(server: Server, name: str, timeout: float = 90.0) -> str:
    """Wait until notebook ``name`` has an idle kernel; return the kernel id."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for session in server.get_json("api/sessions"):
            kernel = session.get("kernel") or {}
            if session.get("path") == name and kernel.get("execution_state") == "idle":
                return kernel["id"]
        time.sleep(0.2)
    msg = f"No idle kernel for {name!r} after {timeout:.0f} s: {server.get_json('api/sessions')}"
    raise TimeoutError(msg)


def open_and_run(page: Page, server: Server, app: str, name: str, pads: int = 1) -> str:
    """Open notebook ``name``, run all its cells and wait for ``pads`` drawing pads.

    Returns:
        The id of the notebook's kernel.
    """
    page.goto(notebook_url(server, app, name))
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=WIDGET_TIMEOUT_MS)
    kernel_id = wait_for_kernel(server, name)
    _click_menu(page, "Run", "Run All Cells")
    pad = page.locator(PAD_SELECTOR).nth(pads - 1)
    pad.wait_for(state="visible", timeout=WIDGET_TIMEOUT_MS)
    return kernel_id


class KernelBridge:
    """A second client of a notebook's kernel: runs code and returns its JSON output.

    Example:
        >>> with kernel_bridge(server, kernel_id) as kernel:  # doctest: +SKIP
        ...     kernel.eval("pad.prediction")
        7
    """

    def __init__(self, client: BlockingKernelClient) -> None:
        self._client = client

    def run(self, code: str, timeout: float = 30.0) -> str:
        """Execute ``code`` in the kernel and return its stdout; raise on an exception."""
        chunks: list[str] = []
        errors: list[str] = []

        def on_output(message: dict) -> None:
            kind, content = message["header"]["msg_type"], message["content"]
            if kind == "stream" and content["name"] == "stdout":
                chunks.append(content["text"])
            elif kind == "error":
                errors.append("\n".join(content["traceback"]))

        self._drain_iopub()
        reply = self._client.execute_interactive(
            code, store_history=False, timeout=timeout, output_hook=on_output
        )
        if reply["content"]["status"] != "ok" or errors:
            msg = f"Kernel code failed:\n{code}\n" + "\n".join(errors)
            raise RuntimeError(msg)
        return "".join(chunks)

    def _drain_iopub(self) -> None:
        """Drop the output of other clients' requests queued since the last call.

        This client reads IOPub only while it runs code, and drawing makes the kernel
        publish several messages per update. Once ZeroMQ's queue for this client is
        full, new messages (the answer to the next request among them) are dropped.
        """
        channel = self._client.iopub_channel
        while channel.msg_ready():
            channel.get_msg(timeout=0)

    def eval(self, expression: str) -> object:
        """The value of a JSON-serialisable Python ``expression`` in the kernel."""
        out = self.run(f"import json as _json\nprint(_json.dumps({expression}))")
        return json.loads(out.strip().splitlines()[-1])


@contextlib.contextmanager
def kernel_bridge(server: Server, kernel_id: str) -> Iterator[KernelBridge]:
    """Connect to kernel ``kernel_id`` of ``server`` through its connection file."""
    if server.runtime_dir is None:
        msg = "Expected a Jupyter server with a runtime dir, received a server without one."
        raise ValueError(msg)
    connection_file = server.runtime_dir / f"kernel-{kernel_id}.json"
    client = BlockingKernelClient(connection_file=str(connection_file))
    client.load_connection_file()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=30)
        yield KernelBridge(client)
    finally:
        client.stop_channels()
