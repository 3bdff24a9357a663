"""Hostile convolutional model files: each is refused with a ModelFileError that names the
problem, in bounded time and memory (the ``bounded`` fixture of ``conftest.py``), and the well-formed version of each file loads.

Every file is written here by hand, in Keras 3's own layout (config.json as Keras 3.15
writes it, weights under ``layers/<snake class name>[_<n>]/vars/<i>``, an optimizer's
slots under ``optimizer/vars/<i>``), or in the engine's .npz format; none needs TensorFlow.
Where a careless reader would allocate a lot, the file declares a large HDF5 dataset that
was never written (it costs nothing on disk), so only the memory bound can tell.
"""

from __future__ import annotations

import copy
import json
import math
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

from digitwidget.nn import ModelFileError, load_model
from tests.nn.test_model_files import _layer, h5_bytes, write_keras
from tests.nn.test_model_files_hostile import _npz as write_npz_file

Refused = Callable[[Path, str], ModelFileError]


# --- Hand-written networks ------------------------------------------------------------

DTYPE_POLICY = {
    "module": "keras",
    "class_name": "DTypePolicy",
    "config": {"name": "float32"},
    "registered_name": None,
}

# Each class's config as Keras 3.15 writes it (initializers, regularizers and constraints,
# which the engine ignores, left out).
KERAS_DEFAULTS: dict[str, dict[str, Any]] = {
    "Conv2D": {
        "filters": 6,
        "kernel_size": [3, 3],
        "strides": [1, 1],
        "padding": "valid",
        "data_format": "channels_last",
        "dilation_rate": [1, 1],
        "groups": 1,
        "activation": "relu",
        "use_bias": True,
    },
    "DepthwiseConv2D": {
        "depth_multiplier": 2,
        "kernel_size": [3, 3],
        "strides": [1, 1],
        "padding": "valid",
        "data_format": "channels_last",
        "dilation_rate": [1, 1],
        "activation": "linear",
        "use_bias": True,
    },
    "SeparableConv2D": {
        "filters": 6,
        "depth_multiplier": 1,
        "kernel_size": [3, 3],
        "strides": [1, 1],
        "padding": "valid",
        "data_format": "channels_last",
        "dilation_rate": [1, 1],
        "activation": "linear",
        "use_bias": True,
    },
    "MaxPooling2D": {
        "pool_size": [2, 2],
        "padding": "valid",
        "strides": [2, 2],
        "data_format": "channels_last",
    },
    "AveragePooling2D": {
        "pool_size": [2, 2],
        "padding": "valid",
        "strides": [2, 2],
        "data_format": "channels_last",
    },
    "GlobalAveragePooling2D": {"data_format": "channels_last", "keepdims": False},
    "GlobalMaxPooling2D": {"data_format": "channels_last", "keepdims": False},
    "BatchNormalization": {
        "axis": -1,
        "momentum": 0.99,
        "epsilon": 0.001,
        "center": True,
        "scale": True,
        "synchronized": False,
        "renorm": False,
        "renorm_clipping": None,
        "renorm_momentum": 0.99,
    },
    "Reshape": {"target_shape": [-1]},
    "ZeroPadding2D": {"padding": [[1, 1], [1, 1]], "data_format": "channels_last"},
    "Flatten": {"data_format": "channels_last"},
    "Dense": {"units": 10, "activation": "softmax", "use_bias": True},
}


def values(*shape: int, low: float = -0.5, high: float = 0.5) -> np.ndarray:
    """Deterministic float32 weights of ``shape``, spread over [low, high]."""
    count = math.prod(shape)
    spread = (np.arange(count) * 0.618034) % 1.0
    return (low + (high - low) * spread).astype(np.float32).reshape(shape)


def keras_layer(class_name: str, name: str, **config: Any) -> dict[str, Any]:
    """A layer entry as Keras 3 writes it, with its class's defaults under ``config``."""
    entry = _layer(
        class_name,
        name,
        trainable=True,
        dtype=DTYPE_POLICY,
        **(KERAS_DEFAULTS.get(class_name, {}) | config),
    )
    return entry


@dataclass
class Net:
    """A Sequential model: one sample's input shape, Keras layer entries, the .h5 datasets.

    ``weights`` maps a dataset path (``layers/conv2d/vars/0``) to its array; ``unwritten``
    maps a path to the shape of a float32 dataset declared but never written.
    """

    input_shape: tuple[int, ...]
    layers: list[dict[str, Any]]
    weights: dict[str, np.ndarray]
    unwritten: dict[str, tuple[int, ...]] = field(default_factory=dict)

    def config(self) -> dict[str, Any]:
        inputs = _layer(
            "InputLayer",
            "input_layer",
            batch_shape=[None, *self.input_shape],
            dtype="float32",
            sparse=False,
            ragged=False,
            optional=False,
        )
        return {
            "module": "keras",
            "class_name": "Sequential",
            "config": {
                "name": "cnn",
                "trainable": True,
                "dtype": DTYPE_POLICY,
                "layers": [inputs, *self.layers],
                "build_input_shape": [None, *self.input_shape],
            },
            "registered_name": None,
            "build_config": {"input_shape": [None, *self.input_shape]},
        }

    def h5(self, extra: Callable[[h5py.File], None] | None = None) -> bytes:
        def declare(f: h5py.File) -> None:
            for key, shape in self.unwritten.items():
                f.create_dataset(key, shape=shape, dtype="f4", chunks=True)
            if extra:
                extra(f)

        return h5_bytes(self.weights, declare)

    def write(self, path: Path, extra: Callable[[h5py.File], None] | None = None) -> Path:
        return write_keras(
            path,
            config=self.config(),
            members={"model.weights.h5": self.h5(extra)},
            compress=zipfile.ZIP_DEFLATED,
        )

    def layer(self, name: str) -> dict[str, Any]:
        return next(e for e in self.layers if e["config"]["name"] == name)

    def with_config(self, name: str, **config: Any) -> Net:
        """A copy whose layer ``name`` has ``config`` set over its own."""
        net = copy.deepcopy(self)
        net.layer(name)["config"].update(config)
        return net

    def with_weights(self, **weights: Any) -> Net:
        """A copy with datasets replaced (``conv2d__0=array`` is ``layers/conv2d/vars/0``);
        ``None`` removes one."""
        net = copy.deepcopy(self)
        for key, array in weights.items():
            group, index = key.rsplit("__", 1)
            path = f"layers/{group}/vars/{index}"
            net.weights.pop(path, None)
            if array is not None:
                net.weights[path] = array
        return net


