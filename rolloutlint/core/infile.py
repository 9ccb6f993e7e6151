"""Every file the tool reads goes through here: manifests, `--config`, `--baseline`, policy packs, stdin.

Only regular files are read (a FIFO named as a path would block forever, `/dev/zero` never ends), and
every read stops at a cap: one byte more than the cap is read, so "too large" is known without reading
the rest. The file is opened non-blocking and checked on the open descriptor, so a FIFO swapped in after
a check cannot hang the read either.
"""

from __future__ import annotations

import os
import stat
import sys

MAX_INPUT_BYTES = 10 * 1024 * 1024  # far above etcd's ~1.5 MiB object limit; anything larger is not a manifest


class InputError(OSError):
    """A path that is not read: not a regular file, or unreadable. `strerror` is the reason."""


def kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def not_regular(path: str | os.PathLike[str]) -> str | None:
    """Why `path` will not be read as a file (`a FIFO`, ...), or None for a regular file or a missing one."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return None if stat.S_ISREG(st.st_mode) else kind_of(st.st_mode)


def read_capped(path: str | os.PathLike[str], limit: int = MAX_INPUT_BYTES) -> bytes:
    """Up to `limit + 1` bytes of the regular file at `path` (more than `limit`: the caller says too large)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(0, f"{kind_of(st.st_mode)}, not a regular file")
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_stdin(limit: int = MAX_INPUT_BYTES) -> bytes:
    """Up to `limit + 1` bytes of standard input; the rest is left unread."""
    stream = sys.stdin
    if stream is None:
        from rolloutlint.core.config import ConfigError

        raise ConfigError("`-` reads standard input, but standard input is closed")
    buffer = getattr(stream, "buffer", None)
    try:
        if buffer is None:  # a text-only replacement (tests): encode what it holds
            return str(stream.read(limit + 1)).encode("utf-8")[: limit + 1]
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = buffer.read1(min(left, 1 << 20)) if hasattr(buffer, "read1") else buffer.read(min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except (OSError, ValueError) as exc:  # a closed descriptor reads as EBADF or "I/O operation on closed file"
        from rolloutlint.core.config import ConfigError

        raise ConfigError(f"cannot read standard input: {getattr(exc, 'strerror', None) or exc}") from None
