"""Private helpers for the RL5xx/RL6xx GitOps rules (no rules are registered here).

- Istio config objects and their `istio.io/rev` label;
- Argo CD Applications (and plain ApplicationSet templates) mapped to the files they deploy, the way the
  repo-server reads a directory source: `path` relative to the project root, non-recursive unless
  `directory.recurse: true` (a kustomize or Helm source directory is taken whole);
- `ignoreDifferences` matching as Argo CD's diff normaliser does it (glob on group/kind, exact name and
  namespace), sync options and sync waves.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from rolloutlint.views import refs
from rolloutlint.core.positions import Path as FPath
from rolloutlint.core.model import Resource, as_dict, as_list, as_str, dig
from rolloutlint.core import memo

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context

REV_LABEL = "istio.io/rev"
TAG_LABEL = "istio.io/tag"
INJECTION_LABEL = "istio-injection"
DATAPLANE_LABEL = "istio.io/dataplane-mode"
SYNC_WAVE = "argocd.argoproj.io/sync-wave"
HOOK = "argocd.argoproj.io/hook"
HELM_HOOK = "helm.sh/hook"
TSB_PREFIX = "tsb.tetrate.io/"
TSB_REVISION = "tsb"
RESPECT = "RespectIgnoreDifferences=true"

# API groups whose objects istiod reads as configuration and filters by `istio.io/rev` (revision name only).
ISTIO_CONFIG_GROUPS = frozenset({"networking.istio.io", "security.istio.io", "telemetry.istio.io",
                                 "extensions.istio.io"})
KUSTOMIZE_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization", "Chart.yaml")


def is_istio_config(res: Resource) -> bool:
    return res.group in ISTIO_CONFIG_GROUPS


def rev_of(labels: dict[str, Any]) -> str | None:
    """The `istio.io/rev` value as Kubernetes would store it (labels are strings; None when absent)."""
    value = labels.get(REV_LABEL)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def rev_label(res: Resource) -> str | None:
    return rev_of(res.labels)


@memo.per_resource
def tsb_annotations(res: Resource) -> dict[str, Any]:
    """The object's TSB annotations (read-only)."""
    return {k: v for k, v in res.annotations.items() if isinstance(k, str) and k.startswith(TSB_PREFIX)}


def sync_wave(res: Resource) -> int | None:
    """Argo CD sync wave: the annotation as an integer, 0 when absent, None when it is not an integer."""
    raw = res.annotations.get(SYNC_WAVE)
    if raw is None:
        return 0
    try:
        return int(str(raw).strip())
    except ValueError:
        return None


def hook_phases(res: Resource) -> set[str]:
    """Argo CD hook phases of a resource (`argocd.argoproj.io/hook`, else Helm hooks Argo CD maps)."""
    raw = as_str(res.annotations.get(HOOK))
    if raw:
        return {p.strip() for p in raw.split(",") if p.strip()}
    helm = as_str(res.annotations.get(HELM_HOOK))
    phases: set[str] = set()
    if helm:
        for p in (x.strip() for x in helm.split(",")):
            if p in ("post-install", "post-upgrade"):
                phases.add("PostSync")
            elif p in ("pre-install", "pre-upgrade"):
                phases.add("PreSync")
    return phases


# --------------------------------------------------------------------------------------------------------
# Argo CD Applications


@dataclass
class App:
    """An Argo CD Application, or the plain `spec.template` of an ApplicationSet."""

    resource: Resource
    spec_path: FPath  # ("spec",) or ("spec", "template", "spec")
    files: set[Path] = field(default_factory=set)  # absolute paths of files it deploys (those the repo holds)

    @property
    def spec(self) -> dict[str, Any]:
        return as_dict(dig(self.resource.body, *self.spec_path))

    @property
    def label(self) -> str:
        kind = "ApplicationSet template" if self.resource.kind == "ApplicationSet" else "Application"
        return f"{kind} {self.resource.name or '<unnamed>'}"

    @property
    def dest_namespace(self) -> str | None:
        ns = as_str(dig(self.spec, "destination", "namespace"))
        return ns if ns and "{{" not in ns else None

    def automated(self) -> dict[str, Any] | None:
        policy = as_dict(self.spec.get("syncPolicy"))
        if "automated" not in policy:
            return None
        auto = policy.get("automated")
        auto = auto if isinstance(auto, dict) else {}
        if auto.get("enabled") is False:  # Argo CD ≥ 3.1: `enabled: false` switches automation off
            return None
        return auto

    def self_heal(self) -> bool:
        auto = self.automated()
        return bool(auto and auto.get("selfHeal") is True)

    def sync_options(self) -> list[str]:
        return [o.replace(" ", "") for o in as_list(dig(self.spec, "syncPolicy", "syncOptions")) if isinstance(o, str)]

    def respects_ignore_differences(self) -> bool:
        return any(o.lower() == RESPECT.lower() for o in self.sync_options())

    def ignore_entries(self) -> list[tuple[int, dict[str, Any]]]:
        return [(i, as_dict(e)) for i, e in enumerate(as_list(self.spec.get("ignoreDifferences")))]

    def path(self, *rest: str | int) -> FPath:
        return self.spec_path + tuple(rest)

    def deploys(self, res: Resource) -> bool:
        return res.file.path in self.files


