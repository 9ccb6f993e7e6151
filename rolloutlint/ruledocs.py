"""Rule documentation from the registry: `rolloutlint rules`, `rolloutlint explain` and docs/rules.md.

One source: each rule's class attributes (id, name, severity, summary, fixable, mirrors, options, kinds),
its docstring sections (What it checks / Why it matters / How to fix / Upstream / Options) and its examples
under rules/<ID>-<name>/ (the same files the test suite runs; `# expect:` markers are stripped for display
and turned into "reported at line N" notes).
"""

from __future__ import annotations

import inspect
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rolloutlint.core.rule import Rule

EXPECT_RE = re.compile(r"[ \t]*#\s*expect:\s*([A-Z0-9][A-Za-z0-9, ]*?)\s*$")
SECTION_RE = re.compile(r"^##[ \t]+(.+?)[ \t]*$", re.MULTILINE)
EXAMPLE_SUFFIXES = (".yaml", ".yml", ".json")
DOCS_URL = "https://github.com/rolloutlint/rolloutlint/blob/main/docs/rules.md"
MAX_DOC_LINES = 25  # docs/rules.md: longer example files are linked, not inlined
MAX_LINES = 200  # explain / json: longer files are cut (and say so)
GROUPS = (("RL0", "Input, parsing and schema"), ("RL1", "Rollout spec"), ("RL2", "Istio VirtualService and DestinationRule"),
          ("RL3", "Rollout, Istio, Service and workload references"), ("RL4", "Analysis"),
          ("RL5", "Revisions and TSB"), ("RL6", "Argo CD and GitOps"), ("RL9", "Internal"))


# ---------------------------------------------------------------- model


@dataclass
class ExampleFile:
    path: str  # relative to the case (the file name for one-file cases)
    text: str  # markers stripped
    reported: list[int] = field(default_factory=list)  # lines marked `# expect:` for this rule
    truncated: bool = False


@dataclass
class Example:
    kind: str  # "pass" | "fail"
    name: str  # file or directory name in rules/<ID>-<name>/
    files: list[ExampleFile]


@dataclass
class RuleDoc:
    rule: type[Rule]
    intro: str
    sections: list[tuple[str, str]]  # (title, markdown body), in docstring order
    examples: list[Example]
    config: str | None  # rules/<ID>-<name>/config.yaml, the examples' configuration
    folder: str | None  # "rules/<ID>-<name>" when the examples exist
    fix: tuple[str, str] | None = None  # fix.yaml / fix.after.yaml (markers stripped): what --fix does

    def fix_diff(self) -> str:
        if self.fix is None:
            return ""
        import difflib

        before, after = self.fix
        return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                            "fix.yaml", "fix.yaml (after --fix)", n=2))

    @property
    def is_policy(self) -> bool:
        return getattr(self.rule, "policy", None) is not None

    def section(self, title: str) -> str:
        return next((body for t, body in self.sections if t.lower() == title.lower()), "")

    def as_json(self) -> dict[str, Any]:
        r = self.rule
        out: dict[str, Any] = {
            "id": r.id, "name": r.name, "severity": r.severity.label, "summary": r.summary,
            "fixable": bool(r.fixable), "upstream": r.mirrors or None,
            "kinds": [k for k in r.kinds], "options": dict(r.options),
            "source": "policy" if self.is_policy else "builtin",
            "url": f"{DOCS_URL}#{r.id.lower()}" if not self.is_policy else None,
            "docs": {"summary": self.intro, "sections": {t: b for t, b in self.sections}},
            "examples": [{"kind": e.kind, "name": e.name,
                          "files": [{"path": f.path, "text": f.text, "reportedLines": f.reported,
                                     "truncated": f.truncated} for f in e.files]} for e in self.examples],
            "fix": {"before": self.fix[0], "after": self.fix[1]} if self.fix else None,
        }
        if self.is_policy:
            p = r.policy  # type: ignore[attr-defined]
            out["policy"] = {"definedAt": p.source, "match": p.match.describe(), "assert": p.schema,
                             "message": p.message}
        return out


def cleandoc(rule: type[Rule]) -> str:
    return inspect.cleandoc(rule.__doc__ or "")


def split_sections(doc: str) -> tuple[str, list[tuple[str, str]]]:
    """A docstring's text before the first `## ` heading, and its (title, body) sections."""
    matches = list(SECTION_RE.finditer(doc))
    intro = (doc[: matches[0].start()] if matches else doc).strip()
    sections = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(doc)
        sections.append((m.group(1).strip(), doc[m.end(): end].strip()))
    return intro, sections


