"""Which objects a reference from a rendered object may resolve to: its own unit's, then those of units
that deploy to the same destination (cluster + namespace), never another destination's."""

from __future__ import annotations

from collections.abc import Sequence

from rolloutlint.core.model import Resource


def same_destination(a: tuple[str | None, str | None], b: tuple[str | None, str | None]) -> bool:
    """(cluster, namespace) pairs naming one destination; an unknown cluster (the Argo CD plugin is not told it)
    matches any."""
    return a[1] == b[1] and (a[0] is None or b[0] is None or a[0] == b[0])


def in_scope(candidates: Sequence[Resource], near: Resource) -> list[Resource]:
    unit = near.extra.get("unit")
    dest = near.extra.get("destination")
    same_unit = [r for r in candidates if r.extra.get("unit") == unit]
    if same_unit:
        return same_unit
    if dest is None:  # a kustomization or chart of its own: any object not bound to a destination
        return [r for r in candidates if r.extra.get("destination") is None]
    out = []
    for r in candidates:
        there = r.extra.get("destination")
        if (there is None and not r.extra.get("unit")) or (there is not None and same_destination(there, dest)):
            out.append(r)
    return out
