"""Replay a recorded series of provider responses through an AnalysisRun, as the Argo Rollouts analysis
controller runs it (`rolloutlint analysis replay`).

Each measurement is judged as `analysis eval` judges one (rolloutlint.analysis_eval); this module adds the
run around it, after argo-rollouts `analysis/analysis.go`:

- scheduling (`generateMetricTasks`): the first measurement at `initialDelay` (default 0), then one every
  `interval` after the previous one finished; without `interval`, an errored measurement is retried after
  10 s. Measurements finish instantly here.
- counting (`runMeasurements`): Successful, Failed and Inconclusive measurements count towards `count` and
  reset the consecutive error counter; an Error does not count and increments it.
- `EffectiveCount`: `count` unset or 0 means 1 without `interval`, forever with one.
- metric phase (`assessMetricStatus`), checked in this order after each measurement: failed > failureLimit
  (default 0; -1 disables it) → Failed; with `consecutiveSuccessLimit` > 0, that many Successful in a row →
  Successful; inconclusive > inconclusiveLimit (default 0) → Inconclusive; consecutive errors >
  consecutiveErrorLimit (default 4) → Error; count reached → Successful (Failed when only
  consecutiveSuccessLimit applies and was not reached, Inconclusive when both limits apply and neither was
  reached, as the Argo Rollouts analysis documentation describes for v1.8).
- the run (`asssessRunStatus`): Running until every metric completes, then the worst phase (Error > Failed >
  Inconclusive > Successful) of the metrics not in dry-run mode (`dryRun[].metricName`, an unanchored
  regexp). Once such a metric completes Failed, Error or Inconclusive the run is terminating
  (`IsTerminating`): no further measurements, and metrics still running complete Successful.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rolloutlint import analysis_eval as ae
from rolloutlint.core.model import Resource, as_dict, as_str

DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4
ERROR_RETRY_SECONDS = 10.0
_WORSE = {ae.SUCCESSFUL: 0, ae.INCONCLUSIVE: 1, ae.FAILED: 2, ae.ERROR: 3}
RUNNING = "Running"


@dataclass
class MetricSpec:
    """The fields of one metric the run logic reads (after argument substitution)."""

    name: str
    interval: float | None = None
    initial_delay: float = 0.0
    count: int | None = None  # None: not set (or 0)
    failure_limit: int = 0
    inconclusive_limit: int = 0
    consecutive_error_limit: int = DEFAULT_CONSECUTIVE_ERROR_LIMIT
    consecutive_success_limit: int = 0
    dry_run: bool = False  # measured and judged, but neither terminates the run nor decides its phase

    def effective_count(self) -> int | None:
        if not self.count:
            return 1 if self.interval is None else None
        return self.count


@dataclass
class Measurement:
    metric: str
    at: float  # seconds after the run started
    phase: str
    reason: str


@dataclass
class MetricResult:
    spec: MetricSpec
    phase: str = "Pending"
    count: int = 0
    successful: int = 0
    failed: int = 0
    inconclusive: int = 0
    error: int = 0
    consecutive_error: int = 0
    consecutive_success: int = 0
    next_at: float = 0.0
    measurements: list[Measurement] = field(default_factory=list)

    @property
    def completed(self) -> bool:
        return self.phase in _WORSE


@dataclass
class Replay:
    phase: str
    measurements: list[Measurement]
    metrics: list[MetricResult]
    note: str = ""


class ReplayUsageError(ae.EvalUsageError):
    """Bad replay input (exit code 2)."""


def record(result: MetricResult, m: Measurement) -> None:
    """Count one finished measurement (runMeasurements)."""
    result.measurements.append(m)
    if m.phase == ae.ERROR:
        result.error += 1
        result.consecutive_error += 1
        result.consecutive_success = 0
        return
    result.count += 1
    result.consecutive_error = 0
    if m.phase == ae.SUCCESSFUL:
        result.successful += 1
        result.consecutive_success += 1
    else:
        result.consecutive_success = 0
        if m.phase == ae.FAILED:
            result.failed += 1
        else:
            result.inconclusive += 1


def assess(result: MetricResult, terminating: bool) -> str:
    """The metric's phase after its latest measurement (assessMetricStatus)."""
    if result.completed:
        return result.phase
    spec = result.spec
    if not result.measurements:
        return ae.SUCCESSFUL if terminating else "Pending"
    failure_applies = spec.failure_limit >= 0
    success_applies = spec.consecutive_success_limit > 0
    if failure_applies and result.failed > spec.failure_limit:
        return ae.FAILED
    if success_applies and result.consecutive_success >= spec.consecutive_success_limit:
        return ae.SUCCESSFUL
    if result.inconclusive > spec.inconclusive_limit:
        return ae.INCONCLUSIVE
    if result.consecutive_error > spec.consecutive_error_limit:
        return ae.ERROR
    count = spec.effective_count()
    if count is not None and result.count >= count:
        if success_applies and not failure_applies:
            return ae.FAILED
        if success_applies:
            return ae.INCONCLUSIVE
        return ae.SUCCESSFUL
    return ae.SUCCESSFUL if terminating else RUNNING


