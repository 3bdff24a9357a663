"""The detail panel's numbers: each one the engine's, worked out again independently here."""

from __future__ import annotations

import numpy as np
import pytest

from digitwidget.nn import (
    Conv2D,
    Dense,
    DepthwiseConv2D,
    Flatten,
    GlobalAveragePooling2D,
    Model,
    Reshape,
    load_model,
)
from digitwidget.preprocess import preprocess
from digitwidget.widget import DrawPad, inside
from tests.widget.test_pad import drawing, send


@pytest.fixture(scope="module")
def cnn() -> Model:
    return load_model("cnn")


@pytest.fixture(scope="module")
def mlp() -> Model:
    return load_model("mlp")


def read(model: Model, digit: int) -> inside.Reading:
    return inside.read(model, preprocess(drawing(digit, seed=digit)))


def relu(z: float) -> float:
    return max(z, 0.0)


def padded_window(image: np.ndarray, y: int, x: int, size: int = 3) -> np.ndarray:
    """``(size, size, channels)`` around (y, x) for a stride-1 "same" window, zeros outside."""
    half = size // 2
    wide = np.pad(image, ((half, half), (half, half), (0, 0)))
    return wide[y : y + size, x : x + size]


@pytest.mark.parametrize(
    ("layer", "unit", "y", "x"), [(0, 3, 12, 14), (0, 31, 0, 0), (2, 5, 6, 7), (2, 63, 13, 13)]
)
def test_a_convolution_cell_is_its_patch_times_its_kernel_plus_bias(cnn, layer, unit, y, x):
    reading = read(cnn, 3)
    entry = inside.shown_layers(cnn)[layer]
    answer = inside.detail(cnn, reading, {"layer": layer, "unit": unit, "y": y, "x": x})
    conv = entry.layer
    below = cnn.layers[entry.index - 1].name
    patch = padded_window(np.asarray(reading.activations[below], np.float64), y, x)
    kernel = np.asarray(conv.weights["kernel"][..., unit], np.float64)
    assert answer["kind"] == "conv"
    assert answer["kernel_shape"] == list(kernel.shape)
    np.testing.assert_allclose(answer["kernel"], np.moveaxis(kernel, -1, 0).reshape(-1), rtol=1e-5)
    np.testing.assert_allclose(
        answer["patch"], np.moveaxis(patch, -1, 0).reshape(-1), rtol=1e-5, atol=1e-7
    )
    assert answer["sum"] == pytest.approx(float((patch * kernel).sum()), abs=1e-9)
    assert answer["bias"] == float(conv.weights["bias"][unit])
    assert answer["z"] == pytest.approx(answer["sum"] + answer["bias"])
    engine = float(reading.activations[conv.name][y, x, unit])
    assert answer["value"] == engine, "the value shown is the engine's own"
    assert relu(answer["z"]) == pytest.approx(engine, abs=1e-5), "and the sum explains it"


def test_a_corner_cell_reads_zeros_where_the_window_hangs_over_the_edge(cnn):
    answer = inside.detail(cnn, read(cnn, 8), {"layer": 0, "unit": 0, "y": 0, "x": 27})
    assert answer["top_left"] == [-1, 26]
    assert answer["padding"] == [1, 1, 1, 0, 0, 1, 0, 0, 1]
    assert [answer["patch"][i] for i in (0, 1, 2, 5, 8)] == [0, 0, 0, 0, 0]


def test_a_pooling_cell_is_the_largest_of_its_window(cnn):
    reading = read(cnn, 5)
    activations = reading.activations
    y, x, unit = 3, 4, 7
    answer = inside.detail(cnn, reading, {"layer": 1, "unit": unit, "y": y, "x": x})
    window = activations["conv_1"][2 * y : 2 * y + 2, 2 * x : 2 * x + 2, unit]
    np.testing.assert_allclose(answer["window"], window.reshape(-1), rtol=1e-5)
    assert answer["value"] == float(activations["pool_1"][y, x, unit])
    assert answer["value"] == float(window.max())


