"""Dry-run of one Rollout update: the state the controller converges to at every step.

The simulation is idealised (pods become available at once, analyses and experiments succeed, pauses are
resumed) and replays the controller's reconcile loop for each step index until nothing changes:

* traffic routing (``rollout/trafficrouting.go`` ``reconcileTrafficRouting``) — desired weight, experiment
  destinations, header/mirror routes, DestinationRule hashes, VirtualService weights;
* replica scaling (``rollout/canary.go`` ``reconcileCanaryReplicaSets``) — stable first, then the new RS, one change
  per reconcile, the stable sized from the weights recorded *before* the reconcile.

Hashes are unknown in a dry run: the new ReplicaSet's hash is written ``<canary>``, the stable's ``<stable>``.

BlueGreen produces two synthetic steps — index 0 ``{"deployPreview": ...}`` (the new ReplicaSet scaled to
``previewReplicaCount`` behind the preview Service, pre-promotion analysis, pause unless auto-promotion) and index 1
``{"promote": ...}`` (active Service switched, new RS at full size, old RS kept for ``scaleDownDelaySeconds``,
post-promotion analysis). Its "weight" is the share of the active Service's traffic.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import yaml

from rolloutlint.simulate import istio as ist
from rolloutlint.simulate.intorstr import DEFAULT_INT_OR_PERCENT, resolve_fenceposts, spec_replicas
from rolloutlint.simulate.replicas import (
    at_desired_replica_counts,
    basic_canary_counts,
    check_replicas_available,
    traffic_routed_counts,
)
from rolloutlint.simulate.steps import (
    RS,
    abort_delay,
    abort_weight,
    analysis_template_names,
    as_int,
    current_set_weight,
    current_step,
    dig,
    dynamic_stable_scale,
    experiment_destinations,
    max_traffic_weight,
    pause_duration_seconds,
    previous_set_weight,
    step_kind,
    steps_of,
    traffic_routing,
)

CANARY_HASH = "<canary>"
STABLE_HASH = "<stable>"
MAX_RECONCILES = 200  # plus 4 per replica: a maxSurge of 1 moves one pod per reconcile
RECONCILE_CAP = 50_000
_ROUTER_KEYS_IGNORED = ("maxTrafficWeight", "managedRoutes")


class StepResult(dict):
    """A step row (plain JSON dict); ``documents`` holds the full rewritten VirtualServices/DestinationRule."""

    documents: list[dict[str, Any]]


class SimResult(dict):
    """The simulation result (plain JSON dict)."""


# Both subclasses must stay dumpable by PyYAML's safe dumper like the plain dicts they are.
for _dumper in (yaml.SafeDumper, getattr(yaml, "CSafeDumper", None), yaml.Dumper, getattr(yaml, "CDumper", None)):
    for _cls in (StepResult, SimResult):
        if _dumper is not None:
            _dumper.add_representer(_cls, yaml.representer.SafeRepresenter.represent_dict)


@dataclass
class _VS:
    key: str  # "namespace/name" or "name"
    namespace: str | None
    name: str
    ref: dict[str, Any]  # the Rollout's virtualService entry (routes, tlsRoutes, tcpRoutes)
    manifest: dict[str, Any]
    spec: dict[str, Any]
    error: str | None = None


@dataclass
class _State:
    ro: dict[str, Any]
    new: RS
    stable: RS
    weights: dict[str, Any]
    cfg: ist.IstioConfig | None = None
    vss: list[_VS] = field(default_factory=list)
    dr: dict[str, Any] | None = None
    dr_original: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)
    stable_hash: str = STABLE_HASH  # the stable subset's hash: the new RS's once promoted

    def snapshot(self) -> Any:
        return (self.new.spec, self.stable.spec, repr(self.weights), [repr(v.spec) for v in self.vss], repr(self.dr))


# ============================================================================================= public entry point

def simulate_rollout(rollout: dict[str, Any], *, virtual_services: dict[str, dict[str, Any]] | None = None,
                     destination_rule: dict[str, Any] | None = None, namespace: str | None = None) -> dict[str, Any]:
    """Simulate one Rollout update; never raises — anything that cannot be simulated becomes a ``problems`` entry."""
    result = SimResult(strategy=None, trafficRouting=None, replicas=None, steps=[], promoted=None, aborted=None,
                       problems=[])
    try:
        _simulate(rollout, virtual_services or {}, destination_rule, namespace, result)
    except Exception as exc:  # noqa: BLE001 - a dry run must degrade to a problem, not crash the CLI
        result["problems"].append(f"internal error while simulating: {type(exc).__name__}: {exc}")
    return result


def _simulate(rollout: Any, virtual_services: dict[str, dict[str, Any]], destination_rule: dict[str, Any] | None,
              namespace: str | None, result: SimResult) -> None:
    problems: list[str] = result["problems"]
    if not isinstance(rollout, dict) or not isinstance(rollout.get("spec"), dict):
        problems.append("Rollout has no spec: nothing to simulate")
        return
    spec = rollout["spec"]
    raw_replicas = spec.get("replicas")
    if raw_replicas is not None and as_int(raw_replicas) is None:
        problems.append(f"spec.replicas {raw_replicas!r} is not an integer: simulated with 1 replica")
    elif as_int(raw_replicas) is not None and raw_replicas < 0:
        problems.append("spec.replicas is negative: simulated with 0 replicas")
    result["replicas"] = max(0, spec_replicas(rollout))
    strategy = spec.get("strategy")
    if not isinstance(strategy, dict):
        problems.append("spec.strategy is missing: nothing to simulate")
        return
    ns = dig(rollout, "metadata", "namespace") or namespace
    ns = ns if isinstance(ns, str) else None
    if isinstance(strategy.get("canary"), dict):
        result["strategy"] = "canary"
        _simulate_canary(rollout, virtual_services, destination_rule, ns, result)
    elif isinstance(strategy.get("blueGreen"), dict):
        result["strategy"] = "blueGreen"
        _simulate_blue_green(rollout, result)
    else:
        problems.append("spec.strategy has neither canary nor blueGreen: nothing to simulate")


# ============================================================================================= canary

def _working_rollout(rollout: dict[str, Any]) -> dict[str, Any]:
    """A copy whose status describes an update in progress (stable and new ReplicaSets differ)."""
    ro = {"metadata": copy.deepcopy(rollout.get("metadata")) if isinstance(rollout.get("metadata"), dict) else {},
          "spec": copy.deepcopy(rollout["spec"])}
    if isinstance(ro["spec"].get("replicas"), int) and ro["spec"]["replicas"] < 0:
        ro["spec"]["replicas"] = 0
    ro["status"] = {"currentStepIndex": 0, "stableRS": STABLE_HASH, "currentPodHash": CANARY_HASH, "abort": False,
                    "promoteFull": False}
    return ro


def _router_name(tr: dict[str, Any] | None) -> str | None:
    if tr is None:
        return None
    names = [k for k in tr if k not in _ROUTER_KEYS_IGNORED and tr.get(k) is not None]
    return "+".join(names) if names else "none"


def _check_steps(ro: dict[str, Any], problems: list[str]) -> None:
    raw = dig(ro, "spec", "strategy", "canary", "steps")
    if raw is not None and not isinstance(raw, list):
        problems.append("spec.strategy.canary.steps is not a list: simulated as no steps")
        return
    canary = dig(ro, "spec", "strategy", "canary")
    surge, unavailable = (DEFAULT_INT_OR_PERCENT if canary.get(k) is None else canary[k]
                          for k in ("maxSurge", "maxUnavailable"))
    _, _, error = resolve_fenceposts(surge, unavailable, spec_replicas(ro))
    if error:
        problems.append(f"maxSurge/maxUnavailable cannot be resolved ({error}): the controller then allows no surge "
                        f"and no unavailable pod, so a basic canary cannot progress")
    tr = traffic_routing(ro)
    managed = [m.get("name") for m in dig(tr, "managedRoutes") or [] if isinstance(m, dict)]
    mw = max_traffic_weight(ro)
    for i, step in enumerate(raw or []):
        if not isinstance(step, dict):
            problems.append(f"step {i} is not a mapping: ignored")
            continue
        kind = step_kind(step)
        if kind is None:
            problems.append(f"step {i} has no known step type ({', '.join(map(str, step)) or 'empty'}): ignored")
        if "setWeight" in step:
            w = as_int(step["setWeight"])
            if w is None:
                problems.append(f"step {i}: setWeight {step['setWeight']!r} is not an integer: ignored")
            elif not 0 <= w <= mw:
                problems.append(f"step {i}: setWeight {w} is outside 0..{mw}")
        if "pause" in step:
            pause = step["pause"]
            if pause is not None and not isinstance(pause, dict):
                problems.append(f"step {i}: pause must be a mapping")
            elif pause_duration_seconds(dig(pause, "duration")) < 0:
                problems.append(f"step {i}: pause duration {dig(pause, 'duration')!r} is invalid")
        if "setCanaryScale" in step and tr is None:
            problems.append(f"step {i}: setCanaryScale is ignored without trafficRouting")
        for key in ("setHeaderRoute", "setMirrorRoute"):
            name = dig(step, key, "name")
            if key in step and name not in managed:
                problems.append(f"step {i}: {key} {name!r} is not listed in trafficRouting.managedRoutes")


def _simulate_canary(rollout: dict[str, Any], virtual_services: dict[str, dict[str, Any]],
                     destination_rule: dict[str, Any] | None, ns: str | None, result: SimResult) -> None:
    problems: list[str] = result["problems"]
    ro = _working_rollout(rollout)
    tr = traffic_routing(ro)
    result["trafficRouting"] = _router_name(tr)
    _check_steps(ro, problems)
    r = spec_replicas(ro)
    mw = max_traffic_weight(ro)
    state = _State(ro=ro, new=RS(CANARY_HASH, 0, 0, 0), stable=RS(STABLE_HASH, r, r, r),
                   weights={"canary": 0, "stable": mw, "additional": []}, problems=problems)
    if tr is not None and isinstance(tr.get("istio"), dict):
        _load_istio(state, rollout, virtual_services, destination_rule, ns)
    elif tr is not None:
        problems.append(f"trafficRouting {result['trafficRouting']}: only Istio resources are rewritten; weights "
                        f"shown are the controller's desired weights only")
    steps = steps_of(ro)
    for idx, step in enumerate(steps):
        ro["status"]["currentStepIndex"] = idx
        _converge(state, f"step {idx}")
        result["steps"].append(_row(state, idx, step))
    # After the last step the canary takes everything, then the controller promotes it.
    ro["status"]["currentStepIndex"] = len(steps)
    _converge(state, "end of steps")
    if steps:  # the state the controller holds until promotion (all traffic to the canary, at full size)
        end = _end_state(state)
        last = result["steps"][-1]
        if (end["weight"]["canary"], end["replicas"]) != (last["weight"]["canary"], last["replicas"]):
            result["endOfSteps"] = end
    result["promoted"] = _promoted(state, r, mw)
    result["aborted"] = _aborted(rollout, virtual_services, destination_rule, ns, steps)


def _converge(state: _State, where: str) -> None:
    """Run reconciles until nothing changes (one ReplicaSet change per reconcile, as the controller does)."""
    limit = _reconcile_limit(state.ro)
    for _ in range(limit):
        before = state.snapshot()
        _reconcile(state)
        if state.snapshot() == before:
            return
    state.problems.append(f"{where}: the model did not converge after {limit} reconciles")


def _reconcile_limit(ro: dict[str, Any]) -> int:
    return min(RECONCILE_CAP, MAX_RECONCILES + 4 * max(0, spec_replicas(ro)))


def _reconcile(state: _State, hold_canary: bool = False) -> None:
    ro = state.ro
    if traffic_routing(ro) is None:
        new_count, stable_count = basic_canary_counts(ro, state.new, state.stable, [])
        if stable_count != state.stable.spec:
            _scale(state.stable, stable_count)
            return
        if new_count != state.new.spec:
            _scale(state.new, new_count)
        return
    weights_before = state.weights
    _reconcile_traffic(state)
    _, stable_count = traffic_routed_counts(ro, state.new, state.stable, weights_before)
    if stable_count != state.stable.spec:
        _scale(state.stable, stable_count)
        return
    new_count, _ = traffic_routed_counts(ro, state.new, state.stable, state.weights)
    if hold_canary:
        new_count = max(new_count, state.new.replicas)
    if new_count != state.new.spec:
        _scale(state.new, new_count)


def _scale(rs: RS, count: int) -> None:
    rs.spec = rs.avail = rs.status = count  # idealised: pods are ready at once


def _sim_experiment_dests(ro: dict[str, Any], idx: int | None) -> list[dict[str, Any]]:
    """Experiment destinations while the experiment step is current (it succeeds when the step completes)."""
    steps = steps_of(ro)
    if idx is None or idx >= len(steps) or not isinstance(steps[idx].get("experiment"), dict):
        return []
    return experiment_destinations(ro, idx)


@dataclass
class TrafficDecision:
    """What one ``reconcileTrafficRouting`` pass wants: weight, experiment destinations, side effects."""

    desired: int
    dests: list[dict[str, Any]]
    remove_managed_routes: bool = False
    canary_service_to_stable: bool = False


def desired_traffic(ro: dict[str, Any], new_rs: RS | None, stable_rs: RS | None, weights: dict[str, Any] | None,
                    experiment: dict[str, Any] | None | str = "current-step") -> TrafficDecision:
    """Desired canary weight of one reconcile — mirrors the branch ladder of ``reconcileTrafficRouting``.

    ``weights`` is ``status.canary.weights`` in shorthand ({"canary": w, "stable": w}) or full form; ``experiment`` is
    the Experiment status, or ``"current-step"`` for the dry-run assumption (running exactly while its step is
    current). The interrupted-update-rolled-back-to-stable branch (``IsDynamicallyRollingBackToStable``) is not
    modelled: a dry run always starts from a fully promoted stable.
    """
    given = ro.get("status")
    st = given if isinstance(given, dict) else {}
    _, idx = current_step(ro)
    n_steps = len(steps_of(ro))
    cur = _canary_weight(weights)

    def dests() -> list[dict[str, Any]]:
        if experiment == "current-step":
            return _sim_experiment_dests(ro, idx)
        return experiment_destinations(ro, idx, experiment if isinstance(experiment, dict) else {"phase": ""})

    if (st.get("stableRS") or "") == st.get("currentPodHash"):
        return TrafficDecision(0, [], remove_managed_routes=True)
    if st.get("abort") is True:
        desired = abort_weight(ro, new_rs, stable_rs, cur)
        to_stable = desired == 0 or not dynamic_stable_scale(ro)
        return TrafficDecision(desired, [], remove_managed_routes=True, canary_service_to_stable=to_stable)
    if new_rs is None or new_rs.avail == 0:
        return TrafficDecision(0, dests(), remove_managed_routes=True)  # never route to a canary with no ready pod
    if st.get("promoteFull") is True:
        if dynamic_stable_scale(ro):
            r = spec_replicas(ro)
            desired = max_traffic_weight(ro) * new_rs.avail // r if r else 0
        else:
            desired = cur or 0  # keep the current weight until the promotion
        return TrafficDecision(desired, [], remove_managed_routes=True)
    if idx is None:
        return TrafficDecision(0, [])
    if not at_desired_replica_counts(ro, new_rs, stable_rs, [], None):
        return TrafficDecision(previous_set_weight(ro, idx), dests())
    if idx != n_steps:
        return TrafficDecision(current_set_weight(ro), dests())
    return TrafficDecision(max_traffic_weight(ro), [])


def _canary_weight(weights: dict[str, Any] | None) -> int | None:
    value = weights.get("canary") if isinstance(weights, dict) else None
    if isinstance(value, dict):
        value = value.get("weight")
    return as_int(value)


def _reconcile_traffic(state: _State) -> None:
    ro = state.ro
    mw = max_traffic_weight(ro)
    decision = desired_traffic(ro, state.new, state.stable, state.weights)
    desired, dests, remove_managed = decision.desired, decision.dests, decision.remove_managed_routes
    step, _ = current_step(ro)
    if remove_managed and state.cfg is not None:
        for vs in state.vss:
            vs.spec = ist.remove_managed_routes(vs.spec, state.cfg, steps_of(ro))
    if not check_replicas_available(ro, state.stable, mw - desired):
        return  # the stable cannot absorb the rest of the traffic yet
    if state.cfg is not None:
        if step is not None and not ro["status"].get("abort"):
            _apply_managed_route_step(state, step)
        if state.dr is not None:
            state.dr = ist.update_hash(state.dr, state.cfg, CANARY_HASH, state.stable_hash, dests)
        for vs in state.vss:
            try:
                vs.spec = ist.set_weight(vs.spec, vs.ref, state.cfg, desired, dests)
                vs.error = None
            except ist.IstioError as exc:
                vs.error = str(exc)
    extra = sum(as_int(d.get("weight")) or 0 for d in dests)
    state.weights = {"canary": desired, "stable": mw - desired - extra, "additional": dests}


def _apply_managed_route_step(state: _State, step: dict[str, Any]) -> None:
    assert state.cfg is not None
    dr_host = dig(state.dr, "spec", "host") if state.dr is not None else None
    for vs in state.vss:
        if isinstance(step.get("setHeaderRoute"), dict):
            vs.spec = ist.set_header_route(vs.spec, vs.ref, state.cfg, step["setHeaderRoute"], dr_host)
        if isinstance(step.get("setMirrorRoute"), dict):
            vs.spec = ist.set_mirror_route(vs.spec, vs.ref, state.cfg, step["setMirrorRoute"], dr_host)


# ============================================================================================= Istio resources

def _lookup(store: dict[str, dict[str, Any]], namespace: str | None, name: str) -> tuple[str, dict[str, Any]] | None:
    candidates = [f"{namespace}/{name}"] if namespace else []
    candidates.append(name)
    for key in candidates:
        if isinstance(store.get(key), dict):
            return key, store[key]
    if not namespace:
        hits = [k for k in store if isinstance(k, str) and k.endswith(f"/{name}") and isinstance(store[k], dict)]
        if len(hits) == 1:
            return hits[0], store[hits[0]]
    return None


def _vs_spec(manifest: dict[str, Any]) -> dict[str, Any]:
    spec = manifest.get("spec")
    if isinstance(spec, dict):
        return copy.deepcopy(spec)
    return copy.deepcopy({k: manifest[k] for k in ist.ROUTE_KINDS if k in manifest})


def _load_istio(state: _State, rollout: dict[str, Any], virtual_services: dict[str, dict[str, Any]],
                destination_rule: dict[str, Any] | None, ns: str | None) -> None:
    canary = dig(state.ro, "spec", "strategy", "canary")
    name = dig(rollout, "metadata", "name")
    state.cfg = ist.config_from_canary(canary, "ping", name if isinstance(name, str) else "")
    if not state.cfg.virtual_services:
        state.problems.append("trafficRouting.istio names no VirtualService: weights shown are the controller's "
                              "desired weights only")
    for ref in state.cfg.virtual_services:
        ref_name = ref.get("name")
        if not isinstance(ref_name, str) or not ref_name:
            state.problems.append("trafficRouting.istio virtualService entry without a name: skipped")
            continue
        vs_ns, vs_name = ist.split_vs_name(ref_name, ns)
        shown = f"{vs_ns}/{vs_name}" if vs_ns else vs_name
        found = _lookup(virtual_services, vs_ns, vs_name)
        if found is None:
            state.problems.append(f"VirtualService {shown} not found: weights shown are the controller's desired "
                                  f"weights only")
            continue
        key, manifest = found
        state.vss.append(_VS(key=key, namespace=vs_ns, name=vs_name, ref=ref, manifest=manifest,
                             spec=_vs_spec(manifest)))
    dr_ref = state.cfg.destination_rule
    if dr_ref is not None:
        dr_name = dr_ref.get("name")
        got = dig(destination_rule, "metadata", "name")
        if not isinstance(destination_rule, dict):
            state.problems.append(f"DestinationRule {ns + '/' if ns else ''}{dr_name} not found: subset hashes are "
                                  f"not shown")
        elif got not in (None, dr_name):
            state.problems.append(f"DestinationRule {ns + '/' if ns else ''}{dr_name} not found (got {got!r}): "
                                  f"subset hashes are not shown")
        else:
            state.dr = copy.deepcopy(destination_rule)
            state.dr_original = destination_rule
            state.dr.setdefault("metadata", {})
            if isinstance(state.dr["metadata"], dict):
                state.dr["metadata"].setdefault("name", dr_name)
                if ns and not state.dr["metadata"].get("namespace"):
                    state.dr["metadata"]["namespace"] = ns


# ============================================================================================= rows

def _pause(step: dict[str, Any]) -> dict[str, Any] | None:
    if "pause" not in step:
        return None
    duration = dig(step, "pause", "duration")
    if duration is None:
        return {"duration": None, "seconds": None}  # indefinite: needs a manual promote
    seconds = pause_duration_seconds(duration)
    return {"duration": duration, "seconds": seconds if seconds >= 0 else None}


def _analyses(ro: dict[str, Any], step: dict[str, Any], idx: int) -> list[str]:
    names = analysis_template_names(dig(step, "analysis", "templates"))
    names += analysis_template_names(dig(step, "experiment", "analyses"))
    background = dig(ro, "spec", "strategy", "canary", "analysis")
    if isinstance(background, dict):
        start = as_int(background.get("startingStep")) or 0
        if idx >= start:
            names += [n for n in analysis_template_names(background.get("templates")) if n not in names]
    return names


def _route_summary(kind: str, route: dict[str, Any]) -> dict[str, Any]:
    dests = []
    for d in route.get("route") or []:
        if isinstance(d, dict):
            dests.append({"host": dig(d, "destination", "host"), "subset": dig(d, "destination", "subset"),
                          "weight": d.get("weight")})
    name = route.get("name")
    return {"kind": kind, "name": name if isinstance(name, str) and name else None, "destinations": dests}


def _vs_summary(vs: _VS, cfg: ist.IstioConfig) -> dict[str, Any]:
    try:
        chosen = ist.selected_routes(vs.spec, vs.ref, cfg)
    except ist.IstioError:
        chosen = {k: list(range(len(vs.spec.get(k) or []))) for k in ist.ROUTE_KINDS}
    routes = []
    for kind in ist.ROUTE_KINDS:
        for i, route in enumerate(vs.spec.get(kind) or []):
            if not isinstance(route, dict):
                continue
            if i in chosen.get(kind, []) or (kind == "http" and route.get("name") in cfg.managed_routes):
                routes.append(_route_summary(kind, route))
    return {"namespace": vs.namespace, "name": vs.name, "routes": routes}


def _dr_summary(dr: dict[str, Any]) -> dict[str, Any]:
    subsets = [{"name": s.get("name"), "labels": s.get("labels") or {}}
               for s in dig(dr, "spec", "subsets") or [] if isinstance(s, dict)]
    return {"namespace": dig(dr, "metadata", "namespace"), "name": dig(dr, "metadata", "name"), "subsets": subsets}


def _note_dropped_subsets(state: _State) -> None:
    """``UpdateHash`` deletes every subset that is not canary, stable or a live experiment: say so once."""
    kept = {s.get("name") for s in dig(state.dr, "spec", "subsets") or [] if isinstance(s, dict)}
    for s in dig(state.dr_original, "spec", "subsets") or []:
        name = s.get("name") if isinstance(s, dict) else None
        if name not in kept:
            msg = f"DestinationRule {dig(state.dr, 'metadata', 'name')}: subset {name!r} is removed by the controller"
            if msg not in state.problems:
                state.problems.append(msg)


def _vs_document(vs: _VS) -> dict[str, Any]:
    doc: dict[str, Any] = copy.deepcopy(vs.manifest) if isinstance(vs.manifest.get("spec"), dict) else {
        "apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService"}
    doc.setdefault("metadata", {})
    if isinstance(doc["metadata"], dict):
        doc["metadata"].setdefault("name", vs.name)
        if vs.namespace:
            doc["metadata"].setdefault("namespace", vs.namespace)
    doc["spec"] = copy.deepcopy(vs.spec)
    return doc


def _pod_share(state: _State) -> int | None:
    """Without traffic routing the Service spreads requests over every pod: the canary's share of the traffic is
    its share of the pods (what `kubectl argo rollouts get` shows as ActualWeight once they are available)."""
    canary, stable = state.new.replicas or 0, state.stable.replicas or 0
    return canary * 100 // (canary + stable) if canary + stable else None


def _row(state: _State, idx: int, step: dict[str, Any]) -> StepResult:
    ro = state.ro
    if traffic_routing(ro) is None:
        w = current_set_weight(ro)
        weight = {"canary": w, "stable": max_traffic_weight(ro) - w, "additional": [], "actual": _pod_share(state)}
    else:
        weight = {"canary": state.weights["canary"], "stable": state.weights["stable"],
                  "additional": [{"serviceName": d.get("serviceName"), "weight": d.get("weight")}
                                 for d in state.weights.get("additional") or []]}
    row = StepResult(index=idx, step=copy.deepcopy(step), weight=weight,
                     replicas={"canary": state.new.replicas, "stable": state.stable.replicas},
                     pause=_pause(step), analysis=_analyses(ro, step, idx), virtualServices=None,
                     destinationRule=None)
    docs: list[dict[str, Any]] = []
    if state.cfg is not None:
        row["virtualServices"] = [_vs_summary(vs, state.cfg) for vs in state.vss]
        docs += [_vs_document(vs) for vs in state.vss]
        for vs in state.vss:
            if not vs.ref.get("routes") and any(
                    isinstance(rt, dict) and "mirror" in rt and rt.get("name") in state.cfg.managed_routes
                    for rt in vs.spec.get("http") or []):
                msg = (f"VirtualService {vs.namespace + '/' if vs.namespace else ''}{vs.name}: "
                       f"trafficRouting.istio.virtualService.routes is omitted, so while a managed mirror route "
                       f"exists the controller re-weights only the mirror route (from step {idx})")
                if not any(p.startswith(msg.split(" (from step")[0]) for p in state.problems):
                    state.problems.append(msg)
            if vs.error:
                msg = (f"VirtualService {vs.namespace + '/' if vs.namespace else ''}{vs.name}: {vs.error} "
                       f"(the controller does not change its weights)")
                if msg not in state.problems:
                    state.problems.append(msg)
        if state.dr is not None:
            _note_dropped_subsets(state)
            row["destinationRule"] = _dr_summary(state.dr)
            docs.append(copy.deepcopy(state.dr))
    row.documents = docs
    return row


# ============================================================================================= end states

def _state_documents(state: _State) -> list[dict[str, Any]]:
    docs = [_vs_document(vs) for vs in state.vss] if state.cfg is not None else []
    if state.cfg is not None and state.dr is not None:
        docs.append(copy.deepcopy(state.dr))
    return docs


def _end_state(state: _State) -> StepResult:
    """Past the last step, before promotion: the controller's desired weight is the maximum (2.6)."""
    ro = state.ro
    if traffic_routing(ro) is None:
        w = current_set_weight(ro)
        weight = {"canary": w, "stable": max_traffic_weight(ro) - w, "actual": _pod_share(state)}
    else:
        weight = {"canary": state.weights["canary"], "stable": state.weights["stable"]}
    return StepResult(weight=weight, replicas={"canary": state.new.replicas, "stable": state.stable.replicas})


