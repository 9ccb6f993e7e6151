"""docs/gitops.md is generated from the RL5xx/RL6xx rule docs; it must be regenerated when they change."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "gen_gitops_doc.py"


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_gitops_doc", SCRIPT)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_gitops_doc_is_up_to_date() -> None:
    mod = _script()
    current = (ROOT / "docs" / "gitops.md").read_text(encoding="utf-8")
    assert current == mod.render(), "docs/gitops.md is out of date: run `python scripts/gen_gitops_doc.py`"


def test_every_argocd_rule_recommends_a_configuration() -> None:
    from rolloutlint.run.registry import all_rules

    mod = _script()
    missing = [r.id for r in all_rules() if r.id.startswith("RL6") and mod.RECOMMENDED not in mod.sections(r.docs())]
    assert not missing, f"RL6xx rules without a '## Recommended configuration' section: {missing}"


def test_recommended_yaml_blocks_parse() -> None:
    from rolloutlint.run.registry import all_rules

    mod = _script()
    for rule in all_rules():
        for block in mod.yaml_blocks(mod.sections(rule.docs()).get(mod.RECOMMENDED, "")):
            list(yaml.safe_load_all(block))  # raises on a broken example


def test_check_mode_reports_drift(tmp_path: Path) -> None:
    mod = _script()
    stale = tmp_path / "gitops.md"
    stale.write_text("# stale\n", encoding="utf-8")
    assert mod.main(["--check", "--out", str(stale)]) == 1
    assert mod.main(["--out", str(stale)]) == 0
    assert mod.main(["--check", "--out", str(stale)]) == 0


def test_readme_gitops_section_is_generated() -> None:
    mod = _script()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert mod.README_START in readme, "README lacks the generated GitOps section markers"
    assert mod.updated_readme(readme) == readme, "README GitOps section is out of date: run `python scripts/gen_gitops_doc.py`"
