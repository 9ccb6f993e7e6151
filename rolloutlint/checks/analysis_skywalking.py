"""RL43x: Argo Rollouts' SkyWalking metric provider (address, interval, GraphQL query, service names)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rolloutlint.checks import analysis_metrics as am
from rolloutlint.views import analysis as au
from rolloutlint.core.findings import RelatedRef, Report, Severity
from rolloutlint.core.model import Resource, as_dict
from rolloutlint.core.rule import Rule, register
from rolloutlint.core import memo
from rolloutlint.providers import skywalking

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context



def skywalking_metrics(tmpl: Resource) -> Iterator[tuple[int, dict[str, Any], dict[str, Any]]]:
    for i, m in au.metrics(tmpl):
        sw = as_dict(m.get("provider")).get("skywalking")
        if isinstance(sw, dict):
            yield i, m, sw


def _known(tmpl: Resource) -> dict[str, str]:
    return {k: v for k, v in au.default_args(tmpl).items() if v is not None}


@memo.per_resource
def query_problems(tmpl: Resource) -> list[tuple[int, list[Any]]]:

    out: list[tuple[int, list[Any]]] = []
    for i, _, sw in skywalking_metrics(tmpl):
        query = sw.get("query")
        if query is None:
            out.append((i, [skywalking.ProviderProblem("error", "graphql-syntax", "query is missing")]))
        elif isinstance(query, str) and not au.only_placeholders(query, au.default_args(tmpl)):
            out.append((i, skywalking.validate_query(query, _known(tmpl))))
    return out


def query_position(line: int | None, column: int | None) -> str:
    return "" if line is None else f" (query line {line}, column {column})"


def query_inner(line: int | None, column: int | None) -> tuple[int, int] | None:
    return None if line is None or column is None else (line, column)


def _query_reports(rule: Rule, tmpl: Resource, codes: frozenset[str] | set[str] | None, exclude: set[str]) -> Iterator[Report]:
    for i, problems in query_problems(tmpl):
        for p in problems:
            if (codes is not None and p.code not in codes) or p.code in exclude:
                continue
            sev = am.PROVIDER_SEVERITY.get(p.severity) if codes is None else None
            yield rule.report(tmpl, ("spec", "metrics", i, "provider", "skywalking", "query"),
                              p.message + query_position(p.line, p.column), inner=query_inner(p.line, p.column),
                              severity=sev if sev and sev != rule.severity else None)


@register
class SkyWalkingAddressInvalid(Rule):
    """The SkyWalking provider's `address` is missing or not the OAP's HTTP base URL.

    ## What it checks
    `provider.skywalking.address` must be an http(s) URL with a host. Argo appends `/graphql` itself, so
    an address ending in `/graphql` (error) or `/` (warning) is wrong; port 11800 is the OAP's gRPC port
    (warning). Addresses built from arguments are checked once substituted, when the scheme is literal.

    ## Why it matters
    Every measurement errors (connection refused, a 404 page that is not JSON: `decoding response`),
    and the analysis fails after `consecutiveErrorLimit` errors.

    ## How to fix
    Use the OAP HTTP endpoint without a path, e.g. `http://oap.istio-system:12800`.

    ## Upstream
    Derived from Argo Rollouts `NewSkyWalkingClient` (posts to `address + "/graphql"`).
    """

    id = "RL430"
    name = "skywalking-address-invalid"
    severity = Severity.ERROR
    summary = "SkyWalking address is missing or not the OAP HTTP base URL"
    kinds = au.TEMPLATE_KINDS

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:

        yield from am.address_reports(self, tmpl, "skywalking", skywalking_metrics(tmpl), skywalking.validate_address)


@register
class SkyWalkingIntervalInvalid(Rule):
    """The SkyWalking provider's `interval` is missing or not a Go duration.

    ## What it checks
    `provider.skywalking.interval` (the query's `$duration` look-back window, not the metric's `interval`)
    must be a Go duration such as `3m`. Under a minute is noted: the window has minute precision.

    ## Why it matters
    Argo builds the SkyWalking client from it; without a valid value every measurement errors with
    `time: invalid duration ""`, and the analysis fails after `consecutiveErrorLimit` errors.

    ## How to fix
    Set `interval: 3m` (or another Go duration; no `d` unit) under `provider.skywalking`.

    ## Upstream
    Derived from Argo Rollouts `NewSkyWalkingClient` (`time.ParseDuration(metric.Provider.SkyWalking.Interval)`).
    """

    id = "RL431"
    name = "skywalking-interval-invalid"
    severity = Severity.ERROR
    summary = "SkyWalking interval is missing or not a Go duration"
    kinds = au.TEMPLATE_KINDS

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:

        for i, _, sw in skywalking_metrics(tmpl):
            value, unresolved = am.resolve(sw.get("interval"), au.default_args(tmpl))
            if unresolved:
                continue
            for p in skywalking.validate_interval(value):
                yield self.report(tmpl, ("spec", "metrics", i, "provider", "skywalking", "interval"), p.message,
                                  severity=am.severity_override(self, p.severity))


@register
class SkyWalkingQueryInvalid(Rule):
    """The SkyWalking GraphQL query is not valid against the OAP's query protocol.

    ## What it checks
    After Argo-style `{{args.*}}` substitution, `provider.skywalking.query` is parsed and validated against
    the SkyWalking query-protocol schema: syntax, unknown fields and arguments, enum values (`scope:
    Service`, not `"Service"`), argument types, exactly one `query` operation, `$duration` declared as
    `Duration!` (Argo always sends it), no other required variables. The message gives the GraphQL error and
    its line and column inside the query (and the file line for block scalars).

    ## Why it matters
    The OAP answers with GraphQL errors; every measurement errors with `graphql: <message>` and the
    analysis fails after `consecutiveErrorLimit` errors.

    ## How to fix
    Fix the query at the reported position; try it against the OAP (`swctl` or the GraphQL UI) first.

    ## Upstream
    Mirrors the OAP's GraphQL validation as surfaced by Argo Rollouts' SkyWalking provider
    (`graphql: <first error message>`).
    """

    id = "RL432"
    name = "skywalking-query-invalid"
    severity = Severity.ERROR
    summary = "SkyWalking GraphQL query is invalid"
    kinds = au.TEMPLATE_KINDS
    mirrors = "SkyWalking OAP GraphQL validation via Argo Rollouts: `graphql: <message>`"

    CODES = frozenset({"graphql-syntax", "graphql-invalid", "graphql-operation", "duration-type", "variable-unsupplied"})

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        yield from _query_reports(self, tmpl, self.CODES, set())


@register
class SkyWalkingQueryDeprecated(Rule):
    """The SkyWalking query uses a deprecated API: V1/V2 metric queries or `Entity.scope`.

    ## What it checks
    Fields and input fields of the query protocol that SkyWalking marks deprecated: `readMetricsValues`
    and the other V2 metric queries (deprecated since 9.5.0 in favour of MQE `execExpression`), and
    `entity.scope` (since 9.4.0, derived from the metric). The message names the replacement.

    ## Why it matters
    The queries still work on current OAPs but may be removed; the Argo Rollouts and Tetrate examples use
    them, so this is informational.

    ## How to fix
    Move to `execExpression` (values are strings: compare with `asFloat(...)`), and drop `scope`.

    ## Upstream
    Derived from SkyWalking's `query-protocol-deprecated.md` and schema deprecation notes.
    """

    id = "RL433"
    name = "skywalking-query-deprecated"
    severity = Severity.INFO
    summary = "SkyWalking query uses a deprecated API"
    kinds = au.TEMPLATE_KINDS

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        yield from _query_reports(self, tmpl, {"graphql-deprecated"}, set())


@register
class SkyWalkingEntityNormalMissing(Rule):
    """A SkyWalking query entity names a service without `normal`.

    ## What it checks
    `entity` objects that set `serviceName` (or an instance/endpoint name) but not `normal` (and
    `destServiceName` without `destNormal`).

    ## Why it matters
    The OAP identifies a service by its name and `normal` flag; without the flag the entity is invalid and
    the OAP returns zero values without an error. Zeros pass "lower is better" conditions (latency, error
    rate) and fail apdex ones, so the analysis judges nothing.

    ## How to fix
    Add `normal: true` for mesh or agent-reported services.

    ## Upstream
    Derived from SkyWalking `Entity.isValid()` (OAP returns `ILLEGAL_ENTITY` zero points).
    """

    id = "RL434"
    name = "skywalking-entity-normal-missing"
    severity = Severity.WARNING
    summary = "SkyWalking entity names a service without normal"
    kinds = au.TEMPLATE_KINDS

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        yield from _query_reports(self, tmpl, {"entity-normal"}, set())


@register
class SkyWalkingDurationUnused(Rule):
    """The SkyWalking query does not use the `$duration` variable Argo supplies.

    ## What it checks
    Queries whose operation does not declare `$duration: Duration!`.

    ## Why it matters
    Argo always sends `$duration` computed from `provider.skywalking.interval` (now minus interval to now).
    A query with a literal duration measures a fixed, past window: every analysis sees the same old data.

    ## How to fix
    Declare `query q($duration: Duration!)` and pass `duration: $duration` to the metric field.

    ## Upstream
    Derived from Argo Rollouts' SkyWalking provider (`req.Var("duration", ...)`).
    """

    id = "RL435"
    name = "skywalking-duration-unused"
    severity = Severity.WARNING
    summary = "SkyWalking query ignores the $duration Argo supplies"
    kinds = au.TEMPLATE_KINDS

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        yield from _query_reports(self, tmpl, {"duration-unused"}, set())


def _arg_written_at(usage: au.Usage, sites: Any, line: int, col: int) -> tuple[tuple[Resource, tuple[Any, ...]], str] | None:
    """Where the Rollout writes the arg a service name comes from: ((Rollout, path of `args[k].value`), arg name),
    when the name's literal holds exactly one `{{args.x}}` placeholder and the Rollout passes x as a value."""
    if sites.sites is None:
        return None
    site = next((st for st in sites.sites if st.line == line and st.column == col), None)
    tags = [t.tag[5:] for t in site.tags if t.tag.startswith("args.")] if site is not None else []
    if len(tags) != 1:
        return None
    owner = usage.owner
    block: Any = owner.body
    for key in usage.path:
        block = block.get(key) if isinstance(block, dict) else (block[key] if isinstance(block, list) and
                                                                isinstance(key, int) and key < len(block) else None)
    args = block.get("args") if isinstance(block, dict) else None
    for k, arg in enumerate(args if isinstance(args, list) else []):
        if isinstance(arg, dict) and arg.get("name") == tags[0] and isinstance(arg.get("value"), str):
            return (owner, tuple(usage.path) + ("args", k, "value")), tags[0]
    return None


