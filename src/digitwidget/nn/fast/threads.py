"""Share a list of tasks out over this thread and a small pool of worker threads.

Starting a thread costs tens of microseconds, so the workers are started once and reused.
Tasks are taken one at a time by whichever thread is free, and the caller returns as soon
as every task is done: it never waits for a worker that found nothing left to do. On a
busy machine a worker may get a core only milliseconds later; by then this thread has
done the work itself. The pool is rebuilt after ``os.fork``: a forked child inherits the
pool object but not its threads, and work sent to it would never run.
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

T = TypeVar("T")
W = TypeVar("W")

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_pool_pid = 0


def _workers(count: int) -> ThreadPoolExecutor:
    """A pool of at least ``count`` threads, for this process."""
    from concurrent.futures import ThreadPoolExecutor  # 7 ms to import; only needed here

    global _pool, _pool_size, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid() or _pool_size < count:
            if _pool is not None and _pool_pid == os.getpid():
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(count, thread_name_prefix="digitwidget-nn")
            _pool_size, _pool_pid = count, os.getpid()
        return _pool


class _Tasks(Generic[T]):
    """Tasks handed out one at a time, until they run out or one of them fails."""

    def __init__(self, tasks: Iterable[T]) -> None:
        self._tasks = list(tasks)
        self._next = 0
        self._running = 0
        self._changed = threading.Condition()
        self.error: BaseException | None = None

    def run(self, worker: W, do: Callable[[W, T], object]) -> None:
        """Take tasks and do them with ``worker`` until none is left; remember an error."""
        while True:
            with self._changed:
                if self._next == len(self._tasks):
                    return
                task = self._tasks[self._next]
                self._next += 1
                self._running += 1
            try:
                do(worker, task)
            except BaseException as error:  # raised again by share_out, in its caller
                with self._changed:
                    self.error = self.error or error
                    self._next = len(self._tasks)  # the batch has failed: start nothing new
            finally:
                with self._changed:
                    self._running -= 1
                    self._changed.notify_all()

    def stop_and_wait(self) -> None:
        """Hand out no more tasks, and return once those under way have finished."""
        with self._changed:
            self._next = len(self._tasks)
            self._changed.wait_for(lambda: self._running == 0)


def share_out(tasks: Iterable[T], workers: Sequence[W], do: Callable[[W, T], object]) -> None:
    """Call ``do(worker, task)`` for every task, each worker in its own thread.

    ``workers[0]`` works in this thread, the others in pool threads; ``do`` must be safe
    to call at once with different workers. Returns when every task is done, and never
    while a task still runs (even on Ctrl+C); the first exception from any task stops the
    others from starting and is raised here. Tasks see this thread's context variables
    (NumPy keeps ``np.errstate`` in one).
    """
    queue = _Tasks(tasks)
    if len(workers) > 1:
        pool = _workers(len(workers) - 1)
        for worker in workers[1:]:
            pool.submit(contextvars.copy_context().run, queue.run, worker, do)
    try:
        queue.run(workers[0], do)
    finally:
        queue.stop_and_wait()
    if queue.error is not None:
        raise queue.error
