"""`Rule.applies`: a rule that cannot report in a run is never called, and saying so is exact (a rule that
answers False reports nothing on any object of that project)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolloutlint.core.findings import Severity
from rolloutlint.core.rule import Context, Rule
from rolloutlint.pipeline import load_project
from rolloutlint.run.engine import Engine
from rolloutlint.run.registry import all_rules
from tests.rule_cases import Case, discover, materialize

ROOT = Path(__file__).resolve().parents[1]
GATED = [r for r in all_rules() if r.applies is not Rule.applies]
# Every example of the gated rules, and of the other rules of their areas (revisions, TSB, Argo CD).
CASES = [c for c in discover() if c.rule_id[:3] in {r.id[:3] for r in GATED} | {"RL5", "RL6"}]
TREES = [p for p in (ROOT / "examples", ROOT.parent / "shared" / "upstream") if p.is_dir()]


def test_some_rules_are_gated() -> None:
    assert {"RL501", "RL502", "RL503", "RL505", "RL510", "RL511", "RL512", "RL603"} <= {r.id for r in GATED}


def _inapplicable_reports(root: Path) -> list[str]:
    project = load_project(["."], cwd=root)
    ctx = Context(project.index, project.config, project.files)
    found = []
    for cls in GATED:
        rule = cls()
        if rule.applies(ctx):
            continue
        for res in project.index.resources:
            if res.kind in rule.kinds or "*" in rule.kinds:
                found += [f"{rule.id} on {res.label()}: {rep.message}" for rep in rule.check(res, ctx) or ()]
    return found


@pytest.mark.parametrize("case", CASES, ids=[c.test_id for c in CASES])
def test_inapplicable_rules_report_nothing_on_examples(case: Case, tmp_path: Path) -> None:
    assert not _inapplicable_reports(materialize(case, tmp_path))


@pytest.mark.parametrize("tree", TREES, ids=[p.name for p in TREES])
def test_inapplicable_rules_report_nothing_on_trees(tree: Path) -> None:
    assert not _inapplicable_reports(tree)


def test_engine_never_calls_an_inapplicable_rule(tmp_path: Path) -> None:
    calls: list[str] = []

    class Probe(Rule):  # not registered: only this engine instance runs it
        id, name, severity, summary = "RL998", "probe", Severity.INFO, "probe"
        kinds = ("Rollout",)
        live = True

        def applies(self, ctx: Context) -> bool:
            return self.live

        def check(self, resource, ctx):  # type: ignore[no-untyped-def]
            calls.append(resource.name)
            return ()

    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    (tmp_path / "r.yaml").write_text("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\n")
    project = load_project(["."], cwd=tmp_path)
    for live, expected in ((True, ["r"]), (False, [])):
        calls.clear()
        engine = Engine(Context(project.index, project.config, project.files), {"RL998"})
        probe = Probe()
        probe.live = live
        engine.rules = [probe]
        engine.run(None)
        assert calls == expected
