"""RL325, RL326: the HTTPRoutes the Gateway API traffic-router plugin weights: they exist, and route to the
canary and the stable Service."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rolloutlint.views import refs
from rolloutlint.views.references import ns_label
from rolloutlint.core.findings import RelatedRef, Report, Severity
from rolloutlint.core.model import Resource, as_dict, as_list, as_str
from rolloutlint.core.rule import Rule, register
from rolloutlint.core import memo

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context

PLUGIN = "argoproj-labs/gatewayAPI"
GROUP = "gateway.networking.k8s.io"


def http_route_refs(ro: Resource) -> Iterator[tuple[tuple[Any, ...], str, str | None]]:
    """(path, HTTPRoute name, namespace) for `httpRoute` and each `httpRoutes[].name` of the plugin's config
    (the plugin's `namespace`, else the Rollout's)."""
    base = refs.CANARY + ("trafficRouting", "plugins", PLUGIN)
    cfg = as_dict(as_dict(as_dict(refs.canary(ro).get("trafficRouting")).get("plugins")).get(PLUGIN))
    ns = as_str(cfg.get("namespace")) or ro.namespace
    name = as_str(cfg.get("httpRoute"))
    if name:
        yield base + ("httpRoute",), name, ns
    for i, item in enumerate(as_list(cfg.get("httpRoutes"))):
        name = as_str(as_dict(item).get("name"))
        if name:
            yield base + ("httpRoutes", i, "name"), name, ns


def _routes(ctx: "Context", name: str, ns: str | None) -> list[Resource]:
    return [r for r in ctx.index.find("HTTPRoute", name, ns) if r.group == GROUP]


def _backends(route: Resource) -> set[str]:
    return {n for rule in as_list(route.spec.get("rules")) for ref in as_list(as_dict(rule).get("backendRefs"))
            if (n := as_str(as_dict(ref).get("name")))}


def _any_plugin_route(ctx: "Context") -> bool:
    """Whether some Rollout routes through the Gateway API plugin (asked once per run: the rules below apply only then)."""
    return bool(memo.per_run(ctx.index, ("references_gatewayapi", "routed"), lambda: any(
        next(http_route_refs(ro), None) is not None for ro in ctx.index.of_kind("Rollout"))))


@register
class HTTPRouteNotFound(Rule):
    """An HTTPRoute the Gateway API plugin weights is not in the project.

    ## What it checks
    `trafficRouting.plugins["argoproj-labs/gatewayAPI"].httpRoute` and each `httpRoutes[].name` must name an
    HTTPRoute (gateway.networking.k8s.io) in the plugin's `namespace`, else the Rollout's. HTTPRoutes
    declared under `external` in `.rolloutlint.yaml` are taken to exist.

    Reported at the Rollout's HTTPRoute name; nothing is related.

    ## Why it matters
    The plugin reads the HTTPRoute at every weight change; without it the step fails (`httproutes.gateway.
    networking.k8s.io "x" not found`) and the rollout never shifts traffic.

    ## How to fix
    Name the HTTPRoute that routes the application, in the plugin's namespace, or declare it `external`.

    ## Upstream
    Mirrors the Gateway API traffic-router plugin (argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi),
    which gets the HTTPRoute by name before setting weights.
    """

    id = "RL325"
    name = "httproute-not-found"
    severity = Severity.ERROR
    summary = "Gateway API plugin names an HTTPRoute that is not in the project"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Gateway API plugin: `httproutes.gateway.networking.k8s.io \"x\" not found`"

    def applies(self, ctx: "Context") -> bool:
        return _any_plugin_route(ctx)

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        for path, name, ns in http_route_refs(ro):
            if _routes(ctx, name, ns) or ctx.index.is_external("HTTPRoute", name, ns):
                continue
            yield self.report(ro, path, f"HTTPRoute {ns_label(ns)}{name} is not in the project: the Gateway API plugin "
                              "cannot set the canary weight and the rollout does not progress")


@register
class HTTPRouteMissingBackend(Rule):
    """An HTTPRoute the Gateway API plugin weights has no backendRef for the canary or the stable Service.

    ## What it checks
    For each HTTPRoute the plugin names (see `httproute-not-found`) that is in the project, some rule must
    have a `backendRefs` entry named after `canaryService` and one named after `stableService`.

    Reported at the Rollout's HTTPRoute name; the HTTPRoute's rules are related.

    ## Why it matters
    The plugin sets weights on the backendRefs named after the two Services; when one is missing, every
    weight change fails with `backendRef was not found in httpRoute` and traffic never moves.

    ## How to fix
    List both Services in the route's rule: the stable one (weight 100) and the canary one (weight 0).

    ## Upstream
    Mirrors the Gateway API traffic-router plugin (`pkg/plugin/httproute.go`): `backendRef was not found in
    httpRoute`.
    """

    id = "RL326"
    name = "httproute-missing-backend"
    severity = Severity.ERROR
    summary = "HTTPRoute weighted by the Gateway API plugin lacks the canary or stable backendRef"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Gateway API plugin: `backendRef was not found in httpRoute`"

    def applies(self, ctx: "Context") -> bool:
        return _any_plugin_route(ctx)

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        can = refs.canary(ro)
        services = [(role, as_str(can.get(f"{role}Service"))) for role in ("canary", "stable")]
        for path, name, ns in http_route_refs(ro):
            found = _routes(ctx, name, ns)
            if not found:
                continue
            route = ctx.index.find_one("HTTPRoute", name, ns, near=ro) or found[0]
            backends = _backends(route)
            missing = [(role, svc) for role, svc in services if svc and svc not in backends]
            if missing:
                what = " and ".join(f"the {role} Service {svc}" for role, svc in missing)
                yield self.report(ro, path, f"HTTPRoute {name} has no backendRef for {what}: the Gateway API plugin "
                                  "fails every weight change (backendRef was not found in httpRoute)",
                                  related=[RelatedRef(route, ("spec", "rules"), f"rules of HTTPRoute {name}")])
