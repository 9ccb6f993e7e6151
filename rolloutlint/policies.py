"""Project policies: `policies:` in `.rolloutlint.yaml` (inline, or packs of them in other YAML files).

A policy selects resources (`match`) and asserts a JSON Schema (draft 2020-12) about each of them:

    policies:
      - id: ACME001                      # the policy's own id; works in select/ignore/severity/suppressions
        severity: error                  # error | warning | info (default error)
        message: "production Rollouts must run analysis ({error})"   # {path} {error} {kind} {name} {namespace}
        description: why the policy exists (optional; shown by `rolloutlint explain`)
        match:                           # every given selector must match; a list matches any of its items
          kinds: [Rollout]               # exact kinds or globs
          namespaces: ["prod-*"]         # globs (fnmatch, case-sensitive); an unknown namespace never matches
          names: ["*"]                   # globs
          labels: {tier: "front*"}       # each key must be present with a value matching the glob
          annotations: {team: "*"}
        assert: {...}                    # JSON Schema the whole object (apiVersion, kind, metadata, spec) must satisfy
      - packs/production.yaml            # a pack: a YAML file holding `policies: [...]`, relative to this file

Each policy is compiled once, when the configuration is loaded, into a `Rule` subclass that is active for
the run only (see `registry.activate`): it never enters the global registry, so one process can lint many
projects with different policies. A failing resource gives one finding, at the deepest failing path; the
other failing paths are attached as related locations. Every problem in a policy (unknown key, wrong type,
bad JSON Schema, unknown schema keyword, duplicate id, id taken by a built-in rule, missing pack) is a
configuration error with the file:line:column of the offending value (exit 2).
"""

from __future__ import annotations

import difflib
import json
import re
import string
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rolloutlint.core.positions import Path as DocPath
from rolloutlint.core.findings import RelatedRef, Report, Severity, format_path
from rolloutlint.core.rule import Rule

if TYPE_CHECKING:
    from yaml.nodes import Node

    from rolloutlint.core.rule import Context
    from rolloutlint.core.model import Resource

POLICY_KEYS = ("id", "severity", "message", "description", "match", "assert")
MATCH_KEYS = ("kinds", "namespaces", "names", "labels", "annotations")
PLACEHOLDERS = ("path", "error", "kind", "name", "namespace")
ID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+)*$")
BUILTIN_ID_RE = re.compile(r"^RL\d{3}$", re.IGNORECASE)
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
MAX_RELATED = 10
_GLOB_CHARS = frozenset("*?[")

# Draft 2020-12 keywords, by what their value holds: a typo in a schema keyword would otherwise be ignored
# (unknown keywords are annotations) and the policy would silently pass everything.
_SCHEMA_KEYWORDS = frozenset({"not", "if", "then", "else", "items", "contains", "additionalProperties",
                              "propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema"})
_SCHEMA_LIST_KEYWORDS = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_MAP_KEYWORDS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
_OTHER_KEYWORDS = frozenset({
    "$schema", "$id", "$ref", "$anchor", "$dynamicRef", "$dynamicAnchor", "$vocabulary", "$comment",
    "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxContains", "minContains",
    "maxProperties", "minProperties", "required", "dependentRequired", "format", "contentEncoding",
    "contentMediaType", "title", "description", "default", "deprecated", "readOnly", "writeOnly", "examples",
})
KEYWORDS = _SCHEMA_KEYWORDS | _SCHEMA_LIST_KEYWORDS | _SCHEMA_MAP_KEYWORDS | _OTHER_KEYWORDS
JSON_TYPES = ("array", "boolean", "integer", "null", "number", "object", "string")


# ---------------------------------------------------------------- the model


