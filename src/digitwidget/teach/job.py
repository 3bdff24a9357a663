"""Learning in the background: a thread runs :func:`~digitwidget.teach.learning.learn`
while the pad stays usable, and a handle to wait for it, follow it or stop it.

Example:
    >>> job = pad.learn()  # doctest: +SKIP
    >>> job.progress  # doctest: +SKIP
    Progress(done=4, total=20, loss=0.31, stage='learning')
    >>> report = job.wait()  # doctest: +SKIP
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any

from digitwidget.teach.learning import Cancelled, Progress, Report

HEARTBEAT = 2.0
"""Seconds between the signs of life a running job gives (``on_beat``), however long an
epoch takes: a view that hears none for several of them can tell the kernel is gone."""


class LearningJob:
    """One learning run in a thread; returned by ``pad.learn()``.

    Args:
        work: the job, given a progress callback; returns the report.
        on_progress: called (in the thread) after each epoch.
        on_end: called (in the thread) with the report, or with the error that stopped
            the job; ``wait`` returns once it has run.
        on_beat: called every ``HEARTBEAT`` seconds while the job runs (in another thread).
    """

    def __init__(
        self,
        work: Callable[[Callable[[Progress], None]], Report],
        on_progress: Callable[[Progress], None],
        on_end: Callable[[Report | None, BaseException | None], None],
        on_beat: Callable[[], None] = lambda: None,
    ) -> None:
        self._work = work
        self._on_progress = on_progress
        self._on_end = on_end
        self._stop = threading.Event()
        self._finished = threading.Event()
        self.progress: Progress | None = None
        """The latest progress (None before the first epoch ends)."""
        self.report: Report | None = None
        """The report, once the job has finished well."""
        self.error: BaseException | None = None
        """What stopped the job (``Cancelled`` when it was stopped), once it has."""
        self._on_beat = on_beat
        self._thread = start_thread(self._run)
        self._beats = start_thread(self._beat)

    def _run(self) -> None:
        try:
            self.report = self._work(self._step)
        except BaseException as error:  # reported to the pad and to wait(), never lost
            self.error = error
        try:
            self._on_end(self.report, self.error)
        finally:
            self._finished.set()

    def _beat(self) -> None:
        while not self._finished.wait(HEARTBEAT):
            self._on_beat()

    def _step(self, progress: Progress) -> None:
        if self._stop.is_set():
            raise Cancelled("Learning was stopped; the pad kept its model.")
        self.progress = progress
        self._on_progress(progress)

    @property
    def running(self) -> bool:
        return not self._finished.is_set()

    def cancel(self) -> None:
        """Stop at the end of the current epoch; the pad keeps its model."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> Report:
        """Wait until learning is over and the pad reads with the new model; its report.

        Raises:
            TimeoutError: still learning after ``timeout`` seconds (it goes on).
            Cancelled: it was stopped. Any error that stopped it is raised again.
        """
        if not self._finished.wait(timeout):
            msg = f"Still learning after {timeout} s ({self.progress}); it goes on. Wait again, or cancel()."
            raise TimeoutError(msg)
        if self.error is not None:
            raise self.error
        assert self.report is not None
        return self.report

    def __repr__(self) -> str:
        if self.running:
            state = f"running, {self.progress}" if self.progress else "starting"
        else:
            state = "failed" if self.error else "done"
        return f"LearningJob({state})"


def start_thread(target: Callable[[], Any]) -> threading.Thread:
    """Start ``target`` in a daemon thread; in marimo, in one of marimo's threads, which
    carry its context so that the pad's updates still reach the page."""
    thread_class: Any = threading.Thread
    marimo = sys.modules.get("marimo")
    if marimo is not None and getattr(marimo, "running_in_notebook", lambda: False)():
        thread_class = marimo.Thread
    thread = thread_class(target=target, name="digitwidget-learning", daemon=True)
    thread.start()
    return thread
