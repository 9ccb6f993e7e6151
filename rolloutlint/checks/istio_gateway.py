"""RL207–RL209, RL217: VirtualService ↔ Gateway: references, hosts, and ingress routes that bypass a split."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rolloutlint.views import refs
from rolloutlint.views import istio_hosts as ih
from rolloutlint.core.findings import Edit, Fix, RelatedRef, Report, Severity
from rolloutlint.core.model import as_dict, as_list, as_str
from rolloutlint.core.rule import Rule, register

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context
    from rolloutlint.core.model import Resource


def _gateways(ctx: "Context") -> list["Resource"]:
    return ih.cached(ctx.index, "gateways", lambda: [g for g in ctx.index.of_kind("Gateway")
                                                     if g.group in (ih.ISTIO_GROUP, ih.K8S_GATEWAY_GROUP)])


def find_gateway(name: str, ns: str | None, ctx: "Context") -> "Resource | None":
    """Istio Gateway first, then a Kubernetes Gateway, as istioctl's GatewayAnalyzer looks them up."""
    hits = [g for g in _gateways(ctx) if g.name == name and (g.namespace is None or ns is None or g.namespace == ns)]
    hits.sort(key=lambda g: (g.group != ih.ISTIO_GROUP, g.namespace != ns))
    return hits[0] if hits else None


@refs.per_resource
def gateway_refs(vs: "Resource") -> list[tuple[Any, str]]:
    """(path, value) of every gateway named by the VirtualService: `spec.gateways` and match-level ones."""
    return list(_gateway_refs(vs))


def _gateway_refs(vs: "Resource") -> Iterator[tuple[Any, str]]:
    for i, g in enumerate(as_list(vs.spec.get("gateways"))):
        if isinstance(g, str):
            yield ("spec", "gateways", i), g
    for proto in ("http", "tcp", "tls"):
        for k, rule in enumerate(as_list(vs.spec.get(proto))):
            for m, match in enumerate(as_list(as_dict(rule).get("match"))):
                for j, g in enumerate(as_list(as_dict(match).get("gateways"))):
                    if isinstance(g, str):
                        yield ("spec", proto, k, "match", m, "gateways", j), g


@register
class VirtualServiceGatewayNotFound(Rule):
    """A VirtualService is bound to a Gateway that does not exist.

    ## What it checks
    Every entry of `spec.gateways` and of `http/tcp/tls[].match[].gateways` other than `mesh` is resolved as
    Istio resolves it (`ns/name`, `./name` and a bare name in the VirtualService's namespace, legacy
    `name.ns.svc.cluster.local`) and looked up among Istio and Kubernetes Gateways. Gateways are often owned
    by a platform repository, so a missing one is only reported when the repository holds a Gateway that
    could be in the referenced namespace (same namespace, or either namespace unknown); `external` entries of
    kind `Gateway` in `.rolloutlint.yaml` are never reported. A reference that is not `namespace/name` (or a
    bare name) made of DNS-1123 labels is reported as invalid (Istio's validation rejects it).

    ## Why it matters
    The routes of a VirtualService bound to a non-existent gateway are not programmed on any ingress proxy:
    the host answers `404 NR` at the edge, so a canary behind it receives no user traffic.

    ## How to fix
    Correct the gateway name (`namespace/name`), or add the Gateway.

    ## Upstream
    Mirrors Istio IST0101 `ReferencedResourceNotFound` (`Referenced gateway not found: "httpbin-gateway-bogus"`)
    and Kiali KIA1102 (`VirtualService is pointing to a non-existent gateway`, which also checks match-level
    gateways); Istio validation `invalid value for gateway name: %q` / `config namespace and gateway name
    cannot be empty` for malformed references.
    """

    id = "RL207"
    name = "virtualservice-gateway-not-found"
    severity = Severity.ERROR
    summary = "VirtualService is bound to a Gateway that does not exist"
    kinds = ("VirtualService",)
    mirrors = ("Istio IST0101 `Referenced gateway not found: \"httpbin-gateway-bogus\"`; "
               "Kiali KIA1102 `VirtualService is pointing to a non-existent gateway`")

    def check(self, vs: "Resource", ctx: "Context") -> Iterator[Report]:
        if not ih.is_istio(vs):
            return
        gws = _gateways(ctx)
        for path, raw in gateway_refs(vs):
            if raw == ih.MESH or not raw:
                continue
            name, ns = ih.gateway_ref(raw, vs.namespace)
            if not _valid_ref(raw):
                yield self.report(vs, path, f"gateway reference {raw!r} is not valid: use <namespace>/<name> with "
                                  f"DNS-1123 labels, or a bare name; Istio rejects the VirtualService")
                continue
            if find_gateway(name, ns, ctx) is not None or ctx.index.is_external("Gateway", name, ns):
                continue
            if not any(g.namespace is None or ns is None or g.namespace == ns for g in gws):
                continue  # the repository holds no Gateways of that namespace: managed elsewhere
            where = f"namespace {ns!r}" if ns else "the repository"
            yield self.report(vs, path, f"gateway {raw!r} not found: no Gateway {name!r} in {where}")


