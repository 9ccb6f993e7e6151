"""RL41x: metric settings the analysis controller validates, and logical traps in them (RL417: conditions a job
metric never evaluates)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from rolloutlint.core import goduration
from rolloutlint.views import analysis as au
from rolloutlint.core.findings import RelatedRef, Report, Severity
from rolloutlint.core.model import Resource, as_dict, as_list, as_str
from rolloutlint.core.rule import Rule, register

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context

DUMMY = "dummy-value"  # Argo's setArgValuePlaceHolder value for args without a value


def resolve(value: Any, args: Mapping[str, str | None]) -> tuple[Any, bool]:
    """Substitute `{{args.x}}` with known values; (text, True) when some tag stayed unresolved."""
    if not isinstance(value, str) or "{{" not in value:
        return value, False
    unresolved = False

    def sub(m: re.Match) -> str:
        nonlocal unresolved
        tag = m.group(1).strip()
        val = args.get(tag[5:]) if tag.startswith("args.") else None
        if val is None:
            unresolved = True
            return m.group(0)
        return val

    return au.TAG_RE.sub(sub, value), unresolved


PROVIDER_SEVERITY = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO}


def severity_override(rule: Rule, level: str) -> Severity | None:
    """A provider problem's own severity when it differs from the rule's default (None: the default)."""
    sev = PROVIDER_SEVERITY[level]
    return sev if sev != rule.severity else None


def address_reports(rule: Rule, tmpl: Resource, provider: str, metrics: Iterator[tuple[int, Any, dict[str, Any]]],
                    validate: Callable[[object], list[Any]]) -> Iterator[Report]:
    """The provider's checks on each metric's `provider.<provider>.address`, after substituting the
    template's default args; an address whose scheme is still a placeholder is only known at run time."""
    for i, _, block in metrics:
        value = block.get("address")
        if isinstance(value, str) and "{{" in value:
            value, unresolved = resolve(value, au.default_args(tmpl))
            if unresolved and "://" not in value.split("{{", 1)[0]:
                continue
        for p in validate(value):
            yield rule.report(tmpl, ("spec", "metrics", i, "provider", provider, "address"), p.message,
                              severity=severity_override(rule, p.severity))


LIMITS = ("failureLimit", "consecutiveSuccessLimit", "inconclusiveLimit", "consecutiveErrorLimit", "count")


def metric_ints(metric: dict[str, Any], args: dict[str, str | None]) -> dict[str, int | None]:
    """IntOrString fields as Argo's IntValue() reads them; None when absent or not known statically."""
    out: dict[str, int | None] = {}
    for key in LIMITS:
        raw, unresolved = resolve(metric.get(key), args)
        out[key] = None if unresolved else au.int_value(raw)
    return out


