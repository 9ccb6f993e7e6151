"""RL110-RL113: `spec.workloadRef` — the pod template taken from another workload (argo-rollouts
`rollout/templateref.go` `Resolve` and `ValidateRolloutSpec`). Selector matching against the referenced template is
`selector-does-not-match-template` (RL105)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rolloutlint.views import rollout as rc
from rolloutlint.core.findings import Edit, Fix, RelatedRef, Report, Severity
from rolloutlint.core.model import as_dict, as_str, dig
from rolloutlint.core.rule import Rule, register

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context
    from rolloutlint.core.model import Resource

WREF = ("spec", "workloadRef")
# (group, kind) the template resolver knows (`infoByGroupKind`), with the apiVersion to suggest.
SUPPORTED = {("apps", "Deployment"): "apps/v1", ("apps", "ReplicaSet"): "apps/v1", ("", "PodTemplate"): "v1"}


def _group(api_version: str) -> str:
    """Group of an apiVersion as `schema.FromAPIVersionAndKind` reads it (`apps/v1` -> `apps`, `v1` -> ``); an
    apiVersion that does not parse (`a/b/c`) gives the empty group, as the Go code ignores the parse error."""
    parts = api_version.split("/")
    return parts[0] if len(parts) == 2 else ""


@register
class WorkloadRefTemplateNotEmpty(Rule):
    """A Rollout with `workloadRef` also sets pod template labels or annotations.

    ## What it checks
    When `spec.workloadRef` is set, `spec.template.metadata.labels` and `.annotations` must be empty (the
    controller only looks at these two when deciding whether the template is empty).

    ## Why it matters
    The controller refuses the Rollout: `spec.template: Internal error: template must be empty for workload
    reference rollout` (also raised while resolving the reference, wrapped as `spec.workloadRef: Invalid value`).
    The pod template comes from the referenced workload; a second one would be ambiguous.

    ## How to fix
    Delete `spec.template` and put labels/annotations on the referenced Deployment's template.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutSpec` and `templateref.go` `Resolve` (catalog RO105).
    """

    id = "RL110"
    name = "workload-ref-template-not-empty"
    severity = Severity.ERROR
    summary = "Rollout with workloadRef also sets template labels or annotations"
    kinds = ("Rollout",)
    fixable = True
    mirrors = "Argo Rollouts: `spec.template: Internal error: template must be empty for workload reference rollout`"

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        if not rc.is_set(ro.spec, "workloadRef"):
            return
        meta = as_dict(dig(ro.spec, "template", "metadata"))
        if as_dict(meta.get("labels")) or as_dict(meta.get("annotations")):
            yield self.report(ro, ("spec", "template"), "template must be empty for workload reference rollout: the pod "
                              "template comes from workloadRef; move labels/annotations to the referenced workload",
                              key=True, related=[RelatedRef(ro, WREF, "workloadRef")],
                              fix=Fix("delete spec.template", (Edit("delete", ("spec", "template"), None),), safe=False))


@register
class WorkloadRefKindUnsupported(Rule):
    """`workloadRef` names a kind the controller cannot take a pod template from.

    ## What it checks
    `spec.workloadRef.apiVersion` + `kind` must be `apps/v1` `Deployment`, `apps/v1` `ReplicaSet` or `v1`
    `PodTemplate`. The group comes from `apiVersion`, so a Deployment with `apiVersion: v1` or no `apiVersion`
    is not supported either.

    ## Why it matters
    The controller cannot resolve the template: `spec.workloadRef: Invalid value: ...: workload of type
    apps/StatefulSet is not supported` (condition `InvalidSpec`); no pods are created.

    ## How to fix
    Reference a Deployment with `apiVersion: apps/v1`, `kind: Deployment` (or use an inline `spec.template`).

    ## Upstream
    Mirrors Argo Rollouts `templateref.go` `Resolve` (`infoByGroupKind`), wrapped by `InvalidWorkloadRef`
    (catalog RO114).
    """

    id = "RL111"
    name = "workload-ref-kind-unsupported"
    severity = Severity.ERROR
    summary = "workloadRef kind/apiVersion is not apps/v1 Deployment, apps/v1 ReplicaSet or v1 PodTemplate"
    kinds = ("Rollout",)
    mirrors = "Argo Rollouts: `spec.workloadRef: Invalid value: ...: workload of type %s/%s is not supported`"

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        ref = ro.spec.get("workloadRef")
        if not isinstance(ref, dict):
            return
        api = ref.get("apiVersion")
        kind = ref.get("kind")
        api_s = api if isinstance(api, str) else ""
        kind_s = kind if isinstance(kind, str) else ""
        group = _group(api_s)
        if (group, kind_s) in SUPPORTED:
            return
        hint = ""
        for (_, k), av in SUPPORTED.items():
            if k.lower() == kind_s.lower():
                hint = f"; use apiVersion: {av}, kind: {k}"
        if not hint:
            hint = "; supported: apps/v1 Deployment, apps/v1 ReplicaSet, v1 PodTemplate"
        if any(k == kind_s for _, k in SUPPORTED):  # right kind, wrong or missing apiVersion group
            path = WREF + ("apiVersion",) if "apiVersion" in ref else WREF
        else:
            path = WREF + ("kind",) if "kind" in ref else WREF
        yield self.report(ro, path, f"workload of type {group or ''}/{kind_s} is not supported "
                          f"(apiVersion {api_s or '<unset>'!s}, kind {kind_s or '<unset>'}){hint}")


@register
class WorkloadRefNotFound(Rule):
    """`workloadRef` names a Deployment (ReplicaSet, PodTemplate) that is not in the repository.

    ## What it checks
    The object named by `spec.workloadRef` (`kind`, `name`, in the Rollout's namespace) must be one of the linted
    manifests, unless it is declared `external` in `.rolloutlint.yaml`.

    Reported at `workloadRef.name` in the Rollout; an object of that name in another namespace is related.

    ## Why it matters
    The controller cannot resolve the pod template and reports the lookup error
    (`deployments.apps "reviews" not found`) on the Rollout; nothing is rolled out. In GitOps the Deployment is
    usually synced from the same repository, so a missing one is a typo or a forgotten file.

    ## How to fix
    Fix `workloadRef.name` (or the namespace), add the workload's manifest, or declare it as external:
    `external: [{kind: Deployment, name: reviews}]`.

    ## Upstream
    Mirrors Argo Rollouts `templateref.go` `Resolve` (informer lookup of the referenced workload).
    """

    id = "RL112"
    name = "workload-ref-not-found"
    severity = Severity.ERROR
    summary = "workloadRef names a workload that is not in the repository"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Argo Rollouts: workloadRef resolution fails with the NotFound error (`deployments.apps \"x\" not found`)"

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        ref = ro.spec.get("workloadRef")
        if not isinstance(ref, dict):
            return
        name, kind = as_str(ref.get("name")), as_str(ref.get("kind"))
        api = as_str(ref.get("apiVersion")) or ""
        group = _group(api)
        if not name or not kind or (group, kind) not in SUPPORTED:
            return
        if ctx.index.find(kind, name, ro.namespace) or ctx.index.is_external(kind, name, ro.namespace):
            return
        others = [r for r in ctx.index.of_kind(kind) if r.name == name]
        where = f" in namespace {ro.namespace}" if ro.namespace else ""
        extra = ""
        if others:
            extra = "; one exists in namespace " + ", ".join(sorted({str(o.namespace) for o in others}))
        yield self.report(ro, WREF + ("name",), f"workloadRef {kind} {name!r} not found{where}{extra}: add its manifest "
                          "or declare it external in .rolloutlint.yaml",
                          related=[RelatedRef(o, ("metadata", "namespace"), f"{kind} {name} in namespace {o.namespace}")
                                   for o in others])


@register
class WorkloadRefScaleDownInvalid(Rule):
    """`workloadRef.scaleDown` is not `never`, `onsuccess` or `progressively`.

    ## What it checks
    The value of `spec.workloadRef.scaleDown` (case-sensitive; the schema does not restrict it).

    ## Why it matters
    The controller compares the value with its three constants; anything else (`OnSuccess`, `true`) silently
    behaves like `never`, so the referenced Deployment keeps running next to the Rollout and doubles the
    capacity (and, with Argo CD auto-sync, a manual scale-down is reverted).

    ## How to fix
    Use `onsuccess` (scale the Deployment to 0 once the Rollout is healthy), `progressively`, or `never`.

    ## Upstream
    Derived from Argo Rollouts `ScaleDownNever`/`ScaleDownOnSuccess`/`ScaleDownProgressively` (catalog RO606).
    """

    id = "RL113"
    name = "workload-ref-scale-down-invalid"
    severity = Severity.WARNING
    summary = "workloadRef.scaleDown is not never, onsuccess or progressively"
    kinds = ("Rollout",)
    fixable = True
    mirrors = "Argo Rollouts: `workloadRef.scaleDown` constants `never` / `onsuccess` / `progressively` (no validation)"

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        ref = ro.spec.get("workloadRef")
        if not isinstance(ref, dict) or "scaleDown" not in ref or ref.get("scaleDown") is None:
            return
        val = ref.get("scaleDown")
        if val in ("never", "onsuccess", "progressively"):
            return
        fix = None
        if isinstance(val, str) and val.lower() in ("never", "onsuccess", "progressively"):
            fix = Fix(f"use {val.lower()!r}", (Edit("set", WREF + ("scaleDown",), val.lower()),), safe=True)
        yield self.report(ro, WREF + ("scaleDown",), f"workloadRef.scaleDown {val!r} is not one of never, onsuccess, "
                          "progressively: the controller treats it as never and leaves the Deployment running", fix=fix)
