"""Checks for Argo Rollouts' SkyWalking metric provider (research/skywalking.md).

All functions are pure. graphql-core is imported lazily and the shipped schema
(schemas/skywalking/query-protocol.graphql) is built once per process.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from collections.abc import Callable
from typing import Any, TypeVar

from rolloutlint.core import goduration
from rolloutlint.providers import placeholders as ph

T = TypeVar("T")


@dataclass(frozen=True)
class ProviderProblem:
    severity: str  # "error" | "warning" | "info"
    code: str  # short machine key, e.g. "graphql-invalid"
    message: str  # no trailing period
    line: int | None = None  # 1-based, inside the query text
    column: int | None = None


_SCHEMA_REL = "schemas/skywalking/query-protocol.graphql"

# serviceNameMaxLength / SW_SERVICE_NAME_MAX_LENGTH default in the OAP's core
# application.yml; longer names are silently truncated at ingest, queries are
# not (research/skywalking.md §2.3).
SERVICE_NAME_MAX_LENGTH = 70

TSB_FIELDS = ("subset", "service", "namespace", "cluster", "env")
# Input fields / arguments whose string value is a SkyWalking service name.
SERVICE_NAME_KEYS = frozenset({"serviceName", "destServiceName", "parentService"})
# Entity name fields that need the matching `normal` flag (Entity.isValid, §2.1).
_NORMAL_FOR = {
    "normal": ("serviceName", "serviceInstanceName", "endpointName", "processName"),
    "destNormal": ("destServiceName", "destServiceInstanceName", "destEndpointName", "destProcessName"),
}


# --------------------------------------------------------------------------- schema


def _schema_file() -> str:
    from importlib import resources

    try:
        packaged = resources.files("rolloutlint").joinpath("_data/" + _SCHEMA_REL)
        if packaged.is_file():
            return str(packaged)
    except (ModuleNotFoundError, FileNotFoundError):
        pass
    # Source checkout: the repo's schemas/ directory beside the package.
    return str(Path(__file__).resolve().parents[2] / _SCHEMA_REL)


def _schema_text() -> str:
    return Path(_schema_file()).read_text(encoding="utf-8")


def _deriving_code() -> tuple[str, ...]:
    """The files whose bytes decide what is derived from a query (the key of `core.textcache` entries)."""
    from rolloutlint.core import textcache

    return (__file__, ph.__file__, _schema_file(), textcache.package_version_file("graphql"))


def _on_disk(kind: str, query: str, key: tuple[tuple[str, Any], ...], compute: Callable[[], T],
             encode: Callable[[T], Any], decode: Callable[[Any], T]) -> T:
    """`compute()`, kept on disk by query text and argument values: a warm run of a repository of SkyWalking
    templates then neither parses a query nor imports graphql-core."""
    import json

    from rolloutlint.core import textcache

    try:
        text = json.dumps([query, [list(pair) for pair in key]], ensure_ascii=False)
    except (TypeError, ValueError):  # an argument value JSON cannot spell: derive it here
        return compute()
    return textcache.derived(kind, _deriving_code(), text, compute, encode, decode)


@lru_cache(maxsize=1)
def schema():
    """The SkyWalking query-protocol schema (graphql-core GraphQLSchema), built once.

    The shipped SDL is generated and checked by the test suite (`build_schema` with validation), so it is
    built here without source locations and without re-validating it: 20 ms instead of 36 ms, which a
    one-file lint of a SkyWalking template pays in full."""
    from graphql import build_ast_schema, parse

    return build_ast_schema(parse(_schema_text(), no_location=True), assume_valid_sdl=True)


# --------------------------------------------------------------------------- helpers


def _strip_period(message: str) -> str:
    return message.removesuffix(".")


class _Prepared:
    """A query after Argo-style substitution, with position mapping back to the original."""

    def __init__(self, query: str, args: dict[str, str] | None) -> None:
        self.original = query
        self.text, self.reps = ph.substitute_detailed(query, args)

    def position(self, line: int, column: int) -> tuple[int, int]:
        """Map a 1-based position in the substituted text to the original text."""
        offset = ph.original_offset(self.reps, ph.offset_of(self.text, line, column))
        return ph.line_col(self.original, offset)

    def position_of(self, offset: int) -> tuple[int, int]:
        return ph.line_col(self.original, ph.original_offset(self.reps, offset))

    def in_guessed_dummy(self, line: int, column: int) -> bool:
        # A dummy outside a string literal had to guess the value's type, so a
        # type error there says nothing about the real value.
        rep = ph.replacement_at(self.reps, ph.offset_of(self.text, line, column))
        return rep is not None and not rep.resolved and rep.context != "string"


def _problem_from_error(prep: _Prepared, error, severity: str, code: str, message: str | None = None) -> ProviderProblem:
    line = column = None
    if error.locations:
        line, column = prep.position(error.locations[0].line, error.locations[0].column)
    return ProviderProblem(severity, code, message or _strip_period(error.message), line, column)


def _parse(prep: _Prepared):
    from graphql import parse

    return parse(prep.text)


def _parsed(query: str, args: dict[str, str] | None) -> tuple[_Prepared, Any]:
    """(prepared query, document or the GraphQLError parsing raised): validation, the result shape and the
    service names of one template read one parse (cached by query text and argument values)."""
    key = _args_key(args)
    return _parse_uncached(query, args) if key is None else _parse_cached(query, key)


def _args_key(args: dict[str, str] | None) -> tuple[tuple[str, Any], ...] | None:
    """`args` as a cache key; None when a value (a mapping or list YAML made) cannot be one."""
    try:
        key = tuple(sorted((args or {}).items()))
        hash(key)
    except TypeError:
        return None
    return key


@lru_cache(maxsize=512)
def _parse_cached(query: str, key: tuple[tuple[str, Any], ...]) -> tuple[_Prepared, Any]:
    return _parse_uncached(query, dict(key))


def _parse_uncached(query: str, args: dict[str, str] | None) -> tuple[_Prepared, Any]:
    from graphql import GraphQLError

    prep = _Prepared(query, args)
    try:
        return prep, _parse(prep)
    except GraphQLError as error:
        return prep, error


def _operations(document) -> list:
    from graphql.language import OperationDefinitionNode

    return [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]


def _deprecation_message(graphql_message: str) -> str:
    # graphql-core: "The field Query.x is deprecated. <reason>"; our reasons
    # continue that sentence ("since 9.5.0 ...; use execExpression instead").
    head, _, reason = graphql_message.partition(" is deprecated. ")
    if not reason:
        return _strip_period(graphql_message)
    return f"{head} is deprecated {_strip_period(reason)}"


# --------------------------------------------------------------------------- validate_query


def validate_query(query: str, args: dict[str, str] | None = None) -> list[ProviderProblem]:
    """Validate a provider.skywalking.query as the OAP would see it after Argo's templating.

    Copies of one template (the same query and argument values, in many namespaces or apps) are validated
    once: GraphQL validation walks the document with every rule, and costs more than the parse."""
    if not isinstance(query, str):
        return _validate_uncached(query, args)
    key = _args_key(args)
    return _validate_uncached(query, args) if key is None else list(_validate_cached(query, key))


@lru_cache(maxsize=256)
def _validate_cached(query: str, key: tuple[tuple[str, Any], ...]) -> tuple[ProviderProblem, ...]:
    return _on_disk("skywalking-validate", query, key, lambda: tuple(_validate_uncached(query, dict(key))),
                    lambda found: [[p.severity, p.code, p.message, p.line, p.column] for p in found],
                    _problems_from_json)


def _problems_from_json(data: Any) -> tuple[ProviderProblem, ...]:
    out = []
    for severity, code, message, line, column in data:
        if not all(isinstance(v, str) for v in (severity, code, message)) or \
                not all(v is None or isinstance(v, int) for v in (line, column)):
            raise ValueError("not a problem")
        out.append(ProviderProblem(severity, code, message, line, column))
    return tuple(out)


def _validate_uncached(query: str, args: dict[str, str] | None) -> list[ProviderProblem]:
    from graphql import GraphQLError, validate
    from graphql.validation import NoDeprecatedCustomRule

    problems: list[ProviderProblem] = []
    if not isinstance(query, str) or not query.strip():
        return [ProviderProblem("error", "graphql-syntax", "query is empty")]
    unclosed = ph.unclosed_tag(query)
    if unclosed is not None:
        line, col = ph.line_col(query, unclosed)
        problems.append(ProviderProblem("error", "placeholder-unclosed", "'{{' has no closing '}}'; Argo cannot resolve the template", line, col))

    prep, document = _parsed(query, args)
    if isinstance(document, GraphQLError):
        problems.append(_problem_from_error(prep, document, "error", "graphql-syntax"))
        return problems

    sch = schema()
    invalid = False
    for error in validate(sch, document):
        loc = error.locations[0] if error.locations else None
        if loc and prep.in_guessed_dummy(loc.line, loc.column):
            continue
        invalid = True
        problems.append(_problem_from_error(prep, error, "error", "graphql-invalid"))
    for error in validate(sch, document, [NoDeprecatedCustomRule]):
        problems.append(_problem_from_error(prep, error, "warning", "graphql-deprecated", _deprecation_message(error.message)))

    problems.extend(_check_operations(prep, document, invalid, problems))
    problems.extend(_check_entities(prep, document))
    return problems


def _check_operations(prep: _Prepared, document, invalid: bool, found: list[ProviderProblem]) -> list[ProviderProblem]:
    from graphql.language import NamedTypeNode, NonNullTypeNode

    out: list[ProviderProblem] = []
    ops = _operations(document)
    if len(ops) != 1:
        # Argo sends no operationName, so the server cannot pick one of several.
        out.append(ProviderProblem("error", "graphql-operation", f"query document has {len(ops)} operations; Argo sends no operationName, so it needs exactly one"))
        return out
    op = ops[0]
    line, col = prep.position_of(op.loc.start) if op.loc else (None, None)
    if op.operation.value != "query":
        out.append(ProviderProblem("error", "graphql-operation", f"operation is a {op.operation.value}; analysis metrics should only read (query)", line, col))

    declared = {v.variable.name.value: v for v in op.variable_definitions or ()}
    duration = declared.pop("duration", None)
    if duration is None:
        out.append(ProviderProblem(
            "warning", "duration-unused",
            "query does not declare $duration: Duration!; Argo always supplies it from provider.skywalking.interval, which therefore has no effect",
            line, col))
    else:
        typ = duration.type
        base = typ.type if isinstance(typ, NonNullTypeNode) else typ
        named = base.name.value if isinstance(base, NamedTypeNode) else None
        already = any("'$duration'" in p.message for p in found)
        if named != "Duration" and not already:
            dl, dc = prep.position_of(duration.loc.start) if duration.loc else (None, None)
            out.append(ProviderProblem("error", "duration-type", "$duration must be declared as Duration!; Argo sends {start, end, step: MINUTE}", dl, dc))
    for name, var in declared.items():
        # Argo sends only `duration`; a required variable without default is never provided.
        if isinstance(var.type, NonNullTypeNode) and var.default_value is None:
            vl, vc = prep.position_of(var.loc.start) if var.loc else (None, None)
            out.append(ProviderProblem("error", "variable-unsupplied", f"variable ${name} is required but Argo only supplies $duration", vl, vc))
    return out


def _check_entities(prep: _Prepared, document) -> list[ProviderProblem]:
    """Entities without `normal` are invalid to the OAP and yield silent zeros (§1.5, §2.1)."""
    from graphql.language import ArgumentNode, ObjectFieldNode, ObjectValueNode, Visitor, visit

    out: list[ProviderProblem] = []

    class _V(Visitor):
        def _check(self, node) -> None:
            if node.name.value not in ("entity", "parentEntity") or not isinstance(node.value, ObjectValueNode):
                return
            keys = {f.name.value for f in node.value.fields}
            for flag, names in _NORMAL_FOR.items():
                present = [n for n in names if n in keys]
                if present and flag not in keys:
                    line, col = prep.position_of(node.value.loc.start) if node.value.loc else (None, None)
                    out.append(ProviderProblem(
                        "warning", "entity-normal",
                        f"entity sets {present[0]} but not {flag}; the OAP treats it as invalid and returns zero values without an error (use {flag}: true for mesh services)",
                        line, col))

        def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
            self._check(node)

        def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
            self._check(node)

    visit(document, _V())
    return out


# --------------------------------------------------------------------------- result_shape

_LEAF = {"Int": "float", "Float": "float", "Long": "float", "String": "string", "ID": "string", "Boolean": "bool"}


def result_shape(query: str, args: dict[str, str] | None = None) -> dict | None:
    """Shape of the `result` the condition sees: the GraphQL `data` object.

    Keys are aliases (or field names); leaves are "float" | "string" | "bool" |
    "any"; lists are one-element lists. Every JSON number is "float" because Argo
    decodes `data` with Go encoding/json into float64 (§1.4). None if unparseable.
    """
    key = _args_key(args)
    if key is None:
        return _result_shape(query, args)
    return _fresh(_shape_cached(query, key))  # the caller's own copy, as when it was derived per call


def _fresh(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _fresh(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_fresh(v) for v in node]
    return node


@lru_cache(maxsize=256)
def _shape_cached(query: str, key: tuple[tuple[str, Any], ...]) -> dict | None:
    return _on_disk("skywalking-result-shape", query, key, lambda: _result_shape(query, dict(key)),
                    lambda shape: shape, _shape_from_json)


def _shape_from_json(data: Any) -> dict | None:
    def ok(node: Any) -> bool:
        if isinstance(node, str):
            return True
        if isinstance(node, list):
            return len(node) == 1 and ok(node[0])
        return isinstance(node, dict) and all(isinstance(k, str) and ok(v) for k, v in node.items())
    if data is not None and not (isinstance(data, dict) and ok(data)):
        raise ValueError("not a result shape")
    return data


def _result_shape(query: str, args: dict[str, str] | None) -> dict | None:
    from graphql import GraphQLError

    _, document = _parsed(query, args)
    if isinstance(document, GraphQLError):
        return None
    ops = _operations(document)
    if not ops:
        return None
    fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}
    root = schema().get_root_type(ops[0].operation)
    return _shape(ops[0].selection_set, root, fragments)


def _unwrap(gtype) -> tuple[int, Any]:
    from graphql import is_list_type, is_non_null_type

    depth = 0
    while True:
        if is_non_null_type(gtype):
            gtype = gtype.of_type
        elif is_list_type(gtype):
            depth += 1
            gtype = gtype.of_type
        else:
            return depth, gtype


def _leaf(named) -> str:
    from graphql import is_enum_type, is_scalar_type

    if is_enum_type(named):
        return "string"
    if is_scalar_type(named):
        return _LEAF.get(named.name, "any")
    return "any"


def _shape(selection_set, parent, fragments: dict) -> dict:
    from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode

    out: dict[str, Any] = {}
    for sel in selection_set.selections:
        if isinstance(sel, (InlineFragmentNode, FragmentSpreadNode)):
            frag = sel if isinstance(sel, InlineFragmentNode) else fragments.get(sel.name.value)
            if frag is None:
                continue
            cond = getattr(frag, "type_condition", None)
            target = schema().get_type(cond.name.value) if cond else parent
            _merge(out, _shape(frag.selection_set, target or parent, fragments))
            continue
        if not isinstance(sel, FieldNode):
            continue
        key = sel.alias.value if sel.alias else sel.name.value
        if sel.name.value == "__typename":
            out[key] = "string"
            continue
        field = getattr(parent, "fields", {}).get(sel.name.value) if parent is not None else None
        if field is None:
            out[key] = "any"
            continue
        depth, named = _unwrap(field.type)
        inner: Any = _shape(sel.selection_set, named, fragments) if sel.selection_set else _leaf(named)
        for _ in range(depth):
            inner = [inner]
        if isinstance(out.get(key), dict) and isinstance(inner, dict):
            _merge(out[key], inner)
        else:
            out[key] = inner
    return out


def _merge(into: dict, other: dict) -> None:
    for key, value in other.items():
        if isinstance(into.get(key), dict) and isinstance(value, dict):
            _merge(into[key], value)
        else:
            into[key] = value


# --------------------------------------------------------------------------- service names


def parse_service_name(name: str) -> dict | None:
    """Split a TSB/TSE name 'subset|service|namespace|cluster|env'; None if it has not 5 fields."""
    if not isinstance(name, str):
        return None
    parts = name.split("|")
    if len(parts) != len(TSB_FIELDS):
        return None
    return dict(zip(TSB_FIELDS, parts))


def check_service_name(
    name: str,
    *,
    canary_subset: str | None,
    service: str | None,
    namespace: str | None,
    cluster: str | None,
    stable_subset: str | None = None,
) -> list[ProviderProblem]:
    """Check a SkyWalking service name meant to select the canary (research/skywalking.md §2.5-2.6)."""
    out: list[ProviderProblem] = []
    if not isinstance(name, str) or not name:
        return [ProviderProblem("error", "service-name-format", "service name is empty")]
    if re.search(r"\s", name):
        out.append(ProviderProblem("error", "service-name-format", f"service name {name!r} contains whitespace; SkyWalking keeps it, so the name never matches"))
    if len(name) > SERVICE_NAME_MAX_LENGTH:
        out.append(ProviderProblem(
            "warning", "service-name-length",
            f"service name is {len(name)} characters; the OAP truncates service names to serviceNameMaxLength "
            f"(SW_SERVICE_NAME_MAX_LENGTH, default {SERVICE_NAME_MAX_LENGTH}) at ingest, so this query would match nothing"))

    if "|" not in name:
        form = "name.namespace" if name.count(".") == 1 else "name"
        out.append(ProviderProblem(
            "warning", "service-name-blended",
            f"service name {name!r} has the open-source '{form}' form; stable and canary pods share it, so the analysis measures both together"))
        return out

    fields = parse_service_name(name)
    if fields is None:
        count = name.count("|") + 1
        out.append(ProviderProblem("error", "service-name-format", f"service name {name!r} has {count} '|'-separated fields; TSB/TSE names need 5: subset|service|namespace|cluster|env"))
        return out
    empty = [k for k, v in fields.items() if not v]
    if empty:
        out.append(ProviderProblem("error", "service-name-format", f"service name {name!r} has empty field(s) {', '.join(empty)}; use '-' for none"))

    subset = fields["subset"].strip()
    if not subset:
        pass
    elif subset == "*":
        out.append(ProviderProblem("warning", "service-name-subset", "subset '*' aggregates all subsets, so canary and stable are measured together"))
    elif canary_subset is not None and subset != canary_subset:
        extra = " (the stable subset)" if stable_subset is not None and subset == stable_subset else ""
        out.append(ProviderProblem("error", "service-name-mismatch", f"subset {subset!r}{extra} differs from the canary subset {canary_subset!r}"))
    elif stable_subset is not None and subset == stable_subset:
        out.append(ProviderProblem("warning", "service-name-subset", f"subset {subset!r} is the stable subset; the analysis would measure stable traffic"))

    if service is not None and fields["service"].strip():
        short = service.split(".")[0]  # DestinationRule host may be an FQDN
        if fields["service"].strip() != short:
            out.append(ProviderProblem("error", "service-name-mismatch", f"service field {fields['service']!r} differs from the DestinationRule host {short!r}"))
    for key, expected in (("namespace", namespace), ("cluster", cluster)):
        # Empty or whitespace-padded fields were reported above; don't repeat them.
        if expected is not None and fields[key].strip() and fields[key].strip() != expected:
            out.append(ProviderProblem("error", "service-name-mismatch", f"{key} field {fields[key]!r} differs from the expected {key} {expected!r}"))
    return out


def service_names_in_query(query: str, args: dict | None = None) -> list[tuple[str, int, int]]:
    """Service names the query asks about, with the (line, column) of their string literal.

    Names built from resolved args are returned resolved; names that still hold an
    unresolved ``{{...}}`` tag are returned as written (raw template text).
    """
    from graphql import GraphQLError
    from graphql.language import ArgumentNode, ObjectFieldNode, StringValueNode, Visitor, visit

    prep, document = _parsed(query, args)
    if isinstance(document, GraphQLError):
        return []
    found: list[tuple[str, int, int]] = []

    class _V(Visitor):
        def _take(self, node) -> None:
            if node.name.value not in SERVICE_NAME_KEYS or not isinstance(node.value, StringValueNode):
                return
            loc = node.value.loc
            if loc is None:
                return
            value = node.value.value
            start, end = ph.original_offset(prep.reps, loc.start), ph.original_offset(prep.reps, loc.end - 1)
            if any(not r.resolved and loc.start <= r.new_start < loc.end for r in prep.reps):
                value = prep.original[start + 1 : end]
            line, col = ph.line_col(prep.original, start)
            found.append((value, line, col))

        def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
            self._take(node)

        def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
            self._take(node)

    visit(document, _V())
    return found


@dataclass(frozen=True)
class ServiceNameSite:
    """A service-name string literal of a query, found in the one parse with every tag as a dummy."""

    start: int  # original offsets of the opening and closing quote
    end: int
    line: int  # 1-based position of the opening quote in the original query
    column: int
    tags: tuple[ph.Replacement, ...]  # the placeholders inside the literal


@dataclass(frozen=True)
class ServiceNameSites:
    """Where a query's service names are, from one parse; :func:`service_names_with_args` fills in each
    Rollout's argument values at those positions instead of parsing the query again for every Rollout."""

    query: str
    reps: tuple[ph.Replacement, ...]
    sites: tuple[ServiceNameSite, ...] | None  # None: the query must be parsed once per argument set
    in_strings: frozenset[int]  # indexes (in reps) of the tags that lie inside a plain string literal


