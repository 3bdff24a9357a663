"""Draw on the DrawPad with real input events and read what it shows (the DOM contract).

Strokes are ``(k, 2)`` arrays of ``x, y`` in the pad's logical canvas coordinates
(280x280); they are mapped through the canvas's bounding box, so the CSS size of the
canvas does not matter. Mouse strokes go through Playwright, touch and pen through CDP.
"""

from __future__ import annotations

import numpy as np
from playwright.sync_api import CDPSession, Locator, Page

LOGICAL = 280
SETTLE_TIMEOUT_MS = 30_000


def to_page(pad: Locator, strokes: list[np.ndarray], logical: int = LOGICAL) -> list[np.ndarray]:
    """Map logical canvas points onto page (CSS pixel) coordinates of ``pad``."""
    box = pad.bounding_box()
    if box is None:
        msg = "Expected a visible pad canvas, received one without a bounding box."
        raise RuntimeError(msg)
    origin = np.array([box["x"], box["y"]])
    scale = np.array([box["width"], box["height"]]) / logical
    return [origin + np.asarray(stroke, dtype=float) * scale for stroke in strokes]


def draw_mouse(page: Page, pad: Locator, strokes: list[np.ndarray]) -> None:
    """Draw ``strokes`` with the mouse: press, move through every point, release."""
    for stroke in to_page(pad, strokes):
        page.mouse.move(*stroke[0])
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(x, y)
        page.mouse.up()


def draw_touch(cdp: CDPSession, pad: Locator, strokes: list[np.ndarray]) -> None:
    """Draw ``strokes`` with one finger through ``Input.dispatchTouchEvent``."""
    for stroke in to_page(pad, strokes):
        for i, (x, y) in enumerate(stroke):
            kind = "touchStart" if i == 0 else "touchMove"
            point = {"x": float(x), "y": float(y), "id": 1, "radiusX": 2, "radiusY": 2}
            cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [point]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def draw_pen(cdp: CDPSession, pad: Locator, strokes: list[np.ndarray]) -> None:
    """Draw ``strokes`` with a pen through ``Input.dispatchMouseEvent``."""
    for stroke in to_page(pad, strokes):
        for i, (x, y) in enumerate(stroke):
            kind = "mousePressed" if i == 0 else "mouseMoved"
            cdp.send("Input.dispatchMouseEvent", _pen_event(kind, x, y, pressed=True))
        cdp.send("Input.dispatchMouseEvent", _pen_event("mouseReleased", *stroke[-1], False))


def _pen_event(kind: str, x: float, y: float, pressed: bool) -> dict:
    return {
        "type": kind,
        "x": float(x),
        "y": float(y),
        "button": "left",
        "buttons": 1 if pressed else 0,
        "clickCount": 1,
        "pointerType": "pen",
        "force": 0.5 if pressed else 0.0,
    }


def updates(root: Locator) -> int:
    """How many results the widget has rendered so far (``data-updates``)."""
    return int(root.get_attribute("data-updates") or 0)


def wait_settled(page: Page, root: Locator, after: int, timeout: float = SETTLE_TIMEOUT_MS) -> int:
    """Wait until ``root`` shows a result newer than update ``after`` and is not busy.

    Returns:
        The new ``data-updates`` count.
    """
    page.wait_for_function(
        "([el, n]) => el.dataset.busy === '0' && Number(el.dataset.updates) > n",
        arg=[root.element_handle(), after],
        timeout=timeout,
    )
    return updates(root)


def prediction_text(root: Locator) -> str:
    """The predicted digit shown in ``root`` ("" while the pad is blank)."""
    return root.locator("[data-testid=digitwidget-prediction]").inner_text().strip()


def bar_values(root: Locator) -> list[float]:
    """The ten probability bars' ``data-value``, digit 0 first."""
    values = []
    for digit in range(10):
        bar = root.locator(f"[data-testid=digitwidget-bar-{digit}]")
        values.append(float(bar.get_attribute("data-value") or "nan"))
    return values


_READ_CANVAS = """
(el) => {
  const canvas = el instanceof HTMLCanvasElement ? el : el.querySelector('canvas');
  const {width, height} = canvas;
  const data = canvas.getContext('2d').getImageData(0, 0, width, height).data;
  const luma = [];
  for (let i = 0; i < data.length; i += 4) {
    luma.push(0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2] + data[i + 3]);
  }
  return {width, height, luma};
}
"""


def vision_pixels(root: Locator) -> np.ndarray:
    """The robot-vision canvas as a ``(h, w)`` array (luma plus alpha, per pixel)."""
    vision = root.locator("[data-testid=digitwidget-vision]")
    found = vision.evaluate(_READ_CANVAS)
    return np.asarray(found["luma"], dtype=float).reshape(found["height"], found["width"])


def is_uniform(image: np.ndarray) -> bool:
    """True when every pixel has the same value (a blank view)."""
    return bool(np.ptp(image) == 0)


# Hand-written fallback strokes (logical coordinates) for a few digits.
SIMPLE_STROKES: dict[int, list[np.ndarray]] = {
    1: [np.array([[140.0, 40.0 + 5 * i] for i in range(41)])],
    7: [
        np.concatenate(
            [
                np.array([[70.0 + 5 * i, 50.0] for i in range(29)]),
                np.array([[210.0 - 2.2 * i, 50.0 + 4.5 * i] for i in range(1, 41)]),
            ]
        )
    ],
    0: [
        np.stack(
            [
                140 + 65 * np.cos(np.linspace(0, 2 * np.pi, 72)),
                140 + 95 * np.sin(np.linspace(0, 2 * np.pi, 72)),
            ],
            axis=1,
        )
    ],
}


def canvas_ink(canvas: Locator) -> np.ndarray:
    """A ``(h, w)`` bool mask of the pixels of ``canvas`` that differ from its corner pixel."""
    found = canvas.evaluate(_READ_CANVAS)
    image = np.asarray(found["luma"], dtype=float).reshape(found["height"], found["width"])
    return np.abs(image - image[0, 0]) > 64


def thin(strokes: list[np.ndarray], every: int = 2) -> list[np.ndarray]:
    """Keep every ``every``-th point of each stroke (and its last point): fewer input events."""
    return [np.concatenate([s[:-1:every], s[-1:]]) if len(s) > 2 else s for s in strokes]
