"""Int-or-percent resolution (maxSurge / maxUnavailable) as the controller does it."""

from __future__ import annotations

from typing import Any

import pytest

from rolloutlint.simulate.intorstr import (
    IntOrStrError,
    max_surge,
    max_unavailable,
    resolve,
    resolve_fenceposts,
    spec_replicas,
)


@pytest.mark.parametrize(("value", "total", "round_up", "expected"), [
    (3, 10, True, 3),          # ints are pod counts, untouched
    ("25%", 10, True, 3),      # 2.5 rounds up for maxSurge
    ("25%", 10, False, 2),     # ... and down for maxUnavailable
    ("25", 10, True, 3),       # a bare string is a percentage too
    ("39%", 10, True, 4),
    ("39%", 10, False, 3),
    ("100%", 7, False, 7),
    ("0%", 10, True, 0),
    ("%5%", 100, True, 5),     # every '%' is removed
])
def test_resolve(value: Any, total: int, round_up: bool, expected: int) -> None:
    assert resolve(value, total, round_up) == expected


@pytest.mark.parametrize("value", ["oops", "", "1.5%", 1.5, True, None, [1]])
def test_resolve_rejects(value: Any) -> None:
    with pytest.raises(IntOrStrError):
        resolve(value, 10, True)


@pytest.mark.parametrize(("surge", "unavailable", "desired", "expected"), [
    ("0%", "0%", 0, (0, 1, False)),   # both zero: one pod may be unavailable
    (0, 0, 10, (0, 1, False)),
    ("1%", "1%", 10, (1, 0, False)),  # surge rounds up to 1, so no fencepost
    ("39%", "39%", 10, (4, 3, False)),
    (None, "39%", 10, (0, 3, False)),  # nil = int 0, not the 25 % default
    ("oops", "39%", 10, (0, 0, True)),
    ("55%", "urg", 10, (0, 0, True)),
])
def test_resolve_fenceposts(surge: Any, unavailable: Any, desired: int, expected: tuple[int, int, bool]) -> None:
    s, u, err = resolve_fenceposts(surge, unavailable, desired)
    assert (s, u, err is not None) == expected


def _canary(replicas: Any, **fields: Any) -> dict[str, Any]:
    return {"spec": {"replicas": replicas, "strategy": {"canary": fields}}}


@pytest.mark.parametrize(("replicas", "fields", "surge", "unavailable"), [
    (10, {}, 3, 2),                                 # defaults: "25" each
    (5, {}, 2, 1),
    (1, {}, 1, 0),
    (4, {"maxSurge": 1, "maxUnavailable": 0}, 1, 0),
    (10, {"maxSurge": 0, "maxUnavailable": 0}, 0, 1),
    (5, {"maxUnavailable": 10}, 2, 5),              # capped at spec.replicas
    (0, {}, 0, 0),
    (10, {"maxSurge": "bad"}, 0, 0),                # unresolvable -> 0/0
])
def test_max_surge_and_unavailable(replicas: int, fields: dict[str, Any], surge: int, unavailable: int) -> None:
    ro = _canary(replicas, **fields)
    assert (max_surge(ro), max_unavailable(ro)) == (surge, unavailable)


def test_blue_green_has_no_surge_and_no_fencepost() -> None:
    ro = {"spec": {"replicas": 3, "strategy": {"blueGreen": {}}}}
    assert max_surge(ro) == 0
    assert max_unavailable(ro) == 0  # floor(25 % of 3)


@pytest.mark.parametrize(("rollout", "expected"), [
    ({"spec": {"replicas": 4}}, 4), ({"spec": {}}, 1), ({"spec": {"replicas": "4"}}, 1), ({}, 1), (None, 1),
])
def test_spec_replicas_default(rollout: Any, expected: int) -> None:
    assert spec_replicas(rollout) == expected
