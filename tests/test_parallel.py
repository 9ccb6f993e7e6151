"""The forked split of the rule phase gives exactly the serial result (findings, related, fixes)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import rolloutlint.parallel as parallel
from rolloutlint.api import lint_paths

RULES = Path(__file__).resolve().parents[1] / "rules"


def _snapshot(tmp: Path) -> list[str]:
    result = lint_paths([str(tmp)], cwd=tmp)
    return sorted(repr((f.rule, f.location, f.message, f.related, f.fix, f.fingerprint)) for f in result.findings)


@pytest.mark.skipif(not parallel.can_fork(), reason="no fork on this platform")
def test_parallel_equals_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    for case in sorted(RULES.glob("RL*/fail*.yaml")):
        shutil.copy(case, tmp_path / f"{case.parent.name}-{case.name}")
    monkeypatch.setattr(parallel, "MIN_RESOURCES", 10**9)
    serial = _snapshot(tmp_path)
    monkeypatch.setattr(parallel, "MIN_RESOURCES", 1)
    split = _snapshot(tmp_path)
    assert len(serial) > 200
    assert split == serial
