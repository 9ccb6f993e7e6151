"""A repository full of bad input still lints end to end: clear findings, the good file still checked,
no traceback, exit code 1 (findings), never 3."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_hostile_repository(tmp_path: Path) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    (tmp_path / "bomb.yaml").write_text("a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{c}: &{c} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, c in zip("abcdefgh", "bcdefghi")))
    (tmp_path / "deep.yaml").write_text("[" * 10000 + "]" * 10000)
    (tmp_path / "binary.yaml").write_bytes(bytes(range(256)) * 64)
    (tmp_path / "template.yaml").write_text("metadata:\n  name: {{ .Values.name }}\n{{- if .Values.x }}\nx: 1\n{{- end }}\n")
    (tmp_path / "broken.yaml").write_text("a: [1, 2\n")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    (tmp_path / "unknown.yaml").write_text("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {x: 1}\n")
    with (tmp_path / "huge.yaml").open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    (tmp_path / "good.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  replicas: \"x\"\n")
    proc = subprocess.run([sys.executable, "-m", "rolloutlint", "lint", "-f", "json", "."], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    by_file: dict[str, set[str]] = {}
    for f in doc["findings"]:
        by_file.setdefault(f["file"], set()).add(f["rule"])
    assert by_file["bomb.yaml"] == {"RL002"}
    assert by_file["deep.yaml"] == {"RL002"}
    assert by_file["binary.yaml"] == {"RL002"}
    assert by_file["huge.yaml"] == {"RL002"}
    assert by_file["template.yaml"] == {"RL005"}
    assert by_file["broken.yaml"] == {"RL001"}
    assert by_file["list.yaml"] == {"RL004"}
    assert "unknown.yaml" not in by_file  # unknown kinds are indexed, not errors
    assert "RL011" in by_file["good.yaml"]  # the good file is still linted
