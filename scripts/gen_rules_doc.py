#!/usr/bin/env python3
"""Regenerate docs/rules.md from the rule registry (the same text as `rolloutlint rules --format markdown`).

    python scripts/gen_rules_doc.py          # write docs/rules.md
    python scripts/gen_rules_doc.py --check  # exit 1 when docs/rules.md is out of date

Only built-in rules are documented: project policies are never read here (no configuration is loaded).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "rules.md"


def generate() -> str:
    sys.path.insert(0, str(ROOT))
    from rolloutlint.run.registry import all_rules
    from rolloutlint.ruledocs import render_list_markdown

    return render_list_markdown(all_rules())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when docs/rules.md differs from the registry")
    args = parser.parse_args(argv)
    text = generate()
    current = DOC.read_text(encoding="utf-8") if DOC.is_file() else ""
    if args.check:
        if current != text:
            print(f"{DOC.relative_to(ROOT)} is out of date; run: python scripts/gen_rules_doc.py", file=sys.stderr)
            return 1
        return 0
    if current != text:
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
