"""The layer contract: each layer says everything about itself, and nothing else asks its class.

Also the one pass (``Model.explain``) that gives what three separate calls give.
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

import digitwidget
from digitwidget.nn import (
    Activation,
    AveragePooling2D,
    BatchNormalization,
    Conv2D,
    Dense,
    DepthwiseConv2D,
    Dropout,
    Flatten,
    GlobalAveragePooling2D,
    GlobalMaxPooling2D,
    InputLayer,
    Layer,
    LeakyReLU,
    MaxPooling2D,
    Model,
    ReLU,
    Rescaling,
    Reshape,
    SeparableConv2D,
    Softmax,
    ZeroPadding2D,
    load_model,
)
from digitwidget.nn.files.registry import LAYER_CLASSES
from digitwidget.nn.saliency import saliency
from tests.nn.test_backward import CASES, Case

SRC = Path(digitwidget.__file__).parent
LAYER_MODULES = SRC / "nn" / "layers"


def _layer_class_names() -> set[str]:
    found, todo = set(), [Layer]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo += cls.__subclasses__()
    return found | set(LAYER_CLASSES)


def _names(node: ast.expr) -> list[str]:
    """The class names a type argument such as ``Dense``, ``nn.Dense`` or ``(A, B | C)`` holds."""
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, ast.Attribute):
        return [node.attr]
    if isinstance(node, ast.BinOp):
        return _names(node.left) + _names(node.right)
    if isinstance(node, ast.Tuple):
        return [name for item in node.elts for name in _names(item)]
    return []


def class_checks(source: str, classes: set[str]) -> list[tuple[int, str]]:
    """``(line, class)`` for every ``isinstance``/``issubclass`` against one of ``classes``
    and every ``x is C`` / ``x == C`` comparison with one of them."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in (
            "isinstance",
            "issubclass",
        ):
            kinds = _names(node.args[1]) if len(node.args) == 2 else []
        elif isinstance(node, ast.Compare) and any(
            isinstance(op, ast.Is | ast.IsNot | ast.Eq | ast.NotEq) for op in node.ops
        ):
            kinds = [name for part in (node.left, *node.comparators) for name in _names(part)]
        else:
            continue
        found += [(node.lineno, kind) for kind in kinds if kind in classes]
    return found


def test_the_class_check_finder_finds_what_it_looks_for():
    source = "isinstance(a, Dense | nn.Flatten)\nissubclass(c, (Layer, int))\ncls is not Dropout\nx is None\n"
    assert class_checks(source, _layer_class_names()) == [
        (1, "Dense"),
        (1, "Flatten"),
        (2, "Layer"),
        (3, "Dropout"),
    ]


def test_no_module_outside_the_layers_asks_a_layer_its_class():
    classes = _layer_class_names()
    assert {"Dense", "Flatten", "Activation", "Softmax", "Layer"} <= classes
    offenders = [
        f"{path.relative_to(SRC)}:{line}: {kind}"
        for path in sorted(SRC.rglob("*.py"))
        if LAYER_MODULES not in path.parents
        for line, kind in class_checks(path.read_text(encoding="utf-8"), classes)
    ]
    assert offenders == []


def test_every_registered_layer_class_says_what_kind_of_layer_it_is():
    kinds = {name: cls.kind for name, cls in LAYER_CLASSES.items()}
    assert set(kinds.values()) == {
        "conv",
        "pool",
        "dense",
        "norm",
        "activation",
        "padding",
        "other",
    }
    assert {n for n, k in kinds.items() if k == "conv"} == {
        "Conv2D",
        "DepthwiseConv2D",
        "SeparableConv2D",
    }
    assert {n for n, k in kinds.items() if k == "dense"} == {"Dense"}
    assert {n for n, k in kinds.items() if k == "norm"} == {"BatchNormalization"}
    assert {n for n, k in kinds.items() if k == "padding"} == {"ZeroPadding2D"}
    assert {n for n, k in kinds.items() if k == "other"} == {
        "InputLayer",
        "Dropout",
        "Flatten",
        "Reshape",
        "Rescaling",
    }


