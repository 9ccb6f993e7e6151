"""Which rule reports a partial lint can still report, decided before their positions are looked up.

A partial lint checks the named files' neighbours too (a finding on another file is reported when one of
its related locations is in a named file), and then keeps only the findings that touch a named file.
Locating a report walks its document's parse events, which can cost more than the rules that found it;
reports that provably touch no named file are dropped first. Kept too: every report whose finding could be merged with
a kept one (same primary file: one finding per rule, location and message), and every report whose files
are known only once located (rendered objects, whose nodes carry the file that set them).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

from rolloutlint.core.findings import Report


def reportable(reports: list[Report], named: set[str], units: AbstractSet[str] = frozenset()) -> list[Report]:
    """The reports whose findings may be reported when only the files shown as `named` are, and the objects of
    `units` (`units_named`)."""
    primaries = [primary_file(rep) for rep in reports]
    touching = [primary is None or primary in named or _related_in(rep, named) or
                (rep.resource is not None and rep.resource.extra.get("unit") in units)
                for rep, primary in zip(reports, primaries)]
    merged_into = {primary for primary, touches in zip(primaries, touching) if touches and primary is not None}
    return [rep for rep, primary, touches in zip(reports, primaries, touching) if touches or primary in merged_into]


def primary_file(rep: Report) -> str | None:
    """The file the report's finding is located in (`Engine.resolve` places it there); None when only
    locating tells (a rendered object: its nodes carry the file that set them)."""
    res = rep.resource
    if rep.position is not None:
        return rep.file or (res.file.display if res is not None else "")
    if res is not None:
        return None if res.extra.get("rendered") else res.file.display
    return rep.file or ""


def _related_in(rep: Report, named: set[str]) -> bool:
    res = rep.resource
    if res is not None and res.extra.get("unit"):
        entry = res.extra.get("unit_file")
        if entry is not None and entry[0] in named:
            return True
    for rel in rep.related:
        other = rel.resource
        if other is not None and (other.extra.get("rendered") or other.file.display in named):
            return True
    return False


def units_named(units: Iterable[Any], named: set[Path] | None) -> set[str]:
    """The deployment units whose own kustomization is named: naming an overlay names what it renders, wherever
    its bases lie and whichever Application deploys it (a unit without an Application already relates its
    findings to that kustomization; one deployed by an Application relates them to the Application)."""
    if not named:
        return set()
    from rolloutlint.load.render.kustomize import kustomization_file

    out: set[str] = set()
    for unit in units:
        for source in unit.sources:
            kfile = kustomization_file(source.path) if source.tool == "kustomize" else None
            if kfile is not None and kfile.resolve() in named:
                out.add(unit.name)
    return out
