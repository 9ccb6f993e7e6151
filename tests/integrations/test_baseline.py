"""Baselines: fingerprints survive line moves, only new findings are reported, duplicates are counted."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from rolloutlint.api import lint_paths
from rolloutlint.run.baseline import filter_baseline, write_baseline
from rolloutlint.cli import cli
from rolloutlint.core.config import ConfigError
from tests.integrations.helpers import rollout, write_tree


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Display paths (and so baseline paths) are relative to the current directory, as on the command line.
    monkeypatch.chdir(tmp_path)


def lint(root: Path):  # type: ignore[no-untyped-def]
    return lint_paths([str(root)], cwd=Path.cwd()).findings


def test_baseline_file_shape(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"apps/r.yaml": rollout(extra="bogus: 1\nother: 2  # rolloutlint: disable=RL010\n")})
    write_baseline(root / "baseline.json", lint(root))
    doc = json.loads((root / "baseline.json").read_text())
    assert doc["version"] == 1 and doc["tool"]["name"] == "rolloutlint" and doc["tool"]["version"]
    # suppressed findings are not recorded
    assert [(e["rule"], e["file"]) for e in doc["entries"]] == [("RL010", "apps/r.yaml")]
    assert set(doc["entries"][0]) == {"fingerprint", "rule", "file", "message"}


def test_line_moves_keep_fingerprints_and_only_new_findings_are_reported(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"r.yaml": rollout(extra="bogus: 1\n"), "s.yaml": rollout(name="s", extra="bogus: 1\n")})
    base = root / ".rolloutlint-baseline.json"
    write_baseline(base, lint(root))
    assert filter_baseline(base, lint(root), root) == []
    # move every line down and add a new problem
    (root / "r.yaml").write_text("# a new comment\n\n" + rollout(extra="bogus: 1\nnewfield: 2\n"))
    remaining = filter_baseline(base, lint(root), root)
    assert [(f.rule, f.message, f.location.line) for f in remaining] == [("RL010", 'unknown field "newfield"', 23)]


def test_duplicates_are_counted(tmp_path: Path) -> None:
    # Two copies of the same object with the same problem share a fingerprint.
    doc = rollout(extra="bogus: 1\n")
    root = write_tree(tmp_path, {"r.yaml": doc})
    base = root / "b.json"
    write_baseline(base, lint(root))
    (root / "r.yaml").write_text(doc + "---\n" + doc)
    findings = [f for f in lint(root) if f.rule == "RL010"]
    assert len(findings) == 2 and findings[0].location.line != findings[1].location.line
    assert len(filter_baseline(base, findings, root)) == 1


def test_baseline_paths_are_relative_to_the_baseline_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_tree(tmp_path, {"apps/r.yaml": rollout(extra="bogus: 1\n")})
    monkeypatch.chdir(root)
    write_baseline(root / "b.json", lint_paths(["."], cwd=root).findings)
    monkeypatch.chdir(root / "apps")
    findings = lint_paths([str(root)], cwd=root / "apps").findings  # display paths now relative to apps/
    assert [f.location.file for f in findings if f.rule == "RL010"] == ["r.yaml"]
    assert filter_baseline(root / "b.json", findings, root) == []


@pytest.mark.parametrize("content,needle", [(None, "not found"), ("{not json", "not valid JSON"),
                                            ('{"version": 99, "entries": []}', "version"),
                                            ('[1, 2]', "not a rolloutlint baseline")])
def test_missing_or_invalid_baseline_is_a_config_error(tmp_path: Path, content: str | None, needle: str) -> None:
    path = tmp_path / "b.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(ConfigError, match=needle):
        filter_baseline(path, [], tmp_path)


def test_cli_write_then_filter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_tree(tmp_path, {"r.yaml": rollout(extra="bogus: 1\n")})
    monkeypatch.chdir(root)
    runner = CliRunner()
    res = runner.invoke(cli, ["lint", "--write-baseline", "base.json", "."])
    assert res.exit_code == 0 and os.path.exists("base.json")
    res = runner.invoke(cli, ["lint", "--baseline", "base.json", "-f", "json", "."])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["summary"]["errors"] == 0
    (root / "r.yaml").write_text(rollout(extra="bogus: 1\nfresh: 1\n"))
    res = runner.invoke(cli, ["lint", "--baseline", "base.json", "-f", "json", "."])
    assert res.exit_code == 1
    assert [f["message"] for f in json.loads(res.output)["findings"]] == ['unknown field "fresh"']
    res = runner.invoke(cli, ["lint", "--baseline", "missing.json", "."])
    assert res.exit_code == 2


def test_the_api_applies_the_configured_baseline(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"r.yaml": rollout(extra="bogus: 1\n")})
    write_baseline(root / ".rolloutlint-baseline.json", lint(root))
    assert [f.rule for f in lint(root)] == ["RL010"]
    (root / ".rolloutlint.yaml").write_text("baseline: .rolloutlint-baseline.json\n")
    assert lint(root) == []
    # The same pipeline backs the command line: exit 0, nothing reported.
    result = CliRunner().invoke(cli, ["lint", "--format", "json", str(root)])
    assert result.exit_code == 0 and json.loads(result.output)["findings"] == []
