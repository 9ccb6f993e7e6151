"""Rule declaration and registry: one class per rule, metadata as explicit class attributes.

A rule is either per-resource (`kinds` set, `check(resource, ctx)`) or project-wide (`kinds` empty,
`check_repo(ctx)`). Rules yield `Report`s; they never compute positions or read config files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar

from rolloutlint.findings import Fix, Path, RelatedRef, Report, Severity

if TYPE_CHECKING:
    from rolloutlint.engine import Context
    from rolloutlint.model import Resource

ID_RE = re.compile(r"^RL\d{3}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
DOC_SECTIONS = ("## What it checks", "## Why it matters", "## How to fix")


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

    def check(self, resource: "Resource", ctx: "Context") -> Iterable[Report]:
        return ()

    def check_repo(self, ctx: "Context") -> Iterable[Report]:
        return ()

    def report(self, resource: "Resource | None", path: Path, message: str, *, key: bool = False,
               related: Iterable[RelatedRef] = (), fix: Fix | None = None,
               severity: Severity | None = None) -> Report:
        return Report(rule_id=self.id, message=message, resource=resource, path=tuple(path), key=key,
                      related=tuple(related), fix=fix, severity=severity)

    @classmethod
    def docs(cls) -> str:
        return (cls.__doc__ or "").strip()


_RULES: dict[str, type[Rule]] = {}
_BY_NAME: dict[str, str] = {}


def register(cls: type[Rule]) -> type[Rule]:
    """Class decorator: validate metadata once, at import time, and add the rule to the registry."""
    for attr in ("id", "name", "severity", "summary"):
        if not hasattr(cls, attr):
            raise TypeError(f"rule {cls.__name__} lacks {attr}")
    if not ID_RE.match(cls.id):
        raise ValueError(f"rule id {cls.id!r} must look like RL123")
    if not NAME_RE.match(cls.name) or len(cls.name) > 63:
        raise ValueError(f"rule name {cls.name!r} must be kebab-case, at most 63 characters")
    if cls.id in _RULES or cls.name in _BY_NAME:
        raise ValueError(f"duplicate rule {cls.id} {cls.name}")
    if cls.summary.endswith("."):
        raise ValueError(f"rule {cls.id} summary must not end with a period")
    _RULES[cls.id] = cls
    _BY_NAME[cls.name] = cls.id
    return cls


def _load_builtin() -> None:
    if not _RULES:
        import rolloutlint.checks  # noqa: F401  (imports every check module, which registers its rules)


def all_rules() -> list[type[Rule]]:
    _load_builtin()
    return [_RULES[k] for k in sorted(_RULES)]


def get_rule(ident: str) -> type[Rule] | None:
    _load_builtin()
    ident = ident.strip()
    return _RULES.get(ident.upper()) or _RULES.get(_BY_NAME.get(ident, ""))


def resolve_selector(ident: str) -> set[str]:
    """Rule ids matched by an id, a kebab-case name, or an id prefix (`RL3`, `RL30`)."""
    _load_builtin()
    ident = ident.strip()
    if ident.lower() == "all":
        return set(_RULES)
    if ident in _BY_NAME:
        return {_BY_NAME[ident]}
    up = ident.upper()
    if up.startswith("RL"):
        return {rid for rid in _RULES if rid.startswith(up)}
    return set()


def iter_rules(ids: Iterable[str]) -> Iterator[type[Rule]]:
    _load_builtin()
    for rid in sorted(ids):
        if rid in _RULES:
            yield _RULES[rid]
