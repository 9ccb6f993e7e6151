"""Reading what a Rollout points at, the way the controller reads it (shared by the rule modules).

Every accessor returns plain values plus the path they came from, so rules can report at the Rollout's
field and put the referenced object in `related`. Nothing here raises on malformed input.
"""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass, field
from typing import Any

from rolloutlint.core import memo
from rolloutlint.core.positions import Path
from rolloutlint.core.index import ResourceIndex
from rolloutlint.core.model import Resource, as_dict, as_list, as_str, dig

CANARY: Path = ("spec", "strategy", "canary")
BLUE_GREEN: Path = ("spec", "strategy", "blueGreen")
ISTIO: Path = CANARY + ("trafficRouting", "istio")
DOMAIN = "cluster.local"
POD_TEMPLATE_HASH = "rollouts-pod-template-hash"


@memo.per_resource
def service_ports(svc: Resource) -> list[int]:
    """A Service's `ports[].port` numbers (read-only)."""
    return [p for p in (as_dict(x).get("port") for x in as_list(dig(svc.body, "spec", "ports"))) if isinstance(p, int)]


@memo.per_resource
def canary(ro: Resource) -> dict[str, Any]:
    return as_dict(dig(ro.body, *CANARY))


@memo.per_resource
def blue_green(ro: Resource) -> dict[str, Any]:
    return as_dict(dig(ro.body, *BLUE_GREEN))


@memo.per_resource
def steps(ro: Resource) -> list[Any]:
    return as_list(canary(ro).get("steps"))


@memo.per_resource
def traffic_routing(ro: Resource) -> dict[str, Any]:
    return as_dict(canary(ro).get("trafficRouting"))


@memo.per_resource
def istio(ro: Resource) -> dict[str, Any]:
    return as_dict(traffic_routing(ro).get("istio"))


@dataclass(frozen=True)
class VirtualServiceRef:
    """One entry of `istio.virtualService` or `istio.virtualServices[]`."""

    name: str
    namespace: str | None  # from `name.namespace`, else the Rollout's
    raw: str  # as written
    path: Path  # path of the entry (its `name` is path + ("name",))
    routes: list[str] | None  # None: omitted
    tls_routes: list[dict[str, Any]] | None
    tcp_routes: list[dict[str, Any]] | None


def split_vs_name(raw: str, default_ns: str | None) -> tuple[str, str | None]:
    """`name.namespace` (optionally `.svc.cluster.local`-style suffix): the controller takes the text
    before the first dot as the name and the next label as the namespace."""
    if "." not in raw:
        return raw, default_ns
    parts = raw.split(".")
    return parts[0], parts[1] or default_ns


@memo.per_resource
def virtual_service_refs(ro: Resource) -> list[VirtualServiceRef]:
    ist = istio(ro)
    entries: list[tuple[Any, Path]] = []
    if isinstance(ist.get("virtualService"), dict):
        entries.append((ist["virtualService"], ISTIO + ("virtualService",)))
    for i, vs in enumerate(as_list(ist.get("virtualServices"))):
        entries.append((vs, ISTIO + ("virtualServices", i)))
    out: list[VirtualServiceRef] = []
    for entry, path in entries:
        raw = as_str(as_dict(entry).get("name"))
        if not raw:
            continue
        name, ns = split_vs_name(raw, ro.namespace)
        routes = entry.get("routes")
        out.append(VirtualServiceRef(
            name=name, namespace=ns, raw=raw, path=path,
            routes=[r for r in routes if isinstance(r, str)] if isinstance(routes, list) else None,
            tls_routes=[as_dict(r) for r in entry["tlsRoutes"]] if isinstance(entry.get("tlsRoutes"), list) else None,
            tcp_routes=[as_dict(r) for r in entry["tcpRoutes"]] if isinstance(entry.get("tcpRoutes"), list) else None,
        ))
    return out


@dataclass(frozen=True)
class DestinationRuleRef:
    name: str
    canary_subset: str | None
    stable_subset: str | None
    path: Path


@memo.per_resource
def destination_rule_ref(ro: Resource) -> DestinationRuleRef | None:
    dr = as_dict(istio(ro).get("destinationRule"))
    name = as_str(dr.get("name"))
    if not name:
        return None
    return DestinationRuleRef(name, as_str(dr.get("canarySubsetName")), as_str(dr.get("stableSubsetName")),
                              ISTIO + ("destinationRule",))