def test_a_neuron_reading_the_pixels_shows_its_weights_as_a_template(mlp):
    reading = read(mlp, 2)
    unit = 17
    answer = inside.detail(mlp, reading, {"layer": 0, "unit": unit})
    dense = mlp.layers[[layer.name for layer in mlp.layers].index("dense_1")]
    kernel = np.asarray(dense.weights["kernel"], np.float64)
    np.testing.assert_allclose(answer["template"], kernel[:, unit], rtol=1e-5)
    pixels = np.asarray(reading.image, np.float64).reshape(-1)
    assert answer["sum"] == pytest.approx(float(pixels @ kernel[:, unit]))
    assert answer["value"] == float(reading.activations["dense_1"][unit])
    assert relu(answer["z"]) == pytest.approx(answer["value"], abs=1e-5)
    assert answer["source"] == "input"
    products = [abs(s["product"]) for s in answer["strongest"]]
    assert products == sorted(products, reverse=True)
    for strongest in answer["strongest"]:
        y, x = strongest["at"]
        assert strongest["value"] == pytest.approx(float(reading.image[y, x]))


def test_a_neuron_after_the_maps_names_where_its_strongest_inputs_sit(cnn):
    reading = read(cnn, 9)
    answer = inside.detail(cnn, reading, {"layer": 4, "unit": 40})
    assert answer["source"] == "pool_2"
    assert answer["source_shape"] == [7, 7, 64]
    assert "template" not in answer
    pool = reading.activations["pool_2"]
    assert len(answer["strongest"]) == 8
    for strongest in answer["strongest"]:
        y, x, c = strongest["at"]
        assert strongest["value"] == pytest.approx(float(pool[y, x, c]))
    assert relu(answer["z"]) == pytest.approx(answer["value"], abs=1e-4)


def _depthwise_and_grouped_model() -> Model:
    rng = np.random.default_rng(4)
    return Model(
        [
            Reshape("channels", (28, 28, 1)),
            Conv2D("widen", rng.normal(0, 0.5, (3, 3, 1, 4)).astype(np.float32), None, "relu"),
            DepthwiseConv2D(
                "depth",
                rng.normal(0, 0.5, (3, 3, 4, 2)).astype(np.float32),
                rng.normal(0, 0.1, 8).astype(np.float32),
                strides=2,
            ),
            Conv2D(
                "grouped",
                rng.normal(0, 0.5, (3, 3, 4, 6)).astype(np.float32),
                rng.normal(0, 0.1, 6).astype(np.float32),
                "tanh",
                groups=2,
            ),
            GlobalAveragePooling2D("gap"),
            Dense("out", rng.normal(0, 0.5, (6, 10)).astype(np.float32), None, "softmax"),
        ],
        input_shape=(28, 28),
    )


@pytest.mark.parametrize(("layer", "unit"), [(1, 5), (2, 4)])
def test_depthwise_and_grouped_convolutions_read_the_right_channels(layer, unit):
    model = _depthwise_and_grouped_model()
    reading = read(model, 4)
    entry = inside.shown_layers(model)[layer]
    y, x = 5, 6
    answer = inside.detail(model, reading, {"layer": layer, "unit": unit, "y": y, "x": x})
    # depthwise (2 kernels a channel): unit 5 reads channel 2; grouped (2 groups of 3
    # filters over 4 channels each): unit 4 is in the second group
    expected_channels = {1: [2], 2: [4, 5, 6, 7]}[layer]
    assert answer["channels"] == expected_channels
    z = answer["z"]
    engine = float(reading.activations[entry.layer.name][y, x, unit])
    assert answer["value"] == engine
    f = entry.layer.activation
    assert float(f(np.array([z], np.float32))[0]) == pytest.approx(engine, abs=1e-5)


@pytest.mark.parametrize(
    ("request_", "problem"),
    [
        ({"layer": 9, "unit": 0}, "layer must be an int from 0 to 4"),
        ({"layer": 0, "unit": 32, "y": 0, "x": 0}, "unit must be an int from 0 to 31"),
        ({"layer": 0, "unit": 0, "y": 28, "x": 0}, "y must be an int from 0 to 27"),
        ({"layer": "0", "unit": 0}, "layer must be an int"),
        ({"layer": 4, "unit": 1, "y": 1}, "y must be an int from 0 to 0"),
    ],
)
def test_a_request_out_of_range_is_answered_with_what_was_wrong(cnn, request_, problem):
    answer = inside.detail(cnn, read(cnn, 1), request_)
    assert problem in answer["error"]
    assert answer["request"] == request_


