"""A fix never writes a key twice or changes another value; repeated keys are fixed in one run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rolloutlint.core.findings import Edit, Fix
from rolloutlint.fix.fixer import _Planned, _verify
from rolloutlint.load.loader import load_file
from tests.cli_run import run

ROLLOUT = """apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: reviews
spec:
  replicas: 3
  selector: {matchLabels: {app: reviews}}
  template:
    metadata: {labels: {app: reviews}}
    spec:
      containers:
      - name: reviews
        image: reviews:v2
        imagePul: Always
  strategy:
    canary:
      steps:
      - setWeight: 20
"""


def test_rename_onto_an_existing_key_is_not_offered(tmp_path: Path) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    (tmp_path / "r.yaml").write_text(ROLLOUT)
    code, out, err = run(["lint", "--fix", "-f", "json", "."], tmp_path)
    assert (tmp_path / "r.yaml").read_text() == ROLLOUT
    rules = [f["rule"] for f in json.loads(out)["findings"]]
    assert rules == ["RL010"] and code == 1, err  # still reported, never "fixed" into a second `image`


def test_verification_refuses_a_rename_that_repeats_a_key(tmp_path: Path) -> None:
    """Whatever a rule proposes: the re-read text must not hold a new repeated key, and a rename onto an
    existing key is not an overwrite."""
    path = tmp_path / "r.yaml"
    path.write_text(ROLLOUT)
    src = load_file(path, "r.yaml")
    doc = src.documents[0]
    where: Any = ("spec", "template", "spec", "containers", 0, "imagePul")
    edit = Edit("rename", where, "image")
    planned = _Planned(finding=None, fix=Fix("rename", (edit,)), src=src, doc=doc, edits=[(where, edit)])  # type: ignore[arg-type]
    fixed = ROLLOUT.replace("imagePul:", "image:")
    problem = _verify(src, fixed, [planned])
    assert problem is not None and "repeat the key 'image'" in problem


def test_repeated_keys_are_fixed_in_one_run(tmp_path: Path) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    body = "".join("  k: v\n" for _ in range(15))
    (tmp_path / "c.yaml").write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    a: x\n"
                                     f"    a: x  # again\ndata:\n{body}  j: 1\n")
    code, _, err = run(["lint", "--fix", "."], tmp_path)
    assert code == 0, err
    once = (tmp_path / "c.yaml").read_text()
    assert once == "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    a: x\ndata:\n  k: v\n  j: 1\n"
    code, _, err = run(["lint", "--fix", "."], tmp_path)
    assert (tmp_path / "c.yaml").read_text() == once and "nothing to fix" in err
