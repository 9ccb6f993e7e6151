"""The progress line: only on a terminal, outside CI, after the delay; erased when done; silent otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rolloutlint.run import progress


def test_wanted_only_for_a_terminal_outside_ci() -> None:
    assert progress.wanted({}, isatty=True)
    assert not progress.wanted({}, isatty=False)
    assert not progress.wanted({"CI": "true"}, isatty=True)
    assert not progress.wanted({"GITHUB_ACTIONS": "true"}, isatty=True)
    assert not progress.wanted({"TERM": "dumb"}, isatty=True)


def _started(monkeypatch: pytest.MonkeyPatch, delay: float) -> tuple[progress.Progress, int]:
    read, write = os.pipe()
    monkeypatch.setattr(progress, "wanted", lambda: True)
    monkeypatch.setattr(progress, "DELAY", delay)
    monkeypatch.setattr(progress, "INTERVAL", 0.0)
    p = progress.Progress()
    monkeypatch.setattr(os, "dup", lambda fd: write)
    p.start()
    return p, read


def test_line_drawn_after_the_delay_and_erased(monkeypatch: pytest.MonkeyPatch) -> None:
    p, read = _started(monkeypatch, 0.0)
    p.tick("files loaded", 3, 10)
    p.finish()
    out = os.read(read, 1000).decode()
    assert out == "\r\x1b[Krolloutlint: files loaded 3/10 (0 s)\r\x1b[K"


def test_short_runs_draw_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    p, read = _started(monkeypatch, 60.0)
    p.tick("files loaded", 3, 10)
    p.finish()
    assert os.read(read, 1000) == b""  # finish closed the copy without writing


def test_not_started_means_silent() -> None:
    p = progress.Progress()
    p.tick("files loaded", 1, 2)  # no terminal copy: nothing to write to, no error
    p.finish()
    assert p.fd is None


def test_piped_cli_run_has_no_progress_line(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 80}]}\n")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS")}
    proc = subprocess.run([sys.executable, "-m", "rolloutlint", "lint", "."], cwd=tmp_path, capture_output=True,
                          env=env, check=False)
    assert b"\x1b[K" not in proc.stderr and b"\x1b[K" not in proc.stdout
