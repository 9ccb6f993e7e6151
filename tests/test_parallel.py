"""The forked splits of loading and of the rule phase give exactly the serial result (files, findings,
related, fixes, positions)."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

import rolloutlint.run.parallel as parallel
from rolloutlint.api import lint_paths
from rolloutlint.core.source import SourceFile
from rolloutlint.load.loader import load_file

RULES = Path(__file__).resolve().parents[1] / "rules"


def _snapshot(tmp: Path) -> list[str]:
    result = lint_paths([str(tmp)], cwd=tmp)
    return sorted(repr((f.rule, f.location, f.message, f.related, f.fix, f.fingerprint)) for f in result.findings)


def _serial_snapshot_of_failing_examples(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every rule's failing example in one project, linted in one process."""
    (tmp / ".rolloutlint.yaml").write_text("{}\n")
    for case in sorted(RULES.glob("RL*/fail*.yaml")):
        shutil.copy(case, tmp / f"{case.parent.name}-{case.name}")
    monkeypatch.setattr(parallel, "MIN_RESOURCES", 10**9)
    monkeypatch.setattr(parallel, "MIN_FILES", 10**9)
    return _snapshot(tmp)


@pytest.mark.skipif(not parallel.can_fork(), reason="no fork on this platform")
def test_parallel_equals_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serial = _serial_snapshot_of_failing_examples(tmp_path, monkeypatch)
    monkeypatch.setattr(parallel, "MIN_RESOURCES", 1)
    monkeypatch.setattr(parallel, "MIN_FILES", 1)
    split = _snapshot(tmp_path)
    assert len(serial) > 200
    assert split == serial


def _files_snapshot(files: list[SourceFile]) -> list[tuple[object, ...]]:
    out = []
    for f in files:
        docs = [(d.index, d.value, d.duplicates, d.node.start_mark.line if d.node is not None else None) for d in f.documents]
        out.append((f.path, f.display, f.text, f.is_template, f.problems, docs))
    return out


HARD_FILES = {
    "dup.yaml": "a: 1\nb:\n  c: 1\n  c: 2\n",
    "anchors.yaml": "x: &a {k: v}\ny: *a\n---\nz: 1\n",
    "syntax.yaml": "a: [1, 2\n",
    "helm.yaml": "kind: {{ .Values.kind }}\n",
    "binary.yaml": "\x00\x01",
    "list.yaml": "apiVersion: v1\nkind: List\nitems:\n  - {apiVersion: v1, kind: Service, metadata: {name: a}}\n",
}


@pytest.mark.skipif(not parallel.can_fork(), reason="no fork on this platform")
@pytest.mark.parametrize("worker_fails", [False, True])
def test_load_split_equals_serial_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, worker_fails: bool) -> None:
    paths = []
    for case in sorted(RULES.glob("RL*/*.yaml"))[:60]:
        paths.append(tmp_path / f"{case.parent.name}-{case.name}")
        shutil.copy(case, paths[-1])
    for name, text in HARD_FILES.items():
        paths.append(tmp_path / name)
        paths[-1].write_text(text, encoding="utf-8")
    serial = _files_snapshot([load_file(p, p.name) for p in paths])
    monkeypatch.setattr(parallel, "MIN_FILES", 1)
    if worker_fails:  # the worker dies before sending anything: this process loads its half
        monkeypatch.setattr(parallel, "_pack", lambda src: os.kill(os.getpid(), signal.SIGKILL))
    files = parallel.load_split(paths, lambda p: load_file(p, p.name))
    # The worker takes the last file first. When it dies, this process reloads that file with libyaml
    # alone (composed at once, nothing pending), in case rapidyaml is what killed it.
    last = files[-1].documents
    assert last and all((d.source is None) == worker_fails for d in last)
    assert _files_snapshot(files) == serial


@pytest.mark.skipif(not parallel.can_fork(), reason="no fork on this platform")
def test_load_split_balances_around_a_slow_meanwhile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    paths = []
    for i, case in enumerate(sorted(RULES.glob("RL*/*.yaml"))[:40]):
        paths.append(tmp_path / f"{i:03}-{case.name}")
        shutil.copy(case, paths[-1])
    serial = _files_snapshot([load_file(p, p.name) for p in paths])
    monkeypatch.setattr(parallel, "MIN_FILES", 1)
    calls: list[int] = []

    def slow() -> None:  # while this runs, the worker takes files from the end of the list
        calls.append(os.getpid())
        time.sleep(0.3)

    unpacked: list[str] = []
    unpack = parallel._unpack
    monkeypatch.setattr(parallel, "_unpack", lambda item: unpacked.append(item[1]) or unpack(item))
    files = parallel.load_split(paths, lambda p: load_file(p, p.name), meanwhile=slow)
    assert calls == [os.getpid()]  # once, in this process
    assert _files_snapshot(files) == serial
    assert len(unpacked) > len(paths) // 2  # the worker took the larger share while this side was busy


