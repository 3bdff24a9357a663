"""The layer contract: everything the engine knows about a layer, the layer says itself.

A layer is called on a batch: ``y = layer(x)`` with ``x`` of shape ``(batch, ...)``; that
is inference, the fast path (``layer(x, out=buffer)`` writes into a preallocated buffer).
For gradients, ``y, cache = layer.forward(x)`` keeps what the chain rule needs and
``grad_x, grads = layer.backward(grad_y, cache)`` applies it, micrograd style::

    caches = []
    for layer in layers:                   # forward, keeping each cache
        x, cache = layer.forward(x)
        caches.append(cache)
    grad = dloss_dx                        # (batch, *output shape)
    for layer, cache in zip(reversed(layers), reversed(caches)):
        grad, grads = layer.backward(grad, cache)   # grads: {"kernel": dW, "bias": db}
        for name, g in grads.items():
            layer.weights[name] -= rate * g         # the arrays themselves, updated in place

Weight gradients are summed over the batch (the loss is a sum over samples). Shapes in
:meth:`Layer.build` exclude the batch axis. How the weights sit in a ``.keras`` file and
what the other parts of the engine ask of a layer (:attr:`Layer.is_identity`,
:attr:`Layer.only_reshapes`, :attr:`Layer.can_be_negative`, ...) are class facts and
classmethods here, so that nothing else needs to know a layer's class.
"""

from __future__ import annotations

import copy
import math
from typing import Any, ClassVar, NamedTuple

import numpy as np

from digitwidget.nn.activations import LINEAR, ActivationFunction
from digitwidget.nn.layers.windows import Window

Shape = tuple[int, ...]
Cache = tuple[np.ndarray, ...]
"""What ``forward`` keeps for ``backward`` (e.g. Dense: its input, pre-activation, output)."""
Gradients = dict[str, np.ndarray]
"""``dL/dw`` for each weight, under the names of :attr:`Layer.weights`."""


class Convolution(NamedTuple):
    """A plain convolution, ``z = conv(x, kernel) + bias`` with the windows of ``window``."""

    kernel: np.ndarray
    """``(kh, kw, channels, filters)``: every filter reads every input channel."""
    bias: np.ndarray | None
    window: Window


def as_weight(layer: str, name: str, value: Any, ndim: int) -> np.ndarray:
    """Validate one weight array and return it as C-contiguous float32."""
    array = np.asarray(value)
    if array.dtype.kind != "f" or array.ndim != ndim:
        msg = (
            f"Layer {layer!r}: {name} must be a {ndim}-d float array. "
            f"Received: dtype={array.dtype}, shape={array.shape}."
        )
        raise ValueError(msg)
    # Checked after the conversion: a float64 weight beyond float32's range becomes inf.
    with np.errstate(over="ignore"):
        weight = np.ascontiguousarray(array, dtype=np.float32)
    if not np.all(np.isfinite(weight)):
        beyond = np.all(np.isfinite(array))  # finite as read, infinite as float32
        problem = (
            "values beyond float32's range (about 3.4e38)" if beyond else "NaN or infinite values"
        )
        msg = f"Layer {layer!r}: {name} contains {problem}; retrain or re-export it."
        raise ValueError(msg)
    return weight


