"""Deployment units: what Argo CD deploys from this repository, found from the working tree.

A unit is an Argo CD Application whose source path exists here (and each Application an ApplicationSet's
list or git directory/file generator would make from this tree); else a kustomization root no other
kustomization includes, or a Helm chart no unit covers. Plain directories no unit covers are left to
the raw loader, as before.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rolloutlint.core import argocd_source
from rolloutlint.core.source import Document, SourceFile
from rolloutlint.core.model import as_dict, as_str
from rolloutlint.load.render.appset import generated_applications
from rolloutlint.core.index import KUSTOMIZATION_FILES
from rolloutlint.load.render.kustomize import OfflineError, kustomization_file, reads

CHART_FILE = "Chart.yaml"
IN_CLUSTER_SERVER = "https://kubernetes.default.svc"


@dataclass
class Source:
    """One source of a unit: the directory to render and how."""

    path: Path  # absolute directory
    tool: str  # directory | kustomize | helm
    options: dict[str, Any] = field(default_factory=dict)  # the Application's helm/kustomize/directory block
    refs: dict[str, Path] = field(default_factory=dict)  # multi-source `ref:` name -> repository root


@dataclass
class Unit:
    name: str  # "Application argocd/guestbook", "kustomization overlays/prod", "chart charts/demo"
    sources: list[Source]
    destination: tuple[str | None, str | None] | None = None  # (cluster, namespace) for Applications; cluster None: unknown
    release: str | None = None  # Helm release name (the Application name)
    app_file: SourceFile | None = None  # where the Application is written (render findings point here)
    app_doc: Document | None = None
    app_path: tuple[str | int, ...] = ()  # the path of the source inside the Application document
    offline: OfflineError | None = None  # a source that needs the network
    entry: tuple[str, int] | None = None  # (file, line) defining the unit, related to its findings
    app_label: str | None = None  # "Application ns/name" (before `name` is told apart by file): one Argo CD object

    @property
    def label(self) -> str:
        return self.name


@dataclass
class Settings:
    repo_urls: tuple[str, ...] = ()  # globs; empty: any repoURL whose path exists here
    exclude: tuple[str, ...] = ()  # the configuration's `exclude`: no units there


def detect_tool(directory: Path, source: dict[str, Any]) -> str:
    """Argo CD's choice: an explicit helm/kustomize/directory block, else Chart.yaml, else a kustomization."""
    for tool in ("helm", "kustomize", "directory"):
        if isinstance(source.get(tool), dict):
            return tool
    if (directory / CHART_FILE).is_file():
        return "helm"
    if kustomization_file(directory) is not None:
        return "kustomize"
    return "directory"


def _repo_matches(url: str | None, settings: Settings) -> bool:
    if not settings.repo_urls:
        return True
    return url is not None and any(fnmatch.fnmatch(url, pat) for pat in settings.repo_urls)


def applications(files: list[SourceFile], root: Path) -> list[tuple[dict[str, Any], SourceFile, Document, tuple[Any, ...]]]:
    """(Application body, file, document, item path) for every Application, generated ones included."""
    out: list[tuple[dict[str, Any], SourceFile, Document, tuple[Any, ...]]] = []
    for src in files:
        for doc in src.documents:
            out.extend(document_applications(doc.value, src, doc, root))
    return out


def document_applications(value: Any, src: SourceFile, doc: Document,
                          root: Path) -> list[tuple[dict[str, Any], SourceFile, Document, tuple[Any, ...]]]:
    """`applications` of one document: the Application it is, or those the ApplicationSet it is generates."""
    if not isinstance(value, dict) or not str(value.get("apiVersion", "")).startswith("argoproj.io/"):
        return []
    kind = value.get("kind")
    if kind == "Application":
        return [(value, src, doc, ())]
    if kind == "ApplicationSet":
        return [(app, src, doc, ("spec", "template")) for app in generated_applications(value, root)]
    return []


def find_units(files: list[SourceFile], root: Path, settings: Settings) -> list[Unit]:
    units = application_units(applications(files, root), root, settings)
    units.extend(standalone_units(root, files, units, settings.exclude))
    _distinct_names(units, root)
    return units


def application_units(apps: list[tuple[dict[str, Any], SourceFile, Document, tuple[Any, ...]]], root: Path,
                      settings: Settings) -> list[Unit]:
    """The units of these Applications (`applications`) whose sources lie in this repository."""
    units: list[Unit] = []
    for body, src, doc, base_path in apps:
        unit = _application_unit(body, src, doc, base_path, root, settings)
        if unit is not None:
            units.append(unit)
    return units


