"""Rule declaration and registry: one class per rule, metadata as explicit class attributes.

A rule is either per-resource (`kinds` set, `check(resource, ctx)`) or project-wide (`kinds` empty,
`check_repo(ctx)`). Rules yield `Report`s; they never compute positions or read config files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, ClassVar

from rolloutlint.findings import Fix, Path, RelatedRef, Report, Severity

if TYPE_CHECKING:
    from rolloutlint.engine import Context
    from rolloutlint.model import Resource

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

    def check(self, resource: "Resource", ctx: "Context") -> Iterable[Report]:
        return ()

    def check_repo(self, ctx: "Context") -> Iterable[Report]:
        return ()

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


def load_builtin_rules() -> None:
    if not _RULES:
        import rolloutlint.checks  # noqa: F401  (imports every check module, which registers its rules)


def prepare_rules() -> None:
    """Import now what rule modules import on first use (their `LAZY_IMPORTS`: the expression engine,
    query parsers, the schema validator).

    Called while a worker shares the loading of a large repository: the cost is then shared too (the
    worker loads more files meanwhile), and the rule phase's worker, forked later, inherits the modules.
    Small runs never call it, so they import only what their manifests need.
    """
    import importlib
    import sys

    load_builtin_rules()
    for module in sorted({cls.__module__ for cls in _RULES.values()}):
        for name in getattr(sys.modules.get(module), "LAZY_IMPORTS", ()):
            try:
                importlib.import_module(name)
            except ImportError:  # the rule reports the missing dependency itself when it runs
                pass


# Project rules (user policies from the configuration) are not registered globally: they are active for
# one run, in this context only, so one process can lint many projects with different policies (tests,
# library users). `activate` replaces the active set; `active` scopes it to a `with` block.
_ACTIVE: ContextVar[tuple[type[Rule], ...]] = ContextVar("rolloutlint_project_rules", default=())


def activate(rules: Iterable[type[Rule]]) -> None:
    """Make `rules` (a project's policies) the active project rules, replacing any previous set."""
    _ACTIVE.set(tuple(rules))


@contextmanager
def active(rules: Iterable[type[Rule]]) -> Iterator[None]:
    token = _ACTIVE.set(tuple(rules))
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def project_rules() -> tuple[type[Rule], ...]:
    return _ACTIVE.get()


def is_builtin(ident: str) -> bool:
    """True when `ident` is a built-in rule id or name (case-insensitive)."""
    load_builtin_rules()
    ident = ident.strip()
    return ident.upper() in _RULES or ident.lower() in _BY_NAME


def all_rules() -> list[type[Rule]]:
    """Built-in rules by id, then the active project rules by id."""
    load_builtin_rules()
    return [_RULES[k] for k in sorted(_RULES)] + sorted(_ACTIVE.get(), key=lambda r: r.id)


def get_rule(ident: str) -> type[Rule] | None:
    load_builtin_rules()
    ident = ident.strip()
    found = _RULES.get(ident.upper()) or _RULES.get(_BY_NAME.get(ident, ""))
    if found is not None:
        return found
    extra = _ACTIVE.get()
    return next((r for r in extra if r.id == ident), None) or \
        next((r for r in extra if r.id.lower() == ident.lower()), None)


def resolve_selector(ident: str) -> set[str]:
    """Rule ids matched by an id, a kebab-case name, or an id prefix (`RL3`, `RL30`, `ACME`)."""
    load_builtin_rules()
    ident = ident.strip()
    extra = _ACTIVE.get()
    if ident.lower() == "all":
        return set(_RULES) | {r.id for r in extra}
    if ident in _BY_NAME:
        return {_BY_NAME[ident]}
    up = ident.upper()
    out: set[str] = set()
    if up.startswith("RL"):
        out = {rid for rid in _RULES if rid.startswith(up)}
    if ident and extra:
        exact = {r.id for r in extra if r.id.upper() == up}
        # A policy's exact id selects only it (`ACME1` is not also `ACME10`); otherwise an id prefix.
        out |= exact or {r.id for r in extra if r.id.upper().startswith(up)}
    return out


def iter_rules(ids: Iterable[str]) -> Iterator[type[Rule]]:
    load_builtin_rules()
    extra = {r.id: r for r in _ACTIVE.get()}
    for rid in sorted(ids):
        if rid in _RULES:
            yield _RULES[rid]
        elif rid in extra:
            yield extra[rid]
