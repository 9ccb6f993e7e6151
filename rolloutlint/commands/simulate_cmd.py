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
              default="text", help="text: step table; json: the DESIGN contract; yaml: rewritten Istio objects at "
                                   "--step; markdown: table + Mermaid charts; html: one offline page with timelines.")
@click.option("--step", default=None, metavar="N|promoted|aborted",
              help="With --format yaml: the step index, or the promoted or aborted state, to render.")
@click.option("--namespace", "-n", default=None, help="Namespace for resources that declare none.")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
def simulate(paths: tuple[str, ...], rollout_sel: str | None, fmt: str, step: str | None, namespace: str | None,
             config_path: str | None, debug: bool) -> None:
    """Show the weights, replicas and Istio objects each canary step produces."""
    sys.exit(run_guarded(debug, _simulate, paths, rollout_sel, fmt, step, namespace, config_path))


def _simulate(paths: tuple[str, ...], rollout_sel: str | None, fmt: str, step: str | None, namespace: str | None,
              config_path: str | None) -> int:
    from rolloutlint import api
    from rolloutlint.simulate import render_step_yaml, render_text

    if fmt == "yaml" and step is None:
        click.echo("rolloutlint: error: --format yaml needs --step N|promoted|aborted", err=True)
        return EXIT_USAGE
    which: int | str | None = step
    if step is not None and step not in ("promoted", "aborted"):
        try:
            which = int(step)
        except ValueError:
            click.echo(f"rolloutlint: error: --step {step!r}: expected a step index, promoted or aborted", err=True)
            return EXIT_USAGE
    project = api.load_project(list(paths) or ["."], config_path=config_path, namespace=namespace)
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
    Step times are always added; `reviewed`: also the Istio rejections of every simulated state (`simulate.review`)."""
    from rolloutlint import refs
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
        for ref in refs.virtual_service_refs(ro):
            vs = index.find_one("VirtualService", ref.name, ref.namespace)
            if vs is not None:
                vss[ref.raw] = vs.body
                vss[f"{ref.namespace}/{ref.name}" if ref.namespace else ref.name] = vs.body
        dr_ref = refs.destination_rule_ref(ro)
        dr = index.find_one("DestinationRule", dr_ref.name, ro.namespace) if dr_ref else None
        result = simulate_rollout(ro.body, virtual_services=vss, destination_rule=dr.body if dr else None,
                                  namespace=ro.namespace)
        line = ro.node.start_mark.line + 1 if ro.node is not None else 1
        header = {"resource": {"kind": "Rollout", "namespace": ro.namespace, "name": ro.name,
                               "file": ro.file.display, "line": line}}
        merged = type(result)(header)  # keep the result's class: it carries the rewritten documents
        merged.update(result)
        from rolloutlint.simulate.review import add_durations, review

        (review if reviewed else add_durations)(index, ro, merged)
        out.append(merged)
    return out
