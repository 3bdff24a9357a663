"""``digitwidget info``: a model's layers, shapes and provenance."""

from __future__ import annotations

import argparse

from digitwidget.cli.args import MODEL_HELP, load_model_arg


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``info`` command and its arguments to the subcommands ``sub``."""
    p = sub.add_parser("info", help="layers, shapes and provenance of a model")
    p.add_argument("model", nargs="?", metavar="MODEL", help=MODEL_HELP)


def run(args: argparse.Namespace) -> int:
    """Print the layers and the provenance of a model, whatever shape the file gave it."""
    from digitwidget.cli.provenance import metadata_lines, preview, printable

    model = load_model_arg(args.model)
    summary = str(model)
    for layer in model.layers:  # names come from the file: control characters escaped
        if not layer.name.isprintable():
            summary = summary.replace(layer.name, printable(layer.name))
    for line in summary.split("\n"):
        print(preview(line, 240))
    for line in metadata_lines(model.metadata):
        print(line)
    return 0
