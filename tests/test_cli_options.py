"""Options that used to be accepted and silently do nothing are usage errors (exit 2) with a useful message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rolloutlint.cli_options import pair_outputs, split_list
from rolloutlint.core.config import ConfigError
from rolloutlint.core.findings import Edit, Finding, Fix, Location, Severity
from rolloutlint.core.suggest import rule_hint
from rolloutlint.run.registry import RuleSet
from tests.cli_run import run

BAD = """apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: reviews
spec:
  replicas: "five"
"""


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    (tmp_path / "bad.yaml").write_text(BAD)
    return tmp_path


def test_comma_separated_selectors(repo: Path) -> None:
    assert split_list(["RL310,RL143", " RL0 ", "RL1,"]) == ("RL310", "RL143", "RL0", "RL1")
    with pytest.raises(ConfigError):
        split_list([",,"])
    assert run(["lint", "bad.yaml", "--select", ""], repo)[0] == 2
    assert run(["lint", "bad.yaml", "--select", "RL310,RL011"], repo)[0] == 1
    # Every prefix is ignored, not the literal string "RL0,RL1,RL9".
    assert run(["lint", "bad.yaml", "--ignore", "RL0,RL1,RL9"], repo)[0] == 0
    assert run(["lint", "bad.yaml", "--ignore", "RL0,RL9"], repo)[0] == 1


@pytest.mark.parametrize(("selector", "expected"), [
    ("RL3O1", "did you mean 'RL301'?"),
    ("nonsense", "`rolloutlint rules` lists them"),
    ("RL011,RL3O1", "'RL3O1' matches no rule"),
])
def test_selector_matching_no_rule_is_exit_2(repo: Path, selector: str, expected: str) -> None:
    for option in ("--select", "--ignore"):
        code, out, err = run(["lint", "bad.yaml", option, selector], repo)
        assert code == 2, (option, selector, out)
        assert f"{option}: " in err and expected in err


def test_suggestions_come_from_the_family() -> None:
    hint = rule_hint("subset-not-found", RuleSet().all())
    assert "virtualservice-subset-not-found" in hint and "destinationrule-subset-not-found" in hint
    assert "'service-not-found'" not in hint
    assert rule_hint("RL3O1", RuleSet().all()) == " (did you mean 'RL301'?)"
    assert "unknown-field" in rule_hint("unknown-fields", RuleSet().all())


def test_explain_suggests_the_family(repo: Path) -> None:
    code, _, err = run(["explain", "subset-not-found"], repo)
    assert code == 2 and "virtualservice-subset-not-found" in err


def test_enum_errors_list_every_value(repo: Path) -> None:
    code, _, err = run(["lint", "bad.yaml", "--fail-on", "warn"], repo)
    assert code == 2 and all(v in err for v in ("'error'", "'warning'", "'info'", "'never'"))


def test_two_formats_on_stdout_is_a_usage_error(repo: Path) -> None:
    code, out, err = run(["lint", "bad.yaml", "--format", "json", "--format", "sarif"], repo)
    assert code == 2 and out == "" and "stdout" in err


def test_output_format_from_extension(repo: Path) -> None:
    code, _, _ = run(["lint", "bad.yaml", "-o", "out.json"], repo)
    assert code == 1 and json.loads((repo / "out.json").read_text())["summary"]["errors"] >= 1
    code, _, err = run(["lint", "bad.yaml", "-o", "report.out"], repo)
    assert code == 2 and "--format" in err and not (repo / "report.out").exists()
    assert pair_outputs([], ["a.sarif", "b.txt"]) == [("sarif", "a.sarif"), ("text", "b.txt")]
    assert pair_outputs(["json"], []) == [("json", "-")]
    with pytest.raises(ConfigError):
        pair_outputs(["json", "sarif", "text"], ["x.json"])


def test_unsafe_fixes_needs_a_fix_mode(repo: Path) -> None:
    code, _, err = run(["lint", "bad.yaml", "--unsafe-fixes"], repo)
    assert code == 2 and "--fix" in err and "--diff" in err


def test_color_always_colours_when_piped(repo: Path) -> None:
    assert "\x1b[" in run(["lint", "bad.yaml", "--color", "always"], repo)[1]
    assert "\x1b[" not in run(["lint", "bad.yaml", "--color", "never"], repo)[1]


def test_lint_help_names_the_config_default(repo: Path) -> None:
    out = " ".join(run(["lint", "--help"], repo)[1].split())
    assert "configuration's fail-on" in out


NON_MANIFESTS = {
    ".pre-commit-config.yaml": "repos: []\n",
    ".rolloutlint.yaml": "{}\n",
    ".github/workflows/ci.yml": "on: push\njobs: {}\n",
    "chart/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "chart/values.yaml": "replicas: 3\n",
    "renovate.json": '{"extends": ["config:base"]}\n',
}


def test_named_non_manifests_are_skipped_as_in_a_directory_lint(repo: Path) -> None:
    for rel, text in NON_MANIFESTS.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    code, out, _ = run(["lint", "-f", "json", *NON_MANIFESTS], repo)
    assert code == 0 and json.loads(out)["findings"] == []
    # The same files beside a manifest: only the manifest's findings.
    code, out, _ = run(["lint", "-f", "json", "bad.yaml", *NON_MANIFESTS], repo)
    assert {f["file"] for f in json.loads(out)["findings"]} == {"bad.yaml"}
    code, dir_out, _ = run(["lint", "-f", "json", "."], repo)
    assert json.loads(dir_out)["findings"] == json.loads(out)["findings"]


def _finding(rule: str, safe: bool | None, suppressed: str | None = None) -> Finding:
    fix = None if safe is None else Fix("x", (Edit("set", ("a",), 1),), safe=safe)
    return Finding(rule=rule, name="n", severity=Severity.WARNING, message="m", location=Location("f.yaml", 1, 1, 1, 2),
                   fix=fix, suppressed=suppressed)


def test_summary_counts_fixable_findings() -> None:
    from rolloutlint.report import ReportOptions
    from rolloutlint.report.text import render

    summary = {"warnings": 5, "files": 1, "resources": 1}
    findings = [_finding("RL1", True), _finding("RL2", True), _finding("RL3", False), _finding("RL4", None),
                _finding("RL5", True, suppressed="reviewed")]
    out = render(findings, summary, ReportOptions())
    assert "2 fixable with `--fix`; 1 more with `--fix --unsafe-fixes`" in out
    only_unsafe = render([_finding("RL3", False)], summary, ReportOptions())
    assert "1 fixable with `--fix --unsafe-fixes`" in only_unsafe
    assert "fixable" not in render([_finding("RL4", None)], summary, ReportOptions())


def test_show_suppressed_prints_the_justification(repo: Path) -> None:
    (repo / "bad.yaml").write_text(BAD.replace('replicas: "five"',
                                               'replicas: "five"  # rolloutlint: disable=RL011 -- set by the pipeline'))
    _, out, _ = run(["lint", "bad.yaml", "--select", "RL011", "--show-suppressed"], repo)
    assert "(suppressed: set by the pipeline)" in out


@pytest.mark.parametrize("columns", [70, 80, 120, 160])
def test_rules_table_fits_the_terminal(repo: Path, monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, _ = run(["rules", "--no-config"], repo)
    lines = out.splitlines()
    assert code == 0 and "RL301" in out and "virtualservice-not-found" in out
    too_long = [line for line in lines[:-1] if len(line) > columns]  # the closing sentence may wrap in the terminal
    assert not too_long, too_long[:3]
    assert "File is not valid YAML or JSON" in out  # summaries are wrapped, never cut


def test_rules_table_unwrapped_when_piped(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    out = run(["rules", "--no-config"], repo)[1]
    assert sum(1 for line in out.splitlines() if line.startswith("RL")) == out.count("\nRL")
    assert all(line.startswith(("RL", "ID", "ACME")) for line in out.splitlines()[:-2] if line)


def test_config_enum_errors_list_every_value(repo: Path) -> None:
    (repo / ".rolloutlint.yaml").write_text("fail-on: warn\n")
    code, _, err = run(["lint", "bad.yaml"], repo)
    assert code == 2 and '"warn" is not one of "error", "warning", "info", "never"' in err
