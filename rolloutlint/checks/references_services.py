"""RL320–RL322: the Services a Rollout names (canary/stable, ping/pong, active/preview).

Reports go on the Rollout, with the Service in `related`. They apply to every strategy and traffic router:
these are the controller's own reference checks, not Istio's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rolloutlint.views import refs
from rolloutlint.views.references import (
    MANAGED_BY, find_service, ns_label, pod_selector_matches, renamed_hint, renamed_in_unit, renamed_note, service_refs,
)
from rolloutlint.core.findings import RelatedRef, Report, Severity
from rolloutlint.core.model import Resource, as_dict, as_str, dig
from rolloutlint.core.rule import Rule, register
from rolloutlint.core import memo

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context


def _svc_label(svc: Resource) -> str:
    return f"Service {ns_label(svc.namespace)}{svc.name}"


@register
class ServiceNotFound(Rule):
    """A Service the Rollout names is not in the project.

    ## What it checks
    `canaryService`, `stableService`, `pingPong.pingService`, `pingPong.pongService` (canary) and
    `activeService`, `previewService` (blueGreen) must each name a Service in the Rollout's namespace.
    Services declared under `external` in `.rolloutlint.yaml` are taken to exist.

    Reported at the Rollout's Service field; a Service of that name in another namespace, or in the same unit
    with a name like it (kustomize's namePrefix/nameSuffix, or a renamed Service), is related.

    ## Why it matters
    The controller marks the Rollout `InvalidSpec` (`spec.strategy.canary.canaryService: Invalid value: "x":
    service "x" not found`) and does not progress.

    ## How to fix
    Add the Service (same namespace as the Rollout), fix the name, or declare the Service under `external`
    when another repository manages it.

    ## Upstream
    Mirrors Argo Rollouts `getReferencedService` (`Invalid value: "x": service "x" not found`).
    `kubectl argo rollouts lint` skips missing references; rolloutlint indexes the whole project, so an
    absent Service is reported.
    """

    id = "RL320"
    name = "service-not-found"
    severity = Severity.ERROR
    summary = "Referenced Service is not in the Rollout's namespace"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Argo Rollouts: `Invalid value: \"x\": service \"x\" not found`"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        for ref in service_refs(ro):
            if find_service(ctx.index, ref.name, ro.namespace, near=ro) is not None:
                continue
            if ctx.index.is_external("Service", ref.name, ro.namespace):
                continue
            renamed = renamed_in_unit(ctx.index, "Service", ref.name, ro)
            if renamed is not None:
                yield self.report(ro, ref.path, f"{ref.field} of Rollout {ro.name} names Service "
                                  f"{ns_label(ro.namespace)}{ref.name}, which is not in the project{renamed_hint(renamed)}",
                                  related=[RelatedRef(renamed, ("metadata", "name"), renamed_note(renamed))])
                continue
            other = [s for s in ctx.index.named("Service", ref.name) if s.group == ""]
            hint = f" (one exists in namespace {other[0].namespace}; a Rollout can only use Services of its own namespace)" if other else ""
            yield self.report(ro, ref.path, f"{ref.field} of Rollout {ro.name} names Service {ns_label(ro.namespace)}{ref.name}, "
                              f"which is not in the project{hint}",
                              related=[RelatedRef(other[0], ("metadata", "name"), "Service in another namespace")] if other else ())


@register
class ServiceSelectorMismatch(Rule):
    """A Service the Rollout uses selects labels its pod template does not have.

    ## What it checks
    For every Service the Rollout names (see `service-not-found`), every key of the Service's
    `spec.selector` — except `rollouts-pod-template-hash`, which the controller sets — must be a label of the
    pod template (`spec.template`, or the `workloadRef` Deployment's template) with the same value.

    Reported at the Rollout's Service field; the Service's selector key and the pod template labels are related.

    ## Why it matters
    The controller marks the Rollout `InvalidSpec` (`Service "x" has unmatch label "app" in rollout`); even
    without that check the Service would select no pod of this Rollout once the controller adds the
    pod-template hash.

    ## How to fix
    Make the Service selector a subset of the pod template labels (usually `app: <name>`).

    ## Upstream
    Mirrors Argo Rollouts `ValidateService` (`spec.strategy.canary.canaryService: Invalid value: "svc":
    Service "svc" has unmatch label "app" in rollout`).
    """

    id = "RL321"
    name = "service-selector-mismatch"
    severity = Severity.ERROR
    summary = "Service selector does not match the Rollout's pod template labels"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Argo Rollouts: `Service \"x\" has unmatch label \"app\" in rollout`"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        template = refs.pod_template(ro, ctx.index)
        if template.missing_workload or not _has_template(ro):
            return  # nothing to compare with (a missing template is reported by the Rollout-spec rules)
        for ref in service_refs(ro):
            svc = find_service(ctx.index, ref.name, ro.namespace, near=ro)
            if svc is None:
                continue
            selector = as_dict(dig(svc.body, "spec", "selector"))
            for key in pod_selector_matches(selector, template.labels):
                have = template.labels.get(key)
                has = f"'{have}'" if have is not None else "no such label"
                src = "the workloadRef Deployment's pod template" if template.via_workload_ref else "the pod template"
                yield self.report(ro, ref.path,
                                  f"{ref.field} '{ref.name}': {_svc_label(svc)} selects {key}={selector.get(key)!s} but "
                                  f"{src} has {has}",
                                  related=[RelatedRef(svc, ("spec", "selector", key), f"{_svc_label(svc)} selector"),
                                           RelatedRef(template.owner, template.path + ("metadata", "labels"),
                                                      "pod template labels")])


@register
class ServiceManagedByAnotherRollout(Rule):
    """A Service the Rollout names belongs to another Rollout.

    ## What it checks
    The Service's `argo-rollouts.argoproj.io/managed-by-rollouts` annotation, when set, must be this
    Rollout's name; and no other Rollout of the same namespace may name the same Service (when a namespace is
    unknown, only Rollouts of the same file are compared).

    Reported at the Rollout's Service field; the Service's managed-by annotation, or the other Rollout's field
    and the Service, are related.

    ## Why it matters
    The controller rewrites the selector of every Service it uses and marks the Service with that
    annotation. A second Rollout is refused with `Service "x" is managed by another Rollout`, or, before
    the annotation exists, both Rollouts keep pointing the Service at their own pods.

    ## How to fix
    Give each Rollout its own Services; remove a stale annotation copied from a live object.

    ## Upstream
    Mirrors Argo Rollouts `ValidateService` / `conditions.ServiceReferencingManagedService` (`Service "x" is
    managed by another Rollout`).
    """

    id = "RL322"
    name = "service-managed-by-another-rollout"
    severity = Severity.ERROR
    summary = "Referenced Service is managed by another Rollout"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Argo Rollouts: `Service \"x\" is managed by another Rollout`"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        for ref in service_refs(ro):
            svc = find_service(ctx.index, ref.name, ro.namespace, near=ro)
            if svc is None:
                continue
            owner = as_str(svc.annotations.get(MANAGED_BY))
            if owner and owner != ro.name:
                yield self.report(ro, ref.path,
                                  f"{ref.field} '{ref.name}': {_svc_label(svc)} is annotated as managed by Rollout "
                                  f"'{owner}', not {ro.name}",
                                  related=[RelatedRef(svc, ("metadata", "annotations", MANAGED_BY), "managed-by annotation")])
                continue
            users = memo.per_run(ctx.index, ("references", "rollouts-by-service"), lambda: _rollouts_by_service(ctx))
            for other in users.get(ref.name, ()):  # index order, as a scan of every Rollout would visit them
                if other is ro or other.name == ro.name and other.namespace == ro.namespace:
                    continue
                # Unknown namespaces only count within one file: repositories often keep unrelated examples
                # that reuse Service names side by side.
                if ro.namespace is None or other.namespace is None:
                    if other.file is not ro.file or ro.namespace != other.namespace:
                        continue
                elif other.namespace != ro.namespace:
                    continue
                hits = [o for o in service_refs(other) if o.name == ref.name]
                if hits:
                    yield self.report(ro, ref.path,
                                      f"{ref.field} '{ref.name}': {_svc_label(svc)} is also used by Rollout {other.name} "
                                      f"({hits[0].field}); each Rollout needs its own Services",
                                      related=[RelatedRef(other, hits[0].path, f"Rollout {other.name} uses the same Service"),
                                               RelatedRef(svc, ("metadata", "name"), _svc_label(svc))])
                    break


def _rollouts_by_service(ctx: "Context") -> dict[str, list[Resource]]:
    """Service name -> the Rollouts naming it, built once per run instead of a scan per reference."""
    table: dict[str, list[Resource]] = {}
    for other in ctx.index.of_kind("Rollout"):
        for name in dict.fromkeys(r.name for r in service_refs(other)):
            table.setdefault(name, []).append(other)
    return table


def _has_template(ro: Resource) -> bool:
    """A pod template to compare with: inline, or via workloadRef. Kustomize patches often carry neither."""
    return isinstance(dig(ro.body, "spec", "template"), dict) or isinstance(dig(ro.body, "spec", "workloadRef"), dict)
