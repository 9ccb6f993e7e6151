"""RL100-RL108, RL120-RL122: the Rollout spec as `ValidateRolloutSpec` / `ValidateRolloutStrategy` /
`ValidateRolloutStrategyBlueGreen` check it (argo-rollouts `pkg/apis/rollouts/validation/validation.go`).

The controller reports the first of these errors as the `InvalidSpec` condition
(`The Rollout "x" is invalid: <field>: <detail>`) and does nothing else with the Rollout until it is fixed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rolloutlint.views import refs
from rolloutlint.views import rollout as rc
from rolloutlint.core.findings import RelatedRef, Report, Severity
from rolloutlint.core.model import as_dict, dig
from rolloutlint.core.rule import Rule, register
from rolloutlint.core import memo

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context
    from rolloutlint.core.model import Resource


@register
class StrategyMissing(Rule):
    """The Rollout sets neither `strategy.canary` nor `strategy.blueGreen`.

    ## What it checks
    `spec.strategy` must hold a canary or a blueGreen block. A key written with no value (`canary:`) is null and
    does not count; `canary: {}` does.

    ## Why it matters
    The controller refuses the Rollout: condition `InvalidSpec` with
    `spec.strategy.strategy: Required value: Rollout has missing field '.spec.strategy.canary or
    .spec.strategy.blueGreen'`. No ReplicaSet is created.

    ## How to fix
    Add `strategy.canary` (with `steps`) or `strategy.blueGreen` (with `activeService`).

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutStrategy` (catalog RO112).
    """

    id = "RL100"
    name = "strategy-missing"
    severity = Severity.ERROR
    summary = "Rollout has neither a canary nor a blueGreen strategy"
    kinds = ("Rollout",)
    mirrors = ("Argo Rollouts: `spec.strategy.strategy: Required value: Rollout has missing field "
               "'.spec.strategy.canary or .spec.strategy.blueGreen'`")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        if not rc.has_canary(ro) and not rc.has_blue_green(ro):
            path = ("spec", "strategy") if isinstance(dig(ro.body, "spec", "strategy"), dict) else ("spec",)
            yield self.report(ro, path, "Rollout has missing field '.spec.strategy.canary or .spec.strategy.blueGreen'"
                              ": add a canary or blueGreen strategy", key=True)


@register
class MultipleStrategies(Rule):
    """The Rollout sets both `strategy.canary` and `strategy.blueGreen`.

    ## What it checks
    Exactly one of `strategy.canary` / `strategy.blueGreen` may be set (non-null).

    ## Why it matters
    The controller refuses the Rollout: `spec.strategy.strategy: Invalid value: "blueGreen: true canary: true":
    Multiple Strategies can not be listed` (condition `InvalidSpec`).

    ## How to fix
    Delete the strategy you do not use.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutStrategy` (catalog RO113).
    """

    id = "RL101"
    name = "multiple-strategies"
    severity = Severity.ERROR
    summary = "Rollout sets both canary and blueGreen strategies"
    kinds = ("Rollout",)
    mirrors = ("Argo Rollouts: `spec.strategy.strategy: Invalid value: \"blueGreen: true canary: true\": Multiple "
               "Strategies can not be listed`")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        if rc.has_canary(ro) and rc.has_blue_green(ro):
            yield self.report(ro, refs.BLUE_GREEN, "Multiple Strategies can not be listed: both canary and blueGreen "
                              "are set; keep one", key=True,
                              related=[RelatedRef(ro, refs.CANARY, "canary strategy set here")])


