"""Use the second core: a forked worker loads half of the files, and later runs the per-resource rules on
half of the resources.

Loading and the rule phase of a large repository are long runs of independent, cheap steps, so the only
large speed-up left is the second core. `fork` gives the worker everything already in memory (copy on
write); only plain data travels back: documents' values and problems (their positions are composed on
demand in this process, like any fast-parsed file's), and reports with resources replaced by their
index. Anything unexpected (no fork on this platform, a worker that dies) falls back to doing the work
here, so the result never depends on whether the split happened.
"""

from __future__ import annotations

import marshal
import mmap
import os
import pickle
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from rolloutlint.findings import Edit, Fix, RelatedRef, Report
from rolloutlint.loader import Document, DuplicateKey, Problem, SourceFile, compose_only
from rolloutlint.model import Resource

MIN_RESOURCES = 1500  # below this, forking costs more than it saves
MIN_FILES = 400  # likewise for loading (a file is a few documents)
T = TypeVar("T")


def can_fork() -> bool:
    return hasattr(os, "fork") and sys.platform != "win32" and (os.cpu_count() or 1) > 1


def _with_worker(theirs: Callable[[], bytes], mine: Callable[[], T]) -> tuple[T, bytes | None]:
    """Run `theirs` in a forked worker while this process runs `mine`; the worker's bytes, or None when
    there was no worker or it failed (the caller then does that share itself)."""
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return mine(), None
    if pid == 0:  # the worker: compute, send, and leave without running the parent's exit handlers
        os.close(read_fd)
        status = 1
        try:
            payload = theirs()
            with os.fdopen(write_fd, "wb") as out:
                out.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_fd)
    try:
        result = mine()
    except BaseException:
        os.close(read_fd)
        os.kill(pid, signal.SIGKILL)  # its share is of no use now; leave no process behind
        os.waitpid(pid, 0)
        raise
    with os.fdopen(read_fd, "rb") as inp:
        payload = inp.read()
    _, status = os.waitpid(pid, 0)
    return result, (payload if status == 0 and payload else None)


def load_split(paths: Sequence[Path], load: Callable[[Path], SourceFile],
               meanwhile: Callable[[], object] | None = None) -> list[SourceFile]:
    """`[load(p) for p in paths]` (after running `meanwhile`, if given). On a large repository a forked
    worker loads from the end of the list while this process runs `meanwhile` and then loads from the
    front, until the two meet, so the split balances itself whatever `meanwhile` and the files cost."""
    if len(paths) < MIN_FILES or not can_fork():
        if meanwhile is not None:
            meanwhile()
        return [load(p) for p in paths]
    n = len(paths)
    # One byte per file in memory shared with the worker: whoever finds it 0 takes the file. Each side
    # stops at the first file the other has taken; a file both take in the same instant is loaded twice
    # and this process keeps its own copy, so no file is ever skipped.
    taken = mmap.mmap(-1, n)

    def theirs() -> bytes:
        out = []
        for i in range(n - 1, -1, -1):
            if taken[i]:
                break
            taken[i] = 2
            out.append((i, _pack(load(paths[i]))))
        return marshal.dumps(out)

    def mine() -> dict[int, SourceFile]:
        if meanwhile is not None:
            meanwhile()
        got: dict[int, SourceFile] = {}
        for i in range(n):
            if taken[i]:
                break
            taken[i] = 1
            got[i] = load(paths[i])
        return got

    got, payload = _with_worker(theirs, mine)
    if payload is not None:
        for i, item in marshal.loads(payload):
            if i not in got:
                got[i] = _unpack(item)
    if len(got) < n:  # the worker failed: load its share here, with libyaml alone in case rapidyaml crashed it
        with compose_only():
            for i in range(n):
                if i not in got:
                    got[i] = load(paths[i])
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
              work: Callable[[Sequence[Resource]], list[Report]]) -> list[Report]:
    """`work(resources)`, with the second half done by a forked worker when that pays off."""
    if len(resources) < MIN_RESOURCES or not can_fork():
        return work(resources)
    # Warm up before forking: the first resource of each kind makes the rules build their project-wide
    # lookup tables, compile schemas and import what they import lazily, so the worker inherits all of
    # that instead of paying for it a second time (it was a third of the rule phase).
    warm: list[Resource] = []
    seen_kinds: set[str] = set()
    for res in resources:
        if res.kind not in seen_kinds:
            seen_kinds.add(res.kind)
            warm.append(res)
    warmed = work(warm)
    warm_ids = {id(r) for r in warm}
    rest = [r for r in resources if id(r) not in warm_ids]
    half = len(rest) // 2
    first, second = rest[:half], rest[half:]
    index_of = {id(r): i for i, r in enumerate(all_resources)}
    mine, payload = _with_worker(
        lambda: pickle.dumps([_encode(rep, index_of) for rep in work(second)], protocol=pickle.HIGHEST_PROTOCOL),
        lambda: warmed + work(first))
    if payload is None:
        return mine + work(second)
    return mine + [_decode(item, all_resources) for item in pickle.loads(payload)]


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
