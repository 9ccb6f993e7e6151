"""The project configuration as the rest of the code reads it (loading and validation: `rolloutlint.config`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rolloutlint.core.findings import Severity
from rolloutlint.core.index import ExternalRef


class ConfigError(Exception):
    """A usage or configuration error: reported on stderr, exit code 2."""


@dataclass
class Config:
    path: Path | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)  # rule id -> severity
    rule_options: dict[str, dict[str, Any]] = field(default_factory=dict)  # rule id -> options
    fail_on: str = "error"
    exclude: tuple[str, ...] = ()
    namespace: str | None = None
    istio_revision: str | None = None
    istio_revision_tags: dict[str, str] = field(default_factory=dict)
    skywalking_cluster: str | None = None
    skywalking_env: str | None = None
    external: tuple[ExternalRef, ...] = ()
    policies: list[Any] = field(default_factory=list)  # raw entries, as written
    policy_rules: tuple[Any, ...] = ()  # compiled policies: `Rule` subclasses, active for runs with this config
    policy_files: frozenset[Path] = frozenset()  # policy packs read (tool configuration, not manifests)
    baseline: str | None = None
    warn_unused_suppressions: bool = False
    raw: dict[str, Any] = field(default_factory=dict)
