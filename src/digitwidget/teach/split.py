"""Which of the user's drawings measure the learning, and which it learns from.

With ``FEW`` drawings or more, a quarter of each digit's drawings is held out: the pad's
new model learns from the rest and is measured on them. Below that, a quarter would be
four drawings or fewer, too few to say anything: the new model learns from all of them,
and each drawing is measured once by a model that learned from the others. With up to
``FOLDS`` drawings to measure that is leave-one-out; with more, they are dealt into
``FOLDS`` groups, each held out in turn, so that measuring costs ``FOLDS`` more
fine-tuning runs, not one per drawing. The runs learn as long as the pad's model does:
with fewer epochs they would measure another, weaker learning (see ``learning.py``).

Either way a digit drawn only once is only learned from: held out, it would leave
nothing of that digit to learn from, and measure only the model before learning.

Example:
    >>> plan = plan_split(np.repeat(np.arange(10), 3))
    >>> plan.method, len(plan.train), [len(fold) for fold in plan.folds]
    ('held-out', 20, [10])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FEW = 20
"""From this many drawings on, a held-out quarter measures the learning."""
HELD_OUT = 0.25
"""The share of each digit's drawings held out (rounded down, at least one of a digit
drawn twice or more; a digit drawn once is only learned from)."""
FOLDS = 3
"""Below ``FEW`` drawings, the most groups held out in turn (one fine-tuning run each)."""


@dataclass(frozen=True)
class Split:
    """How the learning is measured.

    Attributes:
        method: ``"held-out"``, ``"leave-one-out"``, ``"3-fold"`` or ``"nothing held out"``
            (no digit drawn twice).
        train: the indices of the drawings the pad's new model learns from.
        folds: the groups of indices measured each by a model that did not learn from
            them: the held-out drawings (one group, measured by the pad's new model), or,
            when few, every drawing, in groups held out in turn.
    """

    method: str
    train: np.ndarray
    folds: list[np.ndarray]

    @property
    def test(self) -> np.ndarray:
        """Every drawing measured, in order."""
        return np.sort(np.concatenate(self.folds)) if self.folds else np.zeros(0, np.int64)

    @property
    def held_out(self) -> bool:
        """True when the pad's new model itself is measured (on drawings it never saw)."""
        return self.method == "held-out"


def plan_split(labels: np.ndarray, seed: int = 0) -> Split:
    """Split ``labels``' drawings (see the module's docstring); the same labels and seed
    give the same split."""
    count = len(labels)
    everything = np.arange(count)
    rng = np.random.default_rng(seed)
    # Each digit drawn twice or more, its drawings in a random order.
    mine = [rng.permutation(np.flatnonzero(labels == d)) for d in range(10)]
    mine = [indices for indices in mine if len(indices) >= 2]
    if count < FEW:
        # Dealt round the groups, so two drawings of a digit never share one.
        order = np.concatenate(mine) if mine else np.zeros(0, np.int64)
        groups = min(len(order), FOLDS)
        folds = [np.sort(order[start::groups]) for start in range(groups)]
        method = "leave-one-out" if 0 < len(order) <= FOLDS else f"{groups}-fold"
        return Split(method if groups else "nothing held out", everything, folds)
    held = np.concatenate([indices[: max(1, int(len(indices) * HELD_OUT))] for indices in mine])
    test = np.sort(held)
    return Split("held-out", np.setdiff1d(everything, test), [test])
