"""RL300–RL315: a Rollout's Istio references — VirtualService, its routes and destinations, DestinationRule.

All rules report on the Rollout (the object that names the reference) and put the VirtualService or
DestinationRule in `related`. Non-Istio traffic routing is never looked at.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rolloutlint.views import refs
from rolloutlint.views.references import (
    find_istio, find_service, ns_label, referenced_destination_rule, referenced_virtual_services, roles, select_routes,
    uses_istio, vs_field, weight_of, ManagedRoute, unique_near,
)
from rolloutlint.core.findings import Edit, Fix, RelatedRef, Report, Severity
from rolloutlint.core.index import ResourceIndex
from rolloutlint.core.model import Resource, as_dict, as_list, as_str, dig
from rolloutlint.core.rule import Rule, register
from rolloutlint.core import memo

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context

FQDN_RE = re.compile(r"^([^.]+)\.([^.]+)\.svc\." + re.escape(refs.DOMAIN) + r"$")


def _vs_label(vs: Resource) -> str:
    return f"VirtualService {ns_label(vs.namespace)}{vs.name}"


def _dr_label(dr: Resource) -> str:
    return f"DestinationRule {ns_label(dr.namespace)}{dr.name}"


def _managed(ro: Resource, ctx: "Context") -> list[tuple[refs.VirtualServiceRef, Resource, ManagedRoute]]:
    return _managed_routes(ro, ctx.index)


@memo.per_resource_in_index
def _managed_routes(ro: Resource, index: ResourceIndex) -> list[tuple[refs.VirtualServiceRef, Resource, ManagedRoute]]:
    return [(ref, vs, route) for ref, vs in referenced_virtual_services(ro, index) for route in select_routes(ro, ref, vs).routes]


def _desc(host: str, subset: str | None) -> str:
    return f"host '{host}'" + (f" subset '{subset}'" if subset else "")


def _dest_path(route: ManagedRoute, i: int) -> tuple[Any, ...]:
    return route.path + ("route", i)


def _destination_rule(ro: Resource, ctx: "Context") -> tuple[refs.DestinationRuleRef | None, Resource | None]:
    return referenced_destination_rule(ro, ctx.index)


@memo.per_resource
def _subsets(dr: Resource) -> list[tuple[int, dict[str, Any]]]:
    return [(i, as_dict(s)) for i, s in enumerate(as_list(dig(dr.body, "spec", "subsets")))]


@register
class IstioVirtualServiceConfig(Rule):
    """Istio traffic routing sets both or neither of `virtualService` and `virtualServices`.

    ## What it checks
    `trafficRouting.istio` must set exactly one of `virtualService` (one object) and `virtualServices`
    (a list). A list that is present but empty still counts as set.

    ## Why it matters
    The controller refuses the Rollout: its `InvalidSpec` condition reads `either VirtualService or
    VirtualServices must be configured` and no traffic is shifted.

    ## How to fix
    Keep one form: `virtualService: {name: ...}` for a single VirtualService, or `virtualServices:` with
    one entry per VirtualService.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutVirtualServicesConfig` (`spec.strategy.canary.trafficRouting.istio:
    Internal error: either VirtualService or VirtualServices must be configured`).
    """

    id = "RL300"
    name = "istio-virtualservice-config"
    severity = Severity.ERROR
    summary = "Istio traffic routing must set exactly one of virtualService and virtualServices"
    kinds = ("Rollout",)
    mirrors = "Argo Rollouts: `either VirtualService or VirtualServices must be configured`"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        if not uses_istio(ro):
            return
        ist = refs.istio(ro)
        single = ist.get("virtualService") is not None
        multi = isinstance(ist.get("virtualServices"), list)
        if single and multi:
            yield self.report(ro, refs.ISTIO + ("virtualServices",), "trafficRouting.istio sets both virtualService "
                              "and virtualServices; the controller accepts exactly one of them", key=True)
        elif not single and not multi:
            yield self.report(ro, refs.ISTIO, "trafficRouting.istio sets neither virtualService nor virtualServices; "
                              "the controller needs exactly one of them to know which VirtualService to update",
                              key=True)


@register
class VirtualServiceNotFound(Rule):
    """The VirtualService a Rollout names is not in the project.

    ## What it checks
    Every `istio.virtualService.name` / `istio.virtualServices[].name` must name a VirtualService
    (`networking.istio.io`) in the project. The name may be `name.namespace`; otherwise the VirtualService
    must be in the Rollout's namespace. VirtualServices declared under `external` in `.rolloutlint.yaml`
    are taken to exist.

    Reported at the Rollout's `virtualService.name` (or `virtualServices[].name`); a VirtualService of that name
    in another namespace is related.

    ## Why it matters
    The controller marks the Rollout `InvalidSpec` (`virtualservices.networking.istio.io "x" not found`)
    and emits `VirtualServiceNotFound` events; no canary traffic is ever shifted.

    ## How to fix
    Add the VirtualService to the repository, correct the name (or its `.namespace` suffix), or declare it
    under `external` when another repository manages it.

    ## Upstream
    Mirrors Argo Rollouts reference validation (`spec.strategy.canary.trafficRouting.istio.virtualService.name:
    Invalid value: "vs": virtualservices.networking.istio.io "vs" not found`). `kubectl argo rollouts lint`
    skips this check; rolloutlint indexes the whole project, so an absent object is reported.
    """

    id = "RL301"
    name = "virtualservice-not-found"
    severity = Severity.ERROR
    summary = "Referenced Istio VirtualService is not in the project"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Argo Rollouts: `virtualservices.networking.istio.io \"x\" not found`"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        if not uses_istio(ro):
            return
        for ref in refs.virtual_service_refs(ro):
            if not ref.name:
                continue
            if find_istio(ctx.index, "VirtualService", ref.name, ref.namespace, near=ro) is not None:
                continue
            if ctx.index.is_external("VirtualService", ref.name, ref.namespace):
                continue
            other = [r for r in ctx.index.named("VirtualService", ref.name) if r.group == "networking.istio.io"]
            hint = ""
            if other:
                hint = f" (a VirtualService {ref.name} exists in namespace {other[0].namespace}; write '{ref.name}." \
                       f"{other[0].namespace}' to point there)"
            yield self.report(ro, ref.path + ("name",),
                              f"{vs_field(ref)}.name '{ref.raw}' of Rollout {ro.name} names VirtualService "
                              f"{ns_label(ref.namespace)}{ref.name}, which is not in the project{hint}",
                              related=[RelatedRef(other[0], ("metadata", "name"), "VirtualService with that name")] if other else ())


