"""In JupyterLab: the teach mode. Label drawings with a digit key and with a click on a
bar, see the counts, learn (progress, the pad switching to the learned model, what it
changed), stop learning, undo it, keep drawing while it learns, and a kernel that dies."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import numpy as np
import pytest
from playwright.sync_api import Browser, Locator

import digitwidget
from testkit.drawing import draw_mouse, prediction_text, updates, wait_settled
from testkit.harness import PadSession, pad_notebook
from testkit.servers import Server
from testkit.strokes import make_strokes

pytestmark = pytest.mark.e2e

CELLS = ['from digitwidget import DrawPad\n\npad = DrawPad(model="mlp")\npad']
BLANK = (
    "el => el.dataset.busy === '0' && "
    "el.querySelector('[data-testid=digitwidget-prediction]').textContent.trim() === ''"
)


@pytest.fixture(scope="module")
def session(browser: Browser, lab_server: Server) -> Iterator[PadSession]:
    """Its own notebook (the MLP learns fast), so that the shared pad keeps no examples."""
    with pad_notebook(browser, lab_server, "lab", "teach.ipynb", CELLS) as opened:
        yield opened


@pytest.fixture
def teach(session: PadSession) -> Iterator[PadSession]:
    yield session
    session.assert_no_errors()


def part(session: PadSession, name: str) -> Locator:
    return session.root.locator(f"[data-testid=digitwidget-{name}]")


def draw(session: PadSession, digit: int, seed: int) -> None:
    before = updates(session.root)
    draw_mouse(session.page, session.pad, make_strokes(digit, np.random.default_rng(seed)))
    wait_settled(session.page, session.root, after=before)


def wait_for_count(session: PadSession, digit: int, count: int) -> None:
    session.page.wait_for_function(
        "([el, n]) => el.dataset.count === String(n)",
        arg=[part(session, f"teach-count-{digit}").element_handle(), count],
    )


def wait_blank(session: PadSession) -> None:
    session.page.wait_for_function(BLANK, arg=session.root.element_handle())


def test_digits_are_taught_by_key_and_by_clicking_a_bar(teach: PadSession) -> None:
    panel = part(teach, "teach")
    assert panel.is_hidden()  # nothing to show before the teach mode is on
    draw(teach, 0, seed=1)
    teach.page.keyboard.press("t")
    toggle = part(teach, "teach-toggle")
    teach.page.wait_for_function(
        "el => el.getAttribute('aria-pressed') === 'true'", arg=toggle.element_handle()
    )
    assert panel.is_visible()
    assert teach.kernel.eval("pad.teaching") is True
    seen = teach.kernel.eval("pad.model_input.tolist()")

    teach.page.keyboard.press("6")  # the keyboard first
    wait_for_count(teach, 6, 1)
    wait_blank(teach)  # kept by Python, the drawing is cleared for the next one
    assert teach.kernel.eval("pad.examples[1].tolist()") == [6]
    np.testing.assert_array_equal(teach.kernel.eval("pad.examples[0][0].tolist()"), seen)

    draw(teach, 0, seed=2)
    part(teach, "bar-6").click()
    wait_for_count(teach, 6, 2)
    wait_blank(teach)
    assert teach.kernel.eval("pad._teach_counts") == [0, 0, 0, 0, 0, 0, 2, 0, 0, 0]
    assert "Kept as a 6" in part(teach, "status").inner_text()

    # A digit pressed on a blank pad is refused in the status line; nothing is kept.
    teach.page.keyboard.press("6")
    teach.page.wait_for_function(
        "el => el.textContent.includes('draw a digit first')",
        arg=part(teach, "status").element_handle(),
    )
    assert teach.kernel.eval("len(pad.examples[1])") == 2


def test_learning_shows_progress_switches_the_model_and_undo_goes_back(teach: PadSession) -> None:
    for seed in range(3, 6):  # five zeros taught as sixes in all
        draw(teach, 0, seed=seed)
        teach.page.keyboard.press("6")
        wait_blank(teach)
    wait_for_count(teach, 6, 5)
    panel = part(teach, "teach")
    # Every state and progress value the panel shows, as the page sees them.
    panel.evaluate(
        """el => {
          window.__teachStates = [];
          const progress = el.querySelector('[data-testid=digitwidget-learn-progress]');
          new MutationObserver(() => window.__teachStates.push(
            [el.dataset.state, progress.hidden ? null : progress.value, progress.max]
          )).observe(el, {attributes: true, subtree: true, childList: true, characterData: true});
        }"""
    )
    part(teach, "learn").click()
    teach.page.wait_for_function(
        "el => el.dataset.state === 'done'", arg=panel.element_handle(), timeout=60_000
    )
    states = teach.page.evaluate("window.__teachStates")
    running = [s for s in states if s[0] == "running" and s[1] is not None]
    assert running, states
    assert any(value > 0 for _, value, _ in running)  # the bar moved
    assert teach.kernel.eval("pad.model_name") == "custom"
    picker = part(teach, "model")
    teach.page.wait_for_function("el => el.value === 'custom'", arg=picker.element_handle())
    rows = part(teach, "learn-result").locator("tr").all_inner_texts()
    assert rows[1].startswith("Your drawings")
    assert rows[2].startswith("MNIST")
    result = teach.kernel.eval("pad._learn['result']")
    assert rows[1].split()[-1] == f"{round(100 * result['mine']['after'])}%"
    before = part(teach, "gallery-before")
    assert int(before.get_attribute("data-count")) == len(
        [g for g in teach.kernel.eval("pad._learn['gallery']") if g["when"] == "before"]
    )
    teach.screenshot("lab-teach-learned")
    # The learned model reads a new zero as a six, in the page too.
    draw(teach, 0, seed=40)
    assert prediction_text(teach.root) == str(teach.kernel.eval("pad.prediction"))

    undo = part(teach, "learn-undo")
    assert undo.is_enabled()
    undo.click()
    teach.page.wait_for_function("el => el.value === 'mlp'", arg=picker.element_handle())
    assert teach.kernel.eval("pad.model_name") == "mlp"
    teach.page.wait_for_function("el => el.disabled", arg=undo.element_handle())


def test_the_pad_reads_drawings_while_learning_and_stop_keeps_the_model(teach: PadSession) -> None:
    teach.kernel.run(  # 300 more drawings, 1000 epochs: minutes of learning to draw meanwhile
        "import numpy as np\n"
        "rng = np.random.default_rng(0)\n"
        "pad.add_examples(rng.random((300, 28, 28)), rng.integers(0, 10, 300))\n"
        "job = pad.learn(epochs=1000)"
    )
    panel = part(teach, "teach")
    teach.page.wait_for_function("el => el.dataset.state === 'running'", arg=panel.element_handle())
    for digit in (3, 7):
        draw(teach, digit, seed=50 + digit)
        assert prediction_text(teach.root) == str(teach.kernel.eval("pad.prediction"))
        assert teach.kernel.eval("job.running") is True
    assert part(teach, "learn").is_disabled()
    part(teach, "learn-stop").click()
    teach.page.wait_for_function(
        "el => el.dataset.state === 'stopped'", arg=panel.element_handle(), timeout=30_000
    )
    assert "kept its model" in part(teach, "learn-status").inner_text()
    assert teach.kernel.eval("pad.model_name") == "mlp"
    teach.page.keyboard.press("t")
    teach.page.wait_for_function(
        "el => el.getAttribute('aria-pressed') === 'false'",
        arg=part(teach, "teach-toggle").element_handle(),
    )
    assert teach.kernel.eval("pad.teaching") is False


def test_a_kernel_that_dies_while_learning_is_said_to_and_loses_no_drawing(
    browser: Browser, lab_server: Server, tmp_path_factory: pytest.TempPathFactory
) -> None:
    kept = tmp_path_factory.mktemp("kept") / "digits.npz"
    cells = [
        "from digitwidget import DrawPad\n\n"
        f'pad = DrawPad(model="mlp", examples={str(kept)!r})\npad'
    ]
    with pad_notebook(browser, lab_server, "lab", "dies.ipynb", cells) as dying:
        dying.kernel.run(
            "import numpy as np\n"
            "pad.add_examples(np.random.default_rng(0).random((6, 28, 28)), [1, 1, 2, 2, 3, 3])\n"
            "job = pad.learn(epochs=1000)"
        )
        panel = part(dying, "teach")
        dying.page.wait_for_function(
            "el => el.dataset.state === 'running'", arg=panel.element_handle()
        )
        assert panel.get_attribute("data-quiet") == "0"
        pid = dying.kernel.eval("__import__('os').getpid()")
        os.kill(pid, signal.SIGKILL)
        dying.page.wait_for_function(
            "el => el.dataset.quiet === '1'", arg=panel.element_handle(), timeout=30_000
        )
        assert "No word from the kernel" in part(dying, "learn-status").inner_text()
    assert digitwidget.load_examples(kept)[1].tolist() == [1, 1, 2, 2, 3, 3]
