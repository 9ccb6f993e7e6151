"""Seed 004 scenarios (a 5-replica mock-server canary), re-written from scratch as small manifests.

* Manifest 2 — basic canary, steps 10/20/50/80/100 with pauses, default maxSurge/maxUnavailable (25 %);
* Manifest 3 — the same steps with an Istio VirtualService (route ``primary``);
* Manifest 15 — an experiment step (two weighted templates of 20 % each) before the first setWeight.

The seed's own Table 1 was computed with the naive formula canary = ceil(R·w/100), stable = R − canary (e.g. 2 stable
+ 3 canary at 50 %). The controller does not work that way for a basic canary: it picks the split whose canary share
is closest to the weight, using R or R+1 pods (maxSurge 25 % of 5 → 2 surge pods), and never rounds either side to 0
for weights 1..99 (``approximateWeightedCanaryStableReplicaCounts``). So at 10 % it runs 1 canary + 5 stable
(1/6 ≈ 16.7 %, the very ratio the seed's prose quotes), at 50 % 3 + 3 (exactly 50 %) rather than 3 + 2. The
controller wins; the expected numbers below are the controller's.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from rolloutlint.simulate import render_step_yaml, render_text, simulate_rollout

STEPS = [
    {"setWeight": 10}, {"pause": {"duration": "30s"}},
    {"setWeight": 20}, {"pause": {"duration": "1m"}},
    {"setWeight": 50}, {"pause": {}},
    {"setWeight": 80}, {"pause": {"duration": "2m"}},
    {"setWeight": 100}, {"pause": {}},
]

MANIFEST_2: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Rollout",
    "metadata": {"name": "mock-server"},
    "spec": {
        "replicas": 5,
        "selector": {"matchLabels": {"app": "mock-server"}},
        "template": {"metadata": {"labels": {"app": "mock-server"}},
                     "spec": {"containers": [{"name": "app", "image": "example/mock:2"}]}},
        "strategy": {"canary": {"canaryService": "mock-server-canary", "stableService": "mock-server-stable",
                                "steps": STEPS}},
    },
}

MANIFEST_3 = copy.deepcopy(MANIFEST_2)
MANIFEST_3["spec"]["strategy"]["canary"]["trafficRouting"] = {
    "istio": {"virtualService": {"name": "mock-server", "routes": ["primary"]}}}

VIRTUAL_SERVICE: dict[str, Any] = {
    "apiVersion": "networking.istio.io/v1beta1",
    "kind": "VirtualService",
    "metadata": {"name": "mock-server"},
    "spec": {"hosts": ["mock-server-stable"],
             "http": [{"name": "primary", "route": [
                 {"destination": {"host": "mock-server-stable"}, "weight": 100},
                 {"destination": {"host": "mock-server-canary"}, "weight": 0}]}]},
}

MANIFEST_15 = copy.deepcopy(MANIFEST_3)
MANIFEST_15["spec"]["strategy"]["canary"]["steps"] = [
    {"experiment": {"duration": "2m", "templates": [
        {"name": "stable", "specRef": "stable", "weight": 20, "service": {"name": "mock-server-experiment-stable"}},
        {"name": "canary", "specRef": "canary", "weight": 20, "service": {"name": "mock-server-experiment-canary"}}],
        "analyses": [{"name": "compare", "templateName": "stable-canary-comparison"}]}},
    {"setWeight": 20},
    {"pause": {"duration": "30s"}},
    {"analysis": {"templates": [{"templateName": "success-rate"}]}},
    {"setWeight": 100},
]


def _split(result: dict[str, Any]) -> list[tuple[int, int, int]]:
    return [(s["weight"]["canary"], s["replicas"]["canary"], s["replicas"]["stable"]) for s in result["steps"]]


def test_manifest2_basic_canary_replica_split() -> None:
    result = simulate_rollout(MANIFEST_2, namespace="default")
    assert result["strategy"] == "canary" and result["trafficRouting"] is None and result["replicas"] == 5
    assert result["problems"] == []
    setweight_rows = [(w, c, s) for (w, c, s), step in zip(_split(result), STEPS) if "setWeight" in step]
    # (weight, canary pods, stable pods): 1/5 at 10 %, 1/4 at 20 %, 3/3 at 50 %, 4/1 at 80 %, 5/0 at 100 %
    assert setweight_rows == [(10, 1, 5), (20, 1, 4), (50, 3, 3), (80, 4, 1), (100, 5, 0)]
    # pauses keep the split of the setWeight before them
    assert _split(result)[1] == (10, 1, 5) and _split(result)[9] == (100, 5, 0)
    assert result["steps"][1]["pause"] == {"duration": "30s", "seconds": 30}
    assert result["steps"][5]["pause"] == {"duration": None, "seconds": None}
    assert all(s["virtualServices"] is None and s["destinationRule"] is None for s in result["steps"])
    assert result["promoted"] == {"weight": {"canary": 0, "stable": 100}, "replicas": {"canary": 0, "stable": 5}}
    assert result["aborted"] == {"weight": {"canary": 0, "stable": 100}, "replicas": {"canary": 0, "stable": 5}}


def test_manifest3_istio_stable_stays_full_and_vs_follows_set_weight() -> None:
    result = simulate_rollout(MANIFEST_3, virtual_services={"default/mock-server": VIRTUAL_SERVICE},
                              namespace="default")
    assert result["trafficRouting"] == "istio" and result["problems"] == []
    expected_canary = [1, 1, 1, 1, 3, 3, 4, 4, 5, 5]  # ceil(5·w/100)
    assert [s["replicas"]["stable"] for s in result["steps"]] == [5] * 10
    assert [s["replicas"]["canary"] for s in result["steps"]] == expected_canary
    for row, weight in zip(result["steps"], [10, 10, 20, 20, 50, 50, 80, 80, 100, 100]):
        assert row["weight"] == {"canary": weight, "stable": 100 - weight, "additional": []}
        (vs,) = row["virtualServices"]
        assert vs["namespace"] == "default" and vs["name"] == "mock-server"
        (route,) = vs["routes"]
        assert route["kind"] == "http" and route["name"] == "primary"
        assert route["destinations"] == [
            {"host": "mock-server-stable", "subset": None, "weight": 100 - weight},
            {"host": "mock-server-canary", "subset": None, "weight": weight}]
    assert "weight: 50" in render_step_yaml(result, 4)
    json.dumps(result)  # the result is plain JSON


def test_manifest3_missing_virtual_service_is_a_problem_not_an_error() -> None:
    result = simulate_rollout(MANIFEST_3, namespace="default")
    assert result["problems"] == [("VirtualService default/mock-server not found: weights shown are the controller's "
                                   "desired weights only")]
    assert [s["weight"]["canary"] for s in result["steps"]][:5] == [10, 10, 20, 20, 50]
    assert result["steps"][0]["virtualServices"] == []


def test_manifest15_experiment_weights_60_0_20_20() -> None:
    result = simulate_rollout(MANIFEST_15, virtual_services={"mock-server": VIRTUAL_SERVICE})
    assert result["problems"] == []
    first = result["steps"][0]
    # an experiment before any setWeight runs at weight 0 with no canary pods; the stable takes the rest
    assert first["weight"] == {"canary": 0, "stable": 60, "additional": [
        {"serviceName": "mock-server-experiment-stable", "weight": 20},
        {"serviceName": "mock-server-experiment-canary", "weight": 20}]}
    assert first["replicas"] == {"canary": 0, "stable": 5}
    assert first["analysis"] == ["stable-canary-comparison"]
    weights = {d["host"]: d["weight"] for d in first["virtualServices"][0]["routes"][0]["destinations"]}
    assert weights == {"mock-server-stable": 60, "mock-server-canary": 0, "mock-server-experiment-stable": 20,
                       "mock-server-experiment-canary": 20}
    # once the experiment succeeded its destinations are deleted again (non-zero weight, unknown host)
    second = result["steps"][1]
    assert second["weight"] == {"canary": 20, "stable": 80, "additional": []}
    assert len(second["virtualServices"][0]["routes"][0]["destinations"]) == 2
    assert second["replicas"] == {"canary": 1, "stable": 5}
    assert result["steps"][3]["analysis"] == ["success-rate"]


def test_render_text_of_the_seed() -> None:
    text = render_text([simulate_rollout(MANIFEST_2)])
    assert "setWeight 50" in text and "promoted" in text and "aborted" in text
