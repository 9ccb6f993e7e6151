"""The built wheel carries its schemas and rule examples and lints from outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(ROOT)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return next(out.glob("rolloutlint-*.whl"))


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "rolloutlint/_data/schemas/catalog.json" in names
    assert "rolloutlint/_data/schemas/argoproj.io/rollout_v1alpha1.json" in names
    assert "rolloutlint/_data/schemas/skywalking/query-protocol.graphql" in names
    assert "rolloutlint/_data/schemas/rolloutlint-config.schema.json" in names
    assert any(n.startswith("rolloutlint/_data/rules/RL301-") for n in names)


def test_installed_wheel_lints_from_outside(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "r.yaml").write_text("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\n"
                                 "spec:\n  strategy: {canary: {canarySubsetname: x}}\n")
    env = {**os.environ, "PYTHONPATH": str(target)}
    proc = subprocess.run([sys.executable, "-m", "rolloutlint", "lint", "--select", "RL010", "r.yaml"], cwd=work,
                          capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 1, proc.stderr
    assert "unknown field" in proc.stdout
    check = subprocess.run([sys.executable, "-c", "import rolloutlint, sys; print(rolloutlint.__file__)"], cwd=work,
                           capture_output=True, text=True, env=env, check=False)
    assert check.stdout.startswith(str(target))
