"""Which of the user's drawings measure the learning, and which it learns from.

With ``FEW`` drawings or more, a quarter of each digit's drawings is held out: the pad's
new model learns from the rest and is measured on them. Below that, a quarter would be
four drawings or fewer, too few to say anything: the new model learns from all of them,
and each drawing is measured once by a model that learned from the others. With up to
``FOLDS`` drawings that is leave-one-out; with more, the drawings are dealt into
``FOLDS`` groups, each held out in turn, so that measuring costs ``FOLDS`` fine-tuning
runs, not one per drawing. The runs learn as long as the pad's model does: with fewer
epochs they measure another, weaker learning (the shipped models learn nothing of a
writer in 2 to 5 epochs; see ``learning.py``).

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
FOLDS = 4
"""Below ``FEW`` drawings, the most groups held out in turn (one fine-tuning run each)."""


@dataclass(frozen=True)
class Split:
    """How the learning is measured.

    Attributes:
        method: ``"held-out"``, ``"leave-one-out"`` or ``"4-fold"``.
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
        return np.sort(np.concatenate(self.folds))

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
    if count < FEW:
        # Each digit's drawings dealt round the groups, so each group holds most digits.
        order = np.concatenate([rng.permutation(np.flatnonzero(labels == d)) for d in range(10)])
        groups = min(count, FOLDS)
        folds = [np.sort(order[start::groups]) for start in range(groups)]
        method = "leave-one-out" if groups == count else f"{groups}-fold"
        return Split(method, everything, folds)
    held: list[int] = []
    for digit in np.unique(labels):
        mine = rng.permutation(np.flatnonzero(labels == digit))
        if len(mine) >= 2:
            held.extend(mine[: max(1, int(len(mine) * HELD_OUT))].tolist())
    test = np.sort(np.array(held, np.int64))
    return Split("held-out", np.setdiff1d(everything, test), [test])
