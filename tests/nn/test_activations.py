"""Activations at hand-computed points, softmax stability, and erf against math.erf."""

from __future__ import annotations

import math

import numpy as np
import pytest

from digitwidget.nn import activations as A
from digitwidget.nn._erf import erf

E = math.e
POINTS = np.array([-2.0, -1.0, 0.0, 1.0, 2.0], dtype=np.float32)


def _sig(v: float) -> float:
    return 1 / (1 + math.exp(-v))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("linear", [-2, -1, 0, 1, 2]),
        ("relu", [0, 0, 0, 1, 2]),
        ("leaky_relu", [-0.4, -0.2, 0, 1, 2]),
        ("sigmoid", [_sig(v) for v in (-2, -1, 0, 1, 2)]),
        ("tanh", [math.tanh(v) for v in (-2, -1, 0, 1, 2)]),
        ("elu", [E**-2 - 1, E**-1 - 1, 0, 1, 2]),
        (
            "selu",
            [1.05070098 * 1.67326324 * (E**v - 1) for v in (-2, -1)] + [0, 1.05070098, 2.10140196],
        ),
        ("gelu", [v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in (-2, -1, 0, 1, 2)]),
        ("silu", [v * _sig(v) for v in (-2, -1, 0, 1, 2)]),
        ("swish", [v * _sig(v) for v in (-2, -1, 0, 1, 2)]),
        ("softplus", [math.log(1 + math.exp(v)) for v in (-2, -1, 0, 1, 2)]),
    ],
)
def test_activation_at_hand_computed_points(name, expected):
    result = A.get_activation(name)(POINTS)
    assert result.dtype == np.float32
    np.testing.assert_allclose(result, expected, rtol=1e-6, atol=1e-7)


def test_gelu_approximate_uses_the_tanh_formula():
    v = 1.0
    expected = 0.5 * v * (1 + math.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v**3)))
    got = A.gelu(np.array([v], np.float32), approximate=True)[0]
    assert got == pytest.approx(expected, abs=1e-7)
    assert got != pytest.approx(A.gelu(np.array([v], np.float32))[0], abs=1e-5)


def test_relu_with_keras_arguments():
    x = np.array([-1.0, 0.1, 0.3, 0.9], np.float32)
    result = A.relu(x, negative_slope=0.5, max_value=0.6, threshold=0.2)
    np.testing.assert_allclose(result, [-0.6, -0.05, 0.3, 0.6], atol=1e-7)


def test_softmax_rows_sum_to_one():
    x = np.random.default_rng(0).normal(size=(50, 10)).astype(np.float32)
    np.testing.assert_allclose(A.softmax(x).sum(axis=1), 1.0, atol=1e-6)


@pytest.mark.parametrize("rows", [1, 63, 64, 1000])
def test_softmax_of_many_short_rows_matches_each_row_alone(rows):
    x = np.random.default_rng(rows).normal(0, 5, (rows, 10)).astype(np.float32)
    x[-1, 3] = 1000.0
    before = x.copy()
    result = A.softmax(x)
    expected = np.stack([A.softmax(row) for row in x])
    np.testing.assert_allclose(result, expected, rtol=1e-6, atol=1e-12)
    np.testing.assert_array_equal(x, before)
    assert result.flags.c_contiguous
    np.testing.assert_array_equal(A.softmax(x, out=x), result)


def test_softmax_survives_huge_inputs():
    result = A.softmax(np.array([[1000.0, 1000.0, -1000.0], [1e30, 0, 0]], np.float32))
    np.testing.assert_allclose(result, [[0.5, 0.5, 0.0], [1.0, 0.0, 0.0]])


def test_softmax_of_two_values_is_hand_computed():
    result = A.softmax(np.array([[0.0, math.log(3)]], np.float32))
    np.testing.assert_allclose(result, [[0.25, 0.75]], atol=1e-7)


@pytest.mark.parametrize("name", sorted(A.FUNCTIONS))
def test_activations_never_overflow_or_modify_their_input(name):
    x = np.array([[-1e4, -90.0, 0.0, 90.0, 1e4]], np.float32)
    before = x.copy()
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        result = A.get_activation(name)(x)
    assert np.all(np.isfinite(result))
    np.testing.assert_array_equal(x, before)


@pytest.mark.parametrize("name", sorted(A.FUNCTIONS))
def test_activation_out_argument_matches_plain_call(name):
    x = np.linspace(-4, 4, 30, dtype=np.float32).reshape(3, 10)
    out = np.empty_like(x)
    result = A.get_activation(name)(x, out=out)
    assert result is out
    np.testing.assert_array_equal(out, A.get_activation(name)(x))


def test_erf_matches_math_erf_everywhere():
    x = np.concatenate([np.linspace(-30, 30, 120_001), np.geomspace(1e-9, 6, 5000)])
    expected = np.array([math.erf(v) for v in x])
    np.testing.assert_allclose(erf(x), expected, rtol=1e-9, atol=1e-10)


def test_erf_is_odd_and_saturates():
    np.testing.assert_array_equal(erf(np.array([-np.inf, 0.0, np.inf, 1e6])), [-1.0, 0.0, 1.0, 1.0])
    assert erf(np.array([-0.5]))[0] == -erf(np.array([0.5]))[0]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (None, "linear"),
        ("swish", "silu"),
        ({"class_name": "function", "config": "relu", "module": "keras.activations"}, "relu"),
        ({"name": "gelu", "approximate": True}, "gelu(approximate=True)"),
        ({"name": "leaky_relu", "negative_slope": 0.1}, "leaky_relu(negative_slope=0.1)"),
    ],
)
def test_activation_specs_resolve(spec, expected):
    assert repr(A.get_activation(spec)) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("mish2", "Unknown activation 'mish2'"),
        (
            {"class_name": "function", "config": "f", "module": "evil"},
            "Unknown activation 'evil.f'",
        ),
        ({"name": "relu", "alpha": 2}, "takes no argument(s) ['alpha']"),
        (3, "Expected an activation name"),
    ],
)
def test_bad_activation_specs_are_refused(spec, message):
    with pytest.raises(
        ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
    ):
        A.get_activation(spec)


def test_every_activation_has_a_backward_pass():
    assert list(A.BACKWARDS) == list(A.FUNCTIONS)


@pytest.mark.parametrize(
    "spec",
    [
        *sorted(A.FUNCTIONS),
        {"name": "relu", "negative_slope": 0.1, "max_value": 0.8, "threshold": 0.05},
        {"name": "leaky_relu", "negative_slope": 0.05},
        {"name": "elu", "alpha": 0.5},
        {"name": "gelu", "approximate": True},
    ],
    ids=str,
)
def test_activation_backward_matches_central_differences(spec):
    f = A.get_activation(spec)
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1.5, (3, 7))
    upstream = rng.normal(0, 1, x.shape)
    eps = 1e-6
    steps = np.eye(x.size).reshape(x.size, *x.shape) * eps
    plus = np.sum(upstream * f(x + steps), axis=(1, 2))
    minus = np.sum(upstream * f(x - steps), axis=(1, 2))
    expected = ((plus - minus) / (2 * eps)).reshape(x.shape)
    np.testing.assert_allclose(f.backward(upstream, x, f(x)), expected, rtol=1e-7, atol=1e-8)
