"""The rule API: the `Rule` base class, `register`, and the `Context` every check receives.

A rule is either per-resource (`kinds` set, `check(resource, ctx)`) or project-wide (`kinds` empty,
`check_repo(ctx)`). Rules yield `Report`s; they never compute positions or read config files.
`register` validates a built-in rule's metadata once, at import time; selecting and running rules is
`rolloutlint.run`'s business.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rolloutlint.core.config import Config
from rolloutlint.core.findings import Fix, RelatedRef, Report, Severity
from rolloutlint.core.index import ResourceIndex
from rolloutlint.core.model import Resource
from rolloutlint.core.positions import Path
from rolloutlint.core.source import SourceFile

ID_RE = re.compile(r"^RL\d{3}$")


NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


DOC_SECTIONS = ("## What it checks", "## Why it matters", "## How to fix", "## Upstream")


class Rule:
    id: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    kinds: ClassVar[tuple[str, ...]] = ()  # empty: a project-wide rule
    mirrors: ClassVar[str] = ""  # the upstream check this rule mirrors, and its upstream message
    fixable: ClassVar[bool] = False
    options: ClassVar[dict[str, Any]] = {}  # option name -> default, documented in the docstring
    stage: ClassVar[int] = 1  # 0 schema, 1 per-resource, 2 cross-resource (engine order)
    # Looks at other resources than the one it reports on (references, routes, coverage): its docs say where
    # a finding is reported and what is related ("Reported at ...", tests/test_reported_at.py).
    cross_resource: ClassVar[bool] = False

    def check(self, resource: "Resource", ctx: "Context") -> Iterable[Report]:
        return ()

    def check_repo(self, ctx: "Context") -> Iterable[Report]:
        return ()

    def applies(self, ctx: "Context") -> bool:
        """False when nothing in this run can make the rule report: a configuration option it needs is unset,
        or no object in the project carries what it compares (an annotation, a label). The engine then never
        calls the rule. Answered once per run, before any rule runs: keep it a cheap `per_run` fact, and
        exact (the rule must yield nothing on every object whenever this is False)."""
        return True

    def report(self, resource: "Resource | None", path: Path, message: str, *, key: bool = False,
               related: Iterable[RelatedRef] = (), fix: Fix | None = None,
               severity: Severity | None = None, inner: tuple[int, int] | None = None) -> Report:
        """A finding at `path` in `resource`; `inner` = (line, column) inside that string value (a
        condition's or query's own error position), which the engine maps to the file."""
        return Report(rule_id=self.id, message=message, resource=resource, path=tuple(path), key=key,
                      related=tuple(related), fix=fix, severity=severity, inner=inner)

    @classmethod
    def docs(cls) -> str:
        return (cls.__doc__ or "").strip()


BUILTIN_RULES: dict[str, type[Rule]] = {}


BUILTIN_NAMES: dict[str, str] = {}


def register(cls: type[Rule]) -> type[Rule]:
    """Class decorator: validate metadata once, at import time, and add the rule to the registry."""
    for attr in ("id", "name", "severity", "summary"):
        if not hasattr(cls, attr):
            raise TypeError(f"rule {cls.__name__} lacks {attr}")
    if not ID_RE.match(cls.id):
        raise ValueError(f"rule id {cls.id!r} must look like RL123")
    if not NAME_RE.match(cls.name) or len(cls.name) > 63:
        raise ValueError(f"rule name {cls.name!r} must be kebab-case, at most 63 characters")
    if cls.id in BUILTIN_RULES or cls.name in BUILTIN_NAMES:
        raise ValueError(f"duplicate rule {cls.id} {cls.name}")
    if cls.summary.endswith("."):
        raise ValueError(f"rule {cls.id} summary must not end with a period")
    BUILTIN_RULES[cls.id] = cls
    BUILTIN_NAMES[cls.name] = cls.id
    return cls


@dataclass
class Context:
    index: ResourceIndex
    config: Config
    files: list[SourceFile]
    _options: dict[str, dict[str, Any]] = field(default_factory=dict)

    def options(self, rule: Rule | type[Rule]) -> dict[str, Any]:
        cached = self._options.get(rule.id)
        if cached is None:
            cached = {**rule.options, **self.config.rule_options.get(rule.id, {})}
            self._options[rule.id] = cached
        return cached
