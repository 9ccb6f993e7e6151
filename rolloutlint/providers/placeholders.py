"""Simulate Argo Rollouts' ``{{ ... }}`` templating of a metric before it is sent.

Argo marshals the whole Metric to JSON and runs fasttemplate (``{{`` / ``}}``)
over it: each tag is whitespace-trimmed, ``args.NAME`` tags take the argument
value escaped like Go ``strconv.Quote`` without the outer quotes, and anything
else fails at runtime (research/skywalking.md §1.7, promql.md §3).

A linter rarely knows every value (``valueFrom`` is resolved at runtime), so
unresolved tags get a dummy that fits where the tag sits: a bare word inside a
string literal, ``5m`` inside ``[...]``, a word next to an identifier, and a
number elsewhere. That keeps the query parseable without inventing errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping
    from urllib.parse import SplitResult

import re
from dataclasses import dataclass

from rolloutlint.core.gostrings import go_quote, go_quote_inner  # noqa: F401 - callers use ph.go_quote

TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)  # fasttemplate ends a tag at the first "}}"

DUMMY_STRING = "dummy"
DUMMY_IDENT = "dummy"
DUMMY_NUMBER = "1"
DUMMY_DURATION = "5m"

_IDENT_CHAR = re.compile(r"[A-Za-z0-9_:]")


@dataclass(frozen=True)
class Replacement:
    """One ``{{...}}`` tag and what replaced it."""

    tag: str  # trimmed tag text, e.g. "args.service-name"
    start: int  # offsets of the tag in the original text
    end: int
    new_start: int  # offsets of the replacement in the substituted text
    new_end: int
    resolved: bool  # False: a dummy stands in for an unknown value
    context: str  # "string" | "duration" | "identifier" | "number"


class _Scanner:
    """Tracks string/comment state and open brackets across the text outside tags."""

    def __init__(self) -> None:
        self.quote: str | None = None  # '"', "'", '`' or '"""'
        self.comment = False
        self.brackets: list[str] = []

    def feed(self, chunk: str) -> None:
        i, n = 0, len(chunk)
        while i < n:
            ch = chunk[i]
            if self.comment:
                if ch == "\n":
                    self.comment = False
            elif self.quote == '"""':
                if chunk.startswith('\\"""', i):
                    i += 3
                elif chunk.startswith('"""', i):
                    self.quote = None
                    i += 2
            elif self.quote:
                if ch == "\\" and self.quote != "`":
                    i += 1
                elif ch == self.quote or (ch == "\n" and self.quote != "`"):
                    self.quote = None
            elif chunk.startswith('"""', i):
                self.quote = '"""'
                i += 2
            elif ch in "\"'`":
                self.quote = ch
            elif ch == "#":
                self.comment = True
            elif ch in "([{":
                self.brackets.append(ch)
            elif ch in ")]}" and self.brackets:
                self.brackets.pop()
            i += 1


def _context(text: str, start: int, end: int, scanner: _Scanner) -> str:
    if scanner.quote or scanner.comment:
        return "string"
    if scanner.brackets and scanner.brackets[-1] == "[":
        return "duration"
    before = text[:start].rstrip()
    if before.endswith(("offset", "@")):
        return "duration"
    prev_ch = text[start - 1] if start else ""
    next_ch = text[end] if end < len(text) else ""
    after = text[end:].lstrip()[:1]
    if _IDENT_CHAR.match(prev_ch or " ") or _IDENT_CHAR.match(next_ch or " ") or after in ("{", "("):
        return "identifier"
    return "number"


_DUMMIES = {"string": DUMMY_STRING, "duration": DUMMY_DURATION, "identifier": DUMMY_IDENT, "number": DUMMY_NUMBER}


def substitute_detailed(text: str, args: Mapping[str, str | None] | None = None) -> tuple[str, list[Replacement]]:
    """Like :func:`substitute`, but also returns where every tag went."""
    args = args or {}
    scanner = _Scanner()
    out: list[str] = []
    reps: list[Replacement] = []
    pos = new_pos = 0
    for m in TAG.finditer(text):
        chunk = text[pos : m.start()]
        scanner.feed(chunk)
        out.append(chunk)
        new_pos += len(chunk)
        tag = m.group(1).strip()
        context = _context(text, m.start(), m.end(), scanner)
        value = args.get(tag[5:]) if tag.startswith("args.") else None
        resolved = value is not None
        replacement = go_quote_inner(str(value)) if resolved else _DUMMIES[context]
        out.append(replacement)
        reps.append(Replacement(tag, m.start(), m.end(), new_pos, new_pos + len(replacement), resolved, context))
        new_pos += len(replacement)
        pos = m.end()
    out.append(text[pos:])
    return "".join(out), reps


def substitute(text: str, args: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """Resolve ``{{...}}`` tags as Argo does; return (text, tags that had no value).

    Unresolved tags (unknown or value-less ``args.*``, ``templates.*``,
    ``experiment.*``, anything else) are replaced by a context-fitting dummy
    and reported once each, as the trimmed tag text (e.g. ``"args.service-name"``).
    """
    new_text, reps = substitute_detailed(text, args)
    missing: list[str] = []
    for rep in reps:
        if not rep.resolved and rep.tag not in missing:
            missing.append(rep.tag)
    return new_text, missing


def unclosed_tag(text: str) -> int | None:
    """Offset of a ``{{`` that has no closing ``}}`` (Argo rejects the template), else None."""
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            return None
        end = text.find("}}", start + 2)
        if end < 0:
            return start
        pos = end + 2


def original_offset(reps: list[Replacement], offset: int) -> int:
    """Map an offset in the substituted text back to the original text."""
    delta = 0
    for rep in reps:
        if offset < rep.new_start:
            break
        if offset < rep.new_end:
            return rep.start
        delta = rep.end - rep.new_end
    return offset + delta


def replacement_at(reps: list[Replacement], offset: int) -> Replacement | None:
    """The replacement covering an offset of the substituted text, if any."""
    for rep in reps:
        if rep.new_start <= offset < max(rep.new_end, rep.new_start + 1):
            return rep
    return None


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based (line, column) of an offset."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def offset_of(text: str, line: int, column: int) -> int:
    """Offset of a 1-based (line, column); inverse of :func:`line_col`."""
    pos = 0
    for _ in range(line - 1):
        nl = text.find("\n", pos)
        if nl < 0:
            return len(text)
        pos = nl + 1
    return min(pos + column - 1, len(text))


def split_url(value: str) -> tuple["SplitResult | None", str | None]:
    """A provider address as (parts, None), or (None, problem message); (None, None) when placeholders hide
    the scheme and host, which are then only known at runtime. Shared by the metric providers."""
    from urllib.parse import urlsplit

    text = value
    if "{{" in text:
        if "://" not in text.split("{{", 1)[0]:
            return None, None
        text, _ = substitute(text)
    if any(c.isspace() for c in text):
        return None, f"address {value!r} contains whitespace"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as exc:
        return None, f"address {value!r} is not a valid URL: {exc}"
    return parts, None