def _head(channels: int) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    """Global average pooling and a Dense softmax of 10: whatever the image size before."""
    layers = [
        keras_layer("GlobalAveragePooling2D", "global_average_pooling2d"),
        keras_layer("Dense", "dense"),
    ]
    weights = {
        "layers/dense/vars/0": values(channels, 10),
        "layers/dense/vars/1": values(10, low=-0.1, high=0.1),
    }
    return layers, weights


def conv_net() -> Net:
    """(8, 8, 4) -> Conv2D 6@3x3 relu -> global average -> Dense 10."""
    head, head_weights = _head(6)
    return Net(
        (8, 8, 4),
        [keras_layer("Conv2D", "conv2d"), *head],
        {"layers/conv2d/vars/0": values(3, 3, 4, 6), "layers/conv2d/vars/1": values(6)}
        | head_weights,
    )


def depthwise_net() -> Net:
    """(8, 8, 4) -> DepthwiseConv2D 3x3 x2 -> global average -> Dense 10."""
    head, head_weights = _head(8)
    return Net(
        (8, 8, 4),
        [keras_layer("DepthwiseConv2D", "depthwise_conv2d"), *head],
        {
            "layers/depthwise_conv2d/vars/0": values(3, 3, 4, 2),
            "layers/depthwise_conv2d/vars/1": values(8),
        }
        | head_weights,
    )


def separable_net() -> Net:
    """(8, 8, 4) -> SeparableConv2D 6@3x3 -> global average -> Dense 10."""
    head, head_weights = _head(6)
    return Net(
        (8, 8, 4),
        [keras_layer("SeparableConv2D", "separable_conv2d"), *head],
        {
            "layers/separable_conv2d/vars/0": values(3, 3, 4, 1),
            "layers/separable_conv2d/vars/1": values(1, 1, 4, 6),
            "layers/separable_conv2d/vars/2": values(6),
        }
        | head_weights,
    )


def pool_net(kind: str) -> Net:
    """(8, 8, 4) -> MaxPooling2D or AveragePooling2D 2 -> global average -> Dense 10."""
    head, head_weights = _head(4)
    name = {"MaxPooling2D": "max_pooling2d", "AveragePooling2D": "average_pooling2d"}[kind]
    return Net((8, 8, 4), [keras_layer(kind, name), *head], head_weights)


def zero_padding_net() -> Net:
    """(8, 8, 4) -> ZeroPadding2D 1 -> global average -> Dense 10."""
    head, head_weights = _head(4)
    return Net((8, 8, 4), [keras_layer("ZeroPadding2D", "zero_padding2d"), *head], head_weights)


def reshape_net() -> Net:
    """(8, 8, 4) -> Reshape (-1,) -> Dense 10."""
    return Net(
        (8, 8, 4),
        [keras_layer("Reshape", "reshape"), keras_layer("Dense", "dense")],
        {"layers/dense/vars/0": values(256, 10), "layers/dense/vars/1": values(10)},
    )


BN_WEIGHTS = {
    "layers/batch_normalization/vars/0": values(4, low=0.5, high=1.5),  # gamma
    "layers/batch_normalization/vars/1": values(4),  # beta
    "layers/batch_normalization/vars/2": values(4),  # moving_mean
    "layers/batch_normalization/vars/3": values(4, low=0.5, high=2.0),  # moving_variance
}


def bn_net(*, center: bool = True, scale: bool = True) -> Net:
    """(8, 8, 4) -> BatchNormalization -> global average -> Dense 10, with Keras's vars:
    gamma (when scale), beta (when center), moving_mean, moving_variance."""
    head, head_weights = _head(4)
    gamma, beta, mean, variance = BN_WEIGHTS.values()
    kept = [w for w, on in ((gamma, scale), (beta, center), (mean, True), (variance, True)) if on]
    return Net(
        (8, 8, 4),
        [
            keras_layer("BatchNormalization", "batch_normalization", center=center, scale=scale),
            *head,
        ],
        {f"layers/batch_normalization/vars/{i}": w for i, w in enumerate(kept)} | head_weights,
    )


def digit_cnn() -> Net:
    """(28, 28, 1) -> Conv2D 8@3x3 relu -> Flatten -> Dense 10 softmax (54,170 parameters)."""
    return Net(
        (28, 28, 1),
        [
            keras_layer("Conv2D", "conv2d", filters=8),
            keras_layer("Flatten", "flatten"),
            keras_layer("Dense", "dense"),
        ],
        {
            "layers/conv2d/vars/0": values(3, 3, 1, 8),
            "layers/conv2d/vars/1": values(8),
            "layers/dense/vars/0": values(5408, 10, low=-0.05, high=0.05),
            "layers/dense/vars/1": values(10),
        },
    )


def conv_heavy_net() -> Net:
    """(16, 16, 64) -> Conv2D 256@3x3 same -> global average -> Dense 10: the convolution
    holds 98% of the 150,282 parameters."""
    head, head_weights = _head(256)
    return Net(
        (16, 16, 64),
        [keras_layer("Conv2D", "conv2d", filters=256, padding="same"), *head],
        {
            "layers/conv2d/vars/0": values(3, 3, 64, 256, low=-0.05, high=0.05),
            "layers/conv2d/vars/1": values(256),
        }
        | head_weights,
    )


def adamw_slots(net: Net) -> dict[str, np.ndarray]:
    """``optimizer/vars/<i>`` as Keras 3.15 saves a compiled, fitted AdamW: the iteration
    count (int64), the learning rate (float32), then a momentum and a velocity for each
    weight, in the order of the model's weights."""
    slots: dict[str, np.ndarray] = {
        "optimizer/vars/0": np.array(12, np.int64),
        "optimizer/vars/1": np.array(0.001, np.float32),
    }
    for i, weight in enumerate(net.weights.values()):
        slots[f"optimizer/vars/{2 + 2 * i}"] = np.full_like(weight, 1e-3)
        slots[f"optimizer/vars/{3 + 2 * i}"] = np.full_like(weight, 1e-6)
    return slots


def assert_loads(path: Path, input_shape: tuple[int, ...]) -> None:
    """The model loads and gives 10 probabilities per sample."""
    model = load_model(path)
    batch = values(2, *input_shape, low=0.0, high=1.0)
    probabilities = model.predict_proba(batch)
    assert probabilities.shape == (2, 10)
    assert np.all(np.isfinite(probabilities))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


# --- 1. Each well-formed file loads (so that no refusal below passes vacuously) ------------

