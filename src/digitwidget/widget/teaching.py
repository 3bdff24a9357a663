"""The pad's teach mode: label drawings, learn from them in the background, undo it.

:class:`Teaching` holds the teach mode's traits and methods; ``DrawPad`` inherits them.
The work itself is :mod:`digitwidget.teach`'s: the examples and their files, the
learning job, the measures. A view talks to it in custom messages
(``{"teach": digit, "seq": ..., "id": ...}``, ``{"learn": true}``, ``{"undo_learning": true}``,
``{"stop_learning": true}``); Python calls the methods.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

import numpy as np
import traitlets

import digitwidget.teach.learning as fine_tuning
import digitwidget.widget.models as models
from digitwidget.teach import examples as store
from digitwidget.teach import files, for_views
from digitwidget.teach.job import LearningJob

ExamplesSpec: TypeAlias = "str | os.PathLike[str] | tuple[Any, Any] | None"
"""What ``DrawPad(examples=...)`` takes: a file (loaded if it exists, and every drawing
taught is saved to it) or ``(images, labels)``."""
PROGRESS_EVERY = 0.1
"""Seconds between progress updates sent to the views (the last one is always sent)."""

F = TypeVar("F", bound=Callable[..., Any])


def one_at_a_time(method: F) -> F:
    """Run ``method`` under the pad's lock: a model switched in by the learning thread and
    a drawing read in the kernel's own thread never interleave their answers."""

    @functools.wraps(method)
    def locked(self: Any, *args: Any, **kwargs: Any) -> Any:
        with self.__dict__.setdefault("_reading_lock", threading.RLock()):
            return method(self, *args, **kwargs)

    return locked  # type: ignore[return-value]


