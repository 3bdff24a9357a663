"""A small pool of worker threads, kept between calls, for splitting one batch over cores.

Starting a thread costs tens of microseconds, so the workers are started once and reused.
The pool is rebuilt after ``os.fork``: a forked child inherits the pool object but not its
threads, and work sent to it would never run.
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_size = 0
_pool_pid = 0


def _workers(count: int) -> ThreadPoolExecutor:
    """A pool of at least ``count`` threads, for this process."""
    global _pool, _pool_size, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid() or _pool_size < count:
            if _pool is not None and _pool_pid == os.getpid():
                _pool.shutdown(wait=False)
            _pool = ThreadPoolExecutor(count, thread_name_prefix="digitwidget-nn")
            _pool_size, _pool_pid = count, os.getpid()
        return _pool


def run_each(work: Callable[[T], object], items: Sequence[T]) -> None:
    """Call ``work(item)`` for every item at once: the first here, the others on workers.

    Returns when every call has finished; an exception from any of them is raised here.
    Each call sees this thread's context variables (NumPy keeps ``np.errstate`` in one).
    """
    first, *others = items
    futures = []
    if others:
        pool = _workers(len(others))
        futures = [pool.submit(contextvars.copy_context().run, work, item) for item in others]
    try:
        work(first)
    finally:
        wait(futures)
    for future in futures:
        future.result()
