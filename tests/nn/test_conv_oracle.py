"""Convolutional models against Keras 3 as the oracle (atol 1e-5).

Every layer's output, the probabilities, the saliency against GradientTape, models saved
after training, and the graphs and layouts the engine refuses. The model outputs and the
``.npz`` round trip of the same models are in ``test_keras_oracle.py``.
"""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from digitwidget.nn import ModelFileError, load_model

pytestmark = pytest.mark.tf
keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from tests.nn._keras_models import (  # noqa: E402
    SMALL_CNN_PARAMETERS,
    cnn_builders,
    keras_output,
    save_all,
    small_cnn,
    with_moving_statistics,
)

CASES = sorted(cnn_builders(keras))
L = keras.layers


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    return save_all(tmp_path_factory.mktemp("cnn_models"), cases=cnn_builders)


def _inputs(model, shape, seed=0, n=4):
    """``(engine input, keras input)``: [0, 1] floats, or 0..255 for a model reading bytes."""
    x = np.random.default_rng(seed).random((n, *shape), dtype=np.float32)
    if model.metadata["input_scale"] == "byte":
        x = np.round(x * 255)
        return x.astype(np.uint8), x
    return x, x


def _ends_in_softmax(keras_model):
    last = [layer for layer in keras_model.layers if not isinstance(layer, L.Dropout)][-1]
    activation = getattr(last, "activation", None)
    return last if activation is not None and activation.__name__ == "softmax" else None


def test_small_cnn_has_the_classic_parameter_count(saved):
    path, keras_model, _ = saved["cnn_small"]
    model = load_model(path)
    assert keras_model.count_params() == SMALL_CNN_PARAMETERS == 421_642
    assert model.num_parameters == SMALL_CNN_PARAMETERS
    assert [type(layer).__name__ for layer in model.layers if not layer.is_identity] == [
        "Conv2D",
        "MaxPooling2D",
        "Conv2D",
        "MaxPooling2D",
        "Flatten",
        "Dense",
        "Dense",
    ]
    assert model.input_shape == (28, 28, 1)


@pytest.mark.parametrize("case", CASES)
def test_every_layer_output_matches_keras(saved, case):
    """Each layer's output against Keras's, so that a failure names the first wrong layer."""
    path, keras_model, shape = saved[case]
    model = load_model(path)
    x, keras_x = _inputs(model, shape)
    _, activations = model.forward(x, return_activations=True)
    names = [name for name in activations if name in {la.name for la in keras_model.layers}]
    assert len(names) >= len(model.layers) - 1  # all but an InputLayer a Sequential hides
    probe = keras.Model(keras_model.inputs[0], [keras_model.get_layer(n).output for n in names])
    expected = probe(keras_x, training=False)
    for name, want in zip(names, expected, strict=True):
        np.testing.assert_allclose(activations[name], want, atol=1e-5, err_msg=name)


@pytest.mark.parametrize("case", CASES)
def test_probabilities_match_keras_for_a_batch_and_one_image(saved, case):
    """``predict_proba`` runs the preallocated workspace, not ``forward``."""
    path, keras_model, shape = saved[case]
    model = load_model(path)
    x, keras_x = _inputs(model, shape, seed=2)
    expected = keras_output(keras_model, keras_x)
    if _ends_in_softmax(keras_model) is None:
        expected = np.asarray(keras.activations.softmax(expected))
    np.testing.assert_allclose(model.predict_proba(x), expected, atol=1e-5)
    np.testing.assert_allclose(model.predict_proba(x[1]), expected[1], atol=1e-5)
    np.testing.assert_array_equal(model.predict(x), np.argmax(expected, axis=1))


