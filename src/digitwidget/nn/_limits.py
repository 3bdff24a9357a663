"""How large a model the engine agrees to build, checked before anything is allocated.

A digit model reads 784 pixels and has a few hundred thousand parameters. These bounds
leave room for far larger models (a 256 x 256 input, layers 65,536 wide, feature maps of a
million numbers, 64 million parameters), yet keep a hostile file from making the engine
allocate gigabytes. Memory per batch is bounded separately: the engine runs a batch in
blocks of rows (``fast.workspace``).
"""

from __future__ import annotations

import math

MAX_INPUT_FEATURES = 1 << 16  # numbers per sample at the input (256 x 256)
MAX_UNITS = 1 << 16  # neurons of a Dense layer
MAX_FEATURES = 1 << 20  # numbers per sample after any layer (a 128 x 128 x 64 feature map)
MAX_WINDOW_NUMBERS = 1 << 24  # numbers one sample's convolution or pooling windows may read
MAX_CLASSES = 1 << 12
MAX_LAYERS = 512
MAX_PARAMETERS = 1 << 26  # 256 MiB of float32 weights
MAX_FILE_BYTES = 256 << 20  # what a model file's members may unpack to, in all


def check_input_shape(shape: tuple[int, ...]) -> None:
    """Refuse an input shape of more than ``MAX_INPUT_FEATURES`` numbers per sample."""
    size = math.prod(shape)
    if size > MAX_INPUT_FEATURES:
        msg = (
            f"its input shape {tuple(shape)} has {size:,} numbers per sample; the engine reads "
            f"at most {MAX_INPUT_FEATURES:,} (a digit model reads 784)."
        )
        raise ValueError(msg)


def check_features(layer: str, shape: tuple[int, ...]) -> None:
    """Refuse a layer whose output has more than ``MAX_FEATURES`` numbers per sample."""
    size = math.prod(shape)
    if size > MAX_FEATURES:
        msg = (
            f"layer {layer!r} puts out {size:,} numbers per sample (shape {tuple(shape)}); "
            f"the engine allows at most {MAX_FEATURES:,}."
        )
        raise ValueError(msg)


def check_layer_count(count: int) -> None:
    if count > MAX_LAYERS:
        msg = f"it has {count:,} layers; the engine builds at most {MAX_LAYERS}."
        raise ValueError(msg)


def check_parameters(count: int) -> None:
    if count > MAX_PARAMETERS:
        msg = f"it has {count:,} parameters; the engine loads at most {MAX_PARAMETERS:,}."
        raise ValueError(msg)
