"""Every file the tool writes goes through here: reports (`-o`), baselines, fixed manifests.

A regular file (or a path that does not exist yet) is replaced atomically: a temp file in the same
directory as the real target (symlinks resolved, so a link stays a link and its target is updated),
written, flushed to disk, given the old file's mode (a new file gets the mode `open()` would give it,
0666 minus the umask), then renamed over the target. A reader sees the old content or the new, never a
torn file. Anything else that can be opened for writing (a character device such as /dev/null or
/dev/stdout, a FIFO) is written directly: replacing it would destroy the device or starve the reader.
Temp files are named `.<name>.<pid>.<random>.rolloutlint-tmp`; one left behind by a killed run (its
process is gone, or it is older than a minute) is removed by `clean_stale_temps` on the next run there.
"""

from __future__ import annotations

import os
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

TEMP_SUFFIX = ".rolloutlint-tmp"
STALE_AFTER_SECONDS = 60.0  # a temp file this old belongs to no running write (writes take milliseconds)


class WriteError(Exception):
    """The target cannot be written; the message names the path and the reason."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path: str | os.PathLike[str], data: bytes | Iterable[bytes], *, keep_owner: bool = False,
                expect: bytes | None = None) -> None:
    """Write `data` (bytes, or pieces of them written as they come) to `path` as described in the module
    docstring.

    `keep_owner`: also keep the replaced file's owner and group when allowed (fixed manifests).
    `expect`: the content the caller read; refuse (WriteError) if the file no longer holds it.
    """
    pieces = (data,) if isinstance(data, bytes) else data
    shown = os.fspath(path)
    real = os.path.realpath(shown)
    try:
        st: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        st = None
        try:  # /dev/stdout on a pipe resolves to "pipe:[N]", which is no path: the node named is the pipe
            named = os.stat(shown)
        except OSError:
            named = None
        if named is not None and not stat.S_ISREG(named.st_mode):
            st, real = named, shown
    except OSError as exc:
        raise WriteError(f"cannot write {shown}: {exc.strerror or exc}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            raise WriteError(f"cannot write {shown}: it is a directory")
        if not (stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
            raise WriteError(f"cannot write {shown}: not a regular file, device or FIFO")
        _write_direct(shown, real, pieces)
        return
    if expect is not None and st is not None:
        try:
            with open(real, "rb") as fh:
                current = fh.read(len(expect) + 1)
        except OSError as exc:
            raise WriteError(f"cannot write {shown}: {exc.strerror or exc}") from None
        if current != expect:
            raise WriteError(f"not written: {shown} changed on disk meanwhile")
    directory = os.path.dirname(real) or "."
    name = os.path.basename(real)
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.{os.getpid()}.", suffix=TEMP_SUFFIX)
    except OSError as exc:
        raise WriteError(f"cannot write {shown}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            for piece in pieces:
                fh.write(piece)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask())
        if keep_owner and st is not None and hasattr(os, "chown"):
            try:
                os.chown(tmp, st.st_uid, st.st_gid)
            except OSError:
                pass  # not allowed: the file now belongs to whoever wrote it
        os.replace(tmp, real)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write {shown}: {exc.strerror or exc}") from None
        raise


def _write_direct(shown: str, real: str, pieces: Iterable[bytes]) -> None:
    try:
        # No O_CREAT, no O_TRUNC: the node exists and is not a file; a FIFO blocks here until a reader comes.
        fd = os.open(real, os.O_WRONLY)
        with os.fdopen(fd, "wb") as fh:
            for piece in pieces:
                fh.write(piece)
    except OSError as exc:
        raise WriteError(f"cannot write {shown}: {exc.strerror or exc}") from None


def write_text(path: str | os.PathLike[str], text: str | Iterable[str]) -> None:
    """`text` as UTF-8; pieces of text are encoded and written as they come (a large report is never
    held whole)."""
    write_bytes(path, text.encode("utf-8") if isinstance(text, str) else encoded(text))


def encoded(pieces: Iterable[str]) -> Iterator[bytes]:
    """UTF-8 of `pieces`, a block at a time."""
    for block in blocks(pieces):
        yield block.encode("utf-8")


def blocks(pieces: Iterable[str], size: int = 1 << 16) -> Iterator[str]:
    """`pieces` joined into blocks of about `size` characters (one write per block, not per piece)."""
    block: list[str] = []
    held = 0
    for piece in pieces:
        block.append(piece)
        held += len(piece)
        if held >= size:
            yield "".join(block)
            block, held = [], 0
    if block:
        yield "".join(block)


def writable_dir_problem(path: str | os.PathLike[str]) -> str | None:
    """Why a regular file at `path` could not be replaced (checked before a multi-file write), or None."""
    real = os.path.realpath(os.fspath(path))
    directory = os.path.dirname(real) or "."
    if not os.access(directory, os.W_OK | os.X_OK):
        return f"its directory {directory} is not writable"
    return None


def _writer_alive(name: str) -> bool:
    """Whether the process that made temp file `name` may still be writing it."""
    parts = name[: -len(TEMP_SUFFIX)].rsplit(".", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return True  # not named by this scheme (an older version's temp file): its age decides
    pid = int(parts[1])
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


def clean_stale_temps(directories: set[Path] | list[Path]) -> list[Path]:
    """Remove temp files a killed run left behind (older than STALE_AFTER_SECONDS) in `directories`."""
    removed: list[Path] = []
    cutoff = time.time() - STALE_AFTER_SECONDS
    for directory in directories:
        try:
            with os.scandir(directory) as it:
                entries = [e for e in it if e.name.startswith(".") and e.name.endswith(TEMP_SUFFIX)]
        except OSError:
            continue
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISREG(st.st_mode) and (st.st_mtime < cutoff or not _writer_alive(entry.name)):
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
            except OSError:
                continue
    return removed
