"""RL444: a query filter (Istio destination label, SkyWalking service name) that names no Service or
workload of the Rollout running the analysis, reported where the value is written."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rolloutlint.views import refs
from rolloutlint.views import analysis as au
from rolloutlint.core.positions import Path
from rolloutlint.core.findings import RelatedRef, Report, Severity
from rolloutlint.core.model import Resource, as_dict, as_str, dig
from rolloutlint.core.rule import Rule, register
from rolloutlint.core import memo
from rolloutlint.checks.analysis_prometheus import _service_forms
from rolloutlint.providers import placeholders as ph
from rolloutlint.providers import skywalking


if TYPE_CHECKING:
    from rolloutlint.core.rule import Context

_SERVICE_LABELS = ("destination_service_name", "destination_service")
_WORKLOAD_LABELS = ("destination_workload",)
_WORKLOAD_KINDS = ("Rollout", "Deployment", "StatefulSet", "DaemonSet")


@dataclass(frozen=True)
class Filter:
    """One filter value of a query: the label (or `serviceName`), the value as the query sees it with the
    sentinels of the template's args still in, and the metric it belongs to."""

    metric: int
    provider: str
    label: str
    raw: str


def _sentinels(names: list[str]) -> dict[str, str | None]:
    return {n: f"rlfilter{i}x" for i, n in enumerate(names)}


def _prometheus_filters(query: str, sentinels: dict[str, str | None]) -> list[tuple[str, str]]:
    """(label, value) of the equality matchers on Istio destination labels in every `istio_*` selector."""
    import promql_parser as pp


    text, reps = ph.substitute_detailed(query, sentinels)
    if any(not r.resolved for r in reps):
        return []  # a tag that is not one of the template's args: only known at run time
    try:
        expr = pp.parse(text)
    except ValueError:
        return []
    out: list[tuple[str, str]] = []

    def visit(node: Any) -> None:
        if isinstance(node, pp.VectorSelector) and (node.name or "").startswith("istio_"):
            for m in node.matchers.matchers:
                if m.name not in _SERVICE_LABELS + _WORKLOAD_LABELS or not m.value:
                    continue
                if m.op == pp.MatchOp.Equal:
                    out.append((m.name, m.value))
                elif m.op == pp.MatchOp.Re:
                    out.append((m.name + "=~", m.value))

    pp.walk(expr, pre_visit=visit)
    return out


def _skywalking_filters(query: str, sentinels: dict[str, str | None]) -> list[tuple[str, str]]:
    """Plain (open-source naming) service names; Tetrate `a|b|c|d|e` names are RL436's."""

    return [("serviceName", name) for name, _, _ in skywalking.service_names_in_query(query, sentinels)
            if "|" not in name and "{{" not in name and name]


def template_filters(tmpl: Resource, arg_names: list[str]) -> list[Filter]:
    return memo.for_resource(tmpl, "analysis_filters.template_filters", tuple(arg_names),
                             lambda: _template_filters(tmpl, arg_names))


def _template_filters(tmpl: Resource, arg_names: list[str]) -> list[Filter]:
    sentinels = _sentinels(arg_names)
    out: list[Filter] = []
    for i, m in au.metrics(tmpl):
        prov = as_dict(m.get("provider"))
        for provider, extract in (("prometheus", _prometheus_filters), ("skywalking", _skywalking_filters)):
            query = as_dict(prov.get(provider)).get("query")
            if isinstance(query, str) and query.strip() and not au.only_placeholders(query):
                out.extend(Filter(i, provider, label, value) for label, value in extract(query, sentinels))
    return out


def _known_name(ctx: "Context", label: str, value: str, ro: Resource) -> bool | None:
    """True when the value names a Service/workload the repository holds, False when it names none,
    None when the repository cannot tell (external objects, a namespace it does not hold)."""
    if label.endswith("=~"):
        return _regex_names_something(ctx, label[:-2], value, ro)
    name, _, rest = value.partition(".")
    ns = rest.split(".")[0] if rest else ro.namespace
    if label in _WORKLOAD_LABELS:
        if name == ro.name or any(ctx.index.find(k, value, ns) for k in _WORKLOAD_KINDS):
            return True
        return None if any(ctx.index.is_external(k, value, ns) for k in _WORKLOAD_KINDS) else False
    if ctx.index.find("Service", name, ns):
        return True
    if ctx.index.is_external("Service", name, ns):
        return None
    if ns != ro.namespace and ns is not None and not any(True for s in ctx.index.of_kind("Service") if s.namespace == ns):
        return None  # names another namespace the repository does not show
    return False


# A pattern whose only regex operator is `.` (`{{args.service}}.{{args.namespace}}.svc.cluster.local`, the
# form Argo's docs use with `=~`): the dots match the name's own dots, so it names what its text names.
_PLAIN_PATTERN = re.compile(r"[A-Za-z0-9_.-]+")


def _regex_names_something(ctx: "Context", label: str, pattern: str, ro: Resource) -> bool | None:
    """Whether an (anchored) regex matcher can select a Service/workload of the Rollout's namespace; a pattern
    that is a plain name is judged as that name (`_known_name`), any other unmatched one is left alone."""

    kinds = _WORKLOAD_KINDS if label in _WORKLOAD_LABELS else ("Service",)
    names = [r.name for k in kinds for r in ctx.index.of_kind(k) if r.name and r.namespace in (ro.namespace, None)]
    try:
        if any(re.fullmatch(pattern, form) for n in names for form in _service_forms(n, ro.namespace)):
            return True
    except re.error:
        return None
    return _known_name(ctx, label, pattern, ro) if _PLAIN_PATTERN.fullmatch(pattern) else None


