"""`rolloutlint analysis replay`: recorded series through the AnalysisRun logic of the analysis controller."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from rolloutlint import analysis_replay as ar
from rolloutlint.cli import cli

VECTORS = Path(__file__).resolve().parents[2] / "shared" / "vectors" / "argo-vectors.json"
if not VECTORS.exists():
    VECTORS = Path("/work/shared/vectors/argo-vectors.json")

TEMPLATE = """\
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: error-rate
  namespace: shop
spec:
  args:
    - name: service-name
  metrics:
    - name: error-rate
      interval: 1m
      count: {count}
      failureLimit: {failure_limit}
      successCondition: len(result) == 0 || result[0] <= 0.01
      failureCondition: len(result) > 0 && result[0] > 0.05
      provider:
        prometheus:
          address: http://prometheus.monitoring:9090
          query: sum(rate(istio_requests_total{{destination_service_name="{{{{args.service-name}}}}", response_code=~"5.."}}[2m])) / sum(rate(istio_requests_total{{destination_service_name="{{{{args.service-name}}}}"}}[2m]))
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: checkout
  namespace: shop
spec:
  strategy:
    canary:
      canaryService: checkout-canary
      stableService: checkout
      steps:
        - setWeight: 20
        - analysis:
            templates:
              - templateName: error-rate
            args:
              - name: service-name
                value: checkout-canary
"""

UNGUARDED = """\
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: error-rate
spec:
  metrics:
    - name: error-rate
      interval: 30s
      count: 10
      successCondition: result[0] <= 0.01
      provider:
        prometheus:
          address: http://prometheus.monitoring:9090
          query: sum(rate(http_requests_total{code=~"5.."}[1m])) / sum(rate(http_requests_total[1m]))
