"""digitwidget: draw a digit in a notebook and watch a NumPy neural network read it."""

__all__: list[str] = []
__version__ = "0.1.0"