@pytest.mark.skipif(not parallel.can_fork(), reason="no fork on this platform")
def test_load_split_leaves_no_worker_when_this_side_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    paths = [tmp_path / f"{i}.yaml" for i in range(20)]
    for p in paths:
        p.write_text("a: 1\n", encoding="utf-8")
    monkeypatch.setattr(parallel, "MIN_FILES", 1)

    def boom() -> None:
        raise RuntimeError("meanwhile failed")

    with pytest.raises(RuntimeError):
        parallel.load_split(paths, lambda p: load_file(p, p.name), meanwhile=boom)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left, finished or not


@pytest.mark.skipif(not parallel.can_fork(), reason="no fork on this platform")
def test_rule_split_survives_a_dying_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serial = _serial_snapshot_of_failing_examples(tmp_path, monkeypatch)
    monkeypatch.setattr(parallel, "MIN_RESOURCES", 1)
    killed: list[int] = []

    def encode(rep, index_of):  # type: ignore[no-untyped-def]
        if os.getpid() != main_pid:
            os.kill(os.getpid(), signal.SIGKILL)  # the worker dies on its first report
        killed.append(1)
        return rep

    main_pid = os.getpid()
    monkeypatch.setattr(parallel, "_encode", encode)
    assert _snapshot(tmp_path) == serial
    assert not killed  # only the worker encodes; this process did its chunks itself


@pytest.mark.skipif(not parallel.can_fork(), reason="no fork on this platform")
@pytest.mark.parametrize("die_after", [None, 150])
def test_share_streams_more_than_a_pipe_holds(die_after: int | None) -> None:
    # 400 results of 20 kB each: far more than a pipe buffers, so both sides must keep reading and
    # writing while they work. A worker that dies midway keeps what it sent complete; the rest is missing.
    n = 400

    def theirs_one(i: int) -> bytes:
        if die_after is not None and i < n - die_after:
            os.kill(os.getpid(), signal.SIGKILL)
        return str(i).encode() * 5000

    def mine_one(i: int) -> tuple[str, int]:
        time.sleep(0.002)  # slower than the worker, so it sends most results
        return ("mine", i)

    got = parallel._share(n, mine_one, theirs_one, lambda data: ("theirs", data[:8]))
    assert all(got[i][0] == "mine" or got[i][1] == (str(i).encode() * 5000)[:8] for i in got)
    theirs = sorted(i for i in got if got[i][0] == "theirs")
    mine = sorted(i for i in got if got[i][0] == "mine")
    assert mine == list(range(len(mine)))  # this side works from the front without gaps
    if die_after is None:
        assert sorted(got) == list(range(n))
        assert len(theirs) > n // 2
    else:
        assert theirs and all(i >= n - die_after for i in theirs)  # only complete results from before the death


@pytest.mark.skipif(not parallel.can_fork(), reason="no fork on this platform")
def test_prepare_runs_only_when_a_worker_shares_the_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = [tmp_path / f"{i}.yaml" for i in range(8)]
    for p in paths:
        p.write_text("a: 1\n", encoding="utf-8")
    calls: list[str] = []
    load = lambda p: load_file(p, p.name)  # noqa: E731
    monkeypatch.setattr(parallel, "MIN_FILES", 100)
    parallel.load_split(paths, load, meanwhile=lambda: calls.append("meanwhile"), prepare=lambda: calls.append("prepare"))
    assert calls == ["meanwhile"]  # a small run imports only what its manifests need
    monkeypatch.setattr(parallel, "MIN_FILES", 1)
    calls.clear()
    parallel.load_split(paths, load, meanwhile=lambda: calls.append("meanwhile"), prepare=lambda: calls.append("prepare"))
    assert calls == ["meanwhile", "prepare"]


def test_warm_up_covers_what_rules_import_on_first_use_and_prepare_imports_it() -> None:
    """Every module a rule module imports inside a function (to keep small runs light) is one the run
    warms up before forking its rule worker; otherwise the worker pays the import on every fork."""
    import ast
    import importlib.util
    import pathlib
    import subprocess
    import sys

    from rolloutlint.run.registry import WARM_UP

    checks = pathlib.Path(__file__).resolve().parents[1] / "rolloutlint" / "checks"
    deferred: set[str] = set()
    for path in checks.glob("*.py"):
        for fn in ast.walk(ast.parse(path.read_text())):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(fn):
                if isinstance(node, ast.Import):
                    deferred |= {a.name for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module:
                    deferred |= {f"{node.module}.{a.name}" if node.module in ("rolloutlint", "rolloutlint.providers",
                                                                              "rolloutlint.views") else node.module
                                 for a in node.names}
    assert deferred, "the scan found no deferred import: is it still reading the rule modules?"
    assert deferred <= set(WARM_UP), sorted(deferred - set(WARM_UP))
    assert all(importlib.util.find_spec(name) is not None for name in WARM_UP)
    code = ("import sys; from rolloutlint.run.registry import prepare_rules, WARM_UP; prepare_rules(); "
            "print([m for m in WARM_UP if m not in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