def test_no_request_no_answer_and_before_any_drawing_a_hint(cnn):
    assert inside.detail(cnn, None, {}) == {}
    assert "Draw a digit first" in inside.detail(cnn, None, {"layer": 0, "unit": 0})["error"]


def test_the_pad_answers_a_view_request_and_again_with_each_drawing(cnn):
    pad = DrawPad(cnn, inside=True)
    send(pad, drawing(1, seed=1), 1)
    pad.set_state({"_detail_request": {"layer": 0, "unit": 2, "y": 14, "x": 14}})
    first = pad._detail
    assert first["name"] == "conv_1"
    assert first["value"] == float(
        pad.model.forward(pad.model_input, return_activations=True)[1]["conv_1"][14, 14, 2]
    )
    send(pad, drawing(0, seed=3), 2)
    second = pad._detail
    assert second["request"] == first["request"]
    assert second["patch"] != first["patch"], "the panel follows the drawing"
    pad.clear()
    assert "Draw a digit first" in pad._detail["error"]


def test_the_pad_answers_nothing_with_the_view_off_and_forgets_the_request_on_a_new_model(cnn, mlp):
    pad = DrawPad(cnn, inside=True)
    send(pad, drawing(7, seed=7), 1)
    pad.set_state({"_detail_request": {"layer": 4, "unit": 3}})
    assert pad._detail["name"] == "dense_1"
    pad.inside = False
    assert pad._detail == {}
    pad.inside = True
    assert pad._detail["name"] == "dense_1"
    pad.model = mlp
    assert pad._detail_request == {}
    assert pad._detail == {}


def test_detail_traits_travel_the_colab_bridge(cnn):
    """The Colab backend routes every synced trait; the detail's two are among them."""
    from digitwidget.widget.colab import Bridge, synced_names

    pad = DrawPad(cnn, inside=True)
    assert {"_detail_request", "_detail"} <= set(synced_names(pad))
    bridge = Bridge(pad)
    send(pad, drawing(2, seed=2), 1)
    answer = bridge._answer(
        {
            "since": bridge.version,
            "state": {"_detail_request": {"layer": 1, "unit": 0, "y": 7, "x": 7}},
        }
    )
    assert answer["state"]["_detail"]["name"] == "pool_1"


def test_a_model_without_maps_or_neurons_to_show_answers_with_an_error():
    model = Model(
        [Flatten("f"), Dense("out", np.zeros((784, 10), np.float32))], input_shape=(28, 28)
    )
    answer = inside.detail(model, None, {"layer": 0, "unit": 0})
    assert "shows no layers" in answer["error"]


def test_a_first_layer_neuron_traced_to_the_pixels_is_its_weights_where_it_is_active(mlp):
    reading = read(mlp, 6)
    dense = next(layer for layer in mlp.layers if layer.name == "dense_1")
    values = reading.activations["dense_1"]
    active, silent = int(np.argmax(values)), int(np.argmin(values))
    assert values[active] > 0
    assert values[silent] == 0
    answer = inside.detail(mlp, reading, {"layer": 0, "unit": active})
    np.testing.assert_allclose(answer["trace"], dense.weights["kernel"][:, active], rtol=1e-5)
    answer = inside.detail(mlp, reading, {"layer": 0, "unit": silent})
    assert not np.any(answer["trace"]), "a ReLU at zero passes no gradient"


def test_a_deep_neuron_traced_to_the_pixels_predicts_how_it_moves_with_more_ink(cnn):
    image = preprocess(drawing(2, seed=2))
    reading = inside.read(cnn, image)
    unit = int(np.argmax(reading.activations["dense_1"]))
    trace = np.asarray(inside.detail(cnn, reading, {"layer": 4, "unit": unit})["trace"])
    assert trace.shape == (784,)
    # A little more ink along the gradient raises the neuron by about |gradient|^2 * step.
    step = 1e-3
    nudged = np.clip(image + step * trace.reshape(28, 28) / np.abs(trace).max(), 0, 1)
    _, before = cnn.forward(image, return_activations=True)
    _, after = cnn.forward(nudged.astype(np.float32), return_activations=True)
    predicted = float(trace @ (nudged - image).reshape(-1))
    moved = float(after["dense_1"][unit] - before["dense_1"][unit])
    assert predicted > 0
    assert moved == pytest.approx(predicted, rel=0.2)
