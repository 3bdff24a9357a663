"""Convolutions: ``Conv2D``, ``DepthwiseConv2D`` and ``SeparableConv2D``, forward and backward.

A 2-d convolution slides a kernel ``(kh, kw, channels, filters)`` over the image and, at
every position, takes the weighted sum of the pixels under it::

    z[b, y, x, f] = bias[f] + sum over i, j, c of
                    padded[b, y * sh + i * dh, x * sw + j * dw, c] * kernel[i, j, c, f]

Written as im2col, it is one matrix product: each window's pixels become one row of
``patches`` ``(batch * out_h * out_w, kh * kw * channels)``, so ``z = patches @ kernel``
with the kernel flattened to ``(kh * kw * channels, filters)``. The backward pass is
two more products and the windows added back onto the image::

    dL/dpatches = dL/dz @ kernel.T          # then added back window by window (col2im)
    dL/dkernel  = patches.T @ dL/dz          # summed over the batch and the positions
    dL/dbias    = sum of dL/dz over batch and positions

Where each window sits (strides, dilation, ``valid``/``same`` padding) is in
:mod:`digitwidget.nn.layers.windows`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from digitwidget.nn._limits import MAX_UNITS, check_features
from digitwidget.nn.activations import ActivationFunction, get_activation
from digitwidget.nn.layers.base import Cache, Convolution, Gradients, Layer, Shape, as_weight
from digitwidget.nn.layers.windows import (
    Placement,
    Window,
    add_into_windows,
    check_channels_last,
    config_padding,
    config_pair,
    crop,
    image_shape,
    pad,
    patches,
    patches_with_ones,
)

THIN_PRODUCT = 32
"""Below this many rows of kernel (a first layer's 3 x 3 x 1 = 9), the bias goes inside the
matrix product as a column of ones: 1 channel, 24 images, one core: 9.4 µs per image
against 15.6 for the product and then the bias (28 x 28 x 32 outputs)."""


def _count(owner: str, key: str, value: Any, high: int = MAX_UNITS) -> int:
    """A positive int of at most ``high`` from a config."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= high:
        msg = (
            f"{owner}: {key} must be an int between 1 and {high:,}. Received: {key}={value!r:.40}."
        )
        raise ValueError(msg)
    return value


def _window(owner: str, size: tuple[int, int], strides: Any, padding: Any, dilation: Any) -> Window:
    return Window(
        size,
        config_pair(owner, "strides", strides),
        config_pair(owner, "dilation_rate", dilation),
        config_padding(owner, padding),
    )


def _options(owner: str, config: dict[str, Any]) -> dict[str, Any]:
    """The window options of a Keras convolution config (defaults as Keras's)."""
    check_channels_last(owner, config)
    return {
        "strides": config.get("strides", 1),
        "padding": config.get("padding", "valid"),
        "dilation_rate": config.get("dilation_rate", 1),
    }


def _check_weights(owner: str, weights: dict[str, Any], expected: list[str]) -> None:
    if sorted(weights) != sorted(expected):
        msg = f"{owner} needs weights {expected}. Received: {sorted(weights)}."
        raise ValueError(msg)


def _check_declared(owner: str, config: dict[str, Any], key: str, actual: Any) -> None:
    """Refuse a config that says one thing while the weights say another."""
    declared = config.get(key, actual)
    if isinstance(actual, tuple) and isinstance(declared, int | list):
        declared = tuple(declared) if isinstance(declared, list) else (declared, declared)
    if declared != actual:
        msg = f"{owner} declares {key}={declared!r:.40} but its weights have {actual!r}."
        raise ValueError(msg)


class _Convolution(Layer):
    """What the three convolutions share: a window, a bias, an activation, placements."""

    activation: ActivationFunction
    kind = "conv"
    depth_multiplier = 1
    """Kernels per input channel in a depthwise stage (Conv2D has none: 1)."""

    def __init__(
        self,
        name: str,
        size: tuple[int, int],
        bias: np.ndarray | None,
        activation: Any,
        strides: Any,
        padding: Any,
        dilation_rate: Any,
    ) -> None:
        super().__init__(name)
        self.owner = f"{type(self).__name__} {name!r}"
        self.window = _window(self.owner, size, strides, padding, dilation_rate)
        self.bias = None if bias is None else as_weight(name, "bias", bias, 1)
        self.activation = get_activation(activation)
        self._placements: dict[tuple[int, ...], Placement] = {}

    @property
    def use_bias(self) -> bool:
        return self.bias is not None

    def _check_bias(self, filters: int) -> None:
        if self.bias is not None and self.bias.shape != (filters,):
            msg = f"{self.owner}: bias must have shape ({filters},). Received: {self.bias.shape}."
            raise ValueError(msg)

    def _z(self, x: np.ndarray, out: np.ndarray | None = None) -> tuple[Cache, np.ndarray]:
        """``(kept, z)``: ``z`` before the activation (into ``out`` when given), and what
        ``backward`` needs besides ``x``, ``z`` and ``y`` (im2col's patches, say)."""
        raise NotImplementedError

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        z = self._z(x, out)[1]
        return self.activation.function(z, out=z)

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, Cache]:
        kept, z = self._z(x)  # the very operations of __call__
        y = self.activation(z)
        return y, (x, *kept, z, y)

    def place(self, input_shape: Shape) -> Placement:
        """Where the windows sit on images of ``input_shape`` (remembered per shape)."""
        placement = self._placements.get(input_shape)
        if placement is None:
            placement = self.window.place(self.owner, *image_shape(self.owner, input_shape))
            self._placements[input_shape] = placement
        return placement

    def temporary_numbers(self, input_shape: Shape) -> int:
        """The padded image and, per output pixel, a window's pixels (im2col's patches) or
        the depthwise products (``channels * depth_multiplier``, twice), whichever is more."""
        placement = self.place(tuple(input_shape))
        channels = input_shape[-1]
        per_pixel = max(self.taps, 2 * self.depth_multiplier)
        return (math.prod(placement.padded) + math.prod(placement.out) * per_pixel) * channels

    @property
    def taps(self) -> int:
        """Pixels per window and channel: ``kh * kw``."""
        return self.window.size[0] * self.window.size[1]

    def _window_config(self) -> dict[str, Any]:
        return {
            "kernel_size": list(self.window.size),
            "strides": list(self.window.strides),
            "padding": self.window.padding,
            "dilation_rate": list(self.window.dilation),
            "activation": self.activation.config,
            "use_bias": self.use_bias,
        }

    @classmethod
    def compute_output_shape(cls, config: dict[str, Any], input_shape: Shape) -> Shape:
        owner = f"{cls.__name__} {config.get('name')!r}"
        options = _options(owner, config)
        size = config_pair(owner, "kernel_size", config.get("kernel_size"))
        window = _window(
            owner, size, options["strides"], options["padding"], options["dilation_rate"]
        )
        height, width, channels = image_shape(owner, input_shape)
        placement = window.place(owner, height, width, channels)
        return (*placement.out, cls._output_channels(owner, config, channels))

    @classmethod
    def _output_channels(cls, owner: str, config: dict[str, Any], channels: int) -> int:
        return _count(owner, "filters", config.get("filters"))


