"""The rule registry: loading the built-in rules, the project's policies, selecting rules by id or name.

Rules themselves are declared against `rolloutlint.core.rule`; this module imports the `checks` package
to register them (lazily: small runs import only what they need).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from rolloutlint.core.rule import BUILTIN_NAMES as _BY_NAME
from rolloutlint.core.rule import BUILTIN_RULES as _RULES
from rolloutlint.core.rule import Rule


def load_builtin_rules() -> None:
    if not _RULES:
        import rolloutlint.checks  # noqa: F401  (imports every check module, which registers its rules)


# What rules import on first use: parsers and validators that cost tens of milliseconds to import (the
# condition engine, PromQL and GraphQL parsers, the schema validator). Rule modules import them inside the
# functions that need them, so small runs pay only for what their manifests use; the run warms them up.
# graphql (with asyncio, ~0.15 s) is not warmed up: only SkyWalking templates need it, and a repository
# without them would pay for it.
WARM_UP = ("rolloutlint.expr", "rolloutlint.views.schemas", "jsonschema_rs", "promql_parser",
           "rolloutlint.providers.prometheus", "rolloutlint.providers.skywalking")


def prepare_rules() -> None:
    """Import the rules and what they import on first use (`WARM_UP`).

    Called while a worker shares the loading of a large repository: the cost is then shared too (the
    worker loads more files meanwhile), and the rule phase's worker, forked later, inherits the modules.
    Small runs never call it, so they import only what their manifests need.
    """
    import importlib

    load_builtin_rules()
    for name in WARM_UP:
        try:
            importlib.import_module(name)
        except ImportError:  # the rule reports the missing dependency itself when it runs
            pass


class RuleSet:
    """The rules one run knows: the built-in rules plus the project's policies (compiled from its
    configuration). Passed to whatever looks rules up by id or name (selection, suppressions, reporters);
    nothing is process-wide, so one process can lint many projects with different policies."""

    def __init__(self, policies: Iterable[type[Rule]] = ()) -> None:
        load_builtin_rules()
        self.policies: tuple[type[Rule], ...] = tuple(policies)

    def all(self) -> list[type[Rule]]:
        """Built-in rules by id, then the project's policies by id."""
        return [_RULES[k] for k in sorted(_RULES)] + sorted(self.policies, key=lambda r: r.id)

    def get(self, ident: str) -> type[Rule] | None:
        ident = ident.strip()
        found = _RULES.get(ident.upper()) or _RULES.get(_BY_NAME.get(ident, ""))
        if found is not None:
            return found
        extra = self.policies
        return next((r for r in extra if r.id == ident), None) or \
            next((r for r in extra if r.id.lower() == ident.lower()), None)

    def resolve(self, ident: str) -> set[str]:
        """Rule ids matched by an id, a kebab-case name, or an id prefix (`RL3`, `RL30`, `ACME`)."""
        ident = ident.strip()
        extra = self.policies
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

    def select(self, ids: Iterable[str]) -> Iterator[type[Rule]]:
        """The rules with these ids, in id order."""
        extra = {r.id: r for r in self.policies}
        for rid in sorted(ids):
            if rid in _RULES:
                yield _RULES[rid]
            elif rid in extra:
                yield extra[rid]


def is_builtin(ident: str) -> bool:
    """True when `ident` is a built-in rule id or name (case-insensitive)."""
    load_builtin_rules()
    ident = ident.strip()
    return ident.upper() in _RULES or ident.lower() in _BY_NAME


def all_rules() -> list[type[Rule]]:
    """The built-in rules by id."""
    return RuleSet().all()


def get_rule(ident: str) -> type[Rule] | None:
    """A built-in rule by id or name."""
    return RuleSet().get(ident)
