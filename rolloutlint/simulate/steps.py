"""Step bookkeeping of a canary Rollout: current step, current/desired weight, setCanaryScale, abort weight, pauses.

Every function takes a Rollout-shaped dict (``spec`` + optional ``status``) and tolerates missing or mistyped
fields — a missing field behaves like the controller's zero value. Names in the docstrings are the Go functions
each one mirrors (``utils/replicaset/canary.go``, ``rollout/trafficrouting.go``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rolloutlint.simulate.intorstr import spec_replicas
from rolloutlint.views.rollout import pause_duration_seconds as _pause_seconds

DEFAULT_MAX_WEIGHT = 100
DEFAULT_ABORT_SCALE_DOWN_DELAY = 30
STEP_KINDS = ("setWeight", "pause", "analysis", "experiment", "setCanaryScale", "setHeaderRoute",
              "setMirrorRoute", "plugin")


@dataclass
class RS:
    """The parts of a ReplicaSet the replica math reads. ``spec`` None = Go nil pointer (treated as 1)."""

    name: str
    spec: int | None
    avail: int = 0
    status: int | None = None

    @property
    def replicas(self) -> int:
        """``GetReplicasOrDefault``: a nil ``spec.replicas`` counts as 1."""
        return 1 if self.spec is None else self.spec

    @property
    def status_replicas(self) -> int:
        return self.replicas if self.status is None else self.status


# --------------------------------------------------------------------------------------------- field access

def dig(obj: Any, *keys: str) -> Any:
    """``obj[k1][k2]...`` or None when any level is missing or not a mapping."""
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def canary_spec(ro: dict[str, Any]) -> dict[str, Any] | None:
    c = dig(ro, "spec", "strategy", "canary")
    return c if isinstance(c, dict) else None


def status(ro: dict[str, Any]) -> dict[str, Any]:
    s = ro.get("status") if isinstance(ro, dict) else None
    return s if isinstance(s, dict) else {}


def steps_of(ro: dict[str, Any]) -> list[dict[str, Any]]:
    s = dig(canary_spec(ro), "steps")
    return [x if isinstance(x, dict) else {} for x in s] if isinstance(s, list) else []


def traffic_routing(ro: dict[str, Any]) -> dict[str, Any] | None:
    """``canary.trafficRouting`` when set (an empty mapping counts as set, as a non-nil Go pointer does)."""
    tr = dig(canary_spec(ro), "trafficRouting")
    return tr if isinstance(tr, dict) else None


def max_traffic_weight(ro: dict[str, Any]) -> int:
    """``MaxTrafficWeight``: ``trafficRouting.maxTrafficWeight`` or 100."""
    mw = as_int(dig(traffic_routing(ro), "maxTrafficWeight"))
    return mw if mw is not None and mw > 0 else DEFAULT_MAX_WEIGHT


def dynamic_stable_scale(ro: dict[str, Any]) -> bool:
    return dig(canary_spec(ro), "dynamicStableScale") is True


def abort_delay(ro: dict[str, Any]) -> int | None:
    """Seconds before an aborted canary is scaled down; None = never (``abortScaleDownDelaySeconds: 0``).

    Only blueGreen and traffic-routed canaries honour the field; a basic canary drains immediately (0).
    """
    blue_green = dig(ro, "spec", "strategy", "blueGreen")
    block: Any = blue_green if isinstance(blue_green, dict) else None
    if block is None:
        if canary_spec(ro) is None or traffic_routing(ro) is None:
            return 0
        block = canary_spec(ro)
    value = as_int(block.get("abortScaleDownDelaySeconds"))
    if value is None:
        return DEFAULT_ABORT_SCALE_DOWN_DELAY
    return None if value == 0 else value


def has_explicit_abort_delay(ro: dict[str, Any]) -> bool:
    """``HasExplicitAbortScaleDownDelay``: the field is set and non-zero."""
    value = as_int(dig(canary_spec(ro), "abortScaleDownDelaySeconds"))
    return value is not None and value != 0


def current_step(ro: dict[str, Any]) -> tuple[dict[str, Any] | None, int | None]:
    """``GetCurrentCanaryStep``: (step, index); (None, index) past the last step; (None, None) without steps."""
    steps = steps_of(ro)
    if canary_spec(ro) is None or not steps:
        return None, None
    idx = as_int(status(ro).get("currentStepIndex")) or 0
    if idx >= len(steps):
        return None, idx
    return steps[idx], idx


def set_weight_of(step: dict[str, Any]) -> int | None:
    return as_int(step.get("setWeight"))


def current_set_weight(ro: dict[str, Any]) -> int:
    """``GetCurrentSetWeight``: last setWeight at or before the current step; 0 before the first one (!)."""
    if status(ro).get("abort") is True:
        return 0
    step, idx = current_step(ro)
    if step is None:
        return max_traffic_weight(ro)
    steps = steps_of(ro)
    for i in range(idx or 0, -1, -1):
        w = set_weight_of(steps[i])
        if w is not None:
            return w
    return 0


def active_set_canary_scale(ro: dict[str, Any]) -> dict[str, Any] | None:
    """``UseSetCanaryScale``: the setCanaryScale in force, or None (ignored without trafficRouting)."""
    if canary_spec(ro) is None or traffic_routing(ro) is None:
        return None
    if status(ro).get("abort") is True and abort_delay(ro) is not None:
        return None
    step, idx = current_step(ro)
    if step is None:
        return None
    steps = steps_of(ro)
    for i in range(idx or 0, -1, -1):
        scs = steps[i].get("setCanaryScale")
        if not isinstance(scs, dict):
            continue
        if scs.get("matchTrafficWeight") is True:
            return None
        return scs
    return None


def traffic_weight_to_replicas(replicas: int, weight: int, max_weight: int) -> int:
    """``trafficWeightToReplicas``: ceil(weight * replicas / maxWeight)."""
    if max_weight <= 0:
        return 0
    return -((-weight * replicas) // max_weight)


def desired_canary_weight(ro: dict[str, Any], new_rs: RS | None, stable_rs: RS | None) -> int:
    """``GetDesiredCanaryWeight``: on a dynamic-stable-scale abort, walk the setWeights back as stable recovers."""
    if status(ro).get("abort") is True and dynamic_stable_scale(ro) and new_rs and stable_rs:
        r = spec_replicas(ro)
        expected = r - stable_rs.avail
        canary = max(expected, new_rs.avail)
        if has_explicit_abort_delay(ro):
            # With an explicit delay the canary pods stay, so only the stable's progress counts.
            canary = expected
        mw = max_traffic_weight(ro)
        for step in reversed(steps_of(ro)):
            w = set_weight_of(step)
            if w is not None and traffic_weight_to_replicas(r, w, mw) < canary:
                return w
        return 0
    return current_set_weight(ro)


def canary_replicas_or_weight(ro: dict[str, Any], new_rs: RS | None,
                              stable_rs: RS | None) -> tuple[int | None, int]:
    """``GetCanaryReplicasOrWeight``: (setCanaryScale replicas or None, weight)."""
    st = status(ro)
    stable_hash = st.get("stableRS") or ""
    if st.get("promoteFull") is True or stable_hash == "" or st.get("currentPodHash") == stable_hash:
        return None, max_traffic_weight(ro)
    scs = active_set_canary_scale(ro)
    if scs is not None:
        replicas = as_int(scs.get("replicas"))
        if replicas is not None:
            return replicas, 0
        weight = as_int(scs.get("weight"))
        if weight is not None:
            return None, weight  # deliberately unbounded: weight 200 means twice spec.replicas
    return None, desired_canary_weight(ro, new_rs, stable_rs)


def previous_set_weight(ro: dict[str, Any], idx: int) -> int:
    """Nearest setWeight strictly before ``idx`` (weight kept while the canary is still scaling), else 0."""
    steps = steps_of(ro)
    for i in range(min(idx, len(steps)) - 1, -1, -1):
        w = set_weight_of(steps[i])
        if w is not None:
            return w
    return 0


def abort_weight(ro: dict[str, Any], new_rs: RS | None, stable_rs: RS | None,
                 current_canary_weight: int | None) -> int:
    """``calculateDesiredWeightOnAbortOrStableRollback``: traffic weight kept on the canary during an abort."""
    r = spec_replicas(ro)
    if not dynamic_stable_scale(ro) or stable_rs is None or new_rs is None or r == 0:
        return 0
    mw = max_traffic_weight(ro)
    desired = desired_canary_weight(ro, new_rs, stable_rs)
    stable_share = (mw * stable_rs.avail) // r
    not_absorbable = max(0, mw - stable_share)
    if current_canary_weight is None:
        return max(not_absorbable, desired)
    if desired <= 0:
        return min(not_absorbable, current_canary_weight)  # never increase while flapping
    if stable_share < mw - desired:
        return current_canary_weight  # stable still scaling up: hold
    return min(desired, current_canary_weight)


# --------------------------------------------------------------------------------------------- experiments

def experiment_service_name(ro: dict[str, Any], idx: int, template: dict[str, Any]) -> str:
    """Service an experiment template gets: ``service.name`` or ``<experiment>-<template>``.

    The Experiment is named ``<rollout>-<podHash>-<revision>-<stepIndex>``; the hash and revision are unknown in a
    dry run, so they are written as the placeholders ``<canary>`` and ``<revision>``.
    """
    name = dig(template, "service", "name")
    if isinstance(name, str) and name:
        return name
    rollout_name = dig(ro, "metadata", "name") or "rollout"
    return f"{rollout_name}-<canary>-<revision>-{idx}-{template.get('name') or ''}"


def experiment_destinations(ro: dict[str, Any], idx: int | None,
                            experiment: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """``calculateWeightDestinationsFromExperiment``: weighted templates of the running experiment step.

    ``experiment`` is the Experiment's status (``phase``, ``templateStatuses``); None means "running, with the
    Services named as the controller would name them" (what a dry run assumes while at the step).
    """
    if idx is None:
        return []
    steps = steps_of(ro)
    exp_idx = None
    for i in range(min(idx, len(steps) - 1), -1, -1):
        if isinstance(steps[i].get("experiment"), dict):
            exp_idx = i
            break
    if exp_idx is None:
        return []
    templates = dig(steps[exp_idx], "experiment", "templates")
    templates = [t for t in templates if isinstance(t, dict)] if isinstance(templates, list) else []
    if experiment is not None:
        if experiment.get("phase") != "Running":
            return []
        statuses = {s.get("name"): s for s in experiment.get("templateStatuses") or [] if isinstance(s, dict)}
    else:
        statuses = None
    dests = []
    for t in templates:
        weight = as_int(t.get("weight"))
        if weight is None:
            continue
        if statuses is not None:
            ts = statuses.get(t.get("name"))
            if ts is None:
                continue
            dests.append({"serviceName": ts.get("serviceName", ""), "podTemplateHash": ts.get("podTemplateHash", ""),
                          "weight": weight})
        else:
            svc = experiment_service_name(ro, exp_idx, t)
            dests.append({"serviceName": svc, "podTemplateHash": f"<{svc}>", "weight": weight})
    return dests


# --------------------------------------------------------------------------------------------- pause / analysis

def pause_duration_seconds(duration: Any) -> int:
    """``RolloutPause.DurationSeconds``: 0 without a duration, -1 where the controller computes it invalid (the
    same reading as lint's RL143: one implementation, views.rollout)."""
    if duration is None:
        return 0
    seconds = _pause_seconds(duration)
    return -1 if seconds is None else seconds


def analysis_template_names(block: Any) -> list[str]:
    """templateName (or clusterTemplate name) of each entry of an ``analysis.templates`` / ``analyses`` list."""
    names: list[str] = []
    items = block if isinstance(block, list) else []
    for t in items:
        if not isinstance(t, dict):
            continue
        name = t.get("templateName")
        if isinstance(name, str) and name:
            names.append(name)
    return names


def step_kind(step: dict[str, Any]) -> str | None:
    for kind in STEP_KINDS:
        if kind in step:
            return kind
    return None
