"""Use the second core: a forked worker shares the loading, and later the per-resource rules.

Loading and the rule phase of a large repository are long runs of independent, cheap steps, so the only
large speed-up left is the second core. Each side takes items from its own end of the list until the
two meet, so the split balances itself. `fork` gives the worker everything already in memory (copy on
write); only plain data travels back, streamed as it is produced: documents' values and problems (their
positions are composed on demand in this process, like any fast-parsed file's), and reports with
resources replaced by their index. Anything unexpected (no fork on this platform, a worker that dies)
leaves the missing items to this process, so the result never depends on whether the split happened.
"""

from __future__ import annotations

import marshal
import mmap
import os
import signal
import struct
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from rolloutlint.core.findings import Edit, Fix, RelatedRef, Report
from rolloutlint.core.source import Document, DuplicateKey, Problem, SourceFile
from rolloutlint.load.loader import compose_only
from rolloutlint.core.model import Resource

MIN_RESOURCES = 1500  # below this, forking costs more than it saves
MIN_FILES = 400  # likewise for loading (a file is a few documents)
CHUNKS = 256  # the rule phase is shared in this many chunks: small enough to balance, large enough to be cheap
T = TypeVar("T")


def can_fork() -> bool:
    # Never with another thread running (a render prefetch, an embedding application's): the child would
    # inherit whatever locks that thread held.
    return hasattr(os, "fork") and sys.platform != "win32" and (os.cpu_count() or 1) > 1 and \
        threading.active_count() == 1


def _with_worker(theirs: Callable[[int], None], mine: Callable[[int | None], None]) -> None:
    """Run `theirs(write_fd)` in a forked worker while this process runs `mine(read_fd)`, which must read
    the pipe to its end. How the worker ended does not matter: what it did not send, `mine`'s caller does
    itself. Without a worker (fork failed) `mine(None)` does everything."""
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        mine(None)
        return
    if pid == 0:  # the worker: compute, send, and leave without running the parent's exit handlers
        os.close(read_fd)
        status = 1
        try:
            theirs(write_fd)
            status = 0
        finally:
            os._exit(status)
    os.close(write_fd)
    try:
        mine(read_fd)
    except BaseException:
        os.kill(pid, signal.SIGKILL)  # its share is of no use now; leave no process behind
        os.waitpid(pid, 0)
        raise
    finally:
        os.close(read_fd)
    os.waitpid(pid, 0)


_RECORD = struct.Struct("<II")  # item index, payload length
_FLUSH_AT = 1 << 16


def _send(fd: int, records: Iterator[tuple[int, bytes]]) -> None:
    """Write (index, payload) records as they come, in pieces, so the reader can take them in while the
    worker goes on."""
    buf = bytearray()
    for i, data in records:
        buf += _RECORD.pack(i, len(data))
        buf += data
        if len(buf) >= _FLUSH_AT:
            _write_all(fd, buf)
            buf.clear()
    _write_all(fd, buf)


