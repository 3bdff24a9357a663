"""A page that plays Colab for the DrawPad's Colab output, served on 127.0.0.1.

The page holds the HTML that ``DrawPad`` outputs in Colab mode and a stand-in for
``google.colab.kernel.invokeFunction`` that keeps Colab's contract: the arguments travel
JSON-encoded, the kernel runs the registered callback (``colab_fake.FakeOutput``), and the
result arrives as the return value's display data, read from
``result.data["application/json"]``; a failing call rejects. The "kernel" is a small
``http.server`` in a thread of the test process; calls run one at a time under ``lock``,
as cells do in a kernel.
"""

from __future__ import annotations

import contextlib
import json
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer

from tests.e2e.colab_fake import FakeOutput

INVOKE_STANDIN = """
<script>
window.google = { colab: { kernel: {
  async invokeFunction(name, args, kwargs) {
    const response = await fetch("/invoke", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, args: JSON.stringify(args), kwargs: JSON.stringify(kwargs) }),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(body.error);
    return { data: body.data };
  },
} } };
</script>
"""


@dataclass
class ColabHost:
    """The page and the stand-in kernel.

    Attributes:
        output: the fake ``google.colab.output`` whose callbacks the calls run.
        url: where the page is served.
        outputs: the cell outputs (HTML) the page shows, in order.
        lock: held while a call runs; hold it to change a pad from the test.
        calls: how many calls the kernel received.
    """

    output: FakeOutput
    url: str = ""
    outputs: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    calls: int = 0

    def page(self) -> str:
        """The whole page: the stand-in, then each output in its own block."""
        cells = "\n".join(f'<div class="output">{html}</div>' for html in self.outputs)
        return f"<!doctype html><html><head><meta charset='utf-8'>{INVOKE_STANDIN}</head><body>{cells}</body></html>"

    def invoke(self, body: bytes) -> tuple[int, dict]:
        """Run one call like Colab's kernel would; returns the HTTP status and answer."""
        with self.lock:
            self.calls += 1
            try:
                request = json.loads(body)
                data = self.output.invoke_json(request["name"], request["args"], request["kwargs"])
            except Exception as error:  # the page must see the failure, as in Colab
                traceback.print_exc()
                return 500, {"error": f"{type(error).__name__}: {error}"}
        return 200, {"data": data}


def _handler(host: ColabHost) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._reply(200, "text/html; charset=utf-8", host.page().encode())

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            status, answer = host.invoke(self.rfile.read(length))
            self._reply(status, "application/json", json.dumps(answer).encode())

        def _reply(self, status: int, kind: str, payload: bytes) -> None:
            self.send_response(status)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextlib.contextmanager
def colab_host(output: FakeOutput) -> Iterator[ColabHost]:
    """Serve a ``ColabHost`` on 127.0.0.1 (a free port) until the context exits."""
    host = ColabHost(output)
    server = HTTPServer(("127.0.0.1", 0), _handler(host))
    host.url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
