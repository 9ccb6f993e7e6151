"""Partial lints load only what the named files can reference; they must report exactly the full lint's
findings whose primary or related locations lie in those files (pre-commit passes changed files only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolloutlint.api import lint_paths
from rolloutlint.pipeline import load_project
from rolloutlint.load.discovery import walk

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def _key(f) -> tuple:  # type: ignore[no-untyped-def]
    return (f.rule, f.location.file, f.location.line, f.location.column, f.message)


def touches(finding, rel: str) -> bool:  # type: ignore[no-untyped-def]
    return finding.location.file == rel or any(r.location is not None and r.location.file == rel
                                               for r in finding.related)


def _assert_equivalent(project_root: Path, sample_every: int = 1) -> int:
    full = lint_paths([str(project_root)], cwd=project_root)
    files = list(walk(project_root, project_root))[::sample_every]
    for f in files:
        rel = f.relative_to(project_root).as_posix()
        partial = lint_paths([rel], cwd=project_root)
        expected = sorted(_key(x) for x in full.findings if touches(x, rel))
        assert sorted(_key(x) for x in partial.findings) == expected, f"partial lint of {rel} differs"
    return len(files)


def test_example_project_file_by_file() -> None:
    assert _assert_equivalent(ROOT / "examples" / "bookinfo") >= 5


def test_partial_load_skips_unrelated_files(tmp_path: Path) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    for name in ("a", "b"):
        d = tmp_path / name
        d.mkdir()
        (d / "svc.yaml").write_text(f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec: {{ports: [{{port: 80}}]}}\n")
    (tmp_path / "a" / "vs.yaml").write_text(
        "apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata: {name: a-vs}\n"
        "spec:\n  hosts: [a]\n  http: [{route: [{destination: {host: b}}]}]\n")
    project = load_project(["a/vs.yaml"], cwd=tmp_path)
    loaded = {f.path.relative_to(tmp_path).as_posix() for f in project.files}
    # a/svc.yaml: same directory; b/svc.yaml: named by the destination host.
    assert loaded == {"a/vs.yaml", "a/svc.yaml", "b/svc.yaml"}
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "other.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: unrelated}\n")
    project = load_project(["a/vs.yaml"], cwd=tmp_path)
    assert "c/other.yaml" not in {f.path.relative_to(tmp_path).as_posix() for f in project.files}


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is absent")
@pytest.mark.parametrize("sub", ["upstream/corpus/argoproj__argo-rollouts", "upstream/corpus/balucm999__canary-istio-argo-rollouts",
                                 "upstream/corpus/adventurewave-labs__gitops-progressive-delivery-demo",
                                 "upstream/corpus/ams0__pd-argo-rollouts-istio-gateway-api"])
def test_upstream_corpus_sampled(sub: str, tmp_path: Path) -> None:
    import shutil

    project = tmp_path / "p"
    shutil.copytree(SHARED / sub, project)
    (project / ".rolloutlint.yaml").write_text("{}\n")
    assert _assert_equivalent(project, sample_every=7) > 0


FIXTURE_REPOS = sorted(p for p in (ROOT / "tests" / "fixtures" / "render").iterdir() if p.is_dir()) + \
    [ROOT / "examples" / "analysis", ROOT / "examples" / "policies"]


@pytest.mark.parametrize("repo", FIXTURE_REPOS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_fixture_repository_file_by_file(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The invariant of issue 17 over every fixture repository, rendered units included (the render cache
    keeps the many partial lints cheap)."""
    import shutil

    monkeypatch.setenv("ROLLOUTLINT_RENDER_CACHE", str(tmp_path / "cache"))
    work = tmp_path / "repo"
    shutil.copytree(repo, work)
    if not (work / ".rolloutlint.yaml").exists():
        (work / ".rolloutlint.yaml").write_text("{}\n")
    assert _assert_equivalent(work) >= 1
