"""Images (files, PIL images, arrays) -> the canvas the pad draws: bright ink on black.

- :mod:`~digitwidget.images.canvas`: :func:`canvas_from_image`, the public function.
- :mod:`~digitwidget.images.files`: image files and PIL images decoded within bounds.
- :mod:`~digitwidget.images.background`: the paper's light, modelled pixel by pixel.

Pillow is imported only inside the functions that read or resize an image, so
``import digitwidget`` does not load it.
"""

from digitwidget.images.canvas import canvas_from_image

__all__ = ["canvas_from_image"]
