"""Command line: turns flags into calls to `api`; subcommands other than `lint` are imported lazily.

Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/config error, 3 internal error.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Iterable
from typing import Any

import click

from rolloutlint import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

# name -> "module:attribute"; modules are imported only when their command runs (or for --help).
LAZY_COMMANDS: dict[str, str] = {
    "lint": "rolloutlint.cli:lint",
    "rules": "rolloutlint.commands.rules_cmd:rules",
    "explain": "rolloutlint.commands.rules_cmd:explain",
    "simulate": "rolloutlint.commands.simulate_cmd:simulate",
    "plan": "rolloutlint.commands.plan_cmd:plan",
    "analysis": "rolloutlint.commands.analysis_cmd:analysis",
    "cmp": "rolloutlint.commands.cmp_cmd:cmp",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, target in LAZY_COMMANDS.items() if _importable(target))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = LAZY_COMMANDS.get(name)
        if target is None or not _importable(target):
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


def _importable(target: str) -> bool:
    module = target.split(":")[0]
    if module == __name__:
        return True
    import importlib.util  # not for `lint`, the command every hook and editor runs

    return importlib.util.find_spec(module) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="rolloutlint")
def cli() -> None:
    """Lint Argo Rollouts + Istio + Argo CD manifests and dry-run what the controller will do."""


class InternalError(Exception):
    pass


def run_guarded(debug: bool, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Config errors exit 2 with their message; anything unexpected exits 3 without a traceback."""
    from rolloutlint.core.config import ConfigError

    try:
        return fn(*args, **kwargs)
    except ConfigError as exc:
        click.echo(f"rolloutlint: error: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException, SystemExit, KeyboardInterrupt,
            BrokenPipeError):
        raise
    except Exception as exc:
        if debug:
            raise
        click.echo(f"rolloutlint: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)", err=True)
        sys.exit(EXIT_INTERNAL)


FORMATS = ["text", "json", "sarif", "github", "auto"]


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--format", "-f", "formats", multiple=True, type=click.Choice(FORMATS),
              help="Output format; repeat with --output to write several.")
@click.option("--output", "-o", "outputs", multiple=True, type=click.Path(dir_okay=False, writable=True, allow_dash=True),
              help="Write the matching --format here instead of stdout.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info", "never"]), default=None,
              help="Lowest severity that makes the exit code 1 (default: the configuration's fail-on when set, "
                   "else error).")
@click.option("--namespace", "-n", default=None, help="Namespace for resources that declare none.")
@click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Configuration file (default: .rolloutlint.yaml at the project root).")
@click.option("--select", multiple=True, help="Only these rules (ids, names or id prefixes; comma-separated or repeated).")
@click.option("--ignore", multiple=True, help="Skip these rules (ids, names or id prefixes; comma-separated or repeated).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto")
@click.option("--show-suppressed", is_flag=True, help="Also show findings silenced by suppressions.")
@click.option("--baseline", "baseline", type=click.Path(dir_okay=False), default=None,
              help="Report only findings not recorded in this baseline file.")
@click.option("--write-baseline", type=click.Path(dir_okay=False), default=None,
              help="Record the current findings as the baseline and exit 0.")
@click.option("--fix", is_flag=True, help="Apply safe fixes in place.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix or --diff, also apply unsafe fixes.")
@click.option("--diff", is_flag=True, help="Show the fixes as a unified diff; write nothing.")
@click.option("--no-render", is_flag=True, help="Lint raw files; do not render Applications, kustomizations and charts.")
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
def lint(paths: tuple[str, ...], formats: tuple[str, ...], outputs: tuple[str, ...], fail_on: str | None,
         namespace: str | None, config_path: str | None, select: tuple[str, ...], ignore: tuple[str, ...],
         color: str, show_suppressed: bool, baseline: str | None, write_baseline: str | None, fix: bool,
         unsafe_fixes: bool, diff: bool, no_render: bool, debug: bool) -> None:
    """Lint files, directories (recursively) or `-` (stdin)."""
    import gc

    gc.disable()  # a short-lived process over acyclic data: collections would only rescan the loaded repo
    code = run_guarded(debug, _lint, paths, formats, outputs, fail_on, namespace, config_path, select, ignore,
                       color, show_suppressed, baseline, write_baseline, fix, unsafe_fixes, diff, debug, no_render)
    sys.exit(code)