@lru_cache(maxsize=256)
def service_name_sites(query: str) -> ServiceNameSites:
    """Parse the query once, every tag replaced by its dummy. Cached by text: templates copied across
    namespaces share their query, and later runs read the sites from disk (`core.textcache`) without
    importing graphql-core."""
    from rolloutlint.core import textcache

    return textcache.derived("skywalking-service-name-sites", _deriving_code(), query, lambda: _service_name_sites(query),
                             _sites_to_json, lambda data: _sites_from_json(query, data))


def _sites_to_json(found: ServiceNameSites) -> dict[str, Any]:
    return {"reps": [[r.tag, r.start, r.end, r.new_start, r.new_end, r.resolved, r.context] for r in found.reps],
            "in_strings": sorted(found.in_strings),
            "sites": None if found.sites is None else
            [[st.start, st.end, st.line, st.column, [found.reps.index(t) for t in st.tags]] for st in found.sites]}


def _sites_from_json(query: str, data: dict[str, Any]) -> ServiceNameSites:
    reps = tuple(ph.Replacement(str(tag), int(start), int(end), int(new_start), int(new_end), bool(resolved),
                                str(context)) for tag, start, end, new_start, new_end, resolved, context in data["reps"])
    sites = None if data["sites"] is None else tuple(
        ServiceNameSite(int(start), int(end), int(line), int(col), tuple(reps[i] for i in tags))
        for start, end, line, col, tags in data["sites"])
    return ServiceNameSites(query, reps, sites, frozenset(int(i) for i in data["in_strings"]))


