"""Files that are not Kubernetes manifests and lie outside the manifests (a monorepo's docker-compose files,
app configuration, lockfiles, dashboards): counted in the summary, not reported one by one.

`not-a-kubernetes-object` (RL004) stays reported where a missing `apiVersion`/`kind` is likely a mistake: a
document with Kubernetes fields (`apiVersion` or `kind` as text, a `metadata` mapping), or a file in a directory that
holds Kubernetes objects (a values fragment left among manifests, which an Argo CD directory source would fail
to apply)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rolloutlint.core.index import ResourceIndex
from rolloutlint.core.source import SourceFile


def _kubernetes_like(value: object) -> bool:
    """A mapping with a Kubernetes object's fields: `apiVersion` or `kind` as text (Grafana's provisioning
    files write `apiVersion: 1`), or a `metadata` mapping."""
    return isinstance(value, dict) and (isinstance(value.get("apiVersion"), str) or isinstance(value.get("kind"), str)
                                        or isinstance(value.get("metadata"), dict))


def foreign_files(files: Iterable[SourceFile], index: ResourceIndex) -> set[Path]:
    """The files whose only finding would be RL004 and that nothing ties to the manifests."""
    candidates = [src for src in files if any(p.rule_id == "RL004" for p in src.problems)]
    if not candidates:
        return set()
    manifest_dirs = {res.file.path.parent for res in index.resources}
    return {src.path for src in candidates
            if src.path.parent not in manifest_dirs
            and not any(_kubernetes_like(d.value) for d in src.documents)}
