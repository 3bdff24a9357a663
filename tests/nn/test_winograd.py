"""3x3 convolutions as Winograd's F(2x2, 3x3): the same function as im2col, for every size.

The reference is the engine's own Conv2D (checked against Keras in test_conv_oracle.py)
followed by its MaxPooling2D; Winograd's transforms only round differently.
"""

from __future__ import annotations

import tracemalloc
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from digitwidget.nn import (
    Conv2D,
    Dense,
    DepthwiseConv2D,
    Flatten,
    InputLayer,
    MaxPooling2D,
    Model,
    SeparableConv2D,
)
from digitwidget.nn.activations import LINEAR, get_activation
from digitwidget.nn.fast.winograd import (
    MIN_CHANNELS,
    WinogradConv2D,
    layers_with_winograd,
    runs,
)

SIZES = [(14, 14), (13, 9), (6, 5), (3, 3), (4, 7), (28, 28), (2, 11)]
CONVOLVED = [(p, s) for p in ("same", "valid") for s in SIZES if p == "same" or min(s) >= 3]
POOLED = [(p, s) for p in ("same", "valid") for s in SIZES if p == "same" or min(s) >= 4]


def _conv(rng: np.random.Generator, channels: int = 8, filters: int = 5, **options) -> Conv2D:
    kernel = rng.normal(0, 0.3, (3, 3, channels, filters)).astype(np.float32)
    bias = options.pop("bias", rng.normal(0, 0.3, filters).astype(np.float32))
    return Conv2D("c", kernel, bias, options.pop("activation", None), **options)


def _tolerance(reference: np.ndarray) -> float:
    """float32 rounding of sums of some 100 terms of size about the output's."""
    return 4e-6 * max(1.0, float(np.abs(reference).max()))


@pytest.mark.parametrize(("padding", "size"), CONVOLVED)
def test_the_convolution_is_im2col_s_for_every_size(padding: str, size: tuple[int, int]):
    rng = np.random.default_rng(sum(size))
    for activation, use_bias in (("linear", True), ("relu", True), ("tanh", False)):
        conv = _conv(
            rng, padding=padding, activation=activation, **({} if use_bias else {"bias": None})
        )
        x = rng.normal(0, 1, (3, *size, 8)).astype(np.float32)
        expected = conv(x)
        winograd = WinogradConv2D("c", conv.as_convolution(), conv.activation)
        assert winograd.build((*size, 8)) == expected.shape[1:]
        got = winograd(x)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, atol=_tolerance(expected), err_msg=activation)


@pytest.mark.parametrize(("padding", "size"), POOLED)
def test_the_pooled_convolution_is_conv_then_max_pooling(padding: str, size: tuple[int, int]):
    rng = np.random.default_rng(10 + sum(size))
    conv, pool = _conv(rng, padding=padding), MaxPooling2D("p")
    x = rng.normal(0, 1, (4, *size, 8)).astype(np.float32)
    expected = pool(conv(x))
    winograd = WinogradConv2D("c", conv.as_convolution(), pools=True)
    assert winograd.build((*size, 8)) == expected.shape[1:]
    out = np.full(expected.shape, np.nan, np.float32)
    assert winograd(x, out=out) is out
    np.testing.assert_allclose(out, expected, atol=_tolerance(expected))


def test_without_a_bias_and_with_one_image():
    rng = np.random.default_rng(2)
    conv = Conv2D("c", rng.normal(0, 0.3, (3, 3, 16, 4)).astype(np.float32), None, padding="same")
    x = rng.normal(0, 1, (1, 7, 7, 16)).astype(np.float32)
    got = WinogradConv2D("c", conv.as_convolution())(x)
    np.testing.assert_allclose(got, conv(x), atol=_tolerance(conv(x)))


def test_only_3x3_stride_1_undilated_convolutions_of_enough_channels_run():
    rng = np.random.default_rng(3)
    assert runs(_conv(rng).as_convolution())
    assert runs(_conv(rng, padding="same").as_convolution())
    assert not runs(_conv(rng, channels=MIN_CHANNELS - 1).as_convolution())
    assert not runs(_conv(rng, strides=2).as_convolution())
    assert not runs(_conv(rng, dilation_rate=2).as_convolution())
    five = Conv2D("c", rng.normal(0, 0.3, (5, 5, 8, 4)).astype(np.float32))
    assert not runs(five.as_convolution())
    grouped = Conv2D("g", rng.normal(0, 0.3, (3, 3, 4, 8)).astype(np.float32), groups=2)
    assert grouped.as_convolution() is None
    depthwise = DepthwiseConv2D("d", rng.normal(0, 0.3, (3, 3, 8, 2)).astype(np.float32))
    assert depthwise.as_convolution() is None
    separable = SeparableConv2D(
        "s",
        rng.normal(0, 0.3, (3, 3, 8, 1)).astype(np.float32),
        rng.normal(0, 0.3, (1, 1, 8, 4)).astype(np.float32),
    )
    assert separable.as_convolution() is None
    with pytest.raises(ValueError, match="3x3 kernels of stride 1"):
        WinogradConv2D("c", _conv(rng, strides=2).as_convolution())
    with pytest.raises(ValueError, match="pooling is taken before the activation"):
        WinogradConv2D("c", _conv(rng).as_convolution(), get_activation("relu"), pools=True)


