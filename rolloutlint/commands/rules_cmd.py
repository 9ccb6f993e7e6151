"""`rolloutlint rules` (the rule catalog) and `rolloutlint explain ID|NAME` (one rule's documentation).

Both include the project's policies when a configuration is found (`--config`, else `.rolloutlint.yaml` at
the project root of the current directory); an invalid configuration is a usage error (exit 2).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

FORMATS = ("text", "json", "markdown")


def _known_rules(config_path: str | None, use_config: bool) -> Any:
    """The built-in rules plus, unless `use_config` is off, the project's policies."""
    from rolloutlint.config import find_config, load_config
    from rolloutlint.load.discovery import find_root
    from rolloutlint.run.registry import RuleSet

    if not use_config:
        return RuleSet()
    try:
        cwd = Path.cwd()
    except OSError:  # the working directory was deleted: no project to take policies from
        return RuleSet()
    path = Path(config_path).resolve() if config_path else find_config(find_root([cwd], cwd))
    return RuleSet(load_config(path).policy_rules if path is not None else ())


_config_option = click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False), default=None,
                              help="Configuration whose policies to include (default: .rolloutlint.yaml at the project root).")
_no_config_option = click.option("--no-config", is_flag=True, help="Built-in rules only; ignore the project's policies.")


@click.command("rules")
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text: a table; json: every rule with its docs and examples; markdown: docs/rules.md.")
@_config_option
@_no_config_option
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
def rules(fmt: str, config_path: str | None, no_config: bool, debug: bool) -> None:
    """List every rule: id, name, severity, fixable, summary (and project policies)."""
    from rolloutlint.cli import run_guarded

    def run() -> int:
        from rolloutlint import ruledocs
        rules_ = _known_rules(config_path, not no_config).all()
        if fmt == "text":
            click.echo(ruledocs.render_list_text(rules_, width=_terminal_width()), nl=False)
            return 0
        render = {"json": ruledocs.render_list_json, "markdown": ruledocs.render_list_markdown}[fmt]
        click.echo(render(rules_), nl=False)
        return 0

    sys.exit(run_guarded(debug, run))


def _terminal_width() -> int | None:
    """$COLUMNS, else the terminal's width; None when piped (scripts get one line per rule)."""
    import os
    import shutil

    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    return shutil.get_terminal_size().columns if sys.stdout.isatty() else None


@click.command("explain")
@click.argument("rule")
@click.option("--format", "-f", "fmt", type=click.Choice(("text", "markdown")), default="text", show_default=True)
@_config_option
@_no_config_option
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
def explain(rule: str, fmt: str, config_path: str | None, no_config: bool, debug: bool) -> None:
    """Show a rule's documentation and its failing and passing examples (RULE: id or name)."""
    from rolloutlint.cli import EXIT_USAGE, run_guarded

    def run() -> int:
        from rolloutlint import ruledocs

        known = _known_rules(config_path, not no_config)
        found = known.get(rule)
        if found is None:
            from rolloutlint.core.suggest import rule_hint

            click.echo(f"rolloutlint: error: no rule {rule!r}{rule_hint(rule, known.all())}; `rolloutlint rules` "
                       "lists them", err=True)
            return EXIT_USAGE
        render = ruledocs.render_explain_text if fmt == "text" else ruledocs.render_explain_markdown
        click.echo(render(found), nl=False)
        return 0

    sys.exit(run_guarded(debug, run))
