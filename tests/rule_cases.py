"""Discover and run the rule examples under rules/<ID>-<name>/ (shared by the example tests and docs).

A case is a file `pass*.yaml` / `fail*.yaml` (or a directory `pass*/` / `fail*/` holding several files).
Pass cases must give no finding from the rule; fail cases must give exactly the findings marked with
`# expect: RLxxx` comments (line-precise). An optional `config.yaml` beside them is the case's
`.rolloutlint.yaml`.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from rolloutlint.api import lint_paths

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
EXPECT_RE = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")


@dataclass(frozen=True)
class Case:
    rule_id: str
    folder: Path
    path: Path  # file or directory

    @property
    def kind(self) -> str:
        return "pass" if self.path.name.startswith("pass") else "fail"

    @property
    def test_id(self) -> str:
        return f"{self.folder.name}/{self.path.name}"


def discover() -> list[Case]:
    cases: list[Case] = []
    if not RULES_DIR.is_dir():
        return cases
    for folder in sorted(RULES_DIR.iterdir()):
        if not folder.is_dir() or not re.match(r"^RL\d{3}-", folder.name):
            continue
        rule_id = folder.name.split("-", 1)[0]
        for p in sorted(folder.iterdir()):
            if p.name.startswith(("pass", "fail")) and (p.is_dir() or p.suffix in (".yaml", ".yml", ".json")):
                cases.append(Case(rule_id, folder, p))
    return cases


def expected_markers(case_root: Path) -> set[tuple[str, int, str]]:
    out: set[tuple[str, int, str]] = set()
    files = [case_root] if case_root.is_file() else sorted(p for p in case_root.rglob("*") if p.is_file())
    for f in files:
        try:
            lines = f.read_text(encoding="utf-8").splitlines()
        except (UnicodeDecodeError, OSError):
            continue
        for n, line in enumerate(lines, 1):
            m = EXPECT_RE.search(line)
            if m:
                for rid in filter(None, (x.strip() for x in m.group(1).split(","))):
                    out.add((f.name, n, rid))
    return out


def materialize(case: Case, tmp: Path) -> Path:
    """The case as its own project under `tmp` (its config.yaml as the project's configuration)."""
    root = tmp / "case"
    if case.path.is_dir():
        shutil.copytree(case.path, root)
    else:
        root.mkdir()
        shutil.copy(case.path, root / case.path.name)
    cfg = case.folder / "config.yaml"
    if cfg.exists():
        shutil.copy(cfg, root / ".rolloutlint.yaml")
    else:
        (root / ".rolloutlint.yaml").write_text("{}\n")
    return root


def run_case(case: Case, tmp: Path) -> tuple[set[tuple[str, int, str]], set[tuple[str, int, str]], list]:  # type: ignore[type-arg]
    """Lint the case as its own project; return (expected, actual, findings) for the case's rule."""
    root = materialize(case, tmp)
    result = lint_paths([str(root)], cwd=root, select=[case.rule_id])
    findings = [f for f in result.findings if f.rule == case.rule_id and f.suppressed is None]
    actual = {(Path(f.location.file).name, f.location.line, f.rule) for f in findings}
    expected = {m for m in expected_markers(root) if m[2] == case.rule_id}
    return expected, actual, findings
