"""Helpers shared by the RL3xx reference rules (no rules here).

They read a Rollout's Istio and Service references the way the Argo Rollouts controller does:
which VirtualService routes it patches, which destinations it treats as canary and stable, which
Services it points at. Nothing here raises on malformed input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from rolloutlint.views import refs
from rolloutlint.core.positions import Path
from rolloutlint.core.index import Resolution, ResourceIndex, resolve
from rolloutlint.core.model import Resource, as_dict, as_list, as_str, dig
from rolloutlint.core import memo

ISTIO_GROUP = "networking.istio.io"
MANAGED_BY = "argo-rollouts.argoproj.io/managed-by-rollouts"


@memo.per_resource
def uses_istio(ro: Resource) -> bool:
    return isinstance(refs.traffic_routing(ro).get("istio"), dict)


def find_istio(index: ResourceIndex, kind: str, name: str | None, namespace: str | None,
               near: Resource | None = None) -> Resource | None:
    """An Istio object (group networking.istio.io; App Mesh also has a `VirtualService` kind)."""
    return resolve_istio(index, kind, name, namespace, near).chosen


def resolve_istio(index: ResourceIndex, kind: str, name: str | None, namespace: str | None,
                  near: Resource | None = None) -> Resolution:
    """`find_istio` with the candidates it could not tell apart (lint and simulate draw through here). Several
    rules resolve each reference of a Rollout: answered once per referring object (read-only)."""
    if near is None:
        return resolve([r for r in index.find(kind, name, namespace) if r.group == ISTIO_GROUP], near, namespace)
    return memo.for_resource(near, "references.resolve_istio", (kind, name, namespace, id(index)), lambda: resolve(
        [r for r in index.find(kind, name, namespace) if r.group == ISTIO_GROUP], near, namespace))


@memo.per_resource_in_index
def referenced_destination_rule(ro: Resource, index: ResourceIndex) -> tuple[refs.DestinationRuleRef | None, Resource | None]:
    """The Rollout's `destinationRule` reference and the DestinationRule it resolves to (either may be None)."""
    ref = refs.destination_rule_ref(ro)
    if ref is None:
        return None, None
    return ref, find_istio(index, "DestinationRule", ref.name, ro.namespace, near=ro)


def find_service(index: ResourceIndex, name: str | None, namespace: str | None,
                 near: Resource | None = None) -> Resource | None:
    return resolve_service(index, name, namespace, near).chosen


def resolve_service(index: ResourceIndex, name: str | None, namespace: str | None,
                    near: Resource | None = None) -> Resolution:
    """A Service reference, answered once per referring object like `resolve_istio` (read-only)."""
    if near is None:
        return resolve([r for r in index.find("Service", name, namespace) if r.group == ""], near, namespace)
    return memo.for_resource(near, "references.resolve_service", (name, namespace, id(index)), lambda: resolve(
        [r for r in index.find("Service", name, namespace) if r.group == ""], near, namespace))


def renamed_in_unit(index: ResourceIndex, kind: str, name: str, near: Resource) -> Resource | None:
    """The object of `kind` that kustomize's namePrefix/nameSuffix made of `name` in `near`'s deployment unit.

    kustomize rewrites references only in the fields it knows: a Rollout's canaryService, stableService,
    templateName and route names keep the old name unless the kustomization loads Argo Rollouts' kustomize
    configuration, so after the rename the reference points at nothing."""
    unit = near.extra.get("unit")
    if not unit or not name:
        return None
    for res in index.of_kind(kind):
        if res.extra.get("unit") == unit and res.namespace == near.namespace and res.name and res.name != name \
                and name in res.name and (res.name.startswith(name) or res.name.endswith(name) or
                                         res.name.split(name, 1)[0].endswith("-")):
            return res
    return None


def renamed_hint(res: Resource) -> str:
    if not res.extra.get("rendered"):  # a plain directory deploys names as written: the object itself was renamed
        return f"; {res.kind} {res.name!r} in this namespace has a name like it: was it renamed?"
    return (f"; kustomize renamed it to {res.name!r} (namePrefix/nameSuffix) but does not rewrite this Rollout field: "
            "load Argo Rollouts' kustomize configuration (`openapi:` or `configurations:` from its Kustomize "
            "integration docs) in the kustomization")


