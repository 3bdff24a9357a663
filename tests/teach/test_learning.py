"""Learning from drawings: the held-out split, the job's before/after and its thread.

Fine-tuning is the engine's own (``Model.fine_tune``), kept fast with the MLP and few
epochs. The drawings are MNIST check images given another label: a writer whose 0 is
a 6, which the shipped model reads as 0 before learning.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from digitwidget.data.sample import load_sample
from digitwidget.nn import load_model
from digitwidget.teach import Cancelled, LearningJob, Settings, learn
from digitwidget.teach.learning import check_can_learn
from digitwidget.teach.split import FEW, FOLDS, plan_split

FAST = Settings(epochs=12, seed=0)
"""Enough epochs for the MLP to learn a writer (with 5 it learns nothing of these zeros)."""


@pytest.fixture(scope="module")
def mlp():
    return load_model("mlp")


def writer(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``count`` zeros from the check set, labelled 6."""
    images, labels = load_sample("check")
    zeros = images[labels == 0]
    pick = np.random.default_rng(seed).choice(len(zeros), count, replace=False)
    return zeros[pick], np.full(count, 6, np.int64)


# -- the split -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("labels", "method"),
    [
        ([4, 4], "leave-one-out"),
        ([4, 4, 7, 1], "leave-one-out"),  # 1 and 7 drawn once: only learned from
        ([4, 4, 7, 7], "3-fold"),
        (list(range(10)) + list(range(9)), "3-fold"),
    ],
)
def test_few_drawings_are_each_held_out_once_in_turn(labels: list[int], method: str) -> None:
    labels = np.array(labels)
    split = plan_split(labels)
    assert split.method == method
    assert not split.held_out
    np.testing.assert_array_equal(split.train, np.arange(len(labels)))  # the kept model learns all
    measurable = [i for i in range(len(labels)) if (labels == labels[i]).sum() >= 2]
    np.testing.assert_array_equal(split.test, measurable)
    assert len(split.folds) == min(len(measurable), FOLDS)
    for fold in split.folds:  # a fold never holds every drawing of a digit
        for i in fold:
            assert (labels[np.setdiff1d(np.arange(len(labels)), fold)] == labels[i]).any()


def test_from_few_drawings_on_a_quarter_is_held_out() -> None:
    assert plan_split(np.arange(FEW - 1) % 10).method == "3-fold"
    assert plan_split(np.arange(FEW) % 10).method == "held-out"


def test_with_no_digit_drawn_twice_nothing_is_held_out() -> None:
    split = plan_split(np.arange(10))
    assert split.method == "nothing held out"
    assert split.folds == []
    assert split.test.size == 0


def test_many_drawings_hold_out_a_quarter_of_each_digit_never_learned_from() -> None:
    labels = np.repeat(np.arange(10), 8)  # 8 of each digit
    split = plan_split(labels, seed=3)
    assert split.method == "held-out"
    assert split.held_out
    assert np.intersect1d(split.train, split.test).size == 0
    assert np.union1d(split.train, split.test).tolist() == list(range(80))
    assert np.bincount(labels[split.test], minlength=10).tolist() == [2] * 10
    assert plan_split(labels, seed=3).test.tolist() == split.test.tolist()  # reproducible


def test_a_digit_drawn_once_is_only_learned_from() -> None:
    labels = np.array([0] * 25 + [9])
    split = plan_split(labels)
    assert 25 in split.train
    assert 25 not in split.test


# -- the job ---------------------------------------------------------------------------