@register
class AnalysisMetricLimitsInvalid(Rule):
    """A metric's count and limits break the rules the analysis controller enforces.

    ## What it checks
    After substituting argument defaults: the template has at least one metric (or nested templates);
    `consecutiveSuccessLimit`, `inconclusiveLimit`, `consecutiveErrorLimit` ≥ 0 and `failureLimit` ≥ -1;
    `failureLimit: -1` needs `consecutiveSuccessLimit` > 0; with `count` > 0, `count` ≥ `failureLimit` +
    `consecutiveSuccessLimit` (or ≥ `consecutiveSuccessLimit` when failureLimit is -1) and ≥
    `inconclusiveLimit`; `count` > 1 needs an `interval`.

    ## Why it matters
    The AnalysisRun goes straight to phase `Error` with `Analysis spec invalid: metrics[0]: ...`, which
    aborts the rollout step that started it.

    ## How to fix
    Raise `count`, lower the limits, or add `interval` as the message says.

    ## Upstream
    Mirrors Argo Rollouts `ValidateMetric` (`count (1) must be >= failureLimit + consecutiveSuccessLimit (2 +
    0) if both >= 0`, `interval must be specified when count > 1`, `failureLimit must be >= 0, or -1 to be
    disabled`, ... and `no metrics specified`).
    """

    id = "RL410"
    name = "analysis-metric-limits-invalid"
    severity = Severity.ERROR
    summary = "Metric count and limits fail the analysis controller's validation"
    kinds = au.TEMPLATE_KINDS
    mirrors = "Argo Rollouts ValidateMetric: `metrics[0]: interval must be specified when count > 1`"

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        spec = tmpl.spec
        if not isinstance(tmpl.body.get("spec"), dict):
            return  # missing or mistyped spec: the schema rules report it
        if not as_list(spec.get("metrics")) and not as_list(spec.get("templates")):
            yield self.report(tmpl, ("spec", "metrics"), "no metrics specified; the AnalysisRun errors without measuring")
            return
        args = au.default_args(tmpl)
        for i, m in au.metrics(tmpl):
            p = ("spec", "metrics", i)
            v = metric_ints(m, args)
            fl = v["failureLimit"] if v["failureLimit"] is not None or m.get("failureLimit") is not None else 0
            csl = v["consecutiveSuccessLimit"] if m.get("consecutiveSuccessLimit") is not None else 0
            il, cel, count = v["inconclusiveLimit"], v["consecutiveErrorLimit"], v["count"]
            pre = f"metrics[{i}]: "
            if csl is not None and csl < 0:
                yield self.report(tmpl, p + ("consecutiveSuccessLimit",), pre + "consecutiveSuccessLimit must be >= 0")
            if fl is not None and fl < -1:
                yield self.report(tmpl, p + ("failureLimit",), pre + "failureLimit must be >= 0, or -1 to be disabled")
            if csl == 0 and fl == -1:
                yield self.report(tmpl, p + ("failureLimit",), pre + "failureLimit and consecutiveSuccessLimit cannot both be "
                                  "disabled; the metric could never succeed or fail")
            if il is not None and il < 0:
                yield self.report(tmpl, p + ("inconclusiveLimit",), pre + "inconclusiveLimit must be >= 0")
            if cel is not None and cel < 0:
                yield self.report(tmpl, p + ("consecutiveErrorLimit",), pre + "consecutiveErrorLimit must be >= 0")
            if count is not None and count > 0:
                if fl is not None and csl is not None and fl >= 0 and csl >= 0 and count < fl + csl:
                    yield self.report(tmpl, p + ("count",), pre + f"count ({count}) must be >= failureLimit + "
                                      f"consecutiveSuccessLimit ({fl} + {csl}) if both >= 0")
                elif fl is not None and csl is not None and fl < 0 and count < csl:
                    yield self.report(tmpl, p + ("count",), pre + "count must be >= consecutiveSuccessLimit")
                if il is not None and count < il:
                    yield self.report(tmpl, p + ("count",), pre + "count must be >= inconclusiveLimit")
                if count > 1 and not m.get("interval"):
                    yield self.report(tmpl, p + ("count",), pre + "interval must be specified when count > 1")


@register
class AnalysisDurationInvalid(Rule):
    """A metric's `interval` or `initialDelay` is not a Go duration.

    ## What it checks
    `spec.metrics[].interval` and `initialDelay` (after substituting argument defaults) must parse with Go's
    `time.ParseDuration`: a number and a unit among ns, us, ms, s, m, h (`30s`, `5m`, `1h30m`). Days (`1d`)
    and bare numbers are not durations.

    ## Why it matters
    The AnalysisRun errors with `Analysis spec invalid: metrics[0]: invalid interval string: time: unknown
    unit "d" in duration "1d"` (the initialDelay message says `startDelay`).

    ## How to fix
    Write the duration with Go units, e.g. `24h` instead of `1d`, `60s` instead of `60`.

    ## Upstream
    Mirrors Argo Rollouts `ValidateMetric`: `invalid interval string: <Go error>` / `invalid startDelay string: <Go error>`.
    """

    id = "RL411"
    name = "analysis-duration-invalid"
    severity = Severity.ERROR
    summary = "Metric interval or initialDelay is not a Go duration"
    kinds = au.TEMPLATE_KINDS
    mirrors = "Argo Rollouts ValidateMetric: `metrics[0]: invalid interval string: time: ...`"

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        args = au.default_args(tmpl)
        for i, m in au.metrics(tmpl):
            for key, label in (("interval", "interval"), ("initialDelay", "startDelay")):
                raw = m.get(key)
                if raw is None or raw == "":
                    continue
                text, unresolved = resolve(raw, args)
                if unresolved or not isinstance(text, str):
                    continue
                err = goduration.error(text)
                if err is not None:
                    hint = " (Go durations have no d unit: use 24h)" if re.search(r"[0-9]d", text) else ""
                    yield self.report(tmpl, ("spec", "metrics", i, key), f"metrics[{i}]: invalid {label} string: {err}{hint}")


