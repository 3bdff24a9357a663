"""The convolutional layers by hand: the conventions Keras fixes, on numbers small enough to check.

Central differences and GradientTape for every option are in ``test_backward.py``; these
pin what both could share a mistake about (cross-correlation, where "same" pads, the order
of depthwise channels, what an average over padding divides by).
"""

from __future__ import annotations

import numpy as np

from digitwidget.nn import (
    AveragePooling2D,
    BatchNormalization,
    Conv2D,
    DepthwiseConv2D,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D,
    MaxPooling2D,
    Reshape,
    ZeroPadding2D,
)


def _image(rows: list[list[float]]) -> np.ndarray:
    """One single-channel image as a batch: ``(1, H, W, 1)``."""
    return np.array(rows, np.float64)[None, :, :, None]


def test_conv2d_is_a_cross_correlation_by_hand():
    kernel = np.array([[1.0, 0.0], [0.0, -1.0]]).reshape(2, 2, 1, 1)
    layer = Conv2D("c", kernel, np.array([0.5]))
    x = _image([[0, 1, 2], [3, 4, 5], [6, 7, 8]])
    y, cache = layer.forward(x)
    # y[i, j] = x[i, j] - x[i + 1, j + 1] + 0.5 = -4 + 0.5; a flipped kernel would give +4.5
    np.testing.assert_array_equal(y, np.full((1, 2, 2, 1), -3.5))
    grad_x, grads = layer.backward(np.ones_like(y), cache)
    # each output adds +1 at its top-left pixel and -1 at its bottom-right one
    np.testing.assert_array_equal(grad_x[0, :, :, 0], [[1, 1, 0], [1, 0, -1], [0, -1, -1]])
    # dL/dkernel[a, b] = sum of x[i + a, j + b] over the four outputs
    np.testing.assert_array_equal(grads["kernel"].reshape(2, 2), [[8, 12], [20, 24]])
    np.testing.assert_array_equal(grads["bias"], [4.0])


def test_same_padding_with_stride_2_puts_the_extra_row_at_the_bottom_right():
    layer = Conv2D("c", np.ones((3, 3, 1, 1)), strides=2, padding="same")
    y = layer(np.ones((1, 4, 4, 1)))
    # 2 outputs per axis need 5 pixels of 4: one row of zeros after the image, none before
    np.testing.assert_array_equal(y[0, :, :, 0], [[9, 6], [6, 4]])


def test_grouped_conv2d_sees_only_its_groups_channels():
    kernel = np.zeros((1, 1, 1, 2))
    kernel[0, 0, 0] = [10.0, 100.0]  # group 0 reads channel 0, group 1 channel 1
    x = np.array([1.0, 2.0]).reshape(1, 1, 1, 2)
    np.testing.assert_array_equal(Conv2D("g", kernel, groups=2)(x).ravel(), [10.0, 200.0])


def test_depthwise_output_channel_is_channel_times_multiplier_plus_m():
    kernel = np.array([[1.0, 2.0], [10.0, 20.0]]).reshape(1, 1, 2, 2)
    layer = DepthwiseConv2D("dw", kernel, np.array([0.0, 0.0, 0.5, 0.5]))
    x = np.array([3.0, 5.0]).reshape(1, 1, 1, 2)
    np.testing.assert_array_equal(layer(x).ravel(), [3.0, 6.0, 50.5, 100.5])


def test_max_pooling_backward_routes_to_the_maximum():
    x = _image([[1, 5, 0], [3, 2, -1]])
    layer = MaxPooling2D("m", 2)
    y, cache = layer.forward(x)
    np.testing.assert_array_equal(y.ravel(), [5.0])  # the odd last column is dropped
    grad_x, grads = layer.backward(np.full_like(y, 7.0), cache)
    np.testing.assert_array_equal(grad_x[0, :, :, 0], [[0, 7, 0], [0, 0, 0]])
    assert grads == {}


def test_max_pooling_same_pads_with_minus_infinity():
    y = MaxPooling2D("m", 2, padding="same")(-_image([[1, 2, 3], [4, 5, 6], [7, 8, 9]]))
    np.testing.assert_array_equal(y[0, :, :, 0], [[-1, -3], [-7, -9]])


def test_same_average_pooling_divides_by_the_real_pixels_only():
    layer = AveragePooling2D("a", 2, padding="same")
    y, cache = layer.forward(np.ones((1, 3, 3, 1)))
    np.testing.assert_array_equal(y, np.ones((1, 2, 2, 1)))  # not 0.5 and 0.25 at the edge
    grad_x, _ = layer.backward(np.ones_like(y), cache)
    # each pixel gets 1 / (the real pixels of its window): 4, 2 at the edges, 1 at the corner
    expected = [[0.25, 0.25, 0.5], [0.25, 0.25, 0.5], [0.5, 0.5, 1.0]]
    np.testing.assert_array_equal(grad_x[0, :, :, 0], expected)


def test_global_pooling_by_hand_with_and_without_kept_axes():
    x = np.arange(12.0).reshape(1, 2, 3, 2)  # channel 0: 0, 2, ..., 10; channel 1: 1, ..., 11
    np.testing.assert_array_equal(GlobalAveragePooling2D("g")(x), [[5.0, 6.0]])
    np.testing.assert_array_equal(GlobalMaxPooling2D("g")(x), [[10.0, 11.0]])
    assert GlobalAveragePooling2D("g", keepdims=True)(x).shape == (1, 1, 1, 2)
    assert GlobalMaxPooling2D("g", keepdims=True).build((2, 3, 2)) == (1, 1, 2)


def test_batch_normalization_uses_the_moving_statistics_by_hand():
    layer = BatchNormalization(
        "bn", np.array([1.0]), np.array([3.0]), np.array([2.0]), np.array([-1.0]), epsilon=1.0
    )
    x = np.array([[0.0], [1.0], [5.0]])
    y, cache = layer.forward(x)
    # y = gamma (x - mean) / sqrt(variance + epsilon) + beta = 2 (x - 1) / 2 - 1 = x - 2
    np.testing.assert_array_equal(y, x - 2)
    grad_x, grads = layer.backward(np.array([[1.0], [2.0], [3.0]]), cache)
    np.testing.assert_array_equal(grad_x, [[1.0], [2.0], [3.0]])  # times gamma / 2 = 1
    assert list(grads) == ["gamma", "beta"]  # the moving statistics are not trained
    # dL/dgamma = sum of dL/dy (x - 1) / 2 = (1 * -1 + 2 * 0 + 3 * 4) / 2
    np.testing.assert_array_equal(grads["gamma"], [5.5])
    np.testing.assert_array_equal(grads["beta"], [6.0])
    assert BatchNormalization.frozen_weights == ("moving_mean", "moving_variance")


def test_zero_padding_asymmetric_by_hand():
    layer = ZeroPadding2D("z", ((1, 0), (2, 3)))
    y, cache = layer.forward(np.full((1, 1, 1, 1), 4.0))
    expected = np.zeros((2, 6))
    expected[1, 2] = 4.0
    np.testing.assert_array_equal(y[0, :, :, 0], expected)
    grad = np.arange(12.0).reshape(1, 2, 6, 1)
    np.testing.assert_array_equal(layer.backward(grad, cache)[0].ravel(), [8.0])


def test_reshape_fills_in_minus_one_and_keeps_the_order():
    layer = Reshape("r", (-1, 4))
    assert layer.build((2, 3, 4)) == (6, 4)
    x = np.arange(24.0).reshape(1, 2, 3, 4)
    np.testing.assert_array_equal(layer(x), x.reshape(1, 6, 4))