def renamed_note(res: Resource) -> str:
    """The related location's message for `renamed_in_unit`'s object."""
    return f"the {res.kind} as kustomize named it" if res.extra.get("rendered") else f"{res.kind} {res.name}"


def ns_label(ns: str | None) -> str:
    return f"{ns}/" if ns else ""


# ---------------------------------------------------------------------------------------------------------
# Services named by the Rollout


@dataclass(frozen=True)
class ServiceRef:
    field: str  # e.g. "canaryService"
    name: str
    path: Path


@memo.per_resource
def service_refs(ro: Resource) -> list[ServiceRef]:
    """Every Service the controller looks up for this Rollout (RO401), with the field that names it."""
    out: list[ServiceRef] = []
    can = refs.canary(ro)
    bg = refs.blue_green(ro)
    for fld in ("canaryService", "stableService"):
        name = as_str(can.get(fld))
        if name:
            out.append(ServiceRef(fld, name, refs.CANARY + (fld,)))
    ping = as_dict(can.get("pingPong"))
    for fld in ("pingService", "pongService"):
        name = as_str(ping.get(fld))
        if name:
            out.append(ServiceRef(f"pingPong.{fld}", name, refs.CANARY + ("pingPong", fld)))
    for fld in ("activeService", "previewService"):
        name = as_str(bg.get(fld))
        if name:
            out.append(ServiceRef(fld, name, refs.BLUE_GREEN + (fld,)))
    return out


@memo.per_resource
def canary_stable_names(ro: Resource) -> tuple[str | None, str | None, bool]:
    """(canary, stable, ping_pong): the Service names the controller compares route hosts with.

    With ping-pong and no canary/stable Services the roles alternate between ping and pong.
    """
    can = refs.canary(ro)
    canary_svc, stable_svc = as_str(can.get("canaryService")), as_str(can.get("stableService"))
    ping = as_dict(can.get("pingPong"))
    if not canary_svc and not stable_svc and ping:
        return as_str(ping.get("pongService")), as_str(ping.get("pingService")), True
    return canary_svc, stable_svc, False


# ---------------------------------------------------------------------------------------------------------
# Which VirtualService routes the controller manages


@dataclass
class RouteIssue:
    kind: str  # "not-found" | "ambiguous"
    message: str
    ro_path: Path
    vs_path: Path
    vs_message: str


class Target(NamedTuple):
    """One destination of a managed route, read the way `processRoutes` reads it."""
    position: int  # in the route's destinations (not `index`: that would shadow tuple.index)
    dest: dict[str, Any]
    host: str  # as written; '' when missing
    subset: str | None
    role: str | None  # 'canary', 'stable' or None


@dataclass
class ManagedRoute:
    proto: str  # http | tls | tcp
    index: int
    route: dict[str, Any]

    @property
    def path(self) -> Path:
        return ("spec", self.proto, self.index)

    def label(self) -> str:
        name = as_str(self.route.get("name"))
        kind = self.proto.upper()
        return f"{kind} route '{name}'" if name else f"{kind} route {self.proto}[{self.index}]"

    def destinations(self) -> list[tuple[int, dict[str, Any]]]:
        found = self.__dict__.get("_destinations")  # asked by most reference rules; the route never changes
        if found is None:
            found = self.__dict__["_destinations"] = [(i, as_dict(d)) for i, d in enumerate(as_list(self.route.get("route")))]
        return found

    def targets(self, r: Roles) -> list[Target]:
        """Each destination with its host, subset and role. A route is selected for one Rollout, so its
        roles are those of that Rollout: read once for the several rules that ask."""
        cached = self.__dict__.get("_targets")
        if cached is not None and cached[0] is r:
            return cached[1]
        found = []
        for i, dest in self.destinations():
            d = as_dict(dest.get("destination"))
            host = as_str(d.get("host")) or ""
            subset = as_str(d.get("subset"))
            found.append(Target(i, dest, host, subset, _role(host, subset, r)))
        self.__dict__["_targets"] = (r, found)
        return found


@dataclass
class RouteSelection:
    routes: list[ManagedRoute] = field(default_factory=list)
    issues: list[RouteIssue] = field(default_factory=list)