@register
class VirtualServiceHasNoRoutes(Rule):
    """The referenced VirtualService has no `http`, `tls` or `tcp` routes.

    ## What it checks
    A VirtualService named by a Rollout must define at least one of `spec.http`, `spec.tls`, `spec.tcp`.

    Reported at the Rollout's `virtualService.name`; the VirtualService's `spec` is related.

    ## Why it matters
    The controller cannot find any route to weight and marks the Rollout `InvalidSpec` (`Unable to get any
    of the HTTP, TCP or TLS routes for the Istio VirtualService`).

    ## How to fix
    Add the route with the stable and canary destinations to the VirtualService, or point the Rollout at the
    VirtualService that has it.

    ## Upstream
    Mirrors Argo Rollouts `ValidateVirtualService` (`Unable to get any of the HTTP, TCP or TLS routes for the
    Istio VirtualService`).
    """

    id = "RL302"
    name = "virtualservice-has-no-routes"
    severity = Severity.ERROR
    summary = "Referenced VirtualService has no http, tls or tcp routes"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Argo Rollouts: `Unable to get any of the HTTP, TCP or TLS routes for the Istio VirtualService`"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        if not uses_istio(ro):
            return
        for ref, vs in referenced_virtual_services(ro, ctx.index):
            if not any(isinstance(vs.spec.get(k), list) for k in ("http", "tls", "tcp")):
                yield self.report(ro, ref.path + ("name",),
                                  f"{_vs_label(vs)} has no http, tls or tcp routes, so Rollout {ro.name} has nothing to "
                                  f"shift traffic on", related=[RelatedRef(vs, ("spec",), f"{_vs_label(vs)} has no routes")])


@register
class VirtualServiceRouteNotFound(Rule):
    """A route the Rollout lists is not in the VirtualService.

    ## What it checks
    Each name in `virtualService.routes` must be the `name` of an HTTP route of that VirtualService. Each
    `tlsRoutes[]` entry must match a TLS route and each `tcpRoutes[]` entry a TCP route, the way the
    controller matches them: a route is a candidate only when all its `match` blocks use a single port (no
    port counts as 0); its port must equal the entry's `port` (0 when unset), and for TLS the union of its
    `sniHosts` must be exactly the entry's `sniHosts`.

    Reported at the route name in the Rollout's `routes` (or its `tlsRoutes`/`tcpRoutes` entry); the
    VirtualService's routes are related.

    ## Why it matters
    The controller marks the Rollout `InvalidSpec`: `Istio VirtualService has invalid HTTP routes. Error: HTTP
    Route 'x' is not found in the defined Virtual Service.` (or `No matching TLS routes found ...` / `No
    matching TCP routes found ...`) and never shifts traffic.

    ## How to fix
    Name the route in the VirtualService (`http[].name`) exactly as the Rollout lists it, or fix the port /
    SNI hosts of the `tlsRoutes` / `tcpRoutes` entry. When exactly one unlisted HTTP route has a close name,
    `--fix --unsafe-fixes` writes that name in the Rollout (unsafe: the VirtualService may be the side to
    change).

    ## Upstream
    Mirrors Argo Rollouts `getHttpRouteIndexesToPatch` / `getTlsRouteIndexesToPatch` /
    `getTcpRouteIndexesToPatch` (`HTTP Route 'x' is not found in the defined Virtual Service.`, `No matching TLS
    routes found in the defined Virtual Service.`, `No matching TCP routes found in the defined Virtual
    Service.`). Istio itself never validates route names.
    """

    id = "RL303"
    name = "virtualservice-route-not-found"
    severity = Severity.ERROR
    summary = "Route listed by the Rollout is not in the VirtualService"
    kinds = ("Rollout",)
    cross_resource = True
    fixable = True
    mirrors = "Argo Rollouts: `HTTP Route 'x' is not found in the defined Virtual Service.`"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        if not uses_istio(ro):
            return
        for ref, vs in referenced_virtual_services(ro, ctx.index):
            for issue in select_routes(ro, ref, vs).issues:
                if issue.kind == "not-found":
                    yield self.report(ro, issue.ro_path, issue.message, fix=_route_fix(ro, ref, vs, issue.ro_path),
                                      related=[RelatedRef(vs, issue.vs_path, issue.vs_message)])


