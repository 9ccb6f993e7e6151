"""Every numeric vector of Argo Rollouts' own unit tests (shared/vectors/argo-vectors.json) against the model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from rolloutlint.simulate import istio as ist
from rolloutlint.simulate.intorstr import max_surge, max_unavailable, resolve_fenceposts
from rolloutlint.simulate.replicas import (
    all_desired_are_available,
    approximate_split,
    at_desired_replica_counts,
    basic_canary_counts,
    check_replicas_available,
    replica_progress_threshold_met,
    replicas_for_scale_down,
    traffic_routed_counts,
)
from rolloutlint.simulate.steps import (
    RS,
    abort_weight,
    canary_replicas_or_weight,
    current_set_weight,
    desired_canary_weight,
    pause_duration_seconds,
    traffic_weight_to_replicas,
)
from rolloutlint.simulate.timeline import desired_traffic, simulate_rollout

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
VECTORS = SHARED / "vectors" / "argo-vectors.json"
if not VECTORS.is_file():
    pytest.skip(f"{VECTORS} not present (shared references are not part of the repository)", allow_module_level=True)

#: Whole functions that are not part of the controller model: their vectors are validation *messages*, which the
#: linter's rules (RL1xx-RL4xx) check, not numbers the reconcile produces.
NOT_THE_MODEL: dict[str, str] = {
    "ValidateMetrics": "AnalysisTemplate validation message (linter rule, not reconcile math)",
    "ValidateVirtualService": "admission-style validation message (linter rule)",
    "ValidateRolloutVirtualServicesConfig": "validation message (linter rule)",
    "ValidateService": "validation message (linter rule)",
    "ValidateAnalysisTemplatesWithType": "validation message (linter rule)",
    "ValidateAnalysisTemplateWithType": "validation message (linter rule)",
    "validateAnalysisMetrics": "validation message (linter rule)",
    "invalidMaxSurgeMaxUnavailable": "validation message (linter rule); the fencepost math is tested via "
                                     "resolveFenceposts",
    "ValidateRollout": "validation message (linter rule)",
    "ValidateRolloutStrategyBlueGreen": "validation message (linter rule)",
    "ValidateRolloutStrategyCanary": "validation message (linter rule)",
    "kubectl-argo-rollouts lint -f": "CLI lint output (linter rule)",
}

#: Individual vectors the model intentionally does not follow (source -> reason). Keep this rare.
INTENTIONAL_DEVIATIONS: dict[str, str] = {}


def _load() -> list[dict[str, Any]]:
    return json.loads(VECTORS.read_text(encoding="utf-8"))["vectors"]


def _rs(data: dict[str, Any] | None) -> RS | None:
    if data is None:
        return None
    return RS(data.get("name", ""), data.get("specReplicas"), data.get("availableReplicas") or 0,
              data.get("statusReplicas"))


# --------------------------------------------------------------------------------------------- runners

def _basic(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    others = [_rs(o) for o in inp.get("otherRSs") or []]
    canary, stable = basic_canary_counts(inp["rollout"], _rs(inp["newRS"]), _rs(inp["stableRS"]), others)
    assert {"canary": canary, "stable": stable} == {k: exp[k] for k in ("canary", "stable")}


def _traffic_routed(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    canary, stable = traffic_routed_counts(inp["rollout"], _rs(inp["newRS"]), _rs(inp["stableRS"]), inp["weights"])
    got = {"canary": canary, "stable": stable}
    assert {k: got[k] for k in exp} == exp


def _approximate(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    canary, stable = approximate_split(inp["specReplicas"], inp["desiredWeight"], inp["maxWeight"], inp["maxSurge"])
    assert {"canary": canary, "stable": stable} == exp


def _weight_to_replicas(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    assert traffic_weight_to_replicas(inp["replicas"], inp["weight"], inp["maxWeight"]) == exp["replicas"]


def _fenceposts(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    surge, unavailable, error = resolve_fenceposts(inp["maxSurge"], inp["maxUnavailable"], inp["desired"])
    assert (surge, unavailable, error is not None) == (exp["surge"], exp["unavailable"], exp["error"])


def _max_surge(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    assert max_surge(inp["rollout"]) == exp["maxSurge"]


def _max_unavailable(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    assert max_unavailable(inp["rollout"]) == exp["maxUnavailable"]


def _scale_down(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    assert replicas_for_scale_down(_rs(inp["rs"]), inp["ignoreAvailability"]) == exp["replicas"]


def _threshold(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    assert replica_progress_threshold_met(inp["threshold"], _rs(inp["rs"]), inp["desired"]) == exp["met"]


def _all_available(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    assert all_desired_are_available(_rs(inp["rs"]), inp["desired"]) == exp["result"]


def _at_desired(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    others = [_rs(o) for o in inp.get("otherRSs") or []]
    got = at_desired_replica_counts(inp["rollout"], _rs(inp["newRS"]), _rs(inp["stableRS"]), others, inp["weights"])
    assert got == exp["result"]


def _pause(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    assert pause_duration_seconds(inp["duration"]) == exp["seconds"]


def _current_set_weight(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    assert current_set_weight(inp["rollout"]) == exp["weight"]


def _replicas_or_weight(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    replicas, weight = canary_replicas_or_weight(inp["rollout"], _rs(inp["newRS"]), _rs(inp["stableRS"]))
    assert {"replicas": replicas, "weight": weight} == exp


def _desired_canary_weight(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    assert desired_canary_weight(inp["rollout"], _rs(inp["newRS"]), _rs(inp["stableRS"])) == exp["weight"]


def _reconcile_desired(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    weights = (inp["rollout"].get("status", {}).get("canary") or {}).get("weights")
    decision = desired_traffic(inp["rollout"], _rs(inp["newRS"]), _rs(inp["stableRS"]), weights,
                               experiment=inp.get("experiment"))
    assert decision.desired == exp["desiredWeight"]
    if "weightDestinations" in exp:
        assert decision.dests == exp["weightDestinations"]
    if "removeManagedRoutes" in exp:
        assert decision.remove_managed_routes == exp["removeManagedRoutes"]
    if "canaryServiceSelectorSwitchedToStable" in exp:
        assert decision.canary_service_to_stable == exp["canaryServiceSelectorSwitchedToStable"]


def _abort_weight(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    _reconcile_desired(inp, exp)
    weights = inp["rollout"]["status"]["canary"]["weights"]
    got = abort_weight(inp["rollout"], _rs(inp["newRS"]), _rs(inp["stableRS"]), weights["canary"]["weight"])
    assert got == exp["desiredWeight"]


def _check_available(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    canary: dict[str, Any] = {"trafficRouting": {}}
    if inp["maxTrafficWeight"] is not None:
        canary["trafficRouting"]["maxTrafficWeight"] = inp["maxTrafficWeight"]
    if inp["replicaProgressThreshold"] is not None:
        canary["replicaProgressThreshold"] = inp["replicaProgressThreshold"]
    ro = {"spec": {"replicas": inp["specReplicas"], "strategy": {"canary": canary}}}
    assert check_replicas_available(ro, _rs(inp["rs"]), inp["desiredWeight"]) == exp["result"]


# --------------------------------------------------------------------------------------------- Istio runners

def _cfg(rollout: dict[str, Any]) -> ist.IstioConfig:
    return ist.config_from_canary(rollout, rollout.get("stablePingPong"), rollout.get("name", ""))


def _weights_of(route: list[dict[str, Any]]) -> dict[str, int]:
    return {d["destination"]["host"]: d["weight"] for d in route}


def _find_route(spec: dict[str, Any], kind: str, want: dict[str, Any]) -> dict[str, Any]:
    routes = spec.get(kind) or []
    if "index" in want:
        return routes[want["index"]]
    if "port" in want:
        return next(r for r in routes if any(m.get("port") == want["port"] for m in r.get("match") or []))
    return next(r for r in routes if (r.get("name") or "") == want["name"])


def _assert_routes(spec: dict[str, Any], expected: dict[str, Any]) -> None:
    for kind in ist.ROUTE_KINDS:
        for want in expected.get(kind, []):
            route = _find_route(spec, kind, want)["route"]
            if "weights" in want:
                got = _weights_of(route)
                assert {h: got.get(h) for h in want["weights"]} == want["weights"]
            if "routeLength" in want:
                assert len(route) == want["routeLength"]
            if "route" in want:
                flat = [{"host": d["destination"]["host"], **({"subset": d["destination"]["subset"]}
                         if "subset" in d["destination"] else {}), "weight": d["weight"]} for d in route]
                assert flat == want["route"]


def _reconcile_vs(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    cfg = _cfg(inp["rollout"])
    dests = inp.get("additionalDestinations") or []
    if "virtualServices" in inp:
        for ref in cfg.virtual_services:
            spec = ist.set_weight(inp["virtualServices"][ref["name"]], ref, cfg, inp["desiredWeight"], dests)
            _assert_routes(spec, exp[ref["name"]])
        return
    for ref in cfg.virtual_services:
        spec = ist.set_weight(inp["virtualService"], ref, cfg, inp["desiredWeight"], dests)
        _assert_routes(spec, exp)


def _reconcile_vs_error(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    cfg = _cfg(inp["rollout"])
    with pytest.raises(ist.IstioError) as info:
        for ref in cfg.virtual_services:
            ist.set_weight(inp["virtualService"], ref, cfg, inp["desiredWeight"], [])
    assert str(info.value) == exp["error"]


def _expect_error(fn: Callable[[], Any], error: str | None) -> None:
    if error is None:
        fn()
        return
    with pytest.raises(ist.IstioError) as info:
        fn()
    assert str(info.value) == error


def _validate_destinations(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    cfg = ist.IstioConfig(canary_service=inp["canarySvc"], stable_service=inp["stableSvc"],
                          destination_rule=inp["destinationRule"])
    _expect_error(lambda: ist.validate_route_destinations(inp["route"], cfg), exp["error"])


def _validate_http(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    cfg = _cfg(inp["rollout"])
    spec = {"http": inp["httpRoutes"]}
    _expect_error(lambda: ist.selected_routes(spec, cfg.virtual_services[0], cfg), exp["error"])


def _managed_routes(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    cfg = _cfg(inp["rollout"])
    ref = cfg.virtual_services[0]
    spec = inp["virtualService"]
    for op in inp["operations"]:
        if "setMirrorRoute" in op:
            spec = ist.set_mirror_route(spec, ref, cfg, op["setMirrorRoute"])
        elif "setHeaderRoute" in op:
            spec = ist.set_header_route(spec, ref, cfg, op["setHeaderRoute"])
        elif "setWeight" in op:
            spec = ist.set_weight(spec, ref, cfg, op["setWeight"], [])
    names = [r.get("name") for r in spec["http"]]
    if "httpRouteOrder" in exp:
        assert names == exp["httpRouteOrder"]
    if "httpRouteCount" in exp:
        assert len(names) == exp["httpRouteCount"]
    for want in exp.get("http", []):
        route = _find_route(spec, "http", want)
        if "weights" in want:
            got = _weights_of(route["route"])
            assert {h: got.get(h) for h in want["weights"]} == want["weights"]
        if "routeLength" in want:
            assert len(route["route"]) == want["routeLength"]
        if "mirror" in want:
            mirror = route["mirror"]
            assert {"host": mirror.get("host"), "subset": mirror.get("subset", "")} == want["mirror"]
        if "mirrorPercentage" in want:
            assert route["mirrorPercentage"]["value"] == want["mirrorPercentage"]
    # the vectors list the routes in their final order
    assert [n for n in names if n in {w["name"] for w in exp.get("http", [])}] == [w["name"] for w in exp.get("http", [])]


def _update_hash(inp: dict[str, Any], exp: dict[str, Any]) -> None:
    rollout = inp["rollout"]
    if inp["destinationRule"] is None:
        # The controller's lookup fails; the simulator reports the missing DestinationRule as a problem.
        ro = {"metadata": {"name": rollout["name"]},
              "spec": {"replicas": 1, "strategy": {"canary": {"trafficRouting": {"istio": rollout["istio"]},
                                                              "steps": [{"setWeight": 10}]}}}}
        problems = simulate_rollout(ro)["problems"]
        assert any(f'DestinationRule {rollout["istio"]["destinationRule"]["name"]} not found' in p for p in problems)
        assert "not found" in exp["error"]
        return
    cfg = _cfg(rollout)
    got = ist.update_hash(inp["destinationRule"], cfg, inp["canaryHash"], inp["stableHash"],
                          inp["additionalDestinations"])
    subsets = got["spec"]["subsets"]
    if "annotations" in exp:
        assert got["metadata"]["annotations"] == exp["annotations"]
    if "subsets" in exp:
        assert subsets == exp["subsets"]
    if "object" in exp:
        assert got["metadata"] == exp["object"]["metadata"]
        assert got["spec"] == exp["object"]["spec"]
    if "modified" in exp:
        assert (got != inp["destinationRule"]) == exp["modified"]
    if "subsetCount" in exp:
        assert len(subsets) == exp["subsetCount"]
    for key, value in exp.items():
        if key.startswith("subsets["):
            assert subsets[int(key[len("subsets["):-1])] == value


RUNNERS: dict[str, Callable[[dict[str, Any], dict[str, Any]], None]] = {
    "CalculateReplicaCountsForBasicCanary": _basic,
    "CalculateReplicaCountsForTrafficRoutedCanary": _traffic_routed,
    "approximateWeightedCanaryStableReplicaCounts": _approximate,
    "trafficWeightToReplicas": _weight_to_replicas,
    "resolveFenceposts": _fenceposts,
    "MaxSurge": _max_surge,
    "MaxUnavailable": _max_unavailable,
    "GetReplicasForScaleDown": _scale_down,
    "ReplicaProgressThresholdMet": _threshold,
    "allDesiredAreAvailable": _all_available,
    "AtDesiredReplicaCountsForCanary": _at_desired,
    "RolloutPause.DurationSeconds": _pause,
    "GetCurrentSetWeight": _current_set_weight,
    "GetCanaryReplicasOrWeight": _replicas_or_weight,
    "GetDesiredCanaryWeight": _desired_canary_weight,
    "reconcileTrafficRouting.desiredWeight": _reconcile_desired,
    "calculateDesiredWeightOnAbortOrStableRollback": _abort_weight,
    "checkReplicasAvailable": _check_available,
    "istio.reconcileVirtualService": _reconcile_vs,
    "istio.SetWeight": _reconcile_vs,
    "istio.reconcileVirtualService(error)": _reconcile_vs_error,
    "istio.validateVirtualServiceRouteDestinations": _validate_destinations,
    "istio.ValidateHTTPRoutes": _validate_http,
    "istio.SetMirrorRoute+SetWeight": _managed_routes,
    "istio.SetMirrorRoute": _managed_routes,
    "istio.SetHeaderRoute": _managed_routes,
    "istio.UpdateHash": _update_hash,
}

ALL = _load()
MODEL_VECTORS = [v for v in ALL if v["function"] not in NOT_THE_MODEL]


def test_every_function_is_classified() -> None:
    unknown = {v["function"] for v in ALL} - set(RUNNERS) - set(NOT_THE_MODEL)
    assert not unknown, f"vectors for functions neither run nor excluded: {sorted(unknown)}"


@pytest.mark.parametrize("vector", MODEL_VECTORS, ids=[f"{v['function']}::{v['source'].split(':', 1)[-1]}"
                                                       for v in MODEL_VECTORS])
def test_vector(vector: dict[str, Any]) -> None:
    if vector["source"] in INTENTIONAL_DEVIATIONS:
        pytest.skip(INTENTIONAL_DEVIATIONS[vector["source"]])
    RUNNERS[vector["function"]](vector["input"], vector["expected"])
