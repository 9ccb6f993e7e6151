"""GitHub Actions workflow-command annotations (`::error file=…,line=…::message`).

GitHub displays at most 10 error, 10 warning and 10 notice annotations per step and 50 per job. Every
finding is still emitted (the log keeps them all); when the limits are exceeded a Markdown table of all
findings is appended to `$GITHUB_STEP_SUMMARY` (when set), so nothing is lost from the run page.
Suppressed findings are never annotated.
"""

from __future__ import annotations

import os
from collections import Counter

from rolloutlint.core.findings import Finding, Severity
from rolloutlint.report import ReportOptions

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
PER_STEP_LIMIT = 10  # per level
PER_JOB_LIMIT = 50


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workspace_path(file: str) -> str:
    """GitHub resolves `file=` against the workspace: rebase cwd-relative paths when running in a subdirectory."""
    ws = os.environ.get("GITHUB_WORKSPACE")
    if not ws or not file or file.startswith("<"):
        return file
    absolute = os.path.abspath(file)
    try:
        rel = os.path.relpath(absolute, os.path.abspath(ws))
    except ValueError:
        return file
    return file if rel.startswith("..") else rel.replace(os.sep, "/")


def annotation(f: Finding) -> str:
    loc = f.location
    props = [("file", workspace_path(loc.file)), ("line", str(loc.line)), ("col", str(loc.column)),
             ("endLine", str(loc.end_line)), ("endColumn", str(loc.end_column)), ("title", f"{f.rule} {f.name}")]
    if loc.end_line != loc.line:
        props = [p for p in props if p[0] != "endColumn"]  # GitHub ignores columns on multi-line ranges
    prop_text = ",".join(f"{k}={escape_property(v)}" for k, v in props)
    message = f.message
    if f.resource is not None:
        message += f" [{f.resource.label()}]"
    for rel in f.related:
        where = f"{rel.location.file}:{rel.location.line}: " if rel.location is not None else ""
        message += f"\n  {where}{rel.message}"
    return f"::{COMMAND[f.severity]} {prop_text}::{escape_data(message)}"


def over_limits(findings: list[Finding]) -> bool:
    per_level = Counter(f.severity for f in findings)
    return len(findings) > PER_JOB_LIMIT or any(n > PER_STEP_LIMIT for n in per_level.values())


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def summary_markdown(findings: list[Finding], summary: dict[str, int]) -> str:
    lines = [
        "### rolloutlint",
        "",
        (f"{summary.get('errors', 0)} error(s), {summary.get('warnings', 0)} warning(s), {summary.get('infos', 0)} info "
         f"in {summary.get('files', 0)} file(s). GitHub shows at most {PER_STEP_LIMIT} annotations of each level per "
         f"step and {PER_JOB_LIMIT} per job, so every finding is listed here."),
        "",
        "| Severity | Rule | Location | Resource | Message |",
        "|---|---|---|---|---|",
    ]
    for f in findings:
        loc = f.location
        res = f.resource.label() if f.resource else ""
        lines.append(f"| {f.severity.label} | {f.rule} {_cell(f.name)} | `{_cell(loc.file)}:{loc.line}:{loc.column}` "
                     f"| {_cell(res)} | {_cell(f.message)} |")
    return "\n".join(lines) + "\n\n"


def render(findings: list[Finding], summary: dict[str, int], options: ReportOptions) -> str:
    active = [f for f in findings if f.suppressed is None]
    # Errors first: if a viewer truncates, the most important annotations are the ones shown.
    ordered = sorted(active, key=lambda f: (-int(f.severity), f.sort_key()))
    out = [annotation(f) for f in ordered]
    total = len(active)
    counts = f"{summary.get('errors', 0)} error(s), {summary.get('warnings', 0)} warning(s), {summary.get('infos', 0)} info"
    out.append(f"rolloutlint: {counts if total else 'no problems found'} in {summary.get('files', 0)} file(s)")
    if over_limits(active):
        target = os.environ.get("GITHUB_STEP_SUMMARY")
        if target:
            try:
                with open(target, "a", encoding="utf-8") as fh:
                    fh.write(summary_markdown(ordered, summary))
                out.append(f"rolloutlint: {total} findings exceed GitHub's annotation limits; all are listed in the job summary")
            except OSError as exc:
                out.append(f"rolloutlint: cannot write the job summary ({exc.strerror or exc}); see the log above")
        else:
            out.append(f"rolloutlint: {total} findings exceed GitHub's annotation limits; only some are shown as annotations")
    return "\n".join(out) + "\n"
