"""Engine: a crashing rule becomes RL999 without hiding other findings; --debug re-raises."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolloutlint.api import lint_paths
from rolloutlint.checks.core import SchemaViolation

BAD = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  replicas: 'x'\n  bogus: 1\n"


def test_crashing_rule_is_isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text("select: [RL0]\n")
    (tmp_path / "r.yaml").write_text(BAD)

    def boom(self, resource, ctx):  # type: ignore[no-untyped-def]
        raise KeyError("surprise")

    monkeypatch.setattr(SchemaViolation, "check", boom)
    result = lint_paths(["."], cwd=tmp_path)
    rules = sorted(f.rule for f in result.findings)
    assert rules == ["RL010", "RL999"]  # the unknown field is still reported
    crash = next(f for f in result.findings if f.rule == "RL999")
    assert "RL011" in crash.message and "KeyError" in crash.message and crash.resource is not None
    with pytest.raises(KeyError):
        lint_paths(["."], cwd=tmp_path, debug=True)


def test_stage_two_per_resource_rules_run(tmp_path: Path) -> None:
    from rolloutlint.registry import all_rules

    # Every rule with kinds runs whatever its stage: no stage is silently skipped by the engine.
    stages = {r.stage for r in all_rules() if r.kinds}
    assert stages <= {0, 1, 2}
