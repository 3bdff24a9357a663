"""Numbers read from a layer's config, checked where they are read.

JSON gives any type anywhere: a ReLU's ``max_value`` of ``"abc"``, a slope of ``true``, a
rate of ``1e308``. Each is refused here, when the model is made, with the layer's name,
instead of failing (or answering NaN) at the first prediction.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any


def config_number(
    owner: str, key: str, value: Any, *, low: float | None = None, high: float | None = None
) -> float:
    """``value`` as a float, if it is a finite real number (not a bool) within [low, high].

    Raises:
        ValueError: naming the owner (a layer or an activation), the key and the value.
    """
    number = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        with contextlib.suppress(OverflowError):  # an int too large for a float
            number = float(value)
    if (
        number is not None
        and math.isfinite(number)
        and (low is None or number >= low)
        and (high is None or number <= high)
    ):
        return number
    if low is not None and high is not None:
        within = f" between {low} and {high}"
    elif low is not None:
        within = f" of at least {low}"
    else:
        within = f" of at most {high}" if high is not None else ""
    msg = f"{owner}: {key} must be a finite number{within}. Received: {key}={value!r:.60}."
    raise ValueError(msg)