@dataclass
class PodTemplate:
    """The pod template the Rollout's ReplicaSets use: inline, or the workloadRef Deployment's."""

    labels: dict[str, str]
    annotations: dict[str, str]
    owner: Resource  # the Rollout, or the referenced Deployment
    path: Path  # path of the template inside `owner`
    via_workload_ref: bool = False
    missing_workload: bool = False  # workloadRef names a Deployment the repo does not hold
    extra: dict[str, Any] = field(default_factory=dict)


@memo.per_resource_in_index
def pod_template(ro: Resource, index: ResourceIndex) -> PodTemplate:
    ref = as_dict(dig(ro.body, "spec", "workloadRef"))
    if ref:
        name = as_str(ref.get("name"))
        kind = as_str(ref.get("kind"))
        target = index.find_one(kind, name, ro.namespace, near=ro) if name and kind else None
        if target is not None:
            # A PodTemplate holds its template at `template`; Deployments and ReplicaSets at `spec.template`.
            path: Path = ("template",) if target.kind == "PodTemplate" else ("spec", "template")
            tmpl = as_dict(dig(target.body, *path))
            return PodTemplate(_str_map(dig(tmpl, "metadata", "labels")), _str_map(dig(tmpl, "metadata", "annotations")),
                               target, path, via_workload_ref=True)
        return PodTemplate({}, {}, ro, ("spec", "workloadRef"), via_workload_ref=True, missing_workload=True)
    tmpl = as_dict(dig(ro.body, "spec", "template"))
    return PodTemplate(_str_map(dig(tmpl, "metadata", "labels")), _str_map(dig(tmpl, "metadata", "annotations")),
                       ro, ("spec", "template"))


@memo.per_resource_in_index
def pod_labels(ro: Resource, index: ResourceIndex) -> dict[str, dict[str, str]]:
    """Labels of the Rollout's pods in the cluster by role ("canary", "stable"); read-only."""
    template = pod_template(ro, index)
    return {"canary": canary_pod_labels(ro, template), "stable": stable_pod_labels(ro, template)}


def canary_pod_labels(ro: Resource, template: PodTemplate) -> dict[str, str]:
    """Labels canary pods carry in the cluster: template labels plus `canaryMetadata.labels`."""
    return {**template.labels, **_str_map(dig(canary(ro), "canaryMetadata", "labels"))}


def stable_pod_labels(ro: Resource, template: PodTemplate) -> dict[str, str]:
    return {**template.labels, **_str_map(dig(canary(ro), "stableMetadata", "labels"))}


def _str_map(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def is_ip(host: str) -> bool:
    # Cheap pre-check: hostnames are compared in hot loops, and parsing every one as an address is slow.
    if not host or not (host[0].isdigit() or ":" in host):
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=4096)  # pure, and asked for the same few hosts by many rules
def normalize_host(host: str, namespace: str | None) -> str:
    """Istio's short-name rule: a dot-less host is `<host>.<namespace of the object naming it>.svc.<domain>`.

    Hosts with dots are taken literally (Istio does not expand `svc.ns`). Unknown namespace: left short.
    """
    if host == "*" or host.startswith("*") or is_ip(host) or "." in host:
        return host
    if namespace is None:
        return host
    return f"{host}.{namespace}.svc.{DOMAIN}"


def host_short_name(host: str) -> str:
    """First DNS label, which is what the controller compares with `canaryService`/`stableService`."""
    return host.split(".", 1)[0]


@functools.lru_cache(maxsize=4096)
def hosts_match(a: str, a_ns: str | None, b: str, b_ns: str | None) -> bool:
    """Do two hosts, each as written in an object of the given namespace, name the same service?

    Unknown namespaces compare by short name only: a check never reports a mismatch it cannot know.
    """
    na, nb = normalize_host(a, a_ns), normalize_host(b, b_ns)
    if na == nb:
        return True
    if "*" in (a, b):
        return True
    for wild, other in ((na, nb), (nb, na)):
        if wild.startswith("*.") and other.endswith(wild[1:]):
            return True
    if a_ns is None or b_ns is None:
        return host_short_name(a) == host_short_name(b) and (_ns_of(na) in (None, _ns_of(nb)) or _ns_of(nb) is None)
    return False


def _ns_of(host: str) -> str | None:
    parts = host.split(".")
    return parts[1] if len(parts) >= 2 else None


def http_routes(vs: Resource) -> list[Any]:
    return as_list(dig(vs.body, "spec", "http"))


@memo.per_resource
def managed_route_names(ro: Resource) -> set[str]:
    return {n for n in (as_str(as_dict(m).get("name")) for m in as_list(traffic_routing(ro).get("managedRoutes"))) if n}

