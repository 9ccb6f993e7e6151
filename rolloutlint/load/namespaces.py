"""Objects from loaded documents, and the namespace each lands in (metadata, kustomization, Application,
configuration default), gathered into the project's index."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from rolloutlint.core.argocd_source import Coverage, source_directory
from rolloutlint.core.index import KUSTOMIZATION_NAMES, ExternalRef, ResourceIndex
from rolloutlint.core.model import CLUSTER_SCOPED, Resource, as_dict, as_list, as_str, dig
from rolloutlint.core.source import Document, Problem, SourceFile


def resources_from(src: SourceFile) -> Iterator[Resource]:
    """Objects in a loaded file; `kind: List` items expanded. Non-objects become loader problems."""
    noted = False
    for doc in src.documents:
        value = doc.value
        if value is None:
            continue
        if not isinstance(value, dict):
            if not noted:
                src.problems.append(_not_a_resource(doc, f"document is a {type(value).__name__}, not a Kubernetes object; skipped"))
                noted = True
            continue
        api_version, kind = value.get("apiVersion"), value.get("kind")
        if not isinstance(api_version, str) or not isinstance(kind, str) or not api_version or not kind:
            if not noted and src.path.name not in KUSTOMIZATION_NAMES:
                missing = " and ".join(k for k, v in (("apiVersion", api_version), ("kind", kind)) if not isinstance(v, str) or not v)
                src.problems.append(_not_a_resource(doc, f"document has no {missing}; not a Kubernetes object, skipped"))
                noted = True
            continue
        if kind.endswith("List") and isinstance(value.get("items"), list) and api_version == "v1":
            for i, item in enumerate(value["items"]):
                if isinstance(item, dict) and isinstance(item.get("apiVersion"), str) and isinstance(item.get("kind"), str):
                    yield _make(item, src, doc, ("items", i))
            continue
        yield _make(value, src, doc, ())


def _not_a_resource(doc: Any, message: str) -> Problem:
    mark = doc.node.start_mark if doc.node is not None else None
    return Problem("RL004", message, (mark.line + 1) if mark else 1, (mark.column + 1) if mark else 1)


def _make(body: dict[str, Any], src: SourceFile, doc: Document, item_path: tuple[Any, ...]) -> Resource:
    meta = as_dict(body.get("metadata"))
    name = as_str(meta.get("name")) or as_str(meta.get("generateName"))
    res = Resource(api_version=body["apiVersion"], kind=body["kind"], name=name, body=body, file=src,
                   doc_index=doc.index, doc=doc, item_path=item_path)
    ns = as_str(meta.get("namespace"))
    if res.kind not in CLUSTER_SCOPED and ns:
        res.namespace, res.namespace_source = ns, "metadata"
    return res


def build_index(files: Iterable[SourceFile], root: Path, default_namespace: str | None = None,
                external: tuple[ExternalRef, ...] = (), made: Mapping[int, list[Resource]] | None = None,
                extra: Iterable[Resource] = ()) -> ResourceIndex:
    """The index of `files`; `made`: objects already made from some files with `resources_from`, by the
    file's id (loading makes them while a worker is still loading); `extra`: rendered objects."""
    index = ResourceIndex(root=root, external=external)
    file_list = list(files)
    for src in file_list:
        found = made.get(id(src)) if made is not None else None
        for res in found if found is not None else resources_from(src):
            index.add(res)
    for res in extra:
        index.add(res)
    resolve_namespaces(index, file_list, default_namespace)
    return index


def resolve_namespaces(index: ResourceIndex, files: list[SourceFile], default_namespace: str | None) -> None:
    """Own namespace → kustomization above → covering Argo CD Application → --namespace/config → unknown."""
    kustomize: dict[Path, str] = {}
    for src in files:
        if src.path.name in KUSTOMIZATION_NAMES:
            for doc in src.documents:
                ns = as_str(dig(doc.value, "namespace"))
                if ns:
                    kustomize[src.path.parent] = ns
    # Source directories of Applications with a destination namespace; the deepest one covering a file
    # wins (an Application for a subfolder is more specific than one for the whole repository).
    apps: dict[Path, list[tuple[Coverage, str]]] = {}
    for app in index.of_kind("Application"):
        if app.group != "argoproj.io":
            continue
        dest_ns = as_str(dig(app.body, "spec", "destination", "namespace"))
        if not dest_ns:
            continue
        sources = [as_dict(dig(app.body, "spec", "source"))] + [as_dict(s) for s in as_list(dig(app.body, "spec", "sources"))]
        for source in sources:
            path = as_str(source.get("path"))
            directory = source_directory(index.root, getattr(app.file, "path", None), path) if path is not None else None
            if directory is not None:
                apps.setdefault(directory, []).append((Coverage(directory, source), dest_ns))
    root = Path(index.root).resolve()
    by_file: dict[Path, tuple[str | None, str]] = {}
    for res in index.resources:
        if res.namespace_source != "unknown" or res.kind in CLUSTER_SCOPED:
            continue
        file_path: Path = res.file.path
        resolved = by_file.get(file_path)
        if resolved is None:  # once per file: every object in it resolves the same way
            resolved = by_file[file_path] = _namespace_for(file_path, root, kustomize, apps, default_namespace)
        if resolved[0] is not None:
            res.namespace, res.namespace_source = resolved


def _namespace_for(path: Path, root: Path, kustomize: dict[Path, str], apps: dict[Path, list[tuple[Coverage, str]]],
                   default_namespace: str | None) -> tuple[str | None, str]:
    directory = path.parent
    for parent in (directory, *directory.parents):
        if parent in kustomize:
            return kustomize[parent], "kustomization"
        if parent == root:
            break
    if apps:
        real = path.resolve()
        for parent in real.parents:
            for coverage, ns in apps.get(parent, ()):
                if coverage.covers(real):
                    return ns, "application"
            if parent == root:
                break
    if default_namespace:
        return default_namespace, "config"
    return None, "unknown"


