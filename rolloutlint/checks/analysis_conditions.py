"""RL42x: successCondition / failureCondition, compiled with rolloutlint.expr and checked against the
shape of the result the metric's provider hands to the condition."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rolloutlint.views import analysis as au
from rolloutlint.core.findings import Report, Severity
from rolloutlint.core.model import Resource, as_dict, as_str
from rolloutlint.providers import placeholders as ph
from rolloutlint.core.rule import Rule, register
from rolloutlint.core import memo
from rolloutlint.providers import skywalking
from rolloutlint.providers import prometheus


if TYPE_CHECKING:
    from rolloutlint.core.rule import Context

CONDITIONS = ("successCondition", "failureCondition")


@dataclass
class Compiled:
    field: str
    source: str  # as written
    text: str  # after placeholder substitution
    reps: list[Any]
    syntax: Any  # ExprSyntaxError | None
    plain: list[Any]  # check() findings without a result shape
    shaped: list[Any]  # check() findings only the provider's result shape produces
    shape_note: str
    owner: Any = None  # the template, for file lines of multi-line conditions
    path: tuple = ()


def inner_of(c: Compiled, pos: int) -> tuple[int, int]:
    """(line, column) in the condition as written, for an offset in the substituted text."""
    off = ph.original_offset(c.reps, max(0, min(pos, len(c.text))))
    return ph.line_col(c.source, off)


def where(c: Compiled, pos: int) -> str:
    line, col = inner_of(c, pos)
    if "\n" not in c.source.strip():
        return f"at column {col} of the condition"
    return f"at line {line}, column {col} of the condition"


def provider_shape(metric: dict[str, Any], args: dict[str, str | None]) -> tuple[Any, str]:
    """(result shape for expr.check, description of where it comes from) or (None, "")."""
    prov = as_dict(metric.get("provider"))
    known = {k: v for k, v in args.items() if v is not None}
    if isinstance(prov.get("prometheus"), dict):

        pq = prov["prometheus"]
        if pq.get("rangeQuery"):
            return ["float64"], "a Prometheus range query gives a list of numbers"
        query = as_str(pq.get("query"))
        if au.only_placeholders(query, args):
            return None, ""
        kind = prometheus.result_kind(query, known) if query else None
        if kind == "scalar":
            return "float64", "the Prometheus query returns a scalar, so result is one number (use result, not result[0])"
        if kind in ("vector", "matrix"):
            return ["float64"], f"the Prometheus query returns a {kind}, so result is a list of numbers (use result[0] or all(result, ...))"
        return None, ""
    if isinstance(prov.get("skywalking"), dict):

        query = as_str(prov["skywalking"].get("query"))
        if au.only_placeholders(query, args):
            return None, ""
        shape = skywalking.result_shape(query, known) if query else None
        if isinstance(shape, dict):
            keys = ", ".join(sorted(shape)) or "none"
            return shape, f"the SkyWalking query's result is the GraphQL data object with top-level keys: {keys}"
    return None, ""


def compile_metric(tmpl: Resource, metric: dict[str, Any], index: int | None = None) -> list[Compiled]:
    """Parse and check both conditions of a metric, once per metric (keyed by the metric's dict)."""
    return memo.for_resource(tmpl, "analysis_conditions.compile_metric", id(metric),
                             lambda: _compile_metric(tmpl, metric, index))


def _compile_metric(tmpl: Resource, metric: dict[str, Any], index: int | None) -> list[Compiled]:
    from rolloutlint import expr  # only projects with analysis pay for the condition engine's import

    args = au.default_args(tmpl)
    known = {k: v for k, v in args.items() if v is not None}
    shape, note = provider_shape(metric, args)
    out: list[Compiled] = []
    for field in CONDITIONS:
        source = metric.get(field)
        if not isinstance(source, str) or not source.strip():
            continue
        text, reps = ph.substitute_detailed(source, known)
        syntax = None
        plain: list[Any] = []
        shaped: list[Any] = []
        node = None
        try:
            node = expr.parse(text)  # parsed once: both checks below read this tree
        except expr.ExprSyntaxError as exc:
            syntax = exc
        except RecursionError:
            syntax = expr.ExprSyntaxError("expression too deeply nested", 0)
        if syntax is None:
            plain = list(expr.check(text, node=node))
            if shape is not None:
                seen = {(e.message, e.pos) for e in plain}
                shaped = [e for e in expr.check(text, result_shape=shape, node=node) if (e.message, e.pos) not in seen]
        path = ("spec", "metrics", index, field) if index is not None else ()
        out.append(Compiled(field, source, text, reps, syntax, plain, shaped, note, tmpl if index is not None else None, path))
    return out


def _in_dummy(c: Compiled, pos: int) -> bool:
    rep = ph.replacement_at(c.reps, pos)
    return rep is not None and not rep.resolved


def condition_problems(tmpl: Resource, lists: tuple[str, ...], *, errors: bool) -> Iterator[tuple[int, Compiled, Any]]:
    """(metric index, compiled condition, problem) from the conditions' `plain`/`shaped` problem lists:
    with `errors`, the errors outside placeholder stand-ins (a dummy value is not the user's mistake);
    otherwise the non-error notes."""
    for i, m in au.metrics(tmpl):
        for c in compile_metric(tmpl, m, i):
            for e in [e for name in lists for e in getattr(c, name)]:
                is_error = getattr(e, "severity", "error") == "error"
                if (is_error and not _in_dummy(c, e.pos)) if errors else not is_error:
                    yield i, c, e


def report_problem(rule: Rule, tmpl: Resource, i: int, c: Compiled, e: Any, suffix: str = "") -> Report:
    return rule.report(tmpl, ("spec", "metrics", i, c.field), f"{c.field}: {e.message} {where(c, e.pos)}{suffix}",
                       inner=inner_of(c, e.pos))


@register
class AnalysisConditionSyntaxError(Rule):
    """A successCondition or failureCondition is not a valid expr-lang expression.

    ## What it checks
    Both conditions of every metric are parsed as the expr language Argo Rollouts uses (after substituting
    `{{args.*}}` with the template's defaults, or with neutral dummies). The message gives the column inside
    the condition.

    ## Why it matters
    Every measurement errors with `could not evaluate successCondition "...": unexpected token ...`; after
    `consecutiveErrorLimit` (default 4) errors the AnalysisRun fails and the rollout aborts.

    ## How to fix
    Fix the expression at the reported column (unbalanced brackets, `=` instead of `==`, a stray operator).
    `rolloutlint analysis eval` runs the condition against a recorded provider response.

    ## Upstream
    Mirrors expr-lang's compiler as called by Argo Rollouts `EvalCondition` (`could not evaluate
    successCondition ...`).
    """

    id = "RL420"
    name = "analysis-condition-syntax-error"
    severity = Severity.ERROR
    summary = "Condition is not a valid expr-lang expression"
    kinds = au.TEMPLATE_KINDS
    mirrors = "Argo Rollouts EvalCondition / expr compile: `unexpected token ...`"

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        for i, m in au.metrics(tmpl):
            for c in compile_metric(tmpl, m, i):
                if c.syntax is not None:
                    yield self.report(tmpl, ("spec", "metrics", i, c.field),
                                      f"{c.field} does not parse: {c.syntax.message} {where(c, c.syntax.pos)}", inner=inner_of(c, c.syntax.pos))


@register
class AnalysisConditionInvalid(Rule):
    """A condition parses but cannot compile or always errors: unknown names, type errors, non-bool result.

    ## What it checks
    The static checks the expr compiler applies with Argo's environment (`result`, `asInt`, `asFloat`,
    `isNaN`, `isInf`, `isNil`, `default` and the expr builtins): unknown variables or functions, wrong
    argument counts, operators on incompatible literal types, predicates outside `all`/`any`/...,
    and a result that is not a boolean.

    ## Why it matters
    The measurement phase is `Error` (`could not evaluate successCondition "...": unknown name x`) on every
    run; the analysis fails after `consecutiveErrorLimit` errors without ever judging the canary.

    ## How to fix
    Use only `result` and the functions above; compare values of one type; make the whole condition a
    boolean.

    ## Upstream
    Mirrors expr-lang `expr.Compile(condition, expr.Env(env))` as run by Argo Rollouts `EvalCondition`.
    """

    id = "RL421"
    name = "analysis-condition-invalid"
    severity = Severity.ERROR
    summary = "Condition does not compile in Argo's expression environment"
    kinds = au.TEMPLATE_KINDS
    mirrors = "expr-lang compile errors as reported by Argo Rollouts: `unknown name x`"

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        for i, c, e in condition_problems(tmpl, ("plain",), errors=True):
            yield report_problem(self, tmpl, i, c, e)


@register
class AnalysisConditionResultMismatch(Rule):
    """A condition reads the provider's result in a way that the result's shape does not allow.

    ## What it checks
    The result a provider hands to the condition is known from the query: Prometheus gives one number for
    a scalar query (`scalar(...)`, a number) and a list of numbers for vector or matrix
    queries; SkyWalking gives the GraphQL `data` object, keyed by the query's aliases, with the fields the
    query selects. Conditions are checked against that shape: `result[0]` on a scalar, `result >= 0.95` on
    a vector, `result.apdex...` when the query's alias is `service_apdex`, a field the query does not
    select, and similar.

    ## Why it matters
    Argo compiles the condition against the actual result: `type float64[int] is undefined`, or at run
    time `cannot fetch apdex from map`; every measurement errors and the analysis fails after
    `consecutiveErrorLimit` errors. Some mismatches (a missing field compared with `<=`) silently evaluate
    on `nil`.

    ## How to fix
    Index vectors (`result[0]`), compare scalars directly (`result`), and follow the query's aliases and
    selected fields (`result.<alias>.values.values`).

    ## Upstream
    Mirrors the expr-lang compile and run errors Argo Rollouts reports for a condition (`type float64[int]
    is undefined`), given the provider's result shape (Prometheus `processResponse`, SkyWalking GraphQL
    `data`).
    """

    id = "RL422"
    name = "analysis-condition-result-mismatch"
    severity = Severity.ERROR
    summary = "Condition does not fit the shape of the provider's result"
    kinds = au.TEMPLATE_KINDS
    mirrors = "expr-lang via Argo Rollouts EvalCondition: `type float64[int] is undefined`"

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        for i, c, e in condition_problems(tmpl, ("shaped",), errors=True):
            yield report_problem(self, tmpl, i, c, e, suffix=f"; {c.shape_note}")


@register
class AnalysisConditionSuspicious(Rule):
    """A condition compiles but does not do what it reads like.

    ## What it checks
    Legal but misleading constructs, notably Argo's `isNil(x)` and `default(x, d)`, which ignore their
    first argument and always look at the whole `result` (`default(result.x, 0)` returns the whole result,
    not `result.x`), and other warnings of the expression checker.

    ## Why it matters
    The condition tests something else than intended: a guard that never guards, or a default that replaces
    the whole result, so analyses pass or fail for the wrong reason.

    ## How to fix
    Use `result.x == nil` / `result.x ?? 0` for fields; keep `isNil(result)` and `default(result, 0)` for
    the whole result.

    ## Upstream
    Derived from Argo Rollouts `utils/evaluate/evaluate.go` (`isNilFunc`, `defaultFunc` ignore their
    argument).
    """

    id = "RL423"
    name = "analysis-condition-suspicious"
    severity = Severity.WARNING
    summary = "Condition uses a construct that does not do what it reads like"
    kinds = au.TEMPLATE_KINDS

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        for i, c, e in condition_problems(tmpl, ("plain", "shaped"), errors=False):
            yield report_problem(self, tmpl, i, c, e)