def _service_name_sites(query: str) -> ServiceNameSites:
    from graphql import GraphQLError
    from graphql.language import ArgumentNode, ObjectFieldNode, StringValueNode, Visitor, visit

    prep, document = _parsed(query, None)
    reps = tuple(prep.reps)
    if isinstance(document, GraphQLError):
        return ServiceNameSites(query, reps, None, frozenset())
    strings: list[tuple[int, int]] = []  # substituted-text spans of plain (non-block) string literals
    sites: list[ServiceNameSite] = []
    escaped = False

    class _V(Visitor):
        def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
            if node.loc is not None and not node.block:
                strings.append((node.loc.start, node.loc.end))

        def _take(self, node: Any) -> None:
            nonlocal escaped
            if node.name.value not in SERVICE_NAME_KEYS or not isinstance(node.value, StringValueNode):
                return
            loc = node.value.loc
            if loc is None:
                return
            start, end = ph.original_offset(prep.reps, loc.start), ph.original_offset(prep.reps, loc.end - 1)
            # Escapes in the literal would need GraphQL's decoding per argument set: parse per set then.
            escaped = escaped or node.value.block or "\\" in query[start + 1 : end]
            line, col = ph.line_col(query, start)
            sites.append(ServiceNameSite(start, end, line, col,
                                         tuple(r for r in reps if loc.start <= r.new_start < loc.end)))

        def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
            self._take(node)

        def enter_argument(self, node: ArgumentNode, *_: Any) -> None:
            self._take(node)

    visit(document, _V())
    if escaped:
        return ServiceNameSites(query, reps, None, frozenset())
    inside = frozenset(i for i, r in enumerate(reps)
                       if any(s < r.new_start and r.new_end < e for s, e in strings))
    return ServiceNameSites(query, reps, tuple(sites), inside)