@dataclass(frozen=True)
class Match:
    kinds: tuple[str, ...] = ()
    namespaces: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()

    @property
    def dispatch_kinds(self) -> tuple[str, ...]:
        """Kinds the engine should hand this policy: exact kinds, or every resource ("*") for globs."""
        if not self.kinds or any(_GLOB_CHARS & set(k) for k in self.kinds):
            return ("*",)
        return self.kinds

    def matches(self, res: "Resource") -> bool:
        if self.kinds and not any(fnmatchcase(res.kind, k) for k in self.kinds):
            return False
        if self.namespaces and (res.namespace is None or not any(fnmatchcase(res.namespace, g) for g in self.namespaces)):
            return False
        if self.names and (not isinstance(res.name, str) or not any(fnmatchcase(res.name, g) for g in self.names)):
            return False
        return _map_matches(res.labels, self.labels) and _map_matches(res.annotations, self.annotations)

    def describe(self) -> str:
        parts = []
        if self.kinds:
            parts.append("kind " + _either(self.kinds))
        if self.namespaces:
            parts.append("namespace " + _either(self.namespaces))
        if self.names:
            parts.append("name " + _either(self.names))
        for what, pairs in (("label", self.labels), ("annotation", self.annotations)):
            for k, v in pairs:
                parts.append(f"{what} `{k}` " + ("present" if v == "*" else f"matching `{v}`"))
        return ", ".join(parts) if parts else "every resource"


def _either(globs: tuple[str, ...]) -> str:
    quoted = [f"`{g}`" for g in globs]
    return quoted[0] if len(quoted) == 1 else "one of " + ", ".join(quoted)


def _map_matches(actual: dict[str, Any], wanted: tuple[tuple[str, str], ...]) -> bool:
    for key, pattern in wanted:
        value = actual.get(key)
        if value is None:
            return False
        text = value if isinstance(value, str) else json.dumps(value) if isinstance(value, bool) else str(value)
        if not fnmatchcase(text, pattern):
            return False
    return True


@dataclass
class Policy:
    id: str
    severity: Severity
    message: str
    match: Match
    schema: Any  # the JSON Schema (plain JSON values)
    validator: Any  # compiled jsonschema_rs validator
    source: str  # "file:line" where the policy is defined
    description: str | None = None

    def failures(self, body: Any) -> list[Any]:
        """SchemaProblems of `body`, deepest first (document order among equals); [] when it passes."""
        from rolloutlint.views import schemas

        try:
            if self.validator.is_valid(body):
                return []
        except (ValueError, TypeError, OverflowError):
            body = schemas.jsonable(body)  # YAML dates, odd keys: as Kubernetes would see them in JSON
            if self.validator.is_valid(body):
                return []
        problems: dict[tuple[Any, ...], Any] = {}
        errors = list(self.validator.iter_errors(body))
        for err in errors:
            for p in _convert(err, self.schema):
                if p.kind == "required" and p.path and not p.key:
                    # Point at the key of the mapping that lacks the field (where it is added; a suppression
                    # comment on that line covers it), not at the mapping's first child.
                    p = schemas.SchemaProblem(p.path, p.kind, p.message, True, p.suggestion)
                problems.setdefault((p.path, p.key), p)
        if not problems:  # e.g. only nulls failed, which _convert drops: still a failure of the policy
            err = errors[0] if errors else None
            path = tuple(err.instance_path) if err is not None else ()
            return [schemas.SchemaProblem(path, "other", err.message if err is not None else "assertion failed", False)]
        ordered = sorted(problems.values(), key=schemas.problem_order)
        return sorted(ordered, key=lambda p: -len(p.path))  # stable: document order among equal depths

    def render(self, res: "Resource", problem: Any) -> str:
        from rolloutlint.views.schemas import dotted

        error = problem.message
        prefix = f"{dotted(problem.path)}: "
        if problem.path and error.startswith(prefix):
            error = error[len(prefix):]
        values = {"path": format_path(problem.path) or "(the object)", "error": error, "kind": res.kind,
                  "name": res.name or "<unnamed>", "namespace": res.namespace or "<unknown>"}
        return self.message.format_map(values)


def _convert(err: Any, schema: Any) -> list[Any]:
    """schemas.convert_error (messages shared with the manifest schema checks), plus the keywords it leaves raw."""
    from rolloutlint.views import schemas

    own = _own_problem(err, schema)
    if own:
        return own
    name = type(err.kind).__name__
    if name in ("AnyOf", "OneOfNotValid") and not schemas.exclusive_fields(schemas.schema_node(schema, err.schema_path)):
        branches = [list(b) for b in (getattr(err.kind, "context", None) or [])]
        best = schemas.best_branch(branches, tuple(err.instance_path))
        if best is not None:
            return [p for sub in best for p in _convert(sub, schema)]
    return schemas.convert_error(err, schema)


