"""DrawPad latency in JupyterLab + Chromium on loopback, measured inside the page.

For each drawing (synthetic digits from ``tests/drawn_digits.py`` drawn with real, paced
mouse events): the time from the last pointer lift to the moment the widget root's
``data-busy`` returns to "0" (the page then shows the result for the final drawing), and
the prediction shown. Separately, long strokes of known duration count how many results
(``data-updates`` increments) the page renders per second while drawing.

Run from the repository root: ``.venv/bin/python -m bench.latency [--per-digit 5]``.
Prints a markdown table and writes ``artifacts/latency.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import Locator, Page

from tests.drawn_digits import make_strokes
from tests.e2e.browser import chromium
from tests.e2e.drawing import prediction_text, to_page, updates, wait_settled
from tests.e2e.harness import PadSession, pad_notebook
from tests.e2e.servers import ARTIFACTS, jupyter_server

TARGETS = {"p50_ms": 25.0, "p95_ms": 60.0, "updates_per_s": 10.0}

INSTRUMENT = """
(root) => {
  const pad = root.querySelector('[data-testid=digitwidget-pad]');
  const log = { downs: [], ups: [], idle: [], updates: [] };
  pad.addEventListener('pointerdown', () => log.downs.push(performance.now()));
  pad.addEventListener('pointerup', () => log.ups.push(performance.now()));
  new MutationObserver((records) => {
    const now = performance.now();
    for (const record of records) {
      if (record.attributeName === 'data-busy' && root.dataset.busy === '0') log.idle.push(now);
      if (record.attributeName === 'data-updates') log.updates.push(now);
    }
  }).observe(root, { attributes: true, attributeFilter: ['data-busy', 'data-updates'] });
  window.__drawpadBench = log;
}
"""


def paced_stroke(page: Page, points: np.ndarray, interval_s: float) -> None:
    """Press, move through ``points`` (page coordinates) one every ``interval_s``, release."""
    page.mouse.move(*points[0])
    page.mouse.down()
    start = time.perf_counter()
    for i, (x, y) in enumerate(points[1:], start=1):
        delay = start + i * interval_s - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        page.mouse.move(x, y)
    page.mouse.up()


def read_log(page: Page) -> dict[str, list[float]]:
    """The page's event log, emptied for the next measurement."""
    return page.evaluate(
        "() => { const log = window.__drawpadBench; const copy = JSON.parse(JSON.stringify(log));"
        " for (const key in log) log[key].length = 0; return copy; }"
    )


def clear(session: PadSession) -> None:
    """Clear with the toolbar button and wait until the page shows the blank result."""
    before = updates(session.root)
    session.root.locator("[data-testid=digitwidget-clear]").click()
    wait_settled(session.page, session.root, after=before)


def measure_drawing(session: PadSession, strokes: list[np.ndarray], interval_s: float) -> dict:
    """Draw one digit; return its lift-to-idle latency (ms) and predictions (page, Python)."""
    before = updates(session.root)
    for stroke in to_page(session.pad, strokes):
        paced_stroke(session.page, stroke, interval_s)
    wait_settled(session.page, session.root, after=before)
    log = read_log(session.page)
    last_up = log["ups"][-1]
    after_up = [t for t in log["idle"] if t >= last_up]
    if not after_up:
        msg = f"The page never went idle after the last pointer lift: {log}"
        raise RuntimeError(msg)
    shown = prediction_text(session.root)
    python = session.kernel.eval("pad.prediction")
    return {"latency_ms": after_up[0] - last_up, "shown": shown, "python": python}