def _promoted(state: _State, r: int, mw: int) -> StepResult:
    """``promoteStable``: status.stableRS = currentPodHash, so desired weight 0 goes to the new RS (now "stable"),
    managed routes are removed and both DestinationRule subsets select the new RS's hash."""
    state.ro["status"]["stableRS"] = CANARY_HASH
    state.stable_hash = CANARY_HASH
    _reconcile_traffic(state)
    promoted = StepResult(weight={"canary": 0, "stable": mw}, replicas={"canary": 0, "stable": r})
    promoted.documents = _state_documents(state)
    return promoted


# ============================================================================================= abort

def _aborted(rollout: dict[str, Any], virtual_services: dict[str, dict[str, Any]],
             destination_rule: dict[str, Any] | None, ns: str | None, steps: list[dict[str, Any]]) -> StepResult:
    """Steady state after an abort issued at the last step (weight back to 0, stable back to full size).

    A traffic-routed canary keeps its pods for ``abortScaleDownDelaySeconds`` (default 30 s, 0 = forever); the
    replicas shown are after that delay, i.e. the pre-abort canary size only when the delay is "never".
    """
    ro = _working_rollout(rollout)
    r = spec_replicas(ro)
    mw = max_traffic_weight(ro)
    state = _State(ro=ro, new=RS(CANARY_HASH, 0, 0, 0), stable=RS(STABLE_HASH, r, r, r),
                   weights={"canary": 0, "stable": mw, "additional": []}, problems=[])
    if traffic_routing(ro) is not None and isinstance(dig(traffic_routing(ro), "istio"), dict):
        _load_istio(state, rollout, virtual_services, destination_rule, ns)
    if steps:
        ro["status"]["currentStepIndex"] = len(steps) - 1
        _converge(state, "abort")
    pre_abort_canary = state.new.replicas
    ro["status"]["abort"] = True
    ro["status"]["currentStepIndex"] = 0
    routed = traffic_routing(ro) is not None
    for _ in range(_reconcile_limit(ro)):
        before = state.snapshot()
        _reconcile(state, hold_canary=routed and not dynamic_stable_scale(ro))
        if state.snapshot() == before:
            break
    canary = state.new.replicas
    if routed:
        if abort_delay(ro) is None:
            canary = max(canary, pre_abort_canary)  # abortScaleDownDelaySeconds: 0 keeps the canary forever
        else:
            new_target, _ = traffic_routed_counts(ro, state.new, state.stable, state.weights)
            canary = new_target if not dynamic_stable_scale(ro) else canary
    if routed:
        weight = {"canary": state.weights["canary"], "stable": state.weights["stable"]}
    else:
        weight = {"canary": 0, "stable": mw}
    aborted = StepResult(weight=weight, replicas={"canary": canary, "stable": state.stable.replicas})
    aborted.documents = _state_documents(state)
    return aborted


