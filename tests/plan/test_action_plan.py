"""The GitHub Action's plan step, run as the runner would: its script, env inputs, summary and output files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.plan.test_plan_git import Repo, rollout, vs

ACTION = Path(__file__).resolve().parents[2] / "action.yml"

pytestmark = pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None,
                                reason="git and bash are needed")


def plan_step() -> dict[str, object]:
    steps = yaml.safe_load(ACTION.read_text())["runs"]["steps"]
    return next(s for s in steps if s.get("id") == "plan")


def test_action_plan_step_writes_the_step_summary(tmp_path: Path) -> None:
    repo = Repo(tmp_path / "repo")
    base = repo.commit({"rollout.yaml": [rollout(), vs()]})
    repo.commit({"rollout.yaml": [rollout(image="web:2"), vs()]})
    step = plan_step()
    assert "inputs.plan-base != ''" in str(step["if"])
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = {**os.environ, "RL_CONFIG": "", "RL_PLAN_BASE": base, "RL_PLAN_FILE": "plan.md",
           "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run(["bash", "-e", "-c", str(step["run"])], cwd=repo.path, env=env, capture_output=True,
                         text=True, check=False)
    assert run.returncode == 0, run.stderr
    text = summary.read_text()
    assert text.startswith("## rolloutlint plan") and "new revision" in text and "```mermaid" in text
    assert output.read_text().strip() == "plan=plan.md"
    assert (repo.path / "plan.md").read_text() == text
    # A revision the checkout lacks fails the step and writes no summary.
    summary.unlink()
    env["RL_PLAN_BASE"] = "0" * 40
    run = subprocess.run(["bash", "-e", "-c", str(step["run"])], cwd=repo.path, env=env, capture_output=True,
                         text=True, check=False)
    assert run.returncode == 2 and not summary.exists()