@register
class SelectorMissing(Rule):
    """The Rollout has no `spec.selector` and no `spec.workloadRef`.

    ## What it checks
    `spec.selector` is required unless the pod template comes from `spec.workloadRef` (the controller then takes
    the selector from the referenced workload).

    ## Why it matters
    The controller refuses the Rollout: `spec.selector: Required value: Rollout has missing field '.spec.selector'`
    (condition `InvalidSpec`).

    ## How to fix
    Add `spec.selector.matchLabels` with the pod template's identifying labels (e.g. `app: reviews`). The selector
    is immutable once applied, so choose it carefully.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutSpec` (catalog RO102).
    """

    id = "RL102"
    name = "selector-missing"
    severity = Severity.ERROR
    summary = "Rollout has no spec.selector"
    kinds = ("Rollout",)
    mirrors = "Argo Rollouts: `spec.selector: Required value: Rollout has missing field '.spec.selector'`"

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        spec = ro.spec
        if not rc.is_set(spec, "workloadRef") and not rc.is_set(spec, "selector"):
            labels = dig(spec, "template", "metadata", "labels")
            hint = f" (e.g. matchLabels {rc.labels_text(rc_labels(labels))})" if isinstance(labels, dict) and labels else ""
            yield self.report(ro, ("spec",), f"Rollout has missing field '.spec.selector': add a selector{hint}", key=True)


@memo.per_resource
def _own_selector_problems(ro: "Resource") -> list[tuple[tuple[Any, ...], str, bool]]:
    """`selector_problems` of `spec.selector` (none when it is not a mapping), for the two selector rules."""
    sel = ro.spec.get("selector")
    return rc.selector_problems(sel) if isinstance(sel, dict) else []


def rc_labels(value: Any) -> dict[str, str]:
    return {str(k): rc.label_str(v) for k, v in as_dict(value).items()}


@register
class SelectorEmpty(Rule):
    """`spec.selector` selects nothing specific (no `matchLabels`, no `matchExpressions`).

    ## What it checks
    A Rollout without `workloadRef` whose selector has neither labels nor expressions.

    ## Why it matters
    The controller refuses the Rollout: `spec.selector: Invalid value: ...: empty selector is invalid for
    deployment` (condition `InvalidSpec`). An empty selector would select every pod of the namespace.

    ## How to fix
    Put the pod template's identifying labels in `spec.selector.matchLabels`.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutSpec` (catalog RO104).
    """

    id = "RL103"
    name = "selector-empty"
    severity = Severity.ERROR
    summary = "spec.selector has no matchLabels and no matchExpressions"
    kinds = ("Rollout",)
    mirrors = "Argo Rollouts: `spec.selector: Invalid value: ...: empty selector is invalid for deployment`"

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        sel = ro.spec.get("selector")
        if rc.is_set(ro.spec, "workloadRef") or not isinstance(sel, dict):
            return
        if rc.selector_is_empty(sel):
            yield self.report(ro, ("spec", "selector"), "empty selector is invalid for deployment: add matchLabels "
                              "naming the pod template's labels")


@register
class SelectorInvalid(Rule):
    """`spec.selector` is not a valid Kubernetes label selector.

    ## What it checks
    `matchLabels` keys and values and `matchExpressions` entries: label keys must be qualified names, values
    valid label values; `operator` must be `In`, `NotIn`, `Exists` or `DoesNotExist`; `In`/`NotIn` need at least
    one value and `Exists`/`DoesNotExist` must have none.

    ## Why it matters
    The controller refuses the Rollout (`spec.selector.matchExpressions[0].values: Required value: must be
    specified when operator is 'In' or 'NotIn'`, `spec.selector: Invalid value: ...: invalid label selector`),
    condition `InvalidSpec`.

    ## How to fix
    Correct the entry named in the message; most selectors only need `matchLabels`.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutSpec` → Kubernetes `ValidateLabelSelector` and `LabelSelectorAsSelector`
    (catalog RO103, RO106).
    """

    id = "RL104"
    name = "selector-invalid"
    severity = Severity.ERROR
    summary = "spec.selector is not a valid label selector"
    kinds = ("Rollout",)
    mirrors = "Argo Rollouts / Kubernetes: `spec.selector: Invalid value: ...: invalid label selector`"

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        for sub, msg, key in _own_selector_problems(ro):
            yield self.report(ro, ("spec", "selector") + sub, f"invalid label selector: {msg}", key=key)


