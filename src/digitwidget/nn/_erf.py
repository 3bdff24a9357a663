"""The error function ``erf`` for NumPy arrays (NumPy has none).

For ``z = |x|`` and ``t = 2 / (2 + z)`` (so ``t`` runs from 1 down to 0), the
complementary error function is written, as in Numerical Recipes' ``erfcc``, as

    erfc(z) = t * exp(-z**2 + P(t))

where ``P`` is a smooth function of ``t``. Here ``P`` is a degree-14 Chebyshev series,
least-squares fitted on 4000 Chebyshev nodes in ``z`` from 0 to 26 against Python's
``math.erfc``. Its measured error against ``math.erf`` is below 1e-10 everywhere (the
tests check 1e-9), far below float32 resolution. Beyond ``z = 26``, ``erfc(z)`` is below
1e-295 and ``erf`` is exactly +-1. Below ``z = 0.5`` the Maclaurin series

    erf(z) = 2 / sqrt(pi) * sum_n (-1)**n * z**(2n + 1) / (n! * (2n + 1))

(12 terms) keeps the relative error small too, so ``erf(0) == 0`` exactly.
"""

from __future__ import annotations

import math

import numpy as np

_T_MIN = 2 / (2 + 26.0)
_COEFFICIENTS = np.array(
    [
        -0.6092679598644108,
        0.604015882327671,
        0.013711483828846547,
        -0.008217478410719965,
        -0.0005296465789390352,
        0.0002857297081550251,
        1.4928076139530043e-05,
        -1.3583334852485075e-05,
        3.0049560288307e-08,
        6.984316891200983e-07,
        -5.847343356548911e-08,
        -3.306831311985601e-08,
        6.662300206694508e-09,
        1.1390114749911083e-09,
        -5.181325232830365e-10,
    ]
)

_SERIES = [
    2 / math.sqrt(math.pi) * (-1) ** n / (math.factorial(n) * (2 * n + 1)) for n in range(12)
]
_SERIES_BELOW = 0.5


def _chebyshev(u: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """``sum_k c_k T_k(u)`` by Clenshaw's recurrence ``b_k = c_k + 2u b_{k+1} - b_{k+2}``."""
    b1 = b2 = np.zeros_like(u)
    for c in coefficients[:0:-1]:
        b1, b2 = c + 2 * u * b1 - b2, b1
    total: np.ndarray = coefficients[0] + u * b1 - b2
    return total


def _polynomial(v: np.ndarray, coefficients: list[float]) -> np.ndarray:
    """``sum_n c_n v**n`` by Horner's rule."""
    result = np.zeros_like(v)
    for c in reversed(coefficients):
        result = result * v + c
    return result


def erf(x: np.ndarray) -> np.ndarray:
    """Error function ``erf(x) = 2 / sqrt(pi) * integral_0^x exp(-s**2) ds``, elementwise.

    Args:
        x: Array of any shape; computed in float64.

    Returns:
        ``erf(x)``, float64, same shape.
    """
    z = np.minimum(np.abs(np.asarray(x, dtype=np.float64)), 27.0)
    t = 2 / (2 + z)
    u = (t - _T_MIN) * (2 / (1 - _T_MIN)) - 1
    u = np.maximum(u, -1.0)
    erfc = t * np.exp(-z * z + _chebyshev(u, _COEFFICIENTS))
    series = z * _polynomial(z * z, _SERIES)
    result: np.ndarray = np.copysign(np.where(z < _SERIES_BELOW, series, 1 - erfc), x)
    return result
