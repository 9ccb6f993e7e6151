"""RL210–RL213: VirtualService route weights."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rolloutlint.views import istio_hosts as ih
from rolloutlint.core.findings import Edit, Fix, Report, Severity
from rolloutlint.core.model import as_dict, as_list
from rolloutlint.core.rule import Rule, register
from rolloutlint.core import memo

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context
    from rolloutlint.core.model import Resource


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


@memo.per_resource
def routes_with_weights(vs: "Resource") -> list[tuple[tuple[Any, ...], list[tuple[int, int | None, bool]]]]:
    """(path of the `route` list, [(index, weight or None, weight key present)]) for every http/tcp/tls rule."""
    return list(_routes_with_weights(vs))


def _routes_with_weights(vs: "Resource") -> Iterator[tuple[tuple[Any, ...], list[tuple[int, int | None, bool]]]]:
    for proto in ("http", "tcp", "tls"):
        for i, rule in enumerate(as_list(vs.spec.get(proto))):
            route = as_list(as_dict(rule).get("route"))
            if not route:
                continue
            items = []
            for j, rd in enumerate(route):
                rd = as_dict(rd)
                items.append((j, _int(rd.get("weight")), "weight" in rd and rd.get("weight") is not None))
            yield ("spec", proto, i, "route"), items


@register
class NegativeRouteWeight(Rule):
    """A route destination has a negative weight.

    ## What it checks
    `weight` of every `http/tcp/tls[].route[]` entry must be ≥ 0.

    ## Why it matters
    The Istio webhook rejects the VirtualService (`weight -10 < 0`), so the sync fails and the previous
    routing stays in place.

    ## How to fix
    Use 0 (no traffic) or a positive weight.

    ## Upstream
    Mirrors Istio admission validation `validateRouteDestinations`: `weight %d < 0` (Istio ≥ 1.15; earlier
    `percentage %v is not in range 0..100`).
    """

    id = "RL210"
    name = "negative-route-weight"
    severity = Severity.ERROR
    summary = "Route destination weight is negative"
    kinds = ("VirtualService",)
    mirrors = "Istio validation: `weight %d < 0` (IST0106)"

    def check(self, vs: "Resource", ctx: "Context") -> Iterator[Report]:
        if not ih.is_istio(vs):
            return
        for path, items in routes_with_weights(vs):
            for j, w, _ in items:
                if w is not None and w < 0:
                    yield self.report(vs, path + (j, "weight"), f"weight {w} < 0; Istio rejects the VirtualService")


@register
class AllRouteWeightsZero(Rule):
    """A route with several destinations gives all of them weight 0.

    ## What it checks
    Routes with more than one destination where every `weight` is 0 or absent (absent counts as 0).

    ## Why it matters
    Istio rejects the VirtualService (`total destination weight = 0`); with validation off, the route would
    send traffic nowhere.

    ## How to fix
    Give at least one destination a positive weight (for a Rollout-managed route in Git, stable 100 and
    canary 0).

    ## Upstream
    Mirrors Istio admission validation: `total destination weight = 0` (Istio ≥ 1.15).
    """

    id = "RL211"
    name = "all-route-weights-zero"
    severity = Severity.ERROR
    summary = "All destinations of a multi-destination route have weight 0"
    kinds = ("VirtualService",)
    mirrors = "Istio validation: `total destination weight = 0` (IST0106)"

    def check(self, vs: "Resource", ctx: "Context") -> Iterator[Report]:
        if not ih.is_istio(vs):
            return
        for path, items in routes_with_weights(vs):
            if len(items) < 2 or any(w is None and present for _, w, present in items):
                continue  # a non-integer weight is a schema error, reported elsewhere
            if all((w or 0) == 0 for _, w, _ in items):
                yield self.report(vs, path, f"total destination weight = 0 across {len(items)} destinations; "
                                  f"Istio rejects the VirtualService", key=True)


@register
class SingleDestinationPartialWeight(Rule):
    """A route with a single destination sets a weight between 1 and 99.

    ## What it checks
    Routes with exactly one destination whose `weight` is > 0 and < 100 (0 and 100 are not reported).

    ## Why it matters
    A lone destination always receives 100 % of the route's traffic; the weight is ignored. It usually means a
    second destination (the canary) was removed or never added, and the author believes only part of the
    traffic goes there.

    ## How to fix
    Set the weight to 100 or remove it, or add the missing destination.

    ## Upstream
    Mirrors Kiali KIA1104 (`The weight is assumed to be 100 because there is only one route destination`).
    """

    id = "RL212"
    name = "single-destination-partial-weight"
    severity = Severity.WARNING
    summary = "Single route destination has a weight between 1 and 99"
    kinds = ("VirtualService",)
    fixable = True
    mirrors = "Kiali KIA1104 `The weight is assumed to be 100 because there is only one route destination`"

    def check(self, vs: "Resource", ctx: "Context") -> Iterator[Report]:
        if not ih.is_istio(vs):
            return
        for path, items in routes_with_weights(vs):
            if len(items) != 1:
                continue
            j, w, _ = items[0]
            if w is not None and 0 < w < 100:
                yield self.report(vs, path + (j, "weight"),
                                  f"the weight is assumed to be 100 because there is only one route destination "
                                  f"(weight {w} is ignored)", fix=Fix("set the weight to 100", (Edit("set", path + (j, "weight"), 100),)))


@register
class RouteWeightsNotHundred(Rule):
    """The weights of a multi-destination route do not add up to 100.

    ## What it checks
    Routes with more than one destination, non-negative integer weights and a positive total other than 100.

    ## Why it matters
    Istio ≥ 1.15 normalises weights (each destination gets `weight / total`), so the object is accepted and
    the split is proportional — but Istio ≤ 1.14 rejects it (`total destination weight 90 != 100`), and the
    percentages no longer read as percentages. Argo Rollouts always writes weights summing to 100, so any
    other total in Git is a hand edit that the next step will overwrite.

    ## How to fix
    Make the weights add up to 100 (for a Rollout-managed route: stable 100, canary 0).

    ## Upstream
    Mirrors Istio ≤ 1.14 admission validation `total destination weight %v != 100`, relaxed by
    istio/istio#39544 (1.15.0) to relative weights; Kiali's former `Weight sum should be 100` check.
    """

    id = "RL213"
    name = "route-weights-not-100"
    severity = Severity.WARNING
    summary = "Weights of a multi-destination route do not sum to 100"
    kinds = ("VirtualService",)
    mirrors = "Istio ≤ 1.14 validation: `total destination weight %v != 100` (relative weights since 1.15)"

    def check(self, vs: "Resource", ctx: "Context") -> Iterator[Report]:
        if not ih.is_istio(vs):
            return
        for path, items in routes_with_weights(vs):
            if len(items) < 2 or any(w is None and present for _, w, present in items):
                continue
            weights = [w or 0 for _, w, _ in items]
            total = sum(weights)
            if total <= 0 or total == 100 or any(w < 0 for w in weights):
                continue
            yield self.report(vs, path, f"destination weights sum to {total}, not 100 ({' + '.join(map(str, weights))}); "
                              f"Istio ≥ 1.15 normalises them to {', '.join(f'{100 * w / total:.4g}%' for w in weights)}, "
                              f"Istio ≤ 1.14 rejects the route", key=True)
