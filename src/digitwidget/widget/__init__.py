"""The DrawPad widget: the pad itself, the inside view's data, the Colab bridge and the
Jupyter server extension that keeps its round trips short.

>>> from digitwidget.widget import DrawPad
"""

from digitwidget.widget.pad import DrawPad

__all__ = ["DrawPad"]