def _route_fix(ro: Resource, ref: refs.VirtualServiceRef, vs: Resource, path: tuple[Any, ...]) -> Fix | None:
    """A misspelled HTTP route name with exactly one close, not yet listed VirtualService route (unsafe:
    the Rollout may mean a route that is missing from the VirtualService)."""
    name = as_str(dig(ro.body, *path))
    if name is None or len(path) < 2 or path[-2] != "routes":
        return None
    listed = set(ref.routes or ())
    names = [n for n in (as_str(as_dict(r).get("name")) for r in as_list(vs.spec.get("http"))) if n and n not in listed]
    hint = unique_near(name, names)
    if hint is None:
        return None
    return Fix(f"use route {hint!r} of {_vs_label(vs)}", (Edit("set", path, hint),), safe=False)


@register
class VirtualServiceRouteAmbiguous(Rule):
    """The Rollout omits `routes` (or `tlsRoutes` / `tcpRoutes`) but the VirtualService has several.

    ## What it checks
    When `virtualService.routes` is omitted, the VirtualService may have only one HTTP route that is not a
    `managedRoutes` route. When `tlsRoutes` (`tcpRoutes`) is omitted, it may have only one TLS (TCP) route.

    Reported at the Rollout's `virtualService` reference, where the routes are to be listed; the
    VirtualService's routes are related.

    ## Why it matters
    The controller cannot tell which route to weight and marks the Rollout `InvalidSpec` (`spec.http[] should
    be set in VirtualService and it must have exactly one route when omitting
    spec.strategy.canary.trafficRouting.istio.virtualService.routes`).

    ## How to fix
    Name the routes (`http[].name`) and list the ones to weight in `virtualService.routes`; for TLS/TCP, list
    `tlsRoutes` / `tcpRoutes` entries by port (and SNI hosts).

    ## Upstream
    Mirrors Argo Rollouts `ValidateHTTPRoutes` / `ValidateTlsRoutes` / `ValidateTcpRoutes` (`... it must have
    exactly one route when omitting spec.strategy.canary.trafficRouting.istio.virtualService.routes`).
    """

    id = "RL304"
    name = "virtualservice-route-ambiguous"
    severity = Severity.ERROR
    summary = "Rollout omits the route list but the VirtualService has several routes"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Argo Rollouts: `spec.http[] should be set in VirtualService and it must have exactly one route when omitting ...routes`"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        if not uses_istio(ro):
            return
        for ref, vs in referenced_virtual_services(ro, ctx.index):
            for issue in select_routes(ro, ref, vs).issues:
                if issue.kind == "ambiguous":
                    yield self.report(ro, issue.ro_path, issue.message,
                                      related=[RelatedRef(vs, issue.vs_path, issue.vs_message)])


@register
class VirtualServiceRouteImplicitlyManaged(Rule):
    """The controller will also weight a TLS/TCP route the Rollout does not list.

    ## What it checks
    A referenced VirtualService has `tls` (or `tcp`) routes, the Rollout does not list `tlsRoutes`
    (`tcpRoutes`) for it, and it does select other routes of that VirtualService explicitly (or the
    VirtualService also has routes of another protocol).

    Reported at the Rollout's `virtualService.name`, where `tlsRoutes`/`tcpRoutes` is to be listed; the
    VirtualService route is related.

    ## Why it matters
    When `tlsRoutes` / `tcpRoutes` is omitted the controller still takes the first TLS / TCP route, requires
    the canary and stable destinations in it and rewrites its weights on every step. Teams that list only
    HTTP `routes` are surprised to see TLS/TCP traffic shifted, or the Rollout failing with `Istio
    VirtualService has invalid TLS routes`.

    ## How to fix
    List the route explicitly (`tlsRoutes: [{port: 443, sniHosts: [...]}]` / `tcpRoutes: [{port: ...}]`) so
    the intent is visible, or move the TLS/TCP route to a VirtualService the Rollout does not reference.

    ## Upstream
    Derived from Argo Rollouts `getTlsRouteIndexesToPatch` / `getTcpRouteIndexesToPatch` (route index 0 is
    selected when the list is empty); not reported by Argo.
    """

    id = "RL305"
    name = "virtualservice-route-implicitly-managed"
    severity = Severity.WARNING
    summary = "Controller implicitly weights a TLS/TCP route the Rollout does not list"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Argo Rollouts `getTlsRouteIndexesToPatch` / `getTcpRouteIndexesToPatch` (derived, no upstream message)"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        if not uses_istio(ro):
            return
        for ref, vs in referenced_virtual_services(ro, ctx.index):
            spec = vs.spec
            present = {p for p in ("http", "tls", "tcp") if as_list(spec.get(p))}
            explicit = bool(ref.routes) or bool(ref.tls_routes) or bool(ref.tcp_routes)
            for proto, key, listed in (("tls", "tlsRoutes", ref.tls_routes), ("tcp", "tcpRoutes", ref.tcp_routes)):
                routes = as_list(spec.get(proto))
                if not routes or listed or len(routes) > 1:  # >1 is RL304's error
                    continue
                if not explicit and present == {proto}:
                    continue  # a single-protocol VirtualService with nothing listed: the intended default
                yield self.report(ro, ref.path + ("name",),
                                  f"{key} is not listed for {_vs_label(vs)}, so the controller also weights its "
                                  f"{proto.upper()} route {proto}[0]; list it in {key} to make that explicit",
                                  related=[RelatedRef(vs, ("spec", proto, 0), f"{proto.upper()} route weighted implicitly "
                                                      f"by Rollout {ro.name}")])


