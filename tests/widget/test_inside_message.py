"""The inside view's message for convolutional models: what is shown, its size, its codes."""

from __future__ import annotations

import numpy as np
import pytest

from digitwidget.nn import (
    AveragePooling2D,
    BatchNormalization,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D,
    Layer,
    MaxPooling2D,
    Model,
    ReLU,
    Reshape,
    SeparableConv2D,
    ZeroPadding2D,
    load_model,
)
from digitwidget.preprocess import preprocess
from digitwidget.widget import DrawPad, inside
from digitwidget.widget.inside.message import pack_codes
from tests.widget.inside_models import MAPS, maps_model
from tests.widget.test_pad import drawing, send


@pytest.fixture(scope="module")
def cnn() -> Model:
    return load_model("cnn")


@pytest.mark.parametrize("digit", [1, 3, 8])
def test_the_shipped_cnn_sends_at_most_24_kb_per_update(cnn, digit):
    pad = DrawPad(cnn, inside=True)
    send(pad, drawing(digit, seed=digit), 1)
    assert len(pad._inside_data) == 20_583  # the sum in widget/inside/message.py's doc
    assert len(pad._inside_data) <= 24 * 1024


def test_the_shipped_cnn_shows_its_maps_and_dense_layer_and_thins_the_64_channel_ones(cnn):
    entries = inside.layout(cnn)
    assert [(e["name"], e["kind"], e["units"], e["shown"]) for e in entries] == [
        ("conv_1", "conv", 32, 32),
        ("pool_1", "pool", 32, 32),
        ("conv_2", "conv", 64, 32),
        ("pool_2", "pool", 64, 32),
        ("dense_1", "dense", 128, 128),
    ]
    assert [(e["height"], e["width"], e["rows"], e["cols"]) for e in entries[:4]] == [
        (28, 28, 4, 8),
        (14, 14, 4, 8),
        (14, 14, 4, 8),
        (7, 7, 4, 8),
    ]
    assert [e["bits"] for e in entries] == [4, 4, 4, 4, 8]
    assert not any(e["negative"] for e in entries), "ReLUs, and max pools of ReLUs"


@pytest.mark.parametrize("digit", [0, 6])
def test_decoded_maps_are_the_engine_activations_within_half_a_step(cnn, digit):
    image = preprocess(drawing(digit, seed=digit))
    _, activations = cnn.forward(image, return_activations=True)
    layers, _ = inside.unpack_message(inside.pack(cnn, image))
    for decoded, entry in zip(layers, inside.layout(cnn), strict=True):
        exact = activations[entry["name"]]
        if entry["kind"] != "dense":
            exact = np.moveaxis(exact[..., : entry["shown"]], -1, 0)
        exact = exact.reshape(-1)
        step = (exact.max() - min(exact.min(), 0)) / ((1 << entry["bits"]) - 1)
        assert exact.max() > 0, entry["name"]
        np.testing.assert_allclose(decoded, exact, atol=step / 2 + 1e-6, err_msg=entry["name"])
        assert decoded[exact == 0].max(initial=0) == 0, "zero stays exactly zero"


def test_the_maps_message_is_the_one_the_front_end_decodes():
    model, image = maps_model()
    assert int(np.argmax(model.predict_proba(image))) == 3
    assert inside.layout(model) == MAPS["layout"]
    assert inside.pack(model, image).hex() == MAPS["message_hex"]


def test_the_maps_fixture_decodes_to_its_hand_worked_values():
    layers, grad = inside.unpack_message(bytes.fromhex(MAPS["message_hex"]))
    conv, pool = layers
    assert conv.size == 2 * 28 * 28
    np.testing.assert_allclose(conv[[0, 1, 2, 784, 785, 786]], np.array([15, 11, 4, 8, 6, 2]) / 15)
    assert np.count_nonzero(conv) == 6
    np.testing.assert_allclose(pool, np.array([15, 0, 0, 0, 8, 0, 0, 0]) / 15)
    assert grad[0, 0] == pytest.approx(2.0)
    assert np.count_nonzero(grad) == 1


def test_four_bit_codes_go_two_a_byte_the_first_in_the_low_nibble():
    assert pack_codes(np.array([1, 2, 15, 0, 7], np.uint8), 4) == bytes([0x21, 0x0F, 0x07])
    assert pack_codes(np.array([1, 200], np.uint8), 8) == bytes([1, 200])


