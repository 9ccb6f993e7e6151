"""`rolloutlint analysis eval`: conditions evaluated against recorded provider responses, Argo's outcome logic."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from rolloutlint.analysis_eval import (
    ERROR, FAILED, INCONCLUSIVE, SUCCESSFUL, EvalUsageError, evaluate_metric, prometheus_result, skywalking_result,
)
from rolloutlint.cli import cli

# A SkyWalking apdex template in the shape of the Tetrate demo / Argo docs (written for these tests).
APDEX_TEMPLATE = """\
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: canary-apdex
  namespace: bookinfo
spec:
  args:
    - name: service-name
    - name: min-apdex
      value: "9900"
  metrics:
    - name: apdex
      interval: 5m
      failureLimit: 3
      successCondition: "all(result.service_apdex.values.values, {asFloat(.value) >= {{args.min-apdex}}})"
      provider:
        skywalking:
          address: http://oap.istio-system:12800
          interval: 3m
          query: |
            query Apdex($duration: Duration!) {
              service_apdex: readMetricsValues(
                condition: {name: "service_apdex", entity: {serviceName: "{{args.service-name}}", normal: true}}
                duration: $duration
              ) { label values { values { id value } } }
            }
"""

# What the blog shows for canary|reviews|bookinfo|cluster-1|- : two minutes at apdex 10000.
BLOG_RESPONSE = {"data": {"service_apdex": {"label": None, "values": {"values": [
    {"id": "service_apdex_202307130812_Y2FuYXJ5fHJldmlld3N8Ym9va2luZm98Y2x1c3Rlci0xfC0=.1", "value": 10000},
    {"id": "service_apdex_202307130813_Y2FuYXJ5fHJldmlld3N8Ym9va2luZm98Y2x1c3Rlci0xfC0=.1", "value": 10000},
]}}}}
DEGRADED_RESPONSE = {"data": {"service_apdex": {"label": None, "values": {"values": [
    {"id": "a", "value": 10000}, {"id": "b", "value": 9612}]}}}}

SUCCESS_RATE_TEMPLATE = """\
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: success-rate
spec:
  metrics:
    - name: success-rate
      interval: 30s
      count: 3
      failureLimit: 2
      successCondition: result >= 0.95
      provider:
        prometheus:
          address: http://prometheus.istio-system:9090
          query: scalar(sum(rate(istio_requests_total{response_code=~"2.."}[1m])) / sum(rate(istio_requests_total[1m])))
    - name: error-rate
      interval: 30s
      count: 3
      successCondition: result[0] <= 0.05
      failureCondition: result[0] > 0.2
      provider:
        prometheus:
          address: http://prometheus.istio-system:9090
          query: sum(rate(istio_requests_total{response_code=~"5.."}[1m])) / sum(rate(istio_requests_total[1m]))
