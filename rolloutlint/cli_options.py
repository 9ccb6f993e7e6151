"""Validation of `lint`'s options that click cannot express: every mistake is a usage error (exit 2).

An option that silently matches nothing would silently check nothing: a selector naming no rule, two
reports on one stdout, `--unsafe-fixes` without a fix mode, a `.json` output holding text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import PurePath
from typing import Any

from rolloutlint.core.config import ConfigError

# Output file extensions whose format is unambiguous.
FORMAT_BY_EXTENSION = {".json": "json", ".sarif": "sarif", ".txt": "text", ".log": "text"}
STDOUT = "-"


def split_list(values: Iterable[str]) -> tuple[str, ...]:
    """`--select RL1,RL2 --select RL3` -> (RL1, RL2, RL3), as in ruff."""
    out = tuple(part.strip() for value in values for part in value.split(",") if part.strip())
    if any(not value.strip(" ,") for value in values):  # `--select ""` would otherwise select every rule
        raise ConfigError("an empty rule selector selects nothing: name rule ids, names or prefixes")
    return out


def check_selectors(config: Any, select: Sequence[str], ignore: Sequence[str]) -> None:
    """Each selector must match a built-in rule or one of the project's policies."""
    from rolloutlint.core.suggest import rule_hint
    from rolloutlint.run.registry import RuleSet

    known = RuleSet(config.policy_rules)
    errors = []
    for option, values in (("--select", select), ("--ignore", ignore)):
        for sel in values:
            if not known.resolve(sel):
                errors.append(f"{option}: {sel!r} matches no rule{rule_hint(sel, known.all())}; "
                              "`rolloutlint rules` lists them")
    if errors:
        raise ConfigError("\n".join(errors))


def check_fix_flags(fix: bool, diff: bool, unsafe_fixes: bool) -> None:
    if unsafe_fixes and not (fix or diff):
        raise ConfigError("--unsafe-fixes only widens --fix or --diff: add one of them")


def pair_outputs(formats: Sequence[str], outputs: Sequence[str]) -> list[tuple[str, str]]:
    """(format, destination) pairs: the i-th --format goes to the i-th --output, the rest to stdout.

    An --output without its own --format takes the format its extension names, else it is an error;
    at most one report may go to stdout (two JSON documents in one stream parse as neither).
    """
    pairs: list[tuple[str, str]] = []
    for i in range(max(len(formats), len(outputs), 1)):
        out = outputs[i] if i < len(outputs) else STDOUT
        if i < len(formats):
            fmt = formats[i]
        elif out == STDOUT:
            fmt = "auto"
        else:
            fmt = FORMAT_BY_EXTENSION.get(PurePath(out).suffix.lower(), "")
            if not fmt:
                known = ", ".join(f"{ext} ({name})" for ext, name in FORMAT_BY_EXTENSION.items())
                raise ConfigError(f"--output {out}: no --format for it, and its extension does not name one "
                                  f"(known: {known}); add --format")
        pairs.append((fmt, out))
    to_stdout = [fmt for fmt, out in pairs if out == STDOUT]
    if len(to_stdout) > 1:
        raise ConfigError(f"--format {' and --format '.join(to_stdout)} would all print on stdout: "
                          "give every --format but one an --output file")
    return pairs
