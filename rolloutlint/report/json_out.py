"""The `--format json` contract (DESIGN.md): version 1, findings, summary."""

from __future__ import annotations

import json
from typing import Any

from rolloutlint.core.findings import Finding
from rolloutlint.report import ReportOptions


def finding_dict(f: Finding) -> dict[str, Any]:
    loc = f.location
    out: dict[str, Any] = {
        "rule": f.rule, "name": f.name, "severity": f.severity.label, "message": f.message,
        "file": loc.file, "line": loc.line, "column": loc.column, "endLine": loc.end_line, "endColumn": loc.end_column,
        "resource": f.resource.as_dict() if f.resource else None,
        "path": f.path,
        "related": [
            {"file": r.location.file, "line": r.location.line, "column": r.location.column, "message": r.message}
            if r.location else {"file": None, "line": None, "column": None, "message": r.message}
            for r in f.related
        ],
        "fingerprint": f.fingerprint,
    }
    if f.fix is not None:
        out["fix"] = {"description": f.fix.description, "safe": f.fix.safe}
    if f.suppressed is not None:
        out["suppressed"] = f.suppressed
    if f.units:  # rendered objects: the deployment unit(s) this defect is in
        out["unit"] = f.units[0] if len(f.units) == 1 else list(f.units)
    return out


def render(findings: list[Finding], summary: dict[str, int], options: ReportOptions) -> str:
    shown = [f for f in findings if f.suppressed is None or options.show_suppressed]
    doc = {"version": 1, "findings": [finding_dict(f) for f in shown], "summary": summary}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
