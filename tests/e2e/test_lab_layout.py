"""In JupyterLab: the pad's controls and results lay out cleanly at every canvas size."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from testkit.drawing import SIMPLE_STROKES, draw_mouse, updates, wait_settled
from testkit.harness import PadSession

pytestmark = pytest.mark.e2e

# widget.py's MIN_SIZE and MAX_SIZE, and sizes in between.
SIZES = [28, 64, 140, 200, 280, 2048]
BUTTONS = ["inside-toggle", "eraser", "undo", "redo", "clear"]
RESULTS = ["prediction", "vision", *(f"bar-{d}" for d in range(10))]

_BOXES = """
([root, buttons, results]) => {
  const box = (el) => {
    const r = el.getBoundingClientRect();
    return {x: r.left, y: r.top, w: r.width, h: r.height,
            scroll: el.scrollWidth, client: el.clientWidth};
  };
  const byId = (id) => root.querySelector(`[data-testid=digitwidget-${id}]`);
  const controls = {
    label: root.querySelector('.dw-brush-text'), slider: byId('brush'), model: byId('model'),
  };
  const value = root.querySelector('.dw-brush-value');
  if (value) controls.value = value;
  for (const id of buttons) controls[id] = byId(id);
  return {
    root: box(root),
    pad: box(byId('pad')),
    column: box(byId('pad').closest('.dw-left')),
    controls: Object.fromEntries(Object.entries(controls).map(([k, el]) => [k, box(el)])),
    results: results.map((id) => box(byId(id))),
  };
}
"""


def overlap(a: dict, b: dict) -> float:
    """The area two boxes share, in square CSS pixels."""
    w = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
    h = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
    return max(0.0, w) * max(0.0, h)


def inside(inner: dict, outer: dict, slack: float = 0.5) -> bool:
    """True when box ``inner`` lies within box ``outer``."""
    return (
        inner["x"] >= outer["x"] - slack
        and inner["y"] >= outer["y"] - slack
        and inner["x"] + inner["w"] <= outer["x"] + outer["w"] + slack
        and inner["y"] + inner["h"] <= outer["y"] + outer["h"] + slack
    )


def union(boxes: list[dict]) -> dict:
    """The smallest box around ``boxes``."""
    x0 = min(b["x"] for b in boxes)
    y0 = min(b["y"] for b in boxes)
    x1 = max(b["x"] + b["w"] for b in boxes)
    y1 = max(b["y"] + b["h"] for b in boxes)
    return {"x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0}


def as_box(box: dict) -> dict:
    """A Playwright bounding box in this module's ``x, y, w, h`` form."""
    return {"x": box["x"], "y": box["y"], "w": box["width"], "h": box["height"]}


def set_size(session: PadSession, size: int) -> None:
    """Set ``pad.size`` from Python and wait until the page has laid it out."""
    session.kernel.run(f"pad.size = {size}")
    session.page.wait_for_function(
        "([el, size]) => el.style.getPropertyValue('--dw-size') === `${size}px`",
        arg=[session.root.element_handle(), size],
    )
    session.page.evaluate("() => new Promise((r) => requestAnimationFrame(() => r()))")


@pytest.fixture
def sized(lab_pad: PadSession) -> Iterator[PadSession]:
    """The shared pad, put back to its default size, theme and page size after the test."""
    yield lab_pad
    lab_pad.page.set_viewport_size({"width": 1280, "height": 900})
    lab_pad.kernel.run("pad.size = 280\npad.theme = 'auto'")


@pytest.mark.parametrize("size", SIZES)
def test_controls_and_results_never_overlap_or_clip(sized: PadSession, size: int) -> None:
    if size > 1000:  # room for the whole widget in the screenshots
        sized.page.set_viewport_size({"width": 1280, "height": 1700})
    set_size(sized, size)
    found = sized.page.evaluate(_BOXES, [sized.root.element_handle(), BUTTONS, RESULTS])
    controls, root = found["controls"], found["root"]

    assert found["pad"]["w"] == pytest.approx(min(size, found["column"]["w"]), abs=0.5), (
        "The canvas's on-screen size does not follow `size`."
    )
    names = list(controls)
    for i, a in enumerate(names):
        box = controls[a]
        assert inside(box, root), f"size={size}: {a} {box} sticks out of the widget {root}."
        assert box["w"] * box["h"] > 0, f"size={size}: {a} is not shown."
        for b in names[i + 1 :]:
            assert overlap(box, controls[b]) < 1, f"size={size}: {a} overlaps {b}."
    for name in ("label", "value"):
        if name in controls:
            box = controls[name]
            assert box["scroll"] <= box["client"], f"size={size}: the brush {name} is cut."
    assert controls["slider"]["w"] >= 48, f"size={size}: the brush slider is a stub."
    results = union(found["results"])
    toolbar = union(list(controls.values()))
    assert overlap(results, toolbar) < 1, f"size={size}: the results overlap the toolbar."
    assert inside(results, root), f"size={size}: the results stick out of the widget."

    sized.screenshot(f"lab-layout-{size}-light")
    sized.kernel.run("pad.theme = 'dark'")
    sized.page.wait_for_function(
        "el => el.dataset.dwTheme === 'dark'", arg=sized.root.element_handle()
    )
    sized.screenshot(f"lab-layout-{size}-dark")


def root_width(session: PadSession) -> float:
    box = session.root.bounding_box()
    assert box is not None
    return box["width"]


