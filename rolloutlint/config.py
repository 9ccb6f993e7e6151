"""`.rolloutlint.yaml`: found at the project root (or given with --config), validated with positions.

Unknown keys are errors with a suggestion (exit 2), as in yamllint and ruff: a typo in a linter's config
must never silently disable a check.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rolloutlint.core.config import Config, ConfigError
from rolloutlint.core.findings import Severity
from rolloutlint.core.index import ExternalRef
from rolloutlint.views.schemas import config_schema

CONFIG_NAMES = (".rolloutlint.yaml", ".rolloutlint.yml")


def find_config(root: Path) -> Path | None:
    for name in CONFIG_NAMES:
        if (root / name).is_file():
            return root / name
    return None


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    from rolloutlint.load.loader import load_file

    src = load_file(path, str(path))
    if src.problems:
        p = src.problems[0]
        raise ConfigError(f"{path}:{p.line}:{p.column}: {p.message}")
    if len(src.documents) > 1:  # which one would win is a guess: refuse rather than ignore the rest
        raise ConfigError(f"{path}: configuration must be one YAML document; found {len(src.documents)}")
    if not src.documents or src.documents[0].value is None:
        return Config(path=path)
    doc = src.documents[0]
    if doc.duplicates:
        dup = doc.duplicates[0]
        from rolloutlint.core.positions import locate

        line, col, _, _ = locate(doc.node, dup.path, key=True)
        raise ConfigError(f"{path}:{line}:{col}: key {'.'.join(map(str, dup.path))!r} is repeated "
                          f"(first at line {dup.first_line}); only one may be set")
    raw = doc.value
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}:1:1: configuration must be a mapping")
    if not raw:  # `{}` (a root marker) sets nothing: no need to import the validator before loading starts
        return build_config(raw, path, policy_rules=())
    rules, policy_errors, packs = _policy_rules(raw, doc.node, path)
    # Selectors naming a policy that failed to compile would only repeat its error: check them later.
    errors = validate_config(raw, check_rule_names=not policy_errors, policy_rules=rules)
    if errors or policy_errors:
        from rolloutlint.core.positions import locate

        lines = []
        for cfg_path, message, is_key in errors:
            line, col, _, _ = locate(doc.node, cfg_path, key=is_key)
            lines.append(f"{path}:{line}:{col}: {message}")
        raise ConfigError("\n".join(lines + policy_errors))
    config = build_config(raw, path, policy_rules=rules)
    config.policy_files = frozenset(packs)
    return config


def _policy_rules(raw: dict[str, Any], node: Any, path: Path | None) -> tuple[tuple[Any, ...], list[str], list[Path]]:
    entries = raw.get("policies")
    if not isinstance(entries, list) or not entries:
        return (), [], []
    from rolloutlint.policies import compile_policies, rule_class

    packs: list[Path] = []
    policies, errors = compile_policies(entries, node, path, packs)
    return tuple(rule_class(p) for p in policies), errors, packs


def validate_config(raw: dict[str, Any], check_rule_names: bool = True, policy_rules: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], str, bool]]:
    """Schema errors as (path, message, points-at-key). Policy entries are checked by `rolloutlint.policies`."""
    import jsonschema_rs

    schema = config_schema()
    out: list[tuple[tuple[Any, ...], str, bool]] = []
    for err in jsonschema_rs.validator_for(schema).iter_errors(raw):
        ipath = tuple(err.instance_path)
        if len(ipath) >= 2 and ipath[0] == "policies":
            continue  # one policy's problems, reported with a precise message by policies.compile_policies
        kind = type(err.kind).__name__
        if kind == "AdditionalProperties" and isinstance(err.kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
            allowed = _allowed_keys(schema, ipath)
            for key in err.kind.unexpected:
                from difflib import get_close_matches

                hint = get_close_matches(key, allowed, n=1, cutoff=0.6)
                suffix = f" (did you mean {hint[0]!r}?)" if hint else f" (known keys: {', '.join(sorted(allowed))})"
                where = ".".join(map(str, ipath + (key,)))
                out.append((ipath + (key,), f"unknown configuration key {where!r}{suffix}", True))
        elif kind == "Enum" and isinstance(err.kind, jsonschema_rs.ValidationErrorKind.Enum):  # jsonschema-rs names two options and counts the rest: list them all
            where = ".".join(map(str, ipath)) or "configuration"
            options = ", ".join(json.dumps(o) for o in err.kind.options)
            out.append((ipath, f"{where}: {json.dumps(err.instance)} is not one of {options}", False))
        else:
            where = ".".join(map(str, ipath)) or "configuration"
            out.append((ipath, f"{where}: {err.message}", False))
    # Severity keys and selectors must name real rules: a typo would silently do nothing.
    if not check_rule_names:
        return out
    from rolloutlint.run.registry import RuleSet

    known = RuleSet(policy_rules)  # selectors and severity keys may name the project's policies
    for key in ("select", "ignore"):
        selectors = raw.get(key)
        for i, sel in enumerate(selectors if isinstance(selectors, list) else []):  # wrong types: schema error above
            if isinstance(sel, str) and not known.resolve(sel):
                out.append(((key, i), f"{key}: {sel!r} matches no rule{_rule_hint(sel, known)}", False))
    for key in ("severity", "rules"):
        section = raw.get(key)
        if isinstance(section, dict):
            for rid in section:
                if not known.resolve(str(rid)):
                    out.append(((key, rid), f"{key}: {rid!r} matches no rule{_rule_hint(str(rid), known)}", True))
    out.extend(_unknown_options(raw.get("rules"), known))
    return out


def _unknown_options(section: Any, known: Any) -> list[tuple[tuple[Any, ...], str, bool]]:
    """Per-rule options must be ones the rule declares (`Rule.options`); `severity` is every rule's."""
    from difflib import get_close_matches

    out: list[tuple[tuple[Any, ...], str, bool]] = []
    for ident, opts in (section.items() if isinstance(section, dict) else ()):
        rules = [r for rid in sorted(known.resolve(str(ident))) if (r := known.get(rid)) is not None]
        if not rules or not isinstance(opts, dict):
            continue  # no rule: reported above; not a mapping: a schema error
        declared = {"severity"} | {name for r in rules for name in r.options}
        for name in opts:
            if name in declared:
                continue
            hint = get_close_matches(str(name), sorted(declared), n=1, cutoff=0.6)
            suffix = f"did you mean {hint[0]!r}?" if hint else f"its options: {', '.join(sorted(declared))}"
            owner = ", ".join(r.id for r in rules) if len(rules) <= 3 else str(ident)
            out.append((("rules", ident, name), f"rules.{ident}: {name!r} is not an option of {owner} ({suffix})", True))
    return out