@register
class ManagedRouteMissingDestination(Rule):
    """A route the Rollout weights lacks the canary or the stable destination.

    ## What it checks
    Every route the controller weights (listed in `routes` / `tlsRoutes` / `tcpRoutes`, or the single route
    taken when the list is omitted) must contain both destinations the controller recognises:
    - host-level split (no `destinationRule`): a destination whose host's first DNS label is `canaryService`
      and one whose first label is `stableService` (`pingService` / `pongService` for ping-pong);
    - subset-level split (`destinationRule`): a destination with `subset: <canarySubsetName>` and one with
      `subset: <stableSubsetName>`.

    Reported at the Rollout's `virtualService.name` (host-level split) or
    `destinationRule.canarySubsetName`/`stableSubsetName` (subset-level), the name that finds no destination;
    the VirtualService route's `route` list is related.

    ## Why it matters
    The controller marks the Rollout `InvalidSpec` (`Istio VirtualService has invalid HTTP routes. Error:
    Canary Service 'x' not found in route`) and never shifts traffic.

    ## How to fix
    Give the route exactly two destinations: the stable one (weight 100) and the canary one (weight 0),
    with the host or subset names the Rollout uses.

    ## Upstream
    Mirrors Argo Rollouts `validateVirtualServiceRouteDestinations` (`Canary Service 'x' not found in route`,
    `Stable Service 'x' not found in route`, `Canary DestinationRule subset 'x' not found in route`, `Stable
    DestinationRule subset 'x' not found in route`).
    """

    id = "RL306"
    name = "managed-route-missing-destination"
    severity = Severity.ERROR
    summary = "Weighted VirtualService route lacks the canary or stable destination"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Argo Rollouts: `Canary Service 'x' not found in route` / `Stable DestinationRule subset 'x' not found in route`"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        if not uses_istio(ro):
            return
        r = roles(ro)
        subset_mode = refs.destination_rule_ref(ro) is not None
        for ref, vs, route in _managed(ro, ctx):
            found: set[str | None]
            if subset_mode:  # validation reads subsets alone here, though weighting also matches hosts
                found = {role for t in route.targets(r) if t.subset
                         for role, name in (("canary", r.canary_subset), ("stable", r.stable_subset)) if t.subset == name}
            else:
                found = {t.role for t in route.targets(r)}
            for role in ("canary", "stable"):
                if role in found:
                    continue
                if subset_mode:
                    want = r.canary_subset if role == "canary" else r.stable_subset
                    if not want:
                        continue
                    what = f"{role} DestinationRule subset '{want}'"
                    field = f"{role}SubsetName"
                    ro_path = refs.ISTIO + ("destinationRule", field)
                else:
                    want = r.canary_svc if role == "canary" else r.stable_svc
                    if not want:
                        continue  # missing canary/stable Service names are a Rollout-spec error
                    what = f"{role} Service '{want}'"
                    ro_path = ref.path + ("name",)
                yield self.report(ro, ro_path,
                                  f"{route.label()} of {_vs_label(vs)} has no destination for the {what}; the "
                                  f"controller requires both the canary and the stable destination in every route it "
                                  f"weights",
                                  related=[RelatedRef(vs, route.path + ("route",),
                                                      f"{route.label()} weighted by Rollout {ro.name}")])