def run_phase(results: list[MetricResult]) -> str:
    """asssessRunStatus: Running until every metric completed, then the worst phase of the metrics that are
    not in dry-run mode (Successful when all are)."""
    if not results or not all(r.completed for r in results):
        return RUNNING
    return max((r.phase for r in results if not r.spec.dry_run), key=lambda p: _WORSE[p], default=ae.SUCCESSFUL)


def _terminating(results: list[MetricResult]) -> bool:
    """IsTerminating: a metric outside dry-run mode completed Failed, Error or Inconclusive."""
    return any(r.phase in (ae.FAILED, ae.ERROR, ae.INCONCLUSIVE) and not r.spec.dry_run for r in results)


def simulate(specs: list[MetricSpec], measure: Any, max_measurements: int = 10_000) -> Replay:
    """Run the AnalysisRun. `measure(metric_name, n)` returns (phase, reason) of the n-th measurement
    (0-based) of that metric, or None when the recorded series has no more responses."""
    results = [MetricResult(s, next_at=s.initial_delay) for s in specs]
    timeline: list[Measurement] = []
    note = ""
    while len(timeline) < max_measurements:
        due = [r for r in results if not r.completed]
        if not due or _terminating(results):
            break
        now = min(r.next_at for r in due)
        exhausted = False
        for r in due:
            if r.next_at > now:
                continue
            got = measure(r.spec.name, len(r.measurements))
            if got is None:
                exhausted = True
                note = (f"the recorded series for metric {r.spec.name} ends after {len(r.measurements)} "
                        "measurement(s); the run would continue")
                break
            m = Measurement(r.spec.name, now, got[0], got[1])
            record(r, m)
            timeline.append(m)
            step = r.spec.interval if r.spec.interval is not None else ERROR_RETRY_SECONDS
            r.next_at = now + step
        if exhausted:
            break
        for r in results:
            r.phase = assess(r, False)
        if _terminating(results):
            for r in results:
                r.phase = assess(r, True)
    return Replay(run_phase(results), timeline, results, note)


# --------------------------------------------------------------------------- templates and series


def _int(value: Any, default: int) -> int:
    """IntOrString.IntValue(); absent -> default."""
    if value is None or isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        return 0


def _duration(value: Any, field_name: str, metric: str) -> float | None:
    from rolloutlint.views.rollout import go_duration_seconds

    if value in (None, ""):
        return None
    seconds = go_duration_seconds(str(value))
    if seconds is None:
        raise ReplayUsageError(f"metric {metric}: {field_name} {value!r} is not a Go duration")
    return seconds