def _service_name_problems(tmpl: Resource, ctx: "Context") -> list[tuple[int, str, Any, list[RelatedRef], Any, Any]]:
    """(metric index, origin label, problem, related, inner position, where the Rollout writes the value) for
    every service name in every SkyWalking query (two rules read them; computed once per template)."""
    return memo.for_resource(tmpl, "analysis_skywalking.service_name_problems", None,
                             lambda: _compute_service_name_problems(tmpl, ctx))


def _compute_service_name_problems(tmpl: Resource, ctx: "Context") -> list[tuple[int, str, Any, list[RelatedRef], Any, Any]]:

    out: list[tuple[int, str, Any, list[RelatedRef], Any, Any]] = []
    queries = [(i, sw["query"]) for i, _, sw in skywalking_metrics(tmpl) if isinstance(sw.get("query"), str)]
    if not queries:  # no service name to check: skip reading what each Rollout would expect
        return out
    seen: set[tuple[int, str, str]] = set()
    uses = au.usages_of_template(ctx, tmpl)
    contexts: list[tuple[au.Usage | None, dict[str, Any]]] = []
    usage: au.Usage | None
    for usage, _ in uses:
        ro = usage.owner
        if ro.kind != "Rollout":
            continue
        canary, stable = au.canary_subsets(ctx, ro)
        host = au.destination_rule_host(ctx, ro)
        contexts.append((usage, {"canary_subset": canary, "stable_subset": stable, "service": host,
                                 "namespace": ro.namespace, "cluster": ctx.config.skywalking_cluster}))
    if not contexts:
        contexts.append((None, {"canary_subset": None, "stable_subset": None, "service": None, "namespace": None,
                                "cluster": ctx.config.skywalking_cluster}))
    for i, query in queries:
        sites = skywalking.service_name_sites(query)  # parsed once; each Rollout only fills in its args
        for usage, expect in contexts:
            args = {k: v for k, v in au.effective_args(tmpl, usage).items() if v is not None}
            for name, line, col in skywalking.service_names_with_args(sites, args):
                if "{{" in name:
                    continue
                origin = f"for {usage.owner.kind} {usage.owner.name}" if usage else ""
                related = [RelatedRef(usage.owner, usage.path, f"{usage.label()} of {usage.owner.kind} {usage.owner.name}")] if usage else []
                written = _arg_written_at(usage, sites, line, col) if usage else None
                if written is not None:  # the user fixes the Rollout's arg: report there, the placeholder is related
                    related = [RelatedRef(tmpl, ("spec", "metrics", i, "provider", "skywalking", "query"),
                                          f"placeholder {{{{args.{written[1]}}}}} in the query of {tmpl.kind} {tmpl.name}")]
                problems = list(skywalking.check_service_name(name, **expect))
                fields = skywalking.parse_service_name(name)
                env = ctx.config.skywalking_env
                if env is not None and fields is not None and fields["env"].strip() and fields["env"].strip() != env:
                    problems.append(skywalking.ProviderProblem(
                        "error", "service-name-mismatch", f"env field {fields['env']!r} differs from the expected env {env!r}"))
                for p in problems:
                    key = (i, p.message, origin)
                    if key in seen:
                        continue
                    seen.add(key)
                    pos = query_position(line, col)
                    head = p.message if repr(name) in p.message else f"service name {name!r}: {p.message}"
                    out.append((i, head + pos + (f" {origin}" if origin else ""), p, related, query_inner(line, col),
                                written[0] if written is not None else None))
    return out


