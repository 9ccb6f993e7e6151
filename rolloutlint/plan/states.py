"""Lint every simulated state: would Istio accept the VirtualServices and DestinationRule the controller writes?

Each step's rewritten objects (and those of the promoted and aborted states) are linted by the project's own Istio
rules, run on the rewritten documents alone, plus the structural admission checks no rule covers because a Git
manifest rarely breaks them but a controller rewrite can (Istio ``pkg/config/validation`` ``ValidateVirtualService``:
``HTTP route, redirect or direct_response is required``, ``TLS route is required``, ``TCP route is required``,
``http, tcp or tls must be provided in virtual service``). Only error-severity problems the Git version of the same
objects does not already have are reported: those are the states the controller would fail to write (the Istio
webhook rejects the update, the controller retries and the step never completes).
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import yaml
from rolloutlint import pipeline
from rolloutlint.core.findings import Severity

ISTIO_RULE_PREFIX = "RL2"


def admission_errors(doc: dict[str, Any]) -> list[str]:
    """Structural VirtualService checks of Istio's admission webhook that the lint rules leave to the schema."""
    if doc.get("kind") != "VirtualService":
        return []
    spec = _as_dict(doc.get("spec"))
    errors: list[str] = []
    if not any(spec.get(k) for k in ("http", "tcp", "tls")):
        errors.append("http, tcp or tls must be provided in virtual service")
    for i, route in enumerate(spec.get("http") or []):
        if not isinstance(route, dict):
            errors.append(f"http[{i}]: http route may not be null")
        elif not any(route.get(k) for k in ("route", "redirect", "directResponse", "delegate")):
            errors.append(f"http[{i}]{_name(route)}: HTTP route, redirect or direct_response is required")
    for kind, label in (("tls", "TLS"), ("tcp", "TCP")):
        for i, route in enumerate(spec.get(kind) or []):
            if isinstance(route, dict) and not route.get("route"):
                errors.append(f"{kind}[{i}]{_name(route)}: {label} route is required")
    return errors


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _name(route: dict[str, Any]) -> str:
    return f" {route['name']!r}" if isinstance(route.get("name"), str) else ""


def _label(doc: dict[str, Any]) -> str:
    meta = _as_dict(doc.get("metadata"))
    ns = f"{meta['namespace']}/" if meta.get("namespace") else ""
    return f"{doc.get('kind')} {ns}{meta.get('name')}"


def _rule_errors(docs: list[dict[str, Any]], scratch: Path) -> set[tuple[str, str]]:
    """(object, message) of every error-severity Istio rule finding on these documents alone."""

    if not docs:
        return set()
    text = yaml.safe_dump_all(docs, sort_keys=False).encode()
    project = pipeline.load_project(["-"], stdin=text, cwd=scratch, whole_root=False)
    result = pipeline.lint_project(project, select=[ISTIO_RULE_PREFIX])
    out: set[tuple[str, str]] = set()
    for f in result.findings:
        if f.severity >= Severity.ERROR and f.suppressed is None:
            obj = f.resource.label() if f.resource is not None else "?"
            out.add((_obj_key(obj), f"{f.rule} {f.message}"))
    for doc in docs:
        for err in admission_errors(doc):
            out.add((_obj_key(_label(doc)), f"Istio admission: {err}"))
    return out


def _obj_key(text: str) -> str:
    return " ".join(text.split())


def _states(result: dict[str, Any]) -> list[tuple[str, Any]]:
    states: list[tuple[str, Any]] = [(f"step {row.get('index')}", row) for row in result.get("steps") or []
                                     if isinstance(row, dict)]
    for label in ("promoted", "aborted"):
        if isinstance(result.get(label), dict):
            states.append((label, result[label]))
    return states


def lint_states(result: dict[str, Any], originals: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Istio rejections of each simulated state: [{"state", "object", "message"}], in state order.

    ``originals`` are the Git versions of the rewritten objects; problems they already have are left out (the lint
    reports them on the files).
    """
    out: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="rolloutlint-states-") as tmp:
        scratch = Path(tmp)
        baseline = _rule_errors([copy.deepcopy(d) for d in originals], scratch)
        seen: dict[tuple[str, str], str] = {}
        for label, state in _states(result):
            docs = getattr(state, "documents", None) or []
            for key in sorted(_rule_errors(docs, scratch) - baseline):
                if key in seen:
                    continue  # reported at the first state that produces it
                seen[key] = label
                out.append({"state": label, "object": key[0], "message": key[1]})
    return out