"""


def _prom_scalar(v: str) -> dict:
    return {"status": "success", "data": {"resultType": "scalar", "result": [1721030400.1, v]}}


def _prom_vector(*vs: str) -> dict:
    return {"status": "success", "data": {"resultType": "vector",
                                          "result": [{"metric": {"pod": f"p{i}"}, "value": [1721030400.1, v]} for i, v in enumerate(vs)]}}


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    (tmp_path / "apdex.yaml").write_text(APDEX_TEMPLATE)
    (tmp_path / "success-rate.yaml").write_text(SUCCESS_RATE_TEMPLATE)
    return tmp_path


def _write(path: Path, data: object) -> str:
    path.write_text(json.dumps(data))
    return str(path)


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["analysis", "eval", *args])
    return result.exit_code, result.output


def test_blog_values_are_successful(project: Path, tmp_path: Path) -> None:
    code, out = _run("canary-apdex", str(project), "--result", _write(tmp_path / "r.json", BLOG_RESPONSE),
                     "--arg", "service-name=canary|reviews|bookinfo|cluster-1|-")
    assert code == 0, out
    assert "apdex" in out and "Successful" in out
    assert "result.service_apdex.values.values" in out and "10000" in out


def test_data_object_alone_is_accepted(project: Path, tmp_path: Path) -> None:
    code, out = _run("canary-apdex", str(project), "--result", _write(tmp_path / "r.json", BLOG_RESPONSE["data"]))
    assert code == 0, out


def test_below_threshold_fails(project: Path, tmp_path: Path) -> None:
    code, out = _run("canary-apdex", str(project), "--result", _write(tmp_path / "r.json", DEGRADED_RESPONSE))
    assert code == 1
    assert "Failed" in out and "is false" in out and "9612" in out


def test_arg_override_changes_threshold(project: Path, tmp_path: Path) -> None:
    code, out = _run("canary-apdex", str(project), "--result", _write(tmp_path / "r.json", DEGRADED_RESPONSE),
                     "--arg", "min-apdex=9500")
    assert code == 0, out


def test_graphql_errors_are_error_phase(project: Path, tmp_path: Path) -> None:
    resp = {"data": None, "errors": [{"message": "Validation error of type FieldUndefined"}]}
    code, out = _run("canary-apdex", str(project), "--result", _write(tmp_path / "r.json", resp))
    assert code == 1
    assert "Error: graphql: Validation error" in out


def test_template_file_path_and_prometheus(project: Path, tmp_path: Path) -> None:
    ok = _write(tmp_path / "ok.json", _prom_scalar("0.9875"))
    code, out = _run(str(project / "success-rate.yaml"), "--metric", "success-rate", "--result", ok)
    assert code == 0, out
    assert "result = 0.9875" in out
    bad = _write(tmp_path / "bad.json", _prom_scalar("0.81"))
    code, out = _run(str(project / "success-rate.yaml"), "--metric", "success-rate", "--result", bad)
    assert code == 1 and "Failed" in out


def test_per_metric_results_and_json(project: Path, tmp_path: Path) -> None:
    sr = _write(tmp_path / "sr.json", _prom_scalar("0.99"))
    er = _write(tmp_path / "er.json", _prom_vector("0.1"))
    result = CliRunner().invoke(cli, ["analysis", "eval", "success-rate", str(project), "--result", f"success-rate={sr}",
                                      "--result", f"error-rate={er}", "--json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    phases = {m["name"]: m["phase"] for m in data["metrics"]}
    assert phases == {"success-rate": SUCCESSFUL, "error-rate": INCONCLUSIVE}


@pytest.mark.parametrize("args, message", [
    (["nope"], "no AnalysisTemplate"),
    (["canary-apdex", "--metric", "latency"], "has no metric 'latency'"),
])
def test_usage_errors_exit_2(project: Path, tmp_path: Path, args: list[str], message: str) -> None:
    r = _write(tmp_path / "r.json", BLOG_RESPONSE)
    result = CliRunner().invoke(cli, ["analysis", "eval", args[0], str(project), "--result", r, *args[1:]])
    assert result.exit_code == 2
    assert message in result.output


def test_unresolved_condition_arg_is_usage_error(tmp_path: Path) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    (tmp_path / "t.yaml").write_text(APDEX_TEMPLATE.replace('      value: "9900"\n', ""))
    code, out = _run("canary-apdex", str(tmp_path), "--result", _write(tmp_path / "r.json", BLOG_RESPONSE))
    assert code == 2 and "--arg min-apdex=VALUE" in out


def test_not_json_is_usage_error(project: Path, tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text("<html>404</html>")
    code, out = _run("canary-apdex", str(project), "--result", str(tmp_path / "r.txt"))
    assert code == 2 and "not JSON" in out


# --------------------------------------------------------------------------- mapping and outcome logic


def test_prometheus_mapping() -> None:
    assert prometheus_result(_prom_scalar("0.5")) == (0.5, None)
    assert prometheus_result(_prom_vector("1", "2.5")) == ([1.0, 2.5], None)
    matrix = {"status": "success", "data": {"resultType": "matrix", "result": [
        {"metric": {}, "values": [[1, "1"], [2, "2"]]}, {"metric": {}, "values": [[1, "3"]]}]}}
    assert prometheus_result(matrix) == ([1.0, 2.0, 3.0], None)
    value, err = prometheus_result(_prom_scalar("NaN"))
    assert err is None and math.isnan(value)
    assert prometheus_result({"status": "error", "errorType": "bad_data", "error": "parse error"})[1] == "bad_data: parse error"
    assert prometheus_result(_prom_vector()) == ([], None)
    with pytest.raises(EvalUsageError):
        prometheus_result({"foo": 1})


def test_skywalking_numbers_become_floats() -> None:
    result, err = skywalking_result(BLOG_RESPONSE)
    assert err is None
    assert result["service_apdex"]["values"]["values"][0]["value"] == 10000.0
    assert isinstance(result["service_apdex"]["values"]["values"][0]["value"], float)
    assert skywalking_result({"data": None})[1] == "no results returned from SkyWalking query"


@pytest.mark.parametrize("success, failure, result, phase", [
    ("result > 1", None, 2.0, SUCCESSFUL),
    ("result > 1", None, 0.5, FAILED),
    (None, "result > 1", 2.0, FAILED),
    (None, "result > 1", 0.5, SUCCESSFUL),
    ("result > 1", "result > 3", 5.0, FAILED),  # failure wins
    ("result > 1", "result > 3", 2.0, SUCCESSFUL),
    ("result > 10", "result < 0", 2.0, INCONCLUSIVE),
    (None, None, 2.0, SUCCESSFUL),
])
def test_outcome_logic(success: str | None, failure: str | None, result: float, phase: str) -> None:
    assert evaluate_metric("m", success, failure, result).phase == phase


def test_error_on_empty_vector_names_empty_result() -> None:
    out = evaluate_metric("m", "result[0] >= 0.95", None, [])
    assert out.phase == ERROR
    assert "could not evaluate successCondition" in out.reason
    assert "metric result is nil or empty" in out.reason


def test_non_bool_condition_is_error() -> None:
    out = evaluate_metric("m", "result + 1", None, 1.0)
    assert out.phase == ERROR and "expected bool" in out.reason


def test_web_json_path(tmp_path: Path) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    (tmp_path / "t.yaml").write_text("""\
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: status}
spec:
  metrics:
    - name: status
      successCondition: result == "ok"
      provider:
        web: {url: "http://status.example/api", jsonPath: "{$.checks[0].state}"}
