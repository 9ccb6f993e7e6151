"""The `--format json` contract (DESIGN.md): version 1, findings, summary."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from json.encoder import encode_basestring as _quote  # json's own string writer (C)
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
    return "".join(chunks(findings, summary, options))


def chunks(findings: list[Finding], summary: dict[str, int], options: ReportOptions) -> Iterator[str]:
    """The report in pieces, finding by finding, so a caller can write it as it goes: tens of thousands of
    findings' text never exists at once (nor twice, as a joined copy and its encoding)."""
    shown = [f for f in findings if f.suppressed is None or options.show_suppressed]
    yield "{\n  \"version\": 1,\n  \"findings\": ["
    sep = "\n    "
    for f in shown:
        yield sep + _nested(finding_dict(f), "    ")
        sep = ",\n    "
    yield "\n  ],\n  \"summary\": " if shown else "],\n  \"summary\": "
    yield _nested(summary, "  ") + "\n}\n"


def _nested(value: Any, indent: str) -> str:
    try:
        return dumps_indented(value, indent)
    except TypeError:  # a value the writer below does not spell (a float, say): json's own writer, indented
        # alike (json escapes line breaks inside strings, so every line break it writes is layout)
        return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + indent)


def dumps_indented(value: Any, indent: str = "") -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)` for str/int/bool/None/dict/list values, ~2.5x
    faster (json's indented writer is a chain of Python generators; thousands of findings take a large
    share of a lint), as if nested at `indent`. Raises TypeError on anything else, so callers fall back
    to json itself."""
    out: list[str] = []
    _write(value, indent, out.append)
    return "".join(out)


def _write(o: Any, indent: str, put: Callable[[str], None]) -> None:
    # A module-level function, not a closure over itself: that would be a reference cycle, and the lint
    # runs with the garbage collector off, so every call's pieces would stay in memory. Strings, integers and
    # nulls inside a container are written in its loop (most values are; a call each costs more than the write).
    cls = o.__class__
    if cls is str:
        put(_quote(o))
    elif cls is dict:
        if not o:
            put("{}")
            return
        inner, sep = indent + "  ", "{\n"
        for k, v in o.items():
            if k.__class__ is not str:
                raise TypeError("non-string key")
            head = sep + inner + _quote(k) + ": "
            sep = ",\n"
            vcls = v.__class__
            if vcls is str:
                put(head + _quote(v))
            elif vcls is int:
                put(head + int.__repr__(v))
            elif v is None:
                put(head + "null")
            else:
                put(head)
                _write(v, inner, put)
        put("\n" + indent + "}")
    elif cls is list:
        if not o:
            put("[]")
            return
        inner, sep = indent + "  ", "[\n"
        for v in o:
            put(sep + inner)
            sep = ",\n"
            _write(v, inner, put)
        put("\n" + indent + "]")
    elif o is None:
        put("null")
    elif o is True:
        put("true")
    elif o is False:
        put("false")
    elif cls is int:
        put(int.__repr__(o))
    else:
        raise TypeError(f"{cls.__name__} is not written here")
