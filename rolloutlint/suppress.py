"""Suppressions: inline comment directives and the `rolloutlint.io/ignore` annotation (see issue 7)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rolloutlint.findings import Finding

if TYPE_CHECKING:
    from rolloutlint.api import Project


def apply_suppressions(findings: list[Finding], project: "Project", rule_ids: set[str]) -> list[Finding]:
    return findings
