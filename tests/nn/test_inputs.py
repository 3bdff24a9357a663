"""What predict_proba accepts and refuses: shapes, dtypes, ranges, NaN/inf, empty batches."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from digitwidget.nn import Dense, Model
from digitwidget.nn.fast.inputs import InputConverter, check_unit_range


@pytest.fixture(scope="module")
def model() -> Model:
    rng = np.random.default_rng(0)
    hidden = Dense("hidden", rng.normal(0, 0.05, (784, 32)), rng.normal(0, 0.1, 32), "relu")
    return Model([hidden, Dense("out", rng.normal(0, 0.2, (32, 10)), None, "softmax")], (784,))


IMAGE = np.random.default_rng(1).random((28, 28), dtype=np.float32)


@pytest.mark.parametrize(
    ("x", "shape"),
    [
        (IMAGE, (10,)),
        (IMAGE.ravel(), (10,)),
        (IMAGE[None], (1, 10)),
        (np.stack([IMAGE] * 3), (3, 10)),
        (np.stack([IMAGE.ravel()] * 2), (2, 10)),
    ],
)
def test_single_image_and_batch_shapes(model, x, shape):
    assert model.predict_proba(x).shape == shape
    assert model.predict_proba(x).dtype == np.float32


def test_one_image_equals_its_row_in_a_batch(model):
    batch = np.stack([IMAGE, IMAGE.T])
    np.testing.assert_allclose(model.predict_proba(IMAGE), model.predict_proba(batch)[0], rtol=1e-5)


def test_uint8_is_divided_by_255(model):
    pixels = (IMAGE * 255).round().astype(np.uint8)
    expected = model.predict_proba(pixels.astype(np.float32) / 255)
    np.testing.assert_allclose(model.predict_proba(pixels), expected, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float16, np.float64])
def test_other_float_widths_are_accepted(model, dtype):
    np.testing.assert_allclose(
        model.predict_proba(IMAGE.astype(dtype)), model.predict_proba(IMAGE), atol=1e-3
    )


def test_nested_lists_are_accepted(model):
    np.testing.assert_array_equal(model.predict_proba(IMAGE.tolist()), model.predict_proba(IMAGE))


PIXELS = (IMAGE * 255).round().astype(np.uint8)


@pytest.mark.parametrize(
    "dtype", [np.int8, np.int16, np.int32, np.int64, np.uint16, np.uint32, np.uint64]
)
def test_any_integer_dtype_in_0_to_255_reads_like_uint8(model, dtype):
    pixels = np.minimum(PIXELS, 127) if dtype == np.int8 else PIXELS
    expected = model.predict_proba(pixels)
    np.testing.assert_array_equal(model.predict_proba(pixels.astype(dtype)), expected)


def test_nested_lists_of_integers_read_like_uint8(model):
    expected = model.predict_proba(PIXELS)
    np.testing.assert_array_equal(model.predict_proba(PIXELS.tolist()), expected)  # int64
    np.testing.assert_array_equal(model.predict(PIXELS.tolist()), model.predict(PIXELS))
    np.testing.assert_allclose(
        model.saliency(PIXELS.tolist(), target=3), model.saliency(PIXELS, target=3), rtol=1e-6
    )


@pytest.mark.parametrize(
    ("value", "received"),
    [(256, r"from \d+ to 256\."), (-1, r"from -1 to \d+\."), (70000, r"from \d+ to 70000\.")],
)
def test_integers_outside_0_to_255_are_refused(model, value, received):
    pixels = PIXELS.astype(np.int64)
    pixels[5, 5] = value
    with pytest.raises(
        ValueError, match=f"Expected integer pixels in 0..255. Received values {received}"
    ):
        model.predict_proba(pixels)


def test_a_byte_scale_converter_keeps_integers_as_they_are():
    batch, single = InputConverter((784,), byte_scale=True)(PIXELS.astype(np.int64))
    assert single
    np.testing.assert_array_equal(batch, PIXELS.reshape(1, 784).astype(np.float32))


def test_non_contiguous_input_gives_same_result(model):
    batch = np.stack([IMAGE, IMAGE.T, IMAGE])[::2]
    assert not batch.flags.c_contiguous
    np.testing.assert_array_equal(
        model.predict_proba(batch), model.predict_proba(np.ascontiguousarray(batch))
    )


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (np.zeros((27, 28), np.float32), r"Received: shape \(27, 28\)"),
        (np.zeros((2, 785), np.float32), r"Received: shape \(2, 785\)"),
        (np.zeros((), np.float32), r"Received: shape \(\)"),
        (np.zeros((2, 2, 28, 28), np.float32), r"Received: shape \(2, 2, 28, 28\)"),
        (np.zeros((28, 28, 1), np.float32), r"If it is one image, pass x.reshape\(28, 28\)\.$"),
        (np.zeros((1, 1, 28, 28), np.uint8), r"If it is one image, pass x.reshape\(28, 28\)\.$"),
        (
            np.zeros((5, 28, 28, 1), np.float32),
            r"If these are 5 images, pass x.reshape\(5, 28, 28\)",
        ),
        (np.zeros((0, 784), np.float32), "empty batch"),
        (np.zeros((0, 28, 28), np.uint8), "empty batch"),
    ],
)
def test_wrong_shapes_are_refused(model, x, message):
    with pytest.raises(ValueError, match=message):
        model.predict_proba(x)


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (IMAGE.astype(np.complex64), "dtype=complex64"),
        (
            IMAGE.astype(bool),
            r"dtype=bool\..*For booleans \(ink = True\) use x.astype\(np.float32\)",
        ),
        (IMAGE.astype(object), r"dtype=object\..*np.asarray\(x, dtype=np.float32\)"),
        (np.full((28, 28), "a"), "dtype=<U1"),
        (IMAGE.astype(bool).tolist(), "dtype=bool"),
        ([[0.5] * 28] * 27 + [[0.5] * 27], r"rows all have the same length.*a list"),
    ],
    ids=["complex", "bool", "object", "str", "bool-lists", "ragged-lists"],
)
def test_wrong_dtypes_are_refused(model, x, message):
    with pytest.raises(ValueError, match=message):
        model.predict_proba(x)


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_are_refused(model, value):
    x = IMAGE.copy()
    x[3, 4] = value
    with pytest.raises(ValueError, match="NaN or infinite"):
        model.predict_proba(x)


@pytest.mark.parametrize(
    ("value", "hint"), [(1.5, "divide by 255"), (-0.2, "from -0.2"), (255.0, "divide by 255")]
)
def test_out_of_range_floats_are_refused(model, value, hint):
    x = IMAGE.copy()
    x[0, 0] = value
    with pytest.raises(ValueError, match=hint):
        model.predict_proba(x)


def test_tiny_rounding_outside_unit_range_is_tolerated(model):
    x = IMAGE.copy()
    x[0, 0], x[0, 1] = 1 + 1e-7, -1e-7
    assert model.predict_proba(x).shape == (10,)


def test_input_is_not_modified(model):
    x = np.stack([IMAGE] * 300)
    before = x.copy()
    model.predict_proba(x)
    np.testing.assert_array_equal(x, before)


def test_concurrent_calls_from_threads_agree(model):
    rng = np.random.default_rng(5)
    batches = [rng.random((300, 784), dtype=np.float32) for _ in range(4)]
    expected = [model.forward(b) for b in batches]
    results: dict[int, np.ndarray] = {}

    def work(i: int) -> None:
        for _ in range(20):
            results[i] = model.predict_proba(batches[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, want in enumerate(expected):
        np.testing.assert_allclose(results[i], want, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        (0.0, True),
        (-0.0, True),
        (1.0, True),
        (1.00001, True),
        (1.00002, False),
        (-1e-9, True),
        (-2e-5, False),
        (1e-45, True),
        (np.float32(np.nextafter(np.float32(np.inf), np.float32(0))), False),
    ],
)
def test_range_check_boundaries(model, value, accepted):
    x = np.zeros((2, 784), np.float32)
    x[1, 100] = value
    if accepted:
        assert model.predict_proba(x).shape == (2, 10)
    else:
        with pytest.raises(ValueError, match="Expected float input in"):
            model.predict_proba(x)


def test_convert_leaves_the_range_check_of_a_float32_batch_to_the_caller():
    converter = InputConverter((784,))
    batch, single, checked = converter.convert(np.full((2, 784), 7.0, np.float32))
    assert (batch.shape, single, checked) == ((2, 784), False, False)
    with pytest.raises(ValueError, match="from 7 to 7"):
        check_unit_range(batch)
    assert converter.convert(np.zeros((28, 28), np.uint8))[1:] == (True, True)
    assert converter.convert(np.zeros((2, 784), np.float64))[2]
