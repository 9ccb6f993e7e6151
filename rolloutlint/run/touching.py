"""Which rule reports a partial lint can still report, decided before their positions are looked up.

A partial lint checks the named files' neighbours too (a finding on another file is reported when one of
its related locations is in a named file), and then keeps only the findings that touch a named file.
Locating a report walks its document's parse events, which can cost more than the rules that found it;
reports that provably touch no named file are dropped first. Kept too: every report whose finding could be merged with
a kept one (same primary file: one finding per rule, location and message), and every report whose files
are known only once located (rendered objects, whose nodes carry the file that set them).
"""

from __future__ import annotations

from rolloutlint.core.findings import Report


def reportable(reports: list[Report], named: set[str]) -> list[Report]:
    """The reports whose findings may be reported when only the files shown as `named` are."""
    primaries = [primary_file(rep) for rep in reports]
    touching = [primary is None or primary in named or _related_in(rep, named)
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