def _own_problem(err: Any, schema: Any) -> list[Any]:
    """Readable messages for keywords the manifest-schema conversion leaves raw (contains, not, false)."""
    from rolloutlint.views.schemas import SchemaProblem, schema_node, short

    name = type(err.kind).__name__
    path = tuple(err.instance_path)
    if name == "Contains":
        loc = list(err.schema_path)
        sub = schema_node(schema, loc[:-1] + ["contains"]) if loc else None
        req = sub.get("required") if isinstance(sub, dict) and set(sub) == {"required"} else None
        what = (f"no item sets {' and '.join(json.dumps(r) for r in req)}" if isinstance(req, list) and req
                else f"no item matches {short(sub)}" if sub is not None else "no item matches the `contains` schema")
        return [SchemaProblem(path, "other", what, False)]
    if name == "Not":
        sub = schema_node(schema, list(err.schema_path))
        req = sub.get("required") if isinstance(sub, dict) and set(sub) == {"required"} else None
        what = (f"must not set {' or '.join(json.dumps(r) for r in req)}" if isinstance(req, list) and req
                else f"must not match {short(sub)}")
        return [SchemaProblem(path, "other", what, False)]
    if name == "FalseSchema":
        return [SchemaProblem(path, "other", "is not allowed here", bool(path))]
    return []


class PolicyRule(Rule):
    """Base of the classes made for each policy (one class per policy, active for one run)."""

    policy: ClassVar[Policy]
    stage = 1

    def check(self, resource: "Resource", ctx: "Context") -> Iterator[Report]:
        policy = self.policy
        if not policy.match.matches(resource):
            return
        problems = policy.failures(resource.body)
        if not problems:
            return
        from rolloutlint.views.schemas import problem_order

        first, rest = problems[0], sorted(problems[1:], key=problem_order)
        related = [RelatedRef(resource, p.path, f"also fails here: {p.message}", key=p.key) for p in rest[:MAX_RELATED]]
        yield self.report(resource, first.path, policy.render(resource, first), key=first.key, related=related)


def rule_class(policy: Policy) -> type[PolicyRule]:
    summary = _summary(policy.message)
    attrs = {
        "id": policy.id, "name": policy.id, "severity": policy.severity, "summary": summary,
        "kinds": policy.match.dispatch_kinds, "mirrors": "", "policy": policy, "__doc__": _docs(policy, summary),
        "__module__": __name__,
    }
    return type(f"Policy_{re.sub(r'[^A-Za-z0-9]', '_', policy.id)}", (PolicyRule,), attrs)


def _summary(message: str) -> str:
    """The message with its placeholders shown as <path>, <error>, ... (the rule summary)."""
    out = []
    for literal, fieldname, _, _ in string.Formatter().parse(message):
        out.append(literal)
        if fieldname is not None:
            out.append(f"<{fieldname}>")
    return " ".join("".join(out).split()).rstrip(".") or "project policy"


def _docs(policy: Policy, summary: str) -> str:
    why = policy.description.strip() if policy.description else (
        f"A project policy (defined at `{policy.source}`); ask its owners why it exists.")
    import yaml

    schema = yaml.safe_dump(policy.schema, sort_keys=False, default_flow_style=None, width=100).rstrip()
    return (f"{summary}.\n\n"
            f"## What it checks\nResources with {policy.match.describe()} must satisfy this JSON Schema "
            f"(draft 2020-12); the finding points at the deepest failing field.\n\n"
            f"```yaml\n{schema}\n```\n\n"
            f"## Why it matters\n{why}\n\n"
            f"## How to fix\nChange the resource so that it satisfies the assertion, or suppress `{policy.id}` on it "
            f"with a reason (`# rolloutlint: disable={policy.id} -- reason`).\n\n"
            f"## Upstream\nNone: a project policy defined at `{policy.source}`.\n")


# ---------------------------------------------------------------- loading and validation


@dataclass
class _Errors:
    lines: list[str]

    def add(self, display: str, node: "Node | None", path: DocPath, message: str, key: bool = False) -> None:
        from rolloutlint.core.positions import locate

        line, col, _, _ = locate(node, path, key=key)
        self.lines.append(f"{display}:{line}:{col}: {message}")


