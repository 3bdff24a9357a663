"""Figures that look inside the shipped network, on real MNIST test images."""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy as np
import pytest

from digitwidget import load_model
from digitwidget.data import load_mnist
from digitwidget.plots import (
    plot_activations,
    plot_first_layer_weights,
    plot_mistakes,
    plot_model_input,
    plot_probabilities,
    plot_saliency,
)
from digitwidget.preprocess import preprocess
from digitwidget.widget import inside as _inside
from tests.widget.test_pad import drawing

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture(scope="module")
def model():
    return load_model("mlp")  # the figures of a dense network


@pytest.fixture(scope="module")
def test_set():
    _, (x_test, y_test) = load_mnist()
    return x_test[:500], y_test[:500]


def titles(fig) -> list[str]:
    return [ax.get_title() for ax in fig.axes if ax.get_title()]


def save_png(fig, name: str) -> tuple[int, int]:
    """Save under artifacts/, check the PNG header, return its (width, height) in pixels."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"plot-{name}.png"
    fig.savefig(path, dpi=80)
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    assert len(data) > 2000, "a figure with content is not that small"
    return struct.unpack(">II", data[16:24])


def test_mistakes_gallery_shows_each_wrong_image_with_both_labels(model, test_set):
    images, labels = test_set
    fig = plot_mistakes(model, images, labels, limit=12)
    wrong = np.flatnonzero(model.predict(images) != labels)
    assert 0 < len(wrong) < 50
    shown = wrong[:12]
    expected = [f"{model.predict(images[i])} (true {labels[i]})" for i in shown]
    assert titles(fig) == expected
    assert fig.get_suptitle().startswith(f"{len(wrong)} of 500 images misread")
    width, height = save_png(fig, "mistakes")
    assert width > height


def test_mistakes_gallery_of_a_perfect_run_has_no_panels(model, test_set):
    images, _ = test_set
    right = model.predict(images[:20])
    fig = plot_mistakes(model, images[:20], right)
    assert fig.axes == []
    assert fig.get_suptitle().startswith("0 of 20 images misread")


def test_mistakes_needs_one_label_per_image(model, test_set):
    images, labels = test_set
    with pytest.raises(ValueError, match="one label per image"):
        plot_mistakes(model, images[:5], labels[:4])


def test_model_input_figure_puts_the_drawing_beside_robot_vision():
    canvas = drawing(4, seed=1)
    fig = plot_model_input(canvas, preprocess(canvas))
    assert titles(fig) == ["Drawing (280x280)", "Robot vision (28x28)"]
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), canvas)
    assert fig.axes[1].images[0].get_array().shape == (28, 28)
    save_png(fig, "model-input")


@pytest.mark.parametrize("units", [8, 32])
def test_first_layer_weights_are_one_28x28_image_per_unit(model, units):
    fig = plot_first_layer_weights(model, units=units)
    image_axes = [ax for ax in fig.axes if ax.get_title()]
    assert titles(fig) == [f"unit {j}" for j in range(units)]
    kernel = model.layers[2].kernel
    for j in (0, units - 1):
        shown = image_axes[j].images[0].get_array()
        np.testing.assert_array_equal(shown, kernel[:, j].reshape(28, 28))
    assert "dense_1" in fig.get_suptitle()
    save_png(fig, f"weights-{units}")


def test_activations_figure_has_input_each_hidden_layer_and_probabilities(model, test_set):
    images, _ = test_set
    fig = plot_activations(model, images[0])
    assert titles(fig) == [
        "Input (784 pixels)",
        "dense_1 (128, relu)",
        "dense_2 (256, relu)",
        "Probabilities",
    ]
    heat = fig.axes[1].images[0].get_array()
    assert heat.shape == (8, 16)
    _, activations = model.forward(images[0], return_activations=True)
    np.testing.assert_allclose(heat.ravel(), activations["dense_1"], rtol=1e-6)
    bars = [patch.get_width() for patch in fig.axes[3].patches]
    np.testing.assert_allclose(bars, model.predict_proba(images[0]), rtol=1e-6)
    save_png(fig, "activations")


@pytest.mark.parametrize("target", [None, 3])
def test_saliency_figure_shows_input_map_and_overlay(model, test_set, target):
    from digitwidget.nn.saliency import saliency

    images, labels = test_set
    fig = plot_saliency(model, images[0], target=target)
    name = str(labels[0] if target is None else target)
    assert titles(fig) == ["Input", f"Saliency for {name}", "Overlay"]
    expected = saliency(model, images[0] / 255.0, int(name))
    np.testing.assert_allclose(fig.axes[1].images[0].get_array(), expected)
    assert len(fig.axes[2].images) == 2, "the map is drawn over the input"
    save_png(fig, f"saliency-{name}")


@pytest.mark.parametrize(
    ("function", "args", "message"),
    [
        (plot_saliency, (np.zeros((5, 5)),), "Expected one 28x28 image"),
        (plot_activations, (np.zeros((2, 28, 28)),), "Expected one 28x28 image"),
    ],
)
def test_wrong_image_shapes_are_refused(model, function, args, message):
    with pytest.raises(ValueError, match=message):
        function(model, *args)


def test_grid_shape_matches_the_front_end():
    """The front end works out the same grids: tests/js/views/inside.test.js reads this file too."""
    fixture = Path(__file__).resolve().parents[1] / "fixtures" / "inside_grids.json"
    grids = json.loads(fixture.read_text(encoding="utf-8"))["grids"]
    assert len(grids) >= 1024
    for units, rows, cols in grids:
        assert _inside.grid_shape(units) == (rows, cols), f"{units} units"
    assert {(u, r, c) for u, r, c in grids} >= {
        (128, 8, 16),
        (256, 16, 16),
        (10, 2, 5),
        (97, 10, 10),
    }


def test_figures_do_not_touch_pyplot(model, test_set):
    images, labels = test_set
    plot_mistakes(model, images[:50], labels[:50])
    plot_saliency(model, images[1])
    pyplot = sys.modules.get("matplotlib.pyplot")
    assert pyplot is None or pyplot.get_fignums() == []


def test_probability_chart_highlights_the_top_class(model, test_set):
    images, labels = test_set
    p = model.predict_proba(images[3])
    fig = plot_probabilities(p)
    heights = [patch.get_height() for patch in fig.axes[0].patches]
    np.testing.assert_allclose(heights, p)
    top = int(np.argmax(p))
    assert top == labels[3]
    assert fig.axes[0].get_title() == f"Prediction: {top} ({p[top]:.0%})"
    colors = {patch.get_facecolor() for patch in fig.axes[0].patches}
    assert len(colors) == 2
    save_png(fig, "probabilities")


def test_probability_chart_of_a_blank_pad_asks_for_a_digit():
    fig = plot_probabilities([0.0] * 10)
    assert fig.axes[0].get_title() == "Draw a digit"