WELL_FORMED: dict[str, Callable[[], Net]] = {
    "conv": conv_net,
    "conv-same": lambda: conv_net().with_config("conv2d", padding="same"),
    "conv-int-sizes": lambda: conv_net().with_config(
        "conv2d", kernel_size=3, strides=2, dilation_rate=1
    ),
    "conv-dilation-2-same": lambda: conv_net().with_config(
        "conv2d", dilation_rate=[2, 2], padding="same"
    ),
    "conv-groups-2": lambda: (
        conv_net().with_config("conv2d", groups=2).with_weights(conv2d__0=values(3, 3, 2, 6))
    ),
    "conv-no-bias": lambda: (
        conv_net().with_config("conv2d", use_bias=False).with_weights(conv2d__1=None)
    ),
    "conv-kernel-as-large-as-the-image": lambda: (
        conv_net()
        .with_config("conv2d", kernel_size=[8, 8])
        .with_weights(conv2d__0=values(8, 8, 4, 6))
    ),
    "depthwise": depthwise_net,
    "depthwise-same-stride-2": lambda: depthwise_net().with_config(
        "depthwise_conv2d", padding="same", strides=[2, 2]
    ),
    "separable": separable_net,
    "max-pooling": lambda: pool_net("MaxPooling2D"),
    "average-pooling": lambda: pool_net("AveragePooling2D"),
    "max-pooling-3-same-stride-1": lambda: pool_net("MaxPooling2D").with_config(
        "max_pooling2d", pool_size=[3, 3], strides=[1, 1], padding="same"
    ),
    "average-pooling-strides-null": lambda: pool_net("AveragePooling2D").with_config(
        "average_pooling2d", pool_size=[2, 2], strides=None
    ),
    "zero-padding": zero_padding_net,
    "zero-padding-int": lambda: zero_padding_net().with_config("zero_padding2d", padding=2),
    "zero-padding-asymmetric": lambda: zero_padding_net().with_config(
        "zero_padding2d", padding=[[1, 0], [2, 3]]
    ),
    "reshape": reshape_net,
    "reshape-full": lambda: reshape_net().with_config("reshape", target_shape=[256]),
    "batch-norm": bn_net,
    "batch-norm-axis-3": lambda: bn_net().with_config("batch_normalization", axis=3),
    "batch-norm-no-center": lambda: bn_net(center=False),
    "batch-norm-no-scale": lambda: bn_net(scale=False),
    "batch-norm-neither": lambda: bn_net(center=False, scale=False),
    "batch-norm-variance-zero-epsilon-positive": lambda: bn_net().with_weights(
        batch_normalization__3=np.zeros(4, np.float32)
    ),
    "digit-cnn": digit_cnn,
    # the well-formed twins of files below
    "conv-32-filters": lambda: conv32_net(32),
    "flatten-channels-last": lambda: flatten_net("channels_last"),
    "separable-multiplier-2": lambda: (
        separable_net()
        .with_config("separable_conv2d", depth_multiplier=2)
        .with_weights(
            separable_conv2d__0=values(3, 3, 4, 2), separable_conv2d__1=values(1, 1, 8, 6)
        )
    ),
    "depthwise-dilation-2-same": lambda: depthwise_net().with_config(
        "depthwise_conv2d", dilation_rate=2, padding="same"
    ),
}


@pytest.mark.parametrize("make", WELL_FORMED.values(), ids=WELL_FORMED.keys())
def test_well_formed_keras_file_loads(tmp_path: Path, make: Callable[[], Net]) -> None:
    net = make()
    assert_loads(net.write(tmp_path / "ok.keras"), net.input_shape)


# --- 2. Configs that are malformed, unsupported or would allocate without bound ------------

BIG_KERNEL = (4096, 4096, 1, 1)


def big_kernel_net(padding: str) -> Net:
    """(28, 28, 1) -> Conv2D 1@4096x4096 -> global average -> Dense 10; the kernel, 64 MiB
    of float32 (16.8 M parameters, within the engine's parameter cap), is declared in the
    .h5 file but never written, so it costs nothing unless something reads it."""
    head, head_weights = _head(1)
    return Net(
        (28, 28, 1),
        [
            keras_layer(
                "Conv2D", "conv2d", filters=1, kernel_size=list(BIG_KERNEL[:2]), padding=padding
            ),
            *head,
        ],
        {"layers/conv2d/vars/1": values(1)} | head_weights,
        unwritten={"layers/conv2d/vars/0": BIG_KERNEL},
    )


def _conv(**config: Any) -> Callable[[], Net]:
    return lambda: conv_net().with_config("conv2d", **config)


def _depthwise(**config: Any) -> Callable[[], Net]:
    return lambda: depthwise_net().with_config("depthwise_conv2d", **config)


def _separable(**config: Any) -> Callable[[], Net]:
    return lambda: separable_net().with_config("separable_conv2d", **config)


def _pool(kind: str, **config: Any) -> Callable[[], Net]:
    name = {"MaxPooling2D": "max_pooling2d", "AveragePooling2D": "average_pooling2d"}[kind]
    return lambda: pool_net(kind).with_config(name, **config)


def _pad(**config: Any) -> Callable[[], Net]:
    return lambda: zero_padding_net().with_config("zero_padding2d", **config)


def _reshape(target: Any) -> Callable[[], Net]:
    return lambda: reshape_net().with_config("reshape", target_shape=target)


def _bn(**config: Any) -> Callable[[], Net]:
    return lambda: bn_net().with_config("batch_normalization", **config)


def flatten_net(data_format: str) -> Net:
    """Conv2D -> Flatten -> Dense. With channels_first, Keras takes the image's first axis
    as the channels and moves it last before flattening: another order than the engine's,
    so such a file, read as channels_last, would give other answers."""
    net = conv_net()
    net.layers[1:2] = [keras_layer("Flatten", "flatten", data_format=data_format)]
    net.weights["layers/dense/vars/0"] = values(216, 10)
    return net


PAIR = r"must be an int or a pair of ints between 1 and 65,536"
COUNT = r"must be an int between 1 and 65,536"
VALID_OR_SAME = r"padding must be 'valid' or 'same'"
CHANNELS_FIRST = r"data_format='channels_first' is not supported; the engine reads images as"
TOO_MANY_WINDOW_NUMBERS = r"numbers per sample; the engine allows at most 16,777,216"
TARGET_SHAPE = r"target_shape must be 1 to 8 positive ints \(one may be -1\)"
PADS = r"padding must be an int, \(rows, columns\) or \(\(top, bottom\), \(left, right\)\)"
LAST_AXIS = r"the engine normalises only the last axis"
EPSILON = r"epsilon must be a finite number of at least 0"


