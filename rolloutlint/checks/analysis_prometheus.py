"""RL44x: Argo Rollouts' Prometheus metric provider (query syntax, address, canary selection)."""

from __future__ import annotations

from functools import lru_cache

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from rolloutlint.checks import analysis_metrics as am
from rolloutlint.views import analysis as au
from rolloutlint.core.findings import RelatedRef, Report, Severity
from rolloutlint.core.model import Resource, as_dict, as_str
from rolloutlint.core.rule import Rule, register
from rolloutlint.views import refs
from rolloutlint.providers import placeholders as ph
from rolloutlint.providers import prometheus


if TYPE_CHECKING:
    from rolloutlint.core.rule import Context



def prometheus_metrics(tmpl: Resource):
    for i, m in au.metrics(tmpl):
        pq = as_dict(m.get("provider")).get("prometheus")
        if isinstance(pq, dict):
            yield i, m, pq


@register
class PrometheusQueryInvalid(Rule):
    """The Prometheus query does not parse as PromQL.

    ## What it checks
    `provider.prometheus.query` is parsed as PromQL after Argo-style `{{args.*}}` substitution (argument
    defaults; neutral dummies for values only known at run time). Unclosed quotes, brackets and
    parentheses, unknown functions, wrong argument types (`rate(x)` without a range) and bad durations are
    reported with the parser's message and the line of the query (and the file line for block scalars). An
    invalid label regex is a warning: the parser checks it with Rust's regex engine, Prometheus with Go's
    RE2.

    ## Why it matters
    Prometheus answers `bad_data` (HTTP 400); every measurement errors and the analysis fails after
    `consecutiveErrorLimit` errors, aborting the rollout although the canary may be fine.

    ## How to fix
    Fix the query at the reported position; run it in the Prometheus UI with the arguments filled in.

    ## Upstream
    Mirrors the Prometheus query parser (`parse error: ...`) as surfaced by Argo Rollouts' Prometheus
    provider.
    """

    id = "RL440"
    name = "prometheus-query-invalid"
    severity = Severity.ERROR
    summary = "Prometheus query does not parse"
    kinds = au.TEMPLATE_KINDS
    mirrors = "Prometheus API `bad_data`: `parse error: ...`"

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:

        known = {k: v for k, v in au.default_args(tmpl).items() if v is not None}
        for i, _, pq in prometheus_metrics(tmpl):
            query = pq.get("query")
            path = ("spec", "metrics", i, "provider", "prometheus", "query")
            if not isinstance(query, str) or au.only_placeholders(query, au.default_args(tmpl)):
                continue  # missing or mistyped (the schema rules report it), or only known at run time
            for p in prometheus.validate_query(query, known):
                if p.code == "placeholder-unclosed":
                    continue  # reported by analysis-placeholder-unresolved
                where = f" (query line {p.line}, column {p.column})" if p.line is not None else ""
                inner = (p.line, p.column) if p.line is not None and p.column is not None else None
                yield self.report(tmpl, path, p.message + where, inner=inner,
                                  severity=am.severity_override(self, p.severity))


@register
class PrometheusAddressInvalid(Rule):
    """The Prometheus provider's `address` is not a usable base URL.

    ## What it checks
    `provider.prometheus.address` must be an http(s) URL with a host (checked after argument substitution
    when the scheme is literal). An empty address is a warning (Argo falls back to the controller's
    `ARGO_ROLLOUTS_PROMETHEUS_ADDRESS`); an address ending in an API path such as `/api/v1/query` is a
    warning, since the client appends it.

    ## Why it matters
    Argo fails the measurement with `prometheus address is not is url format` (sic) or a 404, and the
    analysis fails after `consecutiveErrorLimit` errors.

    ## How to fix
    Use the server's base URL, e.g. `http://prometheus.istio-system:9090`.

    ## Upstream
    Mirrors Argo Rollouts `NewPrometheusAPI`: `prometheus address is not is url format`.
    """

    id = "RL441"
    name = "prometheus-address-invalid"
    severity = Severity.ERROR
    summary = "Prometheus address is not a usable base URL"
    kinds = au.TEMPLATE_KINDS
    mirrors = "Argo Rollouts NewPrometheusAPI: `prometheus address is not is url format`"

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:

        yield from am.address_reports(self, tmpl, "prometheus", prometheus_metrics(tmpl), prometheus.validate_address)


