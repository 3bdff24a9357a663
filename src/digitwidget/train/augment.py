"""Batch augmentation for training: canvas-like variation around MNIST's convention.

At inference every drawing goes through :func:`digitwidget.preprocess`, which crops,
scales the longer side to 20 px and centres the centre of mass, so the model only ever
sees MNIST-style inputs. What still varies is what that normalisation cannot remove:
stroke thickness, slant, rotation, aspect, a little size and position, and the wobble of
a hand. Each batch gets, per image and all at once in TensorFlow ops:

1. thickness: a blend toward a 3x3 dilation (thicker) or erosion (thinner);
2. one bilinear resampling through an affine map (rotation, shear, scale, aspect,
   shift) plus a smooth elastic displacement field (after Simard et al., 2003).

Randomness is stateless (``tf.random.stateless_*`` keyed by a per-batch seed), so a
training run is reproducible. TensorFlow is imported inside the functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

SIDE = 28
CENTRE = (SIDE - 1) / 2.0


@dataclass(frozen=True)
class AugmentConfig:
    """How strongly to vary each training image (0 switches a part off).

    Attributes:
        rotation: Maximum rotation in degrees (uniform in ``[-rotation, rotation]``).
        shear: Maximum horizontal shear (slant), ``x += shear * y``.
        scale: Maximum relative size change, uniform in ``[1 - scale, 1 + scale]``.
        aspect: Maximum relative width change on top of ``scale``.
        shift: Maximum shift in pixels, each axis.
        thickness: Maximum blend toward a dilated (thicker) or eroded (thinner) stroke.
        elastic: Standard deviation of the elastic displacement in pixels.
        elastic_grid: Control points per side of the elastic field (fewer = smoother).
    """

    rotation: float = 12.0
    shear: float = 0.25
    scale: float = 0.1
    aspect: float = 0.1
    shift: float = 1.5
    thickness: float = 0.7
    elastic: float = 0.7
    elastic_grid: int = 5


def _thickness(x: Any, amount: Any) -> Any:
    """Blend each image toward its 3x3 dilation (amount > 0) or erosion (amount < 0).

    Args:
        x: ``(batch, 28, 28)`` float32 in [0, 1].
        amount: ``(batch,)`` in [-1, 1].
    """
    import tensorflow as tf

    padded = tf.pad(x, [[0, 0], [1, 1], [1, 1]])
    shifts = [padded[:, i : i + SIDE, j : j + SIDE] for i in range(3) for j in range(3)]
    dilated = tf.reduce_max(tf.stack(shifts), axis=0)
    eroded = tf.reduce_min(tf.stack(shifts), axis=0)
    a = amount[:, None, None]
    return tf.where(a > 0, x + a * (dilated - x), x - 0.6 * a * (eroded - x))


def _elastic_field(seed: Any, batch: Any, cfg: AugmentConfig) -> Any:
    """Smooth random displacements ``(batch, 28, 28, 2)`` in pixels.

    Random displacements on a coarse ``elastic_grid`` x ``elastic_grid`` lattice
    (standard deviation ``cfg.elastic``), interpolated bicubically to every pixel: the
    same smooth field as Simard's Gaussian-filtered noise at a fraction of the cost.
    """
    import tensorflow as tf

    n = cfg.elastic_grid
    coarse = tf.random.stateless_normal([batch, n, n, 2], seed=seed, stddev=cfg.elastic)
    return tf.image.resize(coarse, [SIDE, SIDE], method="bicubic")


def _affine(seed: Any, batch: Any, cfg: AugmentConfig) -> tuple[Any, Any]:
    """Per-image inverse maps: output pixel ``p`` samples input at ``A @ (p - c) + c + t``.

    Returns:
        ``A`` of shape ``(batch, 2, 2)`` and ``t`` of shape ``(batch, 2)`` (x, y order).
    """
    import tensorflow as tf

    u = tf.random.stateless_uniform([batch, 6], seed=seed, minval=-1.0, maxval=1.0)
    angle = u[:, 0] * np.radians(cfg.rotation)
    shear = u[:, 1] * cfg.shear
    size = 1.0 + u[:, 2] * cfg.scale
    width = size * (1.0 + u[:, 3] * cfg.aspect)
    cos, sin, zero, one = tf.cos(angle), tf.sin(angle), tf.zeros_like(angle), tf.ones_like(angle)
    rot = tf.reshape(tf.stack([cos, -sin, sin, cos], axis=1), [-1, 2, 2])
    sh = tf.reshape(tf.stack([one, shear, zero, one], axis=1), [-1, 2, 2])
    sc = tf.reshape(tf.stack([width, zero, zero, size], axis=1), [-1, 2, 2])
    forward = rot @ sh @ sc
    return tf.linalg.inv(forward), u[:, 4:6] * cfg.shift


def _bilinear(x: Any, sx: Any, sy: Any) -> Any:
    """Sample ``x`` ``(batch, 28, 28)`` at float coordinates; zero outside the image."""
    import tensorflow as tf

    batch = tf.shape(x)[0]
    x0, y0 = tf.floor(sx), tf.floor(sy)
    flat = tf.reshape(x, [-1])
    base = tf.reshape(tf.range(batch) * SIDE * SIDE, [-1, 1, 1])
    out = tf.zeros_like(sx)
    for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
        xi, yi = x0 + dx, y0 + dy
        weight = (1.0 - tf.abs(sx - xi)) * (1.0 - tf.abs(sy - yi))
        inside = (xi >= 0) & (xi <= SIDE - 1) & (yi >= 0) & (yi <= SIDE - 1)
        index = base + tf.cast(tf.clip_by_value(yi, 0, SIDE - 1), tf.int32) * SIDE
        index += tf.cast(tf.clip_by_value(xi, 0, SIDE - 1), tf.int32)
        out += tf.where(inside, weight * tf.gather(flat, index), 0.0)
    return out


def augment_batch(x: Any, seed: Any, cfg: AugmentConfig) -> Any:
    """Augment one batch of images.

    Args:
        x: ``(batch, 28, 28)`` float32 in [0, 1], ink = 1.
        seed: ``(2,)`` int seed for the stateless random ops.
        cfg: Strengths of each transformation.

    Returns:
        ``(batch, 28, 28)`` float32 in [0, 1].
    """
    import tensorflow as tf

    seeds = tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), 3)
    batch = tf.shape(x)[0]
    amount = tf.random.stateless_uniform([batch], seed=seeds[0], minval=-1.0, maxval=1.0)
    x = _thickness(x, amount * cfg.thickness)
    inverse, shift = _affine(seeds[1], batch, cfg)
    grid = tf.cast(tf.range(SIDE), tf.float32) - CENTRE
    gy, gx = tf.meshgrid(grid, grid, indexing="ij")
    points = tf.stack([gx, gy], axis=-1)
    src = tf.einsum("bij,hwj->bhwi", inverse, points) + CENTRE - shift[:, None, None, :]
    if cfg.elastic > 0:
        src += _elastic_field(seeds[2], batch, cfg)
    return tf.clip_by_value(_bilinear(x, src[..., 0], src[..., 1]), 0.0, 1.0)