@register
class ManagedRouteExtraDestination(Rule):
    """A weighted route has destinations the controller will delete or double-weight.

    ## What it checks
    In every route the controller weights: a destination that is neither canary nor stable (nor a subset in
    `destinationRule.additionalSubsetNames`) with a non-zero weight, and a second destination that also
    matches canary (or stable).

    Reported at the VirtualService destination to remove or set to weight 0 (the second canary or stable
    destination); the Rollout's `virtualService.name` (and the first destination) are related.

    ## Why it matters
    On the first `setWeight` the controller deletes foreign destinations that carry weight (so Argo CD then
    reports drift and may re-add them), and gives every matching destination the same canary (or stable)
    weight, so the route no longer totals 100 and traffic is split differently from the steps.

    ## How to fix
    Keep exactly two destinations in a weighted route: stable and canary. Route other services from a
    separate route, or list extra subsets in `additionalSubsetNames`.

    ## Upstream
    Derived from Argo Rollouts `processRoutes` (deletion of non-canary/stable destinations); not reported by Argo.
    """

    id = "RL307"
    name = "managed-route-extra-destination"
    severity = Severity.WARNING
    summary = "Weighted route has destinations the controller deletes or weights twice"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Argo Rollouts `processRoutes` (derived, no upstream message)"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        if not uses_istio(ro):
            return
        r = roles(ro)
        for ref, vs, route in _managed(ro, ctx):
            seen: dict[str, int] = {}
            for i, dest, host, subset, role in route.targets(r):
                if role is None:
                    w = weight_of(dest)
                    if w and not (subset and subset in r.additional_subsets):
                        # Reported at the weight to remove or zero; the Rollout that weights the route is related.
                        yield self.report(vs, _dest_path(route, i) + ("weight",),
                                          f"{route.label()} of {_vs_label(vs)} has destination {_desc(host, subset)} with weight {w} that "
                                          f"is neither canary nor stable; the controller deletes it on the first setWeight",
                                          related=[RelatedRef(ro, ref.path + ("name",), f"Rollout {ro.name} weights this route")])
                    continue
                if role in seen:
                    yield self.report(vs, _dest_path(route, i) + ("destination",),
                                      f"{route.label()} of {_vs_label(vs)} has a second {role} destination ({_desc(host, subset)}); the "
                                      f"controller gives both the {role} weight, so the route no longer totals 100",
                                      related=[RelatedRef(vs, _dest_path(route, seen[role]), f"first {role} destination"),
                                               RelatedRef(ro, ref.path + ("name",), f"Rollout {ro.name} weights this route")])
                else:
                    seen[role] = i


@register
class ManagedRouteInitialWeights(Rule):
    """A weighted route does not start at stable 100 / canary 0 in Git.

    ## What it checks
    In every route the controller weights, the weights written in Git: the canary destination must be 0 (or
    unset) and the destinations must total 100. For ping-pong, one of ping/pong must be 100 and the other 0.
    Reported at the VirtualService weight to change; the Rollout's `virtualService` reference is related.

    ## Why it matters
    The controller owns these weights: at rest it sets stable 100 / canary 0 and changes them on every
    `setWeight`. Anything else in Git either sends traffic to the canary before any rollout step (weights are
    relative since Istio 1.15, so 90/10 really sends 10%), or makes Argo CD show the VirtualService
    OutOfSync forever — and with self-heal, Argo CD and the Rollouts controller fight over the weights.

    ## How to fix
    Write `weight: 100` on the stable destination and `weight: 0` on the canary one (`--fix` does this in the
    VirtualService when the route has just those two destinations and the Rollout does not use ping-pong).
    With Argo CD, also add an `ignoreDifferences` entry for the route weights (`/spec/http/0/route`), which
    the controller changes during updates.

    ## Upstream
    Derived from Argo Rollouts' Istio docs ("Istio requires that all weights add to 100") and `processRoutes`;
    not reported by Argo.
    """

    id = "RL308"
    name = "managed-route-initial-weights"
    severity = Severity.WARNING
    summary = "Weighted route should start at stable 100 and canary 0 in Git"
    kinds = ("Rollout",)
    cross_resource = True
    fixable = True
    mirrors = "Argo Rollouts Istio docs: weights must add to 100 (derived, no upstream message)"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        if not uses_istio(ro):
            return
        r = roles(ro)
        for ref, vs, route in _managed(ro, ctx):
            by_role: dict[str, list[tuple[int, int | None]]] = {"canary": [], "stable": []}
            total = 0
            numeric = True
            for i, dest, _, _, role in route.targets(r):
                w = weight_of(dest)
                if w is None:
                    numeric = False
                    continue
                total += w
                if role:
                    by_role[role].append((i, w))
            if not numeric or len(by_role["canary"]) != 1 or len(by_role["stable"]) != 1:
                continue  # RL306/RL307 or the schema rules own those cases
            (ci, cw), (si, sw) = by_role["canary"][0], by_role["stable"][0]
            if r.ping_pong:
                ok = {cw, sw} == {0, 100} and total == 100
            else:
                ok = cw == 0 and sw == 100 and total == 100
            if ok:
                continue
            where = _dest_path(route, ci if cw else si)
            if r.ping_pong:
                msg = (f"{route.label()} of {_vs_label(vs)} starts at weights {sw}/{cw} (total {total}); one of the "
                       f"ping/pong destinations should be 100 and the other 0 in Git")
            else:
                msg = (f"{route.label()} of {_vs_label(vs)} starts at stable {sw} / canary {cw} (total {total}); "
                       f"write stable 100 / canary 0 in Git: the controller sets those weights whenever no update is in "
                       f"progress, so anything else shifts traffic early or keeps Argo CD out of sync")
            fix = None
            if not r.ping_pong and len(route.destinations()) == 2:  # ping-pong: which side is 100 is a choice
                edits = []
                if sw != 100:
                    edits.append(Edit("set", _dest_path(route, si) + ("weight",), 100, target=vs))
                if cw != 0:
                    edits.append(Edit("set", _dest_path(route, ci) + ("weight",), 0, target=vs))
                fix = Fix(f"set the weights of {route.label()} of {_vs_label(vs)} to stable 100 / canary 0",
                          tuple(edits), safe=True)
            # Reported at the weight to change (the fix edits it there); the Rollout that manages it is related.
            yield self.report(vs, where + ("weight",), msg, fix=fix,
                              related=[RelatedRef(ro, ref.path + ("name",), f"Rollout {ro.name} manages these weights")])


