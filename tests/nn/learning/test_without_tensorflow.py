"""Fine-tuning and writing .keras files need neither TensorFlow nor Keras: run in a fresh
Python where importing either fails, and neither is imported afterwards."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import importlib.abc, json, sys

class Absent(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tensorflow", "keras"):
            raise ImportError(f"{name} is not installed here")
        return None

sys.meta_path.insert(0, Absent())
import numpy as np
from digitwidget import load_model
from digitwidget.data.sample import load_sample

images, labels = load_sample("check")
model = load_model("cnn")
tuned = model.fine_tune(images[:20], labels[:20], epochs=2)
tuned.save(sys.argv[1])
back = load_model(sys.argv[1])
same = float(np.abs(back.predict_proba(images[:5]) - tuned.predict_proba(images[:5])).max())
print(json.dumps({
    "imported": sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras")),
    "difference": same,
    "steps": tuned.metadata["provenance"]["settings"]["steps"],
}))
"""


def test_fine_tuning_and_writing_keras_import_neither_tensorflow_nor_keras(tmp_path: Path):
    path = tmp_path / "tuned.keras"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["imported"] == []
    assert result["difference"] < 1e-5
    assert result["steps"] == 2
    assert path.is_file()