def _separable_wide() -> Net:
    """SeparableConv2D 1@3x3 with depth_multiplier 65,536 on (8, 8, 4): 2.6 M parameters and
    one number out per pixel, but its depthwise stage makes 6 x 6 x 262,144 = 9,437,184
    numbers per sample (9 times the engine's bound on any layer's output; a DepthwiseConv2D
    of the same multiplier is refused for it). Its kernels are declared, never written."""
    head, head_weights = _head(1)
    return Net(
        (8, 8, 4),
        [
            keras_layer("SeparableConv2D", "separable_conv2d", filters=1, depth_multiplier=65536),
            *head,
        ],
        {"layers/separable_conv2d/vars/2": values(1)} | head_weights,
        unwritten={
            "layers/separable_conv2d/vars/0": (3, 3, 4, 65536),
            "layers/separable_conv2d/vars/1": (1, 1, 4 * 65536, 1),
        },
    )


# (case id, the file, a fragment of the message that names the problem)
HOSTILE_CONFIGS: list[tuple[str, Callable[[], Net], str]] = [
    # Conv2D
    ("conv-filters-1e9", _conv(filters=10**9), rf"filters {COUNT}. Received: filters=1000000000"),
    ("conv-filters-0", _conv(filters=0), rf"filters {COUNT}"),
    ("conv-filters-text", _conv(filters="6"), rf"filters {COUNT}"),
    ("conv-filters-bool", _conv(filters=True), rf"filters {COUNT}"),
    (
        "conv-kernel-4096-valid",
        lambda: big_kernel_net("valid"),
        r"a window spanning \(4096, 4096\) pixels does not fit in a 28x28 image",
    ),
    (
        "conv-kernel-4096-same",
        lambda: big_kernel_net("same"),
        rf"windows of \(4096, 4096\) .* on a 28x28x1 image would read [\d,]+ {TOO_MANY_WINDOW_NUMBERS}",
    ),
    ("conv-kernel-0", _conv(kernel_size=0), rf"kernel_size {PAIR}"),
    ("conv-kernel-0x3", _conv(kernel_size=[0, 3]), rf"kernel_size {PAIR}"),
    ("conv-kernel-negative", _conv(kernel_size=[-3, 3]), rf"kernel_size {PAIR}"),
    ("conv-kernel-three-numbers", _conv(kernel_size=[3, 3, 3]), rf"kernel_size {PAIR}"),
    ("conv-kernel-float", _conv(kernel_size=[3.0, 3.0]), rf"kernel_size {PAIR}"),
    ("conv-strides-0", _conv(strides=0), rf"strides {PAIR}"),
    ("conv-strides-1x0", _conv(strides=[1, 0]), rf"strides {PAIR}"),
    ("conv-strides-negative", _conv(strides=[-1, -1]), rf"strides {PAIR}"),
    (
        "conv-dilation-1e9-same",
        _conv(dilation_rate=10**9, padding="same"),
        rf"dilation_rate {PAIR}",
    ),
    (
        # within the range of any one number, but 'same' pads to the span: 131,073 pixels
        "conv-dilation-65536-same",
        _conv(dilation_rate=65536, padding="same"),
        rf"span \(131073, 131073\)\) on a 8x8x4 image would read [\d,]+ {TOO_MANY_WINDOW_NUMBERS}",
    ),
    ("conv-dilation-0", _conv(dilation_rate=[0, 1]), rf"dilation_rate {PAIR}"),
    (
        "conv-groups-3-of-4-channels",
        _conv(groups=3),
        r"groups=3 must divide both the 4 input channels and the 6 filters",
    ),
    (
        "conv-groups-4-of-6-filters",
        _conv(groups=4),
        r"groups=4 must divide both the 4 input channels and the 6 filters",
    ),
    ("conv-groups-0", _conv(groups=0), rf"groups {COUNT}"),
    ("conv-padding-causal", _conv(padding="causal"), VALID_OR_SAME),
    ("conv-padding-unknown", _conv(padding="reflect"), VALID_OR_SAME),
    ("conv-padding-number", _conv(padding=1), VALID_OR_SAME),
    ("conv-channels-first", _conv(data_format="channels_first"), CHANNELS_FIRST),
    ("conv-data-format-unknown", _conv(data_format="NCHW"), r"data_format='NCHW' is not supported"),
    ("conv-activation-unknown", _conv(activation="swirl"), r"Unknown activation 'swirl'"),
    # DepthwiseConv2D and SeparableConv2D
    ("depthwise-multiplier-1e9", _depthwise(depth_multiplier=10**9), rf"depth_multiplier {COUNT}"),
    ("depthwise-multiplier-0", _depthwise(depth_multiplier=0), rf"depth_multiplier {COUNT}"),
    (
        # 6 x 6 x (4 x 65,536) numbers per sample
        "depthwise-multiplier-65536",
        _depthwise(depth_multiplier=65536),
        r"puts out 9,437,184 numbers per sample",
    ),
    ("depthwise-kernel-0", _depthwise(kernel_size=0), rf"kernel_size {PAIR}"),
    ("depthwise-strides-0", _depthwise(strides=[0, 0]), rf"strides {PAIR}"),
    (
        "depthwise-dilation-1e9-same",
        _depthwise(dilation_rate=10**9, padding="same"),
        rf"dilation_rate {PAIR}",
    ),
    (
        "depthwise-dilation-65536-same",
        _depthwise(dilation_rate=65536, padding="same"),
        TOO_MANY_WINDOW_NUMBERS,
    ),
    ("depthwise-padding-causal", _depthwise(padding="causal"), VALID_OR_SAME),
    ("depthwise-channels-first", _depthwise(data_format="channels_first"), CHANNELS_FIRST),
    ("separable-multiplier-1e9", _separable(depth_multiplier=10**9), rf"depth_multiplier {COUNT}"),
    ("separable-filters-1e9", _separable(filters=10**9), rf"filters {COUNT}"),
    ("separable-strides-0", _separable(strides=0), rf"strides {PAIR}"),
    ("separable-channels-first", _separable(data_format="channels_first"), CHANNELS_FIRST),
    ("separable-depthwise-stage-too-large", _separable_wide, r"9,437,184 numbers per sample"),
    # Pooling
    *[
        case
        for kind, short in (("MaxPooling2D", "max"), ("AveragePooling2D", "average"))
        for case in [
            (
                f"{short}-pool-1e6-valid",
                _pool(kind, pool_size=10**6, strides=None),
                rf"pool_size {PAIR}",
            ),
            (
                f"{short}-pool-1e6-same",
                _pool(kind, pool_size=10**6, strides=None, padding="same"),
                rf"pool_size {PAIR}",
            ),
            (
                f"{short}-pool-4096-same-stride-1",
                _pool(kind, pool_size=4096, strides=1, padding="same"),
                rf"windows of \(4096, 4096\) .* on a 8x8x4 image .*{TOO_MANY_WINDOW_NUMBERS}",
            ),
            (
                f"{short}-pool-65536-same",
                _pool(kind, pool_size=65536, strides=None, padding="same"),
                TOO_MANY_WINDOW_NUMBERS,
            ),
            (
                f"{short}-pool-9-valid",
                _pool(kind, pool_size=9, strides=None),
                r"a window spanning \(9, 9\) pixels does not fit in a 8x8 image",
            ),
            (f"{short}-pool-0", _pool(kind, pool_size=0), rf"pool_size {PAIR}"),
            (f"{short}-strides-0", _pool(kind, strides=0), rf"strides {PAIR}"),
            (f"{short}-strides-negative", _pool(kind, strides=[-2, 2]), rf"strides {PAIR}"),
            (f"{short}-padding-causal", _pool(kind, padding="causal"), VALID_OR_SAME),
            (f"{short}-channels-first", _pool(kind, data_format="channels_first"), CHANNELS_FIRST),
        ]
    ],
    (
        "global-pool-channels-first",
        lambda: conv_net().with_config("global_average_pooling2d", data_format="channels_first"),
        CHANNELS_FIRST,
    ),
    (
        "global-pool-keepdims-text",
        lambda: conv_net().with_config("global_average_pooling2d", keepdims="no"),
        r"keepdims must be true or false",
    ),
    (
        "flatten-channels-first",
        lambda: flatten_net("channels_first"),
        rf"Flatten 'flatten': {CHANNELS_FIRST}",
    ),
    # Reshape
    (
        "reshape-huge",
        _reshape([100_000, 100_000, 100_000]),
        r"cannot reshape \(8, 8, 4\) \(256 numbers\) to \(100000, 100000, 100000\)",
    ),
    (
        "reshape-size-differs",
        _reshape([10, 10]),
        r"cannot reshape \(8, 8, 4\) \(256 numbers\) to \(10, 10\)",
    ),
    ("reshape-two-unknowns", _reshape([-1, -1]), rf"{TARGET_SHAPE}. Received: \[-1, -1\]"),
    (
        "reshape-unknown-not-whole",
        _reshape([-1, 5]),
        r"cannot reshape \(8, 8, 4\) \(256 numbers\) to \(-1, 5\)",
    ),
    ("reshape-zero", _reshape([0, 256]), TARGET_SHAPE),
    ("reshape-negative", _reshape([-2, -128]), TARGET_SHAPE),
    ("reshape-not-a-list", _reshape("256"), TARGET_SHAPE),
    # ZeroPadding2D
    ("zero-padding-1e9", _pad(padding=10**9), PADS),
    ("zero-padding-1e9-one-side", _pad(padding=[[0, 10**9], [0, 0]]), PADS),
    (
        "zero-padding-65536",
        _pad(padding=65536),
        r"puts out 68,727,865,600 numbers per sample .*; the engine allows at most 1,048,576",
    ),
    ("zero-padding-600", _pad(padding=600), r"puts out 5,837,056 numbers per sample"),
    ("zero-padding-negative", _pad(padding=-1), PADS),
    ("zero-padding-negative-side", _pad(padding=[[1, -1], [0, 0]]), PADS),
    ("zero-padding-three-numbers", _pad(padding=[[1, 1, 1], [0, 0]]), PADS),
    ("zero-padding-channels-first", _pad(data_format="channels_first"), CHANNELS_FIRST),
    # BatchNormalization
    ("bn-renorm", _bn(renorm=True), r"uses batch renormalization \(renorm=True\)"),
    ("bn-axis-1", _bn(axis=1), rf"normalises axis 1; {LAST_AXIS}"),
    ("bn-axis-2", _bn(axis=2), rf"normalises axis 2; {LAST_AXIS}"),
    ("bn-axis-minus-2", _bn(axis=-2), rf"normalises axis -2; {LAST_AXIS}"),
    ("bn-axis-0", _bn(axis=0), rf"normalises axis 0; {LAST_AXIS}"),
    ("bn-axis-list", _bn(axis=[1, 2]), rf"normalises axis \[1, 2\]; {LAST_AXIS}"),
    ("bn-epsilon-negative", _bn(epsilon=-0.001), EPSILON),
    ("bn-epsilon-text", _bn(epsilon="0.001"), EPSILON),
    ("bn-epsilon-bool", _bn(epsilon=True), EPSILON),
    ("bn-epsilon-null", _bn(epsilon=None), EPSILON),
    ("bn-center-text", _bn(center="yes"), r"center must be true or false"),
]


