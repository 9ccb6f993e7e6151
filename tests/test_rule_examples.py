"""Every rule's pass/fail examples under rules/ run here: the examples are the tests and the docs."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolloutlint.run.registry import all_rules
from tests.rule_cases import RULES_DIR, Case, discover, run_case

CASES = discover()
EXEMPT = {"RL999"}  # internal-error cannot be triggered by a manifest


@pytest.mark.parametrize("case", CASES, ids=[c.test_id for c in CASES])
def test_rule_example(case: Case, tmp_path: Path) -> None:
    expected, actual, findings = run_case(case, tmp_path)
    detail = "\n".join(f"  {f.location.file}:{f.location.line} {f.rule} {f.message}" for f in findings)
    if case.kind == "pass":
        assert not actual, f"pass case produced findings:\n{detail}"
    else:
        assert expected, "fail case has no `# expect:` marker"
        assert actual == expected, f"expected {sorted(expected)}, got {sorted(actual)}:\n{detail}"


def test_every_rule_has_examples() -> None:
    folders = {p.name.split("-", 1)[0]: p for p in RULES_DIR.iterdir() if p.is_dir()}
    missing = []
    for rule in all_rules():
        if rule.id in EXEMPT:
            continue
        folder = folders.get(rule.id)
        if folder is None or folder.name != f"{rule.id}-{rule.name}":
            missing.append(f"{rule.id}-{rule.name}: no rules/ folder")
            continue
        kinds = {c.kind for c in CASES if c.rule_id == rule.id}
        if kinds != {"pass", "fail"}:
            missing.append(f"{rule.id}-{rule.name}: needs pass and fail cases, has {sorted(kinds)}")
    assert not missing, "\n".join(missing)


def test_rule_docs_complete() -> None:
    from rolloutlint.core.rule import DOC_SECTIONS

    bad = [f"{r.id}: missing {s}" for r in all_rules() for s in DOC_SECTIONS if s not in r.docs()]
    assert not bad, "\n".join(bad)