def service_names_with_args(found: ServiceNameSites, args: dict[str, Any] | None) -> list[tuple[str, int, int]]:
    """What :func:`service_names_in_query` returns for ``(found.query, args)``, without parsing again.

    Exact when every tag an argument resolves sits inside a plain string literal and its quoted value
    holds no escape and is not empty: the substituted text then differs from the dummy one only inside
    string literals, by characters that neither end a string nor need decoding, so it parses to the same
    document. Anything else is parsed for this argument set, as before."""
    if found.sites is None:
        return service_names_in_query(found.query, args)
    args = args or {}
    values: dict[int, str] = {}
    for i, rep in enumerate(found.reps):
        value = args.get(rep.tag[5:]) if rep.tag.startswith("args.") else None
        if value is None:
            continue
        quoted = ph.go_quote_inner(str(value))
        if i not in found.in_strings or not quoted or "\\" in quoted:
            return service_names_in_query(found.query, args)
        values[rep.start] = quoted
    out: list[tuple[str, int, int]] = []
    query = found.query
    for site in found.sites:
        if any(t.start not in values for t in site.tags):
            out.append((query[site.start + 1 : site.end], site.line, site.column))  # as written
            continue
        parts, pos = [], site.start + 1
        for t in site.tags:
            parts.append(query[pos : t.start])
            parts.append(values[t.start])
            pos = t.end
        parts.append(query[pos : site.end])
        out.append(("".join(parts), site.line, site.column))
    return out


