"""Live accuracy: held-out pen strokes drawn on a DrawPad with real mouse events.

The digits are the vector (pen-stroke) part of the independent set (bench/independent.py:
Hershey and EMS single-line fonts), placed on the 280x280 canvas as that set places them
(40-85% of the height, off-centre, rotation, slant, aspect). Each is drawn on a DrawPad
whose brush is the pen and whose model is ``--model`` (``DrawPad(model=..., brush=...)``)
with Playwright's mouse: press, moves
along the glyph's polylines at a steady hand speed (one move every ``--interval-ms``),
release, stroke after stroke in the font's order. Once the page shows the answer for the
final drawing (``data-busy`` 0, ``data-updates`` advanced: the README's DOM contract),
the prediction is read from the page and the pad is cleared with its clear button.

The same strokes, rendered offline with the same pen (``render_strokes``) and read by
the same model (``preprocess`` -> ``model.predict``), give the offline accuracy beside
the live one, so a gap between what the browser path draws and the offline rendering
shows. The pad's own pixels (read from Python) are compared with that rendering too.

    .venv/bin/python -m bench.live                        # JupyterLab, 10 per digit
    .venv/bin/python -m bench.live --host colab           # the Colab stand-in, 4 per digit
    .venv/bin/python -m bench.live -n 2 --model mlp --brush 14 --seed 1

The digits of a class come in the same order whatever ``-n`` is, so with the same
``--seed`` and ``--brush`` the Colab run's 40 digits are the first 40 of JupyterLab's 100.

``--host colab`` shows the pad the Colab way (its HTML output, calls through a stand-in
for ``google.colab.kernel.invokeFunction``) with the kernel side in this process, as the
browser tests do (tests/e2e/colab_host.py). Writes ``artifacts/live-<host>.json`` and
``artifacts/live-<host>.png`` (screenshots of the first ten digits and of the mistakes).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import io
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from playwright.sync_api import Browser, Locator, Page

from bench.drawn import confusions, top_confusions
from bench.independent import CANVAS, PEN_RANGE, source_of, vector_strokes
from bench.latency import paced_stroke
from digitwidget.nn import Model, load_model
from digitwidget.nn.loading import DEFAULT, SHIPPED
from digitwidget.preprocess import preprocess
from testkit.browser import ConsoleErrors, chromium, new_page
from testkit.drawing import to_page, updates, wait_settled
from testkit.harness import pad_notebook
from testkit.notebooks import PAD_SELECTOR, ROOT_SELECTOR
from testkit.servers import ARTIFACTS, Server, jupyter_server
from testkit.strokes import render_strokes

HOSTS = ("lab", "colab")
PER_DIGIT = {"lab": 10, "colab": 4}
"""Digits per class by default: 100 in JupyterLab, 40 through the Colab stand-in."""

BRUSH = 18.0
"""The pad's brush (pen width, canvas pixels) by default: DrawPad's own default."""

SPEED = 500.0
"""The hand's speed along a stroke, canvas pixels per second: a 200-pixel digit in a
second or so."""

INTERVAL_MS = 16.0
"""Time between mouse moves (a 60 Hz pointer), as in bench/latency.py."""

STROKE_GAP_S = 0.1
"""The pen is up this long between two strokes of a digit."""

NO_ANSWER = 10
"""Stands for "the page showed no digit" in the confusions."""

SCREENSHOTS = 10
"""Screenshots of this many first digits (one per class), and of up to as many mistakes."""

BLANK = (
    "el => el.dataset.busy === '0' && "
    "el.querySelector('[data-testid=digitwidget-prediction]').textContent.trim() === ''"
)

READ_PAGE = """
(el) => {
  const prediction = el.querySelector('[data-testid=digitwidget-prediction]');
  const bars = [...Array(10).keys()].map((d) => Number(
    el.querySelector(`[data-testid=digitwidget-bar-${d}]`)?.dataset.value ?? NaN));
  return {
    prediction: prediction.textContent.trim(),
    confident: prediction.dataset.confident ?? "",
    stale: el.dataset.stale ?? "",
    status: el.querySelector('[data-testid=digitwidget-status]')?.textContent.trim() ?? "",
    updates: Number(el.dataset.updates),
    bars,
  };
}
"""


@dataclass(frozen=True)
class Digit:
    """One held-out digit: its class, font, and strokes as the mouse draws them."""

    label: int
    style: str
    strokes: list[np.ndarray]


@dataclass(frozen=True)
class Shot:
    """A screenshot of the widget after a digit, its caption, and the offline rendering."""

    png: bytes
    caption: str
    offline: np.ndarray


@dataclass
class LivePad:
    """A DrawPad shown on a page, and how to read its Python side.

    Attributes:
        page: the browser page.
        root: the widget's root element.
        python: returns the Python pad's prediction and its pixels ``(280, 280)`` uint8.
        errors: the page's console errors.
    """

    page: Page
    root: Locator
    python: Callable[[], tuple[int | None, np.ndarray]]
    errors: ConsoleErrors
    shots: list[Shot] = field(default_factory=list)

    @property
    def canvas(self) -> Locator:
        return self.root.locator(PAD_SELECTOR)


# ---------------------------------------------------------------------------------------
# The digits.


def paced_points(stroke: np.ndarray, step: float) -> np.ndarray:
    """Where a hand moving steadily along ``stroke`` is at each pointer event: points
    ``step`` pixels of arc length apart, from the first point to the last."""
    stroke = np.asarray(stroke, dtype=float)
    keep = np.concatenate([[True], np.linalg.norm(np.diff(stroke, axis=0), axis=1) > 1e-9])
    stroke = stroke[keep]
    if len(stroke) < 2:
        return stroke[:1]
    along = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(stroke, axis=0), axis=1))])
    at = np.linspace(0.0, along[-1], max(1, int(np.ceil(along[-1] / step))) + 1)
    return np.stack([np.interp(at, along, stroke[:, i]) for i in range(2)], axis=1)


def held_out_digits(
    per_digit: int, seed: int, brush: float, step: float = SPEED * INTERVAL_MS / 1000
) -> list[Digit]:
    """``per_digit`` vector-font digits per class, placed for a pen of ``brush`` pixels,
    as the mouse draws them (one point per move), classes interleaved (0, 1, ..., 9, 0, ...).
    """
    strokes, labels, styles, _ = vector_strokes(per_digit, seed, pen=brush)
    digits = [
        Digit(int(label), str(style), [paced_points(s, step) for s in glyph])
        for glyph, label, style in zip(strokes, labels, styles, strict=True)
    ]
    return [digits[d * per_digit + i] for i in range(per_digit) for d in range(10)]


def render(digit: Digit, brush: float) -> np.ndarray:
    """The digit's strokes painted offline with a round pen of ``brush`` pixels."""
    return render_strokes(digit.strokes, CANVAS, brush)