def test_the_rewrite_takes_a_pair_pooling_only_after_a_linear_convolution():
    rng = np.random.default_rng(4)
    shapes = [(12, 12, 5), (6, 6, 5)]
    linear = _conv(rng, padding="same")
    run, run_shapes = layers_with_winograd([linear, MaxPooling2D("p")], shapes)
    assert [type(layer).__name__ for layer in run] == ["WinogradConv2D"]
    assert run[0].pools
    assert run_shapes == [(6, 6, 5)]
    tanh = _conv(rng, padding="same", activation="tanh")  # tanh(max) = max(tanh): not moved here
    run, run_shapes = layers_with_winograd([tanh, MaxPooling2D("p")], shapes)
    assert [type(layer).__name__ for layer in run] == ["WinogradConv2D", "MaxPooling2D"]
    assert not run[0].pools
    assert run[0].activation.name == "tanh"
    assert run_shapes == shapes
    for pool in (
        MaxPooling2D("p", 3, 2),
        MaxPooling2D("p", 2, 1),
        MaxPooling2D("p", 2, padding="same"),
    ):
        run, _ = layers_with_winograd([linear, pool], [(12, 12, 5), (5, 5, 5)])
        assert run[1] is pool
        assert not run[0].pools
    thin = Conv2D("c", rng.normal(0, 0.3, (3, 3, 1, 5)).astype(np.float32))
    assert layers_with_winograd([thin], [(12, 12, 5)])[0] == [thin]


def test_a_model_predicts_the_same_with_its_convolutions_as_winograd():
    rng = np.random.default_rng(5)

    def conv(name: str, channels: int, filters: int, activation: str, **options) -> Conv2D:
        kernel = rng.normal(0, 0.5 / channels**0.5, (3, 3, channels, filters))
        return Conv2D(
            name, kernel.astype(np.float32), rng.normal(0, 0.1, filters), activation, **options
        )

    model = Model(
        [
            InputLayer("image", (28, 28, 1)),
            conv("first", 1, 8, "relu"),  # 26x26, im2col (one channel)
            conv("same", 8, 12, "relu", padding="same"),  # Winograd, taking the pooling
            MaxPooling2D("pool"),  # 13x13
            conv("valid", 12, 8, "gelu"),  # Winograd, 11x11: odd, no pooling (gelu dips)
            MaxPooling2D("pool_2"),  # 5x5
            Flatten("flat"),
            Dense("out", rng.normal(0, 0.1, (200, 10)).astype(np.float32), None, "softmax"),
        ]
    )
    kinds = [type(layer).__name__ for layer in model._workspace.layers_run]
    assert kinds.count("WinogradConv2D") == 2
    x = rng.random((37, 28, 28, 1), np.float32)
    expected = np.asarray(model.forward(x))
    np.testing.assert_allclose(model.predict_proba(x), expected, atol=1e-6)
    np.testing.assert_allclose(model.predict_proba(x[:1]), expected[:1], atol=1e-6)


def test_the_memory_it_declares_is_what_it_makes():
    rng = np.random.default_rng(6)
    conv = _conv(rng, channels=32, filters=64, padding="same")
    winograd = WinogradConv2D("c", conv.as_convolution(), LINEAR, pools=True)
    x = rng.normal(0, 1, (5, 14, 14, 32)).astype(np.float32)
    out = np.empty((5, 7, 7, 64), np.float32)
    tracemalloc.start()
    winograd(x, out=out)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    declared = 5 * winograd.temporary_numbers((14, 14, 32)) * 4
    assert declared <= peak <= declared * 1.05  # NumPy's own buffers for strided operands


def test_threads_calling_one_layer_at_once_each_get_their_own_answer():
    rng = np.random.default_rng(7)
    conv = _conv(rng, channels=16, filters=8, padding="same")
    winograd = WinogradConv2D("c", conv.as_convolution())
    inputs = [rng.normal(0, 1, (6, 10, 10, 16)).astype(np.float32) for _ in range(4)]
    expected = [conv(x) for x in inputs]

    def run(i: int) -> float:
        worst = 0.0
        for _ in range(50):
            worst = max(worst, float(np.abs(winograd(inputs[i]) - expected[i]).max()))
        return worst

    with ThreadPoolExecutor(4) as pool:
        worst = max(pool.map(run, range(4)))
    assert worst <= _tolerance(np.stack(expected))