class Conv2D(_Convolution):
    """2-d convolution, ``z = patches @ kernel + bias``, ``y = activation(z)``.

    Args:
        name: Layer name.
        kernel: ``(kh, kw, channels // groups, filters)`` float array.
        bias: ``(filters,)``, or None when ``use_bias`` is false.
        activation: An activation name or config.
        strides, padding, dilation_rate: Where the windows sit (an int or a pair each;
            ``"valid"`` or ``"same"``).
        groups: Split the channels into this many groups, each convolved with its own
            ``filters // groups`` filters.

    Example:
        >>> layer = Conv2D("c", np.ones((2, 2, 1, 1)), padding="valid")
        >>> layer(np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1))[0, :, :, 0]
        array([[ 8., 12.],
               [20., 24.]], dtype=float32)
    """

    weight_names = ("kernel", "bias")

    def __init__(
        self,
        name: str,
        kernel: np.ndarray,
        bias: np.ndarray | None = None,
        activation: str | dict[str, Any] | ActivationFunction | None = None,
        *,
        strides: Any = 1,
        padding: Any = "valid",
        dilation_rate: Any = 1,
        groups: Any = 1,
    ) -> None:
        kernel = as_weight(name, "kernel", kernel, 4)
        super().__init__(name, kernel.shape[:2], bias, activation, strides, padding, dilation_rate)
        self.kernel = kernel
        self.filters = kernel.shape[3]
        self.groups = _count(self.owner, "groups", groups)
        if self.filters % self.groups:
            msg = f"{self.owner}: {self.filters} filters cannot be split into {self.groups} groups."
            raise ValueError(msg)
        self._check_bias(self.filters)

    def build(self, input_shape: Shape) -> Shape:
        channels = image_shape(self.owner, input_shape)[2]
        if channels != self.kernel.shape[2] * self.groups:
            msg = (
                f"{self.owner} has a kernel of shape {self.kernel.shape} in {self.groups} "
                f"group(s), so it reads {self.kernel.shape[2] * self.groups} channels. "
                f"Received: input shape {input_shape}."
            )
            raise ValueError(msg)
        return (*self.place(tuple(input_shape)).out, self.filters)

    def as_convolution(self) -> Convolution | None:
        return Convolution(self.kernel, self.bias, self.window) if self.groups == 1 else None

    def _z(self, x: np.ndarray, out: np.ndarray | None = None) -> tuple[Cache, np.ndarray]:
        """``((patches,), z)``: the windows as rows and ``z = patches @ kernel + bias`` as images."""
        placement = self.place(x.shape[1:])
        kernel = self.kernel.reshape(-1, self.filters)
        if self.groups == 1 and self.bias is not None and len(kernel) < THIN_PRODUCT:
            with_ones = patches_with_ones(x, self.window, placement)
            rows = None if out is None else out.reshape(-1, self.filters)
            z = np.dot(with_ones, np.vstack([kernel, self.bias]), out=rows)
            return (with_ones[:, :-1],), z.reshape(len(x), *placement.out, self.filters)
        cols = patches(x, self.window, placement)
        if self.groups == 1:
            rows = None if out is None else out.reshape(-1, self.filters)
            z = np.dot(cols, kernel, out=rows)
        else:
            grouped = _group_columns(cols, self.groups, self.taps) @ self._grouped_kernel()
            z = _ungroup(grouped)
            if out is not None:
                np.copyto(out.reshape(z.shape), z)
                z = out.reshape(z.shape)
        if self.bias is not None:
            z += self.bias
        return (cols,), z.reshape(len(x), *placement.out, self.filters)

    def _grouped_kernel(self) -> np.ndarray:
        """The kernel as ``(groups, kh * kw * channels per group, filters per group)``."""
        kh, kw, per_group, filters = self.kernel.shape
        kernel = self.kernel.reshape(kh * kw * per_group, self.groups, filters // self.groups)
        grouped: np.ndarray = kernel.transpose(1, 0, 2)
        return grouped

    def backward(
        self, grad: np.ndarray, cache: Cache, *, weight_grads: bool = True
    ) -> tuple[np.ndarray, Gradients]:
        x, cols, z, y = cache
        grad_z = self.activation.backward(grad, z, y).reshape(-1, self.filters)
        if self.groups == 1:
            grad_cols = grad_z @ self.kernel.reshape(-1, self.filters).T
        else:
            by_group = _group_rows(grad_z, self.groups) @ self._grouped_kernel().transpose(0, 2, 1)
            grad_cols = _ungroup_columns(by_group, self.taps)
        windows = grad_cols.reshape(*z.shape[:3], *self.window.size, -1)
        grad_x = add_into_windows(windows, self.window, self.place(x.shape[1:]), x.shape[1:])
        if not weight_grads:
            return grad_x, {}
        if self.groups == 1:
            grad_kernel = cols.T @ grad_z
        else:
            columns = _group_columns(cols, self.groups, self.taps).transpose(0, 2, 1)
            grad_kernel = _ungroup(columns @ _group_rows(grad_z, self.groups))
        grads = {"kernel": grad_kernel.reshape(self.kernel.shape)}
        if self.bias is not None:
            grads["bias"] = grad_z.sum(axis=0)
        return grad_x, grads

    def get_config(self) -> dict[str, Any]:
        return {"filters": self.filters, **self._window_config(), "groups": self.groups}

    def with_affine_after(self, scale: np.ndarray, shift: np.ndarray) -> Layer | None:
        return self._scaled_copy("kernel", scale, shift)

    @property
    def weights(self) -> dict[str, np.ndarray]:
        return {"kernel": self.kernel} | ({} if self.bias is None else {"bias": self.bias})

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        owner = f"Conv2D {name!r}"
        _check_weights(
            owner, weights, ["kernel", "bias"] if config.get("use_bias", True) else ["kernel"]
        )
        layer = cls(
            name,
            weights["kernel"],
            weights.get("bias"),
            config.get("activation"),
            groups=config.get("groups", 1),
            **_options(owner, config),
        )
        _check_declared(owner, config, "filters", layer.filters)
        _check_declared(owner, config, "kernel_size", layer.window.size)
        return layer

    @classmethod
    def weight_shapes(cls, config: dict[str, Any], input_shape: Shape) -> dict[str, Shape]:
        """``{"kernel": (kh, kw, channels // groups, filters), "bias": (filters,)}``."""
        owner = f"Conv2D {config.get('name')!r}"
        kh, kw = config_pair(owner, "kernel_size", config.get("kernel_size"))
        filters = _count(owner, "filters", config.get("filters"))
        groups = _count(owner, "groups", config.get("groups", 1))
        channels = image_shape(owner, input_shape)[2]
        if channels % groups or filters % groups:
            msg = f"{owner}: groups={groups} must divide both the {channels} input channels and the {filters} filters."
            raise ValueError(msg)
        shapes: dict[str, Shape] = {"kernel": (kh, kw, channels // groups, filters)}
        if config.get("use_bias", True):
            shapes["bias"] = (filters,)
        return shapes


def _depthwise(
    x: np.ndarray,
    kernel: np.ndarray,
    window: Window,
    placement: Placement,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """Each channel convolved with its own ``depth_multiplier`` kernels, no sum over channels::

        z[b, y, x, c * dm + m] = sum over i, j of padded[b, row_i(y), col_j(x), c] * kernel[i, j, c, m]

    One multiply-add per window offset (i, j), over the whole batch at once.
    """
    xp = pad(x, placement.pads)
    shape = (len(x), *placement.out, *kernel.shape[2:])  # (b, ho, wo, channels, dm)
    z = np.zeros(shape, np.result_type(x, kernel)) if out is None else out.reshape(shape)
    if out is not None:
        z.fill(0)
    for i, j, rows, cols in window.offsets(placement):
        z += xp[:, rows, cols, :, None] * kernel[i, j]
    return z.reshape(*shape[:3], -1)


def _depthwise_backward(
    grad: np.ndarray,
    x: np.ndarray,
    kernel: np.ndarray,
    window: Window,
    placement: Placement,
    weight_grads: bool,
) -> tuple[np.ndarray, np.ndarray | None]:
    """``(dL/dx, dL/dkernel)`` of :func:`_depthwise`, offset by offset."""
    grad = grad.reshape(*grad.shape[:3], *kernel.shape[2:])  # (b, ho, wo, channels, dm)
    xp = pad(x, placement.pads)
    grad_xp = np.zeros(xp.shape, grad.dtype)
    grad_kernel = np.empty(kernel.shape, grad.dtype) if weight_grads else None
    for i, j, rows, cols in window.offsets(placement):
        grad_xp[:, rows, cols] += np.einsum("bhwcm,cm->bhwc", grad, kernel[i, j])
        if grad_kernel is not None:
            grad_kernel[i, j] = np.einsum("bhwc,bhwcm->cm", xp[:, rows, cols], grad)
    return crop(grad_xp, placement.pads), grad_kernel


class DepthwiseConv2D(_Convolution):
    """Depthwise 2-d convolution: each input channel with its own ``depth_multiplier`` kernels.

    Output channel ``c * depth_multiplier + m`` is channel ``c`` convolved with
    ``kernel[:, :, c, m]``, as Keras orders them.

    Args:
        name: Layer name.
        kernel: ``(kh, kw, channels, depth_multiplier)`` float array.
        bias: ``(channels * depth_multiplier,)``, or None.
        activation, strides, padding, dilation_rate: As for :class:`Conv2D`.
    """

    weight_names = ("kernel", "bias")

    def __init__(
        self,
        name: str,
        kernel: np.ndarray,
        bias: np.ndarray | None = None,
        activation: str | dict[str, Any] | ActivationFunction | None = None,
        *,
        strides: Any = 1,
        padding: Any = "valid",
        dilation_rate: Any = 1,
    ) -> None:
        kernel = as_weight(name, "kernel", kernel, 4)
        super().__init__(name, kernel.shape[:2], bias, activation, strides, padding, dilation_rate)
        self.kernel = kernel
        self.channels, self.depth_multiplier = kernel.shape[2:]
        self._check_bias(self.channels * self.depth_multiplier)

    def build(self, input_shape: Shape) -> Shape:
        channels = image_shape(self.owner, input_shape)[2]
        if channels != self.channels:
            msg = (
                f"{self.owner} has a kernel of shape {self.kernel.shape}, so it reads "
                f"{self.channels} channels. Received: input shape {input_shape}."
            )
            raise ValueError(msg)
        return (*self.place(tuple(input_shape)).out, self.channels * self.depth_multiplier)

    def _z(self, x: np.ndarray, out: np.ndarray | None = None) -> tuple[Cache, np.ndarray]:
        """``((), z)``: backward needs nothing besides ``x`` and ``z``."""
        z = _depthwise(x, self.kernel, self.window, self.place(x.shape[1:]), out)
        if self.bias is not None:
            z += self.bias
        return (), z

    def backward(
        self, grad: np.ndarray, cache: Cache, *, weight_grads: bool = True
    ) -> tuple[np.ndarray, Gradients]:
        x, z, y = cache
        grad_z = self.activation.backward(grad, z, y)
        placement = self.place(x.shape[1:])
        grad_x, grad_kernel = _depthwise_backward(
            grad_z, x, self.kernel, self.window, placement, weight_grads
        )
        if grad_kernel is None:
            return grad_x, {}
        grads = {"kernel": grad_kernel}
        if self.bias is not None:
            grads["bias"] = grad_z.sum(axis=(0, 1, 2))
        return grad_x, grads

    def get_config(self) -> dict[str, Any]:
        return {**self._window_config(), "depth_multiplier": self.depth_multiplier}

    def with_affine_after(self, scale: np.ndarray, shift: np.ndarray) -> Layer | None:
        # Output channel c * depth_multiplier + m is kernel[..., c, m].
        return self._scaled_copy("kernel", scale, shift, channel_axes=2)

    @property
    def weights(self) -> dict[str, np.ndarray]:
        return {"kernel": self.kernel} | ({} if self.bias is None else {"bias": self.bias})

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        owner = f"DepthwiseConv2D {name!r}"
        use_bias = config.get("use_bias", True)
        _check_weights(owner, weights, ["kernel", "bias"] if use_bias else ["kernel"])
        layer = cls(
            name,
            weights["kernel"],
            weights.get("bias"),
            config.get("activation"),
            **_options(owner, config),
        )
        _check_declared(owner, config, "depth_multiplier", layer.depth_multiplier)
        _check_declared(owner, config, "kernel_size", layer.window.size)
        return layer

    @classmethod
    def weight_shapes(cls, config: dict[str, Any], input_shape: Shape) -> dict[str, Shape]:
        """``{"kernel": (kh, kw, channels, depth_multiplier), "bias": (channels * dm,)}``."""
        owner = f"DepthwiseConv2D {config.get('name')!r}"
        kh, kw = config_pair(owner, "kernel_size", config.get("kernel_size"))
        multiplier = _count(owner, "depth_multiplier", config.get("depth_multiplier", 1))
        channels = image_shape(owner, input_shape)[2]
        shapes: dict[str, Shape] = {"kernel": (kh, kw, channels, multiplier)}
        if config.get("use_bias", True):
            shapes["bias"] = (channels * multiplier,)
        return shapes

    @classmethod
    def _output_channels(cls, owner: str, config: dict[str, Any], channels: int) -> int:
        return channels * _count(owner, "depth_multiplier", config.get("depth_multiplier", 1))


class SeparableConv2D(_Convolution):
    """A depthwise convolution followed by a pointwise (1x1) one, with one bias and activation::

        d = depthwise(x)                                   # (b, ho, wo, channels * dm)
        z = d @ pointwise_kernel.reshape(channels * dm, filters) + bias
        y = activation(z)

    Args:
        name: Layer name.
        depthwise_kernel: ``(kh, kw, channels, depth_multiplier)``.
        pointwise_kernel: ``(1, 1, channels * depth_multiplier, filters)``.
        bias: ``(filters,)``, or None.
        activation, strides, padding, dilation_rate: As for :class:`Conv2D`.
    """

    weight_names = ("depthwise_kernel", "pointwise_kernel", "bias")

    def __init__(
        self,
        name: str,
        depthwise_kernel: np.ndarray,
        pointwise_kernel: np.ndarray,
        bias: np.ndarray | None = None,
        activation: str | dict[str, Any] | ActivationFunction | None = None,
        *,
        strides: Any = 1,
        padding: Any = "valid",
        dilation_rate: Any = 1,
    ) -> None:
        depthwise = as_weight(name, "depthwise_kernel", depthwise_kernel, 4)
        pointwise = as_weight(name, "pointwise_kernel", pointwise_kernel, 4)
        super().__init__(
            name, depthwise.shape[:2], bias, activation, strides, padding, dilation_rate
        )
        self.depthwise_kernel, self.pointwise_kernel = depthwise, pointwise
        self.channels, self.depth_multiplier = depthwise.shape[2:]
        self.filters = pointwise.shape[3]
        if pointwise.shape[:3] != (1, 1, self.channels * self.depth_multiplier):
            msg = (
                f"{self.owner}: pointwise_kernel must have shape (1, 1, "
                f"{self.channels * self.depth_multiplier}, filters) to follow the depthwise "
                f"kernel {depthwise.shape}. Received: {pointwise.shape}."
            )
            raise ValueError(msg)
        self._check_bias(self.filters)

    def build(self, input_shape: Shape) -> Shape:
        channels = image_shape(self.owner, input_shape)[2]
        if channels != self.channels:
            msg = (
                f"{self.owner} has a depthwise kernel of shape {self.depthwise_kernel.shape}, "
                f"so it reads {self.channels} channels. Received: input shape {input_shape}."
            )
            raise ValueError(msg)
        out = self.place(tuple(input_shape)).out
        check_features(
            f"{self.name} (its depthwise stage)", (*out, channels * self.depth_multiplier)
        )
        return (*out, self.filters)

    def _pointwise(self) -> np.ndarray:
        return self.pointwise_kernel.reshape(-1, self.filters)

    def _z(self, x: np.ndarray, out: np.ndarray | None = None) -> tuple[Cache, np.ndarray]:
        """``((d,), z)``: the depthwise images and the pointwise product plus bias."""
        d = _depthwise(x, self.depthwise_kernel, self.window, self.place(x.shape[1:]))
        rows = None if out is None else out.reshape(-1, self.filters)
        z = np.dot(d.reshape(-1, d.shape[-1]), self._pointwise(), out=rows)
        if self.bias is not None:
            z += self.bias
        return (d,), z.reshape(*d.shape[:3], self.filters)

    def backward(
        self, grad: np.ndarray, cache: Cache, *, weight_grads: bool = True
    ) -> tuple[np.ndarray, Gradients]:
        x, d, z, y = cache
        grad_z = self.activation.backward(grad, z, y).reshape(-1, self.filters)
        grad_d = (grad_z @ self._pointwise().T).reshape(d.shape)
        placement = self.place(x.shape[1:])
        grad_x, grad_depthwise = _depthwise_backward(
            grad_d, x, self.depthwise_kernel, self.window, placement, weight_grads
        )
        if grad_depthwise is None:
            return grad_x, {}
        grad_pointwise = d.reshape(-1, d.shape[-1]).T @ grad_z
        grads = {
            "depthwise_kernel": grad_depthwise,
            "pointwise_kernel": grad_pointwise.reshape(self.pointwise_kernel.shape),
        }
        if self.bias is not None:
            grads["bias"] = grad_z.sum(axis=0)
        return grad_x, grads

    def get_config(self) -> dict[str, Any]:
        return {
            "filters": self.filters,
            **self._window_config(),
            "depth_multiplier": self.depth_multiplier,
        }

    def with_affine_after(self, scale: np.ndarray, shift: np.ndarray) -> Layer | None:
        return self._scaled_copy("pointwise_kernel", scale, shift)

    @property
    def weights(self) -> dict[str, np.ndarray]:
        kernels = {
            "depthwise_kernel": self.depthwise_kernel,
            "pointwise_kernel": self.pointwise_kernel,
        }
        return kernels | ({} if self.bias is None else {"bias": self.bias})

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        owner = f"SeparableConv2D {name!r}"
        expected = ["depthwise_kernel", "pointwise_kernel"]
        _check_weights(
            owner, weights, [*expected, "bias"] if config.get("use_bias", True) else expected
        )
        layer = cls(
            name,
            weights["depthwise_kernel"],
            weights["pointwise_kernel"],
            weights.get("bias"),
            config.get("activation"),
            **_options(owner, config),
        )
        _check_declared(owner, config, "filters", layer.filters)
        _check_declared(owner, config, "depth_multiplier", layer.depth_multiplier)
        _check_declared(owner, config, "kernel_size", layer.window.size)
        return layer

    @classmethod
    def compute_output_shape(cls, config: dict[str, Any], input_shape: Shape) -> Shape:
        """The output shape, once the depthwise stage in between is known to fit."""
        shape = super().compute_output_shape(config, input_shape)
        owner = f"SeparableConv2D {config.get('name')!r}"
        multiplier = _count(owner, "depth_multiplier", config.get("depth_multiplier", 1))
        stage = (*shape[:2], image_shape(owner, input_shape)[2] * multiplier)
        check_features(f"{config.get('name')} (its depthwise stage)", stage)
        return shape

    @classmethod
    def weight_shapes(cls, config: dict[str, Any], input_shape: Shape) -> dict[str, Shape]:
        """Depthwise ``(kh, kw, channels, dm)``, pointwise ``(1, 1, channels * dm, filters)``, bias."""
        owner = f"SeparableConv2D {config.get('name')!r}"
        kh, kw = config_pair(owner, "kernel_size", config.get("kernel_size"))
        multiplier = _count(owner, "depth_multiplier", config.get("depth_multiplier", 1))
        filters = _count(owner, "filters", config.get("filters"))
        channels = image_shape(owner, input_shape)[2]
        shapes: dict[str, Shape] = {
            "depthwise_kernel": (kh, kw, channels, multiplier),
            "pointwise_kernel": (1, 1, channels * multiplier, filters),
        }
        if config.get("use_bias", True):
            shapes["bias"] = (filters,)
        return shapes


def _group_columns(cols: np.ndarray, groups: int, taps: int) -> np.ndarray:
    """Patches ``(rows, taps * channels)`` as ``(groups, rows, taps * channels per group)``."""
    rows = len(cols)
    split = cols.reshape(rows, taps, groups, -1).transpose(2, 0, 1, 3)
    grouped: np.ndarray = split.reshape(groups, rows, -1)
    return grouped


def _ungroup_columns(grouped: np.ndarray, taps: int) -> np.ndarray:
    """The inverse of :func:`_group_columns`."""
    groups, rows, _ = grouped.shape
    split = grouped.reshape(groups, rows, taps, -1).transpose(1, 2, 0, 3)
    cols: np.ndarray = split.reshape(rows, -1)
    return cols


def _group_rows(grad: np.ndarray, groups: int) -> np.ndarray:
    """``(rows, filters)`` as ``(groups, rows, filters per group)``."""
    rows, filters = grad.shape
    grouped: np.ndarray = grad.reshape(rows, groups, filters // groups).transpose(1, 0, 2)
    return grouped


def _ungroup(z: np.ndarray) -> np.ndarray:
    """``(groups, rows, filters per group)`` as ``(rows, filters)``."""
    groups, rows, per_group = z.shape
    rows_first: np.ndarray = z.transpose(1, 0, 2).reshape(rows, groups * per_group)
    return rows_first
