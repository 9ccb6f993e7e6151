"""Which files an Argo CD source deploys is decided once (core.argocd_source); the Argo CD rules, namespace
resolution, directory units and the CMP all follow it."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolloutlint.core import argocd_source as src
from rolloutlint.load.argocd_directory import deployed
from rolloutlint.pipeline import load_project
from rolloutlint.views.argocd import _build_apps, deploys


@pytest.mark.parametrize("rel,recurse,include,exclude,expected", [
    ("a.yaml", False, "", "", True),
    ("a.yml", False, "", "", True),
    ("a.json", False, "", "", True),
    ("README.md", False, "", "", False),
    ("sub/a.yaml", False, "", "", False),  # subfolders only with recurse
    ("sub/a.yaml", True, "", "", True),
    ("sub/a.yaml", True, "*.yaml", "", True),  # gobwas without separators: `*` crosses `/`
    ("sub/a.yaml", True, "a.yaml", "", False),  # matched against the relative path, not the name alone
    ("a.yaml", False, "{a.yaml,b.yaml}", "", True),
    ("c.yaml", False, "{a.yaml,b.yaml}", "", False),
    ("a.yaml", False, "*.yaml", "a.yaml", False),  # exclude wins
])
def test_directory_deploys_follows_argo_cd(rel: str, recurse: bool, include: str, exclude: str, expected: bool) -> None:
    assert src.directory_deploys(rel, recurse=recurse, include=include, exclude=exclude) is expected


def test_source_directory_prefers_the_root_then_the_applications_ancestors(tmp_path: Path) -> None:
    (tmp_path / "repo-a" / "apps").mkdir(parents=True)
    (tmp_path / "repo-a" / "reviews").mkdir()
    app = tmp_path / "repo-a" / "apps" / "app.yaml"
    app.write_text("")
    assert src.source_directory(tmp_path, app, "reviews") == (tmp_path / "repo-a" / "reviews").resolve()
    (tmp_path / "reviews").mkdir()
    assert src.source_directory(tmp_path, app, "reviews") == (tmp_path / "reviews").resolve()
    assert src.source_directory(tmp_path, app, "missing") is None
    assert src.source_directory(tmp_path, app, "../../..") is None  # never outside the project
    assert src.source_directory(tmp_path, None, ".") == tmp_path.resolve()


def test_a_kustomization_or_chart_takes_its_whole_tree(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    files = [tmp_path / "kustomization.yaml", tmp_path / "base" / "r.yaml"]
    for f in files:
        f.write_text("")
    assert src.deployed_files(tmp_path, {}, files) == set(files)
    (tmp_path / "kustomization.yaml").unlink()
    assert src.deployed_files(tmp_path, {}, files) == {files[0]}


def _repo(tmp: Path) -> None:
    def svc(name: str) -> str:
        return f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec: {{ports: [{{port: 80}}]}}\n"

    (tmp / ".git").mkdir()
    (tmp / "app" / "sub").mkdir(parents=True)
    (tmp / "app" / "top.yaml").write_text(svc("top"))
    (tmp / "app" / "skip.yaml").write_text(svc("skip"))
    (tmp / "app" / "sub" / "deep.yaml").write_text(svc("deep"))
    (tmp / "apps.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a, namespace: argocd}\n"
        "spec:\n  source: {repoURL: x, path: app, directory: {exclude: skip.yaml}}\n"
        "  destination: {server: 'https://kubernetes.default.svc', namespace: dest}\n")


def test_rules_namespaces_units_and_the_cmp_agree(tmp_path: Path) -> None:
    _repo(tmp_path)
    project = load_project(["."], cwd=tmp_path)
    names = {"top": True, "skip": False, "deep": False}

    class Ctx:
        index = project.index
        files = project.files

    app = next(iter(_build_apps(Ctx())))  # type: ignore[arg-type]
    for res in project.index.of_kind("Service"):
        expected = names[str(res.name)]
        assert deploys(app, res, Ctx()) is expected, res.name  # type: ignore[arg-type]  # the Argo CD rules
        assert (res.namespace == "dest") is expected, res.name  # namespace resolution
        assert (res.extra.get("unit") == "Application argocd/a") is expected, res.name  # the unit
    cmp = deployed([f.path for f in project.files], (tmp_path / "app").resolve(), recurse=False, exclude="skip.yaml")
    assert {p.name for p in cmp} == {"top.yaml"}  # the CMP with the same settings


def test_the_tree_gives_a_source_only_the_files_under_its_directory(tmp_path: Path) -> None:
    names = ["a/x.yaml", "a/b/y.yaml", "a/b/c/z.yaml", "a/b-x/w.yaml", "a/bb/v.yaml", "d/u.yaml"]
    files = [tmp_path / n for n in names]
    tree = src.Tree(files)
    b = tmp_path / "a" / "b"
    assert sorted(p.name for p in tree.under(b, recursive=False)) == ["y.yaml"]
    assert sorted(p.name for p in tree.under(b, recursive=True)) == ["y.yaml", "z.yaml"]  # not a/b-x, not a/bb
    assert sorted(p.name for p in tree.under(tmp_path / "a", recursive=True)) == ["v.yaml", "w.yaml", "x.yaml",
                                                                                   "y.yaml", "z.yaml"]
    assert src.deployed_files(b, {"directory": {"recurse": True}}, tree) == {b / "y.yaml", b / "c" / "z.yaml"}
    assert src.deployed_files(b, {}, files) == {b / "y.yaml"}  # a plain list works the same way