@register
class SelectorTemplateMismatch(Rule):
    """The Rollout's selector does not select the pods of its own pod template.

    ## What it checks
    The effective selector (`spec.selector`, or the workloadRef Deployment's selector when the Rollout has none)
    must match the effective pod template labels (`spec.template.metadata.labels`, or the template of the
    Deployment named by `spec.workloadRef`). `matchLabels` and `matchExpressions` are evaluated like Kubernetes
    does. An empty or invalid selector is left to `selector-empty` / `selector-invalid`; a workloadRef Deployment
    that is not in the repository is left to `workload-ref-not-found`.

    Reported at the Rollout's `spec.selector` (`spec.workloadRef` when it has none) with the workloadRef
    Deployment's template labels related; with an inline template, at the template's `labels`, the selector
    related.

    ## Why it matters
    The controller refuses the Rollout: ``spec.template.metadata.labels: Invalid value: ...: `selector` does not
    match template `labels` `` (condition `InvalidSpec`). A workloadRef Rollout fails the same way once the
    Deployment's template is resolved.

    ## How to fix
    Make the template carry every label the selector requires (usually by adding the missing `app:` label to
    the template; the selector is immutable on a live Rollout).

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutSpec` → Kubernetes `ValidatePodTemplateSpecForReplicaSet`
    (catalog RO107).
    """

    id = "RL105"
    name = "selector-does-not-match-template"
    severity = Severity.ERROR
    summary = "spec.selector does not match the pod template labels"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = ("Argo Rollouts / Kubernetes: ``spec.template.metadata.labels: Invalid value: ...: `selector` does not "
               "match template `labels` ``")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        spec = ro.spec
        tmpl = rc.pod_template(ro, ctx.index)
        if tmpl.missing_workload:
            return
        own_sel = spec.get("selector")
        if tmpl.via_workload_ref:
            sel = own_sel if isinstance(own_sel, dict) else as_dict(dig(tmpl.owner.body, "spec", "selector"))
            sel_path = ("spec", "selector") if isinstance(own_sel, dict) else ("spec", "workloadRef")
        else:
            if not isinstance(own_sel, dict) or not isinstance(spec.get("template"), dict):
                return
            sel, sel_path = own_sel, ("spec", "selector")
        if not sel or rc.selector_is_empty(sel) or (
                _own_selector_problems(ro) if sel is own_sel else rc.selector_problems(sel)):
            return  # selector-empty / selector-invalid
        labels = rc_labels(dig(tmpl.owner.body, *tmpl.path, "metadata", "labels"))
        if rc.selector_matches(sel, labels) is not False:
            return
        msg = (f"`selector` does not match template `labels`: selector {rc.selector_text(sel)} does not select "
               f"template labels {rc.labels_text(labels)}")
        if tmpl.via_workload_ref:
            yield self.report(ro, sel_path, msg + f" of {tmpl.owner.kind} {tmpl.owner.name}", key=True,
                              related=[RelatedRef(tmpl.owner, tmpl.path + ("metadata", "labels"),
                                                  f"{tmpl.owner.kind} {tmpl.owner.name} pod template labels")])
        else:
            lpath: tuple[str, ...] = ("spec", "template", "metadata", "labels")
            if not isinstance(dig(ro.body, *lpath), dict):
                lpath = ("spec", "template", "metadata") if isinstance(dig(ro.body, "spec", "template", "metadata"), dict) \
                    else ("spec", "template")
            yield self.report(ro, lpath, msg, key=True, related=[RelatedRef(ro, sel_path, "selector")])