# ============================================================================================= blueGreen

def _simulate_blue_green(rollout: dict[str, Any], result: SimResult) -> None:
    bg = rollout["spec"]["strategy"]["blueGreen"]
    r = result["replicas"]
    problems: list[str] = result["problems"]
    preview_count = as_int(bg.get("previewReplicaCount"))
    if bg.get("previewReplicaCount") is not None and preview_count is None:
        problems.append("blueGreen.previewReplicaCount is not an integer: ignored")
    preview = r if preview_count is None else min(max(preview_count, 0), r)
    auto = bg.get("autoPromotionEnabled") is not False
    auto_seconds = as_int(bg.get("autoPromotionSeconds"))
    if not auto:
        pause: dict[str, Any] | None = {"duration": None, "seconds": None}
    elif auto_seconds:
        pause = {"duration": auto_seconds, "seconds": auto_seconds}
    else:
        pause = None
    pre = analysis_template_names(dig(bg, "prePromotionAnalysis", "templates"))
    post = analysis_template_names(dig(bg, "postPromotionAnalysis", "templates"))
    deploy = StepResult(index=0, step={"deployPreview": {"previewService": bg.get("previewService"),
                                                         "previewReplicaCount": preview}},
                        weight={"canary": 0, "stable": 100, "additional": []},
                        replicas={"canary": preview, "stable": r}, pause=pause, analysis=pre,
                        virtualServices=None, destinationRule=None)
    promote = StepResult(index=1, step={"promote": {"activeService": bg.get("activeService")}},
                         weight={"canary": 100, "stable": 0, "additional": []},
                         replicas={"canary": r, "stable": r}, pause=None, analysis=post,
                         virtualServices=None, destinationRule=None)
    deploy.documents = []
    promote.documents = []
    result["steps"] = [deploy, promote]
    result["promoted"] = {"weight": {"canary": 0, "stable": 100}, "replicas": {"canary": 0, "stable": r}}
    kept = preview if abort_delay(rollout) is None else 0
    result["aborted"] = {"weight": {"canary": 0, "stable": 100}, "replicas": {"canary": kept, "stable": r}}
