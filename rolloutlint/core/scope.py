"""Which objects a reference from a rendered object may resolve to: its own unit's, then those of units
that deploy to the same destination (cluster + namespace), never another destination's."""

from __future__ import annotations

from collections.abc import Sequence

from rolloutlint.core.model import Resource


def in_scope(candidates: Sequence[Resource], near: Resource) -> list[Resource]:
    unit = near.extra.get("unit")
    dest = near.extra.get("destination")
    same_unit = [r for r in candidates if r.extra.get("unit") == unit]
    if same_unit:
        return same_unit
    if dest is None:  # a kustomization or chart of its own: any object not bound to a destination
        return [r for r in candidates if r.extra.get("destination") is None]
    return [r for r in candidates if r.extra.get("destination") in (dest, None) and
            (r.extra.get("destination") is not None or not r.extra.get("unit"))]
