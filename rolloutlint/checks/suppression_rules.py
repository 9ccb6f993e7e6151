"""RL006/RL007: suppression hygiene. Reported by `rolloutlint.run.suppress` after the other rules ran; the
classes here carry the metadata, docs and selection (like the loader rules in `core.py`)."""

from __future__ import annotations

from rolloutlint.core.findings import Severity
from rolloutlint.core.rule import Rule, register


@register
class InvalidSuppression(Rule):
    """A suppression comment or `rolloutlint.io/ignore` annotation is malformed or names an unknown rule.

    ## What it checks
    Every `# rolloutlint: ...` comment and every `rolloutlint.io/ignore` annotation in the linted files:
    the action must be one of `disable`, `disable-line`, `disable-next-line`, `disable-file` or `enable`;
    each id must be a rule id, a rule name, an id prefix (`RL3`) or `all`; `disable-file` must sit in the
    file's first comment block; an `enable` must close a standalone `disable` above it. Naming a rule that
    cannot be suppressed (`RL001` syntax errors, `RL999` internal errors) is also reported.

    ## Why it matters
    A misspelled id silently suppresses nothing, so the finding you meant to silence still fails the
    build, or, worse, a directive you believe documents an accepted risk does not exist for the tool.

    ## How to fix
    Correct the id (the message suggests the closest rule) or the action, move `disable-file` to the top
    of the file, or remove the directive. Use `rolloutlint rules` to list ids and names.

    ## Upstream
    No upstream check: suppressions are rolloutlint's own. The behaviour follows sqlfluff's and ruff's
    handling of unknown ids in `noqa`-style directives (reported, never silently ignored).
    """

    id = "RL006"
    name = "invalid-suppression"
    severity = Severity.WARNING
    summary = "Suppression directive is malformed or names an unknown rule"


@register
class UnusedSuppression(Rule):
    """A suppression comment or annotation suppressed no finding.

    ## What it checks
    Only when `warn-unused-suppressions: true` is set in `.rolloutlint.yaml`: each id of each directive or
    `rolloutlint.io/ignore` annotation must have silenced at least one finding where it applies. Ids of
    rules that did not run (deselected with `select`/`ignore`/`--select`) are never reported, because
    whether they would match is unknown.

    ## Why it matters
    Stale suppressions pile up after the underlying problem is fixed, and later hide a new, real finding
    of the same rule on that line or resource.

    ## How to fix
    Remove the directive, or the ids in it that the message names.

    ## Upstream
    No upstream check: the equivalent of ruff's `RUF100 unused-noqa` and ESLint's
    `--report-unused-disable-directives`.
    """

    id = "RL007"
    name = "unused-suppression"
    severity = Severity.INFO
    summary = "Suppression directive suppresses no finding"
