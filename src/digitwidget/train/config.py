"""Training options: the :class:`TrainConfig` dataclass and its named presets."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from digitwidget.train.augment import AugmentConfig

__all__ = ["ARCHITECTURES", "DISTRIBUTE", "PRESETS", "SCHEDULES", "TrainConfig"]

ARCHITECTURES = ("mlp", "cnn")
DISTRIBUTE = ("none", "mirrored", "multiworker")
SCHEDULES = ("constant", "cosine", "onecycle")
RULES = {
    "epochs": "expected an integer >= 1",
    "batch_size": "expected an integer >= 1",
    "learning_rate": "expected a number > 0",
    "dropout": "expected a rate in [0, 1)",
    "label_smoothing": "expected a value in [0, 1)",
    "weight_decay": "expected a number >= 0",
    "validation": "expected at least 1 held-out image (it picks the best epoch)",
    "train_limit": "expected None or an integer >= 1",
    "hidden": "expected one or more layer sizes >= 1, e.g. (128, 256)",
    "schedule": f"expected one of {SCHEDULES}",
    "architecture": f"expected one of {ARCHITECTURES}",
    "filters": "expected one or more filter counts >= 1, e.g. (32, 64)",
    "synthetic": "expected a number of drawings per digit >= 0",
    "non_digits": "expected a number of drawings >= 0",
}


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a training run; two equal configs give equal models.

    Attributes:
        architecture: ``"mlp"`` (Flatten, then Dense layers) or ``"cnn"`` (3x3
            convolutions, each followed by 2x2 max pooling, then Dense layers).
        filters: Filters of each convolution (``"cnn"`` only).
        hidden: Units of each hidden Dense layer.
        activation: Hidden activation, e.g. ``"relu"`` or ``"sigmoid"``.
        dropout: Dropout rate after each hidden layer (training only; not exported).
        epochs: Passes over the training split.
        batch_size: Global batch size (split across replicas when distributed).
        learning_rate: Peak learning rate of the schedule.
        schedule: ``"constant"``, ``"cosine"`` or ``"onecycle"`` (linear warm-up, cosine decay).
        warmup: Fraction of the steps spent warming up (``"onecycle"`` only).
        weight_decay: AdamW decoupled weight decay (0 gives plain Adam).
        label_smoothing: Cross-entropy label smoothing.
        augment: Augmentation strengths, or ``None`` for none.
        validation: MNIST images held out of the training set to pick the best epoch and
            fit the temperature.
        synthetic: Synthetic drawings per digit added to the training data
            (:mod:`digitwidget.train.synthetic`: styles MNIST lacks), a tenth of them held
            out with the validation images; 0 for MNIST alone.
        non_digits: Drawings of no digit (taps, blobs, scribbles:
            :mod:`digitwidget.train.non_digits`) added to the training split, with the
            uniform distribution as their target, so the model is unsure of them.
        calibrate: Fit a temperature on the validation images and store it in the model
            (see :mod:`digitwidget.nn.calibration`).
        train_limit: Use only this many training images (quick runs), or ``None``.
        seed: Seed of every random choice (split, init, shuffle, augmentation, dropout).
    """

    architecture: str = "mlp"
    filters: tuple[int, ...] = (32, 64)
    hidden: tuple[int, ...] = (128, 256)
    activation: str = "relu"
    dropout: float = 0.1
    epochs: int = 40
    batch_size: int = 128
    learning_rate: float = 2e-3
    schedule: str = "onecycle"
    warmup: float = 0.1
    weight_decay: float = 1e-4
    label_smoothing: float = 0.1
    augment: AugmentConfig | None = field(default_factory=AugmentConfig)
    validation: int = 5000
    train_limit: int | None = None
    synthetic: int = 0
    non_digits: int = 0
    calibrate: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        checks = {
            "epochs": self.epochs >= 1,
            "batch_size": self.batch_size >= 1,
            "learning_rate": self.learning_rate > 0,
            "dropout": 0 <= self.dropout < 1,
            "label_smoothing": 0 <= self.label_smoothing < 1,
            "weight_decay": self.weight_decay >= 0,
            "validation": self.validation >= 1,
            "train_limit": self.train_limit is None or self.train_limit >= 1,
            "hidden": len(self.hidden) >= 1 and all(u >= 1 for u in self.hidden),
            "schedule": self.schedule in SCHEDULES,
            "architecture": self.architecture in ARCHITECTURES,
            "filters": len(self.filters) >= 1 and all(f >= 1 for f in self.filters),
            "synthetic": self.synthetic >= 0,
            "non_digits": self.non_digits >= 0,
        }
        for name, ok in checks.items():
            if not ok:
                msg = f"Invalid training option {name}={getattr(self, name)!r}: {RULES[name]}."
                raise ValueError(msg)

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (for provenance)."""
        return dataclasses.asdict(self)


PRESETS: dict[str, TrainConfig] = {
    # The shipped default: a small CNN, MNIST with synthetic drawings in the styles it lacks.
    "cnn": TrainConfig(
        architecture="cnn",
        hidden=(128,),
        dropout=0.25,
        epochs=20,
        label_smoothing=0.0,
        synthetic=4000,
        non_digits=3000,
    ),
    # The original design's 784-128-256-10 network, shipped beside the CNN: augmentation,
    # dropout, AdamW, one-cycle, label smoothing, 40 epochs.
    "mlp": TrainConfig(),
    # No augmentation, dropout or label smoothing: the baseline the others are measured against.
    "plain": TrainConfig(augment=None, dropout=0.0, label_smoothing=0.0, epochs=20),
    # The original design: sigmoid hidden layers (no dropout, a lower peak learning rate).
    "sigmoid": TrainConfig(activation="sigmoid", dropout=0.0, learning_rate=1e-3),
    # Reaches 98% quickly: the default recipe without augmentation, 10 epochs.
    "fast": TrainConfig(epochs=10, augment=None),
    # A few seconds on a 3,000-image subset, for tests.
    "quick": TrainConfig(epochs=2, train_limit=3000, validation=500, batch_size=100),
}