@register
class AnalysisMetricRunsForever(Rule):
    """An inline analysis step or promotion analysis runs a metric with no count, so it never completes.

    ## What it checks
    For analysis steps (`steps[].analysis`) and blueGreen `prePromotionAnalysis`/`postPromotionAnalysis`,
    every metric of every merged template: a metric with an `interval` and no `count` (or count 0) repeats
    forever. As the controller does, arguments without a default are replaced by the placeholder
    `dummy-value` first, so `count: "{{args.count}}"` without a default value counts as 0 even when the
    Rollout passes the argument. Background analysis (`canary.analysis`) may run forever and is not
    reported.

    Reported at the usage's `templateName` in the Rollout (the usage decides whether a metric may run forever);
    the template's metric is related.

    ## Why it matters
    The Rollout is `InvalidSpec`: `AnalysisTemplate tmpl has metric m which runs indefinitely. Invalid value
    for count: <nil>`, and the rollout does not progress.

    ## How to fix
    Set `count` on the metric (or remove `interval` for a single measurement), give a templated count a
    default `value` in the template, or move the analysis to background analysis.

    ## Upstream
    Mirrors Argo Rollouts `validateAnalysisMetrics`: `AnalysisTemplate %s has metric %s which runs
    indefinitely. Invalid value for count: %s`.
    """

    id = "RL412"
    name = "analysis-metric-runs-forever"
    severity = Severity.ERROR
    summary = "Inline or promotion analysis metric has no count and never completes"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Argo Rollouts: `AnalysisTemplate t has metric m which runs indefinitely. Invalid value for count: <nil>`"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        for usage in au.rollout_usages(ro):
            if not usage.runs_to_completion:
                continue
            flat = au.cached_flatten(ctx, usage)
            for tmpl in flat.templates:
                args = {k: (v if v is not None else DUMMY) for k, v in au.default_args(tmpl).items()}
                for i, m in au.metrics(tmpl):
                    interval, _ = resolve(m.get("interval"), args)
                    if not interval:
                        continue
                    raw = m.get("count")
                    if raw is not None and (isinstance(raw, bool) or not isinstance(raw, (int, str))):
                        continue  # mistyped: the schema rules report it
                    count, unresolved = resolve(raw, args)
                    if unresolved:
                        continue
                    if count is not None and au.int_value(count) not in (0, None):
                        continue
                    shown = "<nil>" if count is None else str(count)
                    hint = ""
                    if isinstance(raw, str) and "{{" in raw:
                        hint = (f" (count is {raw.strip()} and the argument has no default, so Argo validates it as "
                                f"{DUMMY}; give the argument a default value in the template)")
                    ref = next((r for r in usage.refs if any(t is tmpl for t in au.flatten(ctx, [r], ro.namespace, ro).templates)), usage.refs[0])
                    yield self.report(ro, ref.path + ("templateName",),
                                      f"{tmpl.kind} {tmpl.name} has metric {m.get('name')} which runs indefinitely in this "
                                      f"{usage.label()}. Invalid value for count: {shown}{hint}",
                                      related=[RelatedRef(tmpl, ("spec", "metrics", i), f"metric {m.get('name')} has interval {interval} and no count")])


@register
class AnalysisFailureLimitUnreachable(Rule):
    """`failureLimit` is at least `count`, so the metric can never fail.

    ## What it checks
    Metrics with a known `count` > 0 and `failureLimit` ≥ `count`. A metric is Failed only when its failed
    measurements exceed `failureLimit`; with at most `count` measurements that cannot happen.

    ## Why it matters
    A broken canary passes the analysis: every measurement may fail and the AnalysisRun still ends
    Successful (or Inconclusive), so the rollout is promoted instead of aborted.

    ## How to fix
    Lower `failureLimit` below `count` (e.g. `count: 5`, `failureLimit: 1`), or raise `count`. Use
    `failureLimit: -1` with `consecutiveSuccessLimit` when failures should really be ignored.

    ## Upstream
    Not reported by Argo Rollouts (RO527 only requires count ≥ failureLimit + consecutiveSuccessLimit);
    derived from the analysis controller's `failed > failureLimit` test.
    """

    id = "RL413"
    name = "analysis-failure-limit-unreachable"
    severity = Severity.WARNING
    summary = "failureLimit is at least count; the metric can never fail"
    kinds = au.TEMPLATE_KINDS

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        args = au.default_args(tmpl)
        for i, m in au.metrics(tmpl):
            v = metric_ints(m, args)
            count, fl = v["count"], v["failureLimit"]
            if count is not None and count > 0 and fl is not None and fl >= count:
                yield self.report(tmpl, ("spec", "metrics", i, "failureLimit"),
                                  f"failureLimit {fl} >= count {count}: at most {count} measurements can fail, and the metric "
                                  f"fails only when failures exceed {fl}, so it can never fail")