def standalone_units(root: Path, files: list[SourceFile], app_units: list[Unit], exclude: tuple[str, ...]) -> list[Unit]:
    """Kustomization roots and charts that none of the Applications' units renders."""
    covered = {s.path for unit in app_units for s in unit.sources}
    return _standalone_units(root, files, covered, exclude)


def _distinct_names(units: list[Unit], root: Path) -> None:
    """A unit's name is its identity (scope and RL009 compare it): two Applications of one name written in
    different files (repositories side by side, one cluster's folder per file) are told apart by their file."""
    by_name: dict[str, list[Unit]] = {}
    for unit in units:
        by_name.setdefault(unit.name, []).append(unit)
    for same in by_name.values():
        files = {u.app_file.path for u in same if u.app_file is not None}
        if len(files) < 2:
            continue
        for unit in same:
            if unit.app_file is not None:
                unit.name = f"{unit.name} ({_rel(unit.app_file.path, root)})"


def _application_unit(body: dict[str, Any], src: SourceFile, doc: Document, base_path: tuple[Any, ...], root: Path,
                      settings: Settings) -> Unit | None:
    meta = as_dict(body.get("metadata"))
    name = as_str(meta.get("name")) or "<unnamed>"
    spec = as_dict(body.get("spec"))
    dest = as_dict(spec.get("destination"))
    server = as_str(dest.get("server"))
    # Argo CD's own cluster is `https://kubernetes.default.svc` by server and `in-cluster` by name
    cluster = "in-cluster" if server in (None, IN_CLUSTER_SERVER) and as_str(dest.get("name")) in (None, "in-cluster") \
        else server or as_str(dest.get("name"))
    destination = (cluster, as_str(dest.get("namespace")))
    raw_sources: list[tuple[dict[str, Any], tuple[Any, ...]]]
    if isinstance(spec.get("sources"), list):
        raw_sources = [(as_dict(s), ("spec", "sources", i)) for i, s in enumerate(spec["sources"])]
    else:
        raw_sources = [(as_dict(spec.get("source")), ("spec", "source"))]
    refs = {as_str(s.get("ref")) or "": root for s, _ in raw_sources if as_str(s.get("ref")) and _repo_matches(as_str(s.get("repoURL")), settings)}
    sources: list[Source] = []
    offline: OfflineError | None = None
    path_in_doc = base_path + raw_sources[0][1] if raw_sources else base_path
    for source, where in raw_sources:
        repo = as_str(source.get("repoURL"))
        chart = as_str(source.get("chart"))
        if chart:  # a chart from a Helm repository or OCI registry: never fetched
            offline = offline or OfflineError(f"cannot render offline: Application {name} deploys chart {chart!r} from "
                                              f"{repo or 'a chart repository'}, which Helm would fetch from the network",
                                              src.path, _line(doc, base_path + where + ("chart",)))
            path_in_doc = base_path + where
            continue
        path = as_str(source.get("path"))
        if path is None or not _repo_matches(repo, settings):
            continue
        directory = argocd_source.source_directory(root, src.path, path)
        if directory is None:
            continue
        sources.append(Source(directory, detect_tool(directory, source), source, refs))
        path_in_doc = base_path + where
    if not sources and offline is None:
        return None
    label = application_label(body)
    return Unit(label, sources, destination, release=name, app_file=src, app_doc=doc, app_path=path_in_doc,
                offline=offline, app_label=label)


def application_label(body: dict[str, Any]) -> str:
    """"Application ns/name": one Argo CD object, whichever file or render it comes from."""
    meta = as_dict(body.get("metadata"))
    ns = as_str(meta.get("namespace"))
    return f"Application {ns + '/' if ns else ''}{as_str(meta.get('name')) or '<unnamed>'}"


def plugin_unit(app_dir: Path, tool: str, app_name: str, namespace: str | None,
                options: dict[str, Any] | None = None) -> Unit:
    """The unit Argo CD asks a Config Management Plugin to generate (`cmp generate`): the Application's source
    directory, rendered by `tool`, released under the Application's name into its destination namespace. The
    plugin is told neither the cluster nor the Application's own namespace (ARGOCD_APP_* carries the name, the
    destination namespace and the source path); an Application of this repository that deploys the same
    directory under the same name lends its cluster (`render_project`)."""
    return Unit(f"Application {app_name}", [Source(app_dir.resolve(), tool, dict(options or {}))],
                (None, namespace), release=app_name)


