"""Evaluate an AnalysisTemplate's conditions against a recorded provider response, as Argo Rollouts would
for one measurement (`rolloutlint analysis eval`).

The provider response is mapped to what Argo hands to the condition as `result`:

- SkyWalking: the GraphQL `data` object (a full `{"data": ..., "errors": ...}` response is unwrapped; GraphQL
  errors make the measurement `Error`, as `graphql: <message>`). Every JSON number becomes a float, as Go's
  encoding/json decodes it.
- Prometheus: the HTTP API response of an instant or range query (`{"status": "success", "data":
  {"resultType": ..., "result": ...}}`, or its `data` object): a scalar becomes one number, a vector a list
  of numbers (one per series), a matrix the flattened list of all points (Argo `processResponse`).
- Web: the response JSON at the metric's `jsonPath` (simple `{$.a.b[0]}` paths).
- Job: no value; the Job (or its `status`) decides: Complete is Successful, Failed is Failed, running is
  Inconclusive, and the conditions are not evaluated (Argo's job provider has none to evaluate).
- Any other provider: the JSON as is.

Outcome logic (Argo `EvaluateResult`): only successCondition set → Failed when it is false; only
failureCondition set → Successful when it is false; both set → failure wins, neither true is Inconclusive;
none set → Successful. Compile or runtime errors give `Error`.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rolloutlint import expr
from rolloutlint.core.model import Resource, as_dict, as_list, as_str
from rolloutlint.providers import placeholders as ph

SUCCESSFUL, FAILED, INCONCLUSIVE, ERROR = "Successful", "Failed", "Inconclusive", "Error"
TEMPLATE_KINDS = ("AnalysisTemplate", "ClusterAnalysisTemplate", "AnalysisRun")


class EvalUsageError(Exception):
    """Bad input: unknown template, metric or argument, unreadable response (exit code 2)."""


@dataclass
class Outcome:
    metric: str
    phase: str
    reason: str
    provider: str | None = None
    details: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- result mapping


def _floats(value: Any) -> Any:
    """Go encoding/json into `any`: every number is a float64."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list):
        return [_floats(v) for v in value]
    if isinstance(value, dict):
        return {k: _floats(v) for k, v in value.items()}
    return value


def _prom_number(text: Any) -> float:
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    if isinstance(text, str):
        t = text.strip()
        low = t.lower()
        if low in ("nan",):
            return math.nan
        if low in ("+inf", "inf"):
            return math.inf
        if low == "-inf":
            return -math.inf
        return float(t)
    raise ValueError(f"not a Prometheus sample value: {text!r}")


def prometheus_result(response: Any) -> tuple[Any, str | None]:
    """(result, error message) for a Prometheus API response, as Argo's processResponse maps it."""
    if isinstance(response, (int, float)) and not isinstance(response, bool):
        return float(response), None
    if isinstance(response, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in response):
        return [float(v) for v in response], None  # already what the condition sees
    if not isinstance(response, dict):
        raise EvalUsageError("Prometheus response must be the JSON of /api/v1/query (an object with status and data)")
    if response.get("status") == "error":
        return None, f"{response.get('errorType', 'error')}: {response.get('error', 'query failed')}"
    data = response.get("data", response) if "resultType" not in response else response
    if not isinstance(data, dict) or "resultType" not in data:
        raise EvalUsageError("Prometheus response has no data.resultType; pass the JSON of /api/v1/query or /api/v1/query_range")
    kind, res = data.get("resultType"), data.get("result")
    try:
        if kind == "scalar":
            return _prom_number(as_list(res)[1]), None
        if kind == "vector":
            return [_prom_number(as_list(as_dict(s).get("value"))[1]) for s in as_list(res)], None
        if kind == "matrix":
            return [_prom_number(as_list(p)[1]) for s in as_list(res) for p in as_list(as_dict(s).get("values"))], None
    except (IndexError, ValueError) as exc:
        raise EvalUsageError(f"Prometheus response has a malformed sample: {exc}") from None
    return None, f"Prometheus metric type not supported: {kind}"