@register
class DestinationRuleNotFound(Rule):
    """The DestinationRule a Rollout names is not in the Rollout's namespace.

    ## What it checks
    `istio.destinationRule.name` must name a DestinationRule in the project, in the Rollout's own namespace
    (the controller has no `name.namespace` form for it). DestinationRules declared under `external` are
    taken to exist.

    Reported at the Rollout's `destinationRule.name`; a DestinationRule of that name in another namespace is
    related.

    ## Why it matters
    The controller fails every reconcile with `destinationrules.networking.istio.io "x" not found` and a
    `DestinationRuleNotFound` event; the subsets are never pointed at the canary and stable pods.

    ## How to fix
    Add the DestinationRule next to the Rollout (same namespace) or correct the name.

    ## Upstream
    Mirrors Argo Rollouts `UpdateHash` / `getDestinationRule`: reconcile error
    `destinationrules.networking.istio.io "x" not found` and event `DestinationRuleNotFound`.
    """

    id = "RL309"
    name = "destinationrule-not-found"
    severity = Severity.ERROR
    summary = "Referenced DestinationRule is not in the Rollout's namespace"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Argo Rollouts: `destinationrules.networking.istio.io \"x\" not found` (event DestinationRuleNotFound)"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        if not uses_istio(ro):
            return
        ref, dr = _destination_rule(ro, ctx)
        if ref is None or dr is not None or ctx.index.is_external("DestinationRule", ref.name, ro.namespace):
            return
        other = [r for r in ctx.index.named("DestinationRule", ref.name) if r.group == "networking.istio.io"]
        hint = f" (one exists in namespace {other[0].namespace}, but the controller only looks in the Rollout's)" if other else ""
        yield self.report(ro, ref.path + ("name",),
                          f"istio.destinationRule.name of Rollout {ro.name} names DestinationRule "
                          f"{ns_label(ro.namespace)}{ref.name}, which is not in the project{hint}",
                          related=[RelatedRef(other[0], ("metadata", "name"), "DestinationRule in another namespace")] if other else ())


@register
class DestinationRuleSubsetNotFound(Rule):
    """The canary or stable subset the Rollout names is not defined in its DestinationRule.

    ## What it checks
    `destinationRule.canarySubsetName` and `stableSubsetName` must each be the `name` of a subset in the
    referenced DestinationRule.

    Reported at the Rollout's `canarySubsetName` / `stableSubsetName`; the DestinationRule's `subsets` are
    related.

    ## Why it matters
    The controller only labels subsets that exist; it raises no error. Istio then routes the VirtualService
    destination to a subset that does not exist (istioctl IST0101 `Referenced host+subset in destinationrule
    not found`), and requests fail with 503 `no healthy upstream` as soon as that destination has weight.

    ## How to fix
    Add `subsets: [{name: stable}, {name: canary}]` (with the names the Rollout uses) to the
    DestinationRule; the controller fills in the `rollouts-pod-template-hash` labels. When exactly one unused
    subset has a close name, `--fix --unsafe-fixes` writes it in the Rollout (unsafe: the DestinationRule
    may be the side that is misspelled).

    ## Upstream
    Derived from Argo Rollouts `UpdateHash` (unlabelled subsets); Istio IST0101; Kiali KIA1107.
    """

    id = "RL310"
    name = "destinationrule-subset-not-found"
    severity = Severity.ERROR
    summary = "Canary or stable subset is not defined in the DestinationRule"
    kinds = ("Rollout",)
    cross_resource = True
    fixable = True
    mirrors = "Istio IST0101 `Referenced host+subset in destinationrule not found`"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        if not uses_istio(ro):
            return
        ref, dr = _destination_rule(ro, ctx)
        if ref is None or dr is None:
            return
        names = [as_str(s.get("name")) for _, s in _subsets(dr)]
        for field, want in (("canarySubsetName", ref.canary_subset), ("stableSubsetName", ref.stable_subset)):
            if want and want not in names:
                have = ", ".join(repr(n) for n in names if n) or "none"
                used = {ref.canary_subset, ref.stable_subset}
                hint = unique_near(want, [n for n in names if n and n not in used])
                # Unsafe: the DestinationRule, not the Rollout, may be the side that is misspelled.
                fix = Fix(f"use subset {hint!r} of {_dr_label(dr)}", (Edit("set", ref.path + (field,), hint),),
                          safe=False) if hint else None
                yield self.report(ro, ref.path + (field,),
                                  f"{field} '{want}' is not a subset of {_dr_label(dr)} (subsets: {have})", fix=fix,
                                  related=[RelatedRef(dr, ("spec", "subsets"), f"{_dr_label(dr)} defines its subsets here")])


