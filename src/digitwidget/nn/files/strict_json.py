"""JSON as model files may hold it: finite numbers only, and a bounded depth.

Python's ``json`` accepts ``NaN``, ``Infinity`` and ``1e400`` (which becomes infinity),
and recurses once per nesting level, so a file of 100,000 ``[`` raises RecursionError.
A model's config is neither: here both are refused with a ValueError that says why.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 64


class _NotFinite(ValueError):
    """A number in the JSON text that is not finite (its text is the message)."""


def _refuse_constant(name: str) -> Any:
    raise _NotFinite(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NotFinite(text[:40])
    return value


def _depth(value: Any) -> int:
    """The nesting depth of ``value`` (up to just over ``MAX_DEPTH``), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack and deepest <= MAX_DEPTH:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return deepest


def load_json(data: str | bytes, what: str) -> Any:
    """Parse ``data``; ``what`` names it in errors (e.g. ``"config.json"``).

    Raises:
        ValueError: for invalid JSON, NaN or infinite numbers, or nesting deeper than
            ``MAX_DEPTH`` levels.
    """
    too_deep = f"its {what} is nested more than {MAX_DEPTH} levels deep; a model config is not."
    try:
        value = json.loads(data, parse_constant=_refuse_constant, parse_float=_finite_float)
    except RecursionError:
        raise ValueError(too_deep) from None
    except _NotFinite as error:
        msg = f"its {what} holds {error}, which is not a finite number; a model config holds only finite numbers."
        raise ValueError(msg) from None
    except (ValueError, UnicodeDecodeError) as error:  # JSONDecodeError is a ValueError
        msg = f"its {what} is not valid JSON ({error})."
        raise ValueError(msg) from None
    if _depth(value) > MAX_DEPTH:
        raise ValueError(too_deep)
    return value
