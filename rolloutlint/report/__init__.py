"""Output formats. Each reporter module exposes `render(findings, summary, options) -> str`.

Imported lazily by name so `--format text` never pays for SARIF or JSON machinery.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
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