@pytest.mark.parametrize(
    ("make", "match"),
    [(make, match) for _, make, match in HOSTILE_CONFIGS],
    ids=[case for case, _, _ in HOSTILE_CONFIGS],
)
def test_hostile_keras_config_is_refused(
    tmp_path: Path, bounded: Refused, make: Callable[[], Net], match: str
) -> None:
    bounded(make().write(tmp_path / "hostile.keras"), match)


def test_epsilon_nan_or_infinite_is_refused(tmp_path: Path, bounded: Refused) -> None:
    """JSON has no NaN, but Python's json (and so Keras) writes one."""
    for number in ("NaN", "Infinity"):
        path = bn_net().write(tmp_path / f"{number}.keras")
        with zipfile.ZipFile(path) as archive:
            members = {name: archive.read(name) for name in archive.namelist()}
        text = members["config.json"].decode().replace('"epsilon": 0.001', f'"epsilon": {number}')
        assert number in text
        path = write_keras(path, members={**members, "config.json": text})
        bounded(path, f"{number}, which is not a finite number")


# --- 3. Weights that disagree with the config, or cannot be used ---------------------------


def conv32_net(stored_filters: int) -> Net:
    """(28, 28, 1) -> Conv2D 32@3x3, its kernel stored with ``stored_filters`` filters."""
    head, head_weights = _head(32)
    return Net(
        (28, 28, 1),
        [keras_layer("Conv2D", "conv2d", filters=32), *head],
        {
            "layers/conv2d/vars/0": values(3, 3, 1, stored_filters),
            "layers/conv2d/vars/1": values(32),
        }
        | head_weights,
    )


