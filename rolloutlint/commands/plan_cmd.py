"""`rolloutlint plan --base REV [--head REV]`: what a Git change will make the controller do."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rolloutlint.cli import EXIT_CLEAN, EXIT_USAGE, run_guarded


@click.command()
@click.option("--base", "base_rev", required=True, metavar="REV", help="The revision the change starts from.")
@click.option("--head", "head_rev", default=None, metavar="REV", help="The changed revision (default: the working tree).")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json", "markdown", "html"]), default="text",
              help="markdown: for a pull-request comment (Mermaid charts); html: one offline page with timelines.")
@click.option("--repo", "repo", type=click.Path(exists=True, file_okay=False), default=".",
              help="A directory inside the Git repository (default: the current directory).")
@click.option("--namespace", "-n", default=None, help="Namespace for resources that declare none.")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), default=None)
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
def plan(base_rev: str, head_rev: str | None, fmt: str, repo: str, namespace: str | None, config_path: str | None,
         debug: bool) -> None:
    """Say, for every Rollout a Git change affects, what the Argo Rollouts controller will do."""
    sys.exit(run_guarded(debug, _plan, base_rev, head_rev, fmt, repo, namespace, config_path))


def _plan(base_rev: str, head_rev: str | None, fmt: str, repo: str, namespace: str | None,
          config_path: str | None) -> int:
    from rolloutlint.plan import report
    from rolloutlint.plan.build import build_plan
    from rolloutlint.plan.gitrev import GitError

    try:
        result = build_plan(Path(repo).resolve(), base_rev, head_rev, config_path=config_path, namespace=namespace)
    except GitError as exc:
        click.echo(f"rolloutlint: error: {exc}", err=True)
        return EXIT_USAGE
    render = {"text": report.render_text, "json": report.render_json, "markdown": report.render_markdown_limited,
              "html": report.render_html}[fmt]
    click.echo(render(result), nl=False)
    return EXIT_CLEAN
