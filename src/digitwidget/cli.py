"""The ``digitwidget`` command: train, evaluate, predict and inspect digit models.

Examples:
    digitwidget predict my_digit.png
    digitwidget train --preset fast --out mymodel
    digitwidget evaluate mymodel.npz --plot confusion.png
    digitwidget info mymodel.npz
"""

from __future__ import annotations

import argparse
import shlex
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from digitwidget._cli_args import MNIST_TRAIN, activation, integer, number, writable

PROG = "digitwidget"
EPILOG = """examples:
  digitwidget predict seven.png three.jpg   # drawings, scans and photos of ink on paper
  digitwidget info                          # the shipped model: layers and provenance
  digitwidget evaluate                      # the shipped model on the MNIST test set
  digitwidget train --preset fast --out mymodel   # writes mymodel.npz and mymodel.json
  digitwidget evaluate mymodel.npz --plot cm.png
  digitwidget predict --model mymodel.npz seven.png
  digitwidget train --preset quick --epochs 3 --keras quick.keras --out quick

training needs the train extra (pip install 'digitwidget[train]') and MNIST;
see digitwidget train --help."""

PRESET_PURPOSES = {
    "default": "the shipped model",
    "plain": "the baseline the others are measured against",
    "sigmoid": "the original design, with sigmoid hidden layers",
    "fast": "reaches about 98% quickly",
    "quick": "a few seconds, to try the command",
}
"""What each preset of :data:`digitwidget.train.PRESETS` is for; its settings are read from it."""


class CommandError(Exception):
    """A problem the user can fix; printed as one line, no traceback."""


def _presets_help(presets: dict[str, Any]) -> str:
    """The presets as the train command's help lists them: what each is for and trains."""
    lines = ["presets (from MNIST's 60,000 training images; the options above override them):"]
    for name, c in presets.items():
        layers = "-".join(str(units) for units in (784, *c.hidden, 10))
        images = c.train_limit or MNIST_TRAIN - c.validation
        settings = [
            f"{layers} {c.activation}, {c.epochs} epochs on {images:,} images "
            f"({c.validation:,} more held out to pick the best epoch)",
            "augmented" if c.augment else "no augmentation",
            f"dropout {c.dropout:g}" if c.dropout else "no dropout",
            f"label smoothing {c.label_smoothing:g}" if c.label_smoothing else "",
            f"{'AdamW' if c.weight_decay else 'Adam'} with a {c.schedule} learning rate "
            f"peaking at {c.learning_rate:g}",
        ]
        text = f"{PRESET_PURPOSES.get(name, name)}: {', '.join(s for s in settings if s)}."
        lines.append(
            textwrap.fill(text, 88, initial_indent=f"  {name:<9}", subsequent_indent=" " * 11)
        )
    return "\n".join(lines)


