"""The pre-commit hook, run for real, blocks commits that break another file (issue 17).

A temporary git repository holds a copy of examples/bookinfo; each case changes one file, stages it and runs
`pre-commit run --files <that file>` with this checkout as the hook repository, offline. `try-repo` would
build the hook's virtualenv in a fresh store on every call; a `.pre-commit-config.yaml` naming the hook
repository by path and commit lets every case share one install (PRE_COMMIT_HOME in a temporary directory).
The offline wheelhouse is built as in test_precommit.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integrations.test_precommit import _git, offline_hook_repository

REPO = Path(__file__).resolve().parents[2]
BOOKINFO = REPO / "examples" / "bookinfo"


@pytest.fixture(scope="module")
def hook(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], str, str]:
    """(environment, hook repository path, its commit) with the hook's virtualenv installed once."""
    env, hook_repo = offline_hook_repository(tmp_path_factory.mktemp("precommit-crossfile"), "pre-commit test")
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hook_repo, capture_output=True, text=True,
                         check=True, timeout=60).stdout.strip()
    return env, str(hook_repo), rev


def _project(root: Path, hook: tuple[dict[str, str], str, str], files: dict[str, str] | None = None,
             args: list[str] | None = None) -> Path:
    """A git repository with a copy of bookinfo (or `files`) and a config that runs the `rolloutlint` hook."""
    _, hook_repo, rev = hook
    if files is None:
        shutil.copytree(BOOKINFO, root)
    else:
        for name, text in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
    extra = f"\n        args: [{', '.join(args)}]" if args else ""
    (root / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n      - id: rolloutlint\n        verbose: true{extra}\n")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "base")
    return root


def _run(project: Path, hook: tuple[dict[str, str], str, str], *files: str) -> subprocess.CompletedProcess[str]:
    _git(project, "add", "-A")
    return subprocess.run([sys.executable, "-m", "pre_commit", "run", "--files", *files], cwd=project, env=hook[0],
                          capture_output=True, text=True, timeout=600, check=False)


def _edit(root: Path, file: str, old: str, new: str) -> None:
    path = root / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_the_unchanged_example_passes(tmp_path: Path, hook: tuple[dict[str, str], str, str]) -> None:
    project = _project(tmp_path / "p", hook)
    changed = ["reviews/istio.yaml", "reviews/analysis.yaml", "reviews/rollout.yaml"]
    proc = _run(project, hook, *changed)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Passed" in out, out


@pytest.mark.parametrize(("changed", "old", "new", "expected"), [
    # the VirtualService HTTP route the Rollout lists is renamed; only the Istio file is in the commit
    ("reviews/istio.yaml", "- name: primary", "- name: primary-v2", "reviews/rollout.yaml:37:17: error RL303"),
    # the AnalysisTemplate the Rollout uses is renamed; only the analysis file is in the commit
    ("reviews/analysis.yaml", "name: apdex", "name: apdex-v2", "reviews/rollout.yaml:44:27: error RL401"),
    # the SkyWalking service-name arg is mistyped in the rollout file
    ("reviews/rollout.yaml", "value: canary|reviews|bookinfo|demo-cluster|-",
     "value: canary|reviewz|bookinfo|demo-cluster|-", "reviews/rollout.yaml:48:20: error RL436"),
], ids=["route-renamed", "template-renamed", "service-name-mistyped"])
def test_a_commit_that_breaks_another_file_is_blocked(tmp_path: Path, hook: tuple[dict[str, str], str, str],
                                                      changed: str, old: str, new: str, expected: str) -> None:
    project = _project(tmp_path / "p", hook)
    _edit(project, changed, old, new)
    proc = _run(project, hook, changed)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "Failed" in out, out
    assert expected in out, out


def test_an_application_is_told_about_a_rollout_another_application_deploys(
        tmp_path: Path, hook: tuple[dict[str, str], str, str]) -> None:
    """RL601 (a warning) for argocd/net.yaml, although the Rollout is in another Application's files: with
    `args: [--fail-on, warning]`, as the hook's documentation suggests, the commit is blocked."""
    files = {".rolloutlint.yaml": "{}\n"}
    for name in ("net", "app"):
        files[f"argocd/{name}.yaml"] = (
            f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: {name}, namespace: argocd}}\n"
            f"spec:\n  project: default\n  source: {{repoURL: https://git.example.com/x.git, path: {name}}}\n"
            "  destination: {server: https://kubernetes.default.svc, namespace: shop}\n"
            "  syncPolicy: {automated: {selfHeal: true}}\n")
    files["net/vs.yaml"] = (
        "apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata: {name: web, namespace: shop}\n"
        "spec:\n  hosts: [web]\n  http:\n    - name: primary\n      route:\n"
        "        - {destination: {host: web-stable}, weight: 100}\n        - {destination: {host: web-canary}, weight: 0}\n")
    files["app/ro.yaml"] = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web, namespace: shop}\nspec:\n"
        "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
        "    spec: {containers: [{name: web, image: web:1}]}\n  strategy:\n    canary:\n"
        "      canaryService: web-canary\n      stableService: web-stable\n"
        "      trafficRouting: {istio: {virtualService: {name: web, routes: [primary]}}}\n      steps: [{setWeight: 10}]\n")
    project = _project(tmp_path / "p", hook, files=files, args=["--fail-on", "warning"])
    proc = _run(project, hook, "argocd/net.yaml")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "argocd/net.yaml:" in out and "warning RL601" in out, out