def offline_predictions(model: Model, digits: list[Digit], brush: float) -> np.ndarray:
    """The model's reading of each digit rendered offline with the same strokes and pen."""
    return np.asarray(model.predict(np.stack([preprocess(render(d, brush)) for d in digits])))


# ---------------------------------------------------------------------------------------
# The pad, in JupyterLab or through the Colab stand-in.


def model_argument(model: str | None) -> str | None:
    """``--model`` as ``DrawPad(model=...)`` takes it in the kernel: a shipped model's name,
    or an absolute file path (the kernel runs in another directory)."""
    if model is None or model in SHIPPED:
        return model
    return str(Path(model).resolve())


def model_file(model: str | None) -> Path:
    """The file ``--model`` names: a shipped model's weights, or the path given."""
    if model is None or model in SHIPPED:
        return Path(str(resources.files("digitwidget") / "weights" / f"{model or DEFAULT}.npz"))
    return Path(model).resolve()


def pad_cell(brush: float, model: str | None) -> str:
    """The notebook cell that shows the pad (the shipped default model when ``model`` is None)."""
    chosen = "" if model is None else f"model={model!r}, "
    return f"from digitwidget import DrawPad\n\npad = DrawPad({chosen}brush={brush!r})\npad"


_KERNEL_STATE = (
    '{"prediction": pad.prediction, '
    '"pixels": __import__("base64").b64encode(pad.pixels.tobytes()).decode()}'
)