def _wide_cnn(layers: int, filters: int = 64) -> Model:
    """``layers`` convolutions of ``filters`` channels on the whole 28x28, then a dense head."""
    rng = np.random.default_rng(0)
    stack: list[Layer] = [Reshape("channels", (28, 28, 1))]
    channels = 1
    for i in range(layers):
        kernel = rng.normal(0, 0.3, (3, 3, channels, filters)).astype(np.float32)
        stack.append(Conv2D(f"conv_{i}", kernel, None, "relu", padding="same"))
        channels = filters
    stack += [GlobalAveragePooling2D("gap"), Dense("out", rng.normal(0, 0.3, (channels, 10)))]
    return Model(stack, input_shape=(28, 28))


@pytest.mark.parametrize("layers", [1, 2, 4, 12])
def test_large_models_are_thinned_until_one_update_fits_the_budget(layers):
    model = _wide_cnn(layers)
    shown = inside.shown_layers(model)
    maps = [entry for entry in shown if entry.is_map]
    assert len(maps) == layers
    assert all(entry.shown <= inside.MAP_CHANNELS for entry in maps)
    if layers == 1:
        assert maps[0].shown == 32, "one layer of 28x28x32 fits as it is"
    else:
        assert min(entry.shown for entry in maps) < 32
    data = inside.pack(model, preprocess(drawing(4, seed=1)))
    assert len(data) <= inside.BUDGET
    decoded, _ = inside.unpack_message(data)
    assert [d.size for d in decoded] == [e.values for e in shown]


def test_reshaping_and_dropout_layers_are_left_out():
    model, _ = maps_model()
    rng = np.random.default_rng(2)
    with_dropout = Model(
        [
            *model.layers[:4],
            Dropout("drop", 0.5),
            Dense("hidden", rng.normal(0, 0.1, (8, 6)).astype(np.float32), None, "relu"),
            Dense("out", rng.normal(0, 0.1, (6, 10)).astype(np.float32)),
        ],
        input_shape=(28, 28),
    )
    names = [entry["name"] for entry in inside.layout(with_dropout)]
    assert names == ["conv", "pool", "hidden"]


def test_a_global_pooling_is_a_pool_of_units():
    model = _wide_cnn(1, filters=8)
    kinds = [(entry["name"], entry["kind"], entry["units"]) for entry in inside.layout(model)]
    assert kinds == [("conv_0", "conv", 8), ("gap", "pool", 8)]


def test_max_pooling_of_relus_is_known_never_negative():
    model, _ = maps_model()
    assert [entry["negative"] for entry in inside.layout(model)] == [False, False]
    linear = Model(
        [
            Reshape("channels", (28, 28, 1)),
            Conv2D("conv", np.ones((1, 1, 1, 2), np.float32)),
            MaxPooling2D("pool", 14),
            Flatten("flatten"),
            Dense("out", np.ones((8, 10), np.float32)),
        ],
        input_shape=(28, 28),
    )
    assert [entry["negative"] for entry in inside.layout(linear)] == [True, True]


def test_kinds_are_asked_of_the_layers_and_padding_is_left_out():
    rng = np.random.default_rng(5)
    f32 = lambda *shape: rng.normal(0, 0.3, shape).astype(np.float32)  # noqa: E731
    ones, zeros = np.ones(4, np.float32), np.zeros(4, np.float32)
    model = Model(
        [
            Reshape("channels", (28, 28, 1)),
            ZeroPadding2D("pad", 1),
            SeparableConv2D("sep", f32(3, 3, 1, 2), f32(1, 1, 2, 4), f32(4)),
            BatchNormalization(
                "norm", gamma=ones, beta=zeros, moving_mean=zeros, moving_variance=ones
            ),
            ReLU("rectify"),
            AveragePooling2D("average", 2),
            GlobalMaxPooling2D("largest"),
            Dense("out", f32(4, 10), None, "softmax"),
        ],
        input_shape=(28, 28),
    )
    kinds = [(e["name"], e["kind"], e["negative"]) for e in inside.layout(model)]
    assert kinds == [
        ("sep", "conv", True),
        ("norm", "norm", True),
        ("rectify", "activation", False),
        ("average", "pool", False),
        ("largest", "pool", False),
    ]
