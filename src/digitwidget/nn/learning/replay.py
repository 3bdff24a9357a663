"""Replay: shipped MNIST training images mixed into every batch, so fine-tuning does not forget.

Learning from 30 drawings alone pulls the network toward them and away from everything
else it knew; a few MNIST images in each batch keep pulling it back. They are drawn at
random (seeded) from :func:`digitwidget.data.load_sample` ``("replay")``.
"""

from __future__ import annotations

import numpy as np

from digitwidget.data.sample import load_sample
from digitwidget.nn.fast.inputs import InputConverter

RATIO = 8.0
"""Replayed MNIST images per example of the user's in a batch. Chosen on the writers
``bench.teach --tuning`` draws (not those it reports): taught 3, 6 and 9 back to front,
the MLP lost 1.05 points of MNIST test accuracy with 1, 0.46 with 4 and 0.16 with 8."""


class Replay:
    """The replay images as the network reads them, and a seeded draw of them per batch.

    Args:
        input_shape: The model's input shape (it must hold a 28x28 image, e.g. ``(784,)``).
        byte_scale: True when the network reads 0..255 values.
        rng: The random source, shared with the batches' order.
        ratio: Replayed images per example in a batch.
    """

    def __init__(
        self,
        input_shape: tuple[int, ...],
        byte_scale: bool,
        rng: np.random.Generator,
        ratio: float = RATIO,
    ) -> None:
        if int(np.prod(input_shape)) != 28 * 28:
            msg = (
                f"fine_tune: replay mixes in 28x28 MNIST images, but this model reads inputs "
                f"of shape {input_shape}. Pass replay=False."
            )
            raise ValueError(msg)
        images, labels = load_sample("replay")
        self.images, _ = InputConverter(input_shape, byte_scale)(images)
        self.labels = labels
        self.rng = rng
        self.ratio = ratio

    def draw(self, examples: int) -> tuple[np.ndarray, np.ndarray]:
        """``round(ratio * examples)`` replay images and their labels, without repeats."""
        count = min(round(self.ratio * examples), len(self.labels))
        chosen = self.rng.choice(len(self.labels), size=count, replace=False)
        return self.images[chosen], self.labels[chosen]
