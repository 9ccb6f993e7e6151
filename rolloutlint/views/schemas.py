"""Schema validation of Kubernetes resources against rolloutlint's generated JSON Schemas.

Schemas come from ``scripts/gen_schemas.py`` (upstream CRDs, descriptions stripped).
Validators are compiled lazily per (apiVersion, kind) and cached; jsonschema_rs is
imported only when the first resource with a schema is validated.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from rolloutlint.core import memo

if TYPE_CHECKING:
    from rolloutlint.core.model import Resource

__all__ = ["SchemaProblem", "has_schema", "validate", "schema_dir"]

FieldPath = tuple["str | int", ...]


@dataclass(frozen=True)
class SchemaProblem:
    path: tuple[str | int, ...]  # value path; unknown-field: the key's path; required: the parent mapping
    kind: str  # "unknown-field" | "type" | "enum" | "required" | "other"
    message: str
    key: bool  # True when path names a mapping key rather than a value
    suggestion: str | None = None  # closest allowed key for unknown-field, when unique and close


# ---------------------------------------------------------------- schema lookup


def schema_dir() -> Path:
    """Installed wheel: rolloutlint/_data/schemas; source checkout: <repo>/schemas."""
    from rolloutlint.core.resources import data_dir

    return data_dir("schemas")


@lru_cache(maxsize=1)
def config_schema() -> dict[str, Any]:
    """The JSON Schema of `.rolloutlint.yaml` (config validation and policy entries share it)."""
    return json.loads((schema_dir() / "rolloutlint-config.schema.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _catalog() -> dict[tuple[str, str], str]:
    """(apiVersion, kind) → schema file relative to schema_dir()."""
    try:
        raw = json.loads((schema_dir() / "catalog.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {(e["apiVersion"], e["kind"]): e["file"] for e in raw.get("schemas", [])}


def has_schema(api_version: str, kind: str) -> bool:
    return (api_version, kind) in _catalog() if _all_str(api_version, kind) else False


def _all_str(*values: object) -> bool:
    return all(isinstance(v, str) for v in values)


@cache
def _compiled(api_version: str, kind: str) -> tuple[Any, dict[str, Any]] | None:
    """(validator, schema dict) or None; compiled on first use."""
    rel = _catalog().get((api_version, kind))
    if rel is None:
        return None
    import jsonschema_rs  # lazy: import cost only when schema checks run

    schema = json.loads((schema_dir() / rel).read_text(encoding="utf-8"))
    return jsonschema_rs.validator_for(schema), schema


# ---------------------------------------------------------------- public entry point


@memo.per_resource  # the schema rules and the rules that skip pruned fields share one validation per object
def resource_problems(resource: Resource) -> list[SchemaProblem]:
    return validate(resource.api_version, resource.kind, resource.body)


def pruned(resource: Resource, path: tuple[str | int, ...]) -> bool:
    """Whether `path` lies in a field the object's schema does not know: the API server prunes it (or rejects the
    object), so no controller ever reads it."""
    return any(p.kind == "unknown-field" and path[:len(p.path)] == p.path for p in resource_problems(resource))


def validate(api_version: str, kind: str, body: dict) -> list[SchemaProblem]:
    """Problems of ``body`` against the schema for apiVersion/kind; [] without a schema. Never raises."""
    try:
        if not (isinstance(api_version, str) and isinstance(kind, str)):  # asked for every object: no helper call
            return []
        compiled = _compiled(api_version, kind)
        if compiled is None:
            return []
        validator, schema = compiled
        try:
            if validator.is_valid(body):  # fast path: nearly every resource is valid
                return []
        except (ValueError, TypeError, OverflowError):
            # YAML gives dates, non-string keys...; Kubernetes sees them as JSON strings.
            body = jsonable(body)
            if validator.is_valid(body):
                return []
        problems: dict[tuple, SchemaProblem] = {}
        for err in validator.iter_errors(body):
            for p in convert_error(err, schema):
                problems.setdefault((p.path, p.kind, p.message), p)
        return sorted(problems.values(), key=problem_order)
    except Exception as exc:  # noqa: BLE001 - the contract is "never raises"
        return [SchemaProblem((), "other", f"schema validation failed: {exc}", False, None)]


def problem_order(p: SchemaProblem) -> tuple:
    return tuple((0, e, "") if isinstance(e, int) else (1, 0, e) for e in p.path), p.kind, p.message


def jsonable(value: Any) -> Any:
    """Mirror YAML→JSON as Kubernetes does it: timestamps and odd keys become strings."""
    if isinstance(value, dict):
        return {_key_str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if hasattr(value, "isoformat"):  # datetime.date / datetime.datetime from YAML timestamps
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _key_str(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return "null" if key is None else str(key)


# ---------------------------------------------------------------- error conversion


def convert_error(err: Any, schema: dict[str, Any]) -> list[SchemaProblem]:
    path = tuple(err.instance_path)
    kind = err.kind
    name = type(kind).__name__
    if err.instance is None and path and isinstance(path[-1], str):
        # A null field is dropped by the API server before validation (CRDs prune
        # non-nullable nulls; typed objects decode null as "unset"), so it is no error.
        return []
    if name == "AdditionalProperties":
        return _unknown_fields(path, list(kind.unexpected), schema_node(schema, err.schema_path[:-1]))
    if name == "Type":
        expected = " or ".join(str(t) for t in kind.types)
        return [SchemaProblem(path, "type", f"{_where(path)}expected {expected}, got {json_type(err.instance)}",
                              False)]
    if name == "Enum":
        allowed = ", ".join(short(o) for o in kind.options)
        return [SchemaProblem(path, "enum",
                              f"{_where(path)}unsupported value {short(err.instance)} (supported values: {allowed})",
                              False)]
    if name == "Required":
        return [SchemaProblem(path, "required", f'missing required field "{kind.property}"', False)]
    if name in ("AnyOf", "OneOfNotValid", "OneOfMultipleValid"):
        return _combinator(err, path, name, schema)
    return [SchemaProblem(path, "other", _where(path) + _other_message(name, kind, err), False)]


def _unknown_fields(path: FieldPath, unexpected: list[str], parent: dict[str, Any] | None) -> list[SchemaProblem]:
    allowed = sorted((parent or {}).get("properties", {}))
    out = []
    for key in unexpected:
        moved = _MOVED.get((key, tuple(a for a in allowed if a in _MOVED_MARKERS)))
        if moved:  # a field an older API had here: a change of structure, not a rename
            out.append(SchemaProblem((*path, key), "unknown-field", f'unknown field "{key}" ({moved})', True, None))
            continue
        hint = _suggest(key, allowed)
        msg = f'unknown field "{key}"' + (f' (did you mean "{hint}"?)' if hint else "")
        out.append(SchemaProblem((*path, key), "unknown-field", msg, True, hint))
    return out


# Fields that moved between API versions, keyed by the field and the current schema's replacement field.
_MOVED_MARKERS = frozenset({"templates"})
_MOVED = {
    ("templateName", ("templates",)): "the Argo Rollouts v0.8 API; write `templates: [{templateName: <name>}]`",
}


def _norm(key: str) -> str:
    return re.sub(r"[-_]", "", key).lower()


def _suggest(key: str, allowed: Iterable[str]) -> str | None:
    """Closest allowed key when it is unambiguous (case/separator slips first, then difflib)."""
    import difflib  # lazy: only needed once a problem is found

    allowed = list(allowed)
    same = [a for a in allowed if _norm(a) == _norm(key)]
    if len(same) == 1:
        return same[0]
    # Only candidates whose cheap upper bounds reach the threshold are scored: a candidate below it can
    # neither win nor tie the winner (a mapping of thousands of unknown keys pays this per key).
    matcher = difflib.SequenceMatcher(None, _norm(key), "")
    scored = []
    for a in allowed:
        matcher.set_seq2(_norm(a))
        if matcher.real_quick_ratio() >= 0.75 and matcher.quick_ratio() >= 0.75:
            scored.append((matcher.ratio(), a))
    scored.sort(key=lambda s: (-s[0], s[1]))
    if scored and scored[0][0] >= 0.75 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return scored[0][1]
    return None


def _combinator(err: Any, path: FieldPath, name: str, schema: dict[str, Any]) -> list[SchemaProblem]:
    """anyOf/oneOf: tailored message for Kubernetes 'one of these fields' unions, else the best branch."""
    node = schema_node(schema, err.schema_path)
    fields = exclusive_fields(node)
    if fields:
        inst = err.instance if isinstance(err.instance, dict) else {}
        if name == "OneOfMultipleValid":
            present = [f for f in fields if f in inst] or fields
            msg = f"{_where(path)}fields {_quoted(present)} are mutually exclusive, set only one"
        else:
            msg = f"{_where(path)}exactly one of {_quoted(fields)} must be set"
        return [SchemaProblem(path, "other", msg, False)]
    branches = [list(b) for b in (getattr(err.kind, "context", None) or [])]
    best = best_branch(branches, path)
    if best is not None and name != "OneOfMultipleValid":
        return [p for sub in best for p in convert_error(sub, schema)]
    word = "more than one" if name == "OneOfMultipleValid" else "none"
    return [SchemaProblem(path, "other", f"{_where(path)}value matches {word} of the allowed alternatives", False)]


def exclusive_fields(node: Any) -> list[str]:
    """Field names of a oneOf/anyOf whose branches only say required:[x] (or not-anyOf of those)."""
    if not isinstance(node, list):
        return []
    fields: list[str] = []
    for branch in node:
        if set(branch) == {"required"}:
            fields += [f for f in branch["required"] if f not in fields]
        elif set(branch) != {"not"}:
            return []
    return fields


def best_branch(branches: list[list[Any]], path: FieldPath) -> list[Any] | None:
    """Most specific branch: not failing on the value's own type, fewest then deepest errors."""
    def wrong_shape(branch: list[Any]) -> bool:
        return any(type(e.kind).__name__ == "Type" and tuple(e.instance_path) == path for e in branch)

    candidates = [b for b in branches if b and not wrong_shape(b)]
    if not candidates:
        return None
    return min(candidates, key=lambda b: (len(b), -max(len(e.instance_path) for e in b)))