def compile_policies(entries: Any, node: "Node | None", config_path: Path | None,
                     packs: list[Path] | None = None) -> tuple[list[Policy], list[str]]:
    """Policies of a configuration's `policies:` list (inline ones and packs) and the error lines.

    `node` is the configuration document's root node (for positions); errors are `file:line:col: message`.
    The resolved paths of the packs read are appended to `packs` when given.
    """
    errors = _Errors([])
    policies: list[Policy] = []
    seen: dict[str, str] = {}  # lower-cased id -> where it was first defined
    if not isinstance(entries, list):
        return policies, errors.lines
    base = config_path.parent if config_path is not None else Path.cwd()
    display = _display(config_path) if config_path is not None else ".rolloutlint.yaml"
    for i, entry in enumerate(entries):
        if isinstance(entry, str):
            pack = _load_pack(entry, base, display, node, ("policies", i), policies, seen, errors)
            if pack is not None and packs is not None:
                packs.append(pack)
        elif isinstance(entry, dict):
            p = _compile_one(entry, display, node, ("policies", i), seen, errors)
            if p is not None:
                policies.append(p)
        else:
            errors.add(display, node, ("policies", i),
                       f"policies[{i}]: expected a policy (mapping) or a policy pack path (string), got {_type(entry)}")
    return policies, errors.lines


def _load_pack(rel: str, base: Path, display: str, node: "Node | None", at: DocPath, policies: list[Policy],
               seen: dict[str, str], errors: _Errors) -> Path | None:
    from rolloutlint.load.loader import load_file

    path = (base / rel).resolve() if not Path(rel).is_absolute() else Path(rel)
    if not path.is_file():
        errors.add(display, node, at, f"policy pack not found: {rel} (looked for {_display(path)}; "
                                      "pack paths are relative to the configuration file)")
        return None
    pack_display = _display(path)
    src = load_file(path, pack_display)
    if src.problems:
        prob = src.problems[0]
        errors.lines.append(f"{pack_display}:{prob.line}:{prob.column}: {prob.message}")
        return path
    doc = src.documents[0] if src.documents else None
    raw = doc.value if doc is not None else None
    pnode = doc.node if doc is not None else None
    if not isinstance(raw, dict):
        errors.lines.append(f"{pack_display}:1:1: a policy pack must be a mapping holding `policies: [...]`")
        return path
    for key in raw:
        if key != "policies":
            hint = difflib.get_close_matches(str(key), ["policies"], n=1, cutoff=0.6)
            suffix = f" (did you mean {hint[0]!r}?)" if hint else " (a pack holds only `policies`)"
            errors.add(pack_display, pnode, (key,), f"unknown policy pack key {str(key)!r}{suffix}", key=True)
    items = raw.get("policies")
    if not isinstance(items, list):
        errors.add(pack_display, pnode, ("policies",), "a policy pack must hold `policies:`, a list of policies"
                   + ("" if items is None else f", got {_type(items)}"), key=items is None)
        return path
    for i, entry in enumerate(items):
        if not isinstance(entry, dict):
            errors.add(pack_display, pnode, ("policies", i),
                       f"policies[{i}]: expected a policy (mapping), got {_type(entry)} (packs cannot include other packs)")
            continue
        p = _compile_one(entry, pack_display, pnode, ("policies", i), seen, errors)
        if p is not None:
            policies.append(p)
    return path


def _compile_one(entry: dict[str, Any], display: str, node: "Node | None", at: DocPath, seen: dict[str, str],
                 errors: _Errors) -> Policy | None:
    before = len(errors.lines)
    _check_shape(entry, display, node, at, errors)
    pid = entry.get("id")
    if isinstance(pid, str):
        _check_id(pid, display, node, at, seen, errors)
    if len(errors.lines) > before:
        return None
    assert isinstance(pid, str)
    from rolloutlint.core.positions import locate

    line, _, _, _ = locate(node, at)
    source = f"{display}:{line}"
    message: str = entry["message"]
    bad = _bad_placeholders(message)
    if bad:
        errors.add(display, node, at + ("message",), f"policy {pid}: {bad}")
    raw_schema = entry["assert"]
    schema, validator = _compile_schema(raw_schema, display, node, at + ("assert",), pid, errors)
    if len(errors.lines) > before:
        return None
    m = entry.get("match") or {}
    match = Match(kinds=tuple(m.get("kinds") or ()), namespaces=tuple(m.get("namespaces") or ()),
                  names=tuple(m.get("names") or ()), labels=tuple((m.get("labels") or {}).items()),
                  annotations=tuple((m.get("annotations") or {}).items()))
    return Policy(id=pid, severity=Severity.parse(entry.get("severity", "error")), message=message, match=match,
                  schema=schema, validator=validator, source=source, description=entry.get("description"))