_SERVICE_LABELS = ("destination_service_name", "destination_service")
_VERSION_LABELS = ("destination_version", "destination_canonical_revision")
_REGEX_META = re.compile(r"[\\.^$|?*+()\[\]{}]")


REGEX_MARK = "\0"  # label value prefix: "\0=~pattern" / "\0!~pattern"
_SIMPLE_VALUE = re.compile(r"^[\w:/-]*$")  # no regex metacharacters: `=~` matchers classify alike


def _istio_selectors(query: str, args: dict[str, str]) -> list[dict[str, str]]:
    """`_parse_selectors` for one Rollout's args, parsing each template query once.

    Every Rollout using a template passes its own args (its service name), so the query is parsed once
    with sentinel values and the real values are put into the extracted label values afterwards. When an
    arg is used outside a label value, or a value could change how the query parses, parse directly.
    """
    names = tuple(sorted(k for k in args if "{{" in query))
    if all(_SIMPLE_VALUE.match(v) for v in args.values()):
        sentinels = {k: f"rlarg{i}x" for i, k in enumerate(names)}
        template = _selectors_with(query, tuple(sentinels.items()))
        if template is not None:
            out = []
            for labels in template:
                resolved = {}
                for key, value in labels.items():
                    for k, sentinel in sentinels.items():
                        if sentinel in value:
                            value = value.replace(sentinel, args[k])
                    resolved[key] = value
                out.append(resolved)
            return out
    return _parse_selectors(query, args)


_STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')


@lru_cache(maxsize=1024)
def _selectors_with(query: str, sentinel_items: tuple[tuple[str, str], ...]) -> list[dict[str, str]] | None:
    """Selectors with sentinel arg values, or None unless every sentinel sits inside a string literal
    (a label value), where putting the real value back cannot change how the query parses."""

    if any(sentinel in query for _, sentinel in sentinel_items):
        return None
    text, _ = ph.substitute(query, dict(sentinel_items))
    literals = "".join(m.group(0) for m in _STRING_LITERAL.finditer(text))
    if any(text.count(sentinel) != literals.count(sentinel) for _, sentinel in sentinel_items):
        return None
    return _parse_selectors(query, dict(sentinel_items))


def _parse_selectors(query: str, args: dict[str, str]) -> list[dict[str, str]]:
    """Equality-like matchers of every `istio_*` selector: label -> value (values still holding an
    unresolved placeholder are dropped)."""
    import promql_parser as pp


    text, reps = ph.substitute_detailed(query, args)
    if any(not r.resolved and r.context != "string" for r in reps):
        return []
    try:
        expr = pp.parse(text)
    except ValueError:
        return []
    out: list[dict[str, str]] = []

    def visit(node: pp.Expr) -> None:  # returning None: walk on into the children
        if isinstance(node, pp.VectorSelector) and (node.name or "").startswith("istio_"):
            labels: dict[str, str] = {}
            for m in node.matchers.matchers:
                value = m.value
                if ph.DUMMY_STRING in value and any(not r.resolved for r in reps):
                    continue
                if m.op == pp.MatchOp.Equal or (m.op == pp.MatchOp.Re and not _REGEX_META.search(value)):
                    labels[m.name] = value
                elif m.op in (pp.MatchOp.Re, pp.MatchOp.NotRe):
                    # Kept as an anchored pattern and judged by what it can match (RL442).
                    op = "=~" if m.op == pp.MatchOp.Re else "!~"
                    labels.setdefault(m.name, f"{REGEX_MARK}{op}{value}")
            out.append(labels)

    pp.walk(expr, pre_visit=visit)
    return out