def metric_spec(metric: dict[str, Any], name: str, args: dict[str, str | None]) -> MetricSpec:
    """The run fields of a metric, with `{{args.x}}` resolved (Argo resolves the whole metric)."""
    from rolloutlint.providers import placeholders as ph

    known = {k: v for k, v in args.items() if v is not None}

    def value(key: str) -> Any:
        raw = metric.get(key)
        if isinstance(raw, str) and "{{" in raw:
            text, missing = ph.substitute(raw, known)
            if missing:
                raise ReplayUsageError(f"metric {name}: {key} needs --arg {missing[0].removeprefix('args.')}=VALUE")
            return text
        return raw

    count = _int(value("count"), 0)
    return MetricSpec(
        name=name,
        interval=_duration(value("interval"), "interval", name),
        initial_delay=_duration(value("initialDelay"), "initialDelay", name) or 0.0,
        count=count or None,
        failure_limit=_int(value("failureLimit"), 0),
        inconclusive_limit=_int(value("inconclusiveLimit"), 0),
        consecutive_error_limit=_int(value("consecutiveErrorLimit"), DEFAULT_CONSECUTIVE_ERROR_LIMIT),
        consecutive_success_limit=_int(value("consecutiveSuccessLimit"), 0),
    )


def load_series(path: str) -> list[Any]:
    """A recorded series: a JSON file holding a list of responses, or a directory of JSON files (one response
    each, in file-name order)."""
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.suffix == ".json" and f.is_file())
        if not files:
            raise ReplayUsageError(f"{path}: directory holds no .json responses")
        return [ae.load_response(str(f)) for f in files]
    data = ae.load_response(path)
    if not isinstance(data, list):
        raise ReplayUsageError(f"{path}: a series is a JSON list of responses (or a directory of JSON files)")
    return data


def replay_template(tmpl: Resource, series: dict[str | None, list[Any]], *, args: dict[str, str] | None = None,
                    metric_names: tuple[str, ...] = (), index: Any = None, dry_run: tuple[str, ...] = ()) -> Replay:
    """Replay the selected metrics of a template (followed through nested templates) against the series
    (`series[None]` applies to every metric without its own)."""
    metrics = ae.template_metrics(tmpl, index)
    if not metrics:
        raise ReplayUsageError(f"{tmpl.kind} {tmpl.name} has no metrics")
    names = [as_str(m.get("name")) or f"metrics[{i}]" for i, (_, m) in enumerate(metrics)]
    for n in (*metric_names, *(k for k in series if k is not None)):
        if n not in names:
            raise ReplayUsageError(f"{tmpl.kind} {tmpl.name} has no metric {n!r} (metrics: {', '.join(names)})")
    resolved = ae.template_args(list(dict.fromkeys(t for t, _ in metrics)), args or {})
    invalid = validate_metrics([_resolved_metric(m, resolved) for _, m in metrics])
    if invalid is not None:
        return Replay(ae.ERROR, [], [], f"analysis spec invalid: {invalid}")
    chosen = [(m, n) for (_, m), n in zip(metrics, names)
              if (not metric_names or n in metric_names) and (n in series or None in series)]
    if not chosen:
        raise ReplayUsageError("no metric selected: give --series NAME=PATH for a metric, or --series PATH for all")
    specs: list[MetricSpec] = []
    judges: dict[str, Any] = {}
    for m, n in chosen:
        spec = metric_spec(m, n, resolved)
        spec.dry_run = is_dry_run(n, dry_run)
        specs.append(spec)
        success = ae.resolve_condition(as_str(m.get("successCondition")), resolved, n, "successCondition")
        failure = ae.resolve_condition(as_str(m.get("failureCondition")), resolved, n, "failureCondition")
        judges[n] = (m, success, failure, series.get(n, series.get(None, [])))

    def measure(name: str, k: int) -> tuple[str, str] | None:
        m, success, failure, responses = judges[name]
        if k >= len(responses):
            return None
        provider = ae.provider_of(m)
        result, error = ae.provider_result(provider, responses[k], m)
        if error is not None:
            return ae.ERROR, error
        o = ae.evaluate_metric(name, success, failure, result, provider)
        return o.phase, o.reason

    return simulate(specs, measure)


