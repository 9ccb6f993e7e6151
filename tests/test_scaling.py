"""Costs that grew quadratically, pinned by counting operations (never by timing)."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

from rolloutlint import pipeline
from rolloutlint.core import positions
from tests.cli_run import run


def test_fix_on_a_long_list_copies_no_comment_attributes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ruamel.yaml.comments import CommentedBase

    calls = [0]
    real = CommentedBase.copy_attributes

    def counting(self: object, t: object, memo: object = None) -> object:
        calls[0] += 1
        return real(self, t, memo)  # type: ignore[arg-type]

    monkeypatch.setattr(CommentedBase, "copy_attributes", counting)
    env = "".join(f"        - name: e{i}\n          value: \"{i}\"\n" for i in range(400))
    (tmp_path / ".rolloutlint.yaml").write_text("select: [RL010]\n")
    (tmp_path / "r.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  revisionHistoryLimt: 1\n"
        "  template:\n    spec:\n      containers:\n      - name: a\n        env:\n" + env)
    code, _, err = run(["lint", "--fix", "."], tmp_path)
    assert code == 0, err
    assert "revisionHistoryLimit: 1" in (tmp_path / "r.yaml").read_text()
    assert calls[0] < 50  # a deep copy of the document per fix made one per list item (400+)


def test_findings_in_a_large_mapping_do_not_rescan_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    n = 1500
    keys = "".join(f"  unknownKey{i}: 1\n" for i in range(n))
    (tmp_path / ".rolloutlint.yaml").write_text("select: [RL010]\n")
    (tmp_path / "r.yaml").write_text("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: k}\n"
                                     "spec:\n  replicas: 1\n" + keys)
    project = pipeline.load_project(["."], cwd=tmp_path)
    checks = [0]
    real_scalar = positions.ScalarNode

    class Counting(type):
        def __instancecheck__(cls, obj: object) -> bool:
            checks[0] += 1
            return isinstance(obj, real_scalar)

    class ScalarCheck(metaclass=Counting):
        pass

    ratios = [0]
    real_ratio = difflib.SequenceMatcher.ratio

    def ratio(self: difflib.SequenceMatcher[str]) -> float:
        ratios[0] += 1
        return real_ratio(self)

    monkeypatch.setattr(positions, "ScalarNode", ScalarCheck)
    monkeypatch.setattr(difflib.SequenceMatcher, "ratio", ratio)
    findings = pipeline.lint_project(project).findings
    assert len([f for f in findings if f.rule == "RL010"]) == n
    assert findings[-1].location.line == n + 5  # positions still right
    assert checks[0] < 20 * n  # one scan per finding was n * n (2.25 million)
    assert ratios[0] < n  # only candidates whose quick bounds reach the threshold are scored


def test_simulate_does_not_compose_every_file(tmp_path: Path) -> None:
    from rolloutlint.plan.simulation import simulate_project

    for i in range(20):
        (tmp_path / f"r{i}.yaml").write_text(
            f"# header\n\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {{name: r{i}}}\nspec:\n"
            "  replicas: 2\n  strategy: {canary: {steps: [{setWeight: 50}]}}\n")
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    project = pipeline.load_project(["."], cwd=tmp_path)
    results = simulate_project(project)
    assert [r["resource"]["line"] for r in results] == [3] * 20
    composed = sum(1 for f in project.files for d in f.documents if d.composed is not None)
    from rolloutlint.load import fastparse

    if fastparse.available():
        assert composed == 0
