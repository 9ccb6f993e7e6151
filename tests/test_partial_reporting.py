"""What the pre-commit hook sees (issue 17): `rolloutlint lint CHANGED_FILES` reports a finding when its primary
or any related location lies in a changed file, so a commit that breaks another file's reference is blocked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rolloutlint.api import lint_paths

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def bookinfo(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "examples" / "bookinfo", tmp_path / "b")
    return tmp_path / "b"


def _edit(root: Path, file: str, old: str, new: str) -> None:
    path = root / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def _errors(root: Path, *paths: str) -> set[tuple[str, str]]:
    return {(f.rule, f.location.file) for f in lint_paths(list(paths), cwd=root).findings
            if f.severity.name == "ERROR" and f.suppressed is None}


@pytest.mark.parametrize(("changed", "old", "new", "rule", "where"), [
    # the VirtualService route the Rollout lists is renamed: the error lands in rollout.yaml
    ("reviews/istio.yaml", "- name: primary", "- name: primary-v2", "RL303", "reviews/rollout.yaml"),
    # the AnalysisTemplate the Rollout uses is renamed
    ("reviews/analysis.yaml", "name: apdex", "name: apdex-v2", "RL401", "reviews/rollout.yaml"),
    # the SkyWalking service-name arg is mistyped: reported at the arg, the value the user must edit
    ("reviews/rollout.yaml", "value: canary|reviews|bookinfo|demo-cluster|-",
     "value: canary|reviewz|bookinfo|demo-cluster|-", "RL436", "reviews/rollout.yaml"),
])
def test_a_change_that_breaks_another_file_is_reported_for_the_changed_file(
        bookinfo: Path, changed: str, old: str, new: str, rule: str, where: str) -> None:
    assert _errors(bookinfo, ".") == set()
    _edit(bookinfo, changed, old, new)
    assert (rule, where) in _errors(bookinfo, ".")
    assert (rule, where) in _errors(bookinfo, changed)  # what the hook runs on the commit's files


def test_an_application_is_told_about_a_rollout_another_application_deploys(tmp_path: Path) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    for name in ("net", "app"):
        (tmp_path / "argocd").mkdir(exist_ok=True)
        (tmp_path / "argocd" / f"{name}.yaml").write_text(
            f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: {name}, namespace: argocd}}\n"
            f"spec:\n  project: default\n  source: {{repoURL: https://git.example.com/x.git, path: {name}}}\n"
            "  destination: {server: https://kubernetes.default.svc, namespace: shop}\n"
            "  syncPolicy: {automated: {selfHeal: true}}\n")
    (tmp_path / "net").mkdir()
    (tmp_path / "net" / "vs.yaml").write_text(
        "apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata: {name: web, namespace: shop}\n"
        "spec:\n  hosts: [web]\n  http:\n    - name: primary\n      route:\n"
        "        - {destination: {host: web-stable}, weight: 100}\n        - {destination: {host: web-canary}, weight: 0}\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "ro.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web, namespace: shop}\nspec:\n"
        "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
        "    spec: {containers: [{name: web, image: web:1}]}\n  strategy:\n    canary:\n"
        "      canaryService: web-canary\n      stableService: web-stable\n"
        "      trafficRouting: {istio: {virtualService: {name: web, routes: [primary]}}}\n      steps: [{setWeight: 10}]\n")
    whole = {(f.rule, f.location.file) for f in lint_paths(["."], cwd=tmp_path).findings}
    partial = {(f.rule, f.location.file) for f in lint_paths(["argocd/net.yaml"], cwd=tmp_path).findings}
    assert ("RL601", "argocd/net.yaml") in whole
    assert ("RL601", "argocd/net.yaml") in partial


def test_a_renamed_template_in_a_plain_directory_is_not_blamed_on_kustomize(bookinfo: Path) -> None:
    """The Rollout's reference is related to the template whose name contains it (which is what makes the hook
    report it for analysis.yaml), and the message says a user renamed it: no kustomize ran."""
    _edit(bookinfo, "reviews/analysis.yaml", "name: apdex", "name: apdex-v2")
    [finding] = [f for f in lint_paths(["reviews/analysis.yaml"], cwd=bookinfo).findings if f.rule == "RL401"]
    assert "was it renamed?" in finding.message and "kustomize" not in finding.message
    assert "reviews/analysis.yaml" in {r.location.file for r in finding.related if r.location is not None}
