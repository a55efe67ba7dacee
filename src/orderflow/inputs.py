"""Reading input files (scenario, settings, arrivals): regular files or standard input, bounded.

Every file orderflow reads on a user's behalf goes through ``read_text``: a regular file (or
``-`` for standard input) of at most ``MAX_INPUT_BYTES``, decoded as strict UTF-8. Anything else
raises ``UnreadableInput`` naming the file: a FIFO or a device is refused at once instead of
blocking forever or filling the memory (``/dev/zero``), and a too large file is refused before
it is read. docs/cli.md documents the limit.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from .errors import UnreadableInput

#: The largest input file read (64 MiB): far above any scenario or settings file, and arrival
#: files of about two million orders.
MAX_INPUT_BYTES = 64 * 2**20
STDIN = "-"


def read_text(path: str | Path, limit: int = MAX_INPUT_BYTES) -> str:
    """The text of ``path`` (``-``: standard input), at most ``limit`` bytes of UTF-8."""
    name = str(path)
    data = sys.stdin.buffer.read(limit + 1) if name == STDIN else _read_regular(name, limit)
    if len(data) > limit:
        raise UnreadableInput(f"{name}: larger than the limit of {limit} bytes")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableInput(f"{name}: not UTF-8 text (byte {error.start})") from None


def _read_regular(name: str, limit: int) -> bytes:
    try:
        # O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
        descriptor = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise UnreadableInput(f"{name}: {error.strerror}") from None
    with os.fdopen(descriptor, "rb") as file:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            raise UnreadableInput(f"{name}: not a regular file")
        if status.st_size > limit:
            raise UnreadableInput(f"{name}: larger than the limit of {limit} bytes")
        try:
            return file.read(limit + 1)
        except OSError as error:
            raise UnreadableInput(f"{name}: {error.strerror}") from None
