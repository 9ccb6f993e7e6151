"""The GitHub Action with `working-directory`: outputs relative to the workspace, SARIF fingerprints
independent of the directory rolloutlint runs in, and installation into a virtual environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from rolloutlint.cli import cli
from tests.integrations.helpers import rollout, write_tree

REPO = Path(__file__).resolve().parents[2]


def _sarif_fingerprints(cwd: Path, args: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(cwd)
    res = CliRunner().invoke(cli, ["lint", "-f", "sarif", *args])
    assert res.exit_code == 1, res.output
    results = json.loads(res.stdout)["runs"][0]["results"]
    return {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r["partialFingerprints"]["rolloutlint/v1"]
            for r in results}


@pytest.mark.parametrize("workspace", [True, False])
def test_fingerprints_do_not_depend_on_the_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                            workspace: bool) -> None:
    ws = write_tree(tmp_path / "ws", {"apps/r.yaml": rollout(extra="bogus: 1\n"), ".rolloutlint.yaml": "{}\n"})
    if workspace:
        monkeypatch.setenv("GITHUB_WORKSPACE", str(ws))
    else:  # locally: relative to the git repository
        monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
        (ws / ".git").mkdir()
    from_root = _sarif_fingerprints(ws, ["apps"], monkeypatch)
    from_apps = _sarif_fingerprints(ws / "apps", ["."], monkeypatch)
    assert from_root and from_root == from_apps
    assert set(from_root) == {"apps/r.yaml"}


def _step(step_id: str) -> dict:  # type: ignore[type-arg]
    action = yaml.safe_load((REPO / "action.yml").read_text())
    return next(s for s in action["runs"]["steps"] if s.get("id") == step_id)


def test_outputs_are_workspace_relative_with_working_directory(tmp_path: Path) -> None:
    ws = write_tree(tmp_path / "ws", {"deploy/apps/r.yaml": rollout(extra="bogus: 1\n")})
    bindir = tmp_path / "bin"
    bindir.mkdir()
    shim = bindir / "rolloutlint"
    shim.write_text(f"#!/bin/sh\nexec {sys.executable} -m rolloutlint \"$@\"\n")
    shim.chmod(0o755)
    out_file = tmp_path / "out.txt"
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}", "GITHUB_OUTPUT": str(out_file),
           "GITHUB_WORKSPACE": str(ws), "RL_PATHS": "apps", "RL_CONFIG": "", "RL_FAIL_ON": "error",
           "RL_FORMAT": "github", "RL_SARIF": "reports/rolloutlint.sarif", "PYTHONPATH": str(REPO),
           "RL_BIN": str(shim)}
    env.pop("GITHUB_ACTIONS", None)
    proc = subprocess.run(["bash", "-e", "-c", _step("lint")["run"]], cwd=ws / "deploy", env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 1, proc.stderr
    outputs = dict(line.split("=", 1) for line in out_file.read_text().splitlines())
    # upload-sarif runs in the workspace: the path must be relative to it, not to working-directory.
    assert outputs["sarif"] == "deploy/reports/rolloutlint.sarif"
    assert (ws / outputs["sarif"]).is_file()


def test_install_goes_into_a_virtual_environment(tmp_path: Path) -> None:
    """`setup-python: false` uses the runner's python, which refuses `pip install` (PEP 668): use a venv."""
    install = next(s for s in yaml.safe_load((REPO / "action.yml").read_text())["runs"]["steps"]
                   if "pip install" in s.get("run", ""))
    script = install["run"]
    assert "-m venv" in script and "GITHUB_ENV" in script
    # Run it for real against a stand-in pip, so no package is fetched.
    fake_root = tmp_path / "action"
    fake_root.mkdir()
    env_file = tmp_path / "env"
    env = {**os.environ, "RUNNER_TEMP": str(tmp_path / "runner-temp"), "GITHUB_ENV": str(env_file),
           "PIP_NO_INDEX": "1"}
    script = script.replace("${{ github.action_path }}", str(fake_root))
    script = script.replace('-m pip install', '-c "import sys; print(sys.prefix)"')
    script = script.replace("-m venv", "-m venv --without-pip")  # ensurepip alone takes seconds; pip is not run
    proc = subprocess.run(["bash", "-e", "-c", script], env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    prefix = proc.stdout.strip().splitlines()[-1]
    assert prefix.startswith(str(tmp_path / "runner-temp")), prefix  # the venv's interpreter, not the system's
    exported = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    assert exported["RL_BIN"].startswith(prefix) and exported["RL_BIN"].endswith("rolloutlint")
    assert exported["RL_PYTHON"].startswith(prefix)