def test_every_registered_layer_class_has_backward_tests():
    tested = {type(case.make()).__name__ for case in CASES.values()}
    assert tested == set(LAYER_CLASSES)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_a_layer_states_its_weights_shapes_and_parameters(case: Case):
    layer = case.make()
    config = layer.get_config()
    shapes = type(layer).weight_shapes(config, case.shape)
    assert list(shapes.items()) == [(name, w.shape) for name, w in layer.weights.items()]
    assert set(shapes) <= set(layer.weight_names)
    assert type(layer).compute_output_shape(config, case.shape) == layer.build(case.shape)
    assert layer.num_parameters == sum(w.size for w in layer.weights.values())


def test_dense_weight_shapes_follow_use_bias_in_keras_order():
    assert Dense.weight_shapes({"units": 3}, (784,)) == {"kernel": (784, 3), "bias": (3,)}
    assert Dense.weight_shapes({"units": 3, "use_bias": False}, (2, 8)) == {"kernel": (8, 3)}
    with pytest.raises(ValueError, match="Dense 'big' needs units between 1 and 65,536"):
        Dense.weight_shapes({"units": 1 << 20, "name": "big"}, (784,))


@pytest.mark.parametrize(
    ("layer", "facts"),
    [
        (InputLayer("i", (4,)), {"is_identity", "declared_shape"}),
        (Dropout("d", 0.5), {"is_identity"}),
        (Flatten("f"), {"only_reshapes"}),
        (Rescaling("r", 1 / 255), {"is_preprocessing", "reads_bytes"}),
        (Rescaling("r", 2.0), {"is_preprocessing"}),
        (Dense("d", np.ones((2, 2)), None, "relu"), set()),
        (Activation("a", "tanh"), set()),
        (Reshape("r", (28, 28, 1)), {"only_reshapes"}),
        (ZeroPadding2D("z", 1), set()),
        (Conv2D("c", np.ones((3, 3, 1, 2))), set()),
        (MaxPooling2D("m"), set()),
        (GlobalAveragePooling2D("g"), set()),
        (BatchNormalization("bn", np.zeros(2), np.ones(2)), set()),
    ],
)
def test_layers_state_the_facts_the_engine_asks(layer: Layer, facts: set[str]):
    asked = ("is_identity", "only_reshapes", "is_preprocessing", "reads_bytes", "declared_shape")
    assert {fact for fact in asked if getattr(layer, fact)} == facts


@pytest.mark.parametrize(
    ("layer", "negative"),
    [
        (Dense("d", np.ones((2, 2)), None, "relu"), False),
        (Dense("d", np.ones((2, 2)), None, "tanh"), True),
        (ReLU("r"), False),
        (ReLU("r", threshold=-0.5), True),
        (LeakyReLU("l"), True),
        (Softmax("s"), False),
        (Flatten("f"), True),  # it passes on whatever it gets
        (Conv2D("c", np.ones((3, 3, 1, 2)), None, "relu"), False),
        (Conv2D("c", np.ones((3, 3, 1, 2)), None, "tanh"), True),
        (DepthwiseConv2D("d", np.ones((3, 3, 1, 2))), True),
        (BatchNormalization("bn", np.zeros(2), np.ones(2)), True),
    ],
)
def test_a_layer_says_whether_its_output_can_be_negative(layer: Layer, negative: bool):
    assert layer.can_be_negative is negative


def test_without_activation_ends_at_the_pre_activation_and_shares_the_weights():
    layer = Dense("d", np.array([[1.0, -2.0], [3.0, -4.0]]), np.array([5.0, -6.0]), "softmax")
    twin = layer.without_activation()
    assert twin.kernel is layer.kernel
    assert twin.bias is layer.bias
    np.testing.assert_array_equal(twin(np.array([[-1.0, 2.0]])), [[10.0, -12.0]])
    assert layer.activation.name == "softmax", "the layer itself is unchanged"
    assert Flatten("f").without_activation().name == "f"
    linear = Dense("d", np.ones((2, 2)))
    assert linear.without_activation() is linear