@register
class PodTemplateNotForReplicaSet(Rule):
    """The pod template sets something a ReplicaSet pod template may not have.

    ## What it checks
    `spec.template.spec.restartPolicy` other than `Always`, and any `spec.template.spec.activeDeadlineSeconds`
    (also in the template of a workloadRef Deployment).

    Reported at the field in the Rollout's own template; with a workloadRef, at the Rollout's
    `spec.workloadRef`, the Deployment's pod template related.

    ## Why it matters
    The controller validates the template as a ReplicaSet template and refuses the Rollout:
    `spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"` or
    `spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported`
    (condition `InvalidSpec`).

    ## How to fix
    Delete `restartPolicy` (it defaults to `Always`) and `activeDeadlineSeconds`; long-running pods managed by a
    ReplicaSet are always restarted.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutSpec` → Kubernetes `ValidatePodTemplateSpecForReplicaSet` (catalog RO107).
    """

    id = "RL106"
    name = "pod-template-invalid-for-replicaset"
    severity = Severity.ERROR
    summary = "Pod template sets restartPolicy other than Always or activeDeadlineSeconds"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = ("Argo Rollouts / Kubernetes: `spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported "
               "values: \"Always\"`; `activeDeadlineSeconds in ReplicaSet is not Supported`")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        tmpl = rc.pod_template(ro, ctx.index)
        if tmpl.missing_workload:
            return
        pod = as_dict(dig(tmpl.owner.body, *tmpl.path, "spec"))
        own = tmpl.owner is ro
        where = "" if own else f" (in {tmpl.owner.kind} {tmpl.owner.name}, referenced by workloadRef)"
        at = (lambda key: tmpl.path + ("spec", key)) if own else (lambda key: ("spec", "workloadRef"))
        rel = [] if own else [RelatedRef(tmpl.owner, tmpl.path + ("spec",), "pod template")]
        rp = pod.get("restartPolicy")
        if rp is not None and rp != "Always":
            yield self.report(ro, at("restartPolicy"), f"Unsupported value: \"{rp}\": supported values: \"Always\"{where}; "
                              "a Rollout's pods are managed by ReplicaSets and must restart", related=rel)
        if pod.get("activeDeadlineSeconds") is not None:
            yield self.report(ro, at("activeDeadlineSeconds"), "activeDeadlineSeconds in ReplicaSet is not Supported"
                              f"{where}; remove it", key=own, related=rel)


@register
class NegativeSpecValue(Rule):
    """`replicas`, `minReadySeconds`, `revisionHistoryLimit` or `progressDeadlineSeconds` is negative.

    ## What it checks
    Each of the four integer fields of `spec` must be ≥ 0 when set.

    ## Why it matters
    The controller refuses the Rollout: `spec.replicas: Invalid value: -1: must be greater than or equal to 0`
    (condition `InvalidSpec`).

    ## How to fix
    Use 0 or a positive value, or delete the field to get the default (replicas 1, revisionHistoryLimit 10,
    progressDeadlineSeconds 600, minReadySeconds 0).

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutSpec` → `ValidateNonnegativeField` (catalog RO101, RO108, RO109, RO110).
    """

    id = "RL107"
    name = "negative-spec-value"
    severity = Severity.ERROR
    summary = "replicas, minReadySeconds, revisionHistoryLimit or progressDeadlineSeconds is negative"
    kinds = ("Rollout",)
    mirrors = "Argo Rollouts: `spec.replicas: Invalid value: -1: must be greater than or equal to 0`"

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        for key in ("replicas", "minReadySeconds", "revisionHistoryLimit", "progressDeadlineSeconds"):
            v = rc.as_int(ro.spec.get(key))
            if v is not None and v < 0:
                yield self.report(ro, ("spec", key), f"spec.{key}: Invalid value: {v}: must be greater than or equal to 0")


