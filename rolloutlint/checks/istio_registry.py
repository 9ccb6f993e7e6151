"""How hosts enter Istio's service registry other than through Services and ServiceEntries, as far as a
repository can show it: federation `ImportedServiceSet` (OpenShift Service Mesh), Kubernetes multi-cluster
services (`ServiceExport`/`ServiceImport`, `*.svc.clusterset.local`) and `WorkloadEntry`. Holds no rules;
RL201 asks `registered_elsewhere` before reporting a host."""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING

from rolloutlint.core.model import Resource, as_dict, as_list, as_str

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context

CLUSTERSET_SUFFIX = ".svc.clusterset.local"
MCS_KINDS = ("ServiceExport", "ServiceImport")


def _imported_hosts(iss: Resource) -> list[str]:
    """Host patterns an ImportedServiceSet makes resolvable: `<name>.<ns>.svc.<peer>-imports.local`, and the
    local `<name>.<ns>.svc.cluster.local` with `importAsLocal: true` (the set is named after the peer)."""
    out: list[str] = []
    for rule in as_list(iss.spec.get("importRules")):
        rule = as_dict(rule)
        sel = as_dict(rule.get("nameSelector"))
        alias = as_dict(sel.get("alias"))
        name = as_str(alias.get("name")) or as_str(sel.get("name")) or "*"
        ns = as_str(alias.get("namespace")) or as_str(sel.get("namespace")) or "*"
        domains = [f"svc.{iss.name}-imports.local"]
        if rule.get("importAsLocal") is True:
            domains.append("svc.cluster.local")
        out += [f"{name}.{ns}.{d}" for d in domains]
    return out


def registered_elsewhere(ctx: "Context", host: str) -> str | None:
    """What in the repository registers `host` besides Services/ServiceEntries (a label for messages), or
    None."""
    for iss in ctx.index.of_kind("ImportedServiceSet"):
        if any(fnmatch.fnmatchcase(host, pattern) for pattern in _imported_hosts(iss)):
            return f"ImportedServiceSet {iss.label()}"
    if host.endswith(CLUSTERSET_SUFFIX):
        name, _, rest = host[: -len(CLUSTERSET_SUFFIX)].partition(".")
        ns = rest or None
        for kind in MCS_KINDS + ("Service",):
            hit = ctx.index.find(kind, name, ns)
            if hit:
                return f"{kind} {hit[0].label()}"
    return None


def other_registries(ctx: "Context") -> list[str]:
    """Kinds present in the repository through which hosts may enter the registry unseen (for the
    "not found in this repository" wording)."""
    kinds = ("ImportedServiceSet", "ServiceImport", "ServiceExport", "WorkloadEntry", "WorkloadGroup")
    return [k for k in kinds if any(True for _ in ctx.index.of_kind(k))]


def cannot_tell(host: str) -> bool:
    """Hosts whose registration the repository cannot show: multi-cluster names (`*.svc.clusterset.local`,
    the legacy `*.global`) are created by the mesh's multi-cluster setup, not by a manifest here."""
    return host.endswith((CLUSTERSET_SUFFIX, ".global"))


def control_plane(name: str, namespace: str | None) -> bool:
    """Istio's own Services (`istiod`, `istio-ingressgateway`, `istio-egressgateway`, ...) in `istio-system`
    exist wherever Istio is installed; not finding them in an application repository says nothing."""
    return namespace == "istio-system" and (name == "istiod" or name.startswith("istio-"))
