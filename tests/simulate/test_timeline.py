"""Whole-rollout simulations: the reconcile doc's worked examples, abort variants, managed routes, blueGreen,
and malformed input (which must never raise)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from rolloutlint.simulate import simulate_rollout

VS = {"metadata": {"name": "vs"}, "spec": {"http": [{"route": [
    {"destination": {"host": "stable"}, "weight": 100}, {"destination": {"host": "canary"}, "weight": 0}]}]}}
STEP_KEYS = ["index", "step", "weight", "replicas", "pause", "analysis", "virtualServices", "destinationRule"]


def _rollout(canary: dict[str, Any], replicas: int = 10) -> dict[str, Any]:
    return {"metadata": {"name": "app", "namespace": "ns"}, "spec": {"replicas": replicas,
                                                                      "strategy": {"canary": canary}}}


def _istio(steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"canaryService": "canary", "stableService": "stable",
            "trafficRouting": {"istio": {"virtualService": {"name": "vs"}}}, "steps": steps, **extra}


def _pods(result: dict[str, Any]) -> list[tuple[int, int]]:
    return [(s["replicas"]["canary"], s["replicas"]["stable"]) for s in result["steps"]]


EXAMPLE_A = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 50}, {"pause": {"duration": "10m"}}, {"setWeight": 80}]


def test_contract_shape() -> None:
    result = simulate_rollout(_rollout(_istio(EXAMPLE_A)), virtual_services={"ns/vs": VS})
    assert list(result) == ["strategy", "trafficRouting", "replicas", "steps", "promoted", "aborted", "problems",
                            "endOfSteps"]
    assert all(list(step) == STEP_KEYS for step in result["steps"])
    assert json.loads(json.dumps(result)) == result


def test_example_a_istio_host_split() -> None:
    result = simulate_rollout(_rollout(_istio(EXAMPLE_A)), virtual_services={"ns/vs": VS})
    assert [s["weight"]["canary"] for s in result["steps"]] == [20, 20, 50, 50, 80]
    assert _pods(result) == [(2, 10), (2, 10), (5, 10), (5, 10), (8, 10)]
    # Example A's "end of steps" row: 0/100 to the canary, 10 canary pods, stable still 10.
    assert result["endOfSteps"] == {"weight": {"canary": 100, "stable": 0}, "replicas": {"canary": 10, "stable": 10}}
    assert result["promoted"] == {"weight": {"canary": 0, "stable": 100}, "replicas": {"canary": 0, "stable": 10}}


def test_example_a_dynamic_stable_scale() -> None:
    result = simulate_rollout(_rollout(_istio(EXAMPLE_A, dynamicStableScale=True)), virtual_services={"ns/vs": VS})
    assert [stable for _, stable in _pods(result)] == [8, 8, 5, 5, 2]
    assert result["aborted"]["replicas"] == {"canary": 0, "stable": 10}


def test_example_b_basic_canary_defaults() -> None:
    steps = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 50}, {"pause": {}}]
    result = simulate_rollout(_rollout({"steps": steps}))
    assert _pods(result) == [(2, 8), (2, 8), (5, 5), (5, 5)]
    assert result["aborted"] == {"weight": {"canary": 0, "stable": 100}, "replicas": {"canary": 0, "stable": 10}}


def test_basic_canary_surge_one_unavailable_zero() -> None:
    steps = [{"setWeight": 25}, {"setWeight": 50}, {"setWeight": 75}]
    result = simulate_rollout(_rollout({"maxSurge": 1, "maxUnavailable": 0, "steps": steps}, replicas=4))
    assert _pods(result) == [(1, 3), (2, 2), (3, 1)]


def test_steps_before_first_set_weight_run_at_zero() -> None:
    result = simulate_rollout(_rollout(_istio([{"pause": {"duration": 60}}, {"setWeight": 30}])),
                              virtual_services={"vs": VS})
    assert result["steps"][0]["weight"]["canary"] == 0 and _pods(result)[0] == (0, 10)
    assert result["steps"][0]["pause"] == {"duration": 60, "seconds": 60}


@pytest.mark.parametrize(("dynamic", "delay", "canary_after_abort"), [
    (False, None, 0),   # default 30 s, then scaled down
    (False, 0, 6),      # 0 = never scaled down
    (True, None, 0),    # shrinks with traffic
    (True, 30, 0),
])
def test_abort(dynamic: bool, delay: int | None, canary_after_abort: int) -> None:
    extra: dict[str, Any] = {"dynamicStableScale": dynamic}
    if delay is not None:
        extra["abortScaleDownDelaySeconds"] = delay
    result = simulate_rollout(_rollout(_istio([{"setWeight": 20}, {"setWeight": 60}], **extra)),
                              virtual_services={"vs": VS})
    assert result["aborted"] == {"weight": {"canary": 0, "stable": 100},
                                 "replicas": {"canary": canary_after_abort, "stable": 10}}


def test_set_canary_scale_and_min_pods() -> None:
    steps = [{"setCanaryScale": {"replicas": 3}}, {"setWeight": 5}, {"setCanaryScale": {"weight": 50}},
             {"setCanaryScale": {"matchTrafficWeight": True}}]
    result = simulate_rollout(_rollout(_istio(steps, minPodsPerReplicaSet=2)), virtual_services={"vs": VS})
    assert _pods(result) == [(3, 10), (3, 10), (5, 10), (2, 10)]
    assert [s["weight"]["canary"] for s in result["steps"]] == [0, 5, 5, 5]


def test_set_canary_scale_ignored_without_traffic_routing() -> None:
    result = simulate_rollout(_rollout({"steps": [{"setCanaryScale": {"replicas": 3}}, {"setWeight": 50}]}))
    assert "step 0: setCanaryScale is ignored without trafficRouting" in result["problems"]
    assert _pods(result)[0] == (0, 10)


def test_header_and_mirror_routes() -> None:
    canary = _istio([{"setWeight": 10},
                     {"setHeaderRoute": {"name": "hdr", "match": [{"headerName": "x-canary",
                                                                   "headerValue": {"exact": "yes"}}]}},
                     {"setMirrorRoute": {"name": "mirror", "match": [{"method": {"exact": "GET"}}],
                                         "percentage": 30}},
                     {"setWeight": 40},
                     {"setHeaderRoute": {"name": "hdr"}}])
    canary["trafficRouting"]["istio"]["virtualService"]["routes"] = ["primary"]
    canary["trafficRouting"]["managedRoutes"] = [{"name": "hdr"}, {"name": "mirror"}]
    vs = copy.deepcopy(VS)
    vs["spec"]["http"][0]["name"] = "primary"
    result = simulate_rollout(_rollout(canary), virtual_services={"vs": vs})
    assert result["problems"] == []
    names = [[r["name"] for r in s["virtualServices"][0]["routes"]] for s in result["steps"]]
    assert names == [["primary"], ["hdr", "primary"], ["hdr", "mirror", "primary"], ["hdr", "mirror", "primary"],
                     ["mirror", "primary"]]
    at_40 = {r["name"]: [d["weight"] for d in r["destinations"]] for r in result["steps"][3]["virtualServices"][0]["routes"]}
    assert at_40 == {"hdr": [100], "mirror": [60, 40], "primary": [60, 40]}


def test_destination_rule_placeholders_and_missing_dr() -> None:
    canary = _istio([{"setWeight": 10}])
    canary["trafficRouting"]["istio"]["destinationRule"] = {"name": "dr", "canarySubsetName": "canary",
                                                            "stableSubsetName": "stable"}
    vs = {"metadata": {"name": "vs"}, "spec": {"http": [{"route": [
        {"destination": {"host": "svc", "subset": "stable"}, "weight": 100},
        {"destination": {"host": "svc", "subset": "canary"}, "weight": 0}]}]}}
    dr = {"metadata": {"name": "dr"}, "spec": {"host": "svc", "subsets": [
        {"name": "stable", "labels": {"v": "1"}}, {"name": "canary"}, {"name": "legacy"}]}}
    result = simulate_rollout(_rollout(canary), virtual_services={"vs": vs}, destination_rule=dr)
    assert result["steps"][0]["destinationRule"] == {"namespace": "ns", "name": "dr", "subsets": [
        {"name": "stable", "labels": {"v": "1", "rollouts-pod-template-hash": "<stable>"}},
        {"name": "canary", "labels": {"rollouts-pod-template-hash": "<canary>"}}]}
    assert "DestinationRule dr: subset 'legacy' is removed by the controller" in result["problems"]
    missing = simulate_rollout(_rollout(canary), virtual_services={"vs": vs})
    assert missing["steps"][0]["destinationRule"] is None
    assert any(p.startswith("DestinationRule ns/dr not found") for p in missing["problems"])


def test_invalid_virtual_service_route_is_a_problem() -> None:
    canary = _istio([{"setWeight": 10}])
    canary["trafficRouting"]["istio"]["virtualService"]["routes"] = ["nope"]
    result = simulate_rollout(_rollout(canary), virtual_services={"vs": VS})
    assert any("HTTP Route 'nope' is not found" in p for p in result["problems"])
    assert result["steps"][0]["weight"]["canary"] == 10  # the controller's desired weight is still shown


def test_virtual_service_in_other_namespace() -> None:
    canary = _istio([{"setWeight": 10}])
    canary["trafficRouting"]["istio"]["virtualService"]["name"] = "vs.mesh"
    result = simulate_rollout(_rollout(canary), virtual_services={"mesh/vs": VS})
    assert result["steps"][0]["virtualServices"][0]["namespace"] == "mesh"


def test_blue_green() -> None:
    ro = {"spec": {"replicas": 4, "strategy": {"blueGreen": {
        "activeService": "active", "previewService": "preview", "previewReplicaCount": 1,
        "autoPromotionEnabled": False, "prePromotionAnalysis": {"templates": [{"templateName": "smoke"}]},
        "postPromotionAnalysis": {"templates": [{"templateName": "slo"}]}}}}}
    result = simulate_rollout(ro)
    assert result["strategy"] == "blueGreen" and result["trafficRouting"] is None
    deploy, promote = result["steps"]
    assert deploy["replicas"] == {"canary": 1, "stable": 4} and deploy["pause"] == {"duration": None,
                                                                                   "seconds": None}
    assert deploy["analysis"] == ["smoke"] and promote["analysis"] == ["slo"]
    assert promote["weight"]["canary"] == 100 and promote["replicas"] == {"canary": 4, "stable": 4}
    assert result["promoted"]["replicas"] == {"canary": 0, "stable": 4}


@pytest.mark.parametrize("rollout", [
    None, [], "text", {}, {"spec": None}, {"spec": {"strategy": None}}, {"spec": {"strategy": {"rolling": {}}}},
    {"spec": {"replicas": "x", "strategy": {"canary": None}}},
    {"spec": {"replicas": -3, "strategy": {"canary": {"steps": [{"setWeight": 50}]}}}},
    {"spec": {"strategy": {"canary": {"steps": "oops"}}}},
    {"spec": {"strategy": {"canary": {"steps": [None, 3, {"setWeight": "x"}, {"pause": "x"}, {"bogus": 1},
                                                {"setWeight": 150}, {"pause": {"duration": "1z"}}]}}}},
    {"spec": {"strategy": {"canary": {"trafficRouting": {"istio": {"virtualService": "vs"}}, "steps": [{}]}}}},
    {"spec": {"strategy": {"canary": {"trafficRouting": {"istio": {"virtualServices": [{"name": 3}]}},
                                      "steps": [{"setWeight": 10}]}}}},
    {"spec": {"strategy": {"canary": {"maxSurge": [], "maxUnavailable": {}, "steps": [{"setWeight": 10}]}}}},
    {"spec": {"strategy": {"blueGreen": {"previewReplicaCount": "two"}}}},
])
def test_malformed_input_never_raises(rollout: Any) -> None:
    result = simulate_rollout(rollout, virtual_services={"vs": {"spec": {"http": "bad"}}},
                              destination_rule={"spec": []})
    json.dumps(result)
    assert isinstance(result["problems"], list)
    assert result["problems"], "malformed input must be reported"


def test_malformed_virtual_services_never_raise() -> None:
    canary = _istio([{"setWeight": 10}])
    canary["trafficRouting"]["istio"]["destinationRule"] = {"name": "dr"}
    for vs in ({"spec": {"http": "bad"}}, {"spec": {"http": [None, {"route": "x"}]}}, {"spec": {"tls": [{}]}}, {}):
        result = simulate_rollout(_rollout(canary), virtual_services={"vs": vs},
                                  destination_rule={"metadata": {"name": "dr"}, "spec": {"subsets": "x"}})
        json.dumps(result)
        assert not any(p.startswith("internal error") for p in result["problems"]), result["problems"]


def test_large_rollout_with_surge_one_converges() -> None:
    ro = _rollout({"maxSurge": 1, "maxUnavailable": 0, "steps": [{"setWeight": 33}]}, replicas=1000)
    result = simulate_rollout(ro)
    assert result["problems"] == [] and _pods(result) == [(330, 670)]