@register
class SkyWalkingServiceNameMismatch(Rule):
    """A SkyWalking service name in TSB/TSE form does not name the Rollout's canary.

    ## What it checks
    Service names in the query (`serviceName`, after substituting the arguments each Rollout passes) in the
    Tetrate `subset|service|namespace|cluster|env` form: exactly five non-empty fields; `subset` equals the
    canary's `version` label (`canaryMetadata.labels.version`, else the DestinationRule's
    `canarySubsetName`); `service` equals the DestinationRule host's short name; `namespace` equals the
    Rollout's namespace; `cluster` and `env` equal `skywalking.cluster` / `skywalking.env` from
    `.rolloutlint.yaml` when set. Each
    Rollout that uses the template (background, step or promotion analysis) is checked with its own args.
    Reported at the value to edit: the Rollout's `args[].value` when the name comes from one argument (the
    template's placeholder is the related location), else the literal in the query.

    ## Why it matters
    SkyWalking stores every name as is; a name that matches no service yields zero-valued points without an
    error. The analysis then judges nothing (or the stable subset) and promotes or aborts for the wrong
    reason.

    ## How to fix
    Pass the canary's name, e.g. `canary|reviews|bookinfo|cluster-1|-` for subset `canary` of host `reviews`
    in namespace `bookinfo`.

    ## Upstream
    Derived from the Tetrate TSB/TSE service naming (`subset|service|namespace|cluster|env`) used by its
    Argo Rollouts demo.
    """

    id = "RL436"
    name = "skywalking-service-name-mismatch"
    severity = Severity.ERROR
    summary = "SkyWalking service name does not name the Rollout's canary"
    kinds = au.TEMPLATE_KINDS
    cross_resource = True

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        for i, where, p, related, inner, written in _service_name_problems(tmpl, ctx):
            if p.severity == "error":
                if written is not None:
                    yield self.report(written[0], written[1], where, related=related)
                else:
                    yield self.report(tmpl, ("spec", "metrics", i, "provider", "skywalking", "query"),
                                      where, related=related, inner=inner)