def _lint(paths: tuple[str, ...], formats: tuple[str, ...], outputs: tuple[str, ...], fail_on: str | None,
          namespace: str | None, config_path: str | None, select: tuple[str, ...], ignore: tuple[str, ...],
          color: str, show_suppressed: bool, baseline: str | None, write_baseline: str | None, fix: bool,
          unsafe_fixes: bool, diff: bool, debug: bool, no_render: bool = False) -> int:
    from rolloutlint import pipeline
    from rolloutlint.cli_options import check_fix_flags, check_selectors, pair_outputs, split_list
    from rolloutlint.report import ReportOptions, get_chunks, get_reporter
    from rolloutlint.run.progress import current as progress
    from rolloutlint.run.registry import RuleSet

    check_fix_flags(fix, diff, unsafe_fixes)
    destinations = pair_outputs(formats, outputs)
    select, ignore = split_list(select), split_list(ignore)

    progress.start()  # a line on the terminal for long runs, erased before anything else is written
    try:
        project = pipeline.load_project(list(paths) or ["."], config_path=config_path, namespace=namespace,
                                        render=not no_render, debug_log=_debug_log(debug))
        check_selectors(project.config, select, ignore)
        if fix or diff:
            from rolloutlint.fix.fixer import run_fixes

            progress.finish()  # the fixer reports as it goes
            project = run_fixes(project, select=select, ignore=ignore, write=fix and not diff, unsafe=unsafe_fixes,
                                debug=debug, echo=lambda s: click.echo(s, err=not diff))
        # Writing a baseline records every finding: the current baseline must not hide any of them.
        result = pipeline.lint_project(project, select=select, ignore=ignore, debug=debug, baseline=baseline,
                                       use_baseline=not write_baseline)
    finally:
        progress.finish()
    findings = result.findings
    if write_baseline:
        from rolloutlint.run.baseline import write_baseline as _write

        _write(write_baseline, findings)
        click.echo(f"rolloutlint: wrote {len([f for f in findings if f.suppressed is None])} finding(s) to {write_baseline}", err=True)
        return EXIT_CLEAN
    known = RuleSet(project.config.policy_rules)  # SARIF describes every rule the run knew
    for fmt, out in destinations:
        if fmt == "auto":
            fmt = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
        use_color = out == "-" and (color == "always" or (color == "auto" and _stdout_is_tty() and "NO_COLOR" not in os.environ))
        options = ReportOptions(color=use_color, show_suppressed=show_suppressed, rules=known.all())
        if out != "-":
            _write_atomic(out, get_chunks(fmt)(findings, result.summary, options))
        elif fmt in ("json", "sarif"):  # JSON escapes control characters: no ANSI to strip, written as it comes
            echo_stdout(get_chunks(fmt)(findings, result.summary, options))
        else:
            text = get_reporter(fmt)(findings, result.summary, options)
            echo_stdout(text, nl=False, color=True if use_color else None)  # click strips ANSI when piped
    threshold = fail_on or project.config.fail_on
    return exit_code(findings, threshold)


def _stdout_is_tty() -> bool:
    try:
        return sys.stdout is not None and sys.stdout.isatty()
    except (OSError, ValueError):
        return False


def _debug_log(debug: bool) -> Any:
    return (lambda msg: click.echo(f"rolloutlint: {msg}", err=True)) if debug else None


def echo_stdout(text: str | Iterable[str], nl: bool = True, color: bool | None = None) -> None:
    """Print a report on stdout; a report in pieces is written as they come, as it is (only JSON comes in
    pieces: it escapes control characters, so there is no ANSI for click to strip). A reader that went away
    (`| head -1`) is not an error of the lint: the rest of the output is dropped and the exit code still
    says what was found. A closed stdout is a usage error (exit 2): the report would be lost."""
    from rolloutlint.core.config import ConfigError

    if sys.stdout is None:
        raise ConfigError("standard output is closed; write the report with --output FILE")
    try:
        if isinstance(text, str):
            click.echo(text, nl=nl, color=color)
        else:
            from rolloutlint.core.outfile import blocks

            for block in blocks(text):
                sys.stdout.write(block)
        sys.stdout.flush()
    except BrokenPipeError:
        _drop_stdout()
    except OSError as exc:
        raise ConfigError(f"cannot write to standard output: {exc.strerror or exc}") from None


def _drop_stdout() -> None:
    """Point stdout at /dev/null so nothing more (not even the final flush) hits the closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def exit_code(findings: list[Any], threshold: str) -> int:
    if threshold == "never":
        return EXIT_CLEAN
    from rolloutlint.core.findings import Severity

    level = Severity.parse(threshold)
    return EXIT_FINDINGS if any(f.severity >= level and f.suppressed is None for f in findings) else EXIT_CLEAN


def _write_atomic(path: str, text: str | Iterable[str]) -> None:
    from rolloutlint.core.config import ConfigError
    from rolloutlint.core.outfile import WriteError, write_text

    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        write_text(path, text)
    except WriteError as exc:
        raise ConfigError(str(exc)) from None


def main() -> None:
    """Console entry point. Exits without interpreter teardown: freeing a large repository's parsed
    objects one by one takes longer than the lint's own output step, and nothing is left to clean up
    (outputs are written atomically and closed, streams are flushed here)."""
    if sys.stdout is None and (sys.argv[1:] == ["--version"] or not any(a in ("-o", "--output") or
                                                                         a.startswith(("-o", "--output="))
                                                                         for a in sys.argv[1:])):
        _say("rolloutlint: error: standard output is closed; nothing could be printed")
        os._exit(EXIT_USAGE)
    try:
        cli(prog_name="rolloutlint")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if exc.code is not None and not isinstance(exc.code, int):
            _say(str(exc.code))
    except KeyboardInterrupt:
        code = 130
    except BrokenPipeError:  # a reader that stopped early (`rolloutlint rules | head -1`): not an error
        _drop_stdout()
        code = EXIT_CLEAN
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            if stream is sys.stdout:
                _drop_stdout()
    os._exit(code)


def _say(text: str) -> None:
    try:
        if sys.stderr is not None:
            print(text, file=sys.stderr)
    except (OSError, ValueError):
        pass
