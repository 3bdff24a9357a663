"""In JupyterLab: the inside view of a convolutional network this test builds with Keras.

The model is not a shipped one: Keras builds it (seeded, untrained) and saves it as a
``.keras`` file, which the pad reads without TensorFlow. Its feature maps, its dense layer
and the detail panel must appear, follow the drawing and the theme, and show the engine's
own numbers.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Locator

from testkit.drawing import is_uniform, thin
from testkit.harness import PadSession
from testkit.servers import ARTIFACTS
from testkit.strokes import make_strokes
from tests.e2e.test_inside import TOGGLE, draw, layer, rgba, wait_inside

pytestmark = [pytest.mark.e2e, pytest.mark.tf]

DETAIL = "[data-testid=digitwidget-detail]"
BUILD = """
import sys
import keras
keras.utils.set_random_seed(7)
layers = keras.layers
model = keras.Sequential([
    keras.Input((28, 28)),
    layers.Reshape((28, 28, 1), name="pixels"),
    layers.Conv2D(8, 3, padding="same", activation="relu", name="edges"),
    layers.MaxPooling2D(2, name="pool_a"),
    layers.Conv2D(16, 3, activation="relu", name="parts"),
    layers.MaxPooling2D(2, name="pool_b"),
    layers.Flatten(name="flat"),
    layers.Dropout(0.25, name="drop"),
    layers.Dense(24, activation="relu", name="hidden"),
    layers.Dense(10, activation="softmax", name="digits"),
])
model.save(sys.argv[1])
"""
EXPECTED = [("conv", 8, 28), ("pool", 8, 14), ("conv", 16, 12), ("pool", 16, 6), ("dense", 24, 1)]
ENGINE = "pad.model.forward(pad.model_input, return_activations=True)[1]"


@pytest.fixture(scope="module")
def keras_cnn(notebook_dir: Path) -> Path:
    """A small CNN built by Keras and saved as .keras, in the notebook server's folder."""
    pytest.importorskip("keras")
    path = notebook_dir / "inside_cnn.keras"
    run = subprocess.run(
        [sys.executable, "-c", BUILD, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return path


def point_at(session: PadSession, index: int, unit: int, y: int, x: int) -> tuple[float, float]:
    """Page coordinates of pixel (y, x) of channel ``unit`` in layer ``index``'s mosaic."""
    entry = session.kernel.eval(f"pad._inside_layout[{index}]")
    cols, height, width = entry["cols"], entry["height"], entry["width"]
    gap = 1 if height > 1 or width > 1 else 0
    px = (unit % cols) * (width + gap) + x + 0.5
    py = (unit // cols) * (height + gap) + y + 0.5
    wide, high = cols * (width + gap) - gap, entry["rows"] * (height + gap) - gap
    box = layer(session, index).bounding_box()
    assert box is not None
    return box["x"] + px / wide * box["width"], box["y"] + py / high * box["height"]


def wait_detail(session: PadSession, index: int, unit: int, y: int, x: int) -> Locator:
    """Wait until the detail panel shows the numbers of that cell."""
    panel = session.root.locator(DETAIL)
    session.page.wait_for_function(
        """([el, want]) => el.dataset.state === 'shown' && el.dataset.layer === want[0]
            && el.dataset.unit === want[1] && el.dataset.y === want[2] && el.dataset.x === want[3]""",
        arg=[panel.element_handle(), [str(index), str(unit), str(y), str(x)]],
    )
    return panel


def shown_numbers(panel: Locator) -> dict[str, float]:
    return {
        key: float(panel.get_attribute(f"data-{key}") or "nan")
        for key in ("value", "sum", "bias", "z")
    }


def test_a_keras_cnn_shows_maps_and_a_detail_with_the_engine_numbers(
    lab_pad: PadSession, keras_cnn: Path
) -> None:
    session = lab_pad
    session.kernel.run(f"pad.model = {str(keras_cnn)!r}")
    session.root.locator(TOGGLE).click()
    try:
        wait_inside(session, True)
        layout = session.kernel.eval("pad._inside_layout")
        assert [(e["kind"], e["units"], e["height"]) for e in layout] == EXPECTED
        for i, (kind, units, _) in enumerate(EXPECTED):
            assert layer(session, i).get_attribute("data-kind") == kind
            assert layer(session, i).get_attribute("data-units") == str(units)
        assert layer(session, len(EXPECTED)).count() == 0, (
            "flatten, dropout and the output are left out"
        )
        assert rgba(layer(session, 0)).shape == (2 * 28 + 1, 4 * 29 - 1, 4), (
            "8 maps of 28x28 on 2 x 4"
        )

        strokes = thin(make_strokes(4, np.random.default_rng(11)))  # two strokes
        draw(session, strokes[:1])
        first = [rgba(layer(session, i)) for i in range(len(EXPECTED))]
        draw(session, strokes[1:])
        second = [rgba(layer(session, i)) for i in range(len(EXPECTED))]
        for i, (before, after) in enumerate(zip(first, second, strict=True)):
            assert not is_uniform(after[..., :3].sum(axis=2)), f"layer {i} shows nothing"
            assert (before != after).any(), f"layer {i} did not follow the drawing"
        assert session.kernel.eval("len(pad._inside_data)") <= 24 * 1024
        shown_max = float(layer(session, 2).get_attribute("data-max") or "nan")
        assert shown_max == pytest.approx(
            session.kernel.eval(f"float({ENGINE}['parts'].max())"), rel=1e-6
        )

        # Hover a point of the first convolution: the panel shows the engine's numbers.
        unit, y, x = 5, 14, 13
        session.page.mouse.move(*point_at(session, 0, unit, y, x))
        panel = wait_detail(session, 0, unit, y, x)
        numbers = shown_numbers(panel)
        engine = session.kernel.eval(f"float({ENGINE}['edges'][{y}, {x}, {unit}])")
        assert numbers["value"] == engine
        assert numbers["z"] == pytest.approx(numbers["sum"] + numbers["bias"], abs=1e-9)
        assert max(numbers["z"], 0) == pytest.approx(engine, abs=1e-5)
        kernel = session.kernel.eval(
            "[float(v) for l in pad.model.layers if l.name == 'edges' "
            f"for v in l.weights['kernel'][..., {unit}].ravel()]"
        )
        assert panel.locator("canvas").count() == 2, "the kernel and the patch, one channel each"
        cells = panel.locator(".dw-detail-grid").nth(1).locator("td").all_text_contents()
        assert [float(c) for c in cells] == [float(f"{v:.3g}") for v in kernel]
        session.screenshot("lab-drawpad-inside-cnn")
        ARTIFACTS.mkdir(exist_ok=True)
        panel.screenshot(path=ARTIFACTS / "lab-drawpad-inside-cnn-detail.png")

        # Click pins the cell; moving away leaves it.
        session.page.mouse.click(*point_at(session, 0, unit, y, x))
        session.page.mouse.move(*point_at(session, 0, 0, 3, 3))
        session.page.wait_for_timeout(300)
        assert panel.get_attribute("data-unit") == str(unit)

        # The keyboard: focus the dense layer, arrows pick neurons.
        layer(session, 4).focus()
        session.page.keyboard.press("Home")  # the first neuron
        wait_detail(session, 4, 0, 0, 0)
        session.page.keyboard.press("ArrowRight")
        session.page.keyboard.press("ArrowRight")
        panel = wait_detail(session, 4, 2, 0, 0)
        numbers = shown_numbers(panel)
        assert numbers["value"] == session.kernel.eval(f"float({ENGINE}['hidden'][2])")
        assert max(numbers["z"], 0) == pytest.approx(numbers["value"], abs=1e-5)
        assert "strongest inputs from pool_b" in (panel.text_content() or "")
        assert "traced down to the pixels" in (panel.text_content() or "")
        assert panel.locator("canvas").count() == 1, "the neuron's d/d pixel as a 28x28 image"
        panel.screenshot(path=ARTIFACTS / "lab-drawpad-inside-cnn-neuron.png")

        # Drawing more updates the pinned neuron's numbers.
        before = panel.get_attribute("data-sum")
        session.pad.scroll_into_view_if_needed()  # focusing the layer scrolled the page
        draw(session, [np.array([[60.0, 60.0], [220.0, 220.0]])])
        session.page.wait_for_function(
            "([el, before]) => el.dataset.sum !== before", arg=[panel.element_handle(), before]
        )
        assert float(panel.get_attribute("data-value") or "nan") == session.kernel.eval(
            f"float({ENGINE}['hidden'][2])"
        )

        # The panel follows the theme.
        colours = {}
        for theme in ("light", "dark"):
            session.kernel.run(f"pad.theme = {theme!r}")
            session.page.wait_for_function(
                "([el, t]) => el.dataset.dwTheme === t", arg=[session.root.element_handle(), theme]
            )
            colours[theme] = panel.evaluate("el => getComputedStyle(el).backgroundColor")
        assert colours["light"] != colours["dark"]
        session.screenshot("lab-drawpad-inside-cnn-dark")
    finally:
        session.kernel.run('pad.inside = False\npad.model = None\npad.theme = "auto"')
    wait_inside(session, False)
    assert not layer(session, 0).is_visible()
