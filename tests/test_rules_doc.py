"""docs/rules.md is generated from the registry; this fails when it is out of date.

Regenerate with `python scripts/gen_rules_doc.py` (or `rolloutlint rules --format markdown --no-config`).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from rolloutlint.run.registry import all_rules
from rolloutlint.ruledocs import render_list_markdown

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "rules.md"


def test_rules_doc_is_up_to_date() -> None:
    expected = render_list_markdown(all_rules())
    current = DOC.read_text(encoding="utf-8") if DOC.is_file() else ""
    assert current == expected, "docs/rules.md is out of date: run `python scripts/gen_rules_doc.py`"


def test_every_rule_has_the_anchor_sarif_links_to() -> None:
    from rolloutlint.report.sarif import help_uri

    text = DOC.read_text(encoding="utf-8")
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', text))
    for rule in all_rules():
        fragment = help_uri(rule.id).split("#", 1)[1]
        assert fragment in anchors, f"docs/rules.md has no anchor for {rule.id} ({help_uri(rule.id)})"


def test_generator_script_check_mode() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_rules_doc.py"), "--check"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