def rules_dir() -> Path:
    from rolloutlint.core.resources import data_dir

    return data_dir("rules")


def strip_markers(text: str, rule_id: str | None = None) -> tuple[str, list[int]]:
    """Text without `# expect:` markers, and the lines that were marked (for `rule_id`, or any)."""
    lines, reported = [], []
    for n, line in enumerate(text.splitlines(), 1):
        m = EXPECT_RE.search(line)
        if m:
            ids = [x.strip() for x in m.group(1).split(",") if x.strip()]
            if rule_id is None or rule_id in ids:
                reported.append(n)
            line = line[: m.start()].rstrip()
        lines.append(line)
    return "\n".join(lines) + ("\n" if text.endswith("\n") else ""), reported


def _read_case(path: Path, rule_id: str, limit: int) -> list[ExampleFile]:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    out = []
    for f in files:
        try:
            raw = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        text, reported = strip_markers(raw, rule_id)
        lines = text.splitlines()
        truncated = len(lines) > limit
        if truncated:
            text = "\n".join(lines[:limit]) + "\n"
        rel = f.name if path.is_file() else f.relative_to(path).as_posix()
        out.append(ExampleFile(rel, text, reported, truncated))
    return out


def load_doc(rule: type[Rule], limit: int = MAX_LINES) -> RuleDoc:
    intro, sections = split_sections(cleandoc(rule))
    examples: list[Example] = []
    config = folder_rel = None
    fix: tuple[str, str] | None = None
    if getattr(rule, "policy", None) is None:
        folder = rules_dir() / f"{rule.id}-{rule.name}"
        if folder.is_dir():
            folder_rel = f"rules/{folder.name}"
            cases = [p for p in sorted(folder.iterdir())
                     if p.name.startswith(("pass", "fail")) and (p.is_dir() or p.suffix in EXAMPLE_SUFFIXES)]
            # Failing first (what the rule reports), then passing (what to write instead).
            for kind in ("fail", "pass"):
                for p in cases:
                    if p.name.startswith(kind):
                        examples.append(Example(kind, p.name, _read_case(p, rule.id, limit)))
            cfg = folder / "config.yaml"
            if cfg.is_file():
                config = cfg.read_text(encoding="utf-8")
            before, after = folder / "fix.yaml", folder / "fix.after.yaml"
            if before.is_file() and after.is_file():
                fix = (strip_markers(before.read_text(encoding="utf-8"))[0],
                       strip_markers(after.read_text(encoding="utf-8"))[0])
    return RuleDoc(rule, intro, sections, examples, config, folder_rel, fix)


def missing_sections(rule: type[Rule]) -> list[str]:
    """Template sections a rule's docstring lacks (What it checks, Why it matters, How to fix, Upstream)."""
    _, sections = split_sections(cleandoc(rule))
    titles = {t.lower() for t, _ in sections}
    need = ["What it checks", "Why it matters", "How to fix", "Upstream"]
    if rule.options:
        need.append("Options")
    return [t for t in need if t.lower() not in titles]


# ---------------------------------------------------------------- rules: text / json / markdown


def upstream_source(rule: type[Rule], width: int = 24) -> str:
    """Who the rule mirrors, shortly: the part of `mirrors` before its first quote or colon."""
    text = re.split(r"[`:(]", rule.mirrors or "", maxsplit=1)[0].strip().rstrip(",;")
    if getattr(rule, "policy", None) is not None:
        text = "project policy"
    return text if len(text) <= width else text[: width - 1] + "…"


def render_list_text(rules: list[type[Rule]], width: int | None = None) -> str:
    """The rule table; with `width` (the terminal's), the UPSTREAM column goes first and summaries wrap."""
    import textwrap

    rows = [(r.id, r.name, r.severity.label, "yes" if r.fixable else "", upstream_source(r) or "-", r.summary)
            for r in rules]
    head = ("ID", "NAME", "SEVERITY", "FIX", "UPSTREAM", "SUMMARY")
    keep = [0, 1, 2, 3, 4]
    widths = {i: max([len(head[i])] + [len(row[i]) for row in rows]) for i in keep}

    def prefix_len() -> int:
        return sum(widths[i] + 2 for i in keep)

    min_summary = 30
    if width is not None and prefix_len() + min_summary > width:
        keep.remove(4)  # where a rule comes from matters less than what it checks
    own_line = width is not None and prefix_len() + min_summary > width  # summary below, indented
    out = []
    for row in [head, *rows]:
        if width is not None and prefix_len() > width:  # too narrow for columns: unpadded cells
            cells = "  ".join(row[i] for i in keep if row[i])
        else:
            cells = "  ".join(f"{row[i]:<{widths[i]}}" for i in keep)
        if width is None:
            out.append(cells + "  " + row[5])
            continue
        if own_line:
            out.append(cells.rstrip())
            if row is not head:
                out += textwrap.wrap(row[5], width=max(width - 4, min_summary), initial_indent="    ",
                                     subsequent_indent="    ")
            continue
        wrapped = textwrap.wrap(row[5], width=width - prefix_len()) or [""]
        out.append(cells + "  " + wrapped[0])
        out += [" " * prefix_len() + more for more in wrapped[1:]]
    out.append("")
    out.append(f"{len(rows)} rule(s). `rolloutlint explain ID` shows a rule's documentation and examples.")
    return "\n".join(out) + "\n"


