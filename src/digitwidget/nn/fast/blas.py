"""OpenBLAS's thread count, lowered to one thread for a while and then restored.

NumPy's matrix products run in OpenBLAS, which splits each product over its own pool of
threads. The workspace instead splits a large batch over Python threads (NumPy releases
the GIL inside a matrix product), so each of them must run single-threaded BLAS. The
thread count is process-wide state, set with ``openblas_set_num_threads``; this module
finds that function in the OpenBLAS that NumPy has loaded. With another BLAS (Accelerate,
MKL) or an OpenBLAS it cannot find, nothing is changed and the engine runs as before.
"""

from __future__ import annotations

import ctypes
import glob
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

# (setter, getter) names, newest first: NumPy >= 2 wheels (scipy-openblas, 64-bit ints),
# their 32-bit variant, older NumPy wheels, and a system OpenBLAS.
_SYMBOLS = [
    ("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
    ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
    ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
    ("openblas_set_num_threads", "openblas_get_num_threads"),
]


class BlasThreads:
    """Read the BLAS thread count, and lower it to one inside :meth:`single`.

    Args:
        get: Returns the current thread count.
        set: Sets the thread count.
        library: The library's file, for diagnostics.
    """

    def __init__(
        self, get: Callable[[], int], set: Callable[[int], object], library: str = ""
    ) -> None:
        self._get, self._set = get, set
        self.library = library
        self._lock = threading.Lock()
        self._users = 0
        self._saved = 1

    def count(self) -> int:
        """The thread count BLAS uses now (outside :meth:`single`: the user's setting)."""
        with self._lock:
            return self._saved if self._users else int(self._get())

    @contextmanager
    def single(self) -> Iterator[None]:
        """BLAS runs single-threaded inside; the previous count comes back on leaving.

        Callers may overlap (two models predicting in two threads): the first one in
        saves the count, the last one out restores it, even when an exception leaves.
        """
        with self._lock:
            if self._users == 0:
                self._saved = int(self._get())
                self._set(1)
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    self._set(self._saved)


def _candidate_paths() -> list[str]:
    """OpenBLAS libraries this process has loaded (Linux) and those bundled with NumPy,
    NumPy's own first (see :func:`numpy_first`)."""
    loaded = []
    try:
        with open("/proc/self/maps") as maps:
            loaded = [line.split(None, 5)[5].strip() for line in maps if "openblas" in line]
    except (OSError, IndexError):
        pass
    numpy_dir = os.path.dirname(np.__file__)
    bundled = []
    for folder in (os.path.join(os.path.dirname(numpy_dir), "numpy.libs"), numpy_dir + "/.dylibs"):
        bundled += sorted(glob.glob(os.path.join(folder, "*openblas*")))
    return numpy_first(loaded, bundled)


def numpy_first(loaded: list[str], bundled: list[str]) -> list[str]:
    """The libraries to try, in order: NumPy's bundled OpenBLAS, then a loaded one that no
    other package bundles (a system OpenBLAS), then the rest.

    SciPy's wheels bring an OpenBLAS of their own (``scipy.libs``), loaded as soon as
    SciPy is imported (Keras and TensorFlow import it). Setting that one's thread count
    leaves NumPy's at two threads in each of the workspace's threads: with TensorFlow
    imported, 10,000 images through the small CNN went from 10,900 to 6,300 per second.
    """
    others = [path for path in loaded if path not in bundled]
    system = [path for path in others if ".libs/" not in path and ".dylibs/" not in path]
    return list(dict.fromkeys([*bundled, *system, *others]))


def _load(path: str) -> ctypes.CDLL | None:
    # RTLD_NOLOAD: only attach to a library that is already loaded, never load a second copy.
    mode = getattr(os, "RTLD_NOLOAD", 0) | getattr(os, "RTLD_LAZY", 0)
    try:
        return ctypes.CDLL(path, mode=mode) if mode else ctypes.CDLL(path)
    except OSError:
        return None


def find_openblas() -> BlasThreads | None:
    """The thread control of NumPy's OpenBLAS, or None when there is none to be found."""
    for path in _candidate_paths():
        library = _load(path)
        for set_name, get_name in _SYMBOLS if library is not None else []:
            setter = getattr(library, set_name, None)
            getter = getattr(library, get_name, None)
            if setter is not None and getter is not None:
                setter.argtypes, setter.restype = [ctypes.c_int], None
                getter.argtypes, getter.restype = [], ctypes.c_int
                return BlasThreads(getter, setter, path)
    return None


OPENBLAS = find_openblas()