def _other_message(name: str, kind: Any, err: Any) -> str:
    limit = getattr(kind, "limit", None)
    templates = {
        "Minimum": f"must be greater than or equal to {limit}",
        "Maximum": f"must be less than or equal to {limit}",
        "ExclusiveMinimum": f"must be greater than {limit}",
        "ExclusiveMaximum": f"must be less than {limit}",
        "MinLength": f"must be at least {limit} characters long",
        "MaxLength": f"must be at most {limit} characters long",
        "MinItems": f"must have at least {limit} items",
        "MaxItems": f"must have at most {limit} items",
        "MinProperties": f"must have at least {limit} fields",
        "MaxProperties": f"must have at most {limit} fields",
        "UniqueItems": "items must be unique",
    }
    if name == "Pattern":
        return f"{short(err.instance)} does not match pattern {json.dumps(kind.pattern)}"
    return templates.get(name) or _clip(err.message)


# ---------------------------------------------------------------- helpers


def schema_node(schema: Any, schema_path: Iterable[str | int]) -> Any:
    """Follow a jsonschema_rs schema_path (absolute keyword location) inside our schema."""
    node = schema
    for part in schema_path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _where(path: FieldPath) -> str:
    return f"{dotted(path)}: " if path else ""


def dotted(path: FieldPath) -> str:
    """spec.steps[0].setWeight; keys that are not plain identifiers in brackets, as Kubernetes does."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z0-9_$-]+", part):
            out += f".{part}" if out else part
        else:
            out += f"[{part}]"
    return out


_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"),
               (dict, "object"), (list, "array"), (type(None), "null"))


def json_type(value: Any) -> str:
    for py, js in _JSON_TYPES:
        if isinstance(value, py):
            return js
    return type(value).__name__


def short(value: Any, limit: int = 60) -> str:
    try:
        text = json.dumps(value, sort_keys=True, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return _clip(text, limit)


def _clip(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)