def skywalking_result(response: Any) -> tuple[Any, str | None]:
    """(result, error message) for a SkyWalking GraphQL response (or its `data` object)."""
    if isinstance(response, dict) and ("data" in response or "errors" in response) and set(response) <= {"data", "errors", "extensions"}:
        errors = as_list(response.get("errors"))
        if errors:
            return None, f"graphql: {as_dict(errors[0]).get('message', errors[0])}"
        data = response.get("data")
        if data is None:
            return None, "no results returned from SkyWalking query"
        return _floats(data), None
    return _floats(response), None


_JSONPATH = re.compile(r"^\{\s*\$((?:\.[A-Za-z0-9_\-]+|\[\d+\])*)\s*\}$")


def web_result(response: Any, json_path: str | None) -> tuple[Any, str | None]:
    """The value Argo's web provider hands to the condition: the response JSON at `jsonPath`.

    Simple paths (`{$.a.b[0]}`) are followed; anything fancier is evaluated on the whole response.
    """
    data = _floats(response)
    m = _JSONPATH.match(json_path.strip()) if isinstance(json_path, str) else None
    if m is None:
        return data, None
    cur = data
    for part in re.findall(r"\.([A-Za-z0-9_\-]+)|\[(\d+)\]", m.group(1)):
        key, idx = part
        if key and isinstance(cur, dict) and key in cur:
            cur = cur[key]
        elif idx and isinstance(cur, list) and int(idx) < len(cur):
            cur = cur[int(idx)]
        else:
            return None, f"could not find JSONPath {json_path} in the response"
    return cur, None


def provider_result(provider: str | None, response: Any, metric: dict[str, Any] | None = None) -> tuple[Any, str | None]:
    if provider == "prometheus":
        return prometheus_result(response)
    if provider == "skywalking":
        return skywalking_result(response)
    if provider == "web":
        return web_result(response, as_str(as_dict(as_dict(as_dict(metric).get("provider")).get("web")).get("jsonPath")))
    return _floats(response), None


# --------------------------------------------------------------------------- evaluation


def _lookup(result: Any, path: tuple) -> Any:
    cur = result
    for part in path:
        if isinstance(part, int) and isinstance(cur, list):
            if -len(cur) <= part < len(cur):
                cur = cur[part]
            else:
                return None
        elif isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            return None
    return cur


