"""Render tests: each lints a fixture repository under tests/fixtures/render with the real engines."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from rolloutlint.load.render.engines import find_engines

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "render"


def _engines():  # type: ignore[no-untyped-def]
    import os
    import tempfile

    # Engine discovery remembers versions in the render cache: keep it out of the user's cache directory.
    os.environ.setdefault("ROLLOUTLINT_RENDER_CACHE", tempfile.mkdtemp(prefix="rolloutlint-test-cache-"))
    return find_engines("auto", "auto")


needs_kustomize = pytest.mark.skipif(_engines().kustomize is None, reason="no kustomize engine installed")
needs_helm = pytest.mark.skipif(_engines().helm is None, reason="no Helm engine installed")


@pytest.fixture(autouse=True)
def _render_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Each test renders into its own cache (never the user's)."""
    cache = tmp_path_factory.mktemp("render-cache")
    monkeypatch.setenv("ROLLOUTLINT_RENDER_CACHE", str(cache))
    yield cache


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[object]:
    """Copy a fixture repository to a scratch directory (positions are reported relative to it)."""

    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(FIXTURES / name, target)
        return target

    yield copy
