"""RL51x: Tetrate Service Bridge / Service Express (TSB/TSE) direct-mode Istio objects applied through GitOps."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rolloutlint.views import refs
from rolloutlint.views.argocd import (
    TSB_PREFIX, TSB_REVISION, has_tsb_annotations, is_istio_config, rev_label, tsb_annotations)
from rolloutlint.checks.gitops_revisions import LABEL_PATH, _set_rev_fix
from rolloutlint.core.findings import RelatedRef, Report, Severity
from rolloutlint.core.model import Resource, as_dict, as_list, as_str, dig
from rolloutlint.core.rule import Rule, register
from rolloutlint.core import memo

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context

HIERARCHY = ("organization", "tenant", "workspace")
GROUPS = ("gatewayGroup", "trafficGroup", "securityGroup", "istioInternalGroup")
SECURITY_KINDS = frozenset({"AuthorizationPolicy", "PeerAuthentication", "RequestAuthentication"})
ANNOTATIONS = ("metadata", "annotations")



def is_direct_mode(res: Resource, ctx: "Context") -> bool:
    """A TSB/TSE direct-mode Istio object: TSB annotations, the `tsb` revision label, or a `tsb` project."""
    if not is_istio_config(res):
        return False
    return bool(tsb_annotations(res)) or rev_label(res) == TSB_REVISION or ctx.config.istio_revision == TSB_REVISION


def direct_mode_in_use(ctx: "Context") -> bool:
    """Is any object of the project in direct mode (`is_direct_mode`)? The TSB rules report on nothing else."""
    return ctx.config.istio_revision == TSB_REVISION or memo.per_run(ctx.index, ("gitops_tsb", "direct-mode"), lambda: any(
        is_istio_config(res) and (rev_label(res) == TSB_REVISION or has_tsb_annotations(res)) for res in ctx.index.resources))


@register
class TsbDirectModeRevisionLabel(Rule):
    """A TSB/TSE direct-mode Istio object lacks the `istio.io/rev: "tsb"` label.

    ## What it checks
    Istio config objects (VirtualService, DestinationRule, Gateway, ServiceEntry, AuthorizationPolicy, ...)
    that carry Tetrate hierarchy annotations (`tsb.tetrate.io/organization`, `.../workspace`,
    `.../trafficGroup`, ...) must be labelled `istio.io/rev: "tsb"`.

    ## Why it matters
    Tetrate's GitOps integration forwards direct-mode objects from the application cluster to the TSB
    Management Plane, which validates them and distributes the resulting configuration. The label keeps
    the local istiod from acting on the raw object first, and TSB's admission webhook rejects direct-mode
    objects that lack it, so the Argo CD sync fails.

    ## How to fix
    Add `istio.io/rev: "tsb"` to `metadata.labels` (the fix does; it is safe because without the label the
    object is rejected anyway).

    ## Upstream
    Mirrors the Tetrate TSB/TSE GitOps documentation ("Using Istio direct mode resources": direct-mode
    resources applied through GitOps need the label `istio.io/rev: "tsb"`) and the TSB + Argo Rollouts guide.

    ## Recommended configuration
    A direct-mode object applied by Argo CD (names are examples):
    ```yaml
    apiVersion: networking.istio.io/v1beta1
    kind: DestinationRule
    metadata:
      name: checkout
      namespace: shop
      labels:
        istio.io/rev: tsb
      annotations:
        tsb.tetrate.io/organization: acme
        tsb.tetrate.io/tenant: retail
        tsb.tetrate.io/workspace: shop-ws
        tsb.tetrate.io/trafficGroup: shop-traffic   # gatewayGroup for Gateways, securityGroup for security.istio.io
    ```

    ## TSB bridged mode
    In bridged mode TSB generates the Istio VirtualServices and DestinationRules from its own
    `ServiceRoute`/group configuration, so the repo holds no Istio objects for the Rollout to reference.
    Declare the generated objects external in `.rolloutlint.yaml` so that the reference rules do not
    report them as missing:

    ```yaml
    external:
      - {kind: VirtualService, name: reviews, namespace: bookinfo}
      - {kind: DestinationRule, name: reviews, namespace: bookinfo}
    ```
    """

    id = "RL510"
    name = "tsb-direct-mode-revision-label"
    severity = Severity.ERROR
    summary = "TSB direct-mode Istio object is not labelled istio.io/rev: tsb"
    kinds = ("*",)
    fixable = True
    mirrors = "Tetrate TSB/TSE GitOps: direct-mode resources need `istio.io/rev: \"tsb\"` (admission webhook)"

    def applies(self, ctx: "Context") -> bool:
        return direct_mode_in_use(ctx)

    def check(self, res: Resource, ctx: "Context") -> Iterator[Report]:
        if not is_istio_config(res) or not tsb_annotations(res):
            return
        have = rev_label(res)
        if have == TSB_REVISION:
            return
        now = f"istio.io/rev={have}" if have is not None else "no istio.io/rev label"
        yield self.report(res, LABEL_PATH, f"{res.kind} {res.name} has TSB annotations (direct mode) but {now}; "
                          f"TSB's admission webhook rejects direct-mode objects without istio.io/rev: tsb",
                          fix=_set_rev_fix(res, TSB_REVISION, "set istio.io/rev to 'tsb'", safe=True))


def allowed_groups(kind: str) -> tuple[str, ...]:
    if kind == "Gateway":
        return ("gatewayGroup",)
    if kind in SECURITY_KINDS:
        return ("securityGroup",)
    return ("gatewayGroup", "trafficGroup", "istioInternalGroup")


@register
class TsbDirectModeAnnotationsIncomplete(Rule):
    """A TSB/TSE direct-mode Istio object does not name its full place in the Tetrate hierarchy.

    ## What it checks
    Istio config objects in direct mode (they carry `tsb.tetrate.io/*` annotations or the label
    `istio.io/rev: "tsb"`, or the project sets `istio.revision: tsb`) need the annotations
    `tsb.tetrate.io/organization`, `tsb.tetrate.io/tenant`, `tsb.tetrate.io/workspace` and exactly one group
    annotation that fits the kind:

    - Gateway: `tsb.tetrate.io/gatewayGroup`;
    - AuthorizationPolicy, PeerAuthentication, RequestAuthentication: `tsb.tetrate.io/securityGroup`;
    - VirtualService, DestinationRule, ServiceEntry, Sidecar and the rest: `tsb.tetrate.io/gatewayGroup`
      (objects of an ingress gateway), `tsb.tetrate.io/trafficGroup` (mesh traffic) or
      `tsb.tetrate.io/istioInternalGroup`.

    ## Why it matters
    The TSB relay places a direct-mode object in the hierarchy (organization → tenant → workspace →
    group) by these annotations; the group must be a `configMode: DIRECT` group of the right type. Without
    them the Management Plane cannot attach the object to a group, so the configuration is never
    distributed even though the Argo CD sync looks fine.

    ## How to fix
    Add the missing annotations with the names of your TSB organization, tenant, workspace and group.

    ## Upstream
    Mirrors the Tetrate TSB/TSE GitOps documentation (hierarchy annotations on Istio direct-mode resources;
    examples in Tetrate's Argo Rollouts guide).

    ## TSB bridged mode
    Bridged-mode objects are generated by TSB and are not in the repo; see `tsb-direct-mode-revision-label`
    for declaring them `external` in `.rolloutlint.yaml`.
    """

    id = "RL511"
    name = "tsb-direct-mode-annotations-incomplete"
    severity = Severity.ERROR
    summary = "TSB direct-mode Istio object lacks hierarchy or group annotations"
    kinds = ("*",)
    mirrors = "Tetrate TSB/TSE GitOps: `tsb.tetrate.io/{organization,tenant,workspace,<type>Group}` annotations"

    def applies(self, ctx: "Context") -> bool:
        return direct_mode_in_use(ctx)

    def check(self, res: Resource, ctx: "Context") -> Iterator[Report]:
        if not is_direct_mode(res, ctx):
            return
        ann = tsb_annotations(res)
        missing = [TSB_PREFIX + k for k in HIERARCHY if not as_str(ann.get(TSB_PREFIX + k))]
        groups = [g for g in GROUPS if ann.get(TSB_PREFIX + g) is not None]
        allowed = allowed_groups(res.kind)
        problems = []
        if missing:
            problems.append("missing " + ", ".join(missing))
        if not groups:
            problems.append("missing a group annotation (" + " or ".join(TSB_PREFIX + g for g in allowed) + ")")
        elif len(groups) > 1:
            problems.append("more than one group annotation (" + ", ".join(TSB_PREFIX + g for g in groups) + ")")
        elif groups[0] not in allowed:
            problems.append(f"a {res.kind} cannot belong to a {groups[0]} (use "
                            + " or ".join(TSB_PREFIX + g for g in allowed) + ")")
        if not problems:
            return
        path: tuple[str, ...] = ANNOTATIONS if ann or res.annotations else ("metadata",)
        if len(groups) == 1 and groups[0] not in allowed and not missing:
            path = ANNOTATIONS + (TSB_PREFIX + groups[0],)
        yield self.report(res, path, f"TSB direct-mode {res.kind} {res.name}: {'; '.join(problems)}; the TSB relay "
                          f"cannot place it in the organization/tenant/workspace/group hierarchy", key=True)


@register
class TsbDirectModeSubsetsNotDistinguished(Rule):
    """The canary and stable subsets of a Rollout's TSB direct-mode DestinationRule select the same labels.

    ## What it checks
    For a Rollout using subset-level Istio routing whose DestinationRule is a TSB/TSE direct-mode object
    (TSB annotations, `istio.io/rev: "tsb"`, or `istio.revision: tsb` in config): the canary and stable
    subsets must differ in at least one label other than `rollouts-pod-template-hash`, and the labels that
    `canaryMetadata.labels` / `stableMetadata.labels` give the pods (for example `version: canary` /
    `version: stable`) are the ones to use. Subset labels the pods lack are `subset-labels-unsatisfiable`'s
    business, not this rule's.

    Reported at the Rollout's `destinationRule` reference; the two DestinationRule subsets are related.

    ## Why it matters
    In direct mode the DestinationRule is not read by the local istiod: the TSB relay forwards it to the
    Management Plane, which distributes it. With identical subsets, canary and stable are told apart only by
    the pod-template hash the Rollouts controller writes into the DestinationRule at runtime, so whenever
    the copy TSB distributes lacks that runtime edit (the object as applied from Git, before the controller
    has patched it, or after a sync re-applies it) both subsets select every pod and the weights split
    nothing. Tetrate's Argo Rollouts guide distinguishes the subsets with `canaryMetadata` /
    `stableMetadata` role labels for this reason.

    ## How to fix
    Set role labels in `canaryMetadata.labels` and `stableMetadata.labels` (e.g. `version: canary` and
    `version: stable`) and add the same label to the matching subset.

    ## Upstream
    Mirrors the subset convention of Tetrate's "TSB + Argo Rollouts" GitOps guide (subsets `stable` and
    `canary` selecting `version: stable|canary` set through `stableMetadata`/`canaryMetadata`).
    """

    id = "RL512"
    name = "tsb-direct-mode-subsets-not-distinguished"
    severity = Severity.WARNING
    summary = "Canary and stable subsets of a TSB direct-mode DestinationRule select the same labels"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Tetrate TSB + Argo Rollouts guide: subsets distinguished by canaryMetadata/stableMetadata labels"

    def applies(self, ctx: "Context") -> bool:
        return direct_mode_in_use(ctx)

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        ref = refs.destination_rule_ref(ro)
        if ref is None or not ref.canary_subset or not ref.stable_subset or ref.canary_subset == ref.stable_subset:
            return
        dr = ctx.index.find_one("DestinationRule", ref.name, ro.namespace, near=ro)
        if dr is None or not is_direct_mode(dr, ctx):
            return
        subsets: dict[str, tuple[int, dict[str, str]]] = {}
        for i, s in enumerate(as_list(dig(dr.body, "spec", "subsets"))):
            name = as_str(as_dict(s).get("name"))
            if name and name not in subsets:
                labels = {str(k): str(v) for k, v in as_dict(as_dict(s).get("labels")).items() if k != refs.POD_TEMPLATE_HASH}
                subsets[name] = (i, labels)
        if ref.canary_subset not in subsets or ref.stable_subset not in subsets:
            return
        ci, canary = subsets[ref.canary_subset]
        si, stable = subsets[ref.stable_subset]
        if canary != stable:
            return
        cmeta = {str(k): str(v) for k, v in as_dict(dig(ro.body, *refs.CANARY, "canaryMetadata", "labels")).items()}
        smeta = {str(k): str(v) for k, v in as_dict(dig(ro.body, *refs.CANARY, "stableMetadata", "labels")).items()}
        roles = [k for k in cmeta if k in smeta and cmeta[k] != smeta[k]]
        if roles:
            k = roles[0]
            hint = (f"add {k}: {cmeta[k]} to subset {ref.canary_subset!r} and {k}: {smeta[k]} to subset "
                    f"{ref.stable_subset!r} (canaryMetadata/stableMetadata already set them on the pods)")
        else:
            hint = ("set role labels in canaryMetadata.labels/stableMetadata.labels (e.g. version: canary/stable) "
                    "and select them in the subsets")
        shown = ", ".join(f"{k}={v}" for k, v in sorted(canary.items())) or "no labels"
        yield self.report(ro, ref.path, f"subsets {ref.canary_subset!r} and {ref.stable_subset!r} of TSB direct-mode "
                          f"DestinationRule {dr.name} both select {shown}; only the pod-template hash the controller "
                          f"writes at runtime tells canary from stable; {hint}", key=True,
                          related=[RelatedRef(dr, ("spec", "subsets", ci), f"subset {ref.canary_subset}"),
                                   RelatedRef(dr, ("spec", "subsets", si), f"subset {ref.stable_subset}")])