def _show(value: Any, limit: int = 200) -> str:
    def clean(v: Any) -> Any:
        if isinstance(v, float):
            if math.isnan(v):
                return "NaN"
            if math.isinf(v):
                return "+Inf" if v > 0 else "-Inf"
            return int(v) if v.is_integer() and abs(v) < 1e15 else v
        if isinstance(v, list):
            return [clean(x) for x in v]
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        return v

    text = json.dumps(clean(value), ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _path_text(path: tuple) -> str:
    out = "result"
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else f".{p}"
    return out


def values_read(condition: str, result: Any) -> list[str]:
    """`result.a.b = <value>` for the static result paths a condition reads."""
    try:
        node = expr.parse(condition)
    except expr.ExprError:
        return []
    out = []
    for path, _ in expr.result_paths(node):
        text = f"{_path_text(path)} = {_show(_lookup(result, path))}"
        if text not in out:
            out.append(text)
    return out


# Field shapes of SkyWalking's two metric APIs: a response recorded from one does not fit a template
# written for the other.
_SHAPES = {"results": "execExpression (MQE)", "type": "execExpression (MQE)", "values": "readMetricsValues"}


def missing_field_hints(condition: str, result: Any) -> list[str]:
    """For each field the condition reads that the response lacks, the field the response has instead
    when one is a likely match (another GraphQL alias, the other SkyWalking API's shape)."""
    try:
        node = expr.parse(condition)
    except expr.ExprError:
        return []
    out: list[str] = []
    for path, _ in expr.result_paths(node):
        cur, depth = result, 0
        while depth < len(path) and isinstance(cur, dict) and path[depth] in cur:
            cur, depth = cur[path[depth]], depth + 1
        if depth == len(path) or not isinstance(cur, dict) or not cur or isinstance(path[depth], int):
            continue
        wanted, have = str(path[depth]), sorted(str(k) for k in cur)
        where = _path_text(path[:depth + 1])
        if depth == 0 and len(have) == 1:
            hint = (f"{where} is not in the response, which has {_path_text((have[0],))}: the query's alias differs "
                    f"from the one the condition reads (the response was recorded from another query?)")
        else:
            from difflib import get_close_matches

            close = get_close_matches(wanted, have, n=1, cutoff=0.6)
            if close:
                hint = f"{where} is not in the response; did you mean {_path_text(path[:depth] + (close[0],))}?"
            elif wanted in _SHAPES and any(k in _SHAPES and _SHAPES[k] != _SHAPES[wanted] for k in have):
                other = next(_SHAPES[k] for k in have if k in _SHAPES)
                hint = (f"{where} is not in the response, which has the shape of {other} output "
                        f"({', '.join(have)}); the condition reads {_SHAPES[wanted]} fields")
            else:
                continue
        if hint not in out:
            out.append(hint)
    return out


def _eval(condition: str, result: Any) -> bool:
    return expr.evaluate_condition(condition, result)


def _empty(result: Any) -> bool:
    return result is None or (isinstance(result, list) and not result)


def evaluate_metric(name: str, success: str | None, failure: str | None, result: Any,
                    provider: str | None = None) -> Outcome:
    """One measurement, with Argo's EvaluateResult logic."""
    values: dict[str, bool] = {}
    for field_name, cond in (("successCondition", success), ("failureCondition", failure)):
        if not cond:
            continue
        try:
            values[field_name] = _eval(cond, result)
        except (expr.ExprError, RecursionError) as exc:
            msg = getattr(exc, "message", str(exc))
            if _empty(result):
                msg += ": metric result is nil or empty: no data returned from the metric provider"
            return Outcome(name, ERROR, f"could not evaluate {field_name} {json.dumps(cond)}: {msg}", provider,
                           values_read(cond, result) + missing_field_hints(cond, result))
    details = []
    for cond in (success, failure):
        if cond:
            for v in values_read(cond, result) + missing_field_hints(cond, result):
                if v not in details:
                    details.append(v)
    if not success and not failure:
        return Outcome(name, SUCCESSFUL, "no successCondition or failureCondition: every measurement is Successful",
                       provider, [f"result = {_show(result)}"])
    s, f = values.get("successCondition"), values.get("failureCondition")
    if success and not failure:
        phase = SUCCESSFUL if s else FAILED
        reason = f"successCondition {success} is {'true' if s else 'false'}"
    elif failure and not success:
        phase = FAILED if f else SUCCESSFUL
        reason = f"failureCondition {failure} is {'true' if f else 'false'}"
    elif f:
        phase, reason = FAILED, f"failureCondition {failure} is true (failure wins)"
    elif s:
        phase, reason = SUCCESSFUL, f"successCondition {success} is true and failureCondition is false"
    else:
        phase, reason = INCONCLUSIVE, "neither successCondition nor failureCondition is true"
    return Outcome(name, phase, reason, provider, details or [f"result = {_show(result)}"])


# --------------------------------------------------------------------------- templates


def template_metrics(tmpl: Resource, index: Any = None) -> list[tuple[Resource, dict[str, Any]]]:
    """Metrics of a template, followed through nested `spec.templates` when the index holds them."""
    out: list[tuple[Resource, dict[str, Any]]] = []
    seen: set[int] = set()

    def visit(t: Resource, depth: int) -> None:
        if id(t) in seen or depth > 10:
            return
        seen.add(id(t))
        out.extend((t, m) for m in as_list(t.spec.get("metrics")) if isinstance(m, dict))
        if index is None:
            return
        for ref in as_list(t.spec.get("templates")):
            ref = as_dict(ref)
            name = as_str(ref.get("templateName"))
            kind = "ClusterAnalysisTemplate" if ref.get("clusterScope") is True else "AnalysisTemplate"
            nested = index.find_one(kind, name, None if kind == "ClusterAnalysisTemplate" else t.namespace) if name else None
            if nested is not None:
                visit(nested, depth + 1)

    visit(tmpl, 0)
    return out


def template_args(templates: list[Resource], overrides: dict[str, str]) -> dict[str, str | None]:
    args: dict[str, str | None] = {}
    for t in templates:
        for a in as_list(t.spec.get("args")):
            a = as_dict(a)
            name = as_str(a.get("name"))
            if name and args.get(name) is None:
                v = a.get("value")
                args[name] = v if isinstance(v, str) else (None if v is None else json.dumps(v))
    for k, v in overrides.items():
        args[k] = v
    return args


def resolve_condition(text: str | None, args: dict[str, str | None], metric: str, field_name: str) -> str | None:
    if not text:
        return None
    resolved, missing = ph.substitute(text, {k: v for k, v in args.items() if v is not None})
    if missing:
        hints = ", ".join(f"--arg {m[5:]}=VALUE" if m.startswith("args.") else f"{{{{{m}}}}}" for m in missing)
        raise EvalUsageError(f"metric {metric}: {field_name} needs {hints}")
    return resolved


def provider_of(metric: dict[str, Any]) -> str | None:
    prov = as_dict(metric.get("provider"))
    keys = [k for k, v in prov.items() if v is not None]
    return keys[0] if len(keys) == 1 else None


def load_response(path: str) -> Any:
    import sys

    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise EvalUsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise EvalUsageError(f"{path}: not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None


def evaluate_template(tmpl: Resource, responses: dict[str | None, Any], *, args: dict[str, str] | None = None,
                      metric_names: tuple[str, ...] = (), index: Any = None) -> list[Outcome]:
    """Evaluate the selected metrics. `responses` maps metric name (or None for all) to the raw response."""
    metrics = template_metrics(tmpl, index)
    all_names = [as_str(m.get("name")) or f"metrics[{i}]" for i, (_, m) in enumerate(metrics)]
    for n in metric_names:
        if n not in all_names:
            raise EvalUsageError(f"{tmpl.kind} {tmpl.name} has no metric {n!r} (metrics: {', '.join(all_names) or 'none'})")
    for given in responses:
        if given is not None and given not in all_names:
            raise EvalUsageError(f"--result {given}=...: {tmpl.kind} {tmpl.name} has no metric {given!r} (metrics: {', '.join(all_names)})")
    if not metrics:
        raise EvalUsageError(f"{tmpl.kind} {tmpl.name} has no metrics")
    resolved_args = template_args(list(dict.fromkeys(t for t, _ in metrics)), args or {})
    outcomes: list[Outcome] = []
    for (_, m), name in zip(metrics, all_names):
        if metric_names and name not in metric_names:
            continue
        if name not in responses and None not in responses:
            if metric_names:
                raise EvalUsageError(f"no --result for metric {name}")
            continue
        raw = responses.get(name, responses.get(None))
        provider = provider_of(m)
        if provider == "job":  # no value to evaluate: the Job's completion decides, conditions are ignored
            outcomes.append(job_outcome(name, raw))
            continue
        success = resolve_condition(as_str(m.get("successCondition")), resolved_args, name, "successCondition")
        failure = resolve_condition(as_str(m.get("failureCondition")), resolved_args, name, "failureCondition")
        result, error = provider_result(provider, raw, m)
        if error is not None:
            outcomes.append(Outcome(name, ERROR, error, provider))
            continue
        outcomes.append(evaluate_metric(name, success, failure, result, provider))
    if not outcomes:
        raise EvalUsageError("no metric selected: give --result NAME=FILE for a metric, or --result FILE for all")
    return outcomes


def job_outcome(name: str, response: Any) -> Outcome:
    """A job metric's phase from the Job (or its `status`, as `kubectl get job -o json` shows it): Successful
    when it completed, Failed when it failed, Inconclusive while it runs. Argo's job provider evaluates no
    condition (`analysis-job-condition-ignored`)."""
    status = as_dict(response.get("status")) if isinstance(response, dict) and "status" in response else as_dict(response)
    for cond in as_list(status.get("conditions")):
        c = as_dict(cond)
        if str(c.get("status")) == "True" and c.get("type") in ("Complete", "Failed"):
            phase = SUCCESSFUL if c.get("type") == "Complete" else FAILED
            return Outcome(name, phase, f"the Job's {c.get('type')} condition is True (a job metric's conditions are "
                           "never evaluated: the Job's exit status decides)", "job")
    if not status:
        return Outcome(name, ERROR, "a job metric is decided by its Job's completion: give the Job (or its status) as "
                       "`kubectl get job -o json` prints it", "job")
    return Outcome(name, INCONCLUSIVE, "the Job has not completed or failed yet: Argo keeps measuring", "job")


def exit_code(outcomes: list[Outcome]) -> int:
    """0 when every metric is Successful, 1 otherwise (Failed, Inconclusive or Error)."""
    return 0 if outcomes and all(o.phase == SUCCESSFUL for o in outcomes) else 1