def _models() -> dict[str, Model]:
    rng = np.random.default_rng(0)

    def dense(n_in: int, n_out: int, act: str | None = None) -> Dense:
        return Dense(
            f"d{n_in}_{n_out}", rng.normal(0, 0.3, (n_in, n_out)), rng.normal(0, 0.1, n_out), act
        )

    image = InputLayer("image", (28, 28))
    return {
        "shipped": load_model(),
        "logits": Model([image, Flatten("f"), dense(784, 16, "gelu"), dense(16, 10)]),
        "softmax-layer": Model(
            [
                InputLayer("x", (784,)),
                dense(784, 12),
                ReLU("r", 0.9, 0.1),
                dense(12, 10),
                Softmax("s"),
            ]
        ),
        "bytes": Model(
            [image, Rescaling("r", 1 / 255), Flatten("f"), dense(784, 10, "softmax")],
            metadata={"input_scale": "byte"},
        ),
        "trailing-dropout": Model(
            [image, Flatten("f"), dense(784, 10, "softmax"), Dropout("out", 0.2)]
        ),
        "cnn": Model(
            [
                image,
                Reshape("channel", (28, 28, 1)),
                ZeroPadding2D("pad", ((1, 0), (0, 1))),
                Conv2D(
                    "conv",
                    rng.normal(0, 0.3, (3, 3, 1, 4)),
                    rng.normal(0, 0.1, 4),
                    "relu",
                    strides=2,
                    padding="same",
                ),
                BatchNormalization(
                    "bn",
                    rng.normal(0, 0.3, 4),
                    rng.uniform(0.5, 2, 4),
                    rng.normal(1, 0.3, 4),
                    rng.normal(0, 0.3, 4),
                ),
                MaxPooling2D("max", 2, padding="same"),
                DepthwiseConv2D(
                    "depthwise", rng.normal(0, 0.3, (3, 3, 4, 2)), None, "tanh", padding="same"
                ),
                SeparableConv2D(
                    "separable",
                    rng.normal(0, 0.3, (3, 3, 8, 1)),
                    rng.normal(0, 0.3, (1, 1, 8, 6)),
                    rng.normal(0, 0.1, 6),
                    "gelu",
                ),
                AveragePooling2D("avg", 2, strides=1, padding="same"),
                GlobalMaxPooling2D("global"),
                dense(6, 10, "softmax"),
            ]
        ),
        "cnn-logits": Model(
            [
                image,
                Reshape("channel", (28, 28, 1)),
                Conv2D("conv", rng.normal(0, 0.3, (3, 3, 1, 4)), None, "relu", dilation_rate=2),
                AveragePooling2D("avg", 3),
                GlobalAveragePooling2D("global", keepdims=True),
                Flatten("f"),
                dense(4, 10),
            ]
        ),
    }


@pytest.mark.parametrize("name", list(_models()))
def test_explain_gives_exactly_what_the_separate_calls_give(name: str):
    model = _models()[name]
    for seed in range(3):
        image = np.random.default_rng(seed).random((28, 28), dtype=np.float32)
        probabilities, activations, grad = model.explain(image)
        # predict_proba runs layers rewritten for speed (BN folded, Winograd): the same
        # function, rounded differently.
        np.testing.assert_allclose(probabilities, model.predict_proba(image), rtol=1e-5, atol=1e-7)
        _, expected = model.forward(image, return_activations=True)
        assert list(activations) == list(expected)
        for layer, values in expected.items():
            np.testing.assert_array_equal(activations[layer], values, err_msg=layer)
        target = int(np.argmax(probabilities))
        np.testing.assert_array_equal(grad, saliency(model, image, target))
        np.testing.assert_array_equal(grad, model.saliency(image))


def test_explain_of_a_batch_is_each_image_explained_alone():
    model = _models()["softmax-layer"]
    images = np.random.default_rng(5).random((3, 784), dtype=np.float32)
    batch = model.explain(images, target=2, score="probability")
    for i, image in enumerate(images):
        one = model.explain(image, target=2, score="probability")
        np.testing.assert_array_equal(batch.probabilities[i], one.probabilities)
        np.testing.assert_array_equal(batch.saliency[i], one.saliency)
        for layer, values in one.activations.items():
            np.testing.assert_array_equal(batch.activations[layer][i], values)
