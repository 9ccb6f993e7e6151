"""`rolloutlint simulate`: dry-run what the Argo Rollouts controller will do, step by step.

The references (VirtualServices, DestinationRule) are resolved from the whole project index, the same
way the lint rules resolve them; the controller model in `rolloutlint.simulate` does the rest.
"""

from __future__ import annotations

import json
import sys

import click

from rolloutlint.cli import EXIT_CLEAN, EXIT_USAGE, run_guarded
from rolloutlint.plan.simulation import simulate_project


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