@register
class AnalysisConditionsMissing(Rule):
    """A metric has neither `successCondition` nor `failureCondition`.

    ## What it checks
    Metrics of value-returning providers (Prometheus, SkyWalking, Web, Datadog, New Relic, CloudWatch,
    Wavefront, InfluxDB, Graphite) without any condition. Job, Kayenta and plugin metrics decide success
    themselves and are not reported.

    ## Why it matters
    With no condition every measurement that returns is Successful, whatever the value: the analysis
    only checks that the metric backend answers, and a failing canary is promoted.

    ## How to fix
    Add a `successCondition` (e.g. `result[0] >= 0.95`) and/or a `failureCondition`.

    ## Upstream
    Derived from Argo Rollouts `EvaluateResult` (no condition: `AnalysisPhaseSuccessful`).
    """

    id = "RL414"
    name = "analysis-conditions-missing"
    severity = Severity.WARNING
    summary = "Metric has no successCondition or failureCondition"
    kinds = au.TEMPLATE_KINDS

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        for i, m in au.metrics(tmpl):
            prov = au.provider_name(m)
            if prov not in au.VALUE_PROVIDERS or not isinstance(as_dict(m.get("provider")).get(prov), dict):
                continue
            if not m.get("successCondition") and not m.get("failureCondition"):
                yield self.report(tmpl, ("spec", "metrics", i, "name"),
                                  f"metric {m.get('name')} ({prov}) has no successCondition or failureCondition; every "
                                  "measurement is Successful whatever the value")


@register
class AnalysisJobConditionIgnored(Rule):
    """A Job metric sets a `successCondition` or `failureCondition`, which Argo Rollouts never evaluates.

    ## What it checks
    Metrics whose provider is `job` and that set either condition.

    Reported at the condition.

    ## Why it matters
    A Job metric is Successful when the Job completes with exit code 0 and Failed otherwise; the job provider
    returns no value to evaluate, so the condition is ignored. A template that relies on it to fail the
    canary (or to pass a flaky check) does nothing of the kind.

    ## How to fix
    Remove the condition and make the Job's command exit non-zero when the check fails (e.g. `curl --fail`,
    `test ... || exit 1`), or move the check to a value-returning provider (web, Prometheus) with a condition.

    ## Upstream
    Mirrors the Argo Rollouts job provider (`metricproviders/job`: the measurement's phase is the Job's
    completion; docs "Job Metrics": successful if the Job completes with exit code zero, otherwise failed).
    """

    id = "RL417"
    name = "analysis-job-condition-ignored"
    severity = Severity.WARNING
    summary = "Job metric condition is ignored: the Job's exit code decides"
    kinds = au.TEMPLATE_KINDS
    mirrors = "Argo Rollouts job provider: the metric is successful if the Job completes with exit code zero"

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        for i, m in au.metrics(tmpl):
            if au.provider_name(m) != "job":
                continue
            for field in ("successCondition", "failureCondition"):
                if as_str(m.get(field)):
                    yield self.report(tmpl, ("spec", "metrics", i, field),
                                      f"{field} of job metric {m.get('name')} is never evaluated: the metric succeeds "
                                      "when the Job exits 0 and fails otherwise; make the Job's command exit non-zero "
                                      "on failure instead")


def _pattern_problems(entries: list[Any], names: list[str], field: str) -> Iterator[tuple[int, str]]:
    for j, e in enumerate(entries):
        pat = as_str(as_dict(e).get("metricName"))
        if pat is None:
            continue
        try:
            rx = re.compile(pat)
        except re.error as exc:
            hint = " (use .* for every metric; * alone is not a regular expression)" if pat.strip().startswith("*") else ""
            yield j, f"{field}[{j}]: metricName {pat!r} is not a valid regular expression: {exc}{hint}"
            continue
        if names and not any(rx.search(n) for n in names):
            yield j, f"{field}[{j}]: Rule didn't match any metric name(s) (pattern {pat!r}; metrics: {', '.join(names)})"