def test_inside_view_keeps_the_widget_as_wide_as_its_content(lab_pad: PadSession) -> None:
    lab_pad.kernel.run('pad.model = "mlp"')  # two hidden layers, the second the widest
    toggle = lab_pad.root.locator("[data-testid=digitwidget-inside-toggle]")
    closed = root_width(lab_pad)
    toggle.click()
    try:
        layer = lab_pad.root.locator("[data-testid=digitwidget-layer-1]")
        layer.wait_for(state="visible")
        assert root_width(lab_pad) == pytest.approx(closed, abs=1), (
            "Opening the inside view widened the widget."
        )
        root_box, layer_box = lab_pad.root.bounding_box(), layer.bounding_box()
        assert root_box is not None
        assert layer_box is not None
        assert inside(as_box(layer_box), as_box(root_box))
    finally:
        lab_pad.kernel.run("pad.inside = False\npad.model = None")


@pytest.mark.parametrize("size", [28, 280])
def test_a_long_error_wraps_inside_the_widget(sized: PadSession, size: int) -> None:
    set_size(sized, size)
    sized.kernel.run(
        "class Broken:\n"
        "    def predict_proba(self, x):\n"
        "        raise ValueError('x' * 400)\n"
        "pad.model = Broken()"
    )
    try:
        before = updates(sized.root)
        draw_mouse(sized.page, sized.pad, SIMPLE_STROKES[7])
        wait_settled(sized.page, sized.root, after=before)
        status = sized.root.locator(".dw-status")
        sized.page.wait_for_function(
            "el => el.textContent.startsWith('The model failed: ValueError: xxx')",
            arg=status.element_handle(),
        )
        assert status.is_visible()
        box = status.evaluate(
            "el => ({scroll: el.scrollWidth, client: el.clientWidth, "
            "...JSON.parse(JSON.stringify(el.getBoundingClientRect()))})"
        )
        root = sized.root.bounding_box()
        assert root is not None
        assert box["scroll"] <= box["client"], "The error runs past the status line's edge."
        status_box = {"x": box["x"], "y": box["y"], "w": box["width"], "h": box["height"]}
        assert inside(status_box, as_box(root)), "The error sticks out of the widget."
        sized.screenshot(f"lab-long-error-{size}")
    finally:
        sized.kernel.run("pad.model = None")


def contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """WCAG contrast ratio of two sRGB colours (0..255)."""

    def luminance(rgb: tuple[float, ...]) -> float:
        c = np.asarray(rgb[:3], float) / 255
        lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return float(lin @ [0.2126, 0.7152, 0.0722])

    hi, lo = sorted([luminance(a), luminance(b)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


_COLOURS = """
([button, root]) => {
  const parse = (text) => text.match(/[\\d.]+/g).map(Number);
  return {button: parse(getComputedStyle(button).backgroundColor),
          card: parse(getComputedStyle(root).backgroundColor)};
}
"""


def pressed_contrast(session: PadSession, button: str) -> float:
    """Contrast of a button's background (over the card) with the widget's card."""
    found = session.page.evaluate(
        _COLOURS,
        [session.root.locator(button).element_handle(), session.root.element_handle()],
    )
    card = found["card"][:3]
    rgba = [*found["button"], 1.0][:4]
    alpha = rgba[3]
    shown = tuple(alpha * c + (1 - alpha) * k for c, k in zip(rgba[:3], card, strict=True))
    return contrast(shown, tuple(card))


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_eraser_pressed_state_is_clearly_visible(sized: PadSession, theme: str) -> None:
    sized.kernel.run(f"pad.theme = {theme!r}")
    eraser = "[data-testid=digitwidget-eraser]"
    button = sized.root.locator(eraser)
    assert button.get_attribute("aria-pressed") == "false"
    assert pressed_contrast(sized, eraser) < 1.5, "An eraser that is off looks pressed."
    button.click()  # the pointer stays on it: the hover style must not hide the state
    try:
        assert button.get_attribute("aria-pressed") == "true"
        hovered = pressed_contrast(sized, eraser)
        sized.page.mouse.move(5, 5)
        resting = pressed_contrast(sized, eraser)
        assert min(hovered, resting) >= 3, (theme, hovered, resting)
        sized.screenshot(f"lab-eraser-on-{theme}")
    finally:
        button.click()
    assert button.get_attribute("aria-pressed") == "false"


def test_brush_slider_shows_its_size_and_keys(lab_pad: PadSession) -> None:
    slider = lab_pad.root.locator("[data-testid=digitwidget-brush]")
    value = lab_pad.root.locator(".dw-brush-value")
    lab_pad.kernel.run("pad.brush = 18")
    assert value.count() == 1, "The brush slider shows no value."
    assert value.inner_text() == "18 px"
    assert value.is_visible()
    hint = slider.get_attribute("title") or ""
    assert "[ and ]" in hint, f"The slider's tooltip does not name its keys: {hint!r}"
    assert slider.get_attribute("aria-keyshortcuts") == "[ ]"
    try:
        lab_pad.root.focus()
        focused = lab_pad.page.evaluate("document.activeElement.dataset.testid")
        assert focused == "digitwidget", "The pad did not take the keyboard."
        lab_pad.page.keyboard.press("]")
        lab_pad.page.wait_for_function(
            "el => el.textContent === '20 px'", arg=value.element_handle()
        )
        assert slider.get_attribute("aria-valuetext") == "20 pixels"
        lab_pad.kernel.run("pad.brush = 31")
        lab_pad.page.wait_for_function(
            "el => el.textContent === '31 px'", arg=value.element_handle()
        )
    finally:
        lab_pad.kernel.run("pad.brush = 18")
