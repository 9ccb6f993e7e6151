"""Every fixable rule's `fix.yaml` → `fix.after.yaml` example, run through the fixer.

`rules/<ID>-<name>/fix.yaml` is written like a fail case (`# expect:` markers); `fix.after.yaml` is the
exact text `lint --fix --unsafe-fixes --select <ID>` must produce. The fixed text must lint clean for the
rule, a second run must change nothing, and every comment line of the input must survive (the markers
included: they are comments too).
"""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path

import pytest

from rolloutlint.pipeline import lint_project, load_project
from rolloutlint.fix.fixer import run_fixes
from rolloutlint.run.registry import all_rules
from tests.rule_cases import RULES_DIR, expected_markers

FIX_CASES = sorted(RULES_DIR.glob("RL*/fix.yaml"))


def _project(case: Path, tmp: Path) -> Path:
    root = tmp / "case"
    root.mkdir()
    shutil.copy(case, root / "manifest.yaml")
    cfg = case.parent / "config.yaml"
    if cfg.exists():
        shutil.copy(cfg, root / ".rolloutlint.yaml")
    else:
        (root / ".rolloutlint.yaml").write_text("{}\n")
    return root


def _fix(root: Path, rule_id: str) -> tuple[str, list[str]]:
    messages: list[str] = []
    project = load_project([str(root)], cwd=root)
    fixed = run_fixes(project, select=[rule_id], write=True, unsafe=True, echo=messages.append)
    remaining = [f for f in lint_project(fixed, select=[rule_id]).findings if f.rule == rule_id and f.suppressed is None]
    return (root / "manifest.yaml").read_text(encoding="utf-8"), [f"{f.location.line}: {f.message}" for f in remaining]


def _kept_lines(before: str, after: str) -> str:
    """`before` without the lines a fix deleted outright (a deleted duplicate key takes its comment along)."""
    a, b = before.splitlines(), after.splitlines()
    gone: set[int] = set()
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "delete":
            gone.update(i for i in range(i1, i2) if not a[i].lstrip().startswith("#"))
    return "\n".join(line for i, line in enumerate(a) if i not in gone)


def _comments(text: str) -> list[str]:
    return [m.group(0).strip() for m in re.finditer(r"(?:^|\s)#.*$", text, flags=re.MULTILINE)]


@pytest.mark.parametrize("case", FIX_CASES, ids=[c.parent.name for c in FIX_CASES])
def test_fix_example(case: Path, tmp_path: Path) -> None:
    rule_id = case.parent.name.split("-", 1)[0]
    after = case.with_name("fix.after.yaml")
    assert after.exists(), f"{case.parent.name}: fix.yaml without fix.after.yaml"
    assert any(m[2] == rule_id for m in expected_markers(case)), "fix.yaml needs `# expect:` markers for its rule"
    root = _project(case, tmp_path)
    text, remaining = _fix(root, rule_id)
    assert text == after.read_text(encoding="utf-8"), f"fixed text differs from {after.name}:\n{text}"
    assert not remaining, f"still reported after --fix: {remaining}"
    again, _ = _fix(root, rule_id)
    assert again == text, "a second --fix changed the file again"
    original = case.read_text(encoding="utf-8")
    lost = [c for c in _comments(_kept_lines(original, text)) if c not in text]
    assert not lost, f"comments lost: {lost}"


def test_every_fixable_rule_has_a_fix_example() -> None:
    missing = []
    for rule in all_rules():
        if not rule.fixable:
            continue
        folder = RULES_DIR / f"{rule.id}-{rule.name}"
        for name in ("fix.yaml", "fix.after.yaml"):
            if not (folder / name).exists():
                missing.append(f"{folder.name}/{name}")
    assert not missing, "fixable rules without fix examples:\n" + "\n".join(missing)


def test_fix_cases_are_not_pass_or_fail_cases() -> None:
    from tests.rule_cases import discover

    assert not [c for c in discover() if c.path.name.startswith("fix")]