def _valid_ref(raw: str) -> bool:
    if "/" in raw:
        ns, _, name = raw.partition("/")
        return (ns == "." or bool(ih.DNS1123_LABEL.match(ns))) and bool(ih.DNS1123_LABEL.match(name))
    return all(ih.DNS1123_LABEL.match(p) for p in raw.split("."))


def _istio_gateway_hosts(gw: "Resource", vs_ns: str | None) -> list[str]:
    """Server hosts of an Istio Gateway visible to a VirtualService of `vs_ns` (`ns/host` entries of other
    namespaces dropped, `./host` meaning the Gateway's namespace)."""
    out = []
    for server in as_list(gw.spec.get("servers")):
        for h in as_list(as_dict(server).get("hosts")):
            if not isinstance(h, str):
                continue
            if "/" in h:
                ns, _, host = h.partition("/")
                if ns == ".":
                    ns = gw.namespace or "."
                if ns not in ("*", ".") and vs_ns is not None and ns != vs_ns:
                    continue
                out.append(host)
            else:
                out.append(h)
    return out


def _k8s_gateway_hosts(gw: "Resource") -> list[str]:
    out = []
    for listener in as_list(gw.spec.get("listeners")):
        h = as_str(as_dict(listener).get("hostname"))
        out.append(h or "*")
    return out


@register
class VirtualServiceHostNotInGateway(Rule):
    """None of a VirtualService's hosts is served by a Gateway it is bound to.

    ## What it checks
    For each Gateway in `spec.gateways` (other than `mesh`) that the repository holds, at least one of the
    VirtualService's `hosts` must match (wildcards on either side, as Istio's `host.Name.Matches`) a host of
    the Gateway's servers that is visible to the VirtualService's namespace (`ns/host` only for that namespace
    or `*`, `./host` only for the Gateway's own namespace). For a Kubernetes Gateway a listener without
    `hostname` matches every host. Missing Gateways are RL207's.

    ## Why it matters
    The Gateway's proxy only builds virtual hosts for the hosts its servers declare; the VirtualService's
    routes are not attached to it and requests get `404 NR` at the ingress.

    ## How to fix
    Add the host to the Gateway's `servers[].hosts` (with a namespace the VirtualService can use), or fix the
    VirtualService's `hosts`.

    ## Upstream
    Mirrors Istio IST0132 `VirtualServiceHostNotFoundInGateway` (`one or more host %v defined in
    VirtualService %s not found in Gateway %s.`).
    """

    id = "RL208"
    name = "virtualservice-host-not-in-gateway"
    severity = Severity.WARNING
    summary = "No host of the VirtualService is served by its Gateway"
    kinds = ("VirtualService",)
    mirrors = "Istio IST0132 `one or more host %v defined in VirtualService %s not found in Gateway %s.`"

    def check(self, vs: "Resource", ctx: "Context") -> Iterator[Report]:
        if not ih.is_istio(vs):
            return
        hosts = ih.vs_hosts(vs)
        if not hosts:
            return
        for i, raw in enumerate(as_list(vs.spec.get("gateways"))):
            if not isinstance(raw, str) or raw == ih.MESH:
                continue
            name, ns = ih.gateway_ref(raw, vs.namespace)
            gw = find_gateway(name, ns, ctx)
            if gw is None:
                continue
            gw_hosts = (_k8s_gateway_hosts(gw) if gw.group == ih.K8S_GATEWAY_GROUP
                        else _istio_gateway_hosts(gw, vs.namespace))
            if any(ih.host_matches(g, h) for g in gw_hosts for h in hosts):
                continue
            served = ", ".join(gw_hosts) if gw_hosts else "no hosts"
            yield self.report(vs, ("spec", "gateways", i),
                              f"no host of this VirtualService ({', '.join(hosts)}) is served by Gateway "
                              f"{ih.label(gw)} (visible hosts: {served}); its routes are not attached to that gateway",
                              related=[RelatedRef(gw, ("spec",), f"Gateway {ih.label(gw)}")])