def _port_of(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def select_routes(ro: Resource, ref: refs.VirtualServiceRef, vs: Resource) -> RouteSelection:
    """The routes of `vs` that SetWeight patches for this reference, and why a selection fails.

    Seven rules ask for the same selection; it is computed once per Rollout and reference (read-only)."""
    return memo.for_resource(ro, "references.select_routes", (ref.path, id(vs)),
                             lambda: _select_routes(ro, ref, vs))


def _select_routes(ro: Resource, ref: refs.VirtualServiceRef, vs: Resource) -> RouteSelection:
    sel = RouteSelection()
    spec = vs.spec
    vs_label = f"VirtualService {ns_label(vs.namespace)}{vs.name}"
    managed = refs.managed_route_names(ro)

    http = as_list(spec.get("http"))
    # Without `spec.http` the controller skips HTTP validation and patching altogether, so names listed in
    # `routes` are then ignored rather than reported (Argo's e2e TLS-only fixture relies on it).
    if isinstance(spec.get("http"), list):
        if ref.routes:
            for i, name in enumerate(ref.routes):
                idx = next((j for j, r in enumerate(http) if as_str(as_dict(r).get("name")) == name), None)
                if idx is None:
                    names = [n for n in (as_str(as_dict(r).get("name")) for r in http) if n]
                    have = f"it has {', '.join(repr(n) for n in names)}" if names else "its HTTP routes have no names"
                    sel.issues.append(RouteIssue(
                        "not-found",
                        f"HTTP route '{name}' listed in {vs_field(ref)}.routes is not in {vs_label} ({have})",
                        ref.path + ("routes", _route_index(ro, ref, i)), ("spec", "http"),
                        f"{vs_label} defines its HTTP routes here"))
                else:
                    sel.routes.append(ManagedRoute("http", idx, as_dict(http[idx])))
        elif "routes" in as_dict(dig(ro.body, *ref.path)) and not isinstance(dig(ro.body, *ref.path, "routes"), list):
            pass  # `routes` of the wrong type: the schema rules report it
        else:
            unmanaged = [j for j, r in enumerate(http) if as_str(as_dict(r).get("name")) not in managed
                         or as_str(as_dict(r).get("name")) is None]
            if len(unmanaged) > 1:
                sel.issues.append(RouteIssue(
                    "ambiguous",
                    f"{vs_field(ref)}.routes is omitted but {vs_label} has {len(unmanaged)} HTTP routes; the "
                    f"controller requires exactly one HTTP route when routes is omitted",
                    ref.path + ("name",), ("spec", "http"), f"{vs_label} has {len(unmanaged)} HTTP routes"))
            elif len(unmanaged) == 1:
                sel.routes.append(ManagedRoute("http", unmanaged[0], as_dict(http[unmanaged[0]])))

    for proto, key, with_sni in (("tls", "tlsRoutes", True), ("tcp", "tcpRoutes", False)):
        routes = as_list(spec.get(proto))
        if not isinstance(spec.get(proto), list) or not routes:
            continue
        wanted = ref.tls_routes if proto == "tls" else ref.tcp_routes
        if not wanted:
            if len(routes) > 1:
                sel.issues.append(RouteIssue(
                    "ambiguous",
                    f"{vs_field(ref)}.{key} is omitted but {vs_label} has {len(routes)} {proto.upper()} routes; the "
                    f"controller requires exactly one {proto.upper()} route when {key} is omitted",
                    ref.path + ("name",), ("spec", proto), f"{vs_label} has {len(routes)} {proto.upper()} routes"))
            else:
                sel.routes.append(ManagedRoute(proto, 0, as_dict(routes[0])))
            continue
        seen: set[int] = set()
        for i, entry in enumerate(wanted):
            want_port = _port_of(entry.get("port"))
            want_sni = [s for s in as_list(entry.get("sniHosts")) if isinstance(s, str)]
            hits = []
            for j, r in enumerate(routes):
                ports: set[int] = set()
                sni: set[str] = set()
                for m in as_list(as_dict(r).get("match")):
                    ports.add(_port_of(as_dict(m).get("port")))
                    sni.update(s for s in as_list(as_dict(m).get("sniHosts")) if isinstance(s, str))
                if len(ports) > 1:
                    continue
                port = next(iter(ports), 0)
                if port != want_port:
                    continue
                if with_sni and (len(sni) != len(want_sni) or sni != set(want_sni)):
                    continue
                hits.append(j)
            if not hits:
                what = f"port {want_port}" + (f" and sniHosts {sorted(set(want_sni))}" if with_sni else "")
                sel.issues.append(RouteIssue(
                    "not-found",
                    f"no {proto.upper()} route of {vs_label} matches {vs_field(ref)}.{key}[{i}] ({what}); a route "
                    f"matches when all its match blocks use that single port"
                    + (" and exactly those SNI hosts" if with_sni else ""),
                    ref.path + (key, i), ("spec", proto), f"{vs_label} defines its {proto.upper()} routes here"))
            for j in hits:
                if j not in seen:
                    seen.add(j)
                    sel.routes.append(ManagedRoute(proto, j, as_dict(routes[j])))
    return sel


def vs_field(ref: refs.VirtualServiceRef) -> str:
    if ref.path[-1] == "virtualService":
        return "istio.virtualService"
    return f"istio.virtualServices[{ref.path[-1]}]"


def _route_index(ro: Resource, ref: refs.VirtualServiceRef, i: int) -> int:
    """Index in the raw `routes` list of the i-th string entry (refs drops non-strings)."""
    raw = as_list(dig(ro.body, *ref.path, "routes"))
    count = -1
    for j, r in enumerate(raw):
        if isinstance(r, str):
            count += 1
            if count == i:
                return j
    return i


@memo.per_resource_in_index
@memo.per_resource_in_index
def referenced_virtual_services(ro: Resource, index: ResourceIndex) -> list[tuple[refs.VirtualServiceRef, Resource]]:
    """The Rollout's VirtualService references that resolve (every reference rule walks them; read-only)."""
    return [(ref, vs) for ref in refs.virtual_service_refs(ro)
            if (vs := find_istio(index, "VirtualService", ref.name, ref.namespace, near=ro)) is not None]


# ---------------------------------------------------------------------------------------------------------
# Destinations inside one managed route


@dataclass(frozen=True)
class Roles:
    canary_svc: str | None
    stable_svc: str | None
    canary_subset: str | None
    stable_subset: str | None
    additional_subsets: frozenset[str]
    ping_pong: bool


@memo.per_resource
def roles(ro: Resource) -> Roles:
    canary_svc, stable_svc, pp = canary_stable_names(ro)
    dr = as_dict(refs.istio(ro).get("destinationRule"))
    extra = frozenset(s for s in as_list(dr.get("additionalSubsetNames")) if isinstance(s, str))
    if dr:
        return Roles(canary_svc, stable_svc, as_str(dr.get("canarySubsetName")), as_str(dr.get("stableSubsetName")),
                     extra, pp)
    return Roles(canary_svc, stable_svc, None, None, extra, pp)


def controller_host(host: str) -> str:
    """The controller's `getHost`: text before the first dot ('' when the host starts with a dot)."""
    return host.split(".", 1)[0]


def _role(host: str, subset: str | None, r: Roles) -> str | None:
    """'canary', 'stable' or None, in the controller's order (`processRoutes`)."""
    host = controller_host(host)
    if not host:
        return None
    if (r.canary_svc and host == r.canary_svc) or (subset and subset == r.canary_subset):
        return "canary"
    if (r.stable_svc and host == r.stable_svc) or (subset and subset == r.stable_subset):
        return "stable"
    return None


def weight_of(dest: dict[str, Any]) -> int | None:
    w = dest.get("weight")
    if w is None:
        return 0
    if isinstance(w, int) and not isinstance(w, bool):
        return w
    return None  # not a number: the schema rules report it


def pod_selector_matches(selector: dict[str, Any], labels: dict[str, str]) -> list[str]:
    """Selector keys (except the controller-injected pod-template hash) the labels do not satisfy."""
    bad = []
    for k, v in selector.items():
        if k == refs.POD_TEMPLATE_HASH:
            continue
        if labels.get(str(k)) != str(v):
            bad.append(str(k))
    return bad


# ---------------------------------------------------------------------------------------------------------
# Fix suggestions for misspelled references


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance with adjacent transpositions counted as one edit."""
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if prev2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[len(b)]


def unique_near(name: str, candidates: list[str], max_distance: int = 2) -> str | None:
    """The one candidate a misspelled name most plausibly means: the only one within a small edit distance
    (at most `max_distance`, and at most a third of the name's length). None when none or several are."""
    limit = min(max_distance, max(1, len(name) // 3))
    near = {c for c in candidates if c != name and edit_distance(name, c) <= limit}
    return near.pop() if len(near) == 1 else None