def _train_parser(sub: Any) -> None:
    from digitwidget.train import DISTRIBUTE, PRESETS

    p = sub.add_parser(
        "train",
        help="train a model on MNIST with Keras and export it",
        description="Train the dense network on MNIST with Keras and TensorFlow (install them "
        "with pip install 'digitwidget[train]') and write OUT.npz (engine format with "
        "provenance) and OUT.json (history). Options not given keep the preset's value.",
        epilog=_presets_help(PRESETS),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--out", required=True, metavar="PATH", help="output path, without suffix")
    p.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="default",
        help="recipe to start from (default: default; see the presets below)",
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


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for all subcommands."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Handwritten-digit models: train with Keras, run with the NumPy engine.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from digitwidget import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _train_parser(sub)
    model_help = "a .npz or .keras model file (default: the shipped model)"
    p = sub.add_parser("evaluate", help="accuracy and confusion matrix on the MNIST test set")
    p.add_argument("model", nargs="?", metavar="MODEL", help=model_help)
    p.add_argument("--data", metavar="PATH", help="MNIST folder or mnist.npz")
    p.add_argument("--plot", metavar="FILE.png", help="save the confusion matrix as an image")
    p = sub.add_parser("predict", help="recognise digits in PNG/JPEG images")
    p.add_argument(
        "images", nargs="+", metavar="IMAGE", help="image files (light or dark background)"
    )
    p.add_argument("--model", metavar="MODEL", help=model_help)
    p = sub.add_parser("info", help="layers, shapes and provenance of a model")
    p.add_argument("model", nargs="?", metavar="MODEL", help=model_help)
    return parser


def _config(args: argparse.Namespace) -> Any:
    from digitwidget.train import PRESETS

    config = PRESETS[args.preset]
    names = ("epochs", "batch_size", "learning_rate", "schedule", "activation", "dropout")
    names += ("weight_decay", "label_smoothing", "validation", "train_limit", "seed")
    changes = {n: getattr(args, n) for n in names if getattr(args, n) is not None}
    if args.hidden is not None:
        changes["hidden"] = tuple(args.hidden)
    if args.no_augment:
        changes["augment"] = None
    return config.replace(**changes)


def _check_outputs(args: argparse.Namespace, config: Any) -> None:
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


def cmd_train(args: argparse.Namespace, argv: list[str]) -> int:
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


def _load(path: str | None) -> Any:
    """The model in ``path`` (None: the shipped one); any failure is one line naming the file."""
    from digitwidget._files import open_regular
    from digitwidget.nn import load_model

    if path is None:
        return load_model()
    try:
        open_regular(path, "model file").close()  # a folder, a pipe, no permission: said here
        return load_model(path)
    except FileNotFoundError:
        msg = f"model file not found: {path} (expected a .npz or .keras file)"
        raise CommandError(msg) from None
    except ValueError as err:  # ModelFileError and open_regular's messages name the file
        raise CommandError(str(err)) from None
    except Exception as err:  # a reader's unforeseen failure on a damaged file
        msg = f"{path} is not a readable model file: {type(err).__name__}: {err}"
        raise CommandError(msg) from None


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Print accuracy, per-class accuracy and the confusion matrix."""
    from digitwidget.data import load_mnist

    plot = _plot_path(args.plot) if args.plot else None  # refused before the work
    model = _load(args.model)
    _, (x_test, y_test) = load_mnist(args.data)
    predicted = np.asarray(model.predict(x_test))
    cm = np.zeros((10, 10), dtype=np.int64)
    np.add.at(cm, (y_test.astype(np.int64), predicted), 1)
    print(f"accuracy {np.trace(cm) / cm.sum():.4f} on {cm.sum()} MNIST test images")
    print("true\\pred " + " ".join(f"{j:>5d}" for j in range(10)) + "  class accuracy")
    for i, row in enumerate(cm):
        print(
            f"{i:>9d} " + " ".join(f"{v:>5d}" for v in row) + f"  {row[i] / max(row.sum(), 1):.4f}"
        )
    if plot is not None:
        from digitwidget.plots import plot_confusion_matrix

        try:
            plot_confusion_matrix(cm).savefig(plot, dpi=100, format=plot.suffix[1:].lower())
        except OSError as err:
            msg = f"cannot write the plot to {plot}: {err.strerror or err}"
            raise CommandError(msg) from None
        print(f"wrote {plot}")
    return 0


def _plot_path(text: str) -> Path:
    """The file ``--plot`` names, refused unless it can be written in a format matplotlib knows."""
    from matplotlib.backend_bases import FigureCanvasBase

    formats = sorted(FigureCanvasBase.get_supported_filetypes())
    path = Path(text)
    suffix = path.suffix[1:].lower()
    if path.is_dir() or not path.name:
        msg = (
            f"--plot {text} is a folder; expected an image file name, e.g. {path / 'confusion.png'}"
        )
        raise CommandError(msg)
    if suffix not in formats:
        received = f"the suffix .{suffix}" if suffix else "no suffix"
        msg = (
            f"--plot {text}: expected a file name ending in the image format, one of "
            f"{', '.join('.' + f for f in formats)}; received {received}."
        )
        raise CommandError(msg)
    problem = writable(text, "plot", parents_made=False)
    if problem:
        raise CommandError(problem)
    return path


def cmd_predict(args: argparse.Namespace) -> int:
    """Print the digit and its probabilities for each image; an unreadable one is skipped."""
    from digitwidget.images import canvas_from_image
    from digitwidget.preprocess import preprocess

    model = _load(args.model)
    failed = 0
    for path in args.images:
        try:
            canvas = canvas_from_image(path)
        except (OSError, ValueError, MemoryError) as err:  # its message names the file
            failed += _report(str(err) if path in str(err) else f"{path}: {err!r}")
            continue
        try:
            x28 = preprocess(canvas)
        except ValueError as err:
            failed += _report(f"{path}: {err}")
            continue
        if x28 is None:
            print(f"{path}: blank (no ink found)")
            continue
        probs = np.asarray(model.predict_proba(x28))
        digit = int(np.argmax(probs))
        listing = " ".join(f"{i}:{p:.3f}" for i, p in enumerate(probs))
        print(f"{path}: {digit} ({probs[digit]:.1%})  [{listing}]")
    return 1 if failed else 0


def _report(message: str) -> int:
    """Print one image's error on stderr and go on with the next; returns 1 (one failure)."""
    print(f"{PROG} predict: error: {message}", file=sys.stderr)
    return 1


def cmd_info(args: argparse.Namespace) -> int:
    """Print the layers and the provenance of a model, whatever shape the file gave it."""
    from digitwidget._provenance_text import metadata_lines, preview, printable

    model = _load(args.model)
    summary = str(model)
    for layer in model.layers:  # names come from the file: control characters escaped
        if not layer.name.isprintable():
            summary = summary.replace(layer.name, printable(layer.name))
    for line in summary.split("\n"):
        print(preview(line, 240))
    for line in metadata_lines(model.metadata):
        print(line)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit status (0 on success)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        if args.command == "train":
            return cmd_train(args, argv)
        return {"evaluate": cmd_evaluate, "predict": cmd_predict, "info": cmd_info}[args.command](
            args
        )
    except BrokenPipeError:
        sys.stderr.close()
        return 1
    except (CommandError, OSError, ValueError, RuntimeError, MemoryError) as err:
        message = " ".join(str(err).split()) or type(err).__name__
        print(f"{PROG} {args.command}: error: {message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
