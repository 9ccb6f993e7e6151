"""`rolloutlint simulate`: dry-run what the Argo Rollouts controller will do, step by step.

The references (VirtualServices, DestinationRule) are resolved from the whole project index, the same
way the lint rules resolve them; the controller model in `rolloutlint.simulate` does the rest.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from rolloutlint.cli import EXIT_CLEAN, EXIT_USAGE, run_guarded


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--rollout", "rollout_sel", default=None, metavar="[NS/]NAME", help="Only this Rollout.")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json", "yaml", "markdown", "html"]),
              default="text", help="text: step table; json: every step's weights, replicas and Istio objects "
                                   "(schemas/rolloutlint-simulate.schema.json); yaml: rewritten Istio objects at "
                                   "--step; markdown: table + Mermaid charts; html: one offline page with timelines.")
@click.option("--step", default=None, metavar="N|promoted|aborted",
              help="With --format yaml (required there): the step index, or the promoted or aborted state, to render.")
@click.option("--namespace", "-n", default=None, help="Namespace for resources that declare none.")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
def simulate(paths: tuple[str, ...], rollout_sel: str | None, fmt: str, step: str | None, namespace: str | None,
             config_path: str | None, debug: bool) -> None:
    """Show the weights, replicas and Istio objects each canary step produces."""
    import gc

    gc.disable()  # as in `lint`: a short-lived process over acyclic data (collections only rescan it)
    sys.exit(run_guarded(debug, _simulate, paths, rollout_sel, fmt, step, namespace, config_path))


def _simulate(paths: tuple[str, ...], rollout_sel: str | None, fmt: str, step: str | None, namespace: str | None,
              config_path: str | None) -> int:
    from rolloutlint import pipeline
    from rolloutlint.simulate import render_step_yaml, render_text

    if fmt == "yaml" and step is None:
        click.echo("rolloutlint: error: --format yaml needs --step N|promoted|aborted", err=True)
        return EXIT_USAGE
    if fmt != "yaml" and step is not None:
        click.echo(f"rolloutlint: error: --step only applies to --format yaml (the {fmt} output shows every step)",
                   err=True)
        return EXIT_USAGE
    which: int | str | None = step
    if step is not None and step not in ("promoted", "aborted"):
        try:
            which = int(step)
        except ValueError:
            click.echo(f"rolloutlint: error: --step {step!r}: expected a step index, promoted or aborted", err=True)
            return EXIT_USAGE
        if which < 0:
            click.echo(f"rolloutlint: error: --step {step}: step indexes start at 0", err=True)
            return EXIT_USAGE
    project = pipeline.load_project(list(paths) or ["."], config_path=config_path, namespace=namespace)
    results = simulate_project(project, rollout_sel, reviewed=fmt in ("markdown", "html"))
    if rollout_sel and not results:
        click.echo(f"rolloutlint: error: no Rollout {rollout_sel!r} in the linted files", err=True)
        return EXIT_USAGE
    if fmt == "json":
        click.echo(json.dumps({"version": 1, "rollouts": results}, indent=2, ensure_ascii=False))
    elif fmt == "yaml":
        for result in results:
            try:
                click.echo(render_step_yaml(result, which), nl=False)  # type: ignore[arg-type]
            except ValueError as exc:
                click.echo(f"rolloutlint: error: {result['resource']['name']}: {exc}", err=True)
                return EXIT_USAGE
    elif fmt in ("markdown", "html"):
        from rolloutlint.simulate.report_html import render_html
        from rolloutlint.simulate.report_markdown import render_markdown

        click.echo((render_markdown if fmt == "markdown" else render_html)(results), nl=False)
    else:
        click.echo(render_text(results) if results else "No Rollouts found.", nl=not results)
    return EXIT_CLEAN


def simulate_project(project: Any, rollout_sel: str | None = None, reviewed: bool = False) -> list[dict[str, Any]]:
    """One result per Rollout in the report scope, in file order, with its `resource` header first.
    Step times are always added; `reviewed`: also the Istio rejections of every simulated state (`plan.review`)."""
    from rolloutlint.views import refs
    from rolloutlint.views.references import resolve_istio
    from rolloutlint.simulate import simulate_rollout

    want_ns, want_name = (rollout_sel.split("/", 1) if rollout_sel and "/" in rollout_sel else (None, rollout_sel))
    index = project.index
    out: list[dict[str, Any]] = []
    for ro in index.of_kind("Rollout"):
        if ro.group != "argoproj.io" or (project.report_files is not None and ro.file.path not in project.report_files):
            continue
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
        from rolloutlint.plan.review import add_durations, review

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