@register
class SkyWalkingServiceNameNotCanary(Rule):
    """A SkyWalking service name measures more than the canary: stable subset, all subsets, or a blended name.

    ## What it checks
    Service names whose subset is the stable subset or `*`, open-source names (`reviews`,
    `reviews.bookinfo`) that stable and canary pods share, and names longer than the OAP's default limit
    (70 characters). Reported at the Rollout's `args[].value` when the name comes from one argument (the
    placeholder is related), else at the literal in the query.

    ## Why it matters
    Canary analysis must measure the canary alone; a blended name averages in the stable pods (a failing
    canary at 10% traffic barely moves the number), and a too-long name is truncated at ingest, so the query
    matches nothing.

    ## How to fix
    Use a name that selects the canary subset only (TSB/TSE: `canary|reviews|bookinfo|cluster|-`), or set
    up per-version service naming in SkyWalking.

    ## Upstream
    Derived from SkyWalking's Istio service naming and the Tetrate TSB/TSE naming convention.
    """

    id = "RL437"
    name = "skywalking-service-name-not-canary"
    severity = Severity.WARNING
    summary = "SkyWalking service name does not isolate the canary"
    kinds = au.TEMPLATE_KINDS
    cross_resource = True

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        for i, where, p, related, inner, written in _service_name_problems(tmpl, ctx):
            if p.severity != "error":
                sev = am.PROVIDER_SEVERITY.get(p.severity, Severity.WARNING)
                if written is not None:
                    yield self.report(written[0], written[1], where, related=related,
                                      severity=sev if sev != self.severity else None)
                else:
                    yield self.report(tmpl, ("spec", "metrics", i, "provider", "skywalking", "query"),
                                      where, related=related, inner=inner,
                                      severity=sev if sev != self.severity else None)