def _nan_kernel() -> Net:
    kernel = values(3, 3, 4, 6)
    kernel[1, 1, 2, 3] = np.nan
    return conv_net().with_weights(conv2d__0=kernel)


def _inf_bias() -> Net:
    bias = values(6)
    bias[0] = -np.inf
    return conv_net().with_weights(conv2d__1=bias)


def _variance(*numbers: float) -> Callable[[], Net]:
    variance = values(4, low=0.5, high=2.0)
    variance[: len(numbers)] = numbers
    return lambda: bn_net().with_weights(batch_normalization__3=variance)


HOSTILE_WEIGHTS: list[tuple[str, Callable[[], Net], str]] = [
    (
        "conv-kernel-16-filters-for-32",
        lambda: conv32_net(16),
        r"conv2d/vars/0 must be a float array of shape \(3, 3, 1, 32\)\. "
        r"Received: float32 \(3, 3, 1, 16\)",
    ),
    (
        "conv-kernel-transposed",
        lambda: conv_net().with_weights(conv2d__0=values(6, 4, 3, 3)),
        r"must be a float array of shape \(3, 3, 4, 6\)",
    ),
    (
        "conv-kernel-for-groups-1-when-groups-2",
        lambda: conv_net().with_config("conv2d", groups=2),
        r"must be a float array of shape \(3, 3, 2, 6\)",
    ),
    (
        "conv-kernel-integer",
        lambda: conv_net().with_weights(conv2d__0=np.ones((3, 3, 4, 6), np.int32)),
        r"must be a float array",
    ),
    (
        "conv-bias-missing",
        lambda: conv_net().with_weights(conv2d__1=None),
        r"layer 'conv2d' needs weights \['0', '1'\] \(kernel, bias\)",
    ),
    (
        "conv-bias-when-use-bias-is-false",
        lambda: conv_net().with_config("conv2d", use_bias=False),
        r"layer 'conv2d' needs weights \['0'\] \(kernel\)",
    ),
    (
        "depthwise-bias-of-the-input-channels",
        lambda: depthwise_net().with_weights(depthwise_conv2d__1=values(4)),
        r"depthwise_conv2d/vars/1 must be a float array of shape \(8,\)",
    ),
    (
        "separable-pointwise-wrong",
        lambda: separable_net().with_weights(separable_conv2d__1=values(1, 1, 4, 7)),
        r"separable_conv2d/vars/1 must be a float array of shape \(1, 1, 4, 6\)",
    ),
    (
        "dense-after-flatten-wrong-size",
        lambda: digit_cnn().with_weights(dense__0=values(5000, 10)),
        r"dense/vars/0 must be a float array of shape \(5408, 10\)",
    ),
    (
        "bn-numbered-as-if-center-while-center-off",
        lambda: bn_net().with_config("batch_normalization", center=False),
        r"needs weights \['0', '1', '2'\] \(gamma, moving_mean, moving_variance\)"
        r".*Received: \['0', '1', '2', '3'\]",
    ),
    (
        "bn-numbered-as-if-no-scale-while-scale-on",
        lambda: bn_net(scale=False).with_config("batch_normalization", scale=True),
        r"needs weights \['0', '1', '2', '3'\] \(gamma, beta, moving_mean, moving_variance\)",
    ),
    (
        "bn-gamma-wrong-size",
        lambda: bn_net().with_weights(batch_normalization__0=values(5)),
        r"batch_normalization/vars/0 must be a float array of shape \(4,\)",
    ),
    ("conv-kernel-nan", _nan_kernel, r"kernel contains NaN or infinite values"),
    ("conv-bias-infinite", _inf_bias, r"bias contains NaN or infinite values"),
    ("bn-variance-infinite", _variance(np.inf), r"moving_variance contains NaN or infinite"),
    ("bn-variance-nan", _variance(np.nan), r"moving_variance contains NaN or infinite"),
    (
        "bn-mean-nan",
        lambda: bn_net().with_weights(batch_normalization__2=np.full(4, np.nan, np.float32)),
        r"moving_mean contains NaN or infinite",
    ),
    ("bn-variance-negative", _variance(-1.0), r"moving_variance \+ epsilon must be positive"),
    (
        # 0.5 is exact in binary: variance + epsilon is exactly 0, a division by zero.
        "bn-variance-plus-epsilon-zero",
        lambda: _variance(-0.5)().with_config("batch_normalization", epsilon=0.5),
        r"moving_variance \+ epsilon must be positive \(its square root divides\)",
    ),
    (
        "bn-variance-plus-epsilon-slightly-negative",
        lambda: _variance(-0.0011)(),
        r"moving_variance \+ epsilon must be positive \(its square root divides\)",
    ),
]


@pytest.mark.parametrize(
    ("make", "match"),
    [(make, match) for _, make, match in HOSTILE_WEIGHTS],
    ids=[case for case, _, _ in HOSTILE_WEIGHTS],
)
def test_hostile_keras_weights_are_refused(
    tmp_path: Path, bounded: Refused, make: Callable[[], Net], match: str
) -> None:
    bounded(make().write(tmp_path / "hostile.keras"), match)


# --- 4. The weights file's size budget counts every layer and an optimizer's slots ---------