@register
class AnalysisMetricPatternUnmatched(Rule):
    """A `dryRun` or `measurementRetention` metricName matches no metric, or is not a regular expression.

    ## What it checks
    `dryRun[].metricName` and `measurementRetention[].metricName` of templates (against the template's own
    and nested metrics) and of Rollout/Experiment analysis usages (against all merged metrics). Names are
    regular expressions matched anywhere in the metric name (unanchored: `rate` also matches `error-rate`).

    Reported at the `metricName` of the `dryRun` / `measurementRetention` entry, in the template or the usage
    that lists it; nothing is related.

    ## Why it matters
    The AnalysisRun errors with `dryRun[0]: Rule didn't match any metric name(s)` (same for
    `measurementRetention`); an invalid expression such as `*` errors as well.

    ## How to fix
    Use an existing metric name (or `.*` for all metrics); anchor it (`^rate$`) when you mean one metric.

    ## Upstream
    Mirrors Argo Rollouts `GetDryRunMetrics` / `GetMeasurementRetentionMetrics`: `dryRun[0]: Rule didn't match
    any metric name(s)`.
    """

    id = "RL415"
    name = "analysis-metric-pattern-unmatched"
    severity = Severity.ERROR
    summary = "dryRun or measurementRetention metricName matches no metric"
    kinds = ("AnalysisTemplate", "ClusterAnalysisTemplate", "Rollout", "Experiment")
    cross_resource = True
    mirrors = "Argo Rollouts: `dryRun[0]: Rule didn't match any metric name(s)`"

    def check(self, res: Resource, ctx: "Context") -> Iterator[Report]:
        if res.kind in au.TEMPLATE_KINDS:
            if not as_list(res.spec.get("dryRun")) and not as_list(res.spec.get("measurementRetention")):
                return  # no pattern to match: skip merging the metrics of every template run with this one
            flat = au.flatten(ctx, [au.TemplateRef(res.name, res.kind == "ClusterAnalysisTemplate", ())], res.namespace, res)
            templates = list(flat.templates) if any(t is res for t in flat.templates) else [res]
            # The AnalysisRun holds the metrics of every template run together with this one as well.
            for _, used in au.usages_of_template(ctx, res):
                templates += [t for t in used.templates if not any(t is x for x in templates)]
            names = [n for t in templates for _, m in au.metrics(t) if (n := as_str(m.get("name")))]
            if not flat.complete and len(templates) > 1:
                names = []  # partial view: only report invalid expressions
            for field in ("dryRun", "measurementRetention"):
                for j, msg in _pattern_problems(as_list(res.spec.get(field)), names, field):
                    yield self.report(res, ("spec", field, j, "metricName"), msg)
            return
        done: set[tuple] = set()
        for usage in au.usages(res):
            if not usage.dry_run and not usage.retention:
                continue
            flat = au.cached_flatten(ctx, usage)
            names = [n for t in flat.templates for _, m in au.metrics(t) if (n := as_str(m.get("name")))]
            if not flat.complete:
                names = []
            base = usage.path[:-2] if usage.kind == "experiment" else usage.path
            for field, entries in (("dryRun", usage.dry_run), ("measurementRetention", usage.retention)):
                for j, msg in _pattern_problems(entries, names, field):
                    key = (base, field, j)
                    if key in done:
                        continue
                    done.add(key)
                    yield self.report(res, base + (field, j, "metricName"), msg)


@register
class AnalysisProviderCount(Rule):
    """A metric has no provider, or more than one.

    ## What it checks
    `spec.metrics[].provider` must set exactly one provider (prometheus, skywalking, web, job, datadog,
    newRelic, cloudWatch, wavefront, kayenta, influxdb, graphite, or one `plugin` entry). Providers
    rolloutlint does not know are counted, never rejected.

    ## Why it matters
    The AnalysisRun errors: `metrics[0]: no provider specified` / `metrics[0]: multiple providers specified`.

    ## How to fix
    Keep one provider per metric; split the others into their own metrics.

    ## Upstream
    Mirrors Argo Rollouts `ValidateMetric`: `no provider specified` / `multiple providers specified`.
    """

    id = "RL416"
    name = "analysis-provider-count"
    severity = Severity.ERROR
    summary = "Metric sets no provider or several providers"
    kinds = au.TEMPLATE_KINDS
    mirrors = "Argo Rollouts ValidateMetric: `metrics[0]: no provider specified` / `multiple providers specified`"

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        for i, m in au.metrics(tmpl):
            prov = m.get("provider")
            if not isinstance(prov, dict):
                continue  # missing or mistyped: the schema rules report it
            names: list[str] = []
            for k, v in prov.items():
                if v is None:
                    continue
                if k == "plugin" and isinstance(v, dict):
                    names.extend(f"plugin {p}" for p in v)
                else:
                    names.append(k)
            if not names:
                yield self.report(tmpl, ("spec", "metrics", i, "provider"), f"metrics[{i}]: no provider specified", key=True)
            elif len(names) > 1:
                yield self.report(tmpl, ("spec", "metrics", i, "provider"),
                                  f"metrics[{i}]: multiple providers specified ({', '.join(names)})", key=True)