# --------------------------------------------------------------------------- interval / address

def parse_go_duration(text: str) -> float:
    """Seconds of a Go ``time.ParseDuration`` string; raises ValueError with Go's message."""
    return goduration.parse_ns(text) / 1e9


def validate_interval(value: object) -> list[ProviderProblem]:
    """provider.skywalking.interval: the $duration lookback window (§1.2-1.3)."""
    if value is None or value == "":
        return [ProviderProblem("error", "interval-invalid", 'interval is required; without it Argo fails every measurement with time: invalid duration ""')]
    if not isinstance(value, str):
        return [ProviderProblem("error", "interval-invalid", f"interval must be a string Go duration such as \"3m\", got {type(value).__name__} {value!r}")]
    try:
        seconds = parse_go_duration(value)
    except ValueError as exc:
        hint = "; Go durations have no d or w unit, use hours (e.g. 24h)" if re.search(r"[0-9.][dw]", value) else "; use a Go duration such as 3m or 1h30m"
        return [ProviderProblem("error", "interval-invalid", f"{exc}{hint}")]
    if seconds < 0:
        return [ProviderProblem("error", "interval-invalid", f"interval {value!r} is negative; the $duration window would end before it starts")]
    if seconds == 0:
        return [ProviderProblem("warning", "interval-short", "interval is zero; $duration covers only the current, still incomplete minute")]
    if seconds < 60:
        return [ProviderProblem("info", "interval-short", f"interval {value!r} is under 1m; $duration has minute precision, so it covers a single, usually incomplete minute")]
    return []


