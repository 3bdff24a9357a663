"""The independent evaluation set (bench/independent.py): it builds, is balanced, its images
are valid model inputs, the shipped model reads it far better than chance, and nothing in
the package reaches for it."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from bench.independent import SOURCES, independent_set, provenance, source_of
from digitwidget import load_model

SRC = Path(__file__).resolve().parents[1] / "src"
PREFIXES = {source.prefix for source in SOURCES}


@pytest.fixture(scope="module")
def built() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return independent_set(seed=0)


def test_builds_valid_model_inputs(built):
    images, labels, styles = built
    assert images.ndim == 3
    assert images.shape[1:] == (28, 28)
    assert images.dtype == np.float32
    assert 1_000 <= len(images) <= 3_000
    assert len(labels) == len(styles) == len(images)
    assert np.isfinite(images).all()
    assert images.min() >= 0.0
    assert images.max() <= 1.0
    # Not blank: every image has full-strength ink and a digit's worth of it.
    assert (images.max(axis=(1, 2)) > 0.99).all()
    assert ((images > 0.5).sum(axis=(1, 2)) >= 20).all()


def test_balanced_per_digit_within_every_source(built):
    _, labels, styles = built
    assert set(labels.tolist()) == set(range(10))
    assert len(set(np.bincount(labels, minlength=10).tolist())) == 1
    sources = np.asarray([source_of(s) for s in styles])
    assert set(sources.tolist()) == PREFIXES
    for prefix in PREFIXES:
        counts = np.bincount(labels[sources == prefix], minlength=10)
        assert len(set(counts.tolist())) == 1, (prefix, counts)


def test_shipped_model_reads_it_far_better_than_chance(built):
    images, labels, styles = built
    predicted = np.asarray(load_model().predict(images))
    assert np.mean(predicted == labels) > 0.7
    # A source rendered wrong (mirrored, upside down, cut off) reads near chance (10%).
    sources = np.asarray([source_of(s) for s in styles])
    for prefix in PREFIXES:
        mask = sources == prefix
        assert np.mean(predicted[mask] == labels[mask]) > 0.5, prefix


def test_provenance_names_every_source_with_its_installed_version():
    rows = provenance()
    assert {row["prefix"] for row in rows} == PREFIXES
    for row in rows:
        assert row["version"][0].isdigit(), row
        assert row["license"], row


def test_the_package_never_imports_the_evaluation_set_or_its_sources():
    """An evaluation set stops measuring anything once training can see it."""
    banned = ("bench", "sklearn")
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            else:
                continue
            assert not [n for n in names if n.split(".")[0] in banned], (path, names)
        for source in ("hersheytext", "@fontsource", "load_digits", "digits.csv"):
            assert source not in text, (path, source)
