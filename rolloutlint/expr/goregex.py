"""Approximate Go RE2 regular expressions (``matches``) with Python's ``re``.

Python's engine is a superset in some places (lookarounds, backreferences,
atomic groups) and differs in others (``\\z``, ``$``, Unicode classes). We reject
RE2-unsupported syntax so a condition that fails to compile in Argo also fails
here, and translate the few spellings that differ. Not a full RE2 emulation:
e.g. RE2's leftmost-first semantics match Python's here, but Unicode class
names (``\\pL`` / ``\\p{Greek}``) are not supported by Python and are rejected.
"""

from __future__ import annotations

import functools
import re


class RegexError(ValueError):
    """Pattern that Go's regexp package would refuse to compile."""


class RegexUnsupported(RegexError):
    """Valid RE2 that this approximation cannot express (e.g. ``\\pL``)."""


def _translate(pattern: str) -> str:
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    multiline = bool(re.search(r"\(\?[a-zA-Z]*m", pattern))
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                raise RegexError("trailing backslash at end of expression")
            e = pattern[i + 1]
            if e.isdigit() and e != "0" and not in_class:
                raise RegexError(f"invalid escape sequence: `\\{e}`")  # backreferences
            if e in "Z":
                raise RegexError("invalid escape sequence: `\\Z`")
            if e in "pP":
                raise RegexUnsupported(f"Unicode class `\\{e}` is not supported by rolloutlint's evaluator")
            out.append("\\Z" if e == "z" and not in_class else pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            out.append(c)
            i += 1
            if i < n and pattern[i] == "^":
                out.append("^")
                i += 1
            if i < n and pattern[i] == "]":  # leading "]" is literal
                out.append("\\]")
                i += 1
            continue
        if c == "(" and pattern.startswith("(?", i):
            rest = pattern[i + 2:i + 4]
            if rest[:1] in ("=", "!", ">") or rest in ("<=", "<!") or rest[:2] == "P=" or rest[:1] == "#":
                raise RegexError(f"invalid or unsupported Perl syntax: `{pattern[i:i + 3]}`")
            if rest[:1] == "<":  # Go 1.22 named group (?<name>...)
                out.append("(?P<")
                i += 3
                continue
        if c in "*+?}" and i + 1 < n and pattern[i + 1] == "+":
            raise RegexError(f"invalid nested repetition operator: `{c}+`")
        if c == "$" and not multiline:
            out.append("\\Z")  # Go's "$" (no m flag) is end of text only
            i += 1
            continue
        out.append(c)
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=256)
def compile_go_regex(pattern: str) -> re.Pattern[str]:
    """Compile ``pattern`` with RE2-like behaviour; raises RegexError."""
    try:
        # RE2's \\d \\w \\s \\b are ASCII-only.
        return re.compile(_translate(pattern), re.ASCII)
    except re.error as e:
        raise RegexError(str(e)) from None


def go_match(pattern: str, s: str) -> bool:
    """Go's regexp.MatchString: unanchored search."""
    return compile_go_regex(pattern).search(s) is not None