@register
class PrometheusQueryNotCanary(Rule):
    """A Prometheus query over Istio metrics does not isolate the canary of the Rollout that runs it.

    ## What it checks
    For each canary Rollout that uses the template (with the arguments it passes), every `istio_*`
    selector of the query that filters on `destination_service_name` or `destination_service`:
    with host-level traffic splitting (`canaryService`/`stableService`), the service must not be the stable
    Service; with subset-level splitting (a `destinationRule`), canary and stable pods share the Service,
    so the selector also needs `destination_version` or `destination_canonical_revision`, and that value
    must not be the stable version (`stableMetadata.labels.version`). Regex matchers (`=~`, `!~`) are judged
    by what they can match, anchored as Prometheus anchors them: `destination_service=~"reviews-.*"` matches
    both `reviews-stable` and `reviews-canary`, `destination_version!~"stable"` excludes the stable pods.

    Reported at the value to edit: the Rollout's `args[].value` when the offending label value is one argument
    the Rollout passes (the query is related), the template's argument default when it is not passed, else the
    query (the Rollout's analysis usage is related).

    ## Why it matters
    The analysis then measures stable traffic, or stable and canary together: at 10% canary weight a
    failing canary barely moves a blended success rate, and the rollout is promoted.

    ## How to fix
    Filter on the canary: `destination_service_name="<canaryService>"` for host-level splitting, or add
    `destination_version="<canary version label>"` (set through `canaryMetadata.labels.version`) for
    subset-level splitting.

    ## Upstream
    Derived from Istio's standard metric labels and Argo Rollouts' Istio traffic splitting modes.
    """

    id = "RL442"
    name = "prometheus-query-not-canary"
    severity = Severity.WARNING
    summary = "Prometheus query over Istio metrics does not isolate the canary"
    kinds = au.TEMPLATE_KINDS
    cross_resource = True

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:

        seen: set[tuple] = set()
        queries = [(i, pq["query"]) for i, _, pq in prometheus_metrics(tmpl) if isinstance(pq.get("query"), str)]
        if not queries:  # nothing to check: skip reading what each Rollout passes
            return
        for usage, _ in au.usages_of_template(ctx, tmpl):
            ro = usage.owner
            if ro.kind != "Rollout" or usage.kind not in ("background", "step"):
                continue
            can = refs.canary(ro)
            canary_svc, stable_svc = can.get("canaryService"), can.get("stableService")
            dr = refs.destination_rule_ref(ro)
            stable_label = as_dict(as_dict(can.get("stableMetadata")).get("labels")).get("version")
            args = {k: v for k, v in au.effective_args(tmpl, usage).items() if v is not None}
            for i, query in queries:
                if au.only_placeholders(query, args):
                    continue
                for labels in _istio_selectors(query, args):
                    found = _not_canary_message(labels, ro, canary_svc, stable_svc, dr is not None, stable_label)
                    if found and (i, found[1]) not in seen:
                        seen.add((i, found[1]))
                        yield self._placed(tmpl, i, query, usage, *found)

    def _placed(self, tmpl: Resource, i: int, query: str, usage: au.Usage, label: str | None, msg: str) -> Report:
        """At the value to edit: the Rollout's `args[].value` (or the template's default) when the label's value
        is one argument, the query is related; else the query, the Rollout's usage related."""
        ro = usage.owner
        query_path = ("spec", "metrics", i, "provider", "prometheus", "query")
        used_by = RelatedRef(ro, usage.path, f"{usage.label()} of Rollout {ro.name}")
        arg = _argument_of(query, label) if label else None
        if arg is not None:
            placeholder = RelatedRef(tmpl, query_path, f"{label} {{{{args.{arg}}}}} in the query of {tmpl.kind} {tmpl.name}")
            passed = {as_str(a.get("name")): j for j, a in usage.arg_entries() if a.get("value") is not None}
            if arg in passed:
                return self.report(ro, usage.args_path + (passed[arg], "value"), msg, related=[placeholder])
            default = next((k for k, a in au.template_args(tmpl) if as_str(a.get("name")) == arg), None)
            if default is not None and arg not in {as_str(a.get("name")) for _, a in usage.arg_entries()}:
                return self.report(tmpl, ("spec", "args", default, "value"), msg, related=[placeholder, used_by])
        return self.report(tmpl, query_path, msg, related=[used_by])


_LABEL_VALUE = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
_ONE_ARG = re.compile(r"^\{\{\s*args\.([^\s{}]+)\s*\}\}$")


def _argument_of(query: str, label: str) -> str | None:
    """The argument whose value `label` takes in the query, when every matcher on `label` is exactly one
    `"{{args.x}}"` of the same argument (None: a literal, a composed value, or several arguments)."""
    values = [m.group(2) for m in _LABEL_VALUE.finditer(query) if m.group(1) == label]
    names = {hit.group(1) if (hit := _ONE_ARG.match(v)) else None for v in values}
    return next(iter(names)) if len(names) == 1 and None not in names else None


