"""The model: a list of layers applied in order, ``for layer in layers: x = layer(x)``."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any, Literal, overload

import numpy as np

from digitwidget.nn._limits import MAX_CLASSES, check_features, check_input_shape, check_layer_count
from digitwidget.nn.activations import softmax
from digitwidget.nn.calibration import temperature_of
from digitwidget.nn.fast.inputs import InputConverter, check_unit_range
from digitwidget.nn.fast.workspace import Workspace
from digitwidget.nn.files.npz import FORMAT, VERSION, write_npz
from digitwidget.nn.layers import Layer
from digitwidget.nn.saliency import Explanation, Score, explain, logit_layers, softmax_index

Shape = tuple[int, ...]


class Model:
    """A feed-forward network of layers, e.g. 784 -> Dense 128 relu -> Dense 256 relu -> Dense 10 softmax.

    Args:
        layers: The layers, applied in order.
        input_shape: One sample's shape, e.g. ``(784,)``; taken from a leading InputLayer
            when omitted.
        metadata: JSON-serialisable dict: ``input_scale`` (``"unit"`` for [0, 1] inputs,
            ``"byte"`` for 0..255), ``class_names``, ``provenance``, and optionally
            ``temperature``: probabilities are ``softmax(logits / temperature)``
            (see :mod:`digitwidget.nn.calibration`).
        name: The model's name.

    Example:
        >>> model = load_model()
        >>> model.predict_proba(np.zeros((2, 28, 28), np.float32)).shape
        (2, 10)
    """

    def __init__(
        self,
        layers: list[Layer],
        input_shape: Shape | None = None,
        metadata: dict[str, Any] | None = None,
        name: str = "model",
    ) -> None:
        self.layers = list(layers)
        self.name = name
        if input_shape is None:
            input_shape = self.layers[0].declared_shape if self.layers else None
            if input_shape is None:
                msg = "Model needs input_shape (e.g. (784,)) or a leading InputLayer. Received neither."
                raise ValueError(msg)
        self.input_shape = tuple(int(d) for d in input_shape)
        check_input_shape(self.input_shape)
        check_layer_count(len(self.layers))
        self.shapes = self._build()
        self.output_shape = self.shapes[-1] if self.shapes else self.input_shape
        if len(self.output_shape) != 1:
            msg = f"Model output must be one vector of class scores per sample. Received shape {self.output_shape}."
            raise ValueError(msg)
        if self.output_shape[0] > MAX_CLASSES:  # before a name is made for each class
            msg = f"Model output has {self.output_shape[0]:,} classes; the engine allows at most {MAX_CLASSES:,}."
            raise ValueError(msg)
        self.metadata = _default_metadata(self.output_shape[0]) | dict(metadata or {})
        _check_metadata(self.metadata, self.output_shape[0])
        self.ends_in_softmax = softmax_index(self.layers) is not None
        self._workspace = Workspace(self.layers, self.shapes, input_shape=self.input_shape)
        self._logit_workspace: Workspace | None = None  # made when a temperature is set
        self._lock = threading.Lock()
        self._converter = InputConverter(self.input_shape)

    def _build(self) -> list[Shape]:
        """Check that the layers chain (names unique, shapes fit) and return output shapes."""
        names = [layer.name for layer in self.layers]
        if len(set(names)) != len(names):
            msg = f"Layer names must be unique. Received: {names}."
            raise ValueError(msg)
        shapes, shape = [], self.input_shape
        for layer in self.layers:
            shape = layer.build(shape)
            check_features(layer.name, shape)
            shapes.append(shape)
        return shapes

    def _inputs(self) -> InputConverter:
        """The input converter for the current ``metadata["input_scale"]``."""
        scale = self.metadata.get("input_scale", "unit")
        _check_input_scale(scale)  # metadata may have been edited since the model was made
        if self._converter.byte_scale != (scale == "byte"):
            self._converter = InputConverter(self.input_shape, scale == "byte")
        return self._converter

    @overload
    def forward(self, x: np.ndarray, return_activations: Literal[False] = False) -> np.ndarray: ...

    @overload
    def forward(
        self, x: np.ndarray, return_activations: Literal[True]
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]: ...

    @overload
    def forward(
        self, x: np.ndarray, return_activations: bool
    ) -> np.ndarray | tuple[np.ndarray, dict[str, np.ndarray]]: ...

    def forward(
        self, x: np.ndarray, return_activations: bool = False
    ) -> np.ndarray | tuple[np.ndarray, dict[str, np.ndarray]]:
        """Run the network and return its raw output (no softmax added).

        Args:
            x: Images, as for :meth:`predict_proba`.
            return_activations: Also return ``{layer_name: activation}`` for every layer.

        Returns:
            ``(batch, classes)`` (or ``(classes,)`` for one image); with
            ``return_activations``, ``(output, activations)``.
        """
        x, single = self._inputs()(x)
        activations = {}
        for layer in self.layers:
            x = layer(x)
            activations[layer.name] = x[0] if single else x
        output = x[0] if single else x
        return (output, activations) if return_activations else output

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities (calibrated by the model's temperature, when it has one).

        Args:
            x: One image ``(28, 28)`` / ``(784,)`` or a batch ``(batch, 28, 28)`` /
                ``(batch, 784)``; float in [0, 1] (ink = 1) or uint8 0..255.

        Returns:
            float32 ``(batch, 10)`` whose rows sum to 1, or ``(10,)`` for one image.
        """
        temperature = temperature_of(self.metadata)
        if temperature == 1.0:
            probabilities = self._run(self._workspace, x)
            if not self.ends_in_softmax:
                softmax(probabilities, out=probabilities)
            return probabilities
        probabilities = self._run(self._logits_workspace(), x)
        probabilities /= np.float32(temperature)
        return softmax(probabilities, out=probabilities)

    def logits(self, x: np.ndarray) -> np.ndarray:
        """The class scores ``z`` before the final softmax (the output of a model without one).

        ``predict_proba(x)`` is ``softmax(logits(x) / temperature)``. Arguments as for
        :meth:`predict_proba`.
        """
        return self._run(self._logits_workspace(), x)

    def _run(self, workspace: Workspace, x: np.ndarray) -> np.ndarray:
        """``workspace``'s layers on ``x`` (checked and converted), float32 ``(batch, classes)``."""
        x, single, checked = self._inputs().convert(x)
        check = None if checked else check_unit_range  # left to the workspace, block by block
        out = np.empty((len(x), *self.output_shape), np.float32)
        if self._lock.acquire(blocking=False):
            try:
                workspace.run(x, out, check=check)
            finally:
                self._lock.release()
        else:
            workspace.run(x, out, reuse_buffers=False, check=check)
        return out[0] if single else out

    def _logits_workspace(self) -> Workspace:
        """The workspace of the layers up to the logits (the final softmax left out)."""
        if self._logit_workspace is None:
            layers = logit_layers(self.layers)
            shapes = self.shapes[: len(layers)]
            self._logit_workspace = Workspace(layers, shapes, input_shape=self.input_shape)
        return self._logit_workspace

    def predict(self, x: np.ndarray) -> np.ndarray | int:
        """The most probable class: int64 ``(batch,)``, or an int for one image."""
        labels = np.argmax(self.predict_proba(x), axis=-1)
        return int(labels) if labels.ndim == 0 else labels

    def saliency(
        self, x: np.ndarray, target: int | np.ndarray | None = None, score: Score = "logit"
    ) -> np.ndarray:
        """``d score / d x`` per input pixel; see :func:`digitwidget.nn.saliency.saliency`."""
        return explain(self, x, target, score).saliency

    def explain(
        self, x: np.ndarray, target: int | np.ndarray | None = None, score: Score = "logit"
    ) -> Explanation:
        """Probabilities, every layer's activation and the saliency, from one pass.

        Exactly what ``forward(x, return_activations=True)`` and :meth:`saliency` give for
        one image, for the cost of one of them, and the probabilities of
        :meth:`predict_proba` to float32 rounding (which runs the layers rewritten for
        speed: :mod:`digitwidget.nn.fast.fusion`); see :func:`digitwidget.nn.saliency.explain`.

        Example:
            >>> probabilities, activations, saliency = model.explain(image)
        """
        return explain(self, x, target, score)

    def fine_tune(
        self,
        images: np.ndarray,
        labels: np.ndarray,
        *,
        epochs: int = 20,
        learning_rate: float = 1e-3,
        batch_size: int = 32,
        replay: bool = True,
        seed: int = 0,
        progress: Callable[[int, int, float], Any] | None = None,
    ) -> Model:
        """A new model trained further on ``images`` and ``labels``; this one is unchanged.

        Hand-written backpropagation through every layer's ``backward`` and Adam, in NumPy;
        see :func:`digitwidget.nn.learning.fine_tune` for the arguments and what it decides.

        Example:
            >>> mine = model.fine_tune(images, labels)   # (n, 28, 28) in [0, 1], (n,) ints
        """
        from digitwidget.nn.learning.fine_tune import fine_tune

        return fine_tune(
            self,
            images,
            labels,
            epochs=epochs,
            learning_rate=learning_rate,
            batch_size=batch_size,
            replay=replay,
            seed=seed,
            progress=progress,
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model (atomically): an engine ``.npz`` with its metadata, or, for a path
        ending in ``.keras``, a Keras 3 file that ``keras.saving.load_model`` reads.

        A ``.keras`` file keeps the metadata (provenance, class names) in its
        ``metadata.json``, which the engine reads back and Keras ignores; a temperature is
        folded into the weights before the softmax (see
        :mod:`digitwidget.nn.files.keras_writer`), so Keras's ``predict`` gives
        :meth:`predict_proba`.
        """
        suffix = os.path.splitext(os.fspath(path))[1].lower()
        if suffix not in (".npz", ".keras"):
            msg = (
                "Models are saved as .npz (the engine's format, with metadata) or .keras "
                f"(Keras 3). Received: path={os.fspath(path)!r}; use a .npz or .keras name."
            )
            raise ValueError(msg)
        if suffix == ".keras":
            from digitwidget.nn.files.keras_writer import write_keras  # zip, JSON and h5py

            temperature = temperature_of(self.metadata)
            write_keras(
                path,
                self.layers,
                self.shapes,
                self.input_shape,
                self.name,
                temperature,
                self.metadata,
            )
            return
        arrays = {f"{layer.name}/{k}": w for layer in self.layers for k, w in layer.weights.items()}
        write_npz(path, self.architecture(), arrays)

    def architecture(self) -> dict[str, Any]:
        """The model as the ``.npz`` format describes it: layers, configs, weight names, metadata."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "name": self.name,
            "input_shape": list(self.input_shape),
            "layers": [
                {
                    "class_name": type(layer).__name__,
                    "name": layer.name,
                    "config": layer.get_config(),
                    "weights": [f"{layer.name}/{key}" for key in layer.weights],
                }
                for layer in self.layers
            ],
            "metadata": self.metadata,
        }

    @property
    def num_parameters(self) -> int:
        return sum(layer.num_parameters for layer in self.layers)

    def __repr__(self) -> str:
        rows = [
            (
                type(layer).__name__,
                layer.name,
                str(shape),
                str(layer.activation or ""),
                f"{layer.num_parameters:,}",
            )
            for layer, shape in zip(self.layers, self.shapes, strict=True)
        ]
        widths = [max((len(row[i]) for row in rows), default=0) for i in range(5)]
        lines = [
            f"Model {self.name!r}: input {self.input_shape}, {self.num_parameters:,} parameters"
        ]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row[:4], widths, strict=False)]
            lines.append("  " + "  ".join(cells) + "  " + row[4].rjust(widths[4]))
        return "\n".join(lines)


def _default_metadata(classes: int) -> dict[str, Any]:
    return {
        "input_scale": "unit",
        "class_names": [str(i) for i in range(classes)],
        "provenance": {},
    }


def _check_input_scale(scale: Any) -> None:
    if scale not in ("unit", "byte"):
        msg = f"metadata['input_scale'] must be 'unit' or 'byte'. Received: {scale!r:.100}."
        raise ValueError(msg)


def _check_metadata(metadata: dict[str, Any], classes: int) -> None:
    """Refuse metadata the model cannot honour, when the model is made rather than later."""
    _check_input_scale(metadata["input_scale"])
    temperature_of(metadata)
    names = metadata["class_names"]
    if (
        not isinstance(names, list)
        or len(names) != classes
        or not all(isinstance(n, str) for n in names)
    ):
        msg = (
            f"metadata['class_names'] must be a list of {classes} strings, one per output. "
            f"Received: {names!r:.200}."
        )
        raise ValueError(msg)