@register
class DestinationRuleSubsetsIdentical(Rule):
    """`canarySubsetName` and `stableSubsetName` are the same subset.

    ## What it checks
    The two subset names of `trafficRouting.istio.destinationRule` must differ.

    ## Why it matters
    The controller labels that one subset with the canary pod-template hash and gives every destination that
    uses it the canary weight: during an update all traffic goes to the canary, and stable pods get none.

    ## How to fix
    Use two subsets, e.g. `canarySubsetName: canary` and `stableSubsetName: stable`, both defined in the
    DestinationRule.

    ## Upstream
    Derived from Argo Rollouts `UpdateHash` / `processRoutes`; Argo does not validate it.
    """

    id = "RL311"
    name = "destinationrule-subsets-identical"
    severity = Severity.ERROR
    summary = "canarySubsetName and stableSubsetName must differ"
    kinds = ("Rollout",)
    mirrors = "Argo Rollouts `UpdateHash` (derived, no upstream message)"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        if not uses_istio(ro):
            return
        ref = refs.destination_rule_ref(ro)
        if ref and ref.canary_subset and ref.canary_subset == ref.stable_subset:
            yield self.report(ro, ref.path + ("stableSubsetName",),
                              f"stableSubsetName and canarySubsetName are both '{ref.canary_subset}'; the canary and "
                              f"stable pods need two different subsets of DestinationRule {ref.name}")


@register
class DestinationRuleExtraSubset(Rule):
    """The managed DestinationRule has subsets other than canary and stable, which the controller removes.

    ## What it checks
    Subsets of the DestinationRule named by `istio.destinationRule` other than `canarySubsetName` and
    `stableSubsetName`.

    Reported at the extra subset in the DestinationRule; the Rollout's `destinationRule.name` is related.

    ## Why it matters
    On every reconcile the controller rewrites `spec.subsets` keeping only the canary and stable subsets (and
    subsets of running experiments); any other subset is deleted from the live object. Routes that use it
    start failing, and Argo CD re-adds it on sync, so the two controllers keep fighting.

    ## How to fix
    Move other subsets to a DestinationRule the Rollout does not manage (one DestinationRule per Rollout),
    or drop them.

    ## Upstream
    Derived from Argo Rollouts `UpdateHash` ("Ignore any extraneous subsets"); not reported by Argo.
    """

    id = "RL312"
    name = "destinationrule-extra-subset"
    severity = Severity.WARNING
    summary = "Managed DestinationRule has subsets the controller removes"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Argo Rollouts `UpdateHash` (derived, no upstream message)"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        if not uses_istio(ro):
            return
        ref, dr = _destination_rule(ro, ctx)
        if ref is None or dr is None:
            return
        if not ref.canary_subset or not ref.stable_subset:
            return  # missing subset names are a schema error; everything would look extra
        keep = {ref.canary_subset, ref.stable_subset}
        for i, subset in _subsets(dr):
            name = as_str(subset.get("name"))
            if name and name not in keep:
                # Reported at the subset to move or drop; the Rollout that manages the DestinationRule is related.
                yield self.report(dr, ("spec", "subsets", i, "name"),
                                  f"{_dr_label(dr)} has subset '{name}', which is neither the canary nor the stable subset; "
                                  f"the controller deletes it from the live object on every reconcile",
                                  related=[RelatedRef(ro, ref.path + ("name",), f"Rollout {ro.name} manages {_dr_label(dr)}")])


@functools.lru_cache(maxsize=1 << 14)  # pure; the same hosts are asked about by several rules
def _fqdn(host: str, ns: str | None) -> tuple[str, str] | None:
    """(service, namespace) when the host, written in an object of namespace `ns`, is an in-cluster Service."""
    if "." not in host and not refs.is_ip(host) and host and not host.startswith("*"):
        return (host, ns) if ns else None
    m = FQDN_RE.match(host)
    return (m.group(1), m.group(2)) if m else None