def render_list_json(rules: list[type[Rule]]) -> str:
    return json.dumps([load_doc(r).as_json() for r in rules], indent=2, ensure_ascii=False) + "\n"


def render_list_markdown(rules: list[type[Rule]]) -> str:
    """docs/rules.md: an index table, then every rule with its docs and first failing and passing example."""
    docs = [load_doc(r) for r in rules]
    out = ["<!-- Generated by `rolloutlint rules --format markdown` (scripts/gen_rules_doc.py); do not edit. -->",
           "", "# Rules", "",
           ("Every rule has an id (`RL301`) and a kebab-case name (`virtualservice-not-found`); both work in "
            "`select`, `ignore`, `severity` and suppressions. `rolloutlint explain <id or name>` prints a rule's "
            "page in the terminal. The examples are the test cases under [`rules/`](../rules/), run by the test "
            "suite. Project policies (`policies:` in `.rolloutlint.yaml`) are listed by `rolloutlint rules` in "
            "their project."), ""]
    for prefix, title in GROUPS:
        group = [d for d in docs if d.rule.id.startswith(prefix) and not d.is_policy]
        if not group:
            continue
        out += [f"## {title}", "", "| Rule | Name | Severity | Fix | Summary |", "|---|---|---|---|---|"]
        for d in group:
            r = d.rule
            out.append(f"| [{r.id}](#{r.id.lower()}) | `{r.name}` | {r.severity.label} | "
                       f"{'yes' if r.fixable else ''} | {_cell(r.summary)} |")
        out.append("")
    policies = [d for d in docs if d.is_policy]
    if policies:
        out += ["## Project policies", "", "| Policy | Severity | Summary |", "|---|---|---|"]
        for d in policies:
            out.append(f"| [{d.rule.id}](#{d.rule.id.lower()}) | {d.rule.severity.label} | {_cell(d.rule.summary)} |")
        out.append("")
    out += ["---", ""]
    for d in docs:
        out += _rule_markdown(d, heading="###", inline_limit=MAX_DOC_LINES, all_examples=False)
    return "\n".join(out).rstrip() + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _meta_line(d: RuleDoc) -> str:
    r = d.rule
    parts = [f"**Severity:** {r.severity.label}", f"**Fixable:** {'yes' if r.fixable else 'no'}"]
    kinds = [k for k in r.kinds if k != "*"]
    parts.append(f"**Applies to:** {', '.join(kinds) if kinds else ('every resource' if r.kinds else 'the project')}")
    return " · ".join(parts)


def _rule_markdown(d: RuleDoc, heading: str, inline_limit: int, all_examples: bool) -> list[str]:
    r = d.rule
    sub = heading + "#"
    out = [f'<a id="{r.id.lower()}"></a>', "", f"{heading} {r.id} `{r.name}`" if r.name != r.id else f"{heading} {r.id}",
           "", _meta_line(d), "", d.intro or r.summary, ""]
    for title, body in d.sections:
        out += [f"{sub} {title}", "", _demote(body, sub), ""]
    if r.mirrors and not d.section("Upstream"):
        out += [f"{sub} Upstream", "", r.mirrors, ""]
    if r.options and not d.section("Options"):
        out += [f"{sub} Options", ""]
    if r.options:
        out += ["| Option | Default |", "|---|---|"]
        out += [f"| `{k}` | `{json.dumps(v)}` |" for k, v in r.options.items()]
        out.append("")
    examples = d.examples if all_examples else _first_of_each(d.examples)
    if examples:
        out += [f"{sub} Examples", ""]
        if d.config:
            out += ["With this `.rolloutlint.yaml`:", "", "```yaml", d.config.rstrip(), "```", ""]
        for ex in examples:
            out += _example_markdown(d, ex, inline_limit)
        more = len(d.examples) - len(examples)
        if more > 0 and d.folder:
            out += [f"{more} more case(s) in [`{d.folder}/`](../{d.folder}/).", ""]
    diff = d.fix_diff()
    if diff and (all_examples or len(diff.splitlines()) <= inline_limit):
        out += [f"{sub} Fix", "", "`rolloutlint lint --fix` changes the failing example like this:", "",
                "```diff", diff.rstrip("\n"), "```", ""]
    return out


