"""Files that attack a reader: a PNG header claiming a huge image, a named pipe."""

from __future__ import annotations

import contextlib
import os
import struct
import threading
import time
import zlib
from pathlib import Path


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width x height`` gray pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 4)  # a few rows; the rest never comes
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def make_fifo(folder: Path) -> Path:
    """A named pipe; if anything opens it to read, a writer comes after 3 s, so no test hangs."""
    path = folder / "pipe.png"
    os.mkfifo(path)

    def unblock() -> None:
        time.sleep(3)
        with contextlib.suppress(OSError):  # nobody is reading it: as it should be
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))

    threading.Thread(target=unblock, daemon=True).start()
    return path