def _check_id(pid: str, display: str, node: "Node | None", at: DocPath, seen: dict[str, str], errors: _Errors) -> None:
    from rolloutlint.core.positions import locate

    if not ID_RE.match(pid) or len(pid) > 63:
        errors.add(display, node, at + ("id",), f"policy id {pid!r} must start with a letter and hold only letters, "
                   "digits and single `-`, `_` or `.` separators (at most 63 characters), e.g. ACME001 or prod-must-analyse")
    elif BUILTIN_ID_RE.match(pid):
        errors.add(display, node, at + ("id",), f"policy id {pid!r} looks like a built-in rule id (RL + 3 digits, "
                   "reserved for rolloutlint); use your own prefix, e.g. ACME001")
    elif pid.lower() == "all":
        errors.add(display, node, at + ("id",), "policy id 'all' is reserved (it selects every rule)")
    else:
        from rolloutlint.run.registry import get_rule, is_builtin

        if is_builtin(pid):
            builtin = get_rule(pid)
            errors.add(display, node, at + ("id",), f"policy id {pid!r} is already the "
                       f"{'id' if builtin and builtin.id == pid.upper() else 'name'} of built-in rule "
                       f"{builtin.id if builtin else pid} ({builtin.name if builtin else ''}); choose another id")
        elif pid.lower() in seen:
            errors.add(display, node, at + ("id",), f"duplicate policy id {pid!r} (already defined at {seen[pid.lower()]})")
        else:
            line, _, _, _ = locate(node, at)
            seen[pid.lower()] = f"{display}:{line}"


def _check_shape(entry: dict[str, Any], display: str, node: "Node | None", at: DocPath, errors: _Errors) -> None:
    """The policy object's own keys and types (the JSON Schema it asserts is checked separately)."""
    import jsonschema_rs

    from rolloutlint.views.schemas import config_schema

    defs = config_schema()["$defs"]
    validator = jsonschema_rs.Draft202012Validator({"$defs": defs, "$ref": "#/$defs/policy"})
    label = _policy_label(entry, at)
    for err in validator.iter_errors(entry):
        ipath = tuple(err.instance_path)
        kind = err.kind
        where = format_path(ipath)
        if isinstance(kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
            allowed = MATCH_KEYS if ipath[-1:] == ("match",) else POLICY_KEYS
            what = "match selector" if ipath[-1:] == ("match",) else "policy key"
            for key in kind.unexpected:
                hint = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                suffix = f" (did you mean {hint[0]!r}?)" if hint else f" (known keys: {', '.join(allowed)})"
                errors.add(display, node, at + ipath + (key,), f"{label}: unknown {what} {key!r}{suffix}", key=True)
        elif isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
            errors.add(display, node, at + ipath, f"{label}: missing required key {kind.property!r}", key=bool(ipath))
        elif isinstance(kind, jsonschema_rs.ValidationErrorKind.Type):
            expected = " or ".join(str(t) for t in kind.types)
            errors.add(display, node, at + ipath, f"{label}: {where}: expected {expected}, got {_type(err.instance)}")
        elif isinstance(kind, jsonschema_rs.ValidationErrorKind.Enum):
            allowed_values = ", ".join(str(o) for o in kind.options)
            errors.add(display, node, at + ipath, f"{label}: {where}: {err.instance!r} is not one of {allowed_values}")
        else:
            errors.add(display, node, at + ipath, f"{label}: {where or 'policy'}: {err.message}")


def _policy_label(entry: dict[str, Any], at: DocPath) -> str:
    pid = entry.get("id")
    return f"policy {pid}" if isinstance(pid, str) and pid else f"policies[{at[-1]}]"


def _bad_placeholders(message: str) -> str | None:
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(message) if f is not None]
    except ValueError as exc:
        return f"message is not a valid template ({exc}); write literal braces as {{{{ and }}}}"
    for f in fields:
        if f not in PLACEHOLDERS:
            return (f"unknown placeholder {{{f}}} in message (known: "
                    + ", ".join("{" + p + "}" for p in PLACEHOLDERS) + "; write literal braces as {{ and }})")
    return None