def measure_rate(session: PadSession, root: Locator, seconds: float, interval_s: float) -> float:
    """Draw a zigzag for ``seconds``; return results rendered per second while drawing."""
    n = int(seconds / interval_s)
    t = np.linspace(0.0, 1.0, n)
    logical = np.stack([40 + 200 * t, 140 + 90 * np.sin(2 * np.pi * 6 * t)], axis=1)
    paced_stroke(session.page, to_page(session.pad, [logical])[0], interval_s)
    log = read_log(session.page)
    down, up = log["downs"][-1], log["ups"][-1]
    during = [u for u in log["updates"] if down < u <= up]
    clear(session)
    read_log(session.page)
    return len(during) / ((up - down) / 1000.0)


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def report(drawings: list[dict], rates: list[float], args: argparse.Namespace) -> str:
    """The results as markdown tables."""
    latencies = [d["latency_ms"] for d in drawings]
    p50, p95 = percentile(latencies, 50), percentile(latencies, 95)
    rate = float(np.median(rates))

    def row(name: str, value: str, target: str, met: bool) -> str:
        return f"| {name} | {value} | {target} | {'yes' if met else 'NO'} |"

    lines = [
        f"DrawPad latency, JupyterLab + Chromium on 127.0.0.1, {platform.processor() or 'cpu'}",
        f"{len(drawings)} drawings, pointer moves every {args.interval_ms:g} ms; "
        f"{len(rates)} strokes of {args.stroke_s:g} s for the update rate; "
        f"{os.cpu_count()} CPUs, load average at the end {os.getloadavg()[0]:.1f}.",
        "",
        "| metric | measured | target | met |",
        "|---|---|---|---|",
        row("lift -> final result, p50", f"{p50:.1f} ms", "< 25 ms", p50 < TARGETS["p50_ms"]),
        row("lift -> final result, p95", f"{p95:.1f} ms", "< 60 ms", p95 < TARGETS["p95_ms"]),
        row("lift -> final result, max", f"{max(latencies):.1f} ms", "", True),
        row("results while drawing", f"{rate:.1f} /s", ">= 10 /s", rate >= TARGETS["updates_per_s"]),
        "",
        "| digit | drawings | recognised | accuracy | page == Python |",
        "|---|---|---|---|---|",
    ]  # fmt: skip
    for digit in range(10):
        mine = [d for d in drawings if d["digit"] == digit]
        right = sum(d["shown"] == str(digit) for d in mine)
        agree = sum(d["shown"] == str(d["python"]) for d in mine)
        lines.append(f"| {digit} | {len(mine)} | {right} | {right / len(mine):.0%} | {agree} |")
    right = sum(d["shown"] == str(d["digit"]) for d in drawings)
    agree = sum(d["shown"] == str(d["python"]) for d in drawings)
    lines.append(f"| all | {len(drawings)} | {right} | {right / len(drawings):.0%} | {agree} |")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> tuple[list[dict], list[float]]:
    """Start JupyterLab and Chromium, draw every digit, measure; return drawings and rates."""
    rng = np.random.default_rng(args.seed)
    interval = args.interval_ms / 1000.0
    drawings, rates = [], []
    with (
        tempfile.TemporaryDirectory(prefix="digitwidget-bench-") as tmp,
        jupyter_server("lab", Path(tmp)) as server,
        chromium() as browser,
        pad_notebook(browser, server, "lab", "latency.ipynb") as session,
    ):
        session.page.evaluate(INSTRUMENT, session.root.element_handle())
        for _ in range(args.rate_strokes):
            rates.append(measure_rate(session, session.root, args.stroke_s, interval))
        for i in range(args.per_digit * 10):
            digit = i % 10
            result = measure_drawing(session, make_strokes(digit, rng), interval)
            drawings.append({"digit": digit, **result})
            clear(session)
            read_log(session.page)
        session.screenshot("bench-latency-last")
        session.assert_no_errors()
    return drawings, rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-digit", type=int, default=5, help="drawings per digit")
    parser.add_argument("--interval-ms", type=float, default=16.0, help="time between moves")
    parser.add_argument("--rate-strokes", type=int, default=5, help="long strokes for the rate")
    parser.add_argument("--stroke-s", type=float, default=2.0, help="long stroke duration")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    drawings, rates = run(args)
    table = report(drawings, rates, args)
    print(table)
    ARTIFACTS.mkdir(exist_ok=True)
    out = {"args": vars(args), "drawings": drawings, "rates_per_s": rates, "table": table}
    (ARTIFACTS / "latency.json").write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