@register
class GatewayRouteBypassesSubsetSplit(Rule):
    """A gateway-bound VirtualService routes to a host whose mesh VirtualService splits traffic.

    ## What it checks
    For a VirtualService bound to a gateway other than `mesh`, each HTTP route destination without `subset`
    whose host is also a host of a mesh-bound VirtualService (gateways empty or `mesh`) that routes that host
    with subsets, or splits it over several weighted destinations. Hosts are compared after short-name
    expansion. The two VirtualServices are only compared when their files share a directory or one directory
    contains the other; objects of unknown namespace only within one file.

    ## Why it matters
    Mesh VirtualServices are not applied at ingress gateways: requests entering through the gateway go
    straight to the destination (all pods of the Service), so the canary/stable split the Rollout maintains in
    the mesh VirtualService does not apply to external traffic — users hit canary pods in proportion to pod
    count, not to `setWeight`.

    ## How to fix
    Route the gateway VirtualService to the same subsets (and list it in the Rollout's
    `trafficRouting.istio.virtualServices` so its weights are managed), or bind the mesh VirtualService to the
    gateway too (`gateways: [mesh, <gateway>]`).

    ## Upstream
    Mirrors Istio IST0140 `IngressRouteRulesNotAffected` (`Subset in virtual service %s has no effect on
    ingress gateway %s requests`), extended from literal host comparison to Istio host resolution and to
    host-level (weighted) splits.
    """

    id = "RL209"
    name = "gateway-route-bypasses-subset-split"
    severity = Severity.WARNING
    summary = "Gateway VirtualService routes around the mesh VirtualService's split"
    kinds = ("VirtualService",)
    mirrors = "Istio IST0140 `Subset in virtual service %s has no effect on ingress gateway %s requests`"

    def check(self, vs: "Resource", ctx: "Context") -> Iterator[Report]:
        if not ih.is_istio(vs) or not any(g != ih.MESH for g in ih.vs_gateways(vs)):
            return
        meshes = [m for m in ih.istio_objects(ctx.index, "VirtualService")
                  if m is not vs and ih.is_mesh_bound(m) and ih.could_coexist(vs, m)]
        if not meshes:
            return
        for d in ih.destinations(vs, mirrors=False):
            if d.proto != "http" or d.subset or not d.host:
                continue
            for m in meshes:
                why = _split_of(m, d.host, vs.namespace)
                if why:
                    yield self.report(vs, d.path + ("host",),
                                      f"ingress traffic to {d.host!r} bypasses the split of mesh VirtualService "
                                      f"{ih.label(m)} ({why}); mesh routing rules have no effect on gateway requests",
                                      related=[RelatedRef(m, ("spec", "http"), f"mesh VirtualService {ih.label(m)}")])
                    break


def _split_of(m: "Resource", host: str, host_ns: str | None) -> str | None:
    if not any(ih.same_service_host(host, host_ns, h, m.namespace) for h in ih.vs_hosts(m)):
        return None
    subsets = sorted({d.subset for d in ih.destinations(m, mirrors=False)
                      if d.proto == "http" and d.subset and d.host and ih.same_service_host(host, host_ns, d.host, m.namespace)})
    if subsets:
        return f"it routes to subsets {', '.join(subsets)}"
    for rule in as_list(m.spec.get("http")):
        dests = {(as_str(as_dict(as_dict(r).get("destination")).get("host")), as_dict(as_dict(r).get("destination")).get("subset"))
                 for r in as_list(as_dict(rule).get("route"))}
        if len(dests) > 1:
            return "it splits traffic over " + ", ".join(sorted(str(h) for h, _ in dests))
    return None


@register
class LegacyGatewayName(Rule):
    """A VirtualService names a gateway in the legacy `name.namespace` form.

    ## What it checks
    Entries of `spec.gateways` and match-level `gateways` without `/` that contain a dot
    (`my-gw.istio-system.svc.cluster.local`).

    ## Why it matters
    Istio still resolves the form but warns on every apply and may drop it; rolloutlint and other tools
    resolve `namespace/name` unambiguously.

    ## How to fix
    Write `istio-system/my-gw`.

    ## Upstream
    Mirrors Istio validation warning IST0133 (`using legacy gatewayName format %q; prefer the
    <namespace>/<name> format: %q`) and Kiali KIA1108 (`Preferred nomenclature: <gateway namespace>/<gateway
    name>`).
    """

    id = "RL217"
    name = "legacy-gateway-name"
    severity = Severity.INFO
    summary = "Gateway reference uses the legacy name.namespace form"
    kinds = ("VirtualService",)
    fixable = True
    mirrors = ("Istio IST0133 `using legacy gatewayName format %q; prefer the <namespace>/<name> format: %q`; "
               "Kiali KIA1108 `Preferred nomenclature: <gateway namespace>/<gateway name>`")

    def check(self, vs: "Resource", ctx: "Context") -> Iterator[Report]:
        if not ih.is_istio(vs):
            return
        for path, raw in gateway_refs(vs):
            if "/" in raw or "." not in raw:
                continue
            name, ns = ih.gateway_ref(raw, vs.namespace)
            new = f"{ns}/{name}"
            yield self.report(vs, path, f"using legacy gateway name format {raw!r}; prefer the <namespace>/<name> "
                              f"format: {new!r}", fix=Fix(f"replace with {new!r}", (Edit("set", path, new),)))