@register
class IstioHostServiceMismatch(Rule):
    """A weighted destination's host does not resolve to the Service the Rollout means.

    ## What it checks
    Hosts are resolved the way Istio does (a dot-less host is expanded in the namespace of the object that
    names it, not the Service's; hosts with dots are taken literally):
    - subset-level split: the canary/stable destinations of a weighted route must resolve to the same host
      as the DestinationRule's `host`, otherwise the subsets are not defined for them;
    - host-level split: a destination the controller takes for `canaryService`/`stableService` (it compares
      only the first DNS label) must resolve to that Service in the Rollout's namespace.

    Reported at the Rollout's `destinationRule.name` (subset-level) or `virtualService.name` (host-level); the
    destination host and the DestinationRule's `host` are related.

    ## Why it matters
    The controller is satisfied, but Istio sends the traffic elsewhere: to a subset its DestinationRule does
    not define (503 `no healthy upstream`, istioctl IST0101), or to a same-named Service in another
    namespace — e.g. a VirtualService in `istio-system` with `host: reviews-canary` means
    `reviews-canary.istio-system.svc.cluster.local`.

    ## How to fix
    Use fully qualified hosts (`reviews.shop.svc.cluster.local`) in the VirtualService and the
    DestinationRule, or keep them in the Rollout's namespace and use short names.

    ## Upstream
    Istio IST0101 (`Referenced host+subset in destinationrule not found`) and Argo Rollouts `getHost`
    (first-label comparison); Kiali KIA1107.
    """

    id = "RL313"
    name = "istio-host-service-mismatch"
    severity = Severity.ERROR
    summary = "Weighted destination host does not resolve to the Rollout's Service or DestinationRule host"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Istio IST0101 `Referenced host+subset in destinationrule not found`"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        if not uses_istio(ro):
            return
        r = roles(ro)
        dr_ref, dr = _destination_rule(ro, ctx)
        dr_host = as_str(dig(dr.body, "spec", "host")) if dr is not None else None
        for ref, vs, route in _managed(ro, ctx):
            for i, _, host, subset, role in route.targets(r):
                if role is None:
                    continue
                if dr_ref is not None and dr is not None and dr_host and subset in (r.canary_subset, r.stable_subset) and subset:
                    if not refs.hosts_match(host, vs.namespace, dr_host, dr.namespace):
                        yield self.report(
                            ro, dr_ref.path + ("name",),
                            f"{route.label()} of {_vs_label(vs)} sends the {role} subset '{subset}' to host '{host}' "
                            f"({refs.normalize_host(host, vs.namespace)}), but {_dr_label(dr)} defines its subsets for host "
                            f"'{dr_host}' ({refs.normalize_host(dr_host, dr.namespace)}); Istio finds no such subset for "
                            f"that host",
                            related=[RelatedRef(vs, _dest_path(route, i) + ("destination", "host"), f"{role} destination host"),
                                     RelatedRef(dr, ("spec", "host"), "DestinationRule host")])
                    continue
                if dr_ref is None and ro.namespace:
                    svc = r.canary_svc if role == "canary" else r.stable_svc
                    target = _fqdn(host, vs.namespace)
                    if svc and target and target[0] == svc and target[1] and target[1] != ro.namespace:
                        yield self.report(
                            ro, ref.path + ("name",),
                            f"{route.label()} of {_vs_label(vs)} uses host '{host}' as the {role} Service, which Istio "
                            f"resolves to {target[0]}.{target[1]}.svc.{refs.DOMAIN}, not to Service {svc} in the "
                            f"Rollout's namespace {ro.namespace}",
                            related=[RelatedRef(vs, _dest_path(route, i) + ("destination", "host"), f"{role} destination host")])


@register
class DestinationPortNotInService(Rule):
    """A weighted destination's port does not match the ports of the Service it routes to.

    ## What it checks
    For each destination of a weighted route whose host resolves to a Service of the project (dot-less, or
    `name.namespace.svc.cluster.local`) that exposes several ports: the destination must set `port.number`,
    and it must be one of the Service's `ports[].port`. (Single-port Services are left to
    `virtualservice-destination-host-not-found`, which checks every VirtualService.)

    Reported at the VirtualService destination (its `port.number`, or the destination that lacks one); the
    Rollout's `virtualService.name` and the Service's `ports` are related.

    ## Why it matters
    Istio cannot choose a port for a multi-port Service (istioctl IST0112), and a port the Service does not
    expose matches no cluster (IST0101 `host:port`): the canary or stable share of the traffic fails.

    ## How to fix
    Set `destination.port.number` to the Service port that serves the route (the same on the stable and the
    canary destination).

    ## Upstream
    Istio IST0112 `VirtualServiceDestinationPortSelectorRequired` and IST0101 (`Referenced host:port not
    found`).
    """

    id = "RL315"
    name = "destination-port-not-in-service"
    severity = Severity.ERROR
    summary = "Weighted destination port is missing or not a port of its Service"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Istio IST0112 / IST0101 `Referenced host:port not found`"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        if not uses_istio(ro):
            return
        r = roles(ro)
        for ref, vs, route in _managed(ro, ctx):
            for i, dest, host, _, _ in route.targets(r):
                target = _fqdn(host, vs.namespace) if vs.namespace else (
                    (host, None) if host and "." not in host else _fqdn(host, None))
                if not target:
                    continue
                svc = find_service(ctx.index, target[0], target[1], near=vs)
                if svc is None:
                    continue
                ports = refs.service_ports(svc)
                if len(ports) < 2:
                    continue  # a single-port Service: Istio picks its port; a wrong number is RL201's (any VirtualService)
                number = dig(dest, "destination", "port", "number")
                svc_label = f"Service {ns_label(svc.namespace)}{svc.name}"
                # Reported at the destination's port (the value to edit); the Rollout and the Service are related.
                related = [RelatedRef(svc, ("spec", "ports"), f"{svc_label} ports: {', '.join(map(str, ports))}"),
                           RelatedRef(ro, ref.path + ("name",), f"Rollout {ro.name} weights this route")]
                if number is None and route.proto == "http":
                    yield self.report(vs, _dest_path(route, i) + ("destination",),
                                      f"{route.label()} of {_vs_label(vs)} routes to {svc_label}, which has ports "
                                      f"{', '.join(map(str, ports))}, without destination.port.number; Istio cannot pick one",
                                      key=True, related=related)
                elif isinstance(number, int) and number not in ports:
                    yield self.report(vs, _dest_path(route, i) + ("destination", "port", "number"),
                                      f"{route.label()} of {_vs_label(vs)} routes to port {number} of {svc_label}, which "
                                      f"only has ports {', '.join(map(str, ports))}", related=related)
