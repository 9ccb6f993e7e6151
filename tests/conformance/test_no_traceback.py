"""Every input under ../shared/upstream lints without a traceback or a crashed rule (RL999)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolloutlint.api import lint_paths

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SUBDIRS = sorted(p for p in (SHARED / "upstream").iterdir() if p.is_dir()) if SHARED.is_dir() else []


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is absent")
@pytest.mark.parametrize("sub", SUBDIRS, ids=[p.name for p in SUBDIRS])
def test_upstream_lints_without_crash(sub: Path) -> None:
    result = lint_paths([str(sub)], cwd=sub, debug=True)  # debug: a crashing rule raises instead of RL999
    assert not [f for f in result.findings if f.rule == "RL999"]
