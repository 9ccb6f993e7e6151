"""Suppressions: inline comment directives and the `rolloutlint.io/ignore` annotation.

Grammar (one directive per comment; ids are rule ids, kebab-case names, id prefixes or `all`, comma
separated; an optional reason follows `--`):

    setWeight: 60   # rolloutlint: disable=RL104 -- approved in SRE-123      (trailing: this line)
    # rolloutlint: disable=RL104 -- reason                                    (alone: the next content line)
    # rolloutlint: disable-line=RL104                                          (trailing: this line)
    # rolloutlint: disable-next-line=RL104                                     (the next content line)
    # rolloutlint: disable-file=RL501 -- generated                             (first comment block: whole file)
    # rolloutlint: disable=RL301          ...        # rolloutlint: enable=RL301   (a region)

A standalone `disable=` becomes a region when a later `enable=` naming one of the same rules closes it;
without one it covers the next content line (blank and comment-only lines are skipped).

The annotation `rolloutlint.io/ignore: "RL301,istio-route-not-found -- reason"` on a resource's
`metadata.annotations` suppresses those rules for findings on that resource; unlike comments it survives
Helm and kustomize rendering.

Suppressed findings are kept, with `Finding.suppressed` set to the reason (reporters decide whether to show
them). RL001 and RL999 cannot be suppressed; RL006/RL007 (this module's own findings) are governed by
configuration (`ignore`, `severity`), not by directives. Unknown ids and malformed directives are RL006
findings; with `warn-unused-suppressions: true`, directives that suppressed nothing are RL007 findings.
A directive is only judged unused for the rules that actually ran (a `--select` run never reports
directives for rules it did not check).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rolloutlint.core.findings import Finding, Location, Severity
from rolloutlint.run.registry import RuleSet

if TYPE_CHECKING:
    from rolloutlint.core.project import Project
    from rolloutlint.core.source import SourceFile
    from rolloutlint.core.model import Resource

UNSUPPRESSIBLE = frozenset({"RL001", "RL999"})
OWN_RULES = frozenset({"RL006", "RL007"})
INVALID, UNUSED = "RL006", "RL007"
ANNOTATION = "rolloutlint.io/ignore"
KINDS = ("disable", "disable-line", "disable-next-line", "disable-file", "enable")

# A YAML comment starts at the beginning of a line or after whitespace.
_DIRECTIVE_RE = re.compile(r"(?:^|[ \t])(#[ \t]*rolloutlint[ \t]*:(?P<body>.*))$")
_KIND_RE = re.compile(r"^\s*(?P<kind>[A-Za-z][A-Za-z-]*)\s*(?:=\s*(?P<ids>.*?))?\s*$")


@dataclass
class Selector:
    token: str
    ids: frozenset[str]
    used: bool = False


@dataclass
class Directive:
    file: str  # display path
    line: int
    column: int
    end_column: int
    kind: str
    selectors: list[Selector]
    reason: str | None
    text: str
    trailing: bool
    lines: tuple[int, int] | None = None  # inclusive range covered (None: the whole file)
    origin: str = "comment"  # comment | annotation
    resource: Any = None  # model.Resource for annotations

    def covers(self, line: int) -> bool:
        return self.lines is None or self.lines[0] <= line <= self.lines[1]

    def justification(self) -> str:
        if self.reason:
            return self.reason
        where = f"{self.file}:{self.line}"
        return f"annotation {ANNOTATION} ({where})" if self.origin == "annotation" else f"`{self.kind}` directive at {where}"


@dataclass
class _Problem:
    directive_file: str
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    key: str
    resource: Any = None


@dataclass
class FileDirectives:
    directives: list[Directive] = field(default_factory=list)
    problems: list[_Problem] = field(default_factory=list)


def _resolve(token: str, known: RuleSet) -> frozenset[str]:
    return frozenset(known.resolve(token))


def _parse_ids(raw: str) -> list[str]:
    return [t for t in re.split(r"[,\s]+", raw) if t]


def _selectors(tokens: list[str], problem: Any, known: RuleSet) -> list[Selector]:
    """Resolve tokens; unknown or unsuppressible ids become problems via `problem(message)`."""
    out: list[Selector] = []
    for tok in tokens:
        ids = _resolve(tok, known)
        if not ids:
            problem(f"unknown rule {tok!r} in suppression{_hint(tok, known)}")
            continue
        explicit = len(ids) == 1 and tok.lower() != "all" and not _is_prefix(tok, ids)
        if explicit and ids <= UNSUPPRESSIBLE:
            problem(f"rule {tok} cannot be suppressed (syntax errors and internal errors always fail)")
            continue
        if explicit and ids <= OWN_RULES:
            problem(f"rule {tok} cannot be suppressed inline; use `ignore` or `severity` in .rolloutlint.yaml")
            continue
        out.append(Selector(tok, ids - UNSUPPRESSIBLE - OWN_RULES))
    return out


def _is_prefix(tok: str, ids: frozenset[str]) -> bool:
    return tok.upper() not in ids and tok.upper().startswith("RL")


def _hint(tok: str, known: RuleSet) -> str:
    import difflib

    names = [r.name for r in known.all()] + [r.id for r in known.all()]
    hint = difflib.get_close_matches(tok, names, n=1, cutoff=0.6)
    return f" (did you mean {hint[0]!r}?)" if hint else ""


def parse_directives(text: str, display: str, known: RuleSet | None = None) -> FileDirectives:
    """All directives of one file, with their covered line ranges resolved (rule ids and names from
    `known`: default, the built-in rules)."""
    known = known or RuleSet()
    out = FileDirectives()
    lines = text.splitlines()
    first_content: int | None = None  # first line that is neither blank, comment nor a document marker
    content_lines: list[bool] = []
    for i, raw in enumerate(lines, 1):
        s = raw.strip()
        is_content = bool(s) and not s.startswith("#") and s not in ("---", "...") and not s.startswith("%")
        content_lines.append(is_content)
        if is_content and first_content is None:
            first_content = i

    def next_content(after: int) -> int | None:
        for j in range(after, len(lines)):  # 0-based index `after` is line after+1
            if content_lines[j]:
                return j + 1
        return None

    pending: list[Directive] = []  # standalone `disable` awaiting a possible `enable`
    for i, raw in enumerate(lines, 1):
        if "rolloutlint" not in raw:
            continue
        m = _DIRECTIVE_RE.search(raw)
        if m is None:
            continue
        col = m.start(1) + 1
        comment = m.group(1).rstrip()
        trailing = bool(raw[: m.start(1)].strip())
        body = m.group("body")
        head, sep, reason = body.partition("--")
        head = head.split("#", 1)[0]  # `disable=RL010  # another comment`
        reason_text = reason.strip() or None if sep else None
        km = _KIND_RE.match(head)
        end_col = len(raw.rstrip()) + 1

        def problem(message: str, _i: int = i, _col: int = col, _end: int = end_col, _c: str = comment) -> None:
            out.problems.append(_Problem(display, _i, _col, _i, _end, message, _c))

        if km is None or km.group("kind") not in KINDS:
            word = km.group("kind") if km else head.strip()
            problem(f"malformed suppression directive {comment!r}: unknown action {word!r} "
                    f"(expected one of {', '.join(KINDS)}){_kind_hint(word)}")
            continue
        kind = km.group("kind")
        tokens = _parse_ids(km.group("ids") or "")
        if not tokens:
            problem(f"suppression directive {comment!r} names no rule; write `{kind}=RLxxx` (or `{kind}=all`)")
            continue
        sels = _selectors(tokens, problem, known)
        d = Directive(display, i, col, end_col, kind, sels, reason_text, comment, trailing)
        if kind == "enable":
            opened = next((p for p in pending if any(s.ids & e.ids for s in p.selectors for e in sels)), None)
            if opened is None:
                if sels:
                    problem("`enable` closes no preceding standalone `disable` of the same rules")
                continue
            pending.remove(opened)
            start = opened.line + 1
            opened.lines = (start, max(start, i - 1))
            continue
        if not sels:
            continue  # every id was invalid: already reported
        if kind == "disable-file":
            if first_content is not None and i > first_content:
                problem("`disable-file` must be in the file's first comment block, before any content")
                continue
            d.lines = None
        elif kind == "disable-line" or (kind == "disable" and trailing):
            d.lines = (i, i)
        elif kind == "disable-next-line" or kind == "disable":
            target = next_content(i) or i + 1
            d.lines = (target, target)
            if kind == "disable":
                pending.append(d)
        out.directives.append(d)
    return out


def _kind_hint(word: str) -> str:
    import difflib

    hint = difflib.get_close_matches(word, KINDS, n=1, cutoff=0.6)
    return f"; did you mean {hint[0]!r}?" if hint else ""


def _annotation_directive(res: "Resource", known: RuleSet) -> tuple[Directive | None, list[_Problem]]:
    from rolloutlint.core.positions import locate

    value = res.annotations.get(ANNOTATION)
    if value is None:
        return None, []
    line, col, eline, ecol = locate(res.node, ("metadata", "annotations", ANNOTATION))
    display = res.file.display
    problems: list[_Problem] = []

    def problem(message: str) -> None:
        problems.append(_Problem(display, line, col, eline, ecol, message, f"{ANNOTATION}: {value}", res))

    if not isinstance(value, str):
        problem(f"annotation {ANNOTATION} must be a string of rule ids, not {type(value).__name__}")
        return None, problems
    head, sep, reason = value.partition("--")
    tokens = _parse_ids(head)
    if not tokens:
        problem(f"annotation {ANNOTATION} names no rule; write e.g. `RL301,istio-route-not-found -- reason`")
        return None, problems
    sels = _selectors(tokens, problem, known)
    if not sels:
        return None, problems
    d = Directive(display, line, col, ecol, "annotation", sels, (reason.strip() or None) if sep else None,
                  f"{ANNOTATION}: {value}", False, lines=None, origin="annotation", resource=res)
    return d, problems


def apply_suppressions(findings: list[Finding], project: "Project", rule_ids: set[str]) -> list[Finding]:
    """Mark suppressed findings (kept, with the reason) and add RL006/RL007 findings."""
    known = RuleSet(project.config.policy_rules)
    reported: dict[str, "SourceFile"] = {}
    for src in project.files:
        if project.report_files is None or src.path in project.report_files:
            reported[src.display] = src
    by_file: dict[str, FileDirectives] = {}
    # Files that can hold the annotation: it is spelled out, or written with escapes (which need a
    # backslash); most files have neither, so their resources are not even looked at.
    may_annotate: set[str] = set()
    for display, src in reported.items():
        text = src.text or ""
        mentioned = "rolloutlint" in text
        if mentioned or not text or "\\" in text:
            may_annotate.add(display)
        if mentioned:
            parsed = parse_directives(text, display, known)
            if parsed.directives or parsed.problems:
                by_file[display] = parsed

    # Annotations, keyed by (file, resource ref) so a finding can find its resource's annotation.
    by_resource: dict[tuple[str, Any], list[Directive]] = {}
    annotation_problems: list[_Problem] = []
    for res in project.index.resources:
        if res.file.display not in may_annotate or ANNOTATION not in res.annotations:
            continue
        d, probs = _annotation_directive(res, known)
        annotation_problems.extend(probs)
        if d is not None:
            by_resource.setdefault((res.file.display, res.ref), []).append(d)

    if not by_file and not by_resource and not annotation_problems:
        return findings

    for f in findings:
        if f.suppressed is not None or f.rule in UNSUPPRESSIBLE or f.rule in OWN_RULES:
            continue
        candidates: list[Directive] = []
        fd = by_file.get(f.location.file)
        if fd is not None:
            candidates.extend(fd.directives)
        if f.resource is not None:
            candidates.extend(by_resource.get((f.location.file, f.resource), ()))
        for d in candidates:
            if not d.covers(f.location.line):
                continue
            sel = next((s for s in d.selectors if f.rule in s.ids), None)
            if sel is None:
                continue
            sel.used = True
            f.suppressed = d.justification()
            break

    out = list(findings)
    config = project.config
    if INVALID in rule_ids:
        problems = [p for fd in by_file.values() for p in fd.problems] + annotation_problems
        for p in problems:
            out.append(_finding(INVALID, p.message, p, config))
    if UNUSED in rule_ids and getattr(config, "warn_unused_suppressions", False):
        directives = [d for fd in by_file.values() for d in fd.directives]
        directives += [d for ds in by_resource.values() for d in ds]
        for d in directives:
            judged = [s for s in d.selectors if s.ids & rule_ids]
            unused = [s.token for s in judged if not s.used]
            if not unused:
                continue
            what = "annotation" if d.origin == "annotation" else f"`{d.kind}` directive"
            if len(unused) == len(d.selectors):
                msg = f"{what} suppresses nothing: no {', '.join(unused)} finding is reported where it applies; remove it"
            else:
                msg = f"{what}: {', '.join(unused)} suppress(es) nothing here; remove {'it' if len(unused) == 1 else 'them'} from the list"
            p = _Problem(d.file, d.line, d.column, d.line, d.end_column, msg, d.text, d.resource)
            out.append(_finding(UNUSED, msg, p, config))
    out.sort(key=Finding.sort_key)
    return out


def _finding(rule_id: str, message: str, p: _Problem, config: Any) -> Finding:
    from rolloutlint.run.registry import get_rule

    rule = get_rule(rule_id)
    assert rule is not None
    severity: Severity = (getattr(config, "severity", {}) or {}).get(rule_id) or rule.severity
    res = p.resource
    # Stable across line moves: the directive text and where it lives, not its line number.
    raw = "\x1f".join((rule_id, p.directive_file, res.label() if res is not None else "", p.key, message))
    import hashlib  # only runs with suppression problems pay for the import

    fp = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]
    return Finding(rule=rule.id, name=rule.name, severity=severity, message=message,
                   location=Location(p.directive_file, p.line, p.column, p.end_line, p.end_column),
                   path="metadata.annotations" if res is not None else "",
                   resource=res.ref if res is not None else None, fingerprint=fp)
