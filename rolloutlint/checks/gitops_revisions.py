"""RL50x: Istio control-plane revisions (`istio.io/rev`) on config objects, namespaces and pod templates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rolloutlint.views import refs
from rolloutlint.views.argocd import (
    DATAPLANE_LABEL, INJECTION_LABEL, REV_LABEL, TAG_LABEL, TSB_REVISION, is_istio_config, rev_label, rev_of,
    tsb_annotations)
from rolloutlint.core.findings import Edit, Fix, RelatedRef, Report, Severity
from rolloutlint.core.model import Resource, as_dict, as_list, as_str, dig
from rolloutlint.core.rule import Rule, register
from rolloutlint.core import memo

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context

LABEL_PATH = ("metadata", "labels", REV_LABEL)


def _set_rev_fix(res: Resource, rev: str, description: str, safe: bool) -> Fix:
    if isinstance(dig(res.body, "metadata", "labels"), dict):
        edit = Edit("set", LABEL_PATH, rev)
    else:
        edit = Edit("set", ("metadata", "labels"), {REV_LABEL: rev})
    return Fix(description, (edit,), safe=safe)


def _show(rev: str | None) -> str:
    return f"istio.io/rev={rev}" if rev is not None else "no istio.io/rev"


def revision_tags(ctx: "Context") -> dict[str, str]:
    """Revision tags the project knows: `istio.revision-tags` in config, plus tag objects in the repo
    (the `istio-revision-tag-<tag>` webhooks and tag Services `istioctl tag generate` writes, which carry
    `istio.io/tag` and `istio.io/rev`)."""
    return memo.per_run(ctx.index, ("argocd", "revision_tags"), lambda: _revision_tags(ctx))


def _revision_tags(ctx: "Context") -> dict[str, str]:
    tags = {str(k): str(v) for k, v in ctx.config.istio_revision_tags.items()}
    for kind in ("MutatingWebhookConfiguration", "Service"):
        for res in ctx.index.of_kind(kind):
            tag, rev = as_str(res.labels.get(TAG_LABEL)), rev_label(res)
            if tag and rev and tag != rev:
                tags.setdefault(tag, rev)
    return tags


@memo.per_resource
def gateway_refs(vs: Resource) -> list[tuple[str, str | None, int]]:
    """(name, namespace, index) of the Istio Gateways a VirtualService binds (`mesh` excluded)."""
    out = []
    for i, gw in enumerate(as_list(dig(vs.body, "spec", "gateways"))):
        if not isinstance(gw, str) or not gw or gw == "mesh":
            continue
        if "/" in gw:
            ns, _, name = gw.partition("/")
            out.append((name, ns or vs.namespace, i))
        elif "." in gw:  # legacy `name.namespace[.svc.cluster.local]`
            name, legacy_ns = refs.split_vs_name(gw, vs.namespace)
            out.append((name, legacy_ns, i))
        else:
            out.append((gw, vs.namespace, i))
    return out


def find_istio_gateway(ctx: "Context", name: str, ns: str | None) -> Resource | None:
    for gw in ctx.index.find("Gateway", name, ns):
        if gw.group == "networking.istio.io":
            return gw
    return None


@register
class IstioRevisionInconsistent(Rule):
    """The Istio objects one Rollout depends on carry different `istio.io/rev` labels.

    ## What it checks
    For every Rollout with Istio traffic routing: its VirtualServices, its DestinationRule and the Istio
    Gateways those VirtualServices bind (`spec.gateways`, except `mesh`) — those the repo holds — must all
    carry the same `metadata.labels["istio.io/rev"]`, or all carry none.

    Reported at the Rollout's `trafficRouting.istio`; the `istio.io/rev` label of each object it routes through
    is related.

    ## Why it matters
    istiod reads an Istio config object only when it has no `istio.io/rev` label or when the label equals
    istiod's own revision name exactly. With mixed labels, part of the routing chain (say the Gateway or
    the DestinationRule with the canary/stable subsets) is invisible to the control plane that serves the
    Rollout's pods: traffic does not reach the subsets (`503 NR`, `no healthy upstream`) or the weights the
    controller writes are never programmed. During a revision migration the mix is also the usual sign
    that one object was forgotten.

    ## How to fix
    Label every object in the chain with the revision of the istiod that must read it (or remove the label
    from all of them).

    ## Upstream
    No Istio analyzer checks this (istioctl has no revision check for config objects and Kiali has no KIA
    code for it); it follows istiod's `LabelsInRevision` config filter.
    """

    id = "RL501"
    name = "istio-revision-inconsistent"
    severity = Severity.WARNING
    summary = "The VirtualServices, DestinationRule and Gateways of a Rollout carry different istio.io/rev labels"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "istiod config filter `LabelsInRevision` (no upstream analyzer)"

    def applies(self, ctx: "Context") -> bool:
        # The objects compared are VirtualServices, DestinationRules and Gateways: they must differ somewhere.
        return memo.per_run(ctx.index, ("gitops_revisions", "route-object-revisions"), lambda: len(
            {rev_label(o) for o in ctx.index.of_kind("VirtualService", "DestinationRule", "Gateway")})) > 1

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        objects: list[Resource] = []
        seen: set[int] = set()

        def add(res: Resource | None) -> None:
            if res is not None and id(res) not in seen:
                seen.add(id(res))
                objects.append(res)

        for ref in refs.virtual_service_refs(ro):
            vs = ctx.index.find_one("VirtualService", ref.name, ref.namespace, near=ro)
            add(vs)
            if vs is not None:
                for name, ns, _ in gateway_refs(vs):
                    add(find_istio_gateway(ctx, name, ns))
        dr_ref = refs.destination_rule_ref(ro)
        if dr_ref is not None:
            add(ctx.index.find_one("DestinationRule", dr_ref.name, ro.namespace, near=ro))
        revs = {rev_label(o) for o in objects}
        if len(revs) < 2:
            return
        groups: dict[str | None, list[str]] = {}
        for o in objects:
            groups.setdefault(rev_label(o), []).append(f"{o.kind} {o.name}")
        parts = "; ".join(f"{', '.join(names)}: {_show(rev)}" for rev, names in groups.items())
        related = [RelatedRef(o, LABEL_PATH, f"{o.kind} {o.name}: {_show(rev_label(o))}") for o in objects]
        yield self.report(ro, refs.ISTIO, f"the Istio objects this Rollout routes through disagree on the control "
                          f"plane revision ({parts}); an istiod reads only unlabelled config or config labelled with "
                          f"its own revision, so part of the route is ignored", key=True, related=related)


@register
class IstioRevisionLabelMismatch(Rule):
    """An Istio config object lacks the `istio.io/rev` label the project's control plane needs.

    ## What it checks
    Only when `.rolloutlint.yaml` sets `istio.revision` (for example `tsb`, or `1-22-3`): every Istio config
    object (VirtualService, DestinationRule, Gateway, ServiceEntry, Sidecar, AuthorizationPolicy, ... — the
    `networking`, `security`, `telemetry` and `extensions.istio.io` groups) must carry
    `metadata.labels["istio.io/rev"]` with exactly that value. Objects labelled with a known revision *tag*
    are left to `istio-revision-tag-on-config`, and TSB-annotated objects under `revision: tsb` to
    `tsb-direct-mode-revision-label`. If `istio.revision` is itself a tag listed in `istio.revision-tags`,
    the revision it points at is expected.

    ## Why it matters
    An object labelled with another revision is not read by the istiod you target at all. An unlabelled
    object is read by *every* istiod in the cluster: in a revision migration it keeps applying to the old
    control plane, and in Tetrate TSB/TSE direct mode the local istiod would process it directly instead of
    leaving it to the TSB relay (TSB's admission webhook rejects it).

    ## How to fix
    Set `metadata.labels["istio.io/rev"]` to the configured revision. The fix does that; it is marked safe
    because the configured revision is the repository's declared intent, but note that it changes which
    control plane reads the object.

    ## Upstream
    Follows istiod's `LabelsInRevision` filter and the Tetrate GitOps requirement that direct-mode objects
    carry `istio.io/rev: "tsb"`; no upstream analyzer reports it.

    ## Recommended configuration
    Tell rolloutlint which revision the repo's Istio config targets, and label the objects with it:
    ```yaml
    # .rolloutlint.yaml
    istio:
      revision: tsb                 # or the istiod revision name, e.g. 1-22-3
      revision-tags:                # optional: tags → revisions, so tags on config objects are caught
        prod-stable: 1-22-3
    ---
    # every VirtualService / DestinationRule / Gateway / ServiceEntry ...
    metadata:
      labels:
        istio.io/rev: tsb
    ```
    """

    id = "RL502"
    name = "istio-revision-label-mismatch"
    severity = Severity.WARNING
    summary = "Istio config object is not labelled with the configured istio.revision"
    kinds = ("*",)
    fixable = True
    mirrors = "istiod `LabelsInRevision`; Tetrate TSB GitOps `istio.io/rev: \"tsb\"` requirement"

    def applies(self, ctx: "Context") -> bool:
        return bool(ctx.config.istio_revision)

    def check(self, res: Resource, ctx: "Context") -> Iterator[Report]:
        want = ctx.config.istio_revision
        if not want or not is_istio_config(res):
            return
        want = revision_tags(ctx).get(want, want)  # a tag in `istio.revision`: config objects need its revision
        have = rev_label(res)
        if have == want:
            return
        if have is not None and have in revision_tags(ctx):
            return  # RL503 explains the tag
        if want == TSB_REVISION and tsb_annotations(res):
            return  # RL510 reports TSB direct-mode objects
        fix = _set_rev_fix(res, want, f"set istio.io/rev to {want!r}", safe=True)
        if have is None:
            msg = (f"{res.kind} {res.name} has no istio.io/rev label but the configured revision is {want!r}; "
                   f"unlabelled config is read by every istiod in the cluster")
        else:
            msg = (f"{res.kind} {res.name} has istio.io/rev={have} but the configured revision is {want!r}; "
                   f"the {want!r} control plane ignores it")
        yield self.report(res, LABEL_PATH, msg, fix=fix)


@register
class IstioRevisionTagOnConfig(Rule):
    """An Istio config object is labelled with a revision *tag*, which istiod never resolves for config.

    ## What it checks
    `metadata.labels["istio.io/rev"]` on Istio config objects (VirtualService, DestinationRule, Istio
    `Gateway`, ServiceEntry, ...) whose value is a revision tag the project knows: a key of
    `istio.revision-tags` in `.rolloutlint.yaml` (tag → revision), or a tag defined in the repo by the
    objects `istioctl tag generate` writes (a MutatingWebhookConfiguration or Service labelled with both
    `istio.io/tag` and `istio.io/rev`). Namespaces, pods and Kubernetes Gateway API `Gateway`s may use tags
    and are not checked.

    Reported at the object's `istio.io/rev` label; nothing is related (the tag is defined in the configuration
    or by `istioctl tag` objects).

    ## Why it matters
    Tags are resolved only by the injection webhooks. istiod's config filter compares the label with its
    revision name literally, so an object labelled `prod-stable` is read by no istiod at all: the route or
    subsets it defines silently do not exist, and the object may also escape validation.

    ## How to fix
    Use the revision name the tag points at (the fix does, when the mapping is known; it is not marked
    safe because it activates config that was inert until now), or remove the label.

    ## Upstream
    istiod `LabelsInRevision` (exact revision match); reported in istio/istio#51582 and #51569. No analyzer
    checks it.
    """

    id = "RL503"
    name = "istio-revision-tag-on-config"
    severity = Severity.ERROR
    summary = "Istio config object is labelled with a revision tag; istiod matches config by revision name only"
    kinds = ("*",)
    cross_resource = True
    fixable = True
    mirrors = "istiod `LabelsInRevision` (tags are not resolved for config objects)"

    def applies(self, ctx: "Context") -> bool:
        return bool(revision_tags(ctx))

    def check(self, res: Resource, ctx: "Context") -> Iterator[Report]:
        if not is_istio_config(res):
            return
        have = rev_label(res)
        if have is None:
            return
        tags = revision_tags(ctx)
        if have not in tags:
            return
        target = tags[have]
        yield self.report(res, LABEL_PATH, f"istio.io/rev={have} is a revision tag (of revision {target!r}); istiod "
                          f"selects config objects by revision name only, so no control plane reads this {res.kind}",
                          fix=_set_rev_fix(res, target, f"set istio.io/rev to the revision {target!r}", safe=False))


def injection_labels(labels: dict[str, object]) -> list[str]:
    """IST0123's view: `istio-injection` always counts; `istio.io/rev` and `istio.io/dataplane-mode` only
    when `istio-injection` is absent or `enabled`."""
    out = []
    inj = labels.get(INJECTION_LABEL)
    if inj is not None:
        out.append(f"{INJECTION_LABEL}={inj}")
    if inj is None or str(inj) == "enabled":
        for key in (REV_LABEL, DATAPLANE_LABEL):
            if labels.get(key) is not None:
                out.append(f"{key}={labels[key]}")
    return out


@register
class NamespaceMultipleInjectionLabels(Rule):
    """A Namespace carries more than one kind of Istio injection label.

    ## What it checks
    Namespaces with two or more of `istio-injection`, `istio.io/rev` and `istio.io/dataplane-mode`; as in
    IST0123, the last two count only when `istio-injection` is absent or `enabled` (so
    `istio-injection: disabled` plus `istio.io/rev` is not reported).

    ## Why it matters
    The injection webhooks do not combine them: with `istio-injection: enabled` the *default* revision
    injects and `istio.io/rev` is ignored (the revisioned webhooks require `istio-injection` to be absent),
    so a canary revision you meant to use never injects the Rollout's pods. Istio calls this undefined
    behaviour.

    ## How to fix
    Keep one label: `istio.io/rev: <revision or tag>` for revisioned control planes, or
    `istio-injection: enabled` for the default one.

    ## Upstream
    Mirrors Istio IST0123 NamespaceMultipleInjectionLabels (`The namespace has more than one type of
    injection labels %v, which may lead to undefined behavior. Make sure only one injection label exists.`).

    ## Recommended configuration
    ```yaml
    apiVersion: v1
    kind: Namespace
    metadata:
      name: bookinfo
      labels:
        istio.io/rev: prod-stable   # a revision or a tag; no istio-injection label
    ```
    """

    id = "RL504"
    name = "namespace-multiple-injection-labels"
    severity = Severity.WARNING
    summary = "Namespace has more than one type of Istio injection label"
    kinds = ("Namespace",)
    mirrors = "Istio IST0123: `The namespace has more than one type of injection labels %v, which may lead to undefined behavior`"

    def check(self, ns: Resource, ctx: "Context") -> Iterator[Report]:
        found = injection_labels(ns.labels)
        if len(found) < 2:
            return
        extra = ""
        if str(ns.labels.get(INJECTION_LABEL)) == "enabled" and ns.labels.get(REV_LABEL) is not None:
            extra = f"; istio-injection=enabled wins, so the default revision injects, not {rev_of(ns.labels)!r}"
        yield self.report(ns, ("metadata", "labels"), f"the namespace has more than one type of injection labels "
                          f"[{' '.join(found)}], which may lead to undefined behavior; keep only one{extra}", key=True)


@register
class PodRevisionLabelIgnored(Rule):
    """A pod template's `istio.io/rev` label is overridden by its Namespace's injection labels.

    ## What it checks
    Rollouts (inline template), Deployments, StatefulSets and DaemonSets whose pod template sets
    `istio.io/rev`, when their Namespace is in the repo and carries `istio-injection` or a different
    `istio.io/rev`. Pods that opt out (`sidecar.istio.io/inject: "false"`) are skipped.

    Reported at the pod template's `istio.io/rev` label; the Namespace's injection label is related.

    ## Why it matters
    The pod-level revision webhook only applies in namespaces with no injection label at all. With
    `istio-injection: enabled` the default revision injects; with `istio-injection: disabled` (or any other
    value) nothing injects; with a namespace `istio.io/rev` that revision wins. Either way the Rollout's
    pods run with a proxy from another control plane than the one their VirtualService/DestinationRule
    revision targets — or with none.

    ## How to fix
    Put the revision on the Namespace (`istio.io/rev`, without `istio-injection`) and drop it from the pod
    template, or remove the namespace label if pods choose their revision individually.

    ## Upstream
    Follows Istio's injection webhook selectors (`rev.object.sidecar-injector.istio.io` requires the
    namespace to have neither label; istio/istio#37088, #42654). Istio's analyzers do not inspect Rollouts.
    """

    id = "RL505"
    name = "pod-revision-label-ignored"
    severity = Severity.WARNING
    summary = "Pod template istio.io/rev is overridden by the namespace's injection labels"
    kinds = ("Rollout", "Deployment", "StatefulSet", "DaemonSet")
    cross_resource = True
    mirrors = "Istio sidecar injector webhook selectors (namespace labels beat pod labels)"

    def applies(self, ctx: "Context") -> bool:
        return any(True for _ in ctx.index.of_kind("Namespace"))  # the pod label is compared with its Namespace's

    def check(self, res: Resource, ctx: "Context") -> Iterator[Report]:
        labels = as_dict(dig(res.body, "spec", "template", "metadata", "labels"))
        pod_rev = rev_of(labels)
        if pod_rev is None or str(labels.get("sidecar.istio.io/inject", "")).lower() == "false":
            return
        if res.namespace is None:
            return
        ns = ctx.index.find_one("Namespace", res.namespace, None)
        if ns is None:
            return
        inj, ns_rev = ns.labels.get(INJECTION_LABEL), rev_of(ns.labels)
        path = ("spec", "template", "metadata", "labels", REV_LABEL)
        if inj is not None:
            if str(inj) == "enabled":
                if pod_rev == "default":
                    return
                why = "istio-injection=enabled, so the default revision injects these pods"
            else:
                why = f"istio-injection={inj}, so no revision injects these pods"
            rel = RelatedRef(ns, ("metadata", "labels", INJECTION_LABEL), f"Namespace {ns.name}: istio-injection={inj}")
        elif ns_rev is not None and ns_rev != pod_rev:
            why = f"istio.io/rev={ns_rev}, which wins over the pod label"
            rel = RelatedRef(ns, ("metadata", "labels", REV_LABEL), f"Namespace {ns.name}: istio.io/rev={ns_rev}")
        else:
            return
        yield self.report(res, path, f"pod template istio.io/rev={pod_rev} is ignored: Namespace {ns.name} has {why}",
                          related=[rel])
