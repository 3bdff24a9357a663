"""Adam, computed as Keras 3 computes it (``keras.optimizers.Adam``, without amsgrad).

For a weight ``w`` with gradient ``g`` at step ``t = 1, 2, ...``::

    m = m + (g - m) * (1 - beta_1)            # the gradient's running mean
    v = v + (g**2 - v) * (1 - beta_2)         # its running uncentred variance
    alpha = rate * sqrt(1 - beta_2**t) / (1 - beta_1**t)   # both bias corrections
    w = w - m * alpha / (sqrt(v) + epsilon)

``m`` and ``v`` start at zero. Keras's defaults: ``beta_1 = 0.9``, ``beta_2 = 0.999``,
``epsilon = 1e-7``. On the first step ``m * alpha / sqrt(v)`` is ``rate * sign(g)``:
every weight moves by about ``rate``, whatever the size of its gradient.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Adam:
    """Adam's state for a set of named weights, updated in place by :meth:`step`.

    Args:
        learning_rate: The step size ``rate``.
        beta_1, beta_2, epsilon: As in Keras (and its defaults).

    Example:
        >>> adam = Adam(learning_rate=0.1)
        >>> w = np.array([1.0], np.float32)
        >>> adam.step({"w": w}, {"w": np.array([0.5], np.float32)})
        >>> w   # moved by the rate, against the gradient's sign
        array([0.9], dtype=float32)
    """

    learning_rate: float = 1e-3
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7
    iterations: int = 0
    moments: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def step(self, weights: dict[str, np.ndarray], grads: dict[str, np.ndarray]) -> None:
        """One update of every weight in ``grads`` (the arrays of ``weights``, in place)."""
        self.iterations += 1
        t = self.iterations
        alpha = self.learning_rate * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        for key, grad in grads.items():
            weight = weights[key]
            if key not in self.moments:
                self.moments[key] = (np.zeros_like(weight), np.zeros_like(weight))
            m, v = self.moments[key]
            grad = grad.astype(weight.dtype, copy=False)
            m += (grad - m) * weight.dtype.type(1 - self.beta_1)
            v += (np.square(grad) - v) * weight.dtype.type(1 - self.beta_2)
            weight -= (m * weight.dtype.type(alpha)) / (
                np.sqrt(v) + weight.dtype.type(self.epsilon)
            )

    @property
    def settings(self) -> dict[str, float]:
        """The hyper-parameters, for a model's provenance."""
        return {
            "learning_rate": self.learning_rate,
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
        }
