"""Canary/stable replica targets, as computed by ``utils/replicaset/canary.go``.

* basic canary (no trafficRouting): pods *are* the traffic split, bounded by maxSurge/maxUnavailable —
  ``CalculateReplicaCountsForBasicCanary``;
* traffic-routed canary: the canary gets ceil(weight·R/MW) pods and the stable keeps 100 % unless
  ``dynamicStableScale`` — ``CalculateReplicaCountsForTrafficRoutedCanary``.
"""

from __future__ import annotations

import math
from typing import Any

from rolloutlint.simulate.intorstr import max_surge, max_unavailable, spec_replicas
from rolloutlint.simulate.steps import (
    RS,
    as_int,
    canary_replicas_or_weight,
    canary_spec,
    dig,
    dynamic_stable_scale,
    max_traffic_weight,
    status,
    traffic_routing,
    traffic_weight_to_replicas,
)

Weights = dict[str, Any]  # {"canary": int, "stable": int, ...} — status.canary.weights in shorthand


def check_min_pods(ro: dict[str, Any], count: int) -> int:
    """``CheckMinPodsPerReplicaSet``: raise a non-zero count to minPodsPerReplicaSet (traffic routing only)."""
    minimum = as_int(dig(canary_spec(ro), "minPodsPerReplicaSet"))
    if count == 0 or minimum is None or traffic_routing(ro) is None:
        return count
    return max(count, min(minimum, spec_replicas(ro)))


def approximate_split(replicas: int, weight: int, max_weight: int, surge: int) -> tuple[int, int]:
    """``approximateWeightedCanaryStableReplicaCounts``: the (canary, stable) split closest to ``weight``.

    Candidates use R or R+1 pods (the latter only with surge); neither side is rounded to 0 for 1..99 %.
    """
    if replicas == 0:
        return 0, 0
    ratio = weight / max_weight
    exact = replicas * ratio
    ceil_c, floor_c = math.ceil(exact), math.floor(exact)

    def tied(total: int) -> bool:
        return math.modf(total * ratio)[0] == 0.5

    zero_allowed = weight == max_weight or weight == 0 or (replicas == 1 and surge == 0)
    options: list[tuple[int, int]] = []
    if ceil_c < replicas or zero_allowed:
        options.append((ceil_c, replicas))
    if not tied(replicas) and (floor_c != 0 or zero_allowed):
        options.append((floor_c, replicas))
    if surge > 0:
        options.append((ceil_c, replicas + 1))
        if not tied(replicas + 1) and (floor_c != 0 or zero_allowed):
            options.append((floor_c, replicas + 1))
    if not options:
        return 0, replicas
    best, best_diff = options[0], math.inf
    for canary, total in options:
        diff = abs(canary * max_weight / total - weight)
        if diff < best_diff:  # strictly smaller: ties keep the earlier candidate
            best, best_diff = (canary, total), diff
    return best[0], best[1] - best[0]


def replicas_for_scale_down(rs: RS | None, ignore_availability: bool) -> int:
    """``GetReplicasForScaleDown``: pods that may be counted as available when scaling down."""
    if rs is None:
        return 0
    if rs.replicas < rs.avail:
        return rs.replicas  # surplus available pods belong to no one
    if ignore_availability:
        return rs.replicas
    return rs.avail


def _drain(rs: RS | None, desired: int, k: int, current: int) -> int:
    if rs is not None and rs.replicas > desired:
        return max(desired, rs.replicas - k)
    return current


def _adjust(drain_rs: RS | None, adjust_rs: RS | None, drain_count: int, adjust_count: int,
            max_allowed: int, min_available: int) -> tuple[int, int]:
    """Keep the pair within maxSurge while preserving at least ``min_available`` available pods."""
    over = max(0, adjust_count + drain_count - max_allowed)
    available = min(drain_rs.avail, drain_count) if drain_rs else 0
    if adjust_rs is not None:
        adjust_count -= over
        available += min(adjust_rs.avail, adjust_count)
        extra = max(0, adjust_rs.avail - adjust_count)
        need = max(0, min_available - available)
        adjust_count += min(extra, need)
        over = max(0, adjust_count + drain_count - max_allowed)
        drain_count -= over
    return drain_count, adjust_count


