"""Private helpers for the RL5xx/RL6xx GitOps rules (no rules are registered here).

- Istio config objects and their `istio.io/rev` label;
- Argo CD Applications (and plain ApplicationSet templates) mapped to the objects they deploy: those
  rendered for them, else those of the files under their source (`core.argocd_source` decides which);
- `ignoreDifferences` matching as Argo CD's diff normaliser does it (glob on group/kind, exact name and
  namespace), sync options and sync waves.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from rolloutlint.views import refs
from rolloutlint.core.positions import Path as FPath
from rolloutlint.core.model import Resource, as_dict, as_list, as_str, dig
from rolloutlint.core import argocd_source, memo

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context

T = TypeVar("T")

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


def is_tsb_key(key: Any) -> bool:
    return isinstance(key, str) and key.startswith(TSB_PREFIX)


@memo.per_resource
def tsb_annotations(res: Resource) -> dict[str, Any]:
    """The object's TSB annotations (read-only)."""
    return {k: v for k, v in res.annotations.items() if is_tsb_key(k)}


def has_tsb_annotations(res: Resource) -> bool:
    """`bool(tsb_annotations(res))`, without building the mapping (asked of every object once per run)."""
    return any(is_tsb_key(k) for k in res.annotations)


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

    @property
    def identity(self) -> tuple[int, str]:
        """`argocd_source.app_identity`: what the objects rendered for this Application carry."""
        return argocd_source.app_identity(self.resource.doc, self.resource.name)


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


def rendered_apps(ctx: "Context") -> dict[tuple[int, str], list[Resource]]:
    """Application identity → the objects rendering it produced, in index order."""
    def build() -> dict[tuple[int, str], list[Resource]]:
        out: dict[tuple[int, str], list[Resource]] = {}
        for res in ctx.index.resources:
            key = res.extra.get("app")
            if key is not None:
                out.setdefault(key, []).append(res)
        return out

    return memo.per_run(ctx.index, ("argocd", "rendered_apps"), build)


def deploys(app: App, res: Resource, ctx: "Context") -> bool:
    """Whether `app` deploys `res`: the objects it rendered when it was rendered, else those of its files."""
    key = res.extra.get("app")
    if key is not None:
        return bool(key == app.identity)
    return app.identity not in rendered_apps(ctx) and res.file.path in app.files


def deployed_rows(app: App, key: tuple[str, ...], rows: Callable[[], Iterable[tuple[Resource, T]]],
                  ctx: "Context") -> list[T]:
    """The values of `rows` (object, value) whose object `app` deploys (`deploys`), in the rows' order. Rules
    run per Application, so this goes through a per-run table by the object's Application or file instead of
    asking every row (that scan is quadratic in an app-of-apps repository)."""
    def build() -> dict[Any, list[tuple[int, T]]]:
        out: dict[Any, list[tuple[int, T]]] = {}
        for seq, (obj, value) in enumerate(rows()):
            out.setdefault(obj.extra.get("app") or obj.file.path, []).append((seq, value))
        return out

    table = memo.per_run(ctx.index, key, build)
    ident = app.identity
    hits = table.get(ident, []) if ident in rendered_apps(ctx) else \
        [hit for path in app.files for hit in table.get(path, ())]
    return [value for _, value in sorted(hits, key=lambda hit: hit[0])]


def deployed_objects(app: App, kind: str, ctx: "Context") -> list[Resource]:
    """The objects of `kind` that `app` deploys, in index order."""
    return deployed_rows(app, ("argocd", "by_app", kind), lambda: ((r, r) for r in ctx.index.of_kind(kind)), ctx)


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
    """The Applications that deploy `res` (`deploys`; a table per run: rules ask for every object)."""
    def build() -> dict[Any, list[App]]:
        out: dict[Any, list[App]] = {}
        rendered = rendered_apps(ctx)
        for app in applications(ctx):
            ident = app.identity
            if ident in rendered:
                out.setdefault(ident, []).append(app)
                continue
            for path in app.files:
                out.setdefault(path, []).append(app)
        return out

    return memo.per_run(ctx.index, ("argocd", "apps_deploying"), build).get(res.extra.get("app") or res.file.path, [])


def app_of(res: Resource, ctx: "Context") -> App | None:
    """The App for an Application (or ApplicationSet) object."""
    table = memo.per_run(ctx.index, ("argocd", "app_by_resource"), lambda: {id(a.resource): a for a in applications(ctx)})
    return table.get(id(res))


def _build_apps(ctx: "Context") -> Iterator[App]:
    found = [res for res in ctx.index.of_kind("Application", "ApplicationSet") if res.group == "argoproj.io"]
    if not found:
        return
    root = Path(ctx.index.root)
    tree = argocd_source.Tree(src.path for src in ctx.files)
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
            directory = argocd_source.source_directory(root, getattr(res.file, "path", None), path)
            if directory is not None:
                app.files |= argocd_source.deployed_files(directory, source, tree)
        yield app