def _h5_size(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return archive.getinfo("model.weights.h5").file_size


def _budget_from(error: ModelFileError) -> int:
    found = re.search(r"more than the ([\d,]+)", str(error))
    assert found, str(error)
    return int(found.group(1).replace(",", ""))


def test_adamw_slots_are_laid_out_as_keras_saves_them() -> None:
    """What Keras 3.15.1 wrote for this model compiled with AdamW and fitted one epoch."""
    slots = adamw_slots(digit_cnn())
    assert [(key, array.dtype.name, array.shape) for key, array in slots.items()] == [
        ("optimizer/vars/0", "int64", ()),  # iterations
        ("optimizer/vars/1", "float32", ()),  # learning_rate
        ("optimizer/vars/2", "float32", (3, 3, 1, 8)),  # conv2d kernel: momentum
        ("optimizer/vars/3", "float32", (3, 3, 1, 8)),  # and velocity
        ("optimizer/vars/4", "float32", (8,)),
        ("optimizer/vars/5", "float32", (8,)),
        ("optimizer/vars/6", "float32", (5408, 10)),
        ("optimizer/vars/7", "float32", (5408, 10)),
        ("optimizer/vars/8", "float32", (10,)),
        ("optimizer/vars/9", "float32", (10,)),
    ]


@pytest.mark.parametrize("make", [digit_cnn, conv_heavy_net], ids=["digit-cnn", "conv-heavy"])
def test_model_saved_with_adamw_slots_loads(tmp_path: Path, make: Callable[[], Net]) -> None:
    """Keras saves the optimizer with the model: 2 copies of every weight, an iteration
    count and a learning rate. Such a file must load: in the conv-heavy model the
    convolution holds nearly all weights, so a budget that forgot it would refuse this."""
    net = make()
    slots = adamw_slots(net)
    weights = list(net.weights.values())
    assert len(slots) == 2 + 2 * len(weights)
    assert [slots[f"optimizer/vars/{2 + 2 * i}"].shape for i in range(len(weights))] == [
        w.shape for w in weights
    ]
    net.weights |= slots
    path = net.write(tmp_path / "adamw.keras")
    parameters = sum(w.size for w in weights)
    assert _h5_size(path) > 3 * 4 * parameters  # weights and both copies, float32
    assert_loads(path, net.input_shape)


@pytest.mark.parametrize(
    ("make", "numbers"),
    [(digit_cnn, 7_000_000), (conv_heavy_net, 6_000_000)],
    ids=["digit-cnn", "conv-heavy"],
)
def test_weights_file_far_larger_than_the_model_is_refused_before_reading(
    tmp_path: Path, bounded: Refused, make: Callable[[], Net], numbers: int
) -> None:
    """A valid model whose weights file also holds a dataset far larger than the model's
    parameters and an optimizer's copies of them allow (28 MB / 24 MB of zeros, deflated
    to a few KB in the zip) is refused by its size, before it is read."""
    net = make()
    parameters = sum(w.size for w in net.weights.values())
    net.weights |= adamw_slots(net) | {"optimizer/vars/99": np.zeros(numbers, np.float32)}
    path = net.write(tmp_path / "padded.keras")
    assert path.stat().st_size < 1 << 20
    size = _h5_size(path)
    error = bounded(path, r"model\.weights\.h5'? unpacks to .*more than the [\d,]+ ")
    budget = _budget_from(error)
    # the budget leaves room for float32 weights and AdamW's two copies, and no more than
    # a fraction of this member
    assert 3 * 4 * parameters < budget < size / 3


# --- 5. The same hostile layers in the engine's own .npz format ----------------------------

Mutation = Callable[[dict[str, Any], dict[str, np.ndarray]], None]


def engine_npz(net: Net, folder: Path) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The architecture and arrays of ``net`` as the engine saves it (``model.save``)."""
    load_model(net.write(folder / "source.keras")).save(folder / "source.npz")
    with np.load(folder / "source.npz", allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files if key != "architecture"}
        architecture = json.loads(str(data["architecture"]))
    return architecture, arrays


def _entry(architecture: dict[str, Any], name: str) -> dict[str, Any]:
    return next(e for e in architecture["layers"] if e["name"] == name)


def _set(name: str, **config: Any) -> Mutation:
    def mutate(architecture: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        _entry(architecture, name)["config"].update(config)

    return mutate


def _arrays(**replaced: Any) -> Mutation:
    """Replace arrays (``conv2d__kernel`` is ``conv2d/kernel``); None drops one and its name."""

    def mutate(architecture: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        for key, array in replaced.items():
            layer, weight = key.split("__")
            if array is None:
                del arrays[f"{layer}/{weight}"]
                _entry(architecture, layer)["weights"].remove(f"{layer}/{weight}")
            else:
                arrays[f"{layer}/{weight}"] = array

    return mutate


def _both(*mutations: Mutation) -> Mutation:
    def mutate(architecture: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        for each in mutations:
            each(architecture, arrays)

    return mutate


def _with_nan(shape: tuple[int, ...], where: tuple[int, ...], number: float) -> np.ndarray:
    array = values(*shape, low=0.5, high=2.0)
    array[where] = number
    return array


def _big_npz_kernel(padding: str) -> Mutation:
    """A 300x300 kernel of 1 filter (1.4 MB): it does not fit a valid 8x8 image, and with
    'same' one image's windows would read 23 M numbers."""
    return _both(
        _set("conv2d", filters=1, kernel_size=[300, 300], padding=padding),
        _arrays(conv2d__kernel=values(300, 300, 4, 1), conv2d__bias=values(1)),
        _arrays(dense__kernel=values(1, 10)),
    )


NPZ_BASES: dict[str, Callable[[], Net]] = {
    "conv": conv_net,
    "depthwise": depthwise_net,
    "separable": separable_net,
    "max": lambda: pool_net("MaxPooling2D"),
    "average": lambda: pool_net("AveragePooling2D"),
    "reshape": reshape_net,
    "zero_padding": zero_padding_net,
    "bn": bn_net,
    "bn_no_center": lambda: bn_net(center=False),
}

# (case id, base in NPZ_BASES, the change, a fragment of the message that names the problem)
HOSTILE_NPZ: list[tuple[str, str, Mutation, str]] = [
    (
        "conv-filters-1e9",
        "conv",
        _set("conv2d", filters=10**9),
        r"declares filters=1000000000 but its weights have 6",
    ),
    (
        "conv-kernel-size-0x3",
        "conv",
        _set("conv2d", kernel_size=[0, 3]),
        r"declares kernel_size=\(0, 3\)",
    ),
    (
        "conv-kernel-300-valid",
        "conv",
        _big_npz_kernel("valid"),
        r"\(300, 300\) pixels does not fit",
    ),
    ("conv-kernel-300-same", "conv", _big_npz_kernel("same"), TOO_MANY_WINDOW_NUMBERS),
    ("conv-strides-0", "conv", _set("conv2d", strides=0), rf"strides {PAIR}"),
    ("conv-strides-negative", "conv", _set("conv2d", strides=[-1, 1]), rf"strides {PAIR}"),
    (
        "conv-dilation-1e9-same",
        "conv",
        _set("conv2d", dilation_rate=10**9, padding="same"),
        rf"dilation_rate {PAIR}",
    ),
    (
        "conv-groups-3-of-4-channels",
        "conv",
        _set("conv2d", groups=3),
        r"in 3 group\(s\), so it reads 12 channels",
    ),
    (
        "conv-groups-4-of-6-filters",
        "conv",
        _set("conv2d", groups=4),
        r"6 filters cannot be split into 4 groups",
    ),
    ("conv-groups-0", "conv", _set("conv2d", groups=0), rf"groups {COUNT}"),
    ("conv-padding-causal", "conv", _set("conv2d", padding="causal"), VALID_OR_SAME),
    ("conv-padding-unknown", "conv", _set("conv2d", padding="reflect"), VALID_OR_SAME),
    ("conv-channels-first", "conv", _set("conv2d", data_format="channels_first"), CHANNELS_FIRST),
    (
        "conv-kernel-16-filters-for-32",
        "conv",
        # the config says 32 filters; kernel, bias and the Dense after it hold 16
        _both(
            _set("conv2d", filters=32),
            _arrays(
                conv2d__kernel=values(3, 3, 4, 16),
                conv2d__bias=values(16),
                dense__kernel=values(16, 10),
            ),
        ),
        r"declares filters=32 but its weights have 16",
    ),
    (
        "conv-kernel-nan",
        "conv",
        _arrays(conv2d__kernel=_with_nan((3, 3, 4, 6), (0, 0, 0, 0), np.nan)),
        r"kernel contains NaN or infinite",
    ),
    (
        "conv-bias-when-use-bias-is-false",
        "conv",
        _set("conv2d", use_bias=False),
        r"needs weights \['kernel'\]",
    ),
    (
        "depthwise-multiplier-1e9",
        "depthwise",
        _set("depthwise_conv2d", depth_multiplier=10**9),
        r"declares depth_multiplier=1000000000 but its weights have 2",
    ),
    ("depthwise-strides-0", "depthwise", _set("depthwise_conv2d", strides=0), rf"strides {PAIR}"),
    (
        "depthwise-channels-first",
        "depthwise",
        _set("depthwise_conv2d", data_format="channels_first"),
        CHANNELS_FIRST,
    ),
    (
        "separable-multiplier-1e9",
        "separable",
        _set("separable_conv2d", depth_multiplier=10**9),
        r"declares depth_multiplier=1000000000 but its weights have 1",
    ),
    *[
        case
        for kind in ("max", "average")
        for layer in [f"{kind}_pooling2d"]
        for case in [
            (
                f"{kind}-pool-1e6",
                kind,
                _set(layer, pool_size=10**6, strides=None),
                rf"pool_size {PAIR}",
            ),
            (
                f"{kind}-pool-1e6-same",
                kind,
                _set(layer, pool_size=10**6, strides=None, padding="same"),
                rf"pool_size {PAIR}",
            ),
            (f"{kind}-pool-0", kind, _set(layer, pool_size=0), rf"pool_size {PAIR}"),
            (f"{kind}-strides-0", kind, _set(layer, strides=0), rf"strides {PAIR}"),
            (f"{kind}-padding-causal", kind, _set(layer, padding="causal"), VALID_OR_SAME),
            (
                f"{kind}-channels-first",
                kind,
                _set(layer, data_format="channels_first"),
                CHANNELS_FIRST,
            ),
        ]
    ],
    (
        "reshape-huge",
        "reshape",
        _set("reshape", target_shape=[100_000, 100_000, 100_000]),
        r"cannot reshape \(8, 8, 4\) \(256 numbers\) to \(100000, 100000, 100000\)",
    ),
    (
        "reshape-size-differs",
        "reshape",
        _set("reshape", target_shape=[10, 10]),
        r"cannot reshape .* to \(10, 10\)",
    ),
    ("reshape-two-unknowns", "reshape", _set("reshape", target_shape=[-1, -1]), TARGET_SHAPE),
    ("zero-padding-1e9", "zero_padding", _set("zero_padding2d", padding=10**9), PADS),
    ("zero-padding-negative", "zero_padding", _set("zero_padding2d", padding=-1), PADS),
    (
        "zero-padding-channels-first",
        "zero_padding",
        _set("zero_padding2d", data_format="channels_first"),
        CHANNELS_FIRST,
    ),
    ("bn-renorm", "bn", _set("batch_normalization", renorm=True), r"renorm=True"),
    ("bn-axis-1", "bn", _set("batch_normalization", axis=1), rf"normalises axis 1; {LAST_AXIS}"),
    ("bn-epsilon-negative", "bn", _set("batch_normalization", epsilon=-1.0), EPSILON),
    ("bn-epsilon-text", "bn", _set("batch_normalization", epsilon="0.001"), EPSILON),
    (
        "bn-beta-listed-while-center-off",
        "bn",
        _set("batch_normalization", center=False),
        r"needs weights \['gamma', 'moving_mean', 'moving_variance'\]",
    ),
    (
        "bn-beta-missing-while-center-on",
        "bn_no_center",
        _set("batch_normalization", center=True),
        r"needs weights \['gamma', 'beta', 'moving_mean', 'moving_variance'\]",
    ),
    (
        "bn-variance-infinite",
        "bn",
        _arrays(batch_normalization__moving_variance=_with_nan((4,), (2,), np.inf)),
        r"moving_variance contains NaN or infinite",
    ),
    (
        "bn-variance-negative",
        "bn",
        _arrays(batch_normalization__moving_variance=_with_nan((4,), (1,), -1.0)),
        r"moving_variance \+ epsilon must be positive",
    ),
    (
        "bn-variance-plus-epsilon-zero",
        "bn",
        _both(
            _set("batch_normalization", epsilon=0.5),
            _arrays(batch_normalization__moving_variance=_with_nan((4,), (1,), -0.5)),
        ),
        r"moving_variance \+ epsilon must be positive",
    ),
    (
        "bn-gamma-wrong-size",
        "bn",
        _arrays(batch_normalization__gamma=values(5)),
        r"gamma must have shape \(4,\)",
    ),
]


@pytest.mark.parametrize("base", NPZ_BASES)
def test_engine_npz_of_each_layer_loads(tmp_path: Path, base: str) -> None:
    net = NPZ_BASES[base]()
    architecture, arrays = engine_npz(net, tmp_path)
    path = write_npz_file(tmp_path / "ok.npz", architecture, arrays)
    assert_loads(path, net.input_shape)


@pytest.mark.parametrize(
    ("base", "mutate", "match"),
    [(base, mutate, match) for _, base, mutate, match in HOSTILE_NPZ],
    ids=[case for case, _, _, _ in HOSTILE_NPZ],
)
def test_hostile_npz_is_refused(
    tmp_path: Path, bounded: Refused, base: str, mutate: Mutation, match: str
) -> None:
    architecture, arrays = engine_npz(NPZ_BASES[base](), tmp_path)
    mutate(architecture, arrays)
    bounded(write_npz_file(tmp_path / "hostile.npz", architecture, arrays), match)