@register
class ProgressDeadlineNotAboveMinReady(Rule):
    """`progressDeadlineSeconds` is not greater than `minReadySeconds`.

    ## What it checks
    `progressDeadlineSeconds` (default 600) must be strictly greater than `minReadySeconds` (default 0).

    ## Why it matters
    The controller refuses the Rollout: `spec.progressDeadlineSeconds: Invalid value: 600: must be greater than
    minReadySeconds` (condition `InvalidSpec`). A deadline shorter than the readiness wait could never be met.

    ## How to fix
    Raise `progressDeadlineSeconds` above `minReadySeconds` (leave a margin for image pulls and start-up), or
    lower `minReadySeconds`.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutSpec` (catalog RO111).
    """

    id = "RL108"
    name = "progress-deadline-not-above-min-ready"
    severity = Severity.ERROR
    summary = "progressDeadlineSeconds is not greater than minReadySeconds"
    kinds = ("Rollout",)
    mirrors = "Argo Rollouts: `spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds`"

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        pds_raw, mrs_raw = ro.spec.get("progressDeadlineSeconds"), ro.spec.get("minReadySeconds")
        pds = rc.as_int(pds_raw)
        mrs = 0 if mrs_raw is None else rc.as_int(mrs_raw)
        if mrs is None or (pds_raw is not None and pds is None):
            return  # wrong types: schema rule
        pds_eff = 600 if pds is None else pds
        if pds_eff <= mrs:
            if pds is None:
                yield self.report(ro, ("spec", "minReadySeconds"), f"progressDeadlineSeconds (default 600) must be greater "
                                  f"than minReadySeconds ({mrs}): set progressDeadlineSeconds above {mrs}")
            else:
                dflt = " by default" if mrs_raw is None else ""
                rel = [] if mrs_raw is None else [RelatedRef(ro, ("spec", "minReadySeconds"), f"minReadySeconds: {mrs}")]
                yield self.report(ro, ("spec", "progressDeadlineSeconds"), f"progressDeadlineSeconds {pds} must be "
                                  f"greater than minReadySeconds ({mrs}{dflt})", related=rel)


# ------------------------------------------------------------------------------------------------ blueGreen

@register
class ActivePreviewSameService(Rule):
    """blueGreen `activeService` is empty, or equal to `previewService`.

    ## What it checks
    `strategy.blueGreen.activeService` must be a non-empty name different from `previewService`. The controller
    compares the two strings, so an empty `activeService` with no `previewService` fails the same check. (A
    missing `activeService` key is also a schema error, RL011. Whether the Services exist is checked by the
    reference rules.)

    ## Why it matters
    The controller refuses the Rollout: `spec.strategy.activeService: Invalid value: "svc": This rollout uses the
    same service for the active and preview services, but two different services are required.`
    (condition `InvalidSpec`). One Service cannot point at the old and the new ReplicaSet at once.

    ## How to fix
    Create a second Service for previews and name it in `previewService`, or drop `previewService`.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutStrategyBlueGreen` (catalog RO120).
    """

    id = "RL120"
    name = "active-preview-same-service"
    severity = Severity.ERROR
    summary = "blueGreen activeService is empty or the same as previewService"
    kinds = ("Rollout",)
    mirrors = ("Argo Rollouts: `spec.strategy.activeService: Invalid value: \"svc\": This rollout uses the same service "
               "for the active and preview services, but two different services are required.`")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        if not rc.only_blue_green(ro):
            return
        bg = refs.blue_green(ro)
        if "activeService" not in bg:
            return  # schema: required property
        active = bg.get("activeService") or ""
        preview = bg.get("previewService") or ""
        if not isinstance(active, str) or not isinstance(preview, str):
            return
        if active == "":
            yield self.report(ro, refs.BLUE_GREEN + ("activeService",), "blueGreen activeService is empty: name the "
                              "Service that receives production traffic")
        elif active == preview:
            yield self.report(ro, refs.BLUE_GREEN + ("previewService",), f"This rollout uses the same service for the "
                              f"active and preview services ({active!r}), but two different services are required",
                              related=[RelatedRef(ro, refs.BLUE_GREEN + ("activeService",), f"activeService: {active}")])


