"""Kustomize builds started while the files load (`load.render.prefetch`): each overlay is built once per run,
whether the render cache is on or off, and a build that fails there is reported by the render as before."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from rolloutlint import pipeline
from rolloutlint.load.render import kustomize as kz
from tests.render.conftest import needs_kustomize

ROLLOUT = ("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: demo\nspec:\n  replicas: 2\n"
           "  selector:\n    matchLabels: {app: demo}\n  template:\n    metadata:\n      labels: {app: demo}\n"
           "    spec:\n      containers: [{name: demo, image: 'nginx:1.27.0'}]\n"
           "  strategy:\n    canary:\n      steps:\n        - setWeight: 150\n")


def overlays(root: Path, names: tuple[str, ...], config: str = "{}\n") -> Path:
    (root / ".git").mkdir()
    (root / ".rolloutlint.yaml").write_text(config)
    (root / "base").mkdir()
    (root / "base" / "kustomization.yaml").write_text("resources: [rollout.yaml]\n")
    (root / "base" / "rollout.yaml").write_text(ROLLOUT)
    for name in names:
        (root / "overlays" / name).mkdir(parents=True)
        (root / "overlays" / name / "kustomization.yaml").write_text(f"namespace: {name}\nresources: [../../base]\n")
    return root


def counted_builds(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(overlay directory name, thread name) of every kustomize build."""
    calls: list[tuple[str, str]] = []
    real = kz.build

    def build(engine, target, options):  # type: ignore[no-untyped-def]
        calls.append((target.name, threading.current_thread().name))
        return real(engine, target, options)

    monkeypatch.setattr(kz, "build", build)
    return calls


@needs_kustomize
@pytest.mark.parametrize("config", ["{}\n", "render: {cache: false}\n"])
def test_each_overlay_is_built_once_and_the_render_uses_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           config: str) -> None:
    calls = counted_builds(monkeypatch)
    project = pipeline.load_project(["."], cwd=overlays(tmp_path, ("dev", "prod"), config))
    assert sorted(name for name, _ in calls) == ["dev", "prod"]
    assert all(thread != "MainThread" for _, thread in calls)
    assert project.rendered is not None and project.rendered.cache_hits == 0  # made in this run, not cached
    findings = pipeline.lint_project(project).findings
    assert sorted(f.units for f in findings if f.rule == "RL142") == [
        ("kustomization overlays/dev", "kustomization overlays/prod")]
    assert threading.active_count() == 1  # nothing left building when the rules fork


@needs_kustomize
def test_a_warm_run_builds_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = overlays(tmp_path, ("dev",))
    pipeline.load_project(["."], cwd=root)
    calls = counted_builds(monkeypatch)
    project = pipeline.load_project(["."], cwd=root)
    assert calls == [] and project.rendered is not None and project.rendered.cache_hits == 1


@needs_kustomize
def test_a_build_that_fails_ahead_is_reported_by_the_render(tmp_path: Path) -> None:
    root = overlays(tmp_path, ("dev",))
    (root / "overlays" / "dev" / "kustomization.yaml").write_text("resources: [../../base, missing.yaml]\n")
    findings = pipeline.lint_project(pipeline.load_project(["."], cwd=root)).findings
    assert [(f.rule, f.location.file, f.location.line) for f in findings if f.rule == "RL008"] == [
        ("RL008", "overlays/dev/kustomization.yaml", 1)]