def entry_matches(entry: dict[str, Any], res: Resource) -> bool:
    """Does an `ignoreDifferences` entry select `res`? (Argo CD: glob on group and kind, exact name/namespace.)"""
    group = entry.get("group")
    group = "" if group is None else str(group)
    kind = str(entry.get("kind") or "")
    if not fnmatch.fnmatchcase(res.group, group) or not fnmatch.fnmatchcase(res.kind, kind):
        return False
    name = as_str(entry.get("name")) or ""
    if name and name != res.name:
        return False
    ns = as_str(entry.get("namespace")) or ""
    return not (ns and res.namespace is not None and ns != res.namespace)


def applications(ctx: "Context") -> list[App]:
    """Every Application / plain ApplicationSet template in the project, with the files it deploys."""
    return memo.per_run(ctx.index, ("argocd", "applications"), lambda: list(_build_apps(ctx)))


def vs_users(ctx: "Context") -> dict[int, list[tuple[Resource, Any]]]:
    """id(VirtualService) → [(Rollout, VirtualServiceRef)] for every Rollout routing through it."""

    def build() -> dict[int, list[tuple[Resource, Any]]]:
        out: dict[int, list[tuple[Resource, Any]]] = {}
        for ro in ctx.index.of_kind("Rollout"):
            for ref in refs.virtual_service_refs(ro):
                for vs in ctx.index.find("VirtualService", ref.name, ref.namespace):
                    if vs.group == "networking.istio.io":  # the controller patches Istio's VirtualServices only
                        out.setdefault(id(vs), []).append((ro, ref))
        return out

    return memo.per_run(ctx.index, ("argocd", "vs_users"), build)


def apps_deploying(res: Resource, ctx: "Context") -> list[App]:
    return [a for a in applications(ctx) if a.deploys(res)]


def _build_apps(ctx: "Context") -> Iterator[App]:
    found = [res for res in ctx.index.of_kind("Application", "ApplicationSet") if res.group == "argoproj.io"]
    if not found:
        return  # most repositories have no Application: skip relativising every file path
    root = Path(ctx.index.root)
    rel_files: list[tuple[PurePosixPath, Path]] = []
    for src in ctx.files:
        try:
            rel_files.append((PurePosixPath(src.path.relative_to(root).as_posix()), src.path))
        except ValueError:
            continue
    for res in found:
        spec_path: FPath = ("spec",) if res.kind == "Application" else ("spec", "template", "spec")
        app = App(res, spec_path)
        if res.kind == "ApplicationSet" and not app.spec:
            continue
        spec = app.spec
        sources = [as_dict(spec.get("source"))] + [as_dict(s) for s in as_list(spec.get("sources"))]
        for source in sources:
            path = source.get("path")
            if not isinstance(path, str) or "{{" in path or "$" in path:
                continue
            app.files |= _files_for(res, path, source, root, rel_files)
        yield app


def _globs(value: Any) -> list[str]:
    """Argo CD `directory.include`/`exclude`: one glob, with `{a,b}` alternatives."""
    if not isinstance(value, str) or not value.strip():
        return []
    text = value.strip()
    if text.startswith("{") and text.endswith("}"):
        return [p.strip() for p in text[1:-1].split(",") if p.strip()]
    return [text]


def _glob_match(pattern: str, rel: str) -> bool:
    return fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(rel.rsplit("/", 1)[-1], pattern)


def _files_for(app: Resource, path: str, source: dict[str, Any], root: Path,
               rel_files: list[tuple[PurePosixPath, Path]]) -> set[Path]:
    target = PurePosixPath(path.strip("/") or ".")
    recurse = dig(source, "directory", "recurse") is True
    # The path is relative to the repository root, which is normally the project root; when the project
    # holds several repositories (a corpus), fall back to the nearest ancestor of the Application's file
    # under which the path exists.
    bases = [PurePosixPath(".")]
    try:
        app_rel = PurePosixPath(app.file.path.relative_to(root).as_posix())
        bases += [p for p in app_rel.parents if p != PurePosixPath(".")]
    except ValueError:
        pass
    for base in bases:
        folder = base / target
        under = [(rel, abs_) for rel, abs_ in rel_files if folder == PurePosixPath(".") or rel.is_relative_to(folder)]
        if not under:
            continue
        whole = any((root / folder.as_posix() / n).is_file() for n in KUSTOMIZE_FILES)
        if whole:
            return {abs_ for _, abs_ in under}
        include = _globs(dig(source, "directory", "include"))
        exclude = _globs(dig(source, "directory", "exclude"))
        out = set()
        for rel, abs_ in under:
            if not recurse and rel.parent != folder:
                continue
            inner = rel.relative_to(folder).as_posix() if folder != PurePosixPath(".") else rel.as_posix()
            if include and not any(_glob_match(g, inner) for g in include):
                continue
            if exclude and any(_glob_match(g, inner) for g in exclude):
                continue
            out.add(abs_)
        return out
    return set()
