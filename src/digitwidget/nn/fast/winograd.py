"""Winograd's minimal filtering: 3x3 convolutions with 2.25x fewer multiplications.

``predict_proba`` runs each convolution with a 3x3 kernel, stride 1, no dilation, no
groups and at least ``MIN_CHANNELS`` input channels as F(2x2, 3x3) (Lavin and Gray,
"Fast Algorithms for Convolutional Neural Networks", 2016). Each 2x2 block of outputs
comes from the 4x4 tile ``d`` of (padded) input under it::

    Y = A^T [ U * (B^T d B) ] A        U = G g G^T, the 3x3 kernel g transformed once

    B^T = [1  0 -1  0]     G = [ 1    0    0 ]     A^T = [1  1  1  0]
          [0  1  1  0]         [1/2  1/2  1/2]           [0  1 -1 -1]
          [0 -1  1  0]         [1/2 -1/2  1/2]
          [0  1  0 -1]         [ 0    0    1 ]

per input channel and filter (a cross-correlation, as Keras computes, no kernel flip).
Summed over the input channels, the element-wise product ``*`` is one matrix product per
position of the 4x4 tile: 16 products ``(tiles, C_in) @ (C_in, C_out)`` give 4 outputs,
where im2col's one product spends 36 (4 pixels, 9 taps). The transforms are additions
only. The results differ from im2col's by float32 rounding (``U`` holds halves of sums of
kernel values): about 3e-6 on outputs of size 4.

A max-pooling of 2x2 windows 2 apart right after the convolution (its activation moved
after the pooling: :mod:`~digitwidget.nn.fast.fusion`) is taken from the four outputs of
each tile as they come out, so the convolution's full-size output is never written.

The padded input is kept with its columns split by parity, ``padded[b, row, parity, k, c]``
holding column ``2k + parity``: the four columns of every tile are then four runs of
adjacent tiles, and NumPy's additions loop over (tiles x channels) at a time instead of
channels (each inner loop costs some 20 ns; with channels alone the transforms took
twice as long).

Measured (``python -m bench.engine --cnn-only``, its layer table: one core, the small
CNN's second convolution, 32 -> 64 channels on 14x14, with its 2x2 max-pooling, in blocks
of 14 images): 67 µs per image against 93 µs for im2col, one product and the pooling.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from digitwidget.nn.activations import LINEAR, ActivationFunction
from digitwidget.nn.layers import Layer, Shape
from digitwidget.nn.layers.base import Convolution
from digitwidget.nn.layers.windows import Window

MIN_CHANNELS = 8
"""Fewest input channels run this way. One core, 28x28 inputs in blocks of 4, with a 2x2
max-pooling, Winograd's time over im2col's: 1 channel 5.9-7.4x (products of one column),
3 and 4 channels 0.71-0.93x, 8 channels 0.80-0.83x, 16 and 32 channels 0.64-0.73x (to 32
and 64 filters)."""
KERNEL = Window((3, 3))
"""The only window this algorithm runs: 3x3, stride 1, no dilation (either padding)."""
PAIR_POOL = Window((2, 2), (2, 2))
"""The max-pooling taken from the tiles: 2x2 windows side by side, no padding."""
_G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])


def runs(convolution: Convolution | None) -> bool:
    """Whether this convolution can run as F(2x2, 3x3)."""
    if convolution is None:
        return False
    window = convolution.window
    same_place = window.size == KERNEL.size and window.strides == KERNEL.strides
    return same_place and window.dilation == (1, 1) and convolution.kernel.shape[2] >= MIN_CHANNELS


class WinogradConv2D(Layer):
    """A 3x3 convolution (stride 1) at inference, optionally followed by a 2x2 max-pooling.

    Args:
        name: The convolution's name (and the pooling's, when it takes one).
        convolution: The kernel ``(3, 3, C_in, C_out)``, bias and window (its padding).
        activation: The convolution's activation; linear when it takes the pooling.
        pools: Put out the 2x2 max-pooling of the convolution (windows 2 apart, ``valid``).
    """

    kind = "conv"

    def __init__(
        self,
        name: str,
        convolution: Convolution,
        activation: ActivationFunction = LINEAR,
        pools: bool = False,
    ) -> None:
        super().__init__(name)
        if not runs(convolution):
            msg = f"{name}: Winograd's F(2x2, 3x3) runs 3x3 kernels of stride 1 only."
            raise ValueError(msg)
        if pools and activation != LINEAR:
            msg = f"{name}: the pooling is taken before the activation; pass it linear."
            raise ValueError(msg)
        kernel = convolution.kernel.astype(np.float64)
        self.channels, self.filters = int(kernel.shape[2]), int(kernel.shape[3])
        transformed = np.einsum("ai,ijcf,bj->abcf", _G, kernel, _G)  # G g G^T, per (c, f)
        self.transformed = transformed.reshape(16, self.channels, self.filters).astype(np.float32)
        self.bias = convolution.bias
        self.pad = 1 if convolution.window.padding == "same" else 0
        self.activation: ActivationFunction = activation
        self.pools = pools

    def sizes(self, height: int, width: int) -> tuple[tuple[int, int], tuple[int, int]]:
        """``((rows, columns) put out, (rows, columns) of tiles)`` on a ``height x width``
        input: the convolution's size (or the pooling's), and the 2x2 tiles that cover it."""
        rows, columns = height - 2 + 2 * self.pad, width - 2 + 2 * self.pad
        if self.pools:
            return (rows // 2, columns // 2), (rows // 2, columns // 2)
        return (rows, columns), (-(-rows // 2), -(-columns // 2))

    def build(self, input_shape: Shape) -> Shape:
        return (*self.sizes(*input_shape[:2])[0], self.filters)

    def temporary_numbers(self, input_shape: Shape) -> int:
        """The padded input, its rows transformed, the tiles transformed, their products."""
        tiles_h, tiles_w = self.sizes(*input_shape[:2])[1]
        padded = (2 * tiles_h + 2) * (2 * tiles_w + 2) * self.channels
        rows = 4 * tiles_h * (2 * tiles_w + 2) * self.channels
        return padded + rows + 16 * tiles_h * tiles_w * (self.channels + self.filters)

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        batch, height, width, _ = x.shape
        (rows, columns), (tiles_h, tiles_w) = self.sizes(height, width)
        if out is None:
            out = np.empty((batch, rows, columns, self.filters), np.float32)
        arrays = WorkingArrays.make(self, batch, height, width)
        self.pad_into(arrays.padded, x)
        input_transform(arrays)
        tiles = arrays.tiles.reshape(16, -1, self.channels)
        products = arrays.products.reshape(16, -1, self.filters)
        np.matmul(tiles, self.transformed, out=products)  # U * (B^T d B), per position
        y = output_transform(arrays.products)
        if self.pools:
            flat = out.reshape(-1, self.filters)
            np.maximum(y[0][0], y[0][1], out=flat)
            np.maximum(flat, y[1][0], out=flat)
            np.maximum(flat, y[1][1], out=flat)
        else:
            for p in (0, 1):
                for q in (0, 1):
                    block = y[p][q].reshape(batch, tiles_h, tiles_w, self.filters)
                    target = out[:, p::2, q::2]
                    np.copyto(target, block[:, : target.shape[1], : target.shape[2]])
        if self.bias is not None:  # after the pooling: max(z) + b = max(z + b), exactly
            np.add(out, self.bias, out=out)
        return self.activation.function(out, out=out)

    def pad_into(self, padded: np.ndarray, x: np.ndarray) -> None:
        """``x`` inside the border of ``padded``, its columns split by parity (module doc)."""
        _, height, width, _ = x.shape
        height = min(height, padded.shape[1] - self.pad)
        width = min(width, 2 * padded.shape[3] - self.pad)
        for parity in (0, 1):
            first = (parity - self.pad) % 2  # x + pad = 2k + parity
            part = x[:, :height, first:width:2]
            k = (first + self.pad) // 2
            padded[:, self.pad : self.pad + height, parity, k : k + part.shape[2]] = part


class WorkingArrays(NamedTuple):
    """The working arrays of one call."""

    padded: np.ndarray
    """``(batch, 2 * tiles_h + 2, 2, tiles_w + 1, C_in)``: the input inside a border of zeros."""
    rows: np.ndarray
    """``(4, batch, tiles_h, 2, tiles_w + 1, C_in)``: ``B^T d`` along the tiles' rows."""
    tiles: np.ndarray
    """``(4, 4, batch, tiles_h, tiles_w, C_in)``: ``B^T d B``."""
    products: np.ndarray
    """``(4, 4, batch * tiles_h * tiles_w, C_out)``: ``U * (B^T d B)``."""

    @classmethod
    def make(cls, layer: WinogradConv2D, batch: int, height: int, width: int) -> WorkingArrays:
        tiles_h, tiles_w = layer.sizes(height, width)[1]
        c_in, c_out = layer.channels, layer.filters
        return cls(
            np.zeros((batch, 2 * tiles_h + 2, 2, tiles_w + 1, c_in), np.float32),
            np.empty((4, batch, tiles_h, 2, tiles_w + 1, c_in), np.float32),
            np.empty((4, 4, batch, tiles_h, tiles_w, c_in), np.float32),
            np.empty((4, 4, batch * tiles_h * tiles_w, c_out), np.float32),
        )


