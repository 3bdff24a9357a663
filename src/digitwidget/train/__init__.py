"""Train the digit network with Keras 3 (TensorFlow) and export it for the NumPy engine.

TensorFlow and Keras are imported only inside functions, so ``import digitwidget`` stays
light. One call does the whole job:

    >>> from digitwidget.train import PRESETS, train_and_export
    >>> result = train_and_export(PRESETS["quick"], "artifacts/quick")  # doctest: +SKIP
    >>> result.test_accuracy  # doctest: +SKIP

``config`` holds the recipes, ``pipeline`` and ``augment`` the data, ``fit`` the training,
``multiworker`` the loop across machines, ``export`` the engine file and its provenance.
"""

from digitwidget.train.config import DISTRIBUTE, PRESETS, TrainConfig
from digitwidget.train.export import TrainResult
from digitwidget.train.fit import build_model, require_train_extra, train, train_and_export
from digitwidget.train.multiworker import is_chief

__all__ = [
    "DISTRIBUTE",
    "PRESETS",
    "TrainConfig",
    "TrainResult",
    "build_model",
    "is_chief",
    "require_train_extra",
    "train",
    "train_and_export",
]
