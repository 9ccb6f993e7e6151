"""The one output writer: regular files replaced atomically (mode kept, symlinks followed), FIFOs and
devices written directly, unwritable targets a usage error that leaves no temp file."""

from __future__ import annotations

import json
import os
import stat
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from rolloutlint.core.outfile import TEMP_SUFFIX, WriteError, clean_stale_temps, write_text
from tests.cli_run import run

BAD = ("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\n"
       "spec:\n  replicas: \"x\"\n")

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes, FIFOs and symlinks")


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".rolloutlint.yaml").write_text("{}\n")
    (repo / "r.yaml").write_text(BAD)
    return repo


def _temps(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.endswith(TEMP_SUFFIX) or p.name.startswith(".rolloutlint-")]


@posix_only
def test_new_report_gets_the_umask_default_mode(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    old = os.umask(0o022)
    try:
        code, _, _ = run(["lint", "-f", "json", "-o", "out.json", "."], repo)
    finally:
        os.umask(old)
    assert code == 1
    assert stat.S_IMODE((repo / "out.json").stat().st_mode) == 0o644  # not mkstemp's 0600
    json.loads((repo / "out.json").read_text())


@posix_only
def test_existing_report_keeps_its_mode(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "out.json").write_text("old")
    os.chmod(repo / "out.json", 0o640)
    run(["lint", "-f", "json", "-o", "out.json", "."], repo)
    assert stat.S_IMODE((repo / "out.json").stat().st_mode) == 0o640
    json.loads((repo / "out.json").read_text())


@posix_only
def test_symlinked_report_updates_its_target(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    real = tmp_path / "reports" / "lint.json"
    real.parent.mkdir()
    real.write_text("stale")
    (repo / "link.json").symlink_to(real)
    code, _, _ = run(["lint", "-f", "json", "-o", "link.json", "."], repo)
    assert code == 1
    assert (repo / "link.json").is_symlink()
    assert json.loads(real.read_text())["findings"]
    assert not _temps(real.parent) and not _temps(repo)


@posix_only
def test_fifo_output_is_written_not_replaced(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    fifo = repo / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    code, _, err = run(["lint", "-f", "json", "-o", "pipe", "."], repo)
    reader.join(30)
    assert code == 1, err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still a FIFO
    assert json.loads(got[0].decode())["findings"]


@posix_only
def test_fifo_baseline_target_is_written_directly(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    fifo = repo / "base.pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    code, _, err = run(["lint", "--write-baseline", "base.pipe", "."], repo)
    reader.join(30)
    assert code == 0, err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert json.loads(got[0].decode())["entries"]


@posix_only
@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_output_is_a_usage_error_without_temp_files(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    locked = repo / "locked"
    locked.mkdir()
    os.chmod(locked, 0o500)
    try:
        code, _, err = run(["lint", "-f", "json", "-o", "locked/out.json", "."], repo)
        code_b, _, err_b = run(["lint", "--write-baseline", "locked/b.json", "."], repo)
    finally:
        os.chmod(locked, 0o700)
    assert code == 2 and "cannot write locked/out.json" in err, err
    assert code_b == 2 and "locked/b.json" in err_b, err_b
    assert list(locked.iterdir()) == [] and not _temps(repo)


def test_directory_target_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WriteError, match="is a directory"):
        write_text(tmp_path, "x")


@posix_only
def test_stale_temp_of_a_dead_process_is_removed(tmp_path: Path) -> None:
    import subprocess

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=False)
    pid = int(dead.stdout)
    stale = tmp_path / f".a.yaml.{pid}.abcd1234{TEMP_SUFFIX}"
    stale.write_text("half")
    mine = tmp_path / f".b.yaml.{os.getpid()}.abcd1234{TEMP_SUFFIX}"
    mine.write_text("in progress")
    assert clean_stale_temps([tmp_path]) == [stale]
    assert mine.exists()


def test_output_under_a_file_is_a_usage_error(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    code, _, err = run(["lint", "-f", "json", "-o", "r.yaml/out.json", "."], repo)
    assert code == 2 and "cannot write r.yaml/out.json" in err, err
    assert (repo / "r.yaml").read_text() == BAD and not _temps(repo)


@posix_only
def test_unwritable_directory_via_write_error_leaves_no_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root nothing is unwritable: make the rename fail instead and check the temp file goes."""
    def refuse(src: str, dst: str) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(WriteError, match="Permission denied"):
        write_text(tmp_path / "out.json", "{}")
    assert list(tmp_path.iterdir()) == []


def test_report_written_in_pieces_is_atomic(tmp_path: Path) -> None:
    """Pieces are written as they come; a failure before the last one leaves the old content and no temp."""
    target = tmp_path / "report.json"
    write_text(target, iter(["é" * 70000, "b", "c"]))
    assert target.read_text(encoding="utf-8") == "é" * 70000 + "bc"

    def failing() -> Iterator[str]:
        yield "x" * 100000
        raise RuntimeError("reporter failed")

    with pytest.raises(RuntimeError):
        write_text(target, failing())
    assert target.read_text(encoding="utf-8") == "é" * 70000 + "bc"
    assert _temps(tmp_path) == []


def test_json_on_stdout_is_the_file_report(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    code, out, _ = run(["lint", "-f", "json", "."], repo)
    code2, _, _ = run(["lint", "-f", "json", "-o", str(tmp_path / "r.json"), "."], repo)
    assert code == code2 == 1
    assert out == (tmp_path / "r.json").read_text(encoding="utf-8")
    assert json.loads(out)["findings"]


@posix_only
@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="no /dev/stdout")
def test_dev_stdout_on_a_pipe_is_written(tmp_path: Path) -> None:
    """`-o /dev/stdout` with stdout a pipe: the link resolves to `pipe:[N]`, no path, yet the pipe is there."""
    import subprocess

    repo = _repo(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "rolloutlint", "lint", "-f", "json", "-o", "/dev/stdout", "."],
                          cwd=repo, capture_output=True, check=False)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["findings"]
