"""Matplotlib figures for training runs, evaluations, and the inside of the network
(dense or convolutional).

Each function returns a ``matplotlib.figure.Figure`` built with the object API (no pyplot
state, nothing shown), so it works headless and in notebooks alike:

    >>> fig = plot_confusion_matrix(cm)
    >>> fig.savefig("confusion.png")
"""

from digitwidget.plots.features import plot_feature_maps, plot_filters
from digitwidget.plots.network import (
    plot_activations,
    plot_first_layer_weights,
    plot_mistakes,
    plot_model_input,
    plot_probabilities,
    plot_saliency,
)
from digitwidget.plots.training import plot_confusion_matrix, plot_history

__all__ = [
    "plot_activations",
    "plot_confusion_matrix",
    "plot_feature_maps",
    "plot_filters",
    "plot_first_layer_weights",
    "plot_history",
    "plot_mistakes",
    "plot_model_input",
    "plot_probabilities",
    "plot_saliency",
]