@contextlib.contextmanager
def lab_pad(
    browser: Browser, server: Server, brush: float, model: str | None, name: str = "live.ipynb"
) -> Iterator[LivePad]:
    """A DrawPad with ``brush`` and ``model`` in a JupyterLab notebook; Python read through
    a second client of its kernel."""
    cells = [pad_cell(brush, model_argument(model))]
    with pad_notebook(browser, server, "lab", name, cells=cells) as session:

        def python() -> tuple[int | None, np.ndarray]:
            state = session.kernel.eval(_KERNEL_STATE)
            assert isinstance(state, dict)
            pixels = np.frombuffer(base64.b64decode(state["pixels"]), dtype=np.uint8)
            return state["prediction"], pixels.reshape(CANVAS, CANVAS)

        yield LivePad(session.page, session.root, python, session.errors)


@contextlib.contextmanager
def colab_pad(browser: Browser, brush: float, model: str | None) -> Iterator[LivePad]:
    """A DrawPad shown the Colab way, its calls answered in this process (tests/e2e)."""
    import pytest

    from digitwidget.widget import DrawPad
    from digitwidget.widget.colab import colab_mimebundle
    from tests.e2e import colab_fake
    from tests.e2e.colab_host import colab_host

    with pytest.MonkeyPatch.context() as monkeypatch:
        output = colab_fake.install(monkeypatch)
        pad = DrawPad(model=model_argument(model), brush=brush)
        with colab_host(output) as host:
            host.outputs = [colab_mimebundle(pad)["text/html"]]
            page, errors = new_page(browser)
            try:
                page.goto(host.url)
                root = page.locator(ROOT_SELECTOR).first
                root.locator(PAD_SELECTOR).wait_for(state="visible")

                def python() -> tuple[int | None, np.ndarray]:
                    with host.lock:
                        return pad.prediction, pad.pixels.copy()

                yield LivePad(page, root, python, errors)
            finally:
                page.context.close()


# ---------------------------------------------------------------------------------------
# Drawing and reading.


def clear(pad: LivePad) -> None:
    """Clear with the toolbar's button; wait until the page shows the blank pad."""
    pad.root.locator("[data-testid=digitwidget-clear]").click()
    pad.page.wait_for_function(BLANK, arg=pad.root.element_handle())


def draw_digit(
    pad: LivePad,
    digit: Digit,
    model: Model,
    brush: float,
    interval_s: float = INTERVAL_MS / 1000,
    gap_s: float = STROKE_GAP_S,
) -> dict:
    """Draw ``digit`` with the mouse, wait for the final answer and read it from the page
    and from Python; the pad is left drawn (:func:`clear` it next).

    Returns:
        The answer shown (``live``: the digit, None if the page showed none), whether it
        was shown as confident, Python's ``pad.prediction``, ``model``'s reading of the
        pad's own pixels, the overlap of the pad's ink with the offline rendering, and
        the seconds spent drawing and from the last lift to the answer.
    """
    before = updates(pad.root)
    start = time.perf_counter()
    for i, stroke in enumerate(to_page(pad.canvas, digit.strokes)):
        if i:
            time.sleep(gap_s)
        paced_stroke(pad.page, stroke, interval_s)
    lifted = time.perf_counter()
    wait_settled(pad.page, pad.root, after=before)
    answered = time.perf_counter()
    shown = pad.page.evaluate(READ_PAGE, pad.root.element_handle())
    python, pixels = pad.python()
    x28 = preprocess(pixels)
    ink, offline_ink = pixels > 127, render(digit, brush) > 127
    text = shown["prediction"]
    return {
        "label": digit.label,
        "style": digit.style,
        "strokes": len(digit.strokes),
        "moves": int(sum(len(s) for s in digit.strokes)),
        "live": int(text) if text.isdigit() else None,
        "confident": shown["confident"] == "1",
        "probability": max(shown["bars"]),
        "stale": shown["stale"] == "1",
        "status": shown["status"],
        "python": python,
        "pad_pixels_read": None if x28 is None else int(model.predict(x28)),
        "ink_iou": float((ink & offline_ink).sum() / max(int((ink | offline_ink).sum()), 1)),
        "draw_s": lifted - start,
        "answer_s": answered - lifted,
    }


