"""GitHub workflow-command annotations, their limits and the job summary; the composite action's script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from rolloutlint.cli import cli
from rolloutlint.core.findings import Finding, Location, Related, Severity
from rolloutlint.core.model import ResourceRef
from rolloutlint.report import ReportOptions
from rolloutlint.report.github import annotation, escape_data, escape_property, render
from tests.integrations.helpers import rollout, write_tree

REPO = Path(__file__).resolve().parents[2]


def finding(sev: Severity = Severity.ERROR, msg: str = "m", file: str = "a.yaml", line: int = 3) -> Finding:
    return Finding(rule="RL010", name="unknown-field", severity=sev, message=msg, location=Location(file, line, 5, line, 9))


def test_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    f = finding(msg="weights 50%,\nsplit: yes", file="dir,1/a:b.yaml")
    line = annotation(f)
    assert line.startswith("::error file=dir%2C1/a%3Ab.yaml,line=3,col=5,endLine=3,endColumn=9,title=RL010 unknown-field::")
    assert line.endswith("::weights 50%25,%0Asplit: yes")
    assert "\n" not in line


def test_levels_resource_and_related() -> None:
    ref = ResourceRef("argoproj.io/v1alpha1", "Rollout", "bookinfo", "reviews")
    f = Finding(rule="RL301", name="x", severity=Severity.INFO, message="missing", location=Location("a.yaml", 1, 1, 4, 2),
                resource=ref, related=(Related(Location("dr.yaml", 9, 3, 9, 9), "defines stable"),))
    line = annotation(f)
    assert line.startswith("::notice file=a.yaml,line=1,col=1,endLine=4,title=")  # no endColumn on multi-line ranges
    assert "missing [Rollout bookinfo/reviews]%0A  dr.yaml:9: defines stable" in line
    assert annotation(finding(Severity.WARNING)).startswith("::warning ")


def test_under_limits_no_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    out = render([finding() for _ in range(10)] + [finding(Severity.WARNING)] * 10, {"errors": 10}, ReportOptions())
    assert out.count("::error ") == 10 and out.count("::warning ") == 10
    assert not summary.exists()


def test_over_limits_all_emitted_and_summary_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    findings = [finding(Severity.WARNING, f"w{i}", line=i + 1) for i in range(3)] + \
               [finding(msg=f"e{i} a|b", line=i + 1) for i in range(11)]
    suppressed = finding(msg="hidden")
    suppressed.suppressed = "ok"
    out = render(findings + [suppressed], {"errors": 11, "warnings": 3, "files": 1}, ReportOptions())
    lines = out.splitlines()
    assert sum(ln.startswith("::error ") for ln in lines) == 11 and sum(ln.startswith("::warning ") for ln in lines) == 3
    assert lines[0].startswith("::error ")  # errors first
    assert "hidden" not in out
    text = summary.read_text()
    assert text.startswith("earlier step\n")  # appended, not overwritten
    assert text.count("| error |") == 11 and text.count("| warning |") == 3 and "e0 a\\|b" in text
    assert "job summary" in out


def test_over_job_limit_counts_all_levels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "s.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    render([finding(Severity.INFO)] * 5 + [finding(Severity.WARNING)] * 5, {}, ReportOptions())
    assert not summary.exists()
    render([finding(Severity.INFO)] * 11, {}, ReportOptions())
    assert summary.exists()


def test_over_limits_without_summary_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    out = render([finding()] * 11, {}, ReportOptions())
    assert out.count("::error ") == 11 and "only some are shown" in out


def test_auto_format_under_github_actions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_tree(tmp_path, {"r.yaml": rollout(extra="bogus: 1\n")})
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    res = CliRunner().invoke(cli, ["lint", "."])
    assert res.exit_code == 1 and res.output.startswith("::error file=r.yaml,line=20,col=7,")
    monkeypatch.setenv("GITHUB_ACTIONS", "false")
    res = CliRunner().invoke(cli, ["lint", "."])
    assert res.output.startswith("r.yaml:20:7: error RL010")


def _action_script() -> tuple[dict, str]:  # type: ignore[type-arg]
    action = yaml.safe_load((REPO / "action.yml").read_text())
    step = next(s for s in action["runs"]["steps"] if s.get("id") == "lint")
    return step["env"], step["run"]


def test_action_manifest_shape() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    assert {"paths", "config", "fail-on", "sarif", "format"} <= set(action["inputs"])
    install = next(s for s in action["runs"]["steps"] if "pip install" in s.get("run", ""))
    assert "${{ github.action_path }}" in install["run"]
    _, script = _action_script()
    assert "${{" not in script  # inputs only through env
    assert "--format sarif" in script


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_action_script_runs(tmp_path: Path) -> None:
    """Run the composite step's script as Actions would (bash -e, env from inputs), with our rolloutlint."""
    repo = write_tree(tmp_path / "ws", {"apps/r.yaml": rollout(extra="bogus: 1\n"), "ok/s.yaml": rollout(name="s")})
    _, script = _action_script()
    bindir = tmp_path / "bin"
    bindir.mkdir()
    shim = bindir / "rolloutlint"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m rolloutlint \"$@\"\n")
    shim.chmod(0o755)
    out_file, summary = tmp_path / "out.txt", tmp_path / "summary.md"
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}", "GITHUB_OUTPUT": str(out_file),
           "GITHUB_STEP_SUMMARY": str(summary), "RL_PATHS": "apps\nok", "RL_CONFIG": "", "RL_FAIL_ON": "error",
           "RL_FORMAT": "github", "RL_SARIF": "reports/rolloutlint.sarif", "PYTHONPATH": str(REPO)}
    env.pop("GITHUB_ACTIONS", None)
    proc = subprocess.run(["bash", "-e", "-c", script], cwd=repo, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 1, proc.stderr
    assert "::error file=apps/r.yaml,line=20" in proc.stdout
    outputs = dict(line.split("=", 1) for line in out_file.read_text().splitlines())
    assert outputs == {"exit-code": "1", "sarif": "reports/rolloutlint.sarif"}
    assert (repo / "reports/rolloutlint.sarif").is_file()


def test_paths_are_rebased_on_the_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # working-directory: deploy  ->  GitHub still wants deploy/apps/r.yaml
    sub = tmp_path / "deploy"
    sub.mkdir()
    monkeypatch.chdir(sub)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    assert annotation(finding(file="apps/r.yaml")).startswith("::error file=deploy/apps/r.yaml,")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path / "elsewhere"))
    assert annotation(finding(file="apps/r.yaml")).startswith("::error file=apps/r.yaml,")
