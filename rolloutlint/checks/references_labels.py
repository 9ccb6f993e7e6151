"""RL330: the labels of the canary/stable DestinationRule subsets must select the Rollout's pods."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rolloutlint.views import refs
from rolloutlint.views.references import ns_label, pod_selector_matches, referenced_destination_rule, uses_istio
from rolloutlint.core.findings import RelatedRef, Report, Severity
from rolloutlint.core.model import Resource, as_dict, as_list, as_str, dig
from rolloutlint.core.rule import Rule, register

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context


@register
class SubsetLabelsUnsatisfiable(Rule):
    """A canary/stable DestinationRule subset requires labels the Rollout's pods never carry.

    ## What it checks
    The `labels` of the DestinationRule subset named by `canarySubsetName` must all be carried by canary
    pods: the pod template labels (`spec.template` or the `workloadRef` Deployment's) plus
    `canaryMetadata.labels`. Likewise the stable subset against the template plus `stableMetadata.labels`
    (the `version: canary|stable` pattern works through these). A `rollouts-pod-template-hash` label in the
    subset is ignored: the controller sets it.

    Reported at the Rollout's `canarySubsetName` / `stableSubsetName`; the subset label in the DestinationRule
    and the pod template labels are related.

    ## Why it matters
    The controller only adds `rollouts-pod-template-hash` to the subset and keeps your labels, so a label
    the pods lack makes the subset select no endpoint: Envoy answers 503 `no healthy upstream` for that
    share of the traffic (istioctl IST0173-like, Kiali KIA0203), typically as soon as the first `setWeight`
    sends traffic to the canary.

    ## How to fix
    Remove the label from the subset (the pod-template hash is enough to tell canary from stable), or add it
    to the pod template, or to `canaryMetadata.labels` / `stableMetadata.labels` for role labels.

    ## Upstream
    Derived from Argo Rollouts `UpdateHash` (subset labels preserved, hash added) and Istio subset selection;
    Kiali KIA0203 `This subset's labels are not found in any matching host`.
    """

    id = "RL330"
    name = "subset-labels-unsatisfiable"
    severity = Severity.ERROR
    summary = "DestinationRule subset labels are not carried by the Rollout's canary/stable pods"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Kiali KIA0203 `This subset's labels are not found in any matching host`"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        if not uses_istio(ro):
            return
        ref, dr = referenced_destination_rule(ro, ctx.index)
        if ref is None or dr is None:
            return
        template = refs.pod_template(ro, ctx.index)
        if template.missing_workload or not _has_template(ro):
            return  # nothing to compare with (a missing template is reported by the Rollout-spec rules)
        pods = refs.pod_labels(ro, ctx.index)
        for role, subset_name, field in (("canary", ref.canary_subset, "canarySubsetName"),
                                         ("stable", ref.stable_subset, "stableSubsetName")):
            if not subset_name:
                continue
            for i, subset in enumerate(as_list(dig(dr.body, "spec", "subsets"))):
                subset = as_dict(subset)
                if as_str(subset.get("name")) != subset_name:
                    continue
                labels = as_dict(subset.get("labels"))
                for key in pod_selector_matches(labels, pods[role]):
                    have = pods[role].get(key)
                    has = f"{key}={have}" if have is not None else f"no '{key}' label"
                    yield self.report(
                        ro, ref.path + (field,),
                        f"{role} subset '{subset_name}' of DestinationRule {ns_label(dr.namespace)}{dr.name} requires {key}={labels.get(key)!s}, but {role} pods "
                        f"of Rollout {ro.name} have {has} (pod template labels plus {role}Metadata.labels)",
                        related=[RelatedRef(dr, ("spec", "subsets", i, "labels", key), f"subset '{subset_name}' label"),
                                 RelatedRef(template.owner, template.path + ("metadata", "labels"), "pod template labels")])
                break


def _has_template(ro: Resource) -> bool:
    """A pod template to compare with: inline, or via workloadRef. Kustomize patches often carry neither."""
    return isinstance(dig(ro.body, "spec", "template"), dict) or isinstance(dig(ro.body, "spec", "workloadRef"), dict)