def measure(
    pad: LivePad,
    digits: list[Digit],
    model: Model,
    brush: float,
    offline: np.ndarray,
    interval_s: float = INTERVAL_MS / 1000,
    shots: int = SCREENSHOTS,
    progress: Callable[[int, dict], None] | None = None,
) -> list[dict]:
    """Draw every digit and clear after each; keep screenshots (``pad.shots``) of the
    first ``shots`` digits and of up to ``shots`` later mistakes (wrong live, or unlike
    offline)."""
    results = []
    mistakes = 0
    for i, digit in enumerate(digits):
        result = draw_digit(pad, digit, model, brush, interval_s)
        wrong = result["live"] != digit.label or result["live"] != offline[i]
        if i < shots or (wrong and mistakes < shots):
            mistakes += i >= shots
            caption = (
                f"#{i + 1}: drew {digit.label} ({digit.style}), read {result['live']}; "
                f"offline {offline[i]}"
            )
            pad.shots.append(Shot(pad.root.screenshot(), caption, render(digit, brush)))
        clear(pad)
        results.append(result)
        if progress is not None:
            progress(i, result)
    return results


# ---------------------------------------------------------------------------------------
# The report.


def contact_sheet(shots: list[Shot], path: Path, columns: int = 4) -> Path:
    """The screenshots in a grid, each captioned, with the offline rendering of the same
    strokes beside it (inset, right); written to ``path``."""
    font = ImageFont.load_default(size=18)
    images = [Image.open(io.BytesIO(shot.png)).convert("RGB") for shot in shots]
    inset = 140
    width = max(im.width for im in images) + inset + 8
    height = max(max(im.height for im in images), inset + 24) + 30
    rows = -(-len(images) // columns)
    sheet = Image.new("RGB", (columns * width, rows * height), "white")
    draw = ImageDraw.Draw(sheet)
    for k, (image, shot) in enumerate(zip(images, shots, strict=True)):
        x, y = (k % columns) * width, (k // columns) * height
        sheet.paste(image, (x, y + 30))
        offline = Image.fromarray(255 - shot.offline).resize((inset, inset), Image.Resampling.BOX)
        sheet.paste(offline.convert("RGB"), (x + image.width + 4, y + 54))
        draw.rectangle(
            (x + image.width + 4, y + 54, x + image.width + 4 + inset, y + 54 + inset),
            outline="gray",
        )
        draw.text((x + image.width + 4, y + 32), "offline", fill="gray", font=font)
        draw.text((x + 4, y + 6), shot.caption, fill="black", font=font)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)
    return path


def _percent(right: int, n: int) -> str:
    return f"{right / n:.0%}" if n else "-"


def report(results: list[dict], offline: np.ndarray, info: dict) -> str:
    """Live and offline accuracy side by side: overall, per digit, per source; the
    confusions; where the two disagree; agreement checks; time."""
    labels = np.asarray([r["label"] for r in results])
    live = np.asarray([NO_ANSWER if r["live"] is None else r["live"] for r in results])
    sources = np.asarray([source_of(r["style"]) for r in results])
    n = len(results)
    lines = [
        f"bench.live: host {info['host']}, model {info['model']}, brush {info['brush']:g} px, "
        f"{info['per_digit']} per digit, seed {info['seed']}; pen {info['speed']:g} px/s, "
        f"a move every {info['interval_ms']:g} ms (Playwright mouse); {os.cpu_count()} CPUs, "
        f"load {info['load'][0]:.1f} -> {info['load'][1]:.1f}",
        "",
        "| digit | n | live | offline | live mistakes (count x read as) | offline mistakes |",
        "|---|---:|---:|---:|---|---|",
    ]
    live_wrong, offline_wrong = confusions(labels, live), confusions(labels, offline)
    for digit in range(10):
        mask = labels == digit
        lines.append(
            f"| {digit} | {mask.sum()} | {_percent(int((live[mask] == digit).sum()), int(mask.sum()))} "
            f"| {_percent(int((offline[mask] == digit).sum()), int(mask.sum()))} "
            f"| {live_wrong[digit]} "
            f"| {offline_wrong[digit]} |"
        )
    for source in sorted(set(sources.tolist())):
        mask = sources == source
        lines.append(
            f"| {source} | {mask.sum()} | {_percent(int((live[mask] == labels[mask]).sum()), int(mask.sum()))} "
            f"| {_percent(int((offline[mask] == labels[mask]).sum()), int(mask.sum()))} | | |"
        )
    lines.append(
        f"| **all** | {n} | **{_percent(int((live == labels).sum()), n)}** "
        f"| **{_percent(int((offline == labels).sum()), n)}** | | |"
    )
    if (live == NO_ANSWER).any():
        lines.append(f"(read as {NO_ANSWER}: the page showed no digit)")
    lines += [
        "",
        f"confusions (true->read), live: {top_confusions(labels, live)}",
        f"confusions (true->read), offline: {top_confusions(labels, offline)}",
    ]
    differ = [i for i in range(n) if live[i] != offline[i]]
    lines.append(f"live != offline: {len(differ)} of {n}")
    for i in differ:
        r = results[i]
        lines.append(
            f"  #{i + 1} {r['label']} ({r['style']}): live {r['live']} "
            f"({r['probability']:.0%}), offline {offline[i]}, "
            f"the pad's pixels read offline {r['pad_pixels_read']}, ink overlap {r['ink_iou']:.2f}"
        )
    iou = np.asarray([r["ink_iou"] for r in results])
    draw_s = np.asarray([r["draw_s"] for r in results])
    answer_ms = np.asarray([r["answer_s"] for r in results]) * 1000
    python_agrees = sum(r["live"] == r["python"] for r in results)
    pixels_agree = sum(r["python"] == r["pad_pixels_read"] for r in results)
    lines += [
        f"page == Python pad.prediction: {python_agrees}/{n}; pad.prediction == the model on "
        f"pad.pixels here: {pixels_agree}/{n}; shown 'Not sure': "
        f"{sum(not r['confident'] for r in results)}; stale: {sum(r['stale'] for r in results)}",
        f"ink overlap (IoU) of the pad's pixels with the offline rendering: median "
        f"{np.median(iou):.3f}, min {iou.min():.3f}",
        f"time: {info['seconds']:.0f} s in all ({info['setup_s']:.0f} s to start); per digit "
        f"{info['digits_s'] / n:.1f} s: drawing {np.median(draw_s):.2f} s median "
        f"({np.median([r['moves'] for r in results]):.0f} moves), lift -> answer read "
        f"{np.median(answer_ms):.0f} ms median, {np.percentile(answer_ms, 95):.0f} ms p95",
        f"offline: {info['offline_s']:.2f} s for all {n}",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# The command.


@contextlib.contextmanager
def live_pad(browser: Browser, host: str, brush: float, model: str | None) -> Iterator[LivePad]:
    """The pad on ``host``: a JupyterLab server of its own, or the Colab stand-in."""
    if host == "colab":
        with colab_pad(browser, brush, model) as pad:
            yield pad
        return
    with (
        tempfile.TemporaryDirectory(prefix="digitwidget-live-") as tmp,
        jupyter_server("lab", Path(tmp), label="live") as server,
        lab_pad(browser, server, brush, model) as pad,
    ):
        yield pad


def run(args: argparse.Namespace) -> tuple[list[dict], np.ndarray, dict, list[Shot]]:
    """Build the digits, read them offline, then draw them live; return everything."""
    started = time.perf_counter()
    load_start = os.getloadavg()[0]
    model = load_model(args.model)
    digest = hashlib.sha256(model_file(args.model).read_bytes()).hexdigest()[:12]
    digits = held_out_digits(
        args.per_digit, args.seed, args.brush, args.speed * args.interval_ms / 1000
    )
    t = time.perf_counter()
    offline = offline_predictions(model, digits, args.brush)
    offline_s = time.perf_counter() - t

    def progress(i: int, result: dict) -> None:
        if (i + 1) % 10 == 0 or i + 1 == len(digits):
            print(f"  {i + 1}/{len(digits)} drawn", file=sys.stderr, flush=True)

    with chromium() as browser, live_pad(browser, args.host, args.brush, args.model) as pad:
        setup_s = time.perf_counter() - started
        t = time.perf_counter()
        results = measure(
            pad, digits, model, args.brush, offline, args.interval_ms / 1000, progress=progress
        )
        digits_s = time.perf_counter() - t
        errors = pad.errors.take()
        picker = pad.root.locator("[data-testid=digitwidget-model]")
        shown_model = picker.input_value() if picker.count() else "(no picker)"
        shots = pad.shots
    info = {
        "host": args.host,
        "model": f"{args.model or DEFAULT + ' (the shipped default)'}, sha256 {digest}, "
        f"the pad's picker showing {shown_model!r}",
        "brush": args.brush,
        "per_digit": args.per_digit,
        "seed": args.seed,
        "speed": args.speed,
        "interval_ms": args.interval_ms,
        "load": (load_start, os.getloadavg()[0]),
        "seconds": time.perf_counter() - started,
        "setup_s": setup_s,
        "digits_s": digits_s,
        "offline_s": offline_s,
        "console_errors": errors,
    }
    return results, offline, info, shots


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", choices=HOSTS, default="lab", help="where the pad is shown")
    parser.add_argument(
        "-n", "--per-digit", type=int, default=None,
        help=f"digits per class (default: {PER_DIGIT['lab']} for lab, {PER_DIGIT['colab']} for colab)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="choice of designs and placement")
    parser.add_argument(
        "--model", default=None,
        help=f"a shipped model's name ({', '.join(SHIPPED)}) or a .npz/.keras file "
        f"(default: the pad's default, {DEFAULT})",
    )  # fmt: skip
    parser.add_argument(
        "--brush", type=float, default=BRUSH,
        help=f"the pad's brush, canvas pixels (a pen: {PEN_RANGE[0]:g}-{PEN_RANGE[1]:g})",
    )  # fmt: skip
    parser.add_argument("--speed", type=float, default=SPEED, help="pen speed, canvas px/s")
    parser.add_argument("--interval-ms", type=float, default=INTERVAL_MS, help="between moves")
    args = parser.parse_args(argv)
    if args.per_digit is None:
        args.per_digit = PER_DIGIT[args.host]
    if not PEN_RANGE[0] <= args.brush <= PEN_RANGE[1]:
        print(f"note: --brush {args.brush:g} is outside the pen range {PEN_RANGE}", file=sys.stderr)
    # Let SIGTERM unwind the context managers, so the servers and browser are shut down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    results, offline, info, shots = run(args)
    table = report(results, offline, info)
    sheet = contact_sheet(shots, ARTIFACTS / f"live-{args.host}.png")
    print(table)
    print(f"screenshots: {sheet}")
    if info["console_errors"]:
        print("the page logged errors:\n" + "\n".join(info["console_errors"]))
    out = {
        "args": vars(args),
        "info": info,
        "results": [{**r, "offline": int(o)} for r, o in zip(results, offline, strict=True)],
        "table": table,
    }
    (ARTIFACTS / f"live-{args.host}.json").write_text(json.dumps(out, indent=2))
    return 1 if info["console_errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
