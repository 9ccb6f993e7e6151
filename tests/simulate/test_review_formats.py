"""simulate's review formats: step times, progress deadline, Istio rejections per state, markdown, end-state YAML."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from rolloutlint.cli import cli
from rolloutlint.simulate import simulate_rollout
from rolloutlint.simulate.durations import estimate, format_seconds, metric_seconds
from rolloutlint.plan.states import admission_errors, lint_states
from rolloutlint.simulate.timeline import StepResult
from tests.plan.mermaid import mermaid_blocks

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bookinfo"


def invoke(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, ["simulate", *args], catch_exceptions=False)
    return res.exit_code, res.stdout


def canary(steps: list[Any], **spec: Any) -> dict[str, Any]:
    return {"kind": "Rollout", "metadata": {"name": "r"},
            "spec": {"replicas": 4, "strategy": {"canary": {"steps": steps}}, **spec}}


def test_metric_time_is_initial_delay_plus_intervals_between_measurements() -> None:
    assert metric_seconds({"initialDelay": "30s", "interval": "1m", "count": 5}) == (270.0, False)
    assert metric_seconds({}) == (0.0, False)  # one measurement at once
    assert metric_seconds({"interval": "1m"}) == (None, True)  # no count: measures until it fails
    assert metric_seconds({"interval": "{{args.i}}", "count": 2}) == (None, False)


def test_step_times_total_and_indefinite() -> None:
    templates = {"t": {"spec": {"metrics": [{"interval": "2m", "count": 3}, {"interval": "1m", "count": 2}]}}}
    ro = canary([{"setWeight": 20}, {"pause": {"duration": "1h"}},
                 {"analysis": {"templates": [{"templateName": "t"}]}}, {"experiment": {"duration": "10m"}}])
    d = estimate(simulate_rollout(ro), ro, lambda name, cluster: templates.get(name))
    assert [s["seconds"] for s in d["steps"]] == [0.0, 3600.0, 240.0, 600.0]
    assert [s["start"] for s in d["steps"]] == [0.0, 0.0, 3600.0, 3840.0]
    assert d["totalSeconds"] == 4440.0 and not d["indefinite"]
    manual = canary([{"setWeight": 20}, {"pause": {}}])
    d = estimate(simulate_rollout(manual), manual)
    assert d["indefinite"] and d["totalSeconds"] is None and d["steps"][1]["indefinite"]
    assert format_seconds(4440) == "1h 14m" and format_seconds(None, True) == "indefinite"


def test_progress_deadline_counts_scaling_not_pauses() -> None:
    # A long pause never times out (paused, isIndefiniteStep) ...
    ro = canary([{"setWeight": 20}, {"pause": {"duration": "2h"}}], progressDeadlineSeconds=60)
    assert estimate(simulate_rollout(ro), ro)["warnings"] == []
    # ... but pods that cannot become available before the deadline do.
    ro = canary([{"setWeight": 20}], progressDeadlineSeconds=60, minReadySeconds=90, progressDeadlineAbort=True)
    (warning,) = estimate(simulate_rollout(ro), ro)["warnings"]
    assert "minReadySeconds 90" in warning and "aborts the update" in warning
    # blueGreen: a pre-promotion analysis without a pause counts.
    bg: dict[str, Any] = {"kind": "Rollout", "metadata": {"name": "b"}, "spec": {"replicas": 2, "strategy": {"blueGreen": {
        "activeService": "a", "prePromotionAnalysis": {"templates": [{"templateName": "t"}]}}}}}
    lookup = {"t": {"spec": {"metrics": [{"interval": "5m", "count": 4}]}}}.get
    d = estimate(simulate_rollout(bg), bg, lambda n, c: lookup(n))
    assert d["steps"][0]["seconds"] == 900 and "pre-promotion analysis" in d["warnings"][0]
    bg["spec"]["strategy"]["blueGreen"]["autoPromotionEnabled"] = False
    assert estimate(simulate_rollout(bg), bg, lambda n, c: lookup(n))["warnings"] == []


def _vs(weights: list[int], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    route = [{"destination": {"host": f"h{i}"}, "weight": w} for i, w in enumerate(weights)]
    http = [{"name": "primary", "route": route}] + ([extra] if extra else [])
    return {"apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
            "metadata": {"name": "vs", "namespace": "ns"}, "spec": {"hosts": ["h"], "http": http}}


def _state(index: int, docs: list[dict[str, Any]]) -> StepResult:
    row = StepResult(index=index, step={"setWeight": 0})
    row.documents = docs
    return row


def test_rejected_state_is_reported_at_the_step_that_produces_it() -> None:
    result = {"steps": [_state(0, [_vs([90, 10])]), _state(1, [_vs([0, 0])]), _state(2, [_vs([0, 0])])],
              "promoted": _state(-1, [_vs([100, 0], {"name": "hdr"})])}
    found = lint_states(result, [_vs([100, 0])])
    assert [(f["state"], f["message"].split()[0]) for f in found] == [("step 1", "RL211"), ("promoted", "Istio")]
    assert "total destination weight = 0" in found[0]["message"]
    assert "HTTP route, redirect or direct_response is required" in found[1]["message"]
    # A problem the Git version already has is the lint's to report, not the simulation's.
    assert lint_states(result, [_vs([0, 0])])[0]["state"] == "promoted"


def test_admission_errors() -> None:
    assert admission_errors({"kind": "VirtualService", "spec": {}}) == [
        "http, tcp or tls must be provided in virtual service"]
    assert admission_errors({"kind": "VirtualService", "spec": {"tcp": [{"match": [{"port": 1}]}]}}) == [
        "tcp[0]: TCP route is required"]
    assert admission_errors(_vs([1, 2])) == []


def test_markdown_format() -> None:
    code, out = invoke(str(EXAMPLE), "-f", "markdown")
    assert code == 0
    assert "| step | action | canary % |" in out and "**Time to full promotion:** 17m" in out
    weights, pods = mermaid_blocks(out)
    # every step, the end of steps (all traffic to the canary at full size), then promoted
    assert weights["series"] == [[10, 10, 25, 25, 50, 50, 80, 80, 100, 0], [90, 90, 75, 75, 50, 50, 20, 20, 0, 100]]
    assert pods["series"][1] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 0]


def test_end_states_render_as_yaml() -> None:
    code, out = invoke(str(EXAMPLE), "-f", "yaml", "--step", "promoted")
    assert code == 0
    docs = {d["kind"]: d for d in yaml.safe_load_all(out)}
    assert [r["weight"] for r in docs["VirtualService"]["spec"]["http"][0]["route"]] == [100, 0]
    hashes = {s["labels"]["rollouts-pod-template-hash"] for s in docs["DestinationRule"]["spec"]["subsets"]}
    assert hashes == {"<canary>"}  # both subsets select the promoted ReplicaSet
    code, out = invoke(str(EXAMPLE), "-f", "yaml", "--step", "aborted")
    docs = {d["kind"]: d for d in yaml.safe_load_all(out)}
    labels = {s["name"]: s["labels"]["rollouts-pod-template-hash"] for s in docs["DestinationRule"]["spec"]["subsets"]}
    assert labels == {"stable": "<stable>", "canary": "<canary>"}
    assert [r["weight"] for r in docs["VirtualService"]["spec"]["http"][0]["route"]] == [100, 0]
    assert invoke(str(EXAMPLE), "-f", "yaml", "--step", "later")[0] == 2


def test_html_timeline_shows_the_end_of_steps() -> None:
    code, out = invoke(str(EXAMPLE), "-f", "html")
    assert code == 0
    # past the last step, then the end states, each in its own box
    assert re.findall(r'class="end-state (\w+)"', out) == ["endOfSteps", "promoted", "aborted"]