class Layer:
    """Base class: one named step of the network, ``y = layer(x)``.

    A subclass overrides what differs from these defaults: ``__call__`` (inference),
    ``forward`` and ``backward`` (gradients), ``build``, ``get_config``/``from_config``,
    ``weights`` with ``weight_names``/``weight_shapes``/``compute_output_shape``, and
    the class facts below.
    """

    makes_array: ClassVar[bool] = True
    """False when the output is a view of the input (no buffer is needed for it)."""
    is_identity: ClassVar[bool] = False
    """True when the layer does nothing at inference (InputLayer, Dropout): skipped."""
    only_reshapes: ClassVar[bool] = False
    """True when the layer moves values without changing them (Flatten)."""
    is_preprocessing: ClassVar[bool] = False
    """True for Keras's preprocessing layers (Rescaling): part of the input, not a hidden layer."""
    weight_names: ClassVar[tuple[str, ...]] = ()
    """Every weight a layer of this class may hold, in the order Keras stores them."""
    frozen_weights: ClassVar[tuple[str, ...]] = ()
    """Weights that are statistics rather than parameters (BatchNormalization's moving
    mean and variance): ``backward`` gives no gradient for them, and training leaves them."""
    kind: ClassVar[str] = "other"
    """What the layer is, as the inside view names it (``data-kind``): ``conv``, ``pool``,
    ``dense``, ``norm``, ``activation``; ``padding`` for one that only adds a border (the
    view leaves it out, as it leaves out identities and reshapes); ``other`` when unknown."""
    takes_maxima: ClassVar[bool] = False
    """True when each output is the largest of some input values of its channel (max
    pooling): a never-decreasing activation gives the same result before or after it."""
    activation: ActivationFunction | None = None
    """The function the layer ends with, ``y = activation(...)``; None when it has none."""

    def __init__(self, name: str) -> None:
        self.name = name

    def build(self, input_shape: Shape) -> Shape:
        """Check the input shape (without batch axis) and return the output shape."""
        return input_shape

    def __call__(self, x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Inference: ``(batch, *input shape) -> (batch, *output shape)``."""
        return x

    def forward(self, x: np.ndarray) -> tuple[np.ndarray, Cache]:
        """``y = layer(x)``, and what :meth:`backward` needs; computed in ``x``'s dtype."""
        raise NotImplementedError(self._no_gradient())

    def backward(
        self, grad: np.ndarray, cache: Cache, *, weight_grads: bool = True
    ) -> tuple[np.ndarray, Gradients]:
        """The chain rule through the layer.

        Args:
            grad: ``dL/dy``, ``(batch, *output shape)``.
            cache: What :meth:`forward` returned with ``y``.
            weight_grads: False skips the weights' gradients (saliency needs none).

        Returns:
            ``(dL/dx, {weight name: dL/dw})``, ``dL/dx`` of ``(batch, *input shape)``.
        """
        raise NotImplementedError(self._no_gradient())

    def _no_gradient(self) -> str:
        kind = type(self).__name__
        return (
            f"Gradients (saliency, fine-tuning) cannot flow through a layer without a "
            f"forward/backward pass. Received: layer {self.name!r} of type {kind}."
        )

    def without_activation(self) -> Layer:
        """This layer ending before its activation, sharing its weights.

        For a last layer of softmax this is the layer that puts out the logits ``z``.
        """
        if self.activation is None or self.activation == LINEAR:
            return self
        twin = copy.copy(self)
        twin.activation = LINEAR
        return twin

    def as_affine(self) -> tuple[np.ndarray, np.ndarray] | None:
        """``(scale, shift)`` when the layer is ``y = x * scale + shift`` per channel of the
        last axis (BatchNormalization at inference), in float64; else None."""
        return None

    def with_affine_after(self, scale: np.ndarray, shift: np.ndarray) -> Layer | None:
        """A new layer computing ``self(x) * scale + shift`` (per output channel) in one
        step, its weights changed to do so; None when this layer cannot (it has no such
        weights, or an activation comes between)."""
        return None

    def _scaled_copy(
        self, key: str, scale: np.ndarray, shift: np.ndarray, channel_axes: int = 1
    ) -> Layer | None:
        """:meth:`with_affine_after` for a layer ``activation(... @ weights[key] + bias)``
        whose output channels are the last ``channel_axes`` axes of ``weights[key]``."""
        if self.activation != LINEAR:
            return None
        weights = dict(self.weights)
        kernel = weights[key].astype(np.float64)
        weights[key] = (kernel * scale.reshape(kernel.shape[-channel_axes:])).astype(np.float32)
        bias = weights.get("bias")
        bias = np.zeros(len(scale)) if bias is None else bias.astype(np.float64)
        weights["bias"] = (bias * scale + shift).astype(np.float32)
        return type(self).from_config(self.name, self.get_config() | {"use_bias": True}, weights)

    def as_convolution(self) -> Convolution | None:
        """The layer's kernel, bias and windows when it is ``activation(conv(x) + bias)``
        with a kernel that reads every channel (Conv2D without groups); else None."""
        return None

    def max_pool_window(self) -> Window | None:
        """The window whose largest value, per channel, each output is (max pooling)."""
        return None

    @property
    def can_be_negative(self) -> bool:
        """Whether the output can hold values below zero (True when unknown)."""
        return self.activation is None or self.activation.can_be_negative

    def temporary_numbers(self, input_shape: Shape) -> int:
        """How many numbers per sample a call makes besides its output (im2col patches, a
        padded copy), on inputs of ``input_shape``: lets the engine bound a block's memory."""
        return 0

    @property
    def declared_shape(self) -> Shape | None:
        """The sample shape the layer declares as the model's input (InputLayer), else None."""
        return None

    @property
    def reads_bytes(self) -> bool:
        """True when the layer turns 0..255 bytes into [0, 1]: a model it starts reads bytes."""
        return False

    def get_config(self) -> dict[str, Any]:
        """The JSON-serialisable configuration (without weights)."""
        return {}

    @property
    def weights(self) -> dict[str, np.ndarray]:
        """Named weight arrays, e.g. ``{"kernel": ..., "bias": ...}`` (the arrays themselves)."""
        return {}

    @property
    def num_parameters(self) -> int:
        """How many numbers the weights hold."""
        return sum(w.size for w in self.weights.values())

    @classmethod
    def from_config(cls, name: str, config: dict[str, Any], weights: dict[str, Any]) -> Layer:
        """Build the layer from a Keras or engine config; extra Keras keys are ignored."""
        return cls(name)

    @classmethod
    def weight_shapes(cls, config: dict[str, Any], input_shape: Shape) -> dict[str, Shape]:
        """The weights a layer of this config holds on this input, in Keras's order.

        Lets a file reader check each stored array before reading it. Raises ValueError
        for a config that cannot hold weights of any sane size.
        """
        return {}

    @classmethod
    def compute_output_shape(cls, config: dict[str, Any], input_shape: Shape) -> Shape:
        """The output shape a layer of this config gives on this input (no batch axis)."""
        return input_shape

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def parameter_count(shapes: dict[str, Shape]) -> int:
    """How many numbers weights of these shapes hold."""
    return sum(math.prod(shape) for shape in shapes.values())
