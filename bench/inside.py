"""The inside view's cost: DrawPad latency and bytes with the toggle off and on, in one run.

JupyterLab + Chromium on loopback (the harness of ``testkit/harness.py``). Drawings of
synthetic digits (``testkit/strokes.py``) with real, paced mouse events, alternating
off and on so both modes see the same machine load. For each drawing: the time from the
last pointer lift to the root's ``data-busy`` returning to "0", the results rendered per
second while drawing, and the kernel-to-page WebSocket bytes. Also, in this process, the
time the kernel spends on one result (preprocess + model, plus the inside view's pack).

Run from the repository root: ``.venv/bin/python -m bench.inside [--drawings 30]``.
Prints a markdown table and writes ``artifacts/inside.json``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import tempfile
import time
import timeit
from pathlib import Path

import numpy as np

from testkit.browser import chromium
from testkit.drawing import to_page, updates, wait_settled
from testkit.harness import PadSession, pad_notebook
from testkit.servers import ARTIFACTS, jupyter_server
from testkit.strokes import make_strokes, render_strokes

INSTRUMENT = """
(root) => {
  const pad = root.querySelector('[data-testid=digitwidget-pad]');
  const log = { downs: [], ups: [], idle: [], updates: [] };
  pad.addEventListener('pointerdown', () => log.downs.push(performance.now()));
  pad.addEventListener('pointerup', () => log.ups.push(performance.now()));
  new MutationObserver(() => {
    const now = performance.now();
    if (root.dataset.busy === '0') log.idle.push(now);
    log.updates.push(now);
  }).observe(root, { attributes: true, attributeFilter: ['data-busy', 'data-updates'] });
  window.__insideBench = log;
}
"""
_TAKE_LOG = (
    "() => { const log = window.__insideBench; const copy = JSON.parse(JSON.stringify(log));"
    " for (const key in log) log[key].length = 0; return copy; }"
)


class WireBytes:
    """Counts the bytes of the WebSocket frames the page receives (the kernel's messages).

    Listens through the Chrome DevTools Protocol, which reports frames of sockets that
    were open before it started listening (the notebook's kernel connection).
    """

    def __init__(self, session: PadSession) -> None:
        self.total = 0
        self.inside_messages = 0
        self._cdp = session.page.context.new_cdp_session(session.page)
        self._cdp.on("Network.webSocketFrameReceived", self._add)
        self._cdp.send("Network.enable")

    def _add(self, event: dict) -> None:
        frame = event["response"]
        data = frame["payloadData"]
        binary = frame.get("opcode") == 2  # base64 in the event
        payload = base64.b64decode(data) if binary else data.encode()
        self.total += len(payload)
        self.inside_messages += b'"_inside_data"' in payload

    def take(self) -> tuple[int, int]:
        """Bytes received and messages carrying inside-view data since the last call."""
        taken = (self.total, self.inside_messages)
        self.total = self.inside_messages = 0
        return taken


def paced_stroke(session: PadSession, points: np.ndarray, interval_s: float) -> None:
    """Press, move through ``points`` (page coordinates) one every ``interval_s``, release."""
    mouse = session.page.mouse
    mouse.move(*points[0])
    mouse.down()
    start = time.perf_counter()
    for i, (x, y) in enumerate(points[1:], start=1):
        delay = start + i * interval_s - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        mouse.move(x, y)
    mouse.up()


def set_inside(session: PadSession, on: bool) -> None:
    """Click the toggle if needed and wait until the page and Python agree."""
    toggle = session.root.locator("[data-testid=digitwidget-inside-toggle]")
    if (toggle.get_attribute("aria-pressed") == "true") != on:
        toggle.click()
    session.page.wait_for_function(
        "([el, on]) => el.classList.contains('is-inside') === on && el.dataset.busy === '0'",
        arg=[session.root.element_handle(), on],
    )
    deadline = time.monotonic() + 10
    while session.kernel.eval("pad.inside") is not on:
        if time.monotonic() > deadline:
            msg = f"pad.inside did not become {on}."
            raise TimeoutError(msg)
        time.sleep(0.05)


def measure_drawing(session: PadSession, strokes: list, interval_s: float, wire: WireBytes) -> dict:
    """Draw one digit; return lift-to-idle latency, results/s while drawing, bytes received."""
    before = updates(session.root)
    wire.take()
    for stroke in to_page(session.pad, strokes):
        paced_stroke(session, stroke, interval_s)
    wait_settled(session.page, session.root, after=before)
    received, inside_messages = wire.take()
    log = session.page.evaluate(_TAKE_LOG)
    last_up = log["ups"][-1]
    idle = [t for t in log["idle"] if t >= last_up]
    drawing_ms = sum(u - d for d, u in zip(log["downs"], log["ups"], strict=False))
    results = updates(session.root) - before
    shown = updates(session.root)
    session.root.locator("[data-testid=digitwidget-clear]").click()
    wait_settled(session.page, session.root, after=shown)
    session.page.evaluate(_TAKE_LOG)
    return {
        "latency_ms": idle[0] - last_up,
        "results": results,
        "results_per_s": results / max(drawing_ms / 1000, 1e-9),
        "bytes": received,
        "bytes_per_result": received / max(results, 1),
        "inside_messages": inside_messages,
    }


def kernel_cost(repeats: int = 200) -> dict:
    """Microseconds per result in this process: preprocess + predict_proba, and pack."""
    from digitwidget import load_model
    from digitwidget.preprocess import preprocess
    from digitwidget.widget import inside as _inside

    model = load_model()
    canvas = render_strokes(make_strokes(3, np.random.default_rng(0)))
    image = preprocess(canvas)
    off = timeit.repeat(lambda: model.predict_proba(preprocess(canvas)), number=repeats, repeat=5)
    pack = timeit.repeat(lambda: _inside.pack(model, image), number=repeats, repeat=5)
    return {
        "off_us": min(off) / repeats * 1e6,
        "pack_us": min(pack) / repeats * 1e6,
        "packed_bytes": len(_inside.pack(model, image)),
    }


def run(args: argparse.Namespace) -> dict:
    rng = np.random.default_rng(args.seed)
    interval = args.interval_ms / 1000
    results: dict[str, list[dict]] = {"off": [], "on": []}
    with (
        tempfile.TemporaryDirectory(prefix="digitwidget-inside-") as tmp,
        jupyter_server("lab", Path(tmp)) as server,
        chromium() as browser,
        pad_notebook(browser, server, "lab", "inside.ipynb") as session,
    ):
        session.page.evaluate(INSTRUMENT, session.root.element_handle())
        wire = WireBytes(session)
        for i in range(args.drawings):
            strokes = make_strokes(i % 10, rng)
            for mode in ("off", "on") if i % 2 == 0 else ("on", "off"):
                set_inside(session, mode == "on")
                results[mode].append(measure_drawing(session, strokes, interval, wire))
        set_inside(session, True)
        before = updates(session.root)
        for stroke in to_page(session.pad, make_strokes(8, rng)):
            paced_stroke(session, stroke, interval)
        wait_settled(session.page, session.root, after=before)
        session.screenshot("bench-inside-on")
        session.assert_no_errors()
    return {**results, "kernel": kernel_cost(), "load": os.getloadavg()[0]}


def report(results: dict, args: argparse.Namespace) -> str:
    def cell(mode: str, key: str, fmt: str = ".1f") -> str:
        values = np.array([d[key] for d in results[mode]])
        p50, p95 = np.percentile(values, [50, 95])
        return f"{p50:{fmt}} / {p95:{fmt}}"

    kernel = results["kernel"]
    rows = [
        ("last lift -> data-busy 0 (ms)", "latency_ms", ".1f"),
        ("results rendered per second while drawing", "results_per_s", ".1f"),
        ("kernel -> page WebSocket bytes per result", "bytes_per_result", ".0f"),
        ("messages carrying inside-view data per drawing", "inside_messages", ".0f"),
    ]
    lines = [
        f"DrawPad inside view off vs on, JupyterLab + Chromium on 127.0.0.1; {os.cpu_count()} CPUs, "
        f"load average {results['load']:.1f} at the end; {args.drawings} drawings per mode, "
        f"pointer moves every {args.interval_ms:g} ms, modes alternated.",
        "",
        "| metric (p50 / p95) | inside off | inside on |",
        "|---|---|---|",
        *(f"| {name} | {cell('off', key, f)} | {cell('on', key, f)} |" for name, key, f in rows),
        "",
        f"Kernel work per result (this process, best of 5): preprocess + predict_proba "
        f"{kernel['off_us']:.0f} us; inside view pack (forward with activations + saliency) "
        f"{kernel['pack_us']:.0f} us more, {kernel['packed_bytes']} bytes.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=30, help="drawings per mode")
    parser.add_argument("--interval-ms", type=float, default=16.0, help="time between moves")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    results = run(args)
    table = report(results, args)
    print(table)
    ARTIFACTS.mkdir(exist_ok=True)
    out = {"args": vars(args), **results, "table": table}
    (ARTIFACTS / "inside.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
