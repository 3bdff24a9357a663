"""The error raised for every model file that cannot be loaded."""

from __future__ import annotations


class ModelFileError(ValueError):
    """A model file is unreadable, malformed, unsafe or unsupported.

    The message names the file, what was wrong, what was expected and how to fix it.
    """
