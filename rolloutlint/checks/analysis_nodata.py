"""RL443, RL445: conditions that misjudge a measurement without data (an empty Prometheus vector, a
SkyWalking minute filled with 0), so a healthy canary is aborted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rolloutlint.views import analysis as au
from rolloutlint.checks.analysis_prometheus import prometheus_metrics
from rolloutlint.checks.analysis_skywalking import skywalking_metrics
from rolloutlint.core.findings import Report, Severity
from rolloutlint.core.model import Resource, as_str
from rolloutlint.core.rule import Rule, register
from rolloutlint.providers import placeholders as ph
from rolloutlint.providers import prometheus


if TYPE_CHECKING:
    from rolloutlint.core.rule import Context

_INDEXED = re.compile(r"\bresult\s*\[")
_LEN_GUARD = re.compile(r"\blen\s*\(\s*result\s*\)")
# `... or vector(0)` / `... or on() vector(0)`: Prometheus answers a one-element vector instead of nothing.
_VECTOR_DEFAULT = re.compile(r"\bor\s+(?:on\s*\([^)]*\)\s*)?vector\s*\(", re.IGNORECASE)
# The comparison applied to result[0]: `result[0] <= 0.01` or `0.01 >= result[0]`.
_UPPER_BOUND = re.compile(r"result\s*\[\s*0\s*\]\s*<|>\s*=?\s*result\s*\[\s*0\s*\]")
_LOWER_BOUND = re.compile(r"result\s*\[\s*0\s*\]\s*>|<\s*=?\s*result\s*\[\s*0\s*\]")


def _ratio_kind(query: str, args: dict[str, str]) -> str | None:
    """"ratio" when the query's top-level operation divides a subset of series by all of them (an error or
    success ratio: its numerator alone can be empty), "mean" for `x_sum / x_count` (both sides empty at once, so
    no default on one side helps), else None."""
    import promql_parser as pp


    text, _ = ph.substitute(query, args)
    try:
        node: Any = pp.parse(text)
    except ValueError:
        return None
    while isinstance(node, pp.ParenExpr):
        node = node.expr
    if not (isinstance(node, pp.BinaryExpr) and str(node.op) == "/"):
        return None
    numerator, denominator = _metric_names(node.lhs), _metric_names(node.rhs)
    if numerator and all(n.endswith("_sum") for n in numerator) and \
            {n[:-4] for n in numerator} == {d[:-6] for d in denominator if d.endswith("_count")}:
        return "mean"
    return "ratio"


def _metric_names(node: Any) -> set[str]:
    import promql_parser as pp

    names: set[str] = set()

    def visit(n: Any) -> None:
        if isinstance(n, pp.VectorSelector) and n.name:
            names.add(n.name)

    pp.walk(node, pre_visit=visit)
    return names


def empty_guard_advice(query: str, condition: str, field: str, kind: str | None) -> str:
    """The guard that fits: `or vector(0)` when no series means "nothing bad happened" (an upper bound on
    an error rate/count; `kind`: `_ratio_kind`), else a `len(result)` guard that decides what no data means."""
    upper = _UPPER_BOUND.search(condition) if field == "successCondition" else _LOWER_BOUND.search(condition)
    if upper and kind != "mean":
        if kind == "ratio":
            return ("default the numerator when no series matches: `(sum(rate(<errors>)) or vector(0)) / "
                    "sum(rate(<all>))`, or guard the condition with `len(result) == 0 || ...`")
        return "append `or vector(0)` to the query, or guard the condition with `len(result) == 0 || ...`"
    return ("guard the condition: `len(result) > 0 && ...` (no data fails the measurement) or "
            "`len(result) == 0 || ...` (no data passes)")


# A null point skipped before judging: filter(xs, .value != nil) or {.value == nil || ...}.
_MQE_NIL_GUARD = re.compile(r"filter\([^()]*\.value\s*!=\s*nil|\.value\s*==\s*nil\s*\|\|")


@register
class PrometheusEmptyResultUnguarded(Rule):
    """A condition indexes a Prometheus vector that is empty when no series matches.

    ## What it checks
    Prometheus metrics (instant queries) whose query returns a vector and whose `successCondition` or
    `failureCondition` reads `result[0]`, while neither the condition checks `len(result)` nor the query
    ends in `or vector(0)`.

    ## Why it matters
    A selector that matches no series yet (no 5xx responses from the canary, a canary that has just started)
    gives an empty vector. Argo Rollouts evaluates `result[0]` on it as an error, the measurement is `Error`,
    and after `consecutiveErrorLimit` (default 4) errors in a row the AnalysisRun errors and the rollout
    aborts a healthy release. The error ratio `sum(rate(5xx)) / sum(rate(all))` is the classic case: the
    numerator is empty while everything is fine.

    ## How to fix
    For an upper bound on errors, make no series mean zero: `sum(rate(...5xx...)) or vector(0)` (for a
    ratio, wrap the numerator). Otherwise decide what no data means in the condition:
    `len(result) > 0 && result[0] >= 0.95` (fail) or `len(result) == 0 || result[0] >= 0.95` (pass).
    `rolloutlint analysis eval TEMPLATE --empty` shows the outcome on an empty response.

    ## Upstream
    Mirrors Argo Rollouts' Prometheus provider (`processResponse`: a vector becomes `[]float64`) and expr's
    `index out of range` evaluation error (argo-rollouts issues 1466, 3503); the guard is the one the Argo
    Rollouts Prometheus documentation shows.
    """

    id = "RL443"
    name = "prometheus-empty-result-unguarded"
    severity = Severity.WARNING
    summary = "Condition indexes a Prometheus vector that is empty when no series matches"
    kinds = au.TEMPLATE_KINDS
    mirrors = "Argo Rollouts Prometheus provider: empty vector, expr `index out of range` -> measurement Error"

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:

        args = au.default_args(tmpl)
        known = {k: v for k, v in args.items() if v is not None}
        for i, m, pq in prometheus_metrics(tmpl):
            query = pq.get("query")
            if pq.get("rangeQuery") or not isinstance(query, str) or au.only_placeholders(query, args):
                continue
            if _VECTOR_DEFAULT.search(query) or prometheus.result_kind(query, known) != "vector":
                continue
            for field in ("successCondition", "failureCondition"):
                cond = as_str(m.get(field))
                if not cond or not _INDEXED.search(cond) or _LEN_GUARD.search(cond):
                    continue
                advice = empty_guard_advice(query, cond, field, _ratio_kind(query, known))
                yield self.report(tmpl, ("spec", "metrics", i, field),
                                  f"{field} reads result[0], but the query returns an empty vector when no series "
                                  "matches (e.g. no errors yet): the measurement errors and the rollout aborts after "
                                  f"consecutiveErrorLimit errors; {advice}")


# SkyWalking metric names are snake_case (`service_apdex`, `endpoint_sla`); GraphQL operation names are not.
_HIGHER_IS_BETTER = re.compile(r"\b([a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b")
_HIGHER_WORDS = ("apdex", "sla", "success")


@register
class SkyWalkingZeroFilledPointsFail(Rule):
    """A "higher is better" SkyWalking condition fails on minutes without data.

    ## What it checks
    SkyWalking metrics whose query reads apdex or a success rate (`*_apdex`, `*_sla`, `*success*`) and
    whose `successCondition` bounds it from below (`>`, `>=`) or whose `failureCondition`
    bounds it from above (`<`, `<=`), while neither the query nor the condition looks at `isEmptyValue`.

    ## Why it matters
    SkyWalking fills minutes without data with `value: 0` (`isEmptyValue: true`) and no error. On a quiet
    minute (a canary at 5% weight, a service that is idle at night) `0 >= 9900` is false: the measurement
    fails, and after `failureLimit` failures the rollout is rolled back although the canary served every
    request it received. RL439 is the mirror case for latency.

    ## How to fix
    With MQE (`execExpression`) a minute without data is a null value rather than a zero-filled point; a
    condition that turns a null point into `false` inside `all()` fails the same way.

    Select `isEmptyValue` (or, with MQE, filter out null values) and judge only the points with data, e.g.
    `all(filter(xs, !.isEmptyValue), {.value >= 9900})`, and decide explicitly what a window without any data
    means (`len(filter(xs, !.isEmptyValue)) == 0 || ...`).

    ## Upstream
    Derived from SkyWalking `MetricsQuery.readMetricsValues` / MQE (zero-filled points for empty buckets,
    flagged `isEmptyValue`).
    """

    id = "RL445"
    name = "skywalking-zero-filled-points-fail"
    severity = Severity.WARNING
    summary = "Apdex/success-rate condition fails on SkyWalking's zero-filled empty points"
    kinds = au.TEMPLATE_KINDS

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        for i, m, sw in skywalking_metrics(tmpl):
            query = sw.get("query")
            if not isinstance(query, str) or "isEmptyValue" in query:
                continue
            names = sorted({n for n in _HIGHER_IS_BETTER.findall(query)
                            if any(w in n.split("_") for w in _HIGHER_WORDS)})
            if not names:
                continue
            # MQE (execExpression) gives null, not a zero-filled point, for a minute without data: the harm is
            # the same when the condition turns a null point into false inside all().
            mqe = "execExpression" in query
            for field in ("successCondition", "failureCondition"):
                cond = m.get(field)
                if not isinstance(cond, str) or "isEmptyValue" in cond or (mqe and _MQE_NIL_GUARD.search(cond)):
                    continue
                bound = re.search(r">=?", cond) if field == "successCondition" else re.search(r"<=?(?!=)", cond)
                if bound:
                    why = ("MQE returns null for minutes without data, so a quiet minute fails the measurement; "
                           "judge only points with data, e.g. all(filter(xs, .value != nil), {...})" if mqe else
                           "SkyWalking reports minutes without data as 0 with isEmptyValue: true, so a quiet minute "
                           "fails the measurement; select isEmptyValue and judge only points with data")
                    yield self.report(tmpl, ("spec", "metrics", i, field),
                                      f"{field} bounds {', '.join(names)} from below, but {why}")
                    break
