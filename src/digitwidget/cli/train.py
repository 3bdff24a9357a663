"""``digitwidget train``: train on MNIST with Keras and export the engine's files."""

from __future__ import annotations

import argparse
import shlex
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from digitwidget.cli.args import (
    MNIST_TRAIN,
    PROG,
    CommandError,
    activation,
    integer,
    number,
    writable,
)

if TYPE_CHECKING:
    from digitwidget.train.config import TrainConfig

PRESET_PURPOSES = {
    "cnn": "the shipped default",
    "mlp": "the original design, shipped beside the CNN",
    "plain": "the baseline the others are measured against",
    "sigmoid": "the original design, with sigmoid hidden layers",
    "fast": "reaches about 98% quickly",
    "quick": "a few seconds, to try the command",
}
"""What each preset of :data:`digitwidget.train.PRESETS` is for; its settings are read from it."""


def _presets_help(presets: dict[str, TrainConfig]) -> str:
    """The presets as the train command's help lists them: what each is for and trains."""
    lines = ["presets (from MNIST's 60,000 training images; the options above override them):"]
    for name, c in presets.items():
        dense = "-".join(str(units) for units in (*c.hidden, 10))
        if c.architecture == "cnn":
            convolutions = ", ".join(f"conv {f} 3x3 + pool 2" for f in c.filters)
            layers = f"{convolutions}, dense {dense}"
        else:
            layers = f"784-{dense}"
        images = c.train_limit or MNIST_TRAIN - c.validation
        drawn = f" and {c.synthetic * 10:,} synthetic drawings" if c.synthetic else ""
        drawn += f" and {c.non_digits:,} drawings of no digit" if c.non_digits else ""
        settings = [
            f"{layers} {c.activation}, {c.epochs} epochs on {images:,} MNIST images{drawn} "
            f"({c.validation:,} more held out to pick the best epoch)",
            "augmented" if c.augment else "no augmentation",
            f"dropout {c.dropout:g}" if c.dropout else "no dropout",
            f"label smoothing {c.label_smoothing:g}" if c.label_smoothing else "",
            f"{'AdamW' if c.weight_decay else 'Adam'} with a {c.schedule} learning rate "
            f"peaking at {c.learning_rate:g}",
            "temperature-calibrated" if c.calibrate else "",
        ]
        text = f"{PRESET_PURPOSES.get(name, name)}: {', '.join(s for s in settings if s)}."
        lines.append(
            textwrap.fill(text, 88, initial_indent=f"  {name:<9}", subsequent_indent=" " * 11)
        )
    return "\n".join(lines)


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``train`` command and its arguments to the subcommands ``sub``."""
    from digitwidget.train import DISTRIBUTE, PRESETS

    p = sub.add_parser(
        "train",
        help="train a model on MNIST with Keras and export it",
        description="Train a network on MNIST with Keras and TensorFlow (install them "
        "with pip install 'digitwidget[train]') and write OUT.npz (engine format with "
        "provenance) and OUT.json (history). Options not given keep the preset's value.",
        epilog=_presets_help(PRESETS),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", required=True, metavar="PATH", help="output path, without suffix")
    p.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="cnn",
        help="recipe to start from (default: cnn; see the presets below)",
    )
    p.add_argument(
        "--epochs", type=integer(1, 10_000), metavar="N", help="passes over the training split"
    )
    p.add_argument(
        "--batch-size", type=integer(1, MNIST_TRAIN), metavar="N", help="global batch size"
    )
    p.add_argument(
        "--learning-rate", type=number(0, low_open=True), metavar="LR", help="peak learning rate"
    )
    p.add_argument(
        "--schedule", choices=["constant", "cosine", "onecycle"], help="learning-rate schedule"
    )
    p.add_argument(
        "--hidden",
        type=integer(1, 65_536),
        nargs="+",
        metavar="UNITS",
        help="hidden layer sizes, e.g. 128 256",
    )
    p.add_argument(
        "--activation",
        type=activation,
        metavar="NAME",
        help="hidden activation, e.g. relu or sigmoid",
    )
    rate = number(0, 1, high_open=True)
    p.add_argument(
        "--dropout", type=rate, metavar="RATE", help="dropout rate after each hidden layer"
    )
    p.add_argument(
        "--weight-decay", type=number(0), metavar="WD", help="AdamW weight decay (0 = Adam)"
    )
    p.add_argument(
        "--label-smoothing", type=rate, metavar="EPS", help="cross-entropy label smoothing"
    )
    p.add_argument("--no-augment", action="store_true", help="train on the images as they are")
    p.add_argument(
        "--synthetic",
        type=integer(0, 100_000),
        metavar="N",
        help="synthetic drawings per digit added to MNIST (0 for none)",
    )
    p.add_argument(
        "--non-digits",
        type=integer(0, 1_000_000),
        metavar="N",
        help="drawings of no digit (taps, blobs, scribbles) trained toward 'unsure'",
    )
    p.add_argument(
        "--no-calibrate",
        action="store_true",
        help="store no temperature (probabilities as trained)",
    )
    p.add_argument(
        "--validation",
        type=integer(1, MNIST_TRAIN - 1),
        metavar="N",
        help="training images held out to pick the best epoch",
    )
    p.add_argument(
        "--train-limit",
        type=integer(1, MNIST_TRAIN),
        metavar="N",
        help="use only N training images",
    )
    p.add_argument(
        "--seed", type=integer(0, 2**32 - 1), metavar="N", help="seed of every random choice"
    )
    p.add_argument("--keras", metavar="FILE", help="also keep the Keras model here (.keras)")
    p.add_argument(
        "--data",
        metavar="PATH",
        help="MNIST folder or mnist.npz (default: $DIGITWIDGET_MNIST, then the usual places)",
    )
    p.add_argument(
        "--distribute",
        choices=DISTRIBUTE,
        default="none",
        help="tf.distribute strategy: none (one device), mirrored (all local GPUs, else all "
        "logical CPUs) or multiworker (the cluster in TF_CONFIG; run the same command on "
        "every worker, the chief writes the files)",
    )
    p.add_argument(
        "--logical-cpus",
        type=integer(0, 1024),
        default=0,
        metavar="N",
        help="split the CPU into N devices",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _config(args: argparse.Namespace) -> TrainConfig:
    from digitwidget.train import PRESETS

    config = PRESETS[args.preset]
    names: tuple[str, ...] = ("epochs", "batch_size", "learning_rate", "schedule", "activation")
    names += ("dropout",)
    names += (
        "weight_decay",
        "label_smoothing",
        "validation",
        "train_limit",
        "synthetic",
        "non_digits",
        "seed",
    )
    changes = {n: getattr(args, n) for n in names if getattr(args, n) is not None}
    if args.hidden is not None:
        changes["hidden"] = tuple(args.hidden)
    if args.no_augment:
        changes["augment"] = None
    if args.no_calibrate:
        changes["calibrate"] = False
    return config.replace(**changes)


def _check_outputs(args: argparse.Namespace, config: TrainConfig) -> None:
    """Refuse, before training, what would only fail once it is over."""
    fitted = MNIST_TRAIN - config.validation
    if config.train_limit is not None:
        fitted = min(fitted, config.train_limit)
    if config.batch_size > fitted:
        msg = (
            f"--batch-size {config.batch_size} is larger than the {fitted:,} images trained on "
            "(after --validation and --train-limit); expected at most that many."
        )
        raise CommandError(msg)
    if args.keras is not None and not args.keras.endswith(".keras"):
        msg = f"--keras {args.keras}: expected a file name ending in .keras."
        raise CommandError(msg)
    out = args.out[: -len(".npz")] if args.out.endswith(".npz") else args.out
    if not Path(out).name or Path(out).name == "..":
        msg = f"--out {args.out!r}: expected a file path without suffix, e.g. models/mine."
        raise CommandError(msg)
    outputs = ((out + ".npz", "model"), (out + ".json", "history"), (args.keras, "Keras model"))
    for path, what in outputs:
        problem = path and writable(path, what, parents_made=True)
        if problem:
            raise CommandError(problem)


def run(args: argparse.Namespace, argv: list[str]) -> int:
    """Train and export; print where the files went and the test accuracy."""
    from digitwidget.data import find_mnist
    from digitwidget.train import require_train_extra, train_and_export

    config = _config(args)  # the options, the data and TensorFlow are checked before training
    _check_outputs(args, config)
    find_mnist(args.data)
    try:
        require_train_extra()
    except ImportError as err:
        raise CommandError(str(err)) from err
    result = train_and_export(
        config,
        args.out,
        keras_path=args.keras,
        command=shlex.join([PROG, *argv]),
        data_path=args.data,
        distribute=args.distribute,
        logical_cpus=args.logical_cpus,
        verbose=0 if args.quiet else "auto",
    )
    if result is None:
        print("trained as a non-chief worker; the chief writes the model")
        return 0
    info = result.info
    print(
        f"wrote {result.npz} and {result.history}"
        + (f" and {result.keras}" if result.keras else "")
    )
    print(
        f"best epoch {info['best_epoch']}, {info['seconds']:.1f} s on {info['replicas']} replica(s)"
    )
    print(
        f"test accuracy {result.test_accuracy:.4f}; engine vs Keras max |diff| {result.max_abs_diff:.2e}"
    )
    return 0
