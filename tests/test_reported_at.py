"""Every cross-resource rule says where its findings are reported and what is related (issue 17, DESIGN.md
"Where a cross-file finding is placed"): a sentence "Reported at ..." in its "What it checks" section.

A rule is cross-resource when it declares `cross_resource = True`. So that the declaration cannot simply be
left off, a rule that does not declare it must neither consult the context beyond its options and
configuration (the index is how a rule sees other resources), nor produce, on its own examples, a related
location in another resource than the one it reports on.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from rolloutlint.core.rule import BUILTIN_RULES, Rule
from rolloutlint.run.registry import load_builtin_rules
from tests.rule_cases import discover, run_case

load_builtin_rules()

# Rules that are handed the context for their configuration or for the one Application they check, not to
# look at other resources.
CONTEXT_NOT_FOR_OTHER_RESOURCES = {
    "RL502": "reads istio.revision and revision tags from the configuration",
    "RL511": "reads istio.revision from the configuration",
    "RL602": "checks the Application's own ignoreDifferences",
    "RL604": "checks the Application's own ignoreDifferences",
    "RL607": "checks the Application's own ignoreDifferences",
}


def _what_it_checks(rule: type[Rule]) -> str:
    docs = rule.docs()
    start = docs.find("## What it checks")
    assert start >= 0, rule.id
    end = re.search(r"\n\s*## ", docs[start + 1:])
    return docs[start:start + 1 + end.start() if end else None]


def _rules() -> list[type[Rule]]:
    return [BUILTIN_RULES[k] for k in sorted(BUILTIN_RULES)]


def test_some_rules_are_cross_resource() -> None:
    declared = {r.id for r in _rules() if r.cross_resource}
    assert {"RL303", "RL401", "RL436", "RL601", "RL308"} <= declared


@pytest.mark.parametrize("rule", [r for r in _rules() if r.cross_resource], ids=lambda r: r.id)
def test_cross_resource_rule_says_where_it_is_reported(rule: type[Rule]) -> None:
    section = " ".join(_what_it_checks(rule).split())
    m = re.search(r"Reported at [^.]*?(?:`[^`]*`[^.]*?)*\.", section)
    assert m, f"{rule.id}: no 'Reported at ...' sentence in its 'What it checks' section"
    # The same paragraph says what is related (or that nothing is).
    assert "related" in section[m.start():], f"{rule.id}: the 'Reported at' text does not say what is related"


def _body(rule: type[Rule]) -> str:
    src = inspect.getsource(rule)
    return src.split('"""', 2)[2] if src.count('"""') >= 2 else src


@pytest.mark.parametrize("rule", [r for r in _rules() if not r.cross_resource], ids=lambda r: r.id)
def test_undeclared_rule_does_not_look_up_other_resources(rule: type[Rule]) -> None:
    body = re.sub(r"def check\w*\(self[^)]*\)", "", _body(rule))
    # `applies` only decides whether the rule runs at all (a per-run fact about the project), never where or on
    # what it reports.
    body = re.sub(r"\n    def applies\(self[^\n]*\n(?:(?:        [^\n]*)?\n)*", "\n", body)
    uses = {m for m in re.findall(r"\bctx[\w.]*", body) if not m.startswith(("ctx.options", "ctx.config"))}
    if rule.id in CONTEXT_NOT_FOR_OTHER_RESOURCES:
        return
    assert not uses, (f"{rule.id} consults {sorted(uses)}: if it looks at other resources, declare "
                      "cross_resource = True and say where it is reported")


def _document_of(path: Path, line: int) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()[:line]
    return sum(1 for ln in lines if re.match(r"^---\s*($|#)", ln))


_UNDECLARED_WITH_RELATED = [c for c in discover() if c.kind == "fail"
                            and not BUILTIN_RULES[c.rule_id].cross_resource
                            and "RelatedRef(" in _body(BUILTIN_RULES[c.rule_id])]


@pytest.mark.parametrize("case", _UNDECLARED_WITH_RELATED, ids=lambda c: c.test_id)
def test_undeclared_rule_relates_only_its_own_resource(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _, _, findings = run_case(case, tmp_path)
    root = tmp_path / "case"
    assert findings, case.test_id
    for f in findings:
        for rel in f.related:
            if rel.location is None or rel.message.startswith("rendered by "):
                continue
            here, there = f.location, rel.location
            same = here.file == there.file and (
                _document_of(root / here.file, here.line) == _document_of(root / there.file, there.line))
            assert same, (f"{case.rule_id} relates {there.file}:{there.line} to a finding at {here.file}:{here.line}, "
                          "another resource: declare cross_resource = True and say where it is reported")