@register
class ScaleDownRevisionLimitAboveHistory(Rule):
    """blueGreen `scaleDownDelayRevisionLimit` is larger than `revisionHistoryLimit`.

    ## What it checks
    `strategy.blueGreen.scaleDownDelayRevisionLimit` must be ≤ `spec.revisionHistoryLimit` (default 10).
    The canary field of the same name is not validated by the controller and not checked here.

    ## Why it matters
    The controller refuses the Rollout: `spec.strategy.scaleDownDelayRevisionLimit: Invalid value: 11: This
    rollout's revision history limit can not be smaller than the rollout's scale down limit`
    (condition `InvalidSpec`).

    ## How to fix
    Lower `scaleDownDelayRevisionLimit` or raise `revisionHistoryLimit`.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutStrategyBlueGreen` (catalog RO121).
    """

    id = "RL121"
    name = "scale-down-revision-limit-above-history"
    severity = Severity.ERROR
    summary = "blueGreen scaleDownDelayRevisionLimit exceeds revisionHistoryLimit"
    kinds = ("Rollout",)
    mirrors = ("Argo Rollouts: `spec.strategy.scaleDownDelayRevisionLimit: Invalid value: 11: This rollout's revision "
               "history limit can not be smaller than the rollout's scale down limit`")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        if not rc.only_blue_green(ro):
            return
        limit = rc.as_int(refs.blue_green(ro).get("scaleDownDelayRevisionLimit"))
        rhl_raw = ro.spec.get("revisionHistoryLimit")
        rhl = 10 if rhl_raw is None else rc.as_int(rhl_raw)
        if limit is None or rhl is None or limit <= rhl:
            return
        related = ([RelatedRef(ro, ("spec", "revisionHistoryLimit"), f"revisionHistoryLimit: {rhl}")]
                   if rhl_raw is not None else [])
        yield self.report(ro, refs.BLUE_GREEN + ("scaleDownDelayRevisionLimit",),
                          f"This rollout's revision history limit ({rhl}{' by default' if rhl_raw is None else ''}) can "
                          f"not be smaller than the rollout's scale down limit ({limit})", related=related)


@register
class AntiAffinityInvalid(Rule):
    """`antiAffinity` does not set exactly one strategy, or its weight is outside 1–100.

    ## What it checks
    `strategy.canary.antiAffinity` / `strategy.blueGreen.antiAffinity` must set exactly one of
    `preferredDuringSchedulingIgnoredDuringExecution` and `requiredDuringSchedulingIgnoredDuringExecution`;
    the preferred one's `weight` must be between 1 and 100.

    ## Why it matters
    The controller refuses the Rollout: `spec.strategy.antiAffinity: Invalid value: ...: AntiAffinity must have
    exactly one strategy listed` or `spec.strategy.antiAffinity.weight: Invalid value: 0: AntiAffinity weight must
    be between 1-100` (condition `InvalidSpec`).

    ## How to fix
    Keep one of the two blocks; give the preferred one a weight between 1 and 100.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutStrategyAntiAffinity` (catalog RO175, RO176).
    """

    id = "RL122"
    name = "anti-affinity-invalid"
    severity = Severity.ERROR
    summary = "antiAffinity must set exactly one strategy with a weight of 1-100"
    kinds = ("Rollout",)
    mirrors = ("Argo Rollouts: `spec.strategy.antiAffinity: ... AntiAffinity must have exactly one strategy listed`; "
               "`AntiAffinity weight must be between 1-100`")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        if rc.only_canary(ro):
            base = refs.CANARY
        elif rc.only_blue_green(ro):
            base = refs.BLUE_GREEN
        else:
            return
        aa = dig(ro.body, *base, "antiAffinity")
        if not isinstance(aa, dict):
            return
        pref_key, req_key = "preferredDuringSchedulingIgnoredDuringExecution", "requiredDuringSchedulingIgnoredDuringExecution"
        pref, req = rc.is_set(aa, pref_key), rc.is_set(aa, req_key)
        if pref == req:
            what = "both are set" if pref else "neither is set"
            yield self.report(ro, base + ("antiAffinity",), f"AntiAffinity must have exactly one strategy listed "
                              f"({pref_key} or {req_key}); {what}", key=True)
        if pref and isinstance(aa[pref_key], dict) and "weight" in aa[pref_key]:  # missing weight: schema (RL011)
            w = aa[pref_key].get("weight")
            wi = 0 if w is None else rc.as_int(w)  # null decodes to Go's zero value
            if wi is not None and not 1 <= wi <= 100:
                yield self.report(ro, base + ("antiAffinity", pref_key, "weight"),
                                  f"AntiAffinity weight must be between 1-100, got {wi}")
