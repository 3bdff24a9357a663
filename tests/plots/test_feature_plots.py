"""Figures of the shipped CNN: its filters, its feature maps and its saliency, on MNIST."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from digitwidget import load_model
from digitwidget.data import load_mnist
from digitwidget.nn.saliency import saliency
from digitwidget.plots import plot_feature_maps, plot_filters, plot_saliency
from tests.plots.test_network_plots import save_png, titles


@pytest.fixture(scope="module")
def cnn():
    return load_model("cnn")


@pytest.fixture(scope="module")
def digit():
    _, (x_test, y_test) = load_mnist()
    return x_test[0], int(y_test[0])


def test_first_layer_filters_are_one_image_per_filter(cnn):
    fig = plot_filters(cnn, "conv_1", filters=32)
    kernel = cnn.layers[[layer.name for layer in cnn.layers].index("conv_1")].weights["kernel"]
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 32
    assert titles(fig)[:3] == ["f0", "f1", "f2"]
    np.testing.assert_array_equal(images[5].get_array(), kernel[:, :, 0, 5])
    assert fig.get_suptitle() == "conv_1: kernels of 32 of 32 filters"
    save_png(fig, "filters-conv_1")


def test_a_deeper_layer_shows_a_row_per_filter_and_a_column_per_input_channel(cnn):
    index = [layer.name for layer in cnn.layers].index("conv_2")
    fig = plot_filters(cnn, index, filters=4, channels=3)
    kernel = cnn.layers[index].weights["kernel"]
    images = [ax.images[0] for ax in fig.axes if ax.images]
    assert len(images) == 4 * 3
    np.testing.assert_array_equal(images[2 * 3 + 1].get_array(), kernel[:, :, 1, 2])
    assert titles(fig) == ["in 0", "in 1", "in 2"]
    assert "4 of 64 filters, over 3 of 32 input channels" in fig.get_suptitle()


@pytest.mark.parametrize(
    ("layer", "message"),
    [
        (
            "dense_1",
            "has no convolution kernel to show. Pick one of the model's convolutions: \\['conv_1', 'conv_2'\\]",
        ),
        ("nope", "no layer named 'nope'"),
        (99, "out of range"),
    ],
)
def test_a_layer_that_is_not_a_convolution_is_refused_naming_those_that_are(cnn, layer, message):
    with pytest.raises(ValueError, match=message):
        plot_filters(cnn, layer)


def test_a_dense_model_has_no_filters_or_maps():
    mlp = load_model("mlp")
    with pytest.raises(ValueError, match="none"):
        plot_filters(mlp, "dense_1")
    with pytest.raises(ValueError, match="Expected a model with convolutional or pooling layers"):
        plot_feature_maps(mlp, np.zeros((28, 28)))


def test_feature_maps_are_the_engine_activations_layer_by_layer(cnn, digit):
    image, _ = digit
    fig = plot_feature_maps(cnn, image, channels=8, columns=4)
    _, activations = cnn.forward(image / 255.0, return_activations=True)
    panels = fig.subfigs
    assert [panel._suptitle.get_text().split(" ")[0] for panel in panels] == [
        "conv_1",
        "pool_1",
        "conv_2",
        "pool_2",
    ]
    assert "first 8 of 64 channels" in panels[2]._suptitle.get_text()
    for panel, name in zip(panels, ["conv_1", "pool_1", "conv_2", "pool_2"], strict=True):
        images = [ax.images[0] for ax in panel.axes if ax.images]
        assert len(images) == 8
        np.testing.assert_allclose(images[3].get_array(), activations[name][..., 3], rtol=1e-6)
        assert activations[name][..., :8].max() > 0, f"{name} lights up for a real digit"
    save_png(fig, "feature-maps")


def test_saliency_works_for_the_cnn(cnn, digit):
    image, label = digit
    fig = plot_saliency(cnn, image)
    assert titles(fig) == ["Input", f"Saliency for {label}", "Overlay"]
    expected = saliency(cnn, image / 255.0, label)
    assert np.abs(expected).max() > 0
    np.testing.assert_allclose(fig.axes[1].images[0].get_array(), expected)
    save_png(fig, "saliency-cnn")


def test_feature_figures_do_not_touch_pyplot(cnn, digit):
    plot_filters(cnn, "conv_1")
    plot_feature_maps(cnn, digit[0], channels=2)
    pyplot = sys.modules.get("matplotlib.pyplot")
    assert pyplot is None or pyplot.get_fignums() == []