def _write_all(fd: int, data: bytearray) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class _Inbox:
    """The reading end: complete records taken from the pipe without waiting, or, at the end, all of them."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buf = bytearray()
        self.open = True
        os.set_blocking(fd, False)
        try:  # a larger pipe lets the worker run ahead of this side's reading (Linux only)
            import fcntl

            fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
        except (ImportError, OSError):
            pass

    def take(self, wait: bool = False) -> list[tuple[int, bytes]]:
        """What has arrived; with `wait`, everything until the worker closes its end."""
        if wait:
            os.set_blocking(self.fd, True)
        while self.open:
            try:
                chunk = os.read(self.fd, 1 << 20)
            except BlockingIOError:
                break
            if not chunk:
                self.open = False
            self.buf += chunk
        return self._records()

    def _records(self) -> list[tuple[int, bytes]]:
        out = []
        buf, pos, size = self.buf, 0, len(self.buf)
        while size - pos >= _RECORD.size:
            i, length = _RECORD.unpack_from(buf, pos)
            end = pos + _RECORD.size + length
            if end > size:
                break  # the rest of this record is still in the pipe (or lost with a dead worker)
            out.append((i, bytes(buf[pos + _RECORD.size:end])))
            pos = end
        del buf[:pos]
        return out


def _share(n: int, mine_one: Callable[[int], T], theirs_one: Callable[[int], bytes], receive: Callable[[bytes], T],
           before: Callable[[], object] | None = None) -> dict[int, T]:
    """Items 0..n-1 shared between this process (from the front, after `before`) and a forked worker (from
    the back) until the two meet, so the split balances itself whatever each item and `before` cost.

    The worker sends each result (`theirs_one`: bytes) as soon as it has it, and this side turns them
    into its own (`receive`) between its own items, so little is left to take in once the two meet.
    One byte per item in memory shared with the worker says who took it: each side stops at the first
    item the other has taken. An item both take in the same instant is done twice and this side keeps
    its own result, so no item is ever skipped. Returns every result this side has: items a failed
    worker never sent are missing, and the caller does them itself.
    """
    taken = mmap.mmap(-1, n)
    got: dict[int, T] = {}

    def theirs(fd: int) -> None:
        def results() -> Iterator[tuple[int, bytes]]:
            for i in range(n - 1, -1, -1):
                if taken[i]:
                    break
                taken[i] = 2
                yield i, theirs_one(i)
        _send(fd, results())

    def accept(records: list[tuple[int, bytes]]) -> None:
        for i, data in records:
            if i not in got:
                got[i] = receive(data)

    def mine(fd: int | None) -> None:
        inbox = _Inbox(fd) if fd is not None else None
        if before is not None:
            before()
        for i in range(n):
            if taken[i]:
                break
            taken[i] = 1
            got[i] = mine_one(i)
            if inbox is not None:
                accept(inbox.take())
        if inbox is not None:
            accept(inbox.take(wait=True))

    _with_worker(theirs, mine)
    return got


def load_split(paths: Sequence[Path], load: Callable[[Path], SourceFile], meanwhile: Callable[[], object] | None = None,
               prepare: Callable[[], object] | None = None,
               adopt: Callable[[SourceFile], object] | None = None) -> list[SourceFile]:
    """`[load(p) for p in paths]` (after running `meanwhile`, if given); on a large repository shared with
    a worker, while this process first runs `meanwhile` and then `prepare` (work only worth doing ahead
    of time when a worker shares its cost). `adopt` runs in this process on every file as soon as it is
    here, loaded or received, so per-file work that must happen in this process is shared as well."""

    from rolloutlint.run.progress import current as progress

    done = [0]

    def here(src: SourceFile) -> SourceFile:
        if adopt is not None:
            adopt(src)
        done[0] += 1
        progress.tick("files loaded", done[0], len(paths))
        return src

    if len(paths) < MIN_FILES or not can_fork():
        if meanwhile is not None:
            meanwhile()
        return [here(load(p)) for p in paths]

    def before() -> None:
        for step in (meanwhile, prepare):
            if step is not None:
                step()

    n = len(paths)
    got = _share(n, lambda i: here(load(paths[i])), lambda i: marshal.dumps(_pack(load(paths[i]))),
                 lambda data: here(_unpack(marshal.loads(data))), before=before)
    if len(got) < n:  # the worker failed: load its share here, with libyaml alone in case rapidyaml crashed it
        with compose_only():
            for i in range(n):
                if i not in got:
                    got[i] = here(load(paths[i]))
    return [got[i] for i in range(n)]


def _pack(src: SourceFile) -> tuple[Any, ...]:
    problems = [(p.rule_id, p.message, p.line, p.column, p.end_line, p.end_column) for p in src.problems]
    docs = [(d.index, d.value, [(k.path, k.key, k.first_line, k.same_value) for k in d.duplicates]) for d in src.documents]
    return str(src.path), src.display, src.text, src.is_template, problems, docs


def _unpack(item: tuple[Any, ...]) -> SourceFile:
    path, display, text, is_template, problems, docs = item
    src = SourceFile(Path(path), display, text, is_template=is_template, problems=[Problem(*p) for p in problems])
    src.documents = [Document(index, value, [DuplicateKey(*k) for k in dups], source=src) for index, value, dups in docs]
    return src


def run_split(resources: Sequence[Resource], all_resources: Sequence[Resource],
              work: Callable[[Sequence[Resource]], list[Report]],
              jobs: Sequence[Callable[[], list[Report]]] = ()) -> list[Report]:
    """`work(resources)` and every job's reports, shared with a forked worker in small items when that
    pays off.

    Rare kinds go first, so this process takes them: their rules (AnalysisTemplates, Applications) are the
    ones that build project-wide tables, which the worker, working from the other end through the common
    kinds, then never needs to build as well. Tables both sides need are built on each side, at the same
    time. (A serial warm-up that built them before forking cost more: the worker idled meanwhile.) The
    jobs (project-wide rules) go last: the worker starts with them.
    """
    if len(resources) < MIN_RESOURCES or not can_fork():
        return work(resources) + [rep for job in jobs for rep in job()]
    counts: dict[str, int] = {}
    for res in resources:
        counts[res.kind] = counts.get(res.kind, 0) + 1
    ordered = sorted(resources, key=lambda r: counts[r.kind])  # stable: file order within a kind
    size = max(8, len(ordered) // CHUNKS)
    items: list[Callable[[], list[Report]]] = [
        (lambda chunk=ordered[i:i + size]: work(chunk)) for i in range(0, len(ordered), size)]  # type: ignore[misc]
    items += jobs
    import pickle

    index_of: dict[int, int] = {}  # resource id -> position, built by the worker (only it encodes)

    def theirs_one(i: int) -> bytes:
        reports = items[i]()
        if not index_of:
            index_of.update((id(r), j) for j, r in enumerate(all_resources))
        return pickle.dumps([_encode(rep, index_of) for rep in reports], protocol=pickle.HIGHEST_PROTOCOL)

    from rolloutlint.run.progress import current as progress

    done = [0]

    def ticked(reports: list[Report]) -> list[Report]:
        done[0] += 1
        progress.tick("rules run", done[0], len(items))
        return reports

    got = _share(len(items), lambda i: ticked(items[i]()), theirs_one,
                 lambda data: ticked([_decode(item, all_resources) for item in pickle.loads(data)]))
    # A failed worker's items are done here.
    return [rep for i in range(len(items)) for rep in (got[i] if i in got else items[i]())]


def _ref(res: Resource | None, index_of: dict[int, int]) -> int | None:
    return None if res is None else index_of[id(res)]


def _encode(rep: Report, index_of: dict[int, int]) -> Any:
    related = tuple(replace(r, resource=_ref(r.resource, index_of)) for r in rep.related)  # type: ignore[arg-type]
    fix = rep.fix
    if fix is not None:
        fix = replace(fix, edits=tuple(replace(e, target=_ref(e.target, index_of)) for e in fix.edits))  # type: ignore[arg-type]
    return replace(rep, resource=_ref(rep.resource, index_of), related=related, fix=fix)  # type: ignore[arg-type]


def _decode(rep: Report, resources: Sequence[Resource]) -> Report:
    def res(i: Any) -> Resource | None:
        return None if i is None else resources[i]

    related = tuple(RelatedRef(res(r.resource), r.path, r.message, r.key) for r in rep.related)
    fix = rep.fix
    if fix is not None:
        fix = Fix(fix.description, tuple(Edit(e.op, e.path, e.value, res(e.target)) for e in fix.edits), fix.safe)
    return replace(rep, resource=res(rep.resource), related=related, fix=fix)
