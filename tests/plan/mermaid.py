"""A strict reader of the Mermaid ``xychart-beta`` blocks rolloutlint writes (the subset of the grammar it uses)."""

from __future__ import annotations

import re
from typing import Any

_BLOCK = re.compile(r"^```mermaid\n(.*?)\n```$", re.DOTALL | re.MULTILINE)
_TITLE = re.compile(r'^ {4}title "[^"\n]*"$')
_XAXIS = re.compile(r'^ {4}x-axis \[("[^"\n]*"(?:, "[^"\n]*")*)\]$')
_YAXIS = re.compile(r'^ {4}y-axis "[^"\n]*" (-?\d+(?:\.\d+)?) --> (-?\d+(?:\.\d+)?)$')
_SERIES = re.compile(r"^ {4}(line|bar) \[(-?\d+(?:\.\d+)?(?:, -?\d+(?:\.\d+)?)*)\]$")


def mermaid_blocks(markdown: str) -> list[dict[str, Any]]:
    """Every Mermaid block, parsed; AssertionError on anything outside the xychart-beta grammar."""
    out = []
    for body in _BLOCK.findall(markdown):
        lines = body.splitlines()
        assert lines[0] == "xychart-beta", lines[0]
        chart: dict[str, Any] = {"x": None, "y": None, "series": []}
        for line in lines[1:]:
            if _TITLE.match(line):
                continue
            if m := _XAXIS.match(line):
                chart["x"] = re.findall(r'"([^"]*)"', m.group(1))
            elif m := _YAXIS.match(line):
                chart["y"] = (float(m.group(1)), float(m.group(2)))
            elif m := _SERIES.match(line):
                chart["series"].append([int(v) if v.lstrip("-").isdigit() else float(v)
                                        for v in m.group(2).split(", ")])
            else:
                raise AssertionError(f"not xychart-beta syntax: {line!r}")
        assert chart["x"] and chart["y"] and chart["series"], chart
        assert chart["y"][0] < chart["y"][1]
        for series in chart["series"]:
            assert len(series) == len(chart["x"]), (series, chart["x"])
            assert all(chart["y"][0] <= v <= chart["y"][1] for v in series)
        out.append(chart)
    assert markdown.count("```mermaid") == len(out), "unterminated mermaid block"
    return out
