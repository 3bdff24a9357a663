"""Figures: right axes and titles, no pyplot state, savable as PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from digitwidget.plots import plot_confusion_matrix, plot_history

HISTORY = {
    "loss": [0.9, 0.5, 0.3],
    "accuracy": [0.7, 0.85, 0.9],
    "val_loss": [0.8, 0.6, 0.5],
    "val_accuracy": [0.75, 0.8, 0.88],
}


class FakeKerasHistory:
    history = HISTORY


@pytest.mark.parametrize(
    "history", [HISTORY, {"history": HISTORY}, FakeKerasHistory()], ids=["dict", "json", "keras"]
)
def test_history_figure_has_loss_and_accuracy_panels(history) -> None:
    from matplotlib.figure import Figure

    fig = plot_history(history)
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes] == ["Loss", "Accuracy"]
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in loss_ax.lines] == ["training", "validation"]
    np.testing.assert_allclose(acc_ax.lines[1].get_ydata(), HISTORY["val_accuracy"])
    np.testing.assert_array_equal(acc_ax.lines[0].get_xdata(), [1, 2, 3])


def test_history_without_validation_draws_one_line_per_panel() -> None:
    fig = plot_history({"loss": [1.0, 0.5], "accuracy": [0.5, 0.9]})
    assert [len(ax.lines) for ax in fig.axes] == [1, 1]


@pytest.mark.parametrize("bad", [{}, [1, 2, 3], None])
def test_history_rejects_what_is_not_a_history(bad) -> None:
    with pytest.raises(ValueError, match="Expected a Keras History"):
        plot_history(bad)


def test_confusion_matrix_figure_shows_counts_and_accuracy() -> None:
    cm = np.diag([5, 4, 3]) + np.array([[0, 1, 0], [0, 0, 2], [0, 0, 0]])
    fig = plot_confusion_matrix(cm, class_names=["a", "b", "c"])
    ax = fig.axes[0]
    assert ax.get_title() == "Confusion matrix (accuracy 80.00%)"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("predicted", "true")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert sorted(t.get_text() for t in ax.texts) == sorted(str(v) for v in cm.ravel())


def test_confusion_matrix_rejects_non_square_input() -> None:
    with pytest.raises(ValueError, match=r"received shape \(2, 3\)"):
        plot_confusion_matrix(np.zeros((2, 3)))


@pytest.mark.parametrize(
    "make", [lambda: plot_history(HISTORY), lambda: plot_confusion_matrix(np.eye(10) * 9)]
)
def test_figures_save_as_png(tmp_path: Path, make) -> None:
    path = tmp_path / "figure.png"
    make().savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 5000


def test_plotting_leaves_pyplot_without_open_figures() -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plot_history(HISTORY)
    plot_confusion_matrix(np.eye(3))
    assert plt.get_fignums() == before
