"""Int-or-percent resolution for ``maxSurge`` / ``maxUnavailable``, the way the Argo Rollouts controller does it.

The controller uses the *legacy* Kubernetes resolution (``intstr.GetValueFromIntOrPercent``): an integer is a pod
count; **any** string is a percentage once every ``%`` is removed (so ``"25"`` means 25 %, not 25 pods).
``maxSurge`` rounds up, ``maxUnavailable`` rounds down, and when both resolve to 0 the controller bumps
``maxUnavailable`` to 1 so a rollout can always make progress (``resolveFenceposts``).
"""

from __future__ import annotations

import re
from typing import Any

#: Default of both fields when unset (``GetMaxSurgeOrDefault`` / ``GetMaxUnavailableOrDefault``).
DEFAULT_INT_OR_PERCENT = "25"

_NUMBER = re.compile(r"^[+-]?[0-9]+$")


class IntOrStrError(ValueError):
    """A value the controller cannot resolve (it then falls back to 0/0)."""


def resolve(value: Any, total: int, round_up: bool) -> int:
    """Resolve an int-or-percent against ``total`` pods (mirrors ``GetValueFromIntOrPercent``)."""
    if isinstance(value, bool) or value is None:
        raise IntOrStrError(f"invalid value for IntOrString: {value!r}")
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        raise IntOrStrError(f"invalid type for IntOrString: {type(value).__name__}")
    digits = value.replace("%", "")
    if not _NUMBER.match(digits):
        raise IntOrStrError(f"invalid value for IntOrString: invalid value {value!r}")
    percent = int(digits)
    # Exact integer ceil/floor equals the controller's float64 ceil/floor for any realistic pod count.
    if round_up:
        return -((-percent * total) // 100)
    return (percent * total) // 100


def resolve_fenceposts(max_surge: Any, max_unavailable: Any, desired: int) -> tuple[int, int, str | None]:
    """(surge, unavailable, error) — mirrors ``resolveFenceposts``; ``None`` means int 0 (a nil pointer)."""
    try:
        surge = resolve(0 if max_surge is None else max_surge, desired, round_up=True)
        unavailable = resolve(0 if max_unavailable is None else max_unavailable, desired, round_up=False)
    except IntOrStrError as exc:
        return 0, 0, str(exc)
    if surge == 0 and unavailable == 0:
        # Both zero would deadlock the rollout, so the controller allows one unavailable pod.
        unavailable = 1
    return surge, unavailable, None


def _strategy(rollout: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    spec = rollout.get("spec") if isinstance(rollout, dict) else None
    strategy = spec.get("strategy") if isinstance(spec, dict) else None
    if not isinstance(strategy, dict):
        return None, None
    canary = strategy.get("canary")
    blue_green = strategy.get("blueGreen")
    return (canary if isinstance(canary, dict) else None, blue_green if isinstance(blue_green, dict) else None)


def spec_replicas(rollout: dict[str, Any]) -> int:
    """``spec.replicas`` with the controller default of 1 (non-int values also fall back to 1)."""
    spec = rollout.get("spec") if isinstance(rollout, dict) else None
    value = spec.get("replicas") if isinstance(spec, dict) else None
    if isinstance(value, bool) or not isinstance(value, int):
        return 1
    return value


def _or_default(block: dict[str, Any], key: str) -> Any:
    value = block.get(key)
    return DEFAULT_INT_OR_PERCENT if value is None else value


def max_surge(rollout: dict[str, Any]) -> int:
    """Surge pods allowed (``MaxSurge``): 0 for blueGreen; unresolvable values give 0."""
    canary, _ = _strategy(rollout)
    if canary is None:
        return 0
    surge, _, _ = resolve_fenceposts(_or_default(canary, "maxSurge"), _or_default(canary, "maxUnavailable"),
                                     spec_replicas(rollout))
    return surge


def max_unavailable(rollout: dict[str, Any]) -> int:
    """Unavailable pods allowed (``MaxUnavailable``), capped at ``spec.replicas``.

    blueGreen resolves its own field without the 0/0 → 1 fencepost fallback.
    """
    replicas = spec_replicas(rollout)
    if replicas == 0:
        return 0
    canary, blue_green = _strategy(rollout)
    if canary is not None:
        _, unavailable, _ = resolve_fenceposts(_or_default(canary, "maxSurge"), _or_default(canary, "maxUnavailable"),
                                               replicas)
    elif blue_green is not None:
        try:
            unavailable = resolve(_or_default(blue_green, "maxUnavailable"), replicas, round_up=False)
        except IntOrStrError:
            unavailable = 0
    else:
        return 0
    return min(unavailable, replicas)
