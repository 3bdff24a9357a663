"""Learning from examples in NumPy: the loss, Adam, and fine-tuning through layer.backward.

- :mod:`~digitwidget.nn.learning.loss`: softmax cross-entropy and its gradient.
- :mod:`~digitwidget.nn.learning.adam`: Adam, as Keras 3 computes it.
- :mod:`~digitwidget.nn.learning.fine_tune`: the training loop (``Model.fine_tune``).
"""

from digitwidget.nn.learning.adam import Adam
from digitwidget.nn.learning.fine_tune import fine_tune
from digitwidget.nn.learning.loss import softmax_cross_entropy

__all__ = ["Adam", "fine_tune", "softmax_cross_entropy"]