def _compile_schema(raw: Any, display: str, node: "Node | None", at: DocPath, pid: str,
                    errors: _Errors) -> tuple[Any, Any]:
    import jsonschema_rs

    from rolloutlint.views.schemas import jsonable

    schema = jsonable(raw)
    before = len(errors.lines)
    for path, message in _keyword_problems(schema, ()):
        errors.add(display, node, at + path, f"policy {pid}: {message}", key=True)
    if len(errors.lines) > before:
        return schema, None
    meta = jsonschema_rs.Draft202012Validator({"$ref": DRAFT_2020_12}, offline=True)
    for err in meta.iter_errors(schema):
        ipath = tuple(err.instance_path)
        errors.add(display, node, at + ipath, f"policy {pid}: invalid JSON Schema at "
                   f"{format_path(ipath) or 'assert'}: {_meta_message(err)}")
    if len(errors.lines) > before:
        return schema, None
    try:
        validator = jsonschema_rs.Draft202012Validator(schema, offline=True)
    except Exception as exc:  # noqa: BLE001 - bad regex, unresolvable $ref, ...: whatever the library refuses is a policy error
        ipath = tuple(getattr(exc, "instance_path", None) or ())
        msg = getattr(exc, "message", None) or str(exc).split("\n", 1)[0]
        if not ipath:
            ipath = _find_ref(schema, msg) or ()
        errors.add(display, node, at + ipath, f"policy {pid}: invalid JSON Schema: {msg}")
        return schema, None
    return schema, validator


def _meta_message(err: Any) -> str:
    path = list(err.instance_path)
    if path and path[-1] == "type" or (len(path) >= 2 and path[-2] == "type"):
        return f"{json.dumps(err.instance)} is not a JSON type (use one of {', '.join(JSON_TYPES)})"
    return str(err.message)


def _keyword_problems(schema: Any, path: DocPath) -> Iterator[tuple[DocPath, str]]:
    """Unknown keywords (with a suggestion) and foreign `$schema` dialects anywhere in a schema."""
    if not isinstance(schema, dict):
        return
    for key, value in schema.items():
        sub = path + (key,)
        if key not in KEYWORDS and not str(key).startswith("x-"):
            hint = difflib.get_close_matches(str(key), sorted(KEYWORDS), n=1, cutoff=0.7)
            suffix = f" (did you mean {hint[0]!r}?)" if hint else " (prefix extension keywords with `x-`)"
            yield sub, f"unknown JSON Schema keyword {key!r} at {format_path(path) or 'assert'}{suffix}"
        elif key == "$schema" and isinstance(value, str) and value.rstrip("#") != DRAFT_2020_12:
            yield sub, f"policies use JSON Schema draft 2020-12; remove `$schema: {value}` or set it to {DRAFT_2020_12}"
        elif key in _SCHEMA_KEYWORDS:
            yield from _keyword_problems(value, sub)
        elif key in _SCHEMA_LIST_KEYWORDS and isinstance(value, list):
            for i, item in enumerate(value):
                yield from _keyword_problems(item, sub + (i,))
        elif key in _SCHEMA_MAP_KEYWORDS and isinstance(value, dict):
            for name, item in value.items():
                yield from _keyword_problems(item, sub + (name,))


def _find_ref(schema: Any, message: str, path: DocPath = ()) -> DocPath | None:
    """Path of the `$ref` an error message quotes (compile errors carry no instance path)."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and (ref in message or ref.lstrip("#") in message):
            return path + ("$ref",)
        items: Iterable[tuple[Any, Any]] = schema.items()
    elif isinstance(schema, list):
        items = enumerate(schema)
    else:
        return None
    for k, v in items:
        found = _find_ref(v, message, path + (k,))
        if found is not None:
            return found
    return None


def _type(value: Any) -> str:
    from rolloutlint.views.schemas import json_type

    return json_type(value)


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
