"""MNIST: read IDX files and find the dataset on disk (nothing is ever downloaded).

- :mod:`~digitwidget.data.locate`: where MNIST is looked for, and how to get it.
- :mod:`~digitwidget.data.idx`: the IDX reader (plain or gzipped), bounded.
- :mod:`~digitwidget.data.npz`: Keras's ``mnist.npz``, bounded, never unpickled.
- :mod:`~digitwidget.data.load`: :func:`load_mnist`, the arrays found, read and checked.
- :mod:`~digitwidget.data.sample`: :func:`load_sample`, the small MNIST sample shipped in
  the package (images to replay while fine-tuning, a check set for forgetting).

Example:
    >>> from digitwidget.data import load_mnist
    >>> (x_train, y_train), (x_test, y_test) = load_mnist()
    >>> x_train.shape, x_train.dtype
    ((60000, 28, 28), dtype('uint8'))
"""

from digitwidget.data.idx import read_idx
from digitwidget.data.load import load_mnist
from digitwidget.data.locate import MNISTNotFoundError, find_mnist, mnist_files
from digitwidget.data.sample import load_sample

__all__ = [
    "MNISTNotFoundError",
    "find_mnist",
    "load_mnist",
    "load_sample",
    "mnist_files",
    "read_idx",
]
