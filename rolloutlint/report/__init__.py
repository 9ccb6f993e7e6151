"""Output formats. Each reporter module exposes `render(findings, summary, options) -> str`; those whose
output can be large may also expose `chunks(...)`, the same text in pieces, written as they come.

Imported lazily by name so `--format text` never pays for SARIF or JSON machinery.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from rolloutlint.core.findings import Finding

REPORTERS: dict[str, str] = {
    "text": "rolloutlint.report.text",
    "json": "rolloutlint.report.json_out",
    "sarif": "rolloutlint.report.sarif",
    "github": "rolloutlint.report.github",
}


@dataclass
class ReportOptions:
    color: bool = False
    show_suppressed: bool = False
    rules: list[Any] = field(default_factory=list)  # every rule the run knew (built-ins and policies), by id
    extra: dict[str, Any] = field(default_factory=dict)


def get_reporter(name: str) -> Callable[[list[Finding], dict[str, int], ReportOptions], str]:
    module = importlib.import_module(REPORTERS[name])
    return module.render


def get_chunks(name: str) -> Callable[[list[Finding], dict[str, int], ReportOptions], Iterable[str]]:
    """The reporter's output in pieces (its `chunks`, else its whole `render` as one piece)."""
    module = importlib.import_module(REPORTERS[name])
    chunked = getattr(module, "chunks", None)
    if chunked is not None:
        return chunked
    return lambda findings, summary, options: (module.render(findings, summary, options),)