def _resolved_metric(metric: dict[str, Any], args: dict[str, str | None]) -> dict[str, Any]:
    """The metric with `{{args.x}}` filled in where a value is known (Argo resolves before validating)."""
    from rolloutlint.providers import placeholders as ph

    known = {k: v for k, v in args.items() if v is not None}
    return {k: (ph.substitute(v, known)[0] if isinstance(v, str) and "{{" in v else v) for k, v in metric.items()}


def is_dry_run(metric: str, patterns: tuple[str, ...]) -> bool:
    """`dryRun[].metricName` is a Go regexp matched unanchored (GetDryRunMetrics); `.*` selects all."""
    import re

    for pattern in patterns:
        try:
            if re.search(pattern, metric):
                return True
        except re.error:
            raise ReplayUsageError(f"dry-run pattern {pattern!r} is not a regular expression") from None
    return False


def rollout_dry_run(ro: Resource, tmpl: Resource) -> tuple[str, ...]:
    """`dryRun[].metricName` patterns of the Rollout's first analysis that runs `tmpl`."""
    from rolloutlint.views import analysis as au

    for usage in au.rollout_usages(ro):
        if any(r.name == tmpl.name for r in usage.refs):
            return tuple(n for n in (as_str(as_dict(d).get("metricName")) for d in usage.dry_run) if n)
    return ()


def replay_json(tmpl: Resource, rep: Replay) -> str:
    return json.dumps({
        "template": {"kind": tmpl.kind, "namespace": tmpl.namespace, "name": tmpl.name},
        "phase": rep.phase,
        "note": rep.note or None,
        "metrics": [{"name": r.spec.name, "phase": r.phase, "dryRun": r.spec.dry_run, "count": r.count, "successful": r.successful,
                     "failed": r.failed, "inconclusive": r.inconclusive, "error": r.error} for r in rep.metrics],
        "measurements": [{"metric": m.metric, "at": m.at, "phase": m.phase, "reason": m.reason}
                         for m in rep.measurements],
    }, indent=2)


def format_seconds(seconds: float) -> str:
    s = int(seconds)
    h, rest = divmod(s, 3600)
    mins, secs = divmod(rest, 60)
    return f"{h}h{mins:02d}m{secs:02d}s" if h else f"{mins}m{secs:02d}s"


def rollout_args(ro: Resource, tmpl: Resource) -> tuple[dict[str, str], list[str]]:
    """Argument values a Rollout passes to `tmpl` (its first analysis usage naming the template), and the
    names only known at run time (valueFrom: podTemplateHashValue, fieldRef, secrets)."""
    from rolloutlint.views import analysis as au

    for usage in au.rollout_usages(ro):
        if not any(r.name == tmpl.name for r in usage.refs):
            continue
        values: dict[str, str] = {}
        runtime: list[str] = []
        for _, a in usage.arg_entries():
            name = as_str(a.get("name"))
            if not name:
                continue
            literal = au.literal(a.get("value"))
            if literal is not None:
                values[name] = literal
            elif a.get("valueFrom") is not None:
                runtime.append(name)
        return values, runtime
    raise ReplayUsageError(f"Rollout {ro.name} runs no analysis with {tmpl.kind} {tmpl.name}")


def resolved_queries(tmpl: Resource, args: dict[str, str], index: Any = None) -> list[tuple[str, str, str]]:
    """(metric, provider, query with the arguments filled in) for every metric with a query; tags without a
    value are left as written."""
    from rolloutlint.providers import placeholders as ph

    metrics = ae.template_metrics(tmpl, index)
    resolved = ae.template_args(list(dict.fromkeys(t for t, _ in metrics)), args)
    known = {k: v for k, v in resolved.items() if v is not None}
    out = []
    for i, (_, m) in enumerate(metrics):
        provider = ae.provider_of(m)
        body = m.get("provider", {}).get(provider) if provider and isinstance(m.get("provider"), dict) else None
        query = body.get("query") if isinstance(body, dict) else None
        if isinstance(query, str):
            text, _ = ph.substitute(query, known)
            out.append((as_str(m.get("name")) or f"metrics[{i}]", provider or "", text))
    return out