def _times_bt(d: list[np.ndarray], out: list[np.ndarray]) -> None:
    """``out = B^T d`` along a tile's rows (or columns): ``d`` and ``out`` four arrays each."""
    np.subtract(d[0], d[2], out=out[0])
    np.add(d[1], d[2], out=out[1])
    np.subtract(d[2], d[1], out=out[2])
    np.subtract(d[1], d[3], out=out[3])


def input_transform(arrays: WorkingArrays) -> None:
    """``arrays.tiles = B^T d B`` for every 4x4 tile ``d`` (2 apart) of ``arrays.padded``."""
    tiles_h, tiles_w = arrays.tiles.shape[3:5]
    tile_rows = [arrays.padded[:, i : i + 2 * tiles_h : 2] for i in range(4)]  # row i of each
    _times_bt(tile_rows, list(arrays.rows))
    # Column j of every tile: parity j % 2, from run j // 2 on (module doc).
    rows = arrays.rows
    tile_columns = [rows[:, :, :, j % 2, j // 2 : j // 2 + tiles_w] for j in range(4)]
    _times_bt(tile_columns, [arrays.tiles[:, j] for j in range(4)])


def output_transform(m: np.ndarray) -> list[list[np.ndarray]]:
    """``A^T m A`` for ``m`` of ``(4, 4, tiles, C_out)``, in place: ``y[p][q]``, each
    ``(tiles, C_out)``, is output pixel ``(p, q)`` of every tile (views into ``m``)."""
    # Along each row i: s[i, 0] = m[i, 0] + m[i, 1] + m[i, 2], s[i, 1] = m[i, 1] - m[i, 2] - m[i, 3].
    np.add(m[:, 0], m[:, 1], out=m[:, 0])
    np.add(m[:, 0], m[:, 2], out=m[:, 0])
    np.subtract(m[:, 1], m[:, 2], out=m[:, 1])
    np.subtract(m[:, 1], m[:, 3], out=m[:, 1])
    # Down the columns: y[0] = s[0] + s[1] + s[2] (into row 0), y[1] = s[1] - s[2] - s[3] (row 3).
    s = m[:, :2]
    np.subtract(s[1], s[3], out=s[3])
    np.subtract(s[3], s[2], out=s[3])
    np.add(s[0], s[1], out=s[0])
    np.add(s[0], s[2], out=s[0])
    return [[s[0][0], s[0][1]], [s[3][0], s[3][1]]]


def layers_with_winograd(
    layers: list[Layer], shapes: list[Shape]
) -> tuple[list[Layer], list[Shape]]:
    """Each convolution that :func:`runs` replaced by a :class:`WinogradConv2D`, which also
    takes a 2x2 max-pooling right after it when the convolution's activation is linear."""
    out_layers: list[Layer] = []
    out_shapes: list[Shape] = []
    i = 0
    while i < len(layers):
        layer, shape = layers[i], shapes[i]
        convolution = layer.as_convolution()
        if runs(convolution):
            assert convolution is not None  # for the type checker: runs() saw it
            after = layers[i + 1] if i + 1 < len(layers) else None
            linear = layer.activation in (None, LINEAR)
            pools = linear and after is not None and after.max_pool_window() == PAIR_POOL
            activation = layer.activation or LINEAR
            layer = WinogradConv2D(layer.name, convolution, activation, pools)
            if pools:
                i += 1
                shape = shapes[i]
        out_layers.append(layer)
        out_shapes.append(shape)
        i += 1
    return out_layers, out_shapes