def basic_canary_counts(ro: dict[str, Any], new_rs: RS | None, stable_rs: RS | None,
                        others: list[RS] | None = None) -> tuple[int, int]:
    """``CalculateReplicaCountsForBasicCanary``: next (new, stable) replica counts for one reconcile."""
    others = others or []
    r = spec_replicas(ro)
    _, weight = canary_replicas_or_weight(ro, new_rs, stable_rs)
    surge = max_surge(ro)
    d_new, d_stable = approximate_split(r, weight, max_traffic_weight(ro), surge)

    new_count = new_rs.replicas if new_rs else 0
    stable_count = 0
    scale_stable = stable_rs is not None and (new_rs is None or new_rs.name != stable_rs.name)
    if scale_stable:
        stable_count = stable_rs.replicas  # type: ignore[union-attr]
    else:
        d_new, d_stable = r, 0  # no distinct stable: drive the new RS to 100 %

    max_allowed = r + surge
    total = sum(o.replicas for o in others) + (new_rs.replicas if new_rs else 0)
    if scale_stable:
        total += stable_rs.replicas  # type: ignore[union-attr]
    up = max_allowed - total
    # 1) scale up, stable first
    if scale_stable and stable_rs.replicas < d_stable and up > 0:  # type: ignore[union-attr]
        if stable_rs.replicas + up < d_stable:  # type: ignore[union-attr]
            stable_count = stable_rs.replicas + up  # type: ignore[union-attr]
            up = 0
        else:
            stable_count = d_stable
            up -= d_stable - stable_rs.replicas  # type: ignore[union-attr]
    if new_rs is not None and new_rs.replicas < d_new and up > 0:
        new_count = min(new_rs.replicas + up, d_new)
    # 2) older ReplicaSets drain first
    if sum(o.replicas for o in others) > 0:
        return new_count, stable_count
    # 3) scale down within maxUnavailable
    min_available = r - max_unavailable(ro)
    increasing = new_rs is None or d_new >= new_rs.replicas
    down = replicas_for_scale_down(new_rs, not increasing) + replicas_for_scale_down(stable_rs, increasing)
    if down <= min_available:
        return new_count, stable_count
    k = down - min_available
    if not increasing:  # weight going down (e.g. abort): drain the canary
        new_count = _drain(new_rs, d_new, k, new_count)
        new_count, stable_count = _adjust(new_rs, stable_rs, new_count, stable_count, max_allowed, min_available)
    elif scale_stable:  # weight going up: drain the stable
        stable_count = _drain(stable_rs, d_stable, k, stable_count)
        stable_count, new_count = _adjust(stable_rs, new_rs, stable_count, new_count, max_allowed, min_available)
    return new_count, stable_count


def _weight(weights: Weights | None, side: str) -> int | None:
    if not isinstance(weights, dict):
        return None
    value = weights.get(side)
    if isinstance(value, dict):
        value = value.get("weight")
    return as_int(value)


def traffic_routed_counts(ro: dict[str, Any], new_rs: RS | None, stable_rs: RS | None,
                          weights: Weights | None) -> tuple[int, int]:
    """``CalculateReplicaCountsForTrafficRoutedCanary``: (canary, stable) targets under traffic routing.

    ``weights`` is ``status.canary.weights`` (actual traffic); with dynamicStableScale it keeps the stable big
    enough for the traffic it still receives and, on abort, the canary big enough for its remaining traffic.
    """
    r = spec_replicas(ro)
    mw = max_traffic_weight(ro)
    scs_replicas, weight = canary_replicas_or_weight(ro, new_rs, stable_rs)
    canary = scs_replicas if scs_replicas is not None else check_min_pods(ro, traffic_weight_to_replicas(r, weight, mw))
    if not dynamic_stable_scale(ro):
        return canary, r
    stable = traffic_weight_to_replicas(r, mw - weight, mw)
    if weights is not None:
        stable_w = _weight(weights, "stable")
        if stable_w is not None:
            stable = max(stable, traffic_weight_to_replicas(r, stable_w, mw))
        canary_w = _weight(weights, "canary")
        if status(ro).get("abort") is True and canary_w is not None:
            canary = max(traffic_weight_to_replicas(r, canary_w, mw), canary)
    return check_min_pods(ro, canary), check_min_pods(ro, stable)


def replica_progress_threshold_met(threshold: dict[str, Any] | None, rs: RS | None, desired: int) -> bool:
    """``ReplicaProgressThresholdMet``: enough canary pods available to count the step as reached."""
    value = as_int(threshold.get("value")) if isinstance(threshold, dict) else None
    if threshold is None or rs is None or value is None or value < 0:
        return rs is not None and desired == rs.replicas and desired == rs.avail
    if threshold.get("type") == "Pods":
        return rs.avail >= value
    if desired == 0:
        return True
    return rs.avail / desired * 100 + 1e-10 >= value


def all_desired_are_available(rs: RS | None, desired: int) -> bool:
    """``allDesiredAreAvailable``: spec and available both at ``desired``."""
    return rs is not None and desired == rs.replicas and desired == rs.avail


def at_desired_replica_counts(ro: dict[str, Any], new_rs: RS | None, stable_rs: RS | None,
                              others: list[RS] | None, weights: Weights | None) -> bool:
    """``AtDesiredReplicaCountsForCanary``: has a setWeight/setCanaryScale step reached its pod counts?"""
    basic = traffic_routing(ro) is None
    if basic:
        d_new, d_stable = basic_canary_counts(ro, new_rs, stable_rs, others)
    else:
        d_new, d_stable = traffic_routed_counts(ro, new_rs, stable_rs, weights)
    threshold = dig(canary_spec(ro), "replicaProgressThreshold")
    if not replica_progress_threshold_met(threshold if isinstance(threshold, dict) else None, new_rs, d_new):
        return False
    if (basic or not dynamic_stable_scale(ro)) and (
            stable_rs is None or stable_rs.replicas != d_stable or stable_rs.status_replicas != d_stable):
        return False
    return not (basic and sum(o.avail for o in others or []) != 0)


def check_replicas_available(ro: dict[str, Any], rs: RS | None, weight: int) -> bool:
    """``checkReplicasAvailable``: can ``rs`` take ``weight`` of the traffic right now?"""
    r = spec_replicas(ro)
    mw = max_traffic_weight(ro)
    need = weight * r // mw
    if rs is None:
        return False
    threshold = dig(canary_spec(ro), "replicaProgressThreshold")
    return not (rs.avail < need and not replica_progress_threshold_met(
        threshold if isinstance(threshold, dict) else None, rs, need))
