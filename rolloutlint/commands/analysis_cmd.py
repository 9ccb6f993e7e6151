"""`rolloutlint analysis ...`: work with AnalysisTemplates offline.

`analysis eval TEMPLATE --result response.json` evaluates a template's success/failure conditions against a
recorded provider response, the way Argo Rollouts judges one measurement.
Exit codes: 0 every metric Successful, 1 any metric Failed/Inconclusive/Error, 2 usage error.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

EXIT_OK, EXIT_NOT_SUCCESSFUL, EXIT_USAGE = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def analysis() -> None:
    """Work with AnalysisTemplates offline."""


def _fail(message: str) -> None:
    click.echo(f"rolloutlint: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _find_template(template: str, paths: tuple[str, ...], namespace: str | None) -> tuple[Any, Any]:
    from rolloutlint.analysis_eval import TEMPLATE_KINDS
    from rolloutlint.pipeline import load_project
    from rolloutlint.core.config import ConfigError

    as_file = Path(template)
    try:
        if as_file.is_file():
            project = load_project([str(as_file)], namespace=namespace)
            file_path = as_file.resolve()
            found = [r for r in project.index.of_kind(*TEMPLATE_KINDS) if r.file.path == file_path]
            if not found:
                _fail(f"{template} holds no AnalysisTemplate, ClusterAnalysisTemplate or AnalysisRun")
            if len(found) > 1:
                names = ", ".join(f"{r.kind} {r.name}" for r in found)
                _fail(f"{template} holds several templates ({names}); name one and pass the file as PATH")
            return found[0], project.index
        project = load_project(list(paths) or ["."], namespace=namespace)
    except ConfigError as exc:
        _fail(str(exc))
    ns, _, name = template.rpartition("/")
    named = project.report_files
    candidates = [r for r in project.index.of_kind(*TEMPLATE_KINDS)
                  if r.name == name and (not ns or r.namespace in (ns, None))]
    # Prefer templates under the named paths; the rest of the project is only a fallback.
    hits = [r for r in candidates if named is None or r.file.path in named] or candidates
    if not hits:
        where = ", ".join(paths) or "."
        _fail(f"no AnalysisTemplate or ClusterAnalysisTemplate named {template!r} under {where}")
    if len(hits) > 1:
        # The same template applied from several directories is fine when the copies agree.
        first = json.dumps(hits[0].spec, sort_keys=True)
        if any(json.dumps(h.spec, sort_keys=True) != first for h in hits[1:]):
            places = "; ".join(f"{h.label()} in {h.file.display}" for h in hits)
            _fail(f"{len(hits)} different templates are named {template!r} ({places}); pass NAMESPACE/NAME or the file")
    return hits[0], project.index


@analysis.command("eval")
@click.argument("template")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--result", "results", multiple=True, required=True, metavar="[METRIC=]FILE",
              help="Recorded provider response (JSON; '-' for stdin). METRIC=FILE gives one metric its own response.")
@click.option("--arg", "args", multiple=True, metavar="NAME=VALUE", help="Argument value (overrides the template default).")
@click.option("--metric", "metrics", multiple=True, metavar="NAME", help="Only evaluate this metric (repeatable).")
@click.option("--namespace", "-n", default=None, help="Namespace for resources that declare none.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcomes as JSON.")
def eval_cmd(template: str, paths: tuple[str, ...], results: tuple[str, ...], args: tuple[str, ...],
             metrics: tuple[str, ...], namespace: str | None, as_json: bool) -> None:
    """Evaluate TEMPLATE's conditions against a recorded provider response.

    TEMPLATE is a template name found under PATHS (default: the current directory), NAMESPACE/NAME, or a
    file holding one template. For SkyWalking pass the GraphQL response (or its `data` object); for
    Prometheus the /api/v1/query (or query_range) response. Each metric prints Successful, Failed,
    Inconclusive or Error with the condition and the values it read, as for one measurement.
    """
    from rolloutlint.analysis_eval import EvalUsageError, evaluate_template, exit_code, load_response

    arg_values: dict[str, str] = {}
    for item in args:
        name, sep, value = item.partition("=")
        if not sep or not name:
            _fail(f"--arg {item!r}: expected NAME=VALUE")
        arg_values[name.strip()] = value
    tmpl, index = _find_template(template, paths, namespace)
    try:
        responses: dict[str | None, Any] = {}
        for item in results:
            name, sep, path = item.partition("=")
            if sep and name and not Path(item).exists():
                responses[name] = load_response(path)
            else:
                responses[None] = load_response(item)
        outcomes = evaluate_template(tmpl, responses, args=arg_values, metric_names=metrics, index=index)
    except EvalUsageError as exc:
        _fail(str(exc))
        return
    if as_json:
        click.echo(json.dumps({"template": {"kind": tmpl.kind, "namespace": tmpl.namespace, "name": tmpl.name},
                               "metrics": [{"name": o.metric, "phase": o.phase, "reason": o.reason,
                                            "provider": o.provider, "values": o.details} for o in outcomes]}, indent=2))
    else:
        click.echo(f"{tmpl.kind} {tmpl.label().split(' ', 1)[1]} ({tmpl.file.display})")
        width = max(len(o.metric) for o in outcomes)
        for o in outcomes:
            click.echo(f"  {o.metric:<{width}}  {o.phase}: {o.reason}")
            for d in o.details:
                click.echo(f"  {'':<{width}}    {d}")
    sys.exit(exit_code(outcomes))
