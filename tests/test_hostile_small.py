"""Smaller hostile-input items: baseline fingerprints without line numbers, temp files of a killed
`--fix`, unreadable directories, configuration edge cases."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli_run import run

DUP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: x\n  b: y\n  a: z\n"


def test_baseline_ignores_line_numbers_inside_messages(tmp_path: Path) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    (tmp_path / "c.yaml").write_text(DUP)
    assert run(["lint", "--write-baseline", "b.json", "."], tmp_path)[0] == 0
    assert "first at line" in (tmp_path / "b.json").read_text()  # RL003's message names a line
    (tmp_path / "c.yaml").write_text("# a new comment line moves everything down\n" + DUP)
    code, out, err = run(["lint", "--baseline", "b.json", "."], tmp_path)
    assert code == 0, out + err


def test_stale_temp_files_are_removed_by_the_next_fix(tmp_path: Path) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    (tmp_path / "c.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=False)
    stale = tmp_path / f".c.yaml.{int(dead.stdout)}.k1ll3d00.rolloutlint-tmp"
    stale.write_text("apiVersion: v1\nkind: Conf")
    old = tmp_path / ".c.yaml.oldstyle.rolloutlint-tmp"  # an older version's name: removed once it is old
    old.write_text("x")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    code, _, err = run(["lint", "--fix", "."], tmp_path)
    assert code == 0, err
    assert not stale.exists() and not old.exists()
    assert "left by an interrupted run" in err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigkill_during_fix_leaves_old_or_new_content(tmp_path: Path) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text("select: [RL010]\n")
    original = ("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n"
                "  revisionHistoryLimt: 1\n" + "".join(f"  # padding {i}\n" for i in range(2000)))
    names = [f"r{i}.yaml" for i in range(40)]
    for name in names:
        (tmp_path / name).write_text(original.replace("name: r}", f"name: {name[:-5]}}}"))
    fixed_once = set()
    for delay in (0.3, 0.6, 0.9, 1.2, 1.5):
        proc = subprocess.Popen([sys.executable, "-m", "rolloutlint", "lint", "--fix", "."], cwd=tmp_path,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        for name in names:
            text = (tmp_path / name).read_text()
            expect = original.replace("name: r}", f"name: {name[:-5]}}}")
            assert text in (expect, expect.replace("revisionHistoryLimt", "revisionHistoryLimit")), name
            if "revisionHistoryLimit" in text:
                fixed_once.add(name)
    # Whatever the kills left behind is gone after the next complete run (the temp files' writer is dead).
    code, _, err = run(["lint", "--fix", "."], tmp_path)
    assert code == 0, err
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".rolloutlint-tmp")]


def test_unreadable_directory_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "c.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    locked = str(tmp_path / "locked")
    real = os.scandir

    def scandir(path: str = ".") -> object:
        if os.fspath(path) == locked:
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, out, err = run(["lint", "-f", "json", "."], tmp_path)
    found = [(f["file"], f["rule"], f["message"]) for f in json.loads(out)["findings"]]
    assert code == 1, err
    assert found == [("locked", "RL002", "cannot read directory: Permission denied; the files in it are not linted")]


@pytest.mark.parametrize(("config", "message"), [
    ("fail-on: error\n---\nfail-on: never\n", "one YAML document"),
    ("fail-on: error\nfail-on: never\n", "'fail-on' is repeated"),
    ("severity:\n  RL010: 7\n", "is not one of"),
    ("rules:\n  RL010:\n    severity: 7\n", "unknown severity '7'"),
])
def test_config_edge_cases_exit_2(tmp_path: Path, config: str, message: str) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text(config)
    (tmp_path / "c.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    code, _, err = run(["lint", "."], tmp_path)
    assert code == 2 and message in err, err


def test_deeply_nested_baseline_exit_2(tmp_path: Path) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    (tmp_path / "b.json").write_text("[" * 100000 + "]" * 100000)
    code, _, err = run(["lint", "--baseline", "b.json", "."], tmp_path)
    assert code == 2 and "not valid JSON" in err, err