class Teaching(traitlets.HasTraits):
    """The teach mode of :class:`~digitwidget.widget.pad.DrawPad`."""

    teaching = traitlets.Bool(False).tag(sync=True)
    """The teach mode: the digit keys and a click on a bar label the drawing."""
    _teach_counts = traitlets.List(traitlets.Int(), default_value=[0] * store.DIGITS).tag(sync=True)
    _teach_ack = traitlets.Int(0).tag(sync=True)
    """The id of the last label a view sent that the pad kept (the view then clears)."""
    _learn = traitlets.Dict().tag(sync=True)
    """Learning's state for the views: ``state`` (idle, running, done, failed, stopped),
    progress, ``message``, ``result``, ``gallery`` and ``can_undo``."""
    _learn_images = traitlets.Bytes(b"").tag(sync=True)
    """The error gallery's drawings, 784 bytes each, in ``_learn["gallery"]``'s order."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_msg(_on_view_message)  # type: ignore[attr-defined]

    def _init_teaching(self, examples: Any) -> None:
        """Take the examples ``DrawPad(examples=...)`` gives; before the widget exists, so
        that a bad file is refused before anything is shown."""
        self._examples, self._examples_file = files.initial_examples(examples)
        self._job: LearningJob | None = None
        self._undo: list[tuple[models.Choice, models.Choice | None]] = []
        self._bases: list[tuple[Any, Any]] = []  # (learned model, the model it learned from)
        self._sent_at = 0.0
        self._publishing = threading.RLock()  # the learning thread, its heartbeat, the kernel

    @traitlets.default("_teach_counts")
    def _teach_counts_default(self) -> list[int]:
        return self._examples.counts()

    @traitlets.default("_learn")
    def _learn_default(self) -> dict[str, Any]:
        return {"state": "idle", "can_undo": False}

    @property
    def examples(self) -> tuple[np.ndarray, np.ndarray]:
        """The taught drawings: ``(images, labels)``, ``(N, 28, 28)`` float32 model inputs
        and ``(N,)`` int64 digits (copies)."""
        return self._examples.arrays()

    def teach(self, label: int) -> None:
        """Keep the drawing, as the model read it (``model_input``), as an example of
        ``label``; the teach mode's digit keys and bars do the same.

        Raises:
            ValueError: ``label`` is not a digit, or the pad is blank.
        """
        digit = store.check_label(label)
        if self.prediction is None:  # type: ignore[attr-defined]
            msg = (
                "The pad is blank: draw a digit first, then teach it (the example kept is "
                "the 28x28 image the model reads)."
            )
            raise ValueError(msg)
        self._examples.add(self.model_input, digit)  # type: ignore[attr-defined]
        self._examples_changed()

    def add_examples(self, images: Any, labels: Any) -> None:
        """Add examples, e.g. ``pad.add_examples(*digitwidget.load_examples(path))``.

        Args:
            images: ``(N, 28, 28)`` model inputs, float in [0, 1] or uint8.
            labels: ``(N,)`` digits.
        """
        self._examples.extend(images, labels)
        self._examples_changed()

    def save_examples(self, path: str | os.PathLike[str]) -> Path:
        """Write the examples to ``path`` (``.npz``; atomically); returns the path."""
        return files.save_examples(path, *self.examples)

    @property
    def learning(self) -> LearningJob | None:
        """The last learning job (running or over); None before the first."""
        return self._job

    def learn(
        self,
        *,
        wait: bool = False,
        epochs: int = 20,
        learning_rate: float = 1e-3,
        batch_size: int = 32,
        replay: bool = True,
        seed: int = 0,
    ) -> LearningJob:
        """Fine-tune the model on the taught drawings, in the background; the pad then
        reads with the new model (``model_name`` "custom"), and ``undo_learning()`` goes back.

        Learning again starts over from the model the first learning started from, with
        every drawing taught so far. The drawings held out to measure it: see
        :mod:`digitwidget.teach.split`.

        Args:
            wait: return only once learning is over (errors are raised then).
            epochs, learning_rate, batch_size, replay, seed: ``Model.fine_tune``'s.

        Returns:
            The job: ``job.wait()`` returns the report, ``job.progress`` says how far it
            is, ``job.cancel()`` stops it.

        Raises:
            RuntimeError: learning is under way already.
            ValueError, TypeError: too few drawings; a model that cannot learn.
        """
        if self._job is not None and self._job.running:
            msg = f"The pad is learning already ({self._job.progress or 'starting'}). Wait for it (pad.learning.wait()) or stop it (pad.learning.cancel())."
            raise RuntimeError(msg)
        settings = fine_tuning.Settings(epochs, learning_rate, batch_size, replay, seed)
        base = self._base_model()
        images, labels = self.examples
        fine_tuning.check_can_learn(base, len(labels))
        self._publish(state="running", done=0, total=epochs, stage="starting")
        self._job = LearningJob(
            lambda step: fine_tuning.learn(base, images, labels, settings, step),
            self._on_progress,
            functools.partial(self._on_learned, base, images),
            self._on_beat,
        )
        if wait:
            self._job.wait()
        return self._job

    def undo_learning(self) -> None:
        """Go back to the model in use before the last learning.

        Raises:
            RuntimeError: nothing was learned, or learning is under way.
        """
        if self._job is not None and self._job.running:
            msg = "The pad is learning; stop it first (pad.learning.cancel())."
            raise RuntimeError(msg)
        if not self._undo:
            msg = "There is no learning to undo: the pad has its model as it was given."
            raise RuntimeError(msg)
        current, custom = self._undo.pop()
        self._switch(current)  # type: ignore[attr-defined]
        self._held.custom = custom  # type: ignore[attr-defined]
        self.set_trait("_models", self._held.menu())  # type: ignore[attr-defined]
        self._publish(
            **{
                **self._learn,
                "can_undo": bool(self._undo),
                "message": "Back to the model before learning.",
            }
        )

    def _base_model(self) -> Any:
        """What learning starts from: the model in use, or, if that was learned, its base."""
        model = self.model  # type: ignore[attr-defined]
        return next((base for learned, base in self._bases if learned is model), model)

    def _examples_changed(self) -> None:
        self._teach_counts = self._examples.counts()
        if self._examples_file is not None:
            files.save_examples(self._examples_file, *self.examples)

    def _on_progress(self, progress: fine_tuning.Progress) -> None:
        now = time.monotonic()
        if now - self._sent_at < PROGRESS_EVERY and progress.done < progress.total:
            return
        self._sent_at = now
        self._publish(
            state="running",
            done=progress.done,
            total=progress.total,
            loss=progress.loss,
            stage=progress.stage,
        )

    def _on_beat(self) -> None:
        """A sign of life for the views, between epochs however long (``_learn["beat"]``)."""
        with self._publishing:  # never over the state the learning thread just published
            state = self._learn
            if state.get("state") == "running":
                self._publish(**{**state, "beat": int(state.get("beat", 0)) + 1})

    def _on_learned(
        self,
        base: Any,
        images: np.ndarray,
        report: fine_tuning.Report | None,
        error: BaseException | None,
    ) -> None:
        """In the learning thread: switch to the new model and show what changed."""
        if report is not None:
            try:
                previous = (self._held.current, self._held.custom)  # type: ignore[attr-defined]
                title = f"Learned from {report.learned_from} of your drawings"
                self._switch(models.Choice(models.CUSTOM, title, report.model))  # type: ignore[attr-defined]
                self._undo.append(previous)
                self._bases.append((report.model, base))
            except Exception as caught:
                error = caught
        if error is not None or report is None:
            self._publish(**{**self._learn, **for_views.failure_for_views(error or RuntimeError())})
            return
        values, thumbnails = for_views.report_for_views(report, images)
        with self.hold_sync():  # type: ignore[attr-defined]
            self._learn_images = thumbnails
            total = self._learn.get("total", 0)
            self._publish(state="done", done=total, total=total, **values)

    def _publish(self, **state: Any) -> None:
        state.setdefault("can_undo", bool(getattr(self, "_undo", [])))
        with self._publishing:
            self._learn = state

    def _on_message(self, content: Any) -> None:
        """A view's request; a refusal shows in the status line (nothing is raised)."""
        if not isinstance(content, dict):
            return
        try:
            if "teach" in content:
                self._teach_from_view(content)
            elif content.get("learn"):
                self.learn()
            elif content.get("undo_learning"):
                self.undo_learning()
            elif content.get("stop_learning") and self._job is not None:
                self._job.cancel()
        except Exception as error:
            self._refusal = str(error)
            self._show_status()  # type: ignore[attr-defined]

    def _teach_from_view(self, content: dict[str, Any]) -> None:
        if content.get("seq") != self._seq:  # type: ignore[attr-defined]
            msg = "The pad was still reading the drawing: label it again."
            raise ValueError(msg)
        self.teach(content["teach"])
        self._refusal = ""
        self._show_status()  # type: ignore[attr-defined]
        ident = content.get("id")
        if isinstance(ident, int):
            self._teach_ack = ident


def _on_view_message(pad: Any, content: Any, buffers: Any) -> None:
    pad._on_message(content)
