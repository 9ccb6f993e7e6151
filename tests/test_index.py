"""Namespace resolution and 'named files limit what is reported, never what is known'."""

from __future__ import annotations

from pathlib import Path

from rolloutlint.pipeline import load_project

SVC = "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n{ns}spec:\n  ports: [{{port: 80}}]\n"


def _svc(name: str, ns: str | None = None) -> str:
    return SVC.format(name=name, ns=f"  namespace: {ns}\n" if ns else "")


def _ns(project, name: str) -> tuple[str | None, str]:
    res = next(r for r in project.index.resources if r.name == name)
    return res.namespace, res.namespace_source


def test_resolution_order(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "own").mkdir()
    (tmp_path / "own" / "s.yaml").write_text(_svc("own", "explicit"))
    (tmp_path / "kust" / "sub").mkdir(parents=True)
    (tmp_path / "kust" / "kustomization.yaml").write_text("namespace: from-kustomize\nresources: [sub/s.yaml]\n")
    (tmp_path / "kust" / "sub" / "s.yaml").write_text(_svc("kust"))
    (tmp_path / "app" / "deep").mkdir(parents=True)
    (tmp_path / "app" / "deep" / "s.yaml").write_text(_svc("app"))
    (tmp_path / "flat" / "deep").mkdir(parents=True)
    (tmp_path / "flat" / "s.yaml").write_text(_svc("flat-top"))
    (tmp_path / "flat" / "deep" / "s.yaml").write_text(_svc("flat-deep"))
    (tmp_path / "apps.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a, namespace: argocd}\n"
        "spec:\n  source: {repoURL: x, path: app, directory: {recurse: true}}\n  destination: {namespace: from-app}\n"
        "---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: b, namespace: argocd}\n"
        "spec:\n  source: {repoURL: x, path: flat}\n  destination: {namespace: from-flat}\n")
    (tmp_path / "loose.yaml").write_text(_svc("loose"))
    (tmp_path / "ns.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: bookinfo}\n")
    project = load_project(["."], cwd=tmp_path, namespace="from-flag")
    assert _ns(project, "own") == ("explicit", "metadata")
    assert _ns(project, "kust") == ("from-kustomize", "kustomization")
    assert _ns(project, "app") == ("from-app", "application")
    # Argo CD reads a directory source's subfolders only with `recurse: true` (core.argocd_source)
    assert _ns(project, "flat-top") == ("from-flat", "application")
    assert _ns(project, "flat-deep") == ("from-flag", "config")
    assert _ns(project, "loose") == ("from-flag", "config")
    assert _ns(project, "bookinfo") == (None, "unknown")  # cluster-scoped
    project = load_project(["."], cwd=tmp_path)
    assert _ns(project, "loose") == (None, "unknown")


def test_named_file_indexes_whole_root(tmp_path: Path) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.yaml").write_text(_svc("one"))
    (tmp_path / "b").mkdir()
    # A Rollout elsewhere that uses the named Service must be known when only one.yaml is linted.
    (tmp_path / "b" / "two.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: two}\n"
        "spec: {strategy: {canary: {canaryService: one, stableService: stable}}}\n")
    project = load_project([str(tmp_path / "a" / "one.yaml")], cwd=tmp_path / "a")
    assert {r.name for r in project.index.resources} == {"one", "two"}
    assert project.report_files == {tmp_path / "a" / "one.yaml"}


def test_symlink_loop_survived(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "s.yaml").write_text(_svc("s"))
    (tmp_path / "d" / "loop").symlink_to(tmp_path / "d")
    project = load_project(["."], cwd=tmp_path)
    assert [r.name for r in project.index.resources] == ["s"]


def test_path_outside_cwd_is_its_own_root(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "w.yaml").write_text(_svc("w"))
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "o.yaml").write_text(_svc("o"))
    project = load_project([str(tmp_path / "other")], cwd=tmp_path / "work")
    assert {r.name for r in project.index.resources} == {"o"}


def test_discovery_skips_noise_and_broken_links_and_follows_linked_dirs(tmp_path: Path) -> None:
    from rolloutlint.load.discovery import walk

    (tmp_path / ".git").mkdir()
    for rel in ("b/z.yaml", "b/a.yml", "a/c.json", "node_modules/x.yaml", ".hidden/h.yaml", ".argocd/app.yaml",
                "a/notes.txt", "a/Chart.yaml"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(_svc("s"))
    (tmp_path / "a" / "gone.yaml").symlink_to(tmp_path / "missing.yaml")
    (tmp_path / "linked").symlink_to(tmp_path / "b")  # a second name for a directory already walked
    (tmp_path / "a" / "fifo.yaml").mkdir()  # a directory named like a manifest is walked, not read
    (tmp_path / "a" / "fifo.yaml" / "in.yaml").write_text(_svc("t"))
    found = [p.relative_to(tmp_path).as_posix() for p in walk(tmp_path, tmp_path)]
    assert found == [".argocd/app.yaml", "a/c.json", "a/fifo.yaml/in.yaml", "b/a.yml", "b/z.yaml"]
    assert [p.name for p in walk(tmp_path, tmp_path, ("b/", "linked"))] == ["app.yaml", "c.json", "in.yaml"]