def _shown(value: str) -> str:
    """A label value as written in the query: `=~"pat"` for regex matchers, `'v'` for equality."""
    if value.startswith(REGEX_MARK):
        return f'{value[1:3]}"{value[3:]}"'
    return f"'{value}'"


def _can_match(value: str, candidates: list[str]) -> bool | None:
    """Whether a matcher value can select any of `candidates` (None: a regex Python cannot judge).

    Prometheus anchors label regexes (`=~"a"` is `^(?:a)$`); `!~` selects whatever the pattern does not.
    """
    if not value.startswith(REGEX_MARK):
        return value.split(".")[0] in {c.split(".")[0] for c in candidates}
    op, pattern = value[1:3], value[3:]
    try:
        hits = [re.fullmatch(pattern, c) is not None for c in candidates]
    except re.error:
        return None
    return any(hits) if op == "=~" else not all(hits)


def _service_forms(name: str, namespace: str | None) -> list[str]:
    """The values `destination_service_name` / `destination_service` take for a Service."""
    out = [name]
    if namespace:
        out += [f"{name}.{namespace}", f"{name}.{namespace}.svc", f"{name}.{namespace}.svc.cluster.local"]
    return out


def _not_canary_message(labels: dict[str, str], ro: Resource, canary_svc: object, stable_svc: object,
                        subset_split: bool, stable_label: object) -> tuple[str | None, str] | None:
    """(the label whose value is wrong, None when the selector lacks a label; the message), or None."""
    service_key = next((k for k in _SERVICE_LABELS if k in labels), None)
    if service_key is None:
        return None
    found = _service_or_version_message(labels, labels[service_key], ro, canary_svc, stable_svc, subset_split,
                                        stable_label)
    if found is None:
        return None
    what, msg = found
    if what == "service":
        return service_key, msg
    if what == "version":
        return next(k for k in _VERSION_LABELS if k in labels), msg
    return None, msg


def _service_or_version_message(labels: dict[str, str], service: str, ro: Resource, canary_svc: object,
                                stable_svc: object, subset_split: bool,
                                stable_label: object) -> tuple[str, str] | None:
    """(what is wrong: "service", "version" or "query" when a label is missing; the message), or None."""
    regex = service.startswith(REGEX_MARK)
    if not subset_split:
        if not (isinstance(stable_svc, str) and isinstance(canary_svc, str)):
            return None
        on_stable = _can_match(service, _service_forms(stable_svc, ro.namespace))
        on_canary = _can_match(service, _service_forms(canary_svc, ro.namespace))
        if not regex:
            if on_stable and not on_canary:
                return "service", (f"selects destination service '{service}', the stable Service of Rollout {ro.name}; "
                                   f"canary traffic goes to '{canary_svc}'")
            return None
        if on_stable and on_canary:
            return "service", (f"destination service {_shown(service)} matches both the stable Service '{stable_svc}' and the "
                               f"canary Service '{canary_svc}' of Rollout {ro.name}, so stable and canary traffic are measured "
                               "together")
        if on_stable:
            return "service", (f"destination service {_shown(service)} matches the stable Service '{stable_svc}' of Rollout "
                               f"{ro.name}, not the canary Service '{canary_svc}'")
        return None
    version = next((labels[k] for k in _VERSION_LABELS if k in labels), None)
    if version is None:
        return "query", (f"selects destination service {_shown(service) if regex else repr(service)} without destination_version "
                         f"or destination_canonical_revision; Rollout {ro.name} splits by DestinationRule subsets, "
                         "so stable and canary traffic are measured together")
    if not isinstance(stable_label, str):
        return None
    if version.startswith(REGEX_MARK):
        if _can_match(version, [stable_label]):
            return "version", (f"version {_shown(version)} also matches the stable pods' version label '{stable_label}' of "
                               f"Rollout {ro.name} (stableMetadata); stable and canary traffic are measured together")
        return None
    if version == stable_label:
        return "version", (f"selects version '{version}', the stable pods' version label of Rollout {ro.name} "
                           "(stableMetadata); the analysis measures stable traffic")
    return None