@pytest.mark.parametrize("case", CASES)
def test_saliency_matches_gradient_tape(saved, case):
    """``d logit / d pixel`` of a chosen class per image, through every layer's backward."""
    path, keras_model, shape = saved[case]
    model = load_model(path)
    x, keras_x = _inputs(model, shape, seed=3, n=3)
    targets = np.array([0, 4, 9])
    softmax_layer = _ends_in_softmax(keras_model)
    inputs = tf.Variable(keras_x)
    kept = getattr(softmax_layer, "activation", None)
    try:  # the logits: Keras's last layer without its softmax, as the engine's saliency
        if softmax_layer is not None:
            softmax_layer.activation = keras.activations.linear
        with tf.GradientTape() as tape:
            logits = keras_model(inputs, training=False)
            score = tf.reduce_sum(tf.gather(logits, targets, axis=1, batch_dims=1))
        expected = np.asarray(tape.gradient(score, inputs))
    finally:
        if softmax_layer is not None:
            softmax_layer.activation = kept
    if model.metadata["input_scale"] == "byte":
        expected = expected * 255.0  # per unit of ink, as the engine states it
    found = model.saliency(x, targets)
    assert found.shape == x.shape
    scale = float(np.max(np.abs(expected)))  # 0.001 to 0.2 here; they agree to 1e-6 of it
    assert scale > 0
    np.testing.assert_allclose(found, expected, atol=1e-5 * scale)


def _random_digits(n=64, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 28, 28, 1), dtype=np.float32), rng.integers(0, 10, n)


def _bn_cnn():
    return keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            L.Conv2D(8, 3, bias_initializer="random_normal"),
            L.BatchNormalization(),
            L.ReLU(),
            L.MaxPooling2D(2),
            L.Flatten(),
            L.Dense(10, activation="softmax"),
        ]
    )


@pytest.mark.parametrize(
    ("optimizer", "build"),
    [
        ("AdamW", lambda: small_cnn(keras)),
        ("Adam", lambda: small_cnn(keras)),
        ("AdamW", _bn_cnn),
    ],
    ids=["AdamW-small-cnn", "Adam-small-cnn", "AdamW-batch-norm"],
)
def test_model_saved_after_fit_loads_and_matches_keras(optimizer, build, tmp_path):
    """A trained model's file holds the optimizer's state too, which the engine skips."""
    keras.utils.set_random_seed(0)
    keras_model = build()
    keras_model.compile(
        getattr(keras.optimizers, optimizer)(1e-3), "sparse_categorical_crossentropy"
    )
    images, labels = _random_digits()
    keras_model.fit(images, labels, batch_size=16, epochs=1, verbose=0)
    keras_model.save(tmp_path / "trained.keras")
    with zipfile.ZipFile(tmp_path / "trained.keras") as archive:
        assert b"optimizer" in archive.read("model.weights.h5")
    for layer in keras_model.layers:
        if isinstance(layer, L.BatchNormalization):  # the fit moved the statistics
            assert np.all(np.asarray(layer.moving_mean) != 0)
    model = load_model(tmp_path / "trained.keras")
    x = _random_digits(16, seed=1)[0]
    expected = keras_output(keras_model, x)
    np.testing.assert_allclose(model.forward(x), expected, atol=1e-5)
    np.testing.assert_allclose(model.predict_proba(x), expected, atol=1e-5)
    model.save(tmp_path / "trained.npz")
    again = load_model(tmp_path / "trained.npz")
    np.testing.assert_array_equal(again.forward(x), model.forward(x))
    np.testing.assert_array_equal(again.predict_proba(x), model.predict_proba(x))


def _skip_connection():
    inputs = keras.Input((28, 28, 1), name="pixels")
    stem = L.Conv2D(4, 3, padding="same", name="stem")(inputs)
    branch = L.Conv2D(4, 3, padding="same", name="branch")(stem)
    joined = L.Add(name="join_here")([stem, branch])
    outputs = L.Dense(10, "softmax", name="head")(L.Flatten(name="flat")(joined))
    return keras.Model(inputs, outputs)


def _two_inputs():
    first = keras.Input((28, 28, 1), name="first_image")
    second = keras.Input((28, 28, 1), name="second_image")
    a = L.Conv2D(4, 3, name="conv_first")(first)
    b = L.Conv2D(4, 3, name="conv_second")(second)
    merged = L.Add(name="merge_here")([a, b])
    outputs = L.Dense(10, "softmax", name="head")(L.Flatten(name="flat")(merged))
    return keras.Model([first, second], outputs)


def _two_outputs():
    inputs = keras.Input((28, 28, 1), name="pixels")
    trunk = L.Flatten(name="trunk")(L.Conv2D(4, 3, name="conv")(inputs))
    head_a = L.Dense(10, "softmax", name="head_a")(trunk)
    head_b = L.Dense(10, "softmax", name="head_b")(trunk)
    return keras.Model(inputs, [head_a, head_b])


