"""A learning's outcome as the pad's views get it: JSON-ready numbers and the error
gallery's thumbnails as bytes.

Example:
    >>> state, thumbnails = report_for_views(report, images)  # doctest: +SKIP
    >>> state["result"]["mine"]  # doctest: +SKIP
    {'before': 0.0, 'after': 0.9, 'total': 10}
"""

from __future__ import annotations

from typing import Any

import numpy as np

from digitwidget.teach.learning import Cancelled, Report
from digitwidget.teach.measures import Score


def report_for_views(report: Report, images: np.ndarray) -> tuple[dict[str, Any], bytes]:
    """``_learn``'s ``result``, ``gallery`` and ``message``, and the gallery's drawings.

    Args:
        report: what learning gave.
        images: the drawings learning read, ``(N, 28, 28)`` in [0, 1] (the mistakes' indices
            point into them).

    Returns:
        The values, and the thumbnails: 784 bytes each, in the gallery's order.
    """
    wrong = [("before", m) for m in report.wrong_before]
    wrong += [("after", m) for m in report.wrong_after]
    gallery = [{"when": when, "label": m.label, "predicted": m.predicted} for when, m in wrong]
    thumbnails = b"".join(
        np.rint(np.clip(images[m.index], 0, 1) * 255).astype(np.uint8).tobytes() for _, m in wrong
    )
    result = {
        "method": report.method,
        "examples": report.examples,
        "learned_from": report.learned_from,
        "mine": _pair(report.before, report.after),
        "mnist": _pair(report.check_before, report.check_after),
        "seconds": round(report.seconds, 2),
    }
    return {"result": result, "gallery": gallery, "message": str(report)}, thumbnails


def _pair(before: Score, after: Score) -> dict[str, Any]:
    return {"before": before.accuracy, "after": after.accuracy, "total": after.total}


def failure_for_views(error: BaseException) -> dict[str, str]:
    """``_learn``'s ``state`` and ``message`` for a learning that did not finish."""
    if isinstance(error, Cancelled):
        return {"state": "stopped", "message": str(error)}
    text = f"Learning failed ({type(error).__name__}: {error}); the pad kept its model."
    return {"state": "failed", "message": text}