def validate_address(value: object) -> list[ProviderProblem]:
    """provider.skywalking.address: the OAP HTTP base URL; Argo posts to address + "/graphql" (§1.2)."""
    if value is None or value == "":
        return [ProviderProblem("error", "address-invalid", "address is required; Argo posts the query to <address>/graphql")]
    if not isinstance(value, str):
        return [ProviderProblem("error", "address-invalid", f"address must be a string URL, got {type(value).__name__}")]
    parts, problem = ph.split_url(value)
    if parts is None:
        return [ProviderProblem("error", "address-invalid", problem)] if problem else []
    port = parts.port
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [ProviderProblem("error", "address-invalid", f"address {value!r} must be an http(s) URL with a host, e.g. http://oap.istio-system:12800")]
    out: list[ProviderProblem] = []
    if parts.query or parts.fragment:
        out.append(ProviderProblem("error", "address-invalid", f"address {value!r} has a query or fragment; Argo appends /graphql to the raw string"))
    if parts.path.rstrip("/").endswith("/graphql"):
        out.append(ProviderProblem("error", "address-invalid", "address ends with /graphql; Argo appends /graphql itself, giving .../graphql/graphql"))
    elif parts.path.endswith("/"):
        out.append(ProviderProblem("warning", "address-invalid", "address ends with '/'; Argo appends /graphql, giving ...//graphql"))
    if port == 11800:
        out.append(ProviderProblem("warning", "address-port", "port 11800 is the OAP gRPC port; GraphQL is served on the HTTP port (12800 by default)"))
    return out