@pytest.mark.parametrize(
    ("build", "where"),
    [
        (_skip_connection, {"stem", "join_here"}),
        (_two_inputs, {"second_image", "conv_second", "merge_here"}),
        (_two_outputs, {"trunk", "head_b"}),
    ],
    ids=["skip-connection", "two-inputs", "two-outputs"],
)
def test_a_branching_graph_is_refused_naming_where_it_branches(build, where, tmp_path):
    build().save(tmp_path / "branching.keras")
    with pytest.raises(ModelFileError) as info:
        load_model(tmp_path / "branching.keras")
    message = str(info.value)
    assert any(f"'{name}'" in message for name in where), message


@pytest.mark.parametrize(
    "layer",
    [
        lambda: L.Conv2D(4, 3, data_format="channels_first", name="odd_layout"),
        lambda: L.DepthwiseConv2D(3, data_format="channels_first", name="odd_layout"),
        lambda: L.SeparableConv2D(4, 3, data_format="channels_first", name="odd_layout"),
        lambda: L.MaxPooling2D(2, data_format="channels_first", name="odd_layout"),
        lambda: L.AveragePooling2D(2, data_format="channels_first", name="odd_layout"),
        lambda: L.GlobalAveragePooling2D(data_format="channels_first", name="odd_layout"),
        lambda: L.GlobalMaxPooling2D(data_format="channels_first", name="odd_layout"),
        lambda: L.ZeroPadding2D(1, data_format="channels_first", name="odd_layout"),
    ],
    ids=[
        "Conv2D",
        "DepthwiseConv2D",
        "SeparableConv2D",
        "MaxPooling2D",
        "AveragePooling2D",
        "GlobalAveragePooling2D",
        "GlobalMaxPooling2D",
        "ZeroPadding2D",
    ],
)
def test_a_channels_first_layer_is_refused(layer, tmp_path):
    model = keras.Sequential(
        [keras.Input((2, 12, 12)), layer(), L.Flatten(), L.Dense(10, "softmax")]
    )
    model.save(tmp_path / "channels_first.keras")
    with pytest.raises(ModelFileError, match="channels_first") as info:
        load_model(tmp_path / "channels_first.keras")
    assert "odd_layout" in str(info.value)


@pytest.mark.parametrize("axis", [1, 2, -3])
def test_batch_norm_over_another_axis_than_the_channels_is_refused(axis, tmp_path):
    """Normalising along H or W is not what the engine's channel statistics compute."""
    keras.Sequential(
        [
            keras.Input((6, 5, 3)),
            L.BatchNormalization(axis=axis, name="norm_rows"),
            L.Flatten(),
            L.Dense(10, "softmax"),
        ]
    ).save(tmp_path / "axis.keras")
    with pytest.raises(ModelFileError, match="axis") as info:
        load_model(tmp_path / "axis.keras")
    assert "norm_rows" in str(info.value)


def test_batch_norm_with_a_positive_channel_axis_loads(tmp_path):
    """``axis=3`` of a (6, 5, 3) image is the last axis, as Keras's default ``-1``."""
    keras.utils.set_random_seed(0)
    keras_model = with_moving_statistics(
        keras.Sequential(
            [
                keras.Input((6, 5, 3)),
                L.BatchNormalization(axis=3),
                L.Flatten(),
                L.Dense(10, "softmax", bias_initializer="random_normal"),
            ]
        )
    )
    keras_model.save(tmp_path / "axis.keras")
    x = np.random.default_rng(1).random((4, 6, 5, 3), dtype=np.float32)
    found = load_model(tmp_path / "axis.keras").forward(x)
    np.testing.assert_allclose(found, keras_output(keras_model, x), atol=1e-5)


def test_batch_norm_renorm_is_refused(tmp_path):
    keras.Sequential(
        [
            keras.Input((6, 6, 2)),
            L.BatchNormalization(renorm=True, name="renormed"),
            L.Flatten(),
            L.Dense(10, "softmax"),
        ]
    ).save(tmp_path / "renorm.keras")
    with pytest.raises(ModelFileError, match="renorm") as info:
        load_model(tmp_path / "renorm.keras")
    assert "renormed" in str(info.value)