_SCALED = re.compile(r"\b(\w*_(?:apdex|sla))\b")
_FRACTION = re.compile(r"(?<![\w.])(0?\.\d+|1\.0*)(?![\w.])")
_RESCALED = re.compile(r"/\s*100(?:00)?(?:\.0*)?\b")


@register
class SkyWalkingThresholdScale(Rule):
    """A condition compares a SkyWalking apdex or SLA value with a fraction, but SkyWalking scales them.

    ## What it checks
    Metrics whose query reads `*_apdex` or `*_sla` (e.g. `service_apdex`, `service_sla`) and whose
    condition compares with a literal between 0 and 1 (`>= 0.99`) without dividing by 10000 or 100 first.

    ## Why it matters
    SkyWalking stores apdex × 10000 (10000 = 1.00) and SLA as percent × 100 (9950 = 99.5 %). A threshold
    of `0.99` is met by any value above zero, so the analysis passes for a badly degraded canary.

    ## How to fix
    Use the stored scale (`>= 9900` for apdex 0.99, `>= 9950` for 99.5 % success), or divide first
    (`asFloat(.value) / 10000 >= 0.99`).

    ## Upstream
    Derived from SkyWalking's `ApdexMetrics` / `PercentMetrics` (integer values scaled by 10000).
    """

    id = "RL438"
    name = "skywalking-threshold-scale"
    severity = Severity.WARNING
    summary = "Apdex/SLA threshold is a fraction, but SkyWalking scales the values by 10000"
    kinds = au.TEMPLATE_KINDS

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        for i, m, sw in skywalking_metrics(tmpl):
            query = sw.get("query")
            if not isinstance(query, str):
                continue
            names = sorted(set(_SCALED.findall(query)))
            if not names or _RESCALED.search(query):
                continue
            for field in ("successCondition", "failureCondition"):
                cond = m.get(field)
                if not isinstance(cond, str) or _RESCALED.search(cond):
                    continue
                hit = _FRACTION.search(cond)
                if hit and 0 < float(hit.group(1)) <= 1:
                    yield self.report(tmpl, ("spec", "metrics", i, field),
                                      f"{field} compares with {hit.group(1)}, but {', '.join(names)} is stored scaled "
                                      f"(apdex x10000, SLA percent x100): any non-zero value passes; use e.g. 9900 for 0.99")


_LOWER_IS_BETTER = re.compile(r"\b(\w*(?:resp_time|percentile)\w*)\b")


@register
class SkyWalkingEmptyValuesPass(Rule):
    """A "lower is better" SkyWalking condition passes on minutes without data.

    ## What it checks
    Metrics whose query reads a latency metric (`*_resp_time*`, `*_percentile*`) and whose condition
    compares with `<` or `<=`, while neither the query nor the condition looks at `isEmptyValue`.

    ## Why it matters
    SkyWalking fills minutes without data, unknown metric names and unknown services with `value: 0`
    (`isEmptyValue: true`) and no error. `0 <= 500` holds, so a canary that receives no traffic, or a
    misspelled service name, passes the latency check.

    ## How to fix
    Select `isEmptyValue` (SkyWalking ≥ 9.5) and require real data, e.g.
    `len(filter(xs, !.isEmptyValue)) > 0 && all(filter(xs, !.isEmptyValue), {.value <= 500})`.

    ## Upstream
    Derived from SkyWalking `MetricsQuery.readMetricsValues` (zero-filled points for empty buckets and
    invalid entities).
    """

    id = "RL439"
    name = "skywalking-empty-values-pass"
    severity = Severity.WARNING
    summary = "Latency condition passes on SkyWalking's zero-filled empty points"
    kinds = au.TEMPLATE_KINDS

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        for i, m, sw in skywalking_metrics(tmpl):
            query = sw.get("query")
            if not isinstance(query, str) or "isEmptyValue" in query:
                continue
            names = sorted(set(_LOWER_IS_BETTER.findall(query)))
            if not names:
                continue
            for field in ("successCondition", "failureCondition"):
                cond = m.get(field)
                if not isinstance(cond, str) or "isEmptyValue" in cond:
                    continue
                lower = re.search(r"<=?(?!=)", cond) if field == "successCondition" else re.search(r">=?", cond)
                if lower:
                    yield self.report(tmpl, ("spec", "metrics", i, field),
                                      f"{field} bounds {', '.join(names)} from above, but SkyWalking reports minutes "
                                      "without data (and unknown services) as 0 with isEmptyValue: true, which passes; "
                                      "select isEmptyValue and require non-empty points")
                    break