"""


def vector(*values: float) -> dict[str, Any]:
    return {"status": "success", "data": {"resultType": "vector",
                                          "result": [{"metric": {}, "value": [0, str(v)]} for v in values]}}


def run(tmp_path: Path, template: str, series: list[Any], *extra: str) -> tuple[int, dict[str, Any]]:
    (tmp_path / "t.yaml").write_text(template)
    (tmp_path / "series.json").write_text(json.dumps(series))
    res = CliRunner().invoke(cli, ["analysis", "replay", "error-rate", str(tmp_path / "t.yaml"),
                                    "--series", str(tmp_path / "series.json"), "--json", *extra])
    assert res.exit_code in (0, 1), res.output
    return res.exit_code, json.loads(res.output)


def phases(out: dict[str, Any]) -> list[str]:
    return [m["phase"] for m in out["measurements"]]


def test_successful_run(tmp_path: Path) -> None:
    code, out = run(tmp_path, TEMPLATE.format(count=3, failure_limit=0), [vector(0.001), vector(), vector(0.0)],
                    "--arg", "service-name=checkout-canary")
    assert (code, out["phase"]) == (0, "Successful")
    assert phases(out) == ["Successful"] * 3
    assert [m["at"] for m in out["measurements"]] == [0.0, 60.0, 120.0]


def test_failed_by_failure_limit(tmp_path: Path) -> None:
    # failureLimit 1: the first failure is tolerated, the second fails the metric and stops the run.
    series = [vector(0.2), vector(0.0), vector(0.3), vector(0.0), vector(0.0)]
    code, out = run(tmp_path, TEMPLATE.format(count=5, failure_limit=1), series, "--arg", "service-name=x")
    assert (code, out["phase"]) == (1, "Failed")
    assert phases(out) == ["Failed", "Successful", "Failed"]
    assert out["metrics"][0]["failed"] == 2


def test_errored_by_empty_results(tmp_path: Path) -> None:
    # result[0] on an empty vector errors; the fifth consecutive error exceeds consecutiveErrorLimit 4.
    code, out = run(tmp_path, UNGUARDED, [vector()] * 8)
    assert (code, out["phase"]) == (1, "Error")
    assert phases(out) == ["Error"] * 5
    assert out["metrics"][0]["count"] == 0  # errors do not count towards count


def test_errors_reset_by_a_measurement(tmp_path: Path) -> None:
    series = [vector()] * 4 + [vector(0.0)] + [vector()] * 4 + [vector(0.0)] * 9
    code, out = run(tmp_path, UNGUARDED, series)
    assert (code, out["phase"]) == (0, "Successful")
    assert out["metrics"][0] == {"name": "error-rate", "phase": "Successful", "dryRun": False, "count": 10, "successful": 10,
                                 "failed": 0, "inconclusive": 0, "error": 8}


def test_inconclusive(tmp_path: Path) -> None:
    # 0.03: neither success (<= 0.01) nor failure (> 0.05); inconclusiveLimit defaults to 0.
    code, out = run(tmp_path, TEMPLATE.format(count=3, failure_limit=0), [vector(0.0), vector(0.03), vector(0.0)],
                    "--arg", "service-name=x")
    assert (code, out["phase"]) == (1, "Inconclusive")
    assert phases(out) == ["Successful", "Inconclusive"]


def test_series_too_short_leaves_the_run_running(tmp_path: Path) -> None:
    code, out = run(tmp_path, TEMPLATE.format(count=5, failure_limit=0), [vector(0.0)], "--arg", "service-name=x")
    assert (code, out["phase"]) == (1, "Running")
    assert "ends after 1 measurement" in out["note"]


def test_series_directory_and_rollout_args(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(TEMPLATE.format(count=2, failure_limit=0))
    d = tmp_path / "series"
    d.mkdir()
    (d / "01.json").write_text(json.dumps(vector(0.0)))
    (d / "02.json").write_text(json.dumps(vector(0.001)))
    res = CliRunner().invoke(cli, ["analysis", "replay", "error-rate", str(tmp_path / "t.yaml"), str(tmp_path),
                                    "--series", str(d), "--rollout", "checkout"])
    assert res.exit_code == 0, res.output
    assert 'destination_service_name="checkout-canary"' in res.output  # the query with the Rollout's args
    assert "run: Successful" in res.output


def test_initial_delay_and_terminating_metrics() -> None:
    specs = [ar.MetricSpec("slow", interval=60, initial_delay=30, count=None),
             ar.MetricSpec("gate", interval=10, count=3)]
    answers = {"slow": [ar.ae.SUCCESSFUL] * 10, "gate": [ar.ae.SUCCESSFUL, ar.ae.FAILED]}

    def measure(name: str, k: int) -> tuple[str, str] | None:
        seq = answers[name]
        return (seq[k], "") if k < len(seq) else None

    rep = ar.simulate(specs, measure)
    # gate fails at t=10 before slow's first measurement at t=30: the run terminates, slow never measures
    # and is assessed Successful; the worst phase decides.
    assert [(m.metric, m.at) for m in rep.measurements] == [("gate", 0.0), ("gate", 10.0)]
    assert [r.phase for r in rep.metrics] == ["Successful", "Failed"]
    assert rep.phase == "Failed"


def test_effective_count_without_interval_is_one() -> None:
    rep = ar.simulate([ar.MetricSpec("once")], lambda n, k: (ar.ae.SUCCESSFUL, "") if k == 0 else None)
    assert rep.phase == "Successful" and len(rep.measurements) == 1


def test_consecutive_success_limit() -> None:
    spec = ar.MetricSpec("m", interval=10, count=5, failure_limit=-1, consecutive_success_limit=2)
    seq = [ar.ae.FAILED, ar.ae.SUCCESSFUL, ar.ae.SUCCESSFUL]
    rep = ar.simulate([spec], lambda n, k: (seq[k], "") if k < len(seq) else None)
    assert rep.phase == "Successful" and len(rep.measurements) == 3


def test_eval_empty_shows_the_error(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(UNGUARDED)
    res = CliRunner().invoke(cli, ["analysis", "eval", "error-rate", str(tmp_path / "t.yaml"), "--empty"])
    assert res.exit_code == 1
    assert "Error" in res.output and "index out of range" in res.output


def _validate_vectors() -> list[dict[str, Any]]:
    if not VECTORS.exists():
        return []
    return [v for v in json.loads(VECTORS.read_text())["vectors"] if v["function"] == "ValidateMetrics"]


@pytest.mark.skipif(not _validate_vectors(), reason="argo vectors not available")
@pytest.mark.parametrize("vec", _validate_vectors(), ids=lambda v: v["source"].split(":")[-1])
def test_spec_validation_matches_controller_vectors(vec: dict[str, Any]) -> None:
    import re

    got = ar.validate_metrics(vec["input"]["metrics"])
    expected = vec["expected"]
    if "errorRegexp" in expected:
        assert got is not None and re.fullmatch(expected["errorRegexp"], got), got
    else:
        assert got == expected["error"]


def test_dry_run_metric_neither_terminates_nor_decides() -> None:
    specs = [ar.MetricSpec("experimental", interval=10, count=3, dry_run=True),
             ar.MetricSpec("gate", interval=10, count=3)]
    answers = {"experimental": [ar.ae.FAILED] * 3, "gate": [ar.ae.SUCCESSFUL] * 3}
    rep = ar.simulate(specs, lambda n, k: (answers[n][k], "") if k < 3 else None)
    assert [r.phase for r in rep.metrics] == ["Failed", "Successful"]
    assert rep.phase == "Successful"
    # The dry-run metric completes Failed after its first measurement; the gate still takes all three.
    assert [m.metric for m in rep.measurements].count("gate") == 3


def test_dry_run_patterns_are_unanchored_regexps() -> None:
    assert ar.is_dry_run("error-rate", ("rate",))
    assert ar.is_dry_run("error-rate", (".*",))
    assert not ar.is_dry_run("latency", ("^error",))


def test_dry_run_from_the_cli(tmp_path: Path) -> None:
    code, out = run(tmp_path, TEMPLATE.format(count=2, failure_limit=0), [vector(0.2), vector(0.2)],
                    "--arg", "service-name=x", "--dry-run", "error-.*")
    assert (code, out["phase"]) == (0, "Successful")
    assert out["metrics"][0]["phase"] == "Failed" and out["metrics"][0]["dryRun"] is True
