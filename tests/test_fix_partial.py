"""`--fix` over files it cannot all write: checked before writing, reported file by file, counted right."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rolloutlint.core import outfile
from tests.cli_run import run

BAD = ("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: NAME}\n"
       "spec:\n  replicas: 1\n  revisionHistoryLimt: 1\n")


def _repo(tmp_path: Path) -> Path:
    (tmp_path / ".rolloutlint.yaml").write_text("select: [RL010]\n")
    for d in ("open", "locked"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "r.yaml").write_text(BAD.replace("NAME", d))
    return tmp_path


def test_unwritable_directory_is_refused_before_anything_is_written(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path)
    locked = str((repo / "locked").resolve())
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if str(p) == locked else real_access(p, mode, **kw))
    code, _, err = run(["lint", "--fix", "."], repo)
    assert code == 1
    assert "revisionHistoryLimit" in (repo / "open" / "r.yaml").read_text()
    assert (repo / "locked" / "r.yaml").read_text() == BAD.replace("NAME", "locked")
    assert "fixed 1 finding(s) in 1 file(s)" in err
    assert "locked/r.yaml: not fixed: cannot be rewritten" in err


def test_a_failed_write_is_reported_and_not_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = _repo(tmp_path)
    real = outfile.write_bytes

    def flaky(path: str | os.PathLike[str], data: bytes, **kw: object) -> None:
        if "locked" in os.fspath(path):
            raise outfile.WriteError(f"cannot write {path}: No space left on device")
        real(path, data, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(outfile, "write_bytes", flaky)
    code, _, err = run(["lint", "--fix", "."], repo)
    assert code == 1
    assert "revisionHistoryLimit" in (repo / "open" / "r.yaml").read_text()
    assert "revisionHistoryLimt" in (repo / "locked" / "r.yaml").read_text()
    assert "fixed 1 finding(s) in 1 file(s)" in err
    assert "1 fix(es) were made but could not be written" in err and "No space left on device" in err
