"""Shared by the engine's tests: loading a hostile model file within bounds."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from digitwidget.nn import ModelFileError, load_model

MEMORY_LIMIT = 64 << 20  # far below what any of these files would allocate unchecked
TIME_LIMIT_S = 5.0


@pytest.fixture
def bounded() -> Callable[[Path, str], ModelFileError]:
    """``refused(path, match)``: load_model fails with ``match``, fast and small."""

    def refused(path: Path, match: str) -> ModelFileError:
        tracemalloc.start()
        start = time.perf_counter()
        try:
            with pytest.raises(ModelFileError, match=match) as info:
                load_model(path)
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert time.perf_counter() - start < TIME_LIMIT_S
        assert peak < MEMORY_LIMIT, f"loading took {peak:,} bytes before it was refused"
        message = str(info.value)
        assert str(path) in message
        assert len(message) < 1000, message
        return info.value

    return refused