def _first_of_each(examples: list[Example]) -> list[Example]:
    out = []
    for kind in ("fail", "pass"):
        ex = next((e for e in examples if e.kind == kind), None)
        if ex is not None:
            out.append(ex)
    return out


def _example_markdown(d: RuleDoc, ex: Example, inline_limit: int) -> list[str]:
    label = "Fails" if ex.kind == "fail" else "Passes"
    out = []
    too_long = any(f.truncated or len(f.text.splitlines()) > inline_limit for f in ex.files)
    if too_long and d.folder:
        return [f"{label}: [`{d.folder}/{ex.name}`](../{d.folder}/{ex.name}) (too long to show here).", ""]
    for f in ex.files:
        name = f.path if ex.name == f.path else f"{ex.name}/{f.path}"
        note = f", reported at line {', '.join(map(str, f.reported))}" if f.reported else ""
        lang = "json" if f.path.endswith(".json") else "yaml"
        out += [f"{label} (`{name}`{note}):", "", f"```{lang}", f.text.rstrip("\n"), "```", ""]
    return out


def _demote(body: str, sub: str) -> str:
    """Headings inside a section body go below the section's own level."""
    if "```" in body:
        return body  # a code block may hold YAML comments that look like headings
    return re.sub(r"^#+[ \t]", sub + "# ", body, flags=re.MULTILINE)


# ---------------------------------------------------------------- explain


def render_explain_text(rule: type[Rule]) -> str:
    d = load_doc(rule)
    r = rule
    out = [f"{r.id} {r.name}" if r.name != r.id else r.id, "",
           f"{r.summary}.", "",
           (f"Severity: {r.severity.label}    Fixable: {'yes' if r.fixable else 'no'}    "
            f"Applies to: {_meta_line(d).split('**Applies to:** ', 1)[1]}")]
    if d.intro and d.intro.rstrip(".") != r.summary:
        out += ["", _plain(d.intro)]
    for title, body in d.sections:
        out += ["", title.upper(), _indent(_plain(body))]
    if r.mirrors and not d.section("Upstream"):
        out += ["", "UPSTREAM", _indent(_plain(r.mirrors))]
    if r.options:
        out += ["", "OPTIONS (set under `rules: {" + r.id + ": {...}}` in .rolloutlint.yaml)"]
        out += [f"    {k}: {json.dumps(v)}" for k, v in r.options.items()]
    if d.examples:
        out += ["", "EXAMPLES"]
        if d.config:
            out += ["", "    With this .rolloutlint.yaml:", _indent(d.config.rstrip(), 8)]
        for ex in d.examples:
            for f in ex.files:
                name = f.path if ex.name == f.path else f"{ex.name}/{f.path}"
                if ex.kind == "fail":
                    where = f" (reported at line {', '.join(map(str, f.reported))})" if f.reported else ""
                    head = f"Fails: {name}{where}"
                else:
                    head = f"Passes: {name}"
                out += ["", "    " + head, _indent(_numbered(f.text), 8)]
                if f.truncated:
                    out.append(f"        ... (cut; see {d.folder}/{ex.name})")
    diff = d.fix_diff()
    if diff:
        out += ["", "FIX (what `rolloutlint lint --fix` does to the failing example)", _indent(diff.rstrip("\n"), 4)]
    if not d.examples and not d.is_policy:
        out += ["", "(No examples found: the rules/ folder is not installed with this copy.)"
                if not rules_dir().is_dir() else "(This rule has no examples.)"]
    if not d.is_policy:
        out += ["", f"Docs: {DOCS_URL}#{r.id.lower()}"]
    return "\n".join(out) + "\n"


def render_explain_markdown(rule: type[Rule]) -> str:
    return "\n".join(_rule_markdown(load_doc(rule), heading="#", inline_limit=MAX_LINES, all_examples=True)).rstrip() + "\n"


def _plain(text: str) -> str:
    return text.strip()


def _indent(text: str, n: int = 4) -> str:
    pad = " " * n
    return "\n".join(pad + line if line.strip() else "" for line in text.splitlines())


def _numbered(text: str) -> str:
    lines = text.rstrip("\n").splitlines()
    width = len(str(len(lines)))
    return "\n".join(f"{i:>{width}} | {line}".rstrip() for i, line in enumerate(lines, 1))
