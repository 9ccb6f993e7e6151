"""`rolloutlint analysis ...`: work with AnalysisTemplates offline.

`analysis eval TEMPLATE --result response.json` evaluates a template's success/failure conditions against a
recorded provider response, the way Argo Rollouts judges one measurement (`--empty`: against a response with
no data). `analysis replay TEMPLATE --series DIR` runs a recorded series through the whole AnalysisRun.
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
@click.option("--result", "results", multiple=True, metavar="[METRIC=]FILE",
              help="Recorded provider response (JSON; '-' for stdin). METRIC=FILE gives one metric its own response.")
@click.option("--empty", is_flag=True, help="Evaluate against the response to a query that matches no series "
              "(Prometheus: an empty vector, NaN for scalar queries) instead of --result.")
@click.option("--arg", "args", multiple=True, metavar="NAME=VALUE", help="Argument value (overrides the template default).")
@click.option("--rollout", "rollout", default=None, metavar="NAME",
              help="Take the argument values this Rollout passes to the template (--arg still overrides).")
@click.option("--metric", "metrics", multiple=True, metavar="NAME", help="Only evaluate this metric (repeatable).")
@click.option("--namespace", "-n", default=None, help="Namespace for resources that declare none.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcomes as JSON.")
def eval_cmd(template: str, paths: tuple[str, ...], results: tuple[str, ...], empty: bool, args: tuple[str, ...],
             rollout: str | None, metrics: tuple[str, ...], namespace: str | None, as_json: bool) -> None:
    """Evaluate TEMPLATE's conditions against a recorded provider response.

    TEMPLATE is a template name found under PATHS (default: the current directory), NAMESPACE/NAME, or a
    file holding one template. For SkyWalking pass the GraphQL response (or its `data` object); for
    Prometheus the /api/v1/query (or query_range) response. Each metric prints Successful, Failed,
    Inconclusive or Error with the condition and the values it read, as for one measurement.
    """
    from rolloutlint.analysis_eval import EvalUsageError, evaluate_template, exit_code, load_response

    if bool(results) == empty:
        _fail("give either --result FILE or --empty")
    tmpl, index = _find_template(template, paths, namespace)
    arg_values = _arg_values(args, rollout, tmpl, index, as_json)
    try:
        responses: dict[str | None, Any] = {}
        if empty:
            responses.update(_empty_responses(tmpl, index, arg_values, metrics))
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


def _arg_values(args: tuple[str, ...], rollout: str | None, tmpl: Any, index: Any, quiet: bool) -> dict[str, str]:
    """--rollout's argument values overridden by --arg; with --rollout, print each query resolved."""
    from rolloutlint.analysis_eval import EvalUsageError
    from rolloutlint.analysis_replay import resolved_queries, rollout_args

    values: dict[str, str] = {}
    if rollout:
        ns, _, name = rollout.rpartition("/")
        hits = [r for r in index.of_kind("Rollout") if r.name == name and (not ns or r.namespace in (ns, None))]
        if not hits:
            _fail(f"no Rollout named {rollout!r}")
        try:
            passed, runtime = rollout_args(hits[0], tmpl)
        except EvalUsageError as exc:
            _fail(str(exc))
            return {}
        values.update(passed)
    else:
        runtime = []
    for item in args:
        name, sep, value = item.partition("=")
        if not sep or not name:
            _fail(f"--arg {item!r}: expected NAME=VALUE")
        values[name.strip()] = value
    if rollout and not quiet:
        click.echo(f"Queries with the arguments of Rollout {rollout}:")
        for metric, provider, query in resolved_queries(tmpl, values, index):
            click.echo(f"  {metric} ({provider}):")
            for line in query.strip().splitlines():
                click.echo(f"    {line}")
        for name in runtime:
            if name not in values:
                click.echo(f"  (args.{name} comes from valueFrom: known only at run time; pass --arg {name}=VALUE)")
    return values


