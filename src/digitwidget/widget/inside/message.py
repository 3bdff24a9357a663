"""The inside view's message: every shown layer's values and the saliency, quantised.

One message per update, little-endian, decoded by ``decodeInside`` in
``js/views/inside.js`` (``tests/fixtures/inside_message.json`` holds both sides to it)::

    uint8   format version, 2
    uint8   number of layers L
    L times:
        uint8   bits b per value, 4 or 8
        uint32  number of values n
        float32 lo, hi        code q stands for lo + q / (2**b - 1) * (hi - lo)
        ceil(n * b / 8) bytes of codes; at 4 bits two a byte, the first in the low nibble
    float32 scale             max |saliency|; int8 q stands for q / 127 * scale
    784 int8                  the saliency of the predicted class's logit, 28 x 28 row-major

A dense layer's values are its neurons in order. A feature-map layer's are its first
``shown`` channels one after the other, each ``height x width`` row-major. For the shipped
CNN (conv 28x28x32, pool 14x14x32, conv 14x14x64 of which 32 channels are shown, pool
7x7x64 likewise, dense 128) that is 2 + 5 * 13 + 12,544 + 3,136 + 3,136 + 784 + 128 + 788 =
20,583 bytes (``tests/widget/test_inside_message.py`` measures it).
"""

from __future__ import annotations

import struct

import numpy as np

from digitwidget.widget.inside.layers import TAIL, Shown

VERSION = 2


def quantise(values: np.ndarray, bits: int = 8) -> tuple[float, float, np.ndarray]:
    """Floats -> ``(lo, hi, codes)`` with ``lo <= 0 <= hi`` and codes in ``0 .. 2**bits - 1``.

    Zero is always inside the range, so a layer of ReLUs (all >= 0) uses every code for
    ``0..max`` and code 0 is exactly zero; a tanh layer shows its sign.
    """
    top = (1 << bits) - 1
    lo = min(float(values.min()), 0.0) if values.size else 0.0
    hi = max(float(values.max()), 0.0) if values.size else 0.0
    span = hi - lo if hi > lo else 1.0
    codes = np.rint((values - lo) * (top / span))
    return lo, hi, np.clip(codes, 0, top).astype(np.uint8)


def pack_codes(codes: np.ndarray, bits: int) -> bytes:
    """Codes as bytes: one a byte at 8 bits; at 4, two a byte, the first in the low nibble."""
    if bits == 8:
        return codes.tobytes()
    pairs = np.zeros(-(-codes.size // 2) * 2, np.uint8)
    pairs[: codes.size] = codes
    return (pairs[0::2] | (pairs[1::2] << 4)).tobytes()


def layer_values(entry: Shown, activation: np.ndarray) -> np.ndarray:
    """What the message sends of one layer's output: its first ``shown`` channels, each
    row-major (or its first ``shown`` neurons), as float64."""
    if entry.units == 0:
        msg = (
            f"Layer {entry.layer.name!r} has no units to show (its output has shape {entry.shape})."
        )
        raise ValueError(msg)
    values = np.asarray(activation, np.float64)
    picked = (
        np.moveaxis(values[..., : entry.shown], -1, 0) if entry.is_map else values[: entry.shown]
    )
    return picked.reshape(-1)


def pack_message(shown: list[Shown], activations: dict[str, np.ndarray], grad: np.ndarray) -> bytes:
    """The message (module doc) of one pass's ``activations`` and saliency ``grad``."""
    parts = [struct.pack("<BB", VERSION, len(shown))]
    for entry in shown:
        values = layer_values(entry, activations[entry.layer.name])
        lo, hi, codes = quantise(values, entry.bits)
        parts += [struct.pack("<BIff", entry.bits, values.size, lo, hi)]
        parts.append(pack_codes(codes, entry.bits))
    grad = np.asarray(grad, np.float64).reshape(-1)
    scale = float(np.abs(grad).max())
    codes = np.rint(grad / scale * 127) if scale > 0 else np.zeros_like(grad)
    parts += [struct.pack("<f", scale), codes.astype(np.int8).tobytes()]
    return b"".join(parts)


def unpack_message(data: bytes) -> tuple[list[np.ndarray], np.ndarray]:
    """The inverse of :func:`pack_message`: each layer's values (as sent) and the saliency.

    Raises:
        ValueError: for a message of another version, truncated, or with bytes left over.
    """
    version, count = struct.unpack_from("<BB", data)
    if version != VERSION:
        msg = f"Expected an inside-view message of version {VERSION}. Received version {version}."
        raise ValueError(msg)
    offset, layers = 2, []
    for _ in range(count):
        bits, n, lo, hi = struct.unpack_from("<BIff", data, offset)
        offset += 13
        size = -(-n * bits // 8)
        raw = np.frombuffer(data, np.uint8, size, offset)
        offset += size
        codes = raw if bits == 8 else np.stack([raw & 15, raw >> 4], axis=1).reshape(-1)[:n]
        layers.append(lo + codes / ((1 << bits) - 1) * (hi - lo))
    (scale,) = struct.unpack_from("<f", data, offset)
    if offset + TAIL != len(data):
        msg = f"Expected {offset + TAIL} bytes in the message. Received {len(data)}."
        raise ValueError(msg)
    codes = np.frombuffer(data, np.int8, 784, offset + 4)
    return layers, (codes / 127 * scale).reshape(28, 28)
