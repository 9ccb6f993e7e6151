"""RL61x: Rollouts that adopt a Deployment through `workloadRef`, under GitOps."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rolloutlint.checks.gitops_argocd import covered
from rolloutlint.views.argocd import apps_deploying
from rolloutlint.core.findings import Edit, Fix, RelatedRef, Report, Severity
from rolloutlint.core.model import Resource, as_dict, as_str, dig
from rolloutlint.core.rule import Rule, register

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context

SAFE_DEFAULT = "onsuccess"


@register
class WorkloadRefDeploymentNotScaledDown(Rule):
    """A Rollout adopts a Deployment through `workloadRef`, and the Deployment keeps running its own pods.

    ## What it checks
    Rollouts with `spec.workloadRef` naming a Deployment the repo holds:

    - the Deployment must have `spec.replicas: 0` (an omitted `replicas` means 1), or the Rollout must set
      `workloadRef.scaleDown` (`never`, `onsuccess` or `progressively`) to say how the old pods go away;
    - when `scaleDown` is `onsuccess` or `progressively` and the Deployment sets `replicas` above 0 in Git,
      an automated Argo CD Application deploying the Deployment must ignore its `/spec/replicas` (with
      `RespectIgnoreDifferences=true`), or it scales the Deployment back up after the controller scaled it
      down.

    Reported at the Rollout's `workloadRef.scaleDown`; the Deployment's `replicas` (and the Application that
    syncs it) are related.

    ## Why it matters
    The Rollout creates its own ReplicaSets from the Deployment's template and does not touch the
    Deployment's pods unless told to. Both sets of pods match the Service selector: twice the capacity, and
    stable traffic partly served by pods the Rollout does not control. Nothing reports unhealthy. With
    Argo CD, a scaled-down Deployment whose manifest still says `replicas: N` is scaled up again at the
    next sync; `progressively` is only evaluated for the first revision, so it is never drained again.

    ## How to fix
    Set `workloadRef.scaleDown: onsuccess` (the fix's choice: the controller scales the Deployment to 0
    only once the Rollout is fully available, so serving capacity never drops; `progressively` saves
    capacity but scales the old pods down while the new ones are still being proven) and set the
    Deployment's `replicas: 0` in Git once the migration is done. The fix is not marked safe: it makes the
    controller scale the Deployment down.

    ## Upstream
    Mirrors the Argo Rollouts migration guide ("Reference Deployment From Rollout": `scaleDown`, or scale the
    Deployment to zero) and argoproj/argo-rollouts#4935, #4321.

    ## Recommended configuration
    ```yaml
    # Rollout adopting a Deployment
    spec:
      workloadRef:
        apiVersion: apps/v1
        kind: Deployment
        name: reviews
        scaleDown: onsuccess
    ---
    # the Deployment, once migrated
    spec:
      replicas: 0
    ```
    """

    id = "RL610"
    name = "workloadref-deployment-not-scaled-down"
    severity = Severity.WARNING
    summary = "workloadRef Deployment keeps its replicas, so old and new pods both run"
    kinds = ("Rollout",)
    cross_resource = True
    fixable = True
    mirrors = "Argo Rollouts migration guide: `workloadRef.scaleDown` or Deployment `replicas: 0`"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        ref = as_dict(dig(ro.body, "spec", "workloadRef"))
        if not ref or (as_str(ref.get("kind")) or "Deployment") != "Deployment":
            return
        dep = ctx.index.find_one("Deployment", as_str(ref.get("name")), ro.namespace, near=ro)
        if dep is None:
            return
        raw = dig(dep.body, "spec", "replicas")
        replicas = raw if isinstance(raw, int) and not isinstance(raw, bool) else (1 if raw is None else None)
        if replicas is None or replicas == 0:
            return
        scale_down = as_str(ref.get("scaleDown"))
        rel = RelatedRef(dep, ("spec", "replicas") if raw is not None else ("spec",),
                         f"Deployment {dep.name}: replicas {replicas}" + ("" if raw is not None else " (default)"))
        if scale_down is None:
            fix = Fix(f"set workloadRef.scaleDown: {SAFE_DEFAULT}",
                      (Edit("set", ("spec", "workloadRef", "scaleDown"), SAFE_DEFAULT),), safe=False)
            yield self.report(ro, ("spec", "workloadRef", "scaleDown"), f"Deployment {dep.name} keeps {replicas} "
                              f"replica(s) and workloadRef sets no scaleDown: its pods keep running next to this "
                              f"Rollout's (double capacity, traffic to pods the Rollout does not control)",
                              related=[rel], fix=fix)
            return
        if scale_down not in ("onsuccess", "progressively") or raw is None:
            return
        for app in apps_deploying(dep, ctx):
            if app.automated() is None:
                continue
            if covered(app, dep, ["spec", "replicas"]) and app.respects_ignore_differences():
                continue
            yield self.report(ro, ("spec", "workloadRef", "scaleDown"), f"scaleDown: {scale_down} scales Deployment "
                              f"{dep.name} to 0, but {app.label} syncs it with replicas: {replicas} from Git and scales "
                              f"it back up; set replicas: 0 in Git (or ignore /spec/replicas with "
                              f"RespectIgnoreDifferences=true)",
                              related=[rel, RelatedRef(app.resource, app.path("syncPolicy"),
                                                       f"{app.label} syncs automatically")])
            return
