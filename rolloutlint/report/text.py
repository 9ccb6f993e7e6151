"""`file:line:col: severity rule-id message [resource]`, grouped by file, with a one-line summary."""

from __future__ import annotations

from rolloutlint.core.findings import Finding, Severity
from rolloutlint.report import ReportOptions

_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_RESET, _DIM, _BOLD = "\x1b[0m", "\x1b[2m", "\x1b[1m"


def render(findings: list[Finding], summary: dict[str, int], options: ReportOptions) -> str:
    lines: list[str] = []
    color = options.color
    current = None
    for f in findings:
        if f.suppressed is not None and not options.show_suppressed:
            continue
        loc = f.location
        if current is not None and loc.file != current:
            lines.append("")
        current = loc.file
        sev = f.severity.label
        if color:
            sev = f"{_COLORS[f.severity]}{sev}{_RESET}"
        where = f"{_BOLD}{loc.file}{_RESET}" if color else loc.file
        res = f" [{f.resource.label()}]" if f.resource else ""
        if color and res:
            res = f"{_DIM}{res}{_RESET}"
        tag = "" if f.suppressed is None else f" (suppressed: {f.suppressed})" if f.suppressed else " (suppressed)"
        lines.append(f"{where}:{loc.line}:{loc.column}: {sev} {f.rule} {f.message}{res}{tag}")
        if f.units:
            lines.append(f"    note: in {', '.join(f.units)}")
        for rel in f.related:
            if rel.location is not None:
                lines.append(f"    {rel.location.file}:{rel.location.line}:{rel.location.column}: note: {rel.message}")
            else:
                lines.append(f"    note: {rel.message}")
    total = summary.get("errors", 0) + summary.get("warnings", 0) + summary.get("infos", 0)
    counts = f"{summary.get('errors', 0)} error(s), {summary.get('warnings', 0)} warning(s), {summary.get('infos', 0)} info"
    scope = f"{summary.get('files', 0)} file(s), {summary.get('resources', 0)} resource(s)"
    if lines:
        lines.append("")
    if summary.get("units"):
        scope += f", {summary['units']} deployment unit(s) rendered ({summary.get('engines', '')})"
    if summary.get("notKubernetes"):
        scope += f"; {summary['notKubernetes']} file(s) outside the manifests skipped (not Kubernetes objects)"
    lines.append(f"{'Found ' + counts if total else 'No problems found'} in {scope}")
    fixable = fix_counts(findings)
    if fixable:
        lines.append(fixable)
    return "\n".join(lines) + "\n"


def fix_counts(findings: list[Finding]) -> str:
    """How many findings `--fix` repairs, and how many more need `--unsafe-fixes` ('' when none)."""
    active = [f for f in findings if f.suppressed is None and f.fix is not None]
    safe = sum(1 for f in active if f.fix is not None and f.fix.safe)
    unsafe = len(active) - safe
    parts = []
    if safe:
        parts.append(f"{safe} fixable with `--fix`")
    if unsafe:
        parts.append(f"{unsafe} more with `--fix --unsafe-fixes`" if safe else
                     f"{unsafe} fixable with `--fix --unsafe-fixes`")
    return ("; ".join(parts) + " (`--diff` previews them)") if parts else ""