def _empty_responses(tmpl: Any, index: Any, args: dict[str, str], only: tuple[str, ...]) -> dict[str | None, Any]:
    from rolloutlint.analysis_eval import EvalUsageError, template_args, template_metrics
    from rolloutlint.analysis_replay import empty_response

    metrics = template_metrics(tmpl, index)
    resolved = template_args(list(dict.fromkeys(t for t, _ in metrics)), args)
    out: dict[str | None, Any] = {}
    for i, (_, m) in enumerate(metrics):
        name = m.get("name") if isinstance(m.get("name"), str) else f"metrics[{i}]"
        if only and name not in only:
            continue
        try:
            out[name] = empty_response(m, resolved)
        except EvalUsageError:
            if only:
                raise
    if not out:
        raise EvalUsageError("--empty: the template has no Prometheus metric")
    return out


@analysis.command("replay")
@click.argument("template")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--series", "series", multiple=True, required=True, metavar="[METRIC=]PATH",
              help="Recorded responses: a JSON list, or a directory of JSON files in name order. "
              "METRIC=PATH gives one metric its own series.")
@click.option("--arg", "args", multiple=True, metavar="NAME=VALUE", help="Argument value (overrides the template default).")
@click.option("--rollout", "rollout", default=None, metavar="NAME",
              help="Take the argument values this Rollout passes to the template and print the resolved queries.")
@click.option("--metric", "metrics", multiple=True, metavar="NAME", help="Only replay this metric (repeatable).")
@click.option("--dry-run", "dry_run", multiple=True, metavar="REGEX",
              help="Metrics in dry-run mode (as dryRun[].metricName; --rollout adds the Rollout's own).")
@click.option("--namespace", "-n", default=None, help="Namespace for resources that declare none.")
@click.option("--json", "as_json", is_flag=True, help="Print the run as JSON.")
def replay_cmd(template: str, paths: tuple[str, ...], series: tuple[str, ...], args: tuple[str, ...],
               rollout: str | None, metrics: tuple[str, ...], dry_run: tuple[str, ...], namespace: str | None,
               as_json: bool) -> None:
    """Run a recorded series of responses through TEMPLATE's AnalysisRun.

    Each response is one measurement, judged as `analysis eval` judges it; count, interval, initialDelay,
    failureLimit, inconclusiveLimit, consecutiveErrorLimit (and consecutiveSuccessLimit) decide each
    metric's phase and the run's, as the Argo Rollouts analysis controller does. Exit codes: 0 the run is
    Successful, 1 Failed, Error, Inconclusive or still Running when the series ends, 2 usage error.
    """
    from rolloutlint.analysis_eval import EvalUsageError
    from rolloutlint.analysis_replay import format_seconds, load_series, replay_json, replay_template, rollout_dry_run

    tmpl, index = _find_template(template, paths, namespace)
    arg_values = _arg_values(args, rollout, tmpl, index, as_json)
    if rollout:
        name = rollout.rpartition("/")[2]
        dry_run += tuple(p for r in index.of_kind("Rollout") if r.name == name for p in rollout_dry_run(r, tmpl))
    try:
        recorded: dict[str | None, list[Any]] = {}
        for item in series:
            name, sep, path = item.partition("=")
            if sep and name and not Path(item).exists():
                recorded[name] = load_series(path)
            else:
                recorded[None] = load_series(item)
        rep = replay_template(tmpl, recorded, args=arg_values, metric_names=metrics, index=index, dry_run=dry_run)
    except EvalUsageError as exc:
        _fail(str(exc))
        return
    if as_json:
        click.echo(replay_json(tmpl, rep))
    else:
        click.echo(f"AnalysisRun of {tmpl.kind} {tmpl.label().split(' ', 1)[1]} ({tmpl.file.display})")
        width = max([len(m.metric) for m in rep.measurements] + [6])
        for m in rep.measurements:
            click.echo(f"  {format_seconds(m.at):>9}  {m.metric:<{width}}  {m.phase}: {m.reason}")
        for r in rep.metrics:
            click.echo(f"  metric {r.spec.name}{' (dry run)' if r.spec.dry_run else ''}: {r.phase} (count {r.count}: {r.successful} successful, "
                       f"{r.failed} failed, {r.inconclusive} inconclusive; {r.error} errors)")
        if rep.note:
            click.echo(f"  note: {rep.note}")
        click.echo(f"  run: {rep.phase}")
    sys.exit(EXIT_OK if rep.phase == "Successful" else EXIT_NOT_SUCCESSFUL)
