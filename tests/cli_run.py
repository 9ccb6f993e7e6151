"""Run the click CLI in-process from a given directory (shared by the CLI-level tests)."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from rolloutlint.cli import cli


def run(args: list[str], cwd: Path, input: str | None = None) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `rolloutlint ARGS` run in `cwd`."""
    old = os.getcwd()
    os.chdir(cwd)
    try:
        res = CliRunner().invoke(cli, args, input=input, catch_exceptions=False)
    finally:
        os.chdir(old)
    return res.exit_code, res.stdout, res.stderr