""")
    ok = _write(tmp_path / "ok.json", {"checks": [{"state": "ok"}]})
    assert _run("status", str(tmp_path), "--result", ok)[0] == 0
    bad = _write(tmp_path / "bad.json", {"checks": [{"state": "degraded"}]})
    code, out = _run("status", str(tmp_path), "--result", bad)
    assert code == 1 and "Failed" in out


def test_a_job_metric_is_judged_by_its_job_not_its_condition() -> None:
    from rolloutlint.analysis_eval import job_outcome

    done = {"status": {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}}
    failed = {"status": {"failed": 1, "conditions": [{"type": "Failed", "status": "True"}]}}
    assert job_outcome("smoke", done).phase == "Successful"
    assert job_outcome("smoke", failed["status"]).phase == "Failed"  # the status alone is enough
    assert job_outcome("smoke", {"status": {"active": 1}}).phase == "Inconclusive"
    assert job_outcome("smoke", {}).phase == "Error"


def test_eval_of_a_job_metric_ignores_its_condition(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "t.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {name: smoke}\nspec:\n  metrics:\n"
        "    - name: smoke\n      successCondition: result == 'never'\n      provider:\n        job:\n          spec:\n"
        "            template:\n              spec:\n                restartPolicy: Never\n"
        "                containers: [{name: c, image: busybox, command: ['true']}]\n")
    (tmp_path / "job.json").write_text(json.dumps({"status": {"conditions": [{"type": "Complete", "status": "True"}]}}))
    res = CliRunner().invoke(cli, ["analysis", "eval", "smoke", str(tmp_path), "--result", str(tmp_path / "job.json")])
    assert res.exit_code == 0, res.output
    assert "Successful" in res.output
