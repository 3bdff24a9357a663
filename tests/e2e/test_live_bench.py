"""bench/live.py runs: two held-out pen-stroke digits drawn in JupyterLab come back with
answers, the page and Python agree, and the pad holds what the strokes draw offline.

Accuracy is measured by ``python -m bench.live``, not asserted here.
"""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import Browser

from bench.live import held_out_digits, lab_pad, measure, offline_predictions
from digitwidget import load_model
from testkit.servers import Server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

BRUSH = 16.0


def test_two_drawn_digits_get_answers(browser: Browser, lab_server: Server) -> None:
    model = load_model()
    digits = held_out_digits(per_digit=1, seed=3, brush=BRUSH)[:2]
    offline = offline_predictions(model, digits, BRUSH)
    with lab_pad(browser, lab_server, BRUSH, None, name="live-bench.ipynb") as pad:
        results = measure(pad, digits, model, BRUSH, offline, shots=1)
        assert not pad.errors.take()
        assert len(pad.shots) >= 1
    assert [r["label"] for r in results] == [0, 1]
    for result in results:
        assert result["live"] in range(10), result
        assert result["live"] == result["python"] == result["pad_pixels_read"], result
        assert result["ink_iou"] > 0.8, result
        assert not result["stale"], result
    assert np.isfinite([r["answer_s"] for r in results]).all()