def _rollout_services(ctx: "Context", ro: Resource) -> list[str]:
    can = refs.canary(ro)
    names = [as_str(can.get(k)) for k in ("canaryService", "stableService")]
    bg = refs.blue_green(ro)
    names += [as_str(bg.get(k)) for k in ("activeService", "previewService")]
    return [n for n in dict.fromkeys(names) if n and ctx.index.find("Service", n, ro.namespace)]


@register
class AnalysisFilterMatchesNothing(Rule):
    """A query filters on a Service or workload that the Rollout running it does not have.

    ## What it checks
    For each Rollout and each analysis it runs (with the argument values it passes, else the template
    defaults): the values of `destination_service_name`, `destination_service` and `destination_workload`
    in Prometheus selectors over Istio metrics (`istio_*`), and plain SkyWalking service names
    (`serviceName: "reviews.bookinfo"`), must name a Service (or, for `destination_workload`, the Rollout or
    another workload) that the repository holds in that namespace. A regex matcher (`=~`) counts when it matches
    one, and is judged as a name when its only operator is `.` (`=~"{{args.service}}.{{args.namespace}}.svc..."`,
    as Argo's docs write the host); other patterns are left alone. Checked only when the repository holds the
    Rollout's own Services; values naming external objects (`external:` in the configuration) or a namespace
    the repository does not show are left alone.

    Reported at the value to edit, where it is written: the Rollout's `args[].value` (the template's query is
    related), the template's argument default, or the literal in the query (the Rollout's analysis usage is
    related to those two).

    ## Why it matters
    A filter that matches no series makes Prometheus return an empty vector (the measurement errors, and
    after `consecutiveErrorLimit` errors the rollout aborts) or SkyWalking return zero-filled points (the
    analysis judges nothing). `service: canary` where the canary Service is `istio-rollout-canary` is the
    classic slip.

    ## How to fix
    Pass the Service's name (`canaryService` for host-level splitting, the shared Service with a
    `destination_version` filter for subset-level splitting).

    ## Upstream
    Derived from Istio's standard metric labels (`destination_service`, `destination_workload`) and Argo
    Rollouts' argument resolution; Argo itself does not check the values.
    """

    id = "RL444"
    name = "analysis-filter-matches-nothing"
    severity = Severity.WARNING
    summary = "Query filters on a Service or workload the Rollout does not have"
    cross_resource = True
    stage = 2

    def check_repo(self, ctx: "Context") -> Iterator[Report]:
        seen: set[tuple[int, Path, str]] = set()
        for ro in ctx.index.of_kind("Rollout"):
            if ro.group not in ("argoproj.io", "") or not _rollout_services(ctx, ro):
                continue
            for usage in au.rollout_usages(ro):
                flat = au.cached_flatten(ctx, usage)
                for tmpl in flat.templates:
                    for value, report in self._check_usage(ctx, ro, usage, tmpl):
                        key = (id(report.resource), report.path, value if report.path[-1] == "query" else "")
                        if key not in seen:
                            seen.add(key)
                            yield report

    def _check_usage(self, ctx: "Context", ro: Resource, usage: au.Usage,
                     tmpl: Resource) -> Iterator[tuple[str, Report]]:
        declared = [n for n in (as_str(a.get("name")) for _, a in au.template_args(tmpl)) if n]
        sentinels = _sentinels(declared)
        values = au.effective_args(tmpl, usage)
        passed = {as_str(a.get("name")): j for j, a in usage.arg_entries()}
        defaults = {as_str(a.get("name")): k for k, a in au.template_args(tmpl)}
        services = ", ".join(_rollout_services(ctx, ro))
        used_by = RelatedRef(ro, usage.path, f"{usage.label()} of Rollout {ro.name}")
        for f in template_filters(tmpl, declared):
            used = [n for n, s in sentinels.items() if s and s in f.raw]
            if any(values.get(n) is None for n in used):
                continue  # valueFrom or no value: only known at run time
            value = f.raw
            for n in used:
                value = value.replace(sentinels[n] or "", values[n] or "")
            if "{{" in value or not value or (not f.label.endswith("=~") and re.search(r"[*?]", value)):
                continue
            known = _known_name(ctx, f.label, value, ro)
            if known is not False:
                continue
            what = "workload" if f.label.rstrip("=~") in _WORKLOAD_LABELS else "Service"
            shown = f'{f.label}"{value}"' if f.label.endswith("=~") else f"{f.label} '{value}'"
            theirs = f"its pods' workload is '{ro.name}'" if what == "workload" else f"its Services: {services}"
            msg = (f"{shown} names no {what} of Rollout {ro.name} ({theirs}): the query "
                   "matches no data, so measurements error or judge nothing")
            query_path = ("spec", "metrics", f.metric, "provider", f.provider, "query")
            # Several args (`{{args.service}}.{{args.namespace}}.svc.cluster.local`): the first names the Service.
            lead = min(used, key=lambda n: f.raw.find(sentinels[n] or "")) if used else None
            if lead is not None and lead in passed:
                yield value, self.report(ro, usage.args_path + (passed[lead], "value"), msg,
                                  related=[RelatedRef(tmpl, query_path, f"used as {f.label} in {tmpl.kind} {tmpl.name}")])
            elif lead is not None and lead in defaults:
                yield value, self.report(tmpl, ("spec", "args", defaults[lead], "value"), msg, related=[used_by])
            elif not used:
                yield value, self.report(tmpl, query_path, msg, related=[used_by], inner=_literal_position(tmpl, query_path, value))


def _literal_position(tmpl: Resource, path: Path, value: str) -> tuple[int, int] | None:

    query = dig(tmpl.body, *path)
    if not isinstance(query, str):
        return None
    pos = query.find(f'"{value}"')
    return ph.line_col(query, pos + 1) if pos >= 0 else None
