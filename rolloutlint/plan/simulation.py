"""Simulating a loaded project's Rollouts, each against the objects the lint's resolver draws for it; shared
by `rolloutlint simulate` and `rolloutlint plan`."""

from __future__ import annotations

from typing import Any

from rolloutlint.plan.review import add_durations, review
from rolloutlint.simulate import simulate_rollout
from rolloutlint.views import refs
from rolloutlint.views.references import resolve_istio


def simulate_project(project: Any, rollout_sel: str | None = None, reviewed: bool = False) -> list[dict[str, Any]]:
    """One result per Rollout in the report scope, in file order, with its `resource` header first.
    Step times are always added; `reviewed`: also the Istio rejections of every simulated state (`plan.review`)."""
    want_ns, want_name = (rollout_sel.split("/", 1) if rollout_sel and "/" in rollout_sel else (None, rollout_sel))
    index = project.index
    out: list[dict[str, Any]] = []
    named = None if project.report_files is None else \
        {src.display for src in project.files if src.path in project.report_files}
    from rolloutlint.run.touching import units_named

    rendered = getattr(project, "rendered", None)
    units = units_named(rendered.units, project.report_files) if rendered is not None else set()
    for ro in index.of_kind("Rollout"):
        if ro.group != "argoproj.io":
            continue
        if named is not None and ro.file.display not in named and ro.extra.get("unit") not in units and \
                (ro.extra.get("unit_file") or ("",))[0] not in named:
            continue  # neither its file, nor its unit's kustomization, nor the Application rendering it was named
        if want_name and (ro.name != want_name or (want_ns and ro.namespace != want_ns)):
            continue
        vss: dict[str, dict[str, Any]] = {}
        drawn: list[Any] = []  # the objects simulated, with the file each came from
        ties: dict[int, tuple[Any, ...]] = {}  # id(drawn object) -> the equally near candidates it was drawn from
        for ref in refs.virtual_service_refs(ro):
            found = resolve_istio(index, "VirtualService", ref.name, ref.namespace, near=ro)  # lint's resolver
            vs = found.chosen
            if vs is not None:
                drawn.append(vs)
                ties[id(vs)] = found.tied
                vss[ref.raw] = vs.body
                vss[f"{ref.namespace}/{ref.name}" if ref.namespace else ref.name] = vs.body
        dr_ref = refs.destination_rule_ref(ro)
        dr = None
        if dr_ref is not None:
            found = resolve_istio(index, "DestinationRule", dr_ref.name, ro.namespace, near=ro)
            dr = found.chosen
            if dr is not None:
                drawn.append(dr)
                ties[id(dr)] = found.tied
        result = simulate_rollout(ro.body, virtual_services=vss, destination_rule=dr.body if dr else None,
                                  namespace=ro.namespace)
        if ro.item_path:
            line = ro.node.start_mark.line + 1 if ro.node is not None else 1
        else:
            line = ro.doc.start_line if ro.doc is not None else 1
        header: dict[str, Any] = {"resource": {"kind": "Rollout", "namespace": ro.namespace, "name": ro.name,
                               "file": ro.file.display, "line": line}}
        if ro.extra.get("unit"):
            header["resource"]["unit"] = ro.extra["unit"]
        header["sources"] = [_source(o, ties.get(id(o), ())) for o in drawn]
        merged = type(result)(header)  # keep the result's class: it carries the rewritten documents
        merged.update(result)
        for o in drawn:  # an ambiguous reference (ambiguous-reference, RL340): say which copy was drawn
            if ties.get(id(o)):
                others = ", ".join(f"{c.file.display}:{_line(c)}" for c in ties[id(o)][1:])
                note = (f"{o.kind} {o.namespace + '/' if o.namespace else ''}{o.name} is defined equally near this "
                        f"Rollout in {len(ties[id(o)])} files; simulated with {o.file.display}:{_line(o)}, not {others} "
                        "(ambiguous-reference, RL340)")
                merged["problems"] = [*merged.get("problems", []), note]
        (review if reviewed else add_durations)(index, ro, merged)
        out.append(merged)
    return out


def _line(o: Any) -> int:
    return o.node.start_mark.line + 1 if o.node is not None else 1


def _source(o: Any, tied: tuple[Any, ...]) -> dict[str, Any]:
    """A drawn object and where it came from; with `candidates` when others were equally near (RL340)."""
    out: dict[str, Any] = {"kind": o.kind, "namespace": o.namespace, "name": o.name, "file": o.file.display,
                           "line": _line(o)}
    if tied:
        out["candidates"] = [{"file": c.file.display, "line": _line(c)} for c in tied]
    return out
