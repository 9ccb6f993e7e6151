"""A loaded project (configuration, files, index, what to report on) and the result of linting it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rolloutlint.core.config import Config
from rolloutlint.core.findings import Finding, Report
from rolloutlint.core.index import ResourceIndex
from rolloutlint.core.source import SourceFile


@dataclass
class Project:
    root: Path
    config: Config
    files: list[SourceFile]
    index: ResourceIndex
    report_files: set[Path] | None  # None: report on everything loaded
    rendered: Any = None  # rolloutlint.load.render.build.Rendered: the deployment units and their engines


@dataclass
class LintResult:
    findings: list[Finding]
    project: Project
    summary: dict[str, int] = field(default_factory=dict)
    fixes: dict[int, Report] = field(default_factory=dict)  # id(finding) -> the report behind it, when kept
