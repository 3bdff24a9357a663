"""Opening the files a user names: regular files only, never a pipe, a device or a folder.

Reading a FIFO waits for a writer forever and a device may never end, so every file the
package reads on a user's say-so (images, MNIST) is opened here.
"""

from __future__ import annotations

import os
import stat
from typing import IO


def open_regular(path: str | os.PathLike[str], what: str, folder_hint: str = "") -> IO[bytes]:
    """Open a regular file for reading in binary; refuse anything else, by name.

    The file's type is checked before it is opened, and again on what was opened (the
    name may have been swapped meanwhile; the open itself never waits on a pipe).

    Args:
        path: The file.
        what: What the file should be, for messages, e.g. ``"image file"``.
        folder_hint: What to do instead when ``path`` is a folder, e.g. ``"pass the
            image files in it"``.

    Raises:
        FileNotFoundError: Nothing is at ``path``.
        ValueError: It is a folder, a pipe, a device or a socket, or cannot be read.

    Example:
        >>> with open_regular("seven.png", "image file") as handle:  # doctest: +SKIP
        ...     head = handle.read(8)
    """
    name = os.fspath(path)
    try:
        _check_regular(os.stat(path).st_mode, name, what, folder_hint)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        msg = f"{what} not found: {name}"
        raise FileNotFoundError(msg) from None
    except OSError as err:
        msg = f"{name} cannot be read: {err.strerror or err}."
        raise ValueError(msg) from None
    handle = os.fdopen(fd, "rb")
    try:
        _check_regular(os.fstat(fd).st_mode, name, what, folder_hint)
    except ValueError:
        handle.close()
        raise
    return handle


def _check_regular(mode: int, name: str, what: str, folder_hint: str) -> None:
    if stat.S_ISREG(mode):
        return
    article = "an" if what[:1] in "aeiou" else "a"
    if stat.S_ISDIR(mode):
        msg = f"{name} is a folder, not {article} {what}{'; ' if folder_hint else ''}{folder_hint}."
    else:
        kind = "a pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device or a socket"
        msg = f"{name} is {kind}, not a regular file; expected {article} {what}."
    raise ValueError(msg)
