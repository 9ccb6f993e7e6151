"""Things that are not internal errors never exit 3: odd file names, closed or cut-short streams, a deleted
working directory, symlink loops, FIFOs and devices named as inputs, oversized stdin."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_run import run

BAD = ("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\n"
       "spec:\n  replicas: \"x\"\n  revisionHistoryLimt: 1\n")
posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX shells, FIFOs, byte file names")


def _sh(script: str, cwd: Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "RL": f"{sys.executable} -m rolloutlint"}
    return subprocess.run(["sh", "-c", script], cwd=cwd, env=env, input=stdin, capture_output=True, timeout=120, check=False)


def _repo(tmp_path: Path, files: int = 1) -> Path:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    for i in range(files):
        (tmp_path / f"r{i}.yaml").write_text(BAD.replace("name: r}", f"name: r{i}}}"))
    return tmp_path


@posix_only
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_non_utf8_file_name(tmp_path: Path, fmt: str) -> None:
    repo = _repo(tmp_path, 0)
    (Path(os.fsdecode(os.fsencode(repo) + b"/bad\xff.yaml"))).write_text(BAD)
    code, out, err = run(["lint", "-f", fmt, "."], repo)
    assert code == 1, err
    assert "xff.yaml" in out  # the undecodable byte shown escaped
    if fmt in ("json", "sarif"):
        json.loads(out)


@posix_only
def test_non_utf8_file_name_is_fixed(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 0)
    target = Path(os.fsdecode(os.fsencode(repo) + b"/bad\xff.yaml"))
    target.write_text(BAD)
    code, _, err = run(["lint", "--fix", "."], repo)
    assert code == 1 and "RL010" in err, err
    assert "revisionHistoryLimit: 1" in target.read_text()


@posix_only
def test_broken_pipe_keeps_the_exit_code(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 300)
    for cmd, expected in (("lint .", 1), ("lint -f json .", 1), ("rules", 0)):
        proc = subprocess.run(f"set -o pipefail; {sys.executable} -m rolloutlint {cmd} | head -1 >/dev/null",
                              shell=True, cwd=repo, capture_output=True, executable="/bin/bash", timeout=120, check=False)
        assert b"Traceback" not in proc.stderr and b"internal error" not in proc.stderr, proc.stderr
        assert proc.returncode == expected, (cmd, proc.stderr)


@posix_only
@pytest.mark.parametrize("args", ["--version", "lint .", "rules"])
def test_closed_stdout_is_a_usage_error(tmp_path: Path, args: str) -> None:
    proc = _sh(f"$RL {args} >&-", _repo(tmp_path))
    assert proc.returncode == 2, proc.stderr
    assert b"standard output is closed" in proc.stderr and b"Traceback" not in proc.stderr


@posix_only
def test_closed_stdout_with_output_file_still_lints(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    proc = _sh("$RL lint -f json -o out.json . >&-", repo)
    assert proc.returncode == 1, proc.stderr
    assert json.loads((repo / "out.json").read_text())["findings"]


@posix_only
def test_closed_stdin(tmp_path: Path) -> None:
    proc = _sh("$RL lint - <&-", _repo(tmp_path))
    assert proc.returncode == 2 and b"standard input is closed" in proc.stderr, proc.stderr


@posix_only
def test_deleted_working_directory(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    gone = tmp_path / "gone"
    gone.mkdir()
    proc = _sh(f"cd {gone} && rmdir {gone} && $RL explain RL010 && $RL lint {repo}", tmp_path)
    assert b"unknown-field" in proc.stdout
    assert proc.returncode == 2 and b"working directory no longer exists" in proc.stderr, proc.stderr


@posix_only
def test_symlink_loop_named(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "loop").symlink_to(repo / "loop")
    code, _, err = run(["lint", "loop"], repo)
    assert code == 2 and "loop is a symlink loop" in err


@posix_only
@pytest.mark.parametrize("option", [[], ["--config"], ["--baseline"]])
def test_fifo_inputs_are_refused_without_hanging(tmp_path: Path, option: list[str]) -> None:
    repo = _repo(tmp_path)
    os.mkfifo(repo / "pipe.yaml")
    proc = _sh(f"$RL lint {' '.join(option)} pipe.yaml {'.' if option else ''}", repo)
    assert proc.returncode == 2, proc.stderr
    assert b"FIFO" in proc.stderr


@posix_only
def test_character_device_config_is_refused(tmp_path: Path) -> None:
    code, _, err = run(["lint", "--config", os.devnull, "."], _repo(tmp_path))
    assert code == 2 and "character device" in err


def test_stdin_read_stops_at_the_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rolloutlint.core import infile

    class Endless:
        read_bytes = 0

        def read1(self, n: int) -> bytes:
            Endless.read_bytes += n
            return b"a" * n

        read = read1

    class Stdin:
        buffer = Endless()

    monkeypatch.setattr(sys, "stdin", Stdin())
    data = infile.read_stdin(1000)
    assert len(data) == 1001 and Endless.read_bytes == 1001  # one byte past the cap, never the rest


def test_oversized_stdin_is_a_finding(tmp_path: Path) -> None:
    repo = _repo(tmp_path, 0)
    proc = _sh("head -c 12000000 /dev/zero | tr '\\0' a | $RL lint -", repo)
    assert proc.returncode == 1 and b"larger than 10 MiB" in proc.stdout
