"""The library API: lint paths in one call, through the same pipeline as the command line."""

from __future__ import annotations

from collections.abc import Sequence

from rolloutlint.core.project import LintResult
from rolloutlint.pipeline import lint_project, load_project

LOAD_KEYS = frozenset({"config_path", "namespace", "cwd", "stdin", "whole_root"})


def lint_paths(paths: Sequence[str], **kwargs: object) -> LintResult:
    """Load and lint in one call: `load_project`'s keyword arguments, then `lint_project`'s (the
    baseline of the configuration, or `baseline=`, applies as on the command line)."""
    load_kwargs = {k: v for k, v in kwargs.items() if k in LOAD_KEYS}
    lint_kwargs = {k: v for k, v in kwargs.items() if k not in LOAD_KEYS}
    project = load_project(paths, **load_kwargs)  # type: ignore[arg-type]
    return lint_project(project, **lint_kwargs)  # type: ignore[arg-type]
