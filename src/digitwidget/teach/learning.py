"""Learning from the user's drawings, and measuring what it changed.

:func:`learn` is the whole job, run where it is called: fine-tune (``Model.fine_tune``,
backpropagation in NumPy), then measure the model before and after on the user's own
held-out drawings (:mod:`~digitwidget.teach.split`) and on the shipped MNIST check set
(the forgetting meter). :class:`~digitwidget.teach.job.LearningJob` runs it in a thread.

With few drawings, measuring fine-tunes once more per group held out in turn
(:mod:`~digitwidget.teach.split`), for as many epochs as the model the pad keeps: fewer
epochs measure a weaker learning. Of 12 MNIST zeros labelled 6, each held out in turn,
the models that learned from the other 11 read as 6: MLP 0, 0, 6, 3 and CNN 1, 2, 11, 11
after 2, 5, 10, 20 epochs (``python -m bench.pad_learning --epochs 2 5 10 20``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from digitwidget.teach.measures import Mistake, Score, forgetting, mistakes, predictions, score
from digitwidget.teach.split import plan_split

MIN_EXAMPLES = 2
"""The fewest drawings to learn from: one to learn from and one to measure on."""


class Cancelled(Exception):
    """Learning was stopped before it finished; the pad kept its model."""


@dataclass(frozen=True)
class Settings:
    """How to fine-tune: ``Model.fine_tune``'s arguments."""

    epochs: int = 20
    learning_rate: float = 1e-3
    batch_size: int = 32
    replay: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        for name, low, high in (("epochs", 1, 1000), ("batch_size", 1, 4096)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                msg = f"{name} must be an int from {low} to {high}. Received: {name}={value!r:.40}."
                raise ValueError(msg)
        rate = self.learning_rate
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 1:
            msg = f"learning_rate must be a number in (0, 1]. Received: learning_rate={rate!r:.40}."
            raise ValueError(msg)


@dataclass(frozen=True)
class Progress:
    """Where learning is: ``done`` of ``total`` epochs (leave-one-out runs included), the
    last epoch's loss, and what is under way."""

    done: int
    total: int
    loss: float | None
    stage: str


@dataclass(frozen=True)
class Report:
    """What learning gave and what it changed.

    Attributes:
        model: the new model (the base model is unchanged).
        method: how "after" was measured: ``"held-out"`` or ``"leave-one-out"``.
        examples: the drawings taught; ``learned_from`` of them trained the new model.
        before, after: the base and the new model on the user's held-out drawings.
        check_before, check_after: both on the shipped MNIST check set (what it forgot).
        wrong_before, wrong_after: held-out drawings each read wrong (the error gallery).
        epochs: the epochs of each fine-tuning run.
        runs: the fine-tuning runs made: the kept one and one per group held out in turn.
        seconds: the time the whole job took.
    """

    model: Any
    method: str
    examples: int
    learned_from: int
    before: Score
    after: Score
    check_before: Score
    check_after: Score
    wrong_before: list[Mistake] = field(default_factory=list)
    wrong_after: list[Mistake] = field(default_factory=list)
    epochs: int = 0
    runs: int = 1
    seconds: float = 0.0

    def __str__(self) -> str:
        return (
            f"Learned from {self.learned_from} of your {self.examples} drawings in "
            f"{self.seconds:.1f} s. Your held-out drawings ({self.method}, {self.after.total}): "
            f"{_percent(self.before)} before, {_percent(self.after)} after. MNIST check set "
            f"({self.check_after.total}): {_percent(self.check_before)} before, "
            f"{_percent(self.check_after)} after."
        )


def _percent(result: Score) -> str:
    return "-" if result.accuracy is None else f"{100 * result.accuracy:.1f}%"


def check_can_learn(model: Any, count: int) -> None:
    """Refuse, before any work, a model that cannot fine-tune or too few drawings."""
    if not callable(getattr(model, "fine_tune", None)):
        msg = (
            f"The pad's model ({type(model).__name__}) cannot learn: learning fine-tunes a "
            "digitwidget.Model. Switch to one first, e.g. pad.model = 'cnn'."
        )
        raise TypeError(msg)
    if count < MIN_EXAMPLES:
        msg = (
            f"Learning needs at least {MIN_EXAMPLES} taught drawings; the pad has {count}. "
            "Draw a digit, then press its key with the teach mode on (or pad.teach(digit))."
        )
        raise ValueError(msg)


def learn(
    base: Any,
    images: np.ndarray,
    labels: np.ndarray,
    settings: Settings,
    report_progress: Callable[[Progress], None] = lambda progress: None,
) -> Report:
    """Fine-tune ``base`` on the drawings and measure it before and after.

    ``report_progress`` is called after each epoch; an exception it raises (e.g.
    :class:`Cancelled`) stops the job and propagates.
    """
    check_can_learn(base, len(labels))
    start = time.perf_counter()
    split = plan_split(labels, settings.seed)
    runs = 1 if split.held_out else 1 + len(split.folds)
    total = settings.epochs * runs
    done = 0

    def tune(keep: np.ndarray, stage: str) -> Any:
        def on_epoch(epoch: int, _epochs: int, loss: float) -> None:
            report_progress(Progress(done + epoch, total, float(loss), stage))

        return base.fine_tune(images[keep], labels[keep], progress=on_epoch, **settings.__dict__)

    model = tune(split.train, "learning")
    after = np.empty(len(labels), np.int64)
    if split.held_out:
        after[split.test] = predictions(model, images[split.test])
    for number, fold in enumerate([] if split.held_out else split.folds, start=1):
        done += settings.epochs
        others = np.setdiff1d(np.arange(len(labels)), fold)
        measured = tune(others, f"measuring: held out {number} of {len(split.folds)}")
        after[fold] = predictions(measured, images[fold])
    report_progress(Progress(total, total, None, "measuring"))
    test = split.test
    before = predictions(base, images[test])
    return Report(
        model=model,
        method=split.method,
        examples=len(labels),
        learned_from=len(split.train),
        before=score(before, labels[test]),
        after=score(after[test], labels[test]),
        check_before=forgetting(base),
        check_after=forgetting(model),
        wrong_before=mistakes(before, labels[test], test),
        wrong_after=mistakes(after[test], labels[test], test),
        epochs=settings.epochs,
        runs=runs,
        seconds=time.perf_counter() - start,
    )
