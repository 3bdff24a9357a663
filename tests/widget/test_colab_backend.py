"""The Colab backend: when it is chosen, and what a pad shows with it or without it."""

from __future__ import annotations

import numpy as np
import pytest

from digitwidget.widget import DrawPad, colab
from tests.e2e import colab_fake
from tests.widget.test_colab import config_of, draw_request, drawing, fake

__all__ = ["fake"]  # the fixture, shared with tests/widget/test_colab.py


# -- detection -------------------------------------------------------------------------


def test_outside_colab_auto_means_widget() -> None:
    assert colab.in_colab() is False
    assert colab.resolve_backend("auto") == "widget"


def test_in_colab_auto_means_colab(fake: colab_fake.FakeOutput) -> None:
    assert colab.in_colab() is True
    assert colab.resolve_backend("auto") == "colab"


def test_google_colab_imported_outside_a_colab_kernel_is_not_colab(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    colab_fake.install(monkeypatch, colab_shell=False)
    assert colab.in_colab() is False


@pytest.mark.parametrize("backend", ["widget", "colab"])
def test_an_explicit_backend_wins_over_detection(fake: colab_fake.FakeOutput, backend: str) -> None:
    assert colab.resolve_backend(backend) == backend


def test_the_colab_backend_outside_colab_is_refused_with_the_alternatives() -> None:
    with pytest.raises(ValueError, match=r"only inside Google Colab.*backend='auto'"):
        DrawPad(backend="colab")


def test_unknown_backend_names_the_choices() -> None:
    with pytest.raises(ValueError, match=r"backend must be one of .*Received: backend='jupyter'"):
        colab.resolve_backend("jupyter")


def test_detection_registers_nothing(fake: colab_fake.FakeOutput) -> None:
    colab.in_colab()
    colab.resolve_backend("auto")
    assert fake.functions == {}
    assert fake.widget_manager_enabled == 0


# -- DrawPad's backend choice ----------------------------------------------------------

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def bundle_of(pad: DrawPad) -> dict:
    bundle = pad._repr_mimebundle_()
    return bundle[0] if isinstance(bundle, tuple) else bundle


@pytest.fixture
def colab_pad(fake: colab_fake.FakeOutput) -> DrawPad:
    return DrawPad(backend="colab")


def test_in_colab_a_default_pad_shows_as_html_with_its_callback(
    fake: colab_fake.FakeOutput, colab_pad: DrawPad
) -> None:
    bundle = bundle_of(DrawPad())
    assert WIDGET_VIEW not in bundle
    assert config_of(bundle["text/html"])["name"] in fake.functions


def test_in_colab_backend_widget_shows_the_widget_view(
    fake: colab_fake.FakeOutput, colab_pad: DrawPad
) -> None:
    bundle = bundle_of(DrawPad(backend="widget"))
    assert WIDGET_VIEW in bundle
    assert "text/html" not in bundle
    assert fake.functions == {}


def test_outside_colab_a_default_pad_shows_the_widget_view() -> None:
    assert WIDGET_VIEW in bundle_of(DrawPad())


def test_a_colab_pad_draws_through_its_callback_like_a_widget(
    fake: colab_fake.FakeOutput, colab_pad: DrawPad
) -> None:
    name = config_of(bundle_of(colab_pad)["text/html"])["name"]
    fake.invoke(name, draw_request(drawing(0), seq=5))
    assert colab_pad.prediction is not None
    assert colab_pad._ack == 5
    np.testing.assert_array_equal(colab_pad.pixels, drawing(0))