def empty_response(metric: dict[str, Any], args: dict[str, str | None]) -> Any:
    """What the provider answers when nothing matches: Prometheus an empty vector (NaN for a scalar query)."""
    provider = ae.provider_of(metric)
    if provider != "prometheus":
        raise ReplayUsageError(f"--empty supports Prometheus metrics; metric {as_str(metric.get('name'))} uses {provider}")
    from rolloutlint.providers import prometheus

    query = metric["provider"]["prometheus"].get("query")
    known = {k: v for k, v in args.items() if v is not None}
    if isinstance(query, str) and prometheus.result_kind(query, known) == "scalar":
        return {"status": "success", "data": {"resultType": "scalar", "result": [0, "NaN"]}}
    return {"status": "success", "data": {"resultType": "vector", "result": []}}


# --------------------------------------------------------------------------- spec validation


def _go_duration_error(text: str) -> str | None:
    """Go `time.ParseDuration`'s error text for `text`, or None when it parses."""
    from rolloutlint.core import goduration

    return goduration.error(text)


def validate_metrics(metrics: list[Any]) -> str | None:
    """The AnalysisRun's spec check before the first measurement (`ValidateMetrics`); its error makes the
    run `Error` with `analysis spec invalid: <message>`."""
    from rolloutlint.views import analysis as au

    if not metrics:
        return "no metrics specified"
    seen: set[Any] = set()
    for i, m in enumerate(metrics):
        m = m if isinstance(m, dict) else {}
        pre = f"metrics[{i}]: "
        name = m.get("name")
        if name in seen:
            return f"{pre}duplicate name '{name}'"
        seen.add(name)
        count = _int(m.get("count"), 0)
        fl, csl = _int(m.get("failureLimit"), 0), _int(m.get("consecutiveSuccessLimit"), 0)
        il, cel = _int(m.get("inconclusiveLimit"), 0), _int(m.get("consecutiveErrorLimit"), DEFAULT_CONSECUTIVE_ERROR_LIMIT)
        if csl < 0:
            return pre + "consecutiveSuccessLimit must be >= 0"
        if fl < -1:
            return pre + "failureLimit must be >= 0, or -1 to be disabled"
        if csl == 0 and fl == -1:
            return pre + "failureLimit and consecutiveSuccessLimit cannot both be disabled"
        if il < 0:
            return pre + "inconclusiveLimit must be >= 0"
        if cel < 0:
            return pre + "consecutiveErrorLimit must be >= 0"
        if count > 0:
            if fl >= 0 and csl >= 0 and count < fl + csl:
                return pre + f"count ({count}) must be >= failureLimit + consecutiveSuccessLimit ({fl} + {csl}) if both >= 0"
            if fl < 0 and count < csl:
                return pre + "count must be >= consecutiveSuccessLimit"
            if count < il:
                return pre + "count must be >= inconclusiveLimit"
        if count > 1 and not m.get("interval"):
            return pre + "interval must be specified when count > 1"
        for key, label in (("interval", "interval"), ("initialDelay", "startDelay")):
            if isinstance(m.get(key), str) and m[key]:
                err = _go_duration_error(m[key])
                if err:
                    return pre + f"invalid {label} string: {err}"
        providers = [k for k, v in (m.get("provider") or {}).items() if v is not None and k in au.KNOWN_PROVIDERS]
        if not providers:
            return pre + "no provider specified"
        if len(providers) > 1:
            return pre + "multiple providers specified"
    return None
