"""Which of the user's drawings measure the learning, and which it learns from.

With ``FEW`` drawings or more, a quarter of each digit's drawings is held out: the model
learns from the rest and is measured on them. Below that, a quarter would be four
drawings or fewer, too few to say anything, and each drawing is held out once in turn
(leave-one-out): the model the pad switches to learns from all of them.

Example:
    >>> plan = plan_split(np.repeat(np.arange(10), 3))
    >>> plan.method, len(plan.train), len(plan.test)
    ('held-out', 20, 10)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FEW = 20
"""From this many drawings on, a held-out quarter measures the learning; below it,
leave-one-out does."""
HELD_OUT = 0.25
"""The share of each digit's drawings held out (rounded down, at least one of a digit
drawn twice or more; a digit drawn once is only learned from)."""


@dataclass(frozen=True)
class Split:
    """How the learning is measured.

    Attributes:
        method: ``"held-out"`` or ``"leave-one-out"``.
        train: the indices of the drawings the pad's new model learns from.
        test: the indices of the drawings it is measured on (held-out); with
            leave-one-out, every drawing, each by a model that did not learn from it.
    """

    method: str
    train: np.ndarray
    test: np.ndarray


def plan_split(labels: np.ndarray, seed: int = 0) -> Split:
    """Split ``labels``' drawings (see the module's docstring); the same labels and seed
    give the same split."""
    count = len(labels)
    everything = np.arange(count)
    if count < FEW:
        return Split("leave-one-out", everything, everything)
    rng = np.random.default_rng(seed)
    held: list[int] = []
    for digit in np.unique(labels):
        mine = rng.permutation(np.flatnonzero(labels == digit))
        if len(mine) >= 2:
            held.extend(mine[: max(1, int(len(mine) * HELD_OUT))].tolist())
    test = np.sort(np.array(held, np.int64))
    return Split("held-out", np.setdiff1d(everything, test), test)