def _rule_hint(text: str, known: Any) -> str:
    from rolloutlint.core.suggest import rule_hint

    return rule_hint(text, known.all())


def _allowed_keys(schema: dict[str, Any], path: tuple[Any, ...]) -> list[str]:
    node = schema
    for part in path:
        if isinstance(part, int):
            node = node.get("items", {})
        else:
            node = node.get("properties", {}).get(part, {})
    return list(node.get("properties", {}))


def build_config(raw: dict[str, Any], path: Path | None = None, policy_rules: tuple[Any, ...] | None = None) -> Config:
    if policy_rules is None:  # not from load_config: compile here (errors then carry no positions)
        policy_rules, errors, _ = _policy_rules(raw, None, path)
        if errors:
            raise ConfigError("\n".join(errors))
    return _build_config(raw, path, policy_rules)


def _build_config(raw: dict[str, Any], path: Path | None, policy_rules: tuple[Any, ...]) -> Config:
    from rolloutlint.run.registry import RuleSet

    resolve_selector = RuleSet(policy_rules).resolve  # severity and options keys may name the project's policies
    severity: dict[str, Severity] = {}
    for ident, sev in (raw.get("severity") or {}).items():
        for rid in resolve_selector(str(ident)):
            severity[rid] = Severity.parse(sev)
    options: dict[str, dict[str, Any]] = {}
    for ident, opts in (raw.get("rules") or {}).items():
        for rid in resolve_selector(str(ident)):
            options.setdefault(rid, {}).update(opts)
            if "severity" in opts:
                try:
                    severity[rid] = Severity.parse(str(opts["severity"]))
                except ValueError as exc:
                    raise ConfigError(f"rules.{ident}.severity: {exc}") from None
    istio = raw.get("istio") or {}
    sky = raw.get("skywalking") or {}
    return Config(
        path=path,
        select=tuple(raw.get("select") or ()),
        ignore=tuple(raw.get("ignore") or ()),
        severity=severity,
        rule_options=options,
        fail_on=raw.get("fail-on", "error"),
        exclude=tuple(raw.get("exclude") or ()),
        namespace=raw.get("namespace"),
        istio_revision=istio.get("revision"),
        istio_revision_tags=dict(istio.get("revision-tags") or {}),
        skywalking_cluster=sky.get("cluster"),
        skywalking_env=sky.get("env"),
        external=tuple(ExternalRef(e["kind"], e["name"], e.get("namespace")) for e in raw.get("external") or ()),
        policies=list(raw.get("policies") or []),
        policy_rules=tuple(policy_rules),
        baseline=raw.get("baseline"),
        warn_unused_suppressions=bool(raw.get("warn-unused-suppressions", False)),
        raw=raw,
    )