def test_learning_from_few_drawings_measures_each_held_out_in_turn(mlp) -> None:
    images, labels = writer(8)
    seen = []
    report = learn(mlp, images, labels, FAST, seen.append)
    assert report.method == "3-fold"
    assert report.runs == 4
    assert report.examples == report.learned_from == 8
    assert report.before.total == report.after.total == 8
    assert report.before.correct == 0  # the shipped MLP reads these zeros as zeros
    assert report.after.correct > report.before.correct
    assert len(report.wrong_before) == 8
    assert {m.label for m in report.wrong_before} == {6}
    assert {m.predicted for m in report.wrong_before} == {0}
    assert report.check_before.total == report.check_after.total == 1000
    # Progress: every epoch of the kept run and of the 3 measuring runs, in order.
    done = [p.done for p in seen]
    assert done == sorted(done)
    assert done[-1] == seen[-1].total == FAST.epochs * 4
    assert seen[-1].stage == "measuring"
    assert all(p.loss is not None and np.isfinite(p.loss) for p in seen[:-1])
    # The new model reads the writer's zeros as sixes; the shipped one is unchanged.
    assert (report.model.predict(images) == 6).mean() > 0.5
    assert (mlp.predict(images) == 0).all()


def test_learning_from_many_drawings_measures_on_held_out_ones(mlp) -> None:
    images, labels = writer(24)
    report = learn(mlp, images, labels, FAST)
    assert report.method == "held-out"
    assert report.after.total == 6  # a quarter of 24
    assert report.learned_from == 18
    assert report.runs == 1
    assert report.after.accuracy is not None
    assert report.after.accuracy > report.before.accuracy
    assert "Learned from 18 of your 24 drawings" in str(report)


def test_with_nothing_to_hold_out_it_learns_once_and_says_so(mlp) -> None:
    images, _ = writer(3)
    report = learn(mlp, images, np.array([4, 5, 6]), FAST)
    assert report.method == "nothing held out"
    assert report.runs == 1
    assert report.after.total == report.before.total == 0
    assert report.after.accuracy is None
    assert "-" in str(report)


def test_an_error_in_progress_stops_learning(mlp) -> None:
    images, labels = writer(4)

    def stop(progress) -> None:
        raise Cancelled("stopped")

    with pytest.raises(Cancelled):
        learn(mlp, images, labels, FAST, stop)


def test_too_few_drawings_or_a_model_that_cannot_learn_are_refused(mlp) -> None:
    with pytest.raises(ValueError, match="at least 2 taught drawings; the pad has 1"):
        check_can_learn(mlp, 1)

    class Scorer:
        def predict_proba(self, x):
            return np.full(10, 0.1)

    with pytest.raises(TypeError, match=r"\(Scorer\) cannot learn"):
        check_can_learn(Scorer(), 10)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"epochs": 0}, "epochs must be an int from 1"),
        ({"epochs": 2.5}, "epochs must be an int"),
        ({"learning_rate": 0}, r"learning_rate must be a number in \(0, 1\]"),
        ({"batch_size": True}, "batch_size must be an int"),
    ],
)
def test_bad_settings_are_refused(settings: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(**settings)


def test_a_job_runs_in_another_thread_and_can_be_waited_for(mlp) -> None:
    images, labels = writer(4)
    threads, ended = [], []
    job = LearningJob(
        lambda step: learn(mlp, images, labels, FAST, step),
        lambda progress: threads.append(threading.current_thread()),
        lambda report, error: ended.append((report, error)),
    )
    report = job.wait(timeout=60)
    assert not job.running
    assert report is job.report
    assert ended == [(report, None)]
    assert threads
    assert all(thread is not threading.main_thread() for thread in threads)
    assert "done" in repr(job)


def test_a_cancelled_job_says_so_and_reports_the_error() -> None:
    release = threading.Event()

    def work(step):
        release.wait(10)
        step(None)  # the first epoch ends after cancel()
        return None

    ended = []
    job = LearningJob(work, lambda progress: None, lambda report, error: ended.append(error))
    with pytest.raises(TimeoutError, match=r"Still learning after 0\.05 s"):
        job.wait(timeout=0.05)
    job.cancel()
    release.set()
    with pytest.raises(Cancelled, match="the pad kept its model"):
        job.wait(timeout=10)
    assert isinstance(ended[0], Cancelled)
    assert "failed" in repr(job)
