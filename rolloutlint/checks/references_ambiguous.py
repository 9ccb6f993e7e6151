"""RL340: a Rollout's reference that resolves to several equally near definitions (`core.index.resolve`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rolloutlint.core.findings import RelatedRef, Report, Severity
from rolloutlint.core.index import Resolution
from rolloutlint.core.model import Resource
from rolloutlint.core.rule import Rule, register
from rolloutlint.views import refs
from rolloutlint.views.analysis import rollout_usages, template_resolution
from rolloutlint.views.references import ns_label, resolve_istio, resolve_service, service_refs, uses_istio, vs_field
from rolloutlint.views.rollout import workload_resolution

if TYPE_CHECKING:
    from rolloutlint.core.positions import Path
    from rolloutlint.core.rule import Context


@register
class AmbiguousReference(Rule):
    """A Rollout's reference matches several definitions, and nothing says which one is deployed with it.

    ## What it checks
    The objects a Rollout names (its VirtualServices, DestinationRule, canary/stable/active/preview/ping/pong
    Services, `workloadRef` and analysis templates) are resolved as everywhere in rolloutlint (`lint`,
    `simulate`, `--fix`, the Argo CD plugin): within the Rollout's deployment unit first, then within units
    deploying to the same destination, never across destinations; among the remaining candidates, the one in
    the same namespace, then the same file, then the nearest directory. When two or more candidates in different files remain
    equally near (two plain directories without an Application both define `default/reviews`, and the
    Rollout lives in a third), this finding names them all. The first, in file order, is the one checked
    and simulated.

    Reported at the Rollout's reference; each candidate is related.

    ## Why it matters
    The checks of that reference (routes, subsets, hosts, selectors) and the simulated weights describe one
    copy; if the other is the one that runs with this Rollout, they describe the wrong object. If both are
    applied to one cluster, they are one object defined twice: whichever is applied last wins, and Argo CD
    flags the conflict when two Applications manage it.

    ## How to fix
    Say which copy belongs to the Rollout: deploy it with an Argo CD Application (its destination then
    scopes the references), put it in the Rollout's kustomization, give the objects namespaces, or remove
    the copy that is not used.

    ## Upstream
    Mirrors Argo CD's `SharedResourceWarning` (an object with the same group, kind, namespace and name is
    part of two Applications deploying to one destination; each sync overwrites the other), seen from the
    repository before anything is deployed.
    """

    id = "RL340"
    cross_resource = True
    name = "ambiguous-reference"
    severity = Severity.WARNING
    summary = "Reference matches several equally near definitions"
    kinds = ("Rollout",)
    mirrors = "Argo CD: SharedResourceWarning (one object part of two Applications)"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        index = ctx.index
        found: list[tuple[Path, str, Resolution]] = []
        if uses_istio(ro):
            for ref in refs.virtual_service_refs(ro):
                found.append((ref.path + ("name",), f"{vs_field(ref)}.name",
                              resolve_istio(index, "VirtualService", ref.name, ref.namespace, near=ro)))
            dr = refs.destination_rule_ref(ro)
            if dr is not None:
                found.append((dr.path + ("name",), "istio.destinationRule.name",
                              resolve_istio(index, "DestinationRule", dr.name, ro.namespace, near=ro)))
        for sref in service_refs(ro):
            found.append((sref.path, sref.field, resolve_service(index, sref.name, ro.namespace, near=ro)))
        found.append((("spec", "workloadRef", "name"), "workloadRef.name", workload_resolution(ro, index)))
        for usage in rollout_usages(ro):
            for tref in usage.refs:
                found.append((tref.path + ("templateName",), f"{usage.label()} templateName",
                              template_resolution(ctx, tref, ro.namespace, near=ro)))
        for path, field, res in found:
            if not res.ambiguous or res.chosen is None:
                continue
            first = res.chosen
            places = ", ".join(r.file.display for r in res.tied)
            yield self.report(
                ro, path,
                f"{field} of Rollout {ro.name} matches {len(res.tied)} definitions of {first.kind} "
                f"{ns_label(first.namespace)}{first.name} that are equally near it ({places}); which one is "
                f"deployed with it is unknown, {first.file.display} is the one checked and simulated",
                related=[RelatedRef(r, ("metadata", "name"), f"candidate {first.kind} ({r.file.display})")
                         for r in res.tied])