def _line(doc: Document, path: tuple[Any, ...]) -> int:
    from rolloutlint.core.positions import locate

    return locate(doc.node, path)[0]


def _standalone_units(root: Path, files: list[SourceFile], covered: set[Path], exclude: tuple[str, ...]) -> list[Unit]:
    """Kustomization roots nothing includes and charts nothing covers."""
    kdirs: set[Path] = set()
    charts: set[Path] = set()
    for directory, markers in _directories(root, exclude):
        if any(n in markers for n in KUSTOMIZATION_FILES):
            kdirs.add(directory)
        if CHART_FILE in markers:
            charts.add(directory)
    included: set[Path] = set()
    for kdir in sorted(kdirs):
        try:
            walked = reads(kdir)
        except OfflineError as exc:  # not renderable here, but what it includes is still included
            if exc.partial is None:
                continue
            walked = exc.partial
        included.update(d for d in walked.directories if d != kdir)
    for covered_dir in list(covered):  # what an Application's kustomization includes is covered too
        if covered_dir in kdirs:
            try:
                covered.update(reads(covered_dir).directories)
            except OfflineError:
                pass
    units: list[Unit] = []
    for kdir in sorted(kdirs - included - covered):
        if kdir in charts or _is_component(kdir):
            continue  # a Component is built only as part of a kustomization that lists it
        units.append(Unit(f"kustomization {_rel(kdir, root)}", [Source(kdir, "kustomize")]))
    for chart in sorted(charts - covered):
        if "charts" in chart.relative_to(root).parts[:-1] and any(p in charts for p in chart.parents):
            continue  # a subchart renders with its parent
        if any(c in chart.parents for c in covered):
            continue
        units.append(Unit(f"chart {_rel(chart, root)}", [Source(chart, "helm")], release=_release_name(chart)))
    return units


def _is_component(kdir: Path) -> bool:
    from rolloutlint.load.render.kustomize import kustomization_file, load_kustomization

    kfile = kustomization_file(kdir)
    try:
        body = load_kustomization(kfile) if kfile is not None else None
    except Exception:  # noqa: BLE001 - an unreadable kustomization is reported when it is built
        return False
    return isinstance(body, dict) and body.get("kind") == "Component"


_DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?")


def _release_name(chart: Path) -> str:
    """A chart no Application deploys is rendered under its own name (Chart.yaml `name`), as `helm install`
    users name releases; the directory name (a clone may be called anything) only when that is no DNS label."""
    import yaml

    try:
        meta = yaml.safe_load((chart / CHART_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        meta = None
    name = as_str(meta.get("name")) if isinstance(meta, dict) else None
    if name and _DNS_LABEL.fullmatch(name):
        return name
    fallback = re.sub(r"[^a-z0-9-]+", "-", chart.resolve().name.lower()).strip("-")[:53]
    return fallback or "release"


def _directories(root: Path, exclude: tuple[str, ...]) -> list[tuple[Path, set[str]]]:
    """Every directory a unit could be rendered from, each with the kustomization and Chart.yaml files in it
    (one `scandir` per directory: an app-of-apps repository has thousands)."""
    import os

    from rolloutlint.load.discovery import SKIP_DIRS, is_excluded

    wanted = frozenset(KUSTOMIZATION_FILES + (CHART_FILE,))
    out = []
    stack: list[tuple[Path, Path | None]] = [(root, None)]  # (path, its real path when known without a lookup)
    seen: set[Path] = set()
    while stack:
        here, real = stack.pop()
        if real is None:
            try:
                real = here.resolve()
            except OSError:
                continue
        if real in seen:
            continue
        seen.add(real)
        markers: set[str] = set()
        out.append((here, markers))
        children = []
        try:
            with os.scandir(here) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir():
                            # a symlink's real path is looked up; a plain directory's is its parent's plus its name
                            children.append((here / entry.name, None if entry.is_symlink() else real / entry.name))
                        elif entry.name in wanted and entry.is_file():
                            markers.add(entry.name)
                    except OSError:
                        continue
        except OSError:  # not listable; its files may still be there
            markers.update(n for n in wanted if (here / n).is_file())
            continue
        children.sort(key=lambda c: c[0])
        stack.extend(c for c in children if c[0].name not in SKIP_DIRS and not c[0].name.startswith(".")
                     and not (exclude and is_excluded(_rel(c[0], root), exclude)))
    return out


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        return str(path)

