"""Backward cases for the convolutional layers: ``name -> (make, sample shape, keras twin)``.

``tests/nn/test_backward.py`` turns each into a ``Case``. Sample shapes stay tiny (a few
hundred numbers) so that central differences over every input and weight stay fast. Max
pooling reads random normal inputs, which have no ties: with a tie the gradient would
depend on which maximum a library picks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from digitwidget.nn import (
    AveragePooling2D,
    BatchNormalization,
    Conv2D,
    DepthwiseConv2D,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D,
    Layer,
    MaxPooling2D,
    Reshape,
    SeparableConv2D,
    ZeroPadding2D,
)

Spec = tuple[Callable[[], Layer], tuple[int, ...], Callable[[Any], Any]]


def _normal(seed: int, shape: tuple[int, ...], scale: float = 0.5) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, scale, shape)


def _conv(
    kernel: tuple[int, int, int, int], use_bias: bool = True, activation: Any = None, **kw: Any
) -> Conv2D:
    bias = _normal(1, kernel[-1:]) if use_bias else None
    return Conv2D("c", _normal(0, kernel), bias, activation, **kw)


def _conv_case(kernel: tuple[int, int, int, int], shape: tuple[int, ...], **kw: Any) -> Spec:
    return (
        lambda: _conv(kernel, **kw),
        shape,
        lambda k: k.layers.Conv2D(kernel[-1], kernel[:2], **kw),
    )


def _depthwise(kernel: tuple[int, int, int, int], use_bias: bool = True, **kw: Any) -> Spec:
    channels = kernel[2] * kernel[3]

    def make() -> Layer:
        bias = _normal(3, (channels,)) if use_bias else None
        return DepthwiseConv2D("dw", _normal(2, kernel), bias, **kw)

    def twin(k: Any) -> Any:
        return k.layers.DepthwiseConv2D(
            kernel[:2], depth_multiplier=kernel[3], use_bias=use_bias, **kw
        )

    return make, (7, 7, kernel[2]), twin


def _separable(
    kernel: tuple[int, int, int, int], filters: int, use_bias: bool = True, **kw: Any
) -> Spec:
    pointwise = (1, 1, kernel[2] * kernel[3], filters)

    def make() -> Layer:
        bias = _normal(6, (filters,)) if use_bias else None
        return SeparableConv2D("sep", _normal(4, kernel), _normal(5, pointwise), bias, **kw)

    def twin(k: Any) -> Any:
        return k.layers.SeparableConv2D(
            filters, kernel[:2], depth_multiplier=kernel[3], use_bias=use_bias, **kw
        )

    return make, (7, 7, kernel[2]), twin


def _pooling(kind: str, shape: tuple[int, ...], **kw: Any) -> Spec:
    engine = {"MaxPooling2D": MaxPooling2D, "AveragePooling2D": AveragePooling2D}[kind]
    return (
        lambda: engine("p", **kw),
        shape,
        lambda k: getattr(k.layers, kind)(**kw),
    )


def _batch_norm(
    channels: int, scale: bool = True, center: bool = True, epsilon: float = 1e-3
) -> Callable[[], Layer]:
    rng = np.random.default_rng(7)
    mean, variance = rng.normal(0, 1, channels), rng.uniform(0.5, 2.0, channels)
    gamma, beta = rng.normal(1, 0.5, channels), rng.normal(0, 0.5, channels)
    return lambda: BatchNormalization(
        "bn",
        mean,
        variance,
        gamma if scale else None,
        beta if center else None,
        epsilon=epsilon,
    )


def _bn_case(shape: tuple[int, ...], **kw: Any) -> Spec:
    return (
        _batch_norm(shape[-1], **kw),
        shape,
        lambda k: k.layers.BatchNormalization(**kw),
    )


IMAGE = (7, 7, 3)

CONV_CASES: dict[str, Spec] = {
    "Conv2D-valid": _conv_case((3, 3, 3, 4), IMAGE),
    "Conv2D-same": _conv_case((3, 3, 3, 4), IMAGE, padding="same"),
    "Conv2D-stride2-same-odd": _conv_case((3, 3, 3, 4), IMAGE, strides=2, padding="same"),
    "Conv2D-stride2-same-even": _conv_case((3, 3, 3, 4), (8, 8, 3), strides=2, padding="same"),
    "Conv2D-stride2-valid-even": _conv_case((3, 3, 3, 2), (8, 8, 3), strides=2),
    "Conv2D-kernel-2x3-strides-1x2": _conv_case(
        (2, 3, 3, 2), (6, 7, 3), strides=(1, 2), padding="same"
    ),
    "Conv2D-kernel-4-same": _conv_case((4, 4, 2, 3), (6, 6, 2), padding="same"),
    "Conv2D-dilation2-valid": _conv_case((3, 3, 3, 2), IMAGE, dilation_rate=2),
    "Conv2D-dilation2-same": _conv_case((3, 3, 3, 2), IMAGE, dilation_rate=2, padding="same"),
    "Conv2D-dilation-1x2": _conv_case((2, 2, 3, 2), IMAGE, dilation_rate=(1, 2)),
    "Conv2D-groups2": _conv_case((3, 3, 2, 6), (7, 7, 4), groups=2),
    "Conv2D-groups3-same": _conv_case((3, 3, 1, 3), (6, 6, 3), groups=3, padding="same"),
    "Conv2D-no-bias": _conv_case((3, 3, 3, 4), IMAGE, use_bias=False),
    "Conv2D-1x1": _conv_case((1, 1, 3, 5), (4, 4, 3)),
    "Conv2D-relu": _conv_case((3, 3, 3, 4), IMAGE, activation="relu"),
    "Conv2D-tanh-same": _conv_case((3, 3, 3, 4), IMAGE, activation="tanh", padding="same"),
    "Conv2D-softmax": _conv_case((3, 3, 3, 4), IMAGE, activation="softmax"),
    "DepthwiseConv2D-dm1": _depthwise((3, 3, 3, 1)),
    "DepthwiseConv2D-dm2-same": _depthwise((3, 3, 3, 2), padding="same"),
    "DepthwiseConv2D-stride2-same": _depthwise((3, 3, 3, 2), strides=2, padding="same"),
    "DepthwiseConv2D-dilation2": _depthwise((3, 3, 2, 1), dilation_rate=2),
    "DepthwiseConv2D-no-bias-relu": _depthwise((3, 3, 3, 2), use_bias=False, activation="relu"),
    "SeparableConv2D": _separable((3, 3, 3, 1), 4),
    "SeparableConv2D-dm2-stride2-same": _separable((3, 3, 3, 2), 4, strides=2, padding="same"),
    "SeparableConv2D-dilation2-elu": _separable((3, 3, 2, 2), 3, dilation_rate=2, activation="elu"),
    "SeparableConv2D-no-bias": _separable((3, 3, 3, 1), 2, use_bias=False),
    **{
        f"{kind}-{label}": _pooling(kind, shape, **kw)
        for kind in ("MaxPooling2D", "AveragePooling2D")
        for label, shape, kw in [
            ("2-valid", IMAGE, {"pool_size": 2}),
            ("2-same", IMAGE, {"pool_size": 2, "padding": "same"}),
            ("2-same-even", (6, 6, 2), {"pool_size": 2, "padding": "same"}),
            ("3-stride1", IMAGE, {"pool_size": 3, "strides": 1}),
            ("3-stride1-same", (5, 5, 2), {"pool_size": 3, "strides": 1, "padding": "same"}),
            ("3-stride2-same", IMAGE, {"pool_size": 3, "strides": 2, "padding": "same"}),
            ("3-stride3-same", IMAGE, {"pool_size": 3, "strides": 3, "padding": "same"}),
            ("3-stride2-valid", IMAGE, {"pool_size": 3, "strides": 2}),
            ("2x3-strides-1x2", (6, 7, 2), {"pool_size": (2, 3), "strides": (1, 2)}),
        ]
    },
    **{
        f"{cls.__name__}-keepdims-{keep}": (
            lambda cls=cls, keep=keep: cls("g", keepdims=keep),
            (5, 4, 3),
            lambda k, cls=cls, keep=keep: getattr(k.layers, cls.__name__)(keepdims=keep),
        )
        for cls in (GlobalAveragePooling2D, GlobalMaxPooling2D)
        for keep in (False, True)
    },
    "BatchNormalization": _bn_case((5, 5, 3)),
    "BatchNormalization-no-scale": _bn_case((5, 5, 3), scale=False),
    "BatchNormalization-no-center": _bn_case((5, 5, 3), center=False),
    "BatchNormalization-no-scale-no-center": _bn_case((5, 5, 3), scale=False, center=False),
    "BatchNormalization-epsilon-0.1": _bn_case((5, 5, 3), epsilon=0.1),
    "BatchNormalization-dense-input": _bn_case((6,)),
    "Reshape": (
        lambda: Reshape("r", (2, 3, 4)),
        (4, 6),
        lambda k: k.layers.Reshape((2, 3, 4)),
    ),
    "Reshape-minus-one": (
        lambda: Reshape("r", (-1, 4)),
        (2, 3, 4),
        lambda k: k.layers.Reshape((-1, 4)),
    ),
    "Reshape-add-channel": (
        lambda: Reshape("r", (3, 4, 1)),
        (12,),
        lambda k: k.layers.Reshape((3, 4, 1)),
    ),
    **{
        f"ZeroPadding2D-{label}": (
            lambda padding=padding: ZeroPadding2D("z", padding),
            (4, 5, 2),
            lambda k, padding=padding: k.layers.ZeroPadding2D(padding),
        )
        for label, padding in [
            ("1", 1),
            ("1x2", (1, 2)),
            ("asymmetric", ((1, 0), (2, 3))),
        ]
    },
}
