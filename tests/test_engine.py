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
    from rolloutlint.pipeline import load_project
    from rolloutlint.core.rule import Context
    from rolloutlint.run.engine import Engine
    from rolloutlint.core.findings import Severity
    from rolloutlint.core.rule import Rule

    class LateRule(Rule):  # not registered: only this engine instance runs it
        id, name, severity, summary = "RL998", "late-rule", Severity.INFO, "stage-2 probe"
        kinds = ("Rollout",)
        stage = 2

        def check(self, resource, ctx):  # type: ignore[no-untyped-def]
            yield self.report(resource, ("spec",), "seen in stage 2")

    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    (tmp_path / "r.yaml").write_text(BAD)
    project = load_project(["."], cwd=tmp_path)
    engine = Engine(Context(project.index, project.config, project.files), {"RL998"})
    engine.rules = [LateRule()]
    reports = []
    engine.resolve = lambda rep: reports.append(rep)  # type: ignore[method-assign]
    engine.run(None)
    assert [r.message for r in reports] == ["seen in stage 2"]


def test_any_kind_rules_run_once_per_resource_after_kind_rules(tmp_path: Path) -> None:
    from rolloutlint.pipeline import load_project
    from rolloutlint.core.rule import Context
    from rolloutlint.run.engine import Engine
    from rolloutlint.core.findings import Severity
    from rolloutlint.core.rule import Rule

    seen: list[tuple[str, str | None]] = []

    def probe(rule_id: str, kinds: tuple[str, ...]) -> Rule:
        class Probe(Rule):
            id, name, severity, summary = rule_id, f"probe-{rule_id.lower()}", Severity.INFO, "probe"

            def check(self, resource, ctx):  # type: ignore[no-untyped-def]
                seen.append((self.id, resource.name))
                return ()
        Probe.kinds = kinds
        return Probe()

    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    (tmp_path / "r.yaml").write_text(BAD + "---\napiVersion: x/v1\nkind: '*'\nmetadata: {name: star}\n")
    project = load_project(["."], cwd=tmp_path)
    engine = Engine(Context(project.index, project.config, project.files), set())
    engine.rules = [probe("RL997", ("*",)), probe("RL996", ("Rollout",))]
    engine.run(None)
    # kind rules first, then any-kind rules; a resource whose kind is literally '*' gets each rule once
    assert seen == [("RL996", "r"), ("RL997", "r"), ("RL997", "star")]
