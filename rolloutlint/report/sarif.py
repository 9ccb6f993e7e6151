"""SARIF 2.1.0 for `github/codeql-action/upload-sarif` and other code-scanning viewers.

Every registered rule is listed in `tool.driver.rules` (so `ruleIndex` is stable within a run); results
carry a region, the resource as a logical location, the other side of a reference as related locations,
and our line-free fingerprint under `partialFingerprints["rolloutlint/v1"]`. Suppressed findings are
included with an `inSource` suppression so viewers close rather than lose them.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from rolloutlint.core.findings import Finding, Location, Severity
from rolloutlint.report import ReportOptions
import inspect
from rolloutlint.run.registry import is_builtin
from rolloutlint.load.discovery import has_project_config
from dataclasses import replace
from urllib.parse import unquote
from rolloutlint import __version__
from rolloutlint.run.registry import all_rules

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/rolloutlint/rolloutlint"
RULES_DOC_URI = "https://github.com/rolloutlint/rolloutlint/blob/main/docs/rules.md"
FINGERPRINT_KEY = "rolloutlint/v1"
SRCROOT = "SRCROOT"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_PROBLEM_SEVERITY = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "recommendation"}
_MAX_DESCRIPTION = 1024  # GitHub truncates/rejects longer short/full descriptions


def help_uri(rule_id: str) -> str:
    return f"{RULES_DOC_URI}#{rule_id.lower()}"


def _first_paragraph(doc: str) -> str:
    para = doc.strip().split("\n\n", 1)[0]
    return " ".join(line.strip() for line in para.splitlines())


def _section(doc: str, title: str) -> str:
    m = re.search(rf"^## {re.escape(title)}\s*\n(.*?)(?=^## |\Z)", doc, flags=re.DOTALL | re.MULTILINE)
    return " ".join(m.group(1).split()) if m else ""


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_DESCRIPTION else text[: _MAX_DESCRIPTION - 1] + "…"


def _dedent_doc(doc: str) -> str:

    return inspect.cleandoc(doc) if doc else ""


def rule_descriptor(rule: Any) -> dict[str, Any]:
    doc = _dedent_doc(rule.__doc__ or "")
    full = _first_paragraph(doc) or rule.summary
    what = _section(doc, "What it checks")
    if what:
        full = f"{full} {what}"

    builtin = is_builtin(rule.id)  # a project policy has no page in docs/rules.md: its docs are the config
    link = f"\n\n[Rule documentation]({help_uri(rule.id)})" if builtin else ""
    markdown = f"**{rule.id} {rule.name}**: {rule.summary}\n\n{doc}{link}"
    text_help = re.sub(r"^#+\s*", "", doc, flags=re.MULTILINE) or rule.summary
    tags = ["argo-rollouts", "kubernetes"]
    group = {"RL0": "input", "RL1": "rollout", "RL2": "istio", "RL3": "references", "RL4": "analysis",
             "RL5": "revisions", "RL6": "argocd"}.get(rule.id[:3])
    if group:
        tags.append(group)
    out = {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": _clip(rule.summary)},
        "fullDescription": {"text": _clip(full)},
        "help": {"text": text_help, "markdown": markdown},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": tags if builtin else ["policy"], "precision": "very-high",
                       "problem.severity": _PROBLEM_SEVERITY[rule.severity]},
    }
    if builtin:
        out["helpUri"] = help_uri(rule.id)
    return out


def source_root() -> Path:
    """SRCROOT: the GitHub workspace when running inside it, else the enclosing git repository, else the
    enclosing rolloutlint project (`.rolloutlint.yaml`), else the current directory. Code scanning wants
    repository-relative paths even when rolloutlint runs in a subdirectory (`working-directory`), and a
    finding and its related locations in other files of the project get the same relative form."""

    cwd = Path.cwd()
    ws = os.environ.get("GITHUB_WORKSPACE")
    if ws:
        wsp = Path(ws).resolve()
        if cwd.resolve() == wsp or wsp in cwd.resolve().parents:
            return wsp
    return (next((d for d in (cwd, *cwd.parents) if (d / ".git").exists()), None)
            or next((d for d in (cwd, *cwd.parents) if has_project_config(d)), cwd))


def _artifact(file: str, root: Path) -> dict[str, Any]:
    if file.startswith("<"):
        return {"uri": quote(file.strip("<>"))}
    absolute = Path(os.path.abspath(file)) if file else root
    for candidate, base in ((absolute, root), (absolute.resolve(), root.resolve())):
        try:
            return {"uri": quote(candidate.relative_to(base).as_posix()), "uriBaseId": SRCROOT}
        except ValueError:
            continue
    return {"uri": absolute.as_uri()}


def _region(loc: Location) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": max(loc.line, 1), "startColumn": max(loc.column, 1)}
    end_line = max(loc.end_line, region["startLine"])
    end_col = loc.end_column
    if end_line == region["startLine"] and end_col <= region["startColumn"]:
        end_col = region["startColumn"] + 1
    region["endLine"] = end_line
    region["endColumn"] = max(end_col, 1)
    return region


def _fingerprint(f: Finding, root: Path) -> str:
    """The finding's fingerprint with its file relative to SRCROOT rather than to the working directory:
    moving from `paths: apps` to `working-directory: apps` must not reopen every alert."""

    art = _artifact(f.location.file, root)
    if art.get("uriBaseId") != SRCROOT:
        return f.fingerprint
    return replace(f, location=replace(f.location, file=unquote(art["uri"])), fingerprint="").fingerprint


def _physical(loc: Location, root: Path) -> dict[str, Any]:
    return {"artifactLocation": _artifact(loc.file, root), "region": _region(loc)}


def _result(f: Finding, index: dict[str, int], root: Path) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ruleId": f.rule,
        "level": _LEVEL[f.severity],
        "message": {"text": f.message if not f.resource else f"{f.message} [{f.resource.label()}]"},
        "locations": [{"physicalLocation": _physical(f.location, root)}],
        "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(f, root)},
    }
    if f.rule in index:
        out["ruleIndex"] = index[f.rule]
    if f.resource is not None:
        r = f.resource
        parts = [p for p in (r.namespace, r.kind, r.name) if p]
        out["locations"][0]["logicalLocations"] = [{
            "name": r.name or "<unnamed>",
            "fullyQualifiedName": "/".join(parts) + (f":{f.path}" if f.path else ""),
            "kind": "resource",
        }]
    related = []
    for i, rel in enumerate(f.related):
        item: dict[str, Any] = {"id": i + 1, "message": {"text": rel.message or "related"}}
        if rel.location is not None:
            item["physicalLocation"] = _physical(rel.location, root)
        related.append(item)
    if related:
        out["relatedLocations"] = related
    if f.fix is not None:
        out["properties"] = {"fix": f.fix.description, "fixSafe": f.fix.safe}
    if f.units:
        out.setdefault("properties", {})["units"] = list(f.units)
    if f.suppressed is not None:
        out["suppressions"] = [{"kind": "inSource", "justification": f.suppressed or "suppressed inline"}]
    return out


def build(findings: list[Finding], summary: dict[str, int], rules: list[Any] | None = None) -> dict[str, Any]:
    """`rules`: every rule the run knew (default: the built-in rules)."""

    if not rules:

        rules = all_rules()
    index = {r.id: i for i, r in enumerate(rules)}
    root = source_root()
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "rolloutlint",
            "semanticVersion": __version__,
            "version": __version__,
            "informationUri": INFORMATION_URI,
            "rules": [rule_descriptor(r) for r in rules],
        }},
        "invocations": [{"executionSuccessful": True}],
        "originalUriBaseIds": {SRCROOT: {"uri": root.as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index, root) for f in findings],
        "properties": {"summary": dict(summary)},
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(findings: list[Finding], summary: dict[str, int], options: ReportOptions) -> str:
    # Suppressed findings are always included: SARIF has a field for them and viewers honour it.
    return json.dumps(build(findings, summary, options.rules), indent=2, ensure_ascii=False) + "\n"
