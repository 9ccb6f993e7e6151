"""RL323, RL324: the Ingresses an Nginx or ALB traffic router names: they exist, and route to the stable Service."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rolloutlint.views import refs
from rolloutlint.views.references import ns_label, renamed_hint, renamed_in_unit, renamed_note
from rolloutlint.core.findings import RelatedRef, Report, Severity
from rolloutlint.core.model import Resource, as_dict, as_list, as_str
from rolloutlint.core.rule import Rule, register
from rolloutlint.core import memo

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context

_INGRESS_GROUPS = ("networking.k8s.io", "extensions")


def ingress_refs(ro: Resource) -> Iterator[tuple[tuple[Any, ...], str, str]]:
    """(path, Ingress name, the Service its rules must route to) for every Ingress the router names: Nginx's
    `stableIngress`/`stableIngresses` route to `stableService`; ALB's `ingress`/`ingresses` to `rootService`,
    else `stableService` (Argo Rollouts' `ValidateIngress`)."""
    tr = as_dict(refs.canary(ro).get("trafficRouting"))
    stable = as_str(refs.canary(ro).get("stableService")) or ""
    for router, single, multi in (("nginx", "stableIngress", "stableIngresses"), ("alb", "ingress", "ingresses")):
        block = tr.get(router)
        if not isinstance(block, dict):
            continue
        service = (as_str(block.get("rootService")) if router == "alb" else None) or stable
        path = refs.CANARY + ("trafficRouting", router)
        name = as_str(block.get(single))
        if name:
            yield path + (single,), name, service
        for i, item in enumerate(as_list(block.get(multi))):
            if isinstance(item, str) and item:
                yield path + (multi, i), item, service


def _backends(ingress: Resource) -> Iterator[str]:
    """Service names of the Ingress's rule paths (`backend.service.name`, or `serviceName` before v1)."""
    for rule in as_list(ingress.spec.get("rules")):
        for p in as_list(as_dict(as_dict(rule).get("http")).get("paths")):
            backend = as_dict(as_dict(p).get("backend"))
            name = as_str(as_dict(backend.get("service")).get("name")) or as_str(backend.get("serviceName"))
            if name:
                yield name


def _ingresses(ctx: "Context", ro: Resource, name: str) -> list[Resource]:
    return [i for i in ctx.index.find("Ingress", name, ro.namespace) if i.group in _INGRESS_GROUPS]


def _any_ingress_router(ctx: "Context") -> bool:
    """Whether some Rollout routes through Nginx or ALB (asked once per run: the rules below apply only then)."""
    return bool(memo.per_run(ctx.index, ("references_ingresses", "routed"), lambda: any(
        next(ingress_refs(ro), None) is not None for ro in ctx.index.of_kind("Rollout"))))


@register
class IngressNotFound(Rule):
    """An Ingress the Nginx or ALB router names is not in the project.

    ## What it checks
    Each Ingress `trafficRouting.nginx.stableIngress` / `stableIngresses` or `trafficRouting.alb.ingress` /
    `ingresses` names must be in the Rollout's namespace. Ingresses declared under `external` in
    `.rolloutlint.yaml` are taken to exist.

    Reported at the Rollout's Ingress field; an Ingress kustomize renamed in the same unit is related.

    ## Why it matters
    The controller marks the Rollout `InvalidSpec` and does not progress (`spec.strategy.canary.trafficRouting.
    nginx.stableIngress: Invalid value: "x": ingress.extensions "x" not found`).

    ## How to fix
    Name the Ingress that serves the application (same namespace as the Rollout), or declare it under
    `external` when another repository manages it.

    ## Upstream
    Mirrors Argo Rollouts' Ingress lookup (`handleCacheError`: `ingress.extensions "x" not found`, catalog
    RO406). `kubectl argo rollouts lint` skips Ingresses it cannot find.
    """

    id = "RL323"
    name = "ingress-not-found"
    severity = Severity.ERROR
    summary = "Nginx/ALB router names an Ingress that is not in the Rollout's namespace"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Argo Rollouts: `Invalid value: \"x\": ingress.extensions \"x\" not found`"

    def applies(self, ctx: "Context") -> bool:
        return _any_ingress_router(ctx)

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        for path, name, _ in ingress_refs(ro):
            if _ingresses(ctx, ro, name) or ctx.index.is_external("Ingress", name, ro.namespace):
                continue
            renamed = renamed_in_unit(ctx.index, "Ingress", name, ro)
            if renamed is not None:
                yield self.report(ro, path, f"Ingress {ns_label(ro.namespace)}{name} is not in the project"
                                  f"{renamed_hint(renamed)}",
                                  related=[RelatedRef(renamed, ("metadata", "name"), renamed_note(renamed))])
            else:
                yield self.report(ro, path, f"Ingress {ns_label(ro.namespace)}{name} is not in the project: the "
                                  f"controller reports ingress \"{name}\" not found and the Rollout does not progress")


@register
class IngressWithoutStableBackend(Rule):
    """An Ingress the Nginx or ALB router names has no rule routing to the stable Service.

    ## What it checks
    For each Ingress the router names (see `ingress-not-found`) that is in the project, one of its rules' paths
    must have the stable Service as backend (`backend.service.name`, or `serviceName` before
    networking.k8s.io/v1); for ALB, `rootService` when it is set.

    Reported at the Rollout's Ingress field; the Ingress's rules are related.

    ## Why it matters
    The controller marks the Rollout `InvalidSpec` (``ingress `x` has no rules using service stable-svc
    backend``): the canary Ingress it creates copies the stable Ingress's rules that route to the stable
    Service, so without one there is nothing to split.

    ## How to fix
    Make a rule of the Ingress route to the stable Service (with ALB, the action named after the Service,
    `port.name: use-annotation`), or name the Ingress that does.

    ## Upstream
    Mirrors Argo Rollouts `ValidateIngress` (``ingress `%s` has no rules using service %s backend``, catalog
    RO407). `kubectl argo rollouts lint` ties an Ingress to a Rollout only when it already routes to the stable
    Service, so it never reports this; the controller looks the Ingress up by name and does.
    """

    id = "RL324"
    name = "ingress-without-stable-backend"
    severity = Severity.ERROR
    summary = "Ingress named by the Nginx/ALB router does not route to the stable Service"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Argo Rollouts ValidateIngress: ``ingress `%s` has no rules using service %s backend``"

    def applies(self, ctx: "Context") -> bool:
        return _any_ingress_router(ctx)

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        for path, name, service in ingress_refs(ro):
            if not service or not _ingresses(ctx, ro, name):
                continue
            ingress = ctx.index.find_one("Ingress", name, ro.namespace, near=ro) or _ingresses(ctx, ro, name)[0]
            if service not in set(_backends(ingress)):
                yield self.report(ro, path, f"ingress `{name}` has no rules using service {service} backend: the "
                                  "controller cannot split its traffic and marks the Rollout InvalidSpec",
                                  related=[RelatedRef(ingress, ("spec", "rules"), f"rules of Ingress {name}")])
