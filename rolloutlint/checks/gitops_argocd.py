"""RL60x: Argo CD Applications that deploy Argo Rollouts and the Istio objects they manage.

Each rule's docstring ends with a "## Recommended configuration" section; `scripts/gen_gitops_doc.py`
concatenates them into docs/gitops.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rolloutlint.views import refs
from rolloutlint.views.argocd import (
    RESPECT, SYNC_WAVE, App, app_of, apps_deploying, deployed_objects, deployed_rows, deploys, entry_matches, hook_phases, sync_wave, vs_users)
from rolloutlint.core.findings import Edit, Fix, RelatedRef, Report, Severity
from rolloutlint.core.model import Resource, as_dict, as_list, as_str, dig
from rolloutlint.core.rule import Rule, register
from rolloutlint.core import memo

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context

APP_KINDS = ("Application", "ApplicationSet")
ROLLOUTS_MANAGER = "rollouts-controller"
WEIGHT_JQ = {"http": ".spec.http[].route[].weight", "tls": ".spec.tls[].route[].weight", "tcp": ".spec.tcp[].route[].weight"}

# --------------------------------------------------------------------------------------------------------
# ignoreDifferences path coverage: an entry covers a concrete field when one of its JSON pointers or simple
# jq paths is that field or one of its ancestors (Argo CD deletes the matched subtree before diffing).

_JQ_SEG = re.compile(r'\.([A-Za-z_][A-Za-z0-9_-]*)|\[\]|\[(\d+)\]|\["([^"]*)"\]|\.\["([^"]*)"\]')


def _jq_segments(expr: str) -> list[str] | None:
    """`.spec.http[].route[].weight` → ['spec', 'http', '*', 'route', '*', 'weight']; None when not a plain path."""
    text = expr.replace(" ", "").replace("?", "")
    if not text.startswith("."):
        return None
    out: list[str] = []
    pos = 0
    while pos < len(text):
        m = _JQ_SEG.match(text, pos)
        if not m:
            return None
        if m.group(1) is not None:
            out.append(m.group(1))
        elif m.group(0) == "[]":
            out.append("*")
        elif m.group(2) is not None:
            out.append(m.group(2))
        else:
            out.append(m.group(3) if m.group(3) is not None else m.group(4))
        pos = m.end()
    return out


def _pointer_segments(ptr: str) -> list[str] | None:
    if not ptr.startswith("/"):
        return None
    return [p.replace("~1", "/").replace("~0", "~") for p in ptr[1:].split("/")]


def _covers(pattern: list[str], concrete: list[str]) -> bool:
    if not pattern or len(pattern) > len(concrete):
        return False
    return all(p == "*" or p == c for p, c in zip(pattern, concrete))


def entry_covers(entry: dict[str, Any], concrete: list[str], managers: tuple[str, ...] = ()) -> bool:
    for ptr in as_list(entry.get("jsonPointers")):
        seg = _pointer_segments(ptr) if isinstance(ptr, str) else None
        # RFC 6902 pointers are literal: `*` is a key named "*", never a wildcard (argo-cd#5276).
        if seg and len(seg) <= len(concrete) and all(p == c for p, c in zip(seg, concrete)):
            return True
    for expr in as_list(entry.get("jqPathExpressions")):
        if not isinstance(expr, str):
            continue
        seg = _jq_segments(expr)
        if seg is not None:
            if _covers(seg, concrete):
                return True
        elif concrete[-1] in expr:  # a filter expression (select(...), |) naming the field: trust it
            return True
    return any(m in managers for m in as_list(entry.get("managedFieldsManagers")))


def covered(app: App, res: Resource, concrete: list[str], managers: tuple[str, ...] = ()) -> bool:
    return any(entry_matches(e, res) and entry_covers(e, concrete, managers) for _, e in app.ignore_entries())


def _add_entry_edits(app: App, entry: dict[str, Any]) -> list[Edit]:
    existing = dig(app.resource.body, *app.path("ignoreDifferences"))
    if isinstance(existing, list):
        return [Edit("insert", app.path("ignoreDifferences", len(existing)), entry)]
    return [Edit("set", app.path("ignoreDifferences"), [entry])]


def _respect_edits(app: App) -> list[Edit]:
    if app.respects_ignore_differences():
        return []
    opts = dig(app.resource.body, *app.path("syncPolicy", "syncOptions"))
    if isinstance(opts, list):
        return [Edit("insert", app.path("syncPolicy", "syncOptions", len(opts)), RESPECT)]
    if isinstance(dig(app.resource.body, *app.path("syncPolicy")), dict):
        return [Edit("set", app.path("syncPolicy", "syncOptions"), [RESPECT])]
    return [Edit("set", app.path("syncPolicy"), {"syncOptions": [RESPECT]})]


def _respect_path(app: App) -> tuple[Any, ...]:
    if isinstance(dig(app.resource.body, *app.path("syncPolicy", "syncOptions")), list):
        return app.path("syncPolicy", "syncOptions")
    return app.path("syncPolicy")


# --------------------------------------------------------------------------------------------------------


def _weight_fields(vs: Resource, ref: refs.VirtualServiceRef) -> dict[str, list[list[str]]]:
    """Concrete paths of the destination weights the controller rewrites, by route kind."""
    out: dict[str, list[list[str]]] = {}
    http = refs.http_routes(vs)
    wanted = set(ref.routes) if ref.routes else None
    for i, route in enumerate(http):
        if wanted is not None and as_str(as_dict(route).get("name")) not in wanted:
            continue
        for j, _ in enumerate(as_list(as_dict(route).get("route"))):
            out.setdefault("http", []).append(["spec", "http", str(i), "route", str(j), "weight"])
    for kind, given in (("tls", ref.tls_routes), ("tcp", ref.tcp_routes)):
        if not given:
            continue
        for i, route in enumerate(as_list(dig(vs.body, "spec", kind))):
            for j, _ in enumerate(as_list(as_dict(route).get("route"))):
                out.setdefault(kind, []).append(["spec", kind, str(i), "route", str(j), "weight"])
    return out


@register
class SelfHealRevertsTrafficWeights(Rule):
    """An Argo CD Application self-heals a VirtualService whose weights a Rollout changes, without ignoring them.

    ## What it checks
    Applications (and plain ApplicationSet templates) with `syncPolicy.automated.selfHeal: true` that
    deploy a VirtualService an Istio-routed Rollout manages. The Application must have an
    `ignoreDifferences` entry selecting that VirtualService (group `networking.istio.io`, kind
    `VirtualService`, optional exact name/namespace) whose `jqPathExpressions` or literal `jsonPointers`
    (RFC 6902: `/spec/http/*/route` covers nothing, see `argocd-json-pointer-wildcard`) cover the
    destination weights of the managed routes (`.spec.http[].route[].weight`, or `.spec.tls[]...`/
    `.spec.tcp[]...` for TLS/TCP routes; a covering parent such as `.spec.http` also counts), and the sync
    option `RespectIgnoreDifferences=true`. Files are mapped to Applications through `source.path` /
    `sources[].path` relative to the project root (non-recursive unless `directory.recurse: true`).

    Reported at the Application's `ignoreDifferences` (its `selfHeal` when it has none; its sync options when
    only `RespectIgnoreDifferences=true` is missing), which the fix edits; the Rollouts that rewrite the
    weights, or the VirtualService, are related.

    ## Why it matters
    During a canary the Rollouts controller rewrites the weights (90/10, 80/20, ...). Argo CD then sees the
    VirtualService OutOfSync and self-heal applies the Git weights (100/0) back; the controller sets them
    again, and traffic flaps between the two until the rollout ends. `ignoreDifferences` alone only hides
    the diff: any sync for another change still applies the Git weights unless `RespectIgnoreDifferences`
    is set.

    DestinationRules need no entry: the controller only adds `rollouts-pod-template-hash` to the subset
    labels, a field that is neither in Git nor in the last-applied configuration, which Argo CD's diff
    (client-side three-way or server-side) does not report and `kubectl apply` keeps.

    ## How to fix
    Add the entry and the sync option below (the fix does both; it only changes what Argo CD compares and
    applies for the weights, so it is marked safe).

    ## Upstream
    Mirrors the Argo Rollouts documentation, Istio traffic management, "Integrating with GitOps", and Argo
    CD's diffing/sync-options docs; reported in argoproj/argo-rollouts#849 and #3854.

    ## Recommended configuration
    ```yaml
    spec:
      ignoreDifferences:
        - group: networking.istio.io
          kind: VirtualService
          jqPathExpressions:
            - .spec.http[].route[].weight
      syncPolicy:
        automated:
          selfHeal: true
        syncOptions:
          - ApplyOutOfSyncOnly=true
          - RespectIgnoreDifferences=true
    ```
    """

    id = "RL601"
    name = "argocd-selfheal-reverts-traffic-weights"
    severity = Severity.WARNING
    summary = "Self-healing Argo CD Application does not ignore the VirtualService weights a Rollout manages"
    kinds = APP_KINDS
    cross_resource = True
    fixable = True
    mirrors = ("Argo Rollouts docs, Istio \"Integrating with GitOps\": ignoreDifferences "
               "`.spec.http[].route[].weight` + RespectIgnoreDifferences=true")

    def check(self, res: Resource, ctx: "Context") -> Iterator[Report]:
        app = app_of(res, ctx)
        if app is None or not app.self_heal():
            return
        uncovered: dict[str, tuple[Resource, Resource]] = {}
        kinds_needed: set[str] = set()
        managed: list[tuple[Resource, Resource]] = []
        for vs in deployed_objects(app, "VirtualService", ctx):
            for ro, ref in vs_users(ctx).get(id(vs), ()):
                managed.append((vs, ro))
                for kind, fields in _weight_fields(vs, ref).items():
                    if not all(covered(app, vs, f, (ROLLOUTS_MANAGER,)) for f in fields):
                        uncovered.setdefault(vs.name or "", (vs, ro))
                        kinds_needed.add(kind)
        if uncovered:
            names = ", ".join(sorted(uncovered))
            exprs = [WEIGHT_JQ[k] for k in ("http", "tls", "tcp") if k in kinds_needed]
            entry = {"group": "networking.istio.io", "kind": "VirtualService", "jqPathExpressions": exprs}
            fix = Fix("add an ignoreDifferences entry for the VirtualService weights and RespectIgnoreDifferences=true",
                      tuple(_add_entry_edits(app, entry) + _respect_edits(app)), safe=True)
            related = [RelatedRef(ro, refs.ISTIO, f"Rollout {ro.name} rewrites the weights of VirtualService {vs.name}")
                       for vs, ro in uncovered.values()]
            path = app.path("ignoreDifferences") if app.spec.get("ignoreDifferences") is not None \
                else app.path("syncPolicy", "automated", "selfHeal")
            yield self.report(res, path, f"{app.label} self-heals VirtualService {names}, whose route weights a Rollout "
                              f"changes during a canary, but does not ignore {' / '.join(exprs)}; self-heal reverts the "
                              f"weights to Git mid-rollout and traffic flaps", key=True, related=related, fix=fix)
        elif managed and not app.respects_ignore_differences():
            vs, ro = managed[0]
            fix = Fix("add the sync option RespectIgnoreDifferences=true", tuple(_respect_edits(app)), safe=True)
            yield self.report(res, _respect_path(app), f"{app.label} ignores the weights of VirtualService {vs.name} "
                              f"in the diff but has no sync option {RESPECT}; every sync still applies the Git weights "
                              f"while Rollout {ro.name} is shifting traffic",
                              related=[RelatedRef(vs, ("spec",), f"VirtualService {vs.name} managed by Rollout {ro.name}")],
                              key=True, fix=fix)


@register
class ManagedFieldsManagerHidesEdits(Rule):
    """`ignoreDifferences.managedFieldsManagers` lists the Argo Rollouts controller.

    ## What it checks
    `ignoreDifferences[].managedFieldsManagers` entries naming `rollouts-controller` in Applications and
    plain ApplicationSet templates.

    ## Why it matters
    Argo CD then ignores every field the Rollouts controller has ever written on the matching objects. After
    the first canary the controller owns the whole route list of the VirtualService (and the subset labels
    of the DestinationRule), so later edits you make in Git to those routes (a new match, a timeout, a
    retry policy) are never detected as a difference and never synced. It works, but it hides more than the
    weights.

    ## How to fix
    Prefer `jqPathExpressions: [.spec.http[].route[].weight]` (see `argocd-selfheal-reverts-traffic-weights`),
    which ignores only the weights. Keep the manager entry only if you accept that Git edits to the managed
    routes need a manual sync with replace.

    ## Upstream
    Mirrors the caveat discussed in argoproj/argo-rollouts#3854 and #4539 about the managed-fields approach
    to the Argo CD diff.

    ## Recommended configuration
    Ignore the weights by path rather than by field manager:
    ```yaml
    spec:
      ignoreDifferences:
        - group: networking.istio.io
          kind: VirtualService
          jqPathExpressions:
            - .spec.http[].route[].weight
    ```
    """

    id = "RL602"
    name = "argocd-managed-fields-manager-hides-edits"
    severity = Severity.INFO
    summary = "ignoreDifferences by the rollouts-controller field manager hides later Git edits to managed routes"
    kinds = APP_KINDS
    mirrors = "argoproj/argo-rollouts#3854, #4539 (managedFieldsManagers: rollouts-controller)"

    def check(self, res: Resource, ctx: "Context") -> Iterator[Report]:
        app = app_of(res, ctx)
        if app is None:
            return
        for i, entry in app.ignore_entries():
            for j, mgr in enumerate(as_list(entry.get("managedFieldsManagers"))):
                if mgr == ROLLOUTS_MANAGER:
                    what = f"{entry.get('kind') or '?'}"
                    yield self.report(res, app.path("ignoreDifferences", i, "managedFieldsManagers", j),
                                      f"ignoring every field {ROLLOUTS_MANAGER} manages on {what} objects also hides later "
                                      f"Git edits to the routes it has touched; prefer jqPathExpressions "
                                      f"{WEIGHT_JQ['http']} to ignore only the weights")


@memo.per_resource
def analysis_template_refs(ro: Resource) -> list[tuple[dict[str, Any], tuple[Any, ...]]]:
    """Every `templates[]` / experiment `analyses[]` entry of a Rollout, with its path."""
    return list(_analysis_template_refs(ro))


def _analysis_template_refs(ro: Resource) -> Iterator[tuple[dict[str, Any], tuple[Any, ...]]]:
    canary = refs.canary(ro)
    for i, step in enumerate(as_list(canary.get("steps"))):
        step = as_dict(step)
        for j, t in enumerate(as_list(dig(step, "analysis", "templates"))):
            yield as_dict(t), refs.CANARY + ("steps", i, "analysis", "templates", j)
        for j, t in enumerate(as_list(dig(step, "experiment", "analyses"))):
            yield as_dict(t), refs.CANARY + ("steps", i, "experiment", "analyses", j)
    for j, t in enumerate(as_list(dig(canary, "analysis", "templates"))):
        yield as_dict(t), refs.CANARY + ("analysis", "templates", j)
    bg = refs.blue_green(ro)
    for key in ("prePromotionAnalysis", "postPromotionAnalysis"):
        for j, t in enumerate(as_list(dig(bg, key, "templates"))):
            yield as_dict(t), refs.BLUE_GREEN + (key, "templates", j)


@register
class AnalysisTemplateLaterSyncWave(Rule):
    """A Rollout uses an AnalysisTemplate that Argo CD applies in a later sync wave.

    ## What it checks
    For each AnalysisTemplate / ClusterAnalysisTemplate a Rollout references (step analyses, background
    analysis, blue-green pre/post-promotion analyses, experiment analyses) and the repo holds: its
    `argocd.argoproj.io/sync-wave` (an integer, 0 when absent) must not be greater than the Rollout's. Only
    pairs deployed by the same Application (or by no Application the repo shows) are compared.

    Reported at the `templateName` in the Rollout; the template's sync-wave annotation is related.

    ## Why it matters
    Argo CD applies one wave and waits for it to be healthy before the next. The Rollout is applied first,
    finds no template and is reported invalid (`InvalidSpec: ... AnalysisTemplate 'x' not found`); the wave
    does not become healthy, so the sync stalls or fails before the template's wave is applied.

    ## How to fix
    Put analysis templates in an earlier wave than the Rollouts using them (e.g. `"-1"` for templates, no
    annotation for Rollouts), or in the same wave.

    ## Upstream
    Mirrors Argo CD's sync-wave ordering (docs "Sync Phases and Waves") and the controller's
    `AnalysisTemplate '%s' not found` validation; reported in argoproj/argo-rollouts#3504.

    ## Recommended configuration
    ```yaml
    apiVersion: argoproj.io/v1alpha1
    kind: AnalysisTemplate
    metadata:
      annotations:
        argocd.argoproj.io/sync-wave: "-1"   # before the Rollouts (wave 0) that use it
    ```
    """

    id = "RL603"
    name = "argocd-analysis-template-later-sync-wave"
    severity = Severity.WARNING
    summary = "AnalysisTemplate is applied in a later Argo CD sync wave than the Rollout that uses it"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Argo CD sync waves + Argo Rollouts `AnalysisTemplate '%s' not found`"

    def applies(self, ctx: "Context") -> bool:
        # Without a sync-wave annotation on a Rollout or a template, every wave is 0: none is later.
        return memo.per_run(ctx.index, ("argocd", "analysis-sync-waves"), lambda: any(
            SYNC_WAVE in r.annotations for r in ctx.index.of_kind("Rollout", "AnalysisTemplate", "ClusterAnalysisTemplate")))

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        ro_wave = sync_wave(ro)
        if ro_wave is None:
            return
        ro_apps = {id(a) for a in apps_deploying(ro, ctx)}
        for ref, path in analysis_template_refs(ro):
            name = as_str(ref.get("templateName"))
            if not name:
                continue
            if ref.get("clusterScope") is True:
                at = ctx.index.find_one("ClusterAnalysisTemplate", name, None, near=ro)
            else:
                at = ctx.index.find_one("AnalysisTemplate", name, ro.namespace, near=ro)
            if at is None:
                continue
            at_wave = sync_wave(at)
            if at_wave is None or at_wave <= ro_wave:
                continue
            at_apps = {id(a) for a in apps_deploying(at, ctx)}
            if (ro_apps or at_apps) and not (ro_apps & at_apps):
                continue
            if not ro_apps and ro.extra.get("unit") != at.extra.get("unit"):
                continue  # Argo CD orders waves within one sync: two kustomizations or charts apply apart
            yield self.report(ro, path + ("templateName",), f"{at.kind} {name} is in sync wave {at_wave}, after this "
                              f"Rollout's wave {ro_wave}; Argo CD applies the Rollout first and it is invalid "
                              f"(AnalysisTemplate '{name}' not found) until the template's wave is applied",
                              related=[RelatedRef(at, ("metadata", "annotations", "argocd.argoproj.io/sync-wave"),
                                                  f"{at.kind} {name}: sync wave {at_wave}")])


@register
class IgnoreDifferencesGroupHasVersion(Rule):
    """An `ignoreDifferences` entry's `group` includes an API version, so it never matches.

    ## What it checks
    `spec.ignoreDifferences[].group` of Applications and plain ApplicationSet templates containing a `/`
    (for example `networking.istio.io/v1beta1` or `argoproj.io/v1alpha1`).

    ## Why it matters
    Argo CD matches `group` (a glob) against the object's API group, which never contains a version. The
    entry silently matches nothing, so the differences you meant to ignore (VirtualService weights, Rollout
    replicas) still show as OutOfSync and self-heal keeps reverting them.

    ## How to fix
    Write the group alone: `networking.istio.io`, `argoproj.io`, `apps`; the core group is `""`. The fix
    drops the version (safe: the entry matches nothing today).

    ## Upstream
    Follows Argo CD's diff normaliser (`glob.Match(group, gvk.Group)`) and the `group` field of
    `ignoreDifferences` in the Application specification.

    ## Recommended configuration
    ```yaml
    spec:
      ignoreDifferences:
        - group: networking.istio.io   # the API group only, no /v1beta1
          kind: VirtualService
    ```
    """

    id = "RL604"
    name = "argocd-ignore-differences-group-has-version"
    severity = Severity.ERROR
    summary = "ignoreDifferences group includes an API version and never matches"
    kinds = APP_KINDS
    fixable = True
    mirrors = "Argo CD diff normaliser: `glob.Match(group, gvk.Group)` (group without version)"

    def check(self, res: Resource, ctx: "Context") -> Iterator[Report]:
        app = app_of(res, ctx)
        if app is None:
            return
        for i, entry in app.ignore_entries():
            group = as_str(entry.get("group"))
            if not group or "/" not in group:
                continue
            fixed = group.split("/", 1)[0]
            yield self.report(res, app.path("ignoreDifferences", i, "group"),
                              f"ignoreDifferences group {group!r} includes a version; Argo CD compares it with the API "
                              f"group alone, so this entry never matches (use {fixed!r})",
                              fix=Fix(f"use group {fixed!r}", (Edit("set", app.path("ignoreDifferences", i, "group"), fixed),)))


def indefinite_pauses(ro: Resource) -> Iterator[tuple[tuple[Any, ...], str]]:
    for i, step in enumerate(refs.steps(ro)):
        step = as_dict(step)
        if "pause" in step:
            pause = step["pause"]
            if pause is None or (isinstance(pause, dict) and pause.get("duration") in (None, "")):
                yield refs.CANARY + ("steps", i, "pause"), f"step {i} `pause: {{}}`"
    bg = refs.blue_green(ro)
    if bg.get("autoPromotionEnabled") is False:
        yield refs.BLUE_GREEN + ("autoPromotionEnabled",), "`autoPromotionEnabled: false`"


@register
class IndefinitePauseBlocksPostSync(Rule):
    """A Rollout that pauses indefinitely is deployed by an Application with PostSync hooks.

    ## What it checks
    Rollouts with a canary step `pause: {}` (no duration) or a blue-green `autoPromotionEnabled: false`,
    when an Application that deploys the Rollout also deploys a resource annotated
    `argocd.argoproj.io/hook: PostSync` (or a Helm `post-install`/`post-upgrade` hook, which Argo CD maps
    to PostSync).

    Reported at the Rollout's indefinite pause (or `autoPromotionEnabled`); the PostSync hook and the
    Application that deploys both are related.

    ## Why it matters
    Argo CD reports a paused Rollout as `Suspended`, and the sync operation keeps waiting on it: PostSync
    hooks run only once every synced resource is healthy. Every update therefore leaves the sync running
    until someone promotes the Rollout, and the PostSync hook (smoke test, notification, migration) runs
    late or, after a timeout, never.

    ## How to fix
    Give the pause a `duration`, move the hook's work into Rollout analysis (`analysis` steps or
    `postPromotionAnalysis`), or deploy the hook with a separate Application. If waiting for a manual
    promotion is intended, suppress this finding with a justification.

    ## Upstream
    Mirrors argoproj/argo-cd#19422 and #25054 and argoproj/argo-rollouts#988 (Argo CD health of paused
    Rollouts is Suspended; hooks wait for it).

    ## Recommended configuration
    ```yaml
    # Rollout steps in an Application that has PostSync hooks: bounded pauses
    strategy:
      canary:
        steps:
          - setWeight: 20
          - pause: {duration: 10m}
    ```
    """

    id = "RL605"
    name = "argocd-indefinite-pause-blocks-postsync"
    severity = Severity.WARNING
    summary = "Indefinitely paused Rollout keeps the Argo CD sync from reaching its PostSync hooks"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "argoproj/argo-cd#19422, #25054: Suspended Rollout blocks PostSync hooks"

    def check(self, ro: Resource, ctx: "Context") -> Iterator[Report]:
        pauses = list(indefinite_pauses(ro))
        if not pauses:
            return
        all_hooks = memo.per_run(ctx.index, ("argocd", "postsync_hooks"),
                           lambda: [r for r in ctx.index.resources if "PostSync" in hook_phases(r)])
        for app in apps_deploying(ro, ctx):
            hooks = [r for r in all_hooks if deploys(app, r, ctx)]
            if not hooks:
                continue
            path, what = pauses[0]
            hook = hooks[0]
            yield self.report(ro, path, f"{what} pauses this Rollout until it is promoted; {app.label} also runs the "
                              f"PostSync hook {hook.kind} {hook.name}, which waits until the paused (Suspended) "
                              f"Rollout is promoted", related=[
                                  RelatedRef(hook, ("metadata", "annotations"), f"PostSync hook {hook.kind} {hook.name}"),
                                  RelatedRef(app.resource, ("metadata", "name"), f"{app.label} deploys both")])
            return


def hpa_targets(ctx: "Context") -> Iterator[tuple[Resource, Resource]]:
    """(HPA, Rollout) pairs: HorizontalPodAutoscalers whose scaleTargetRef is a Rollout the repo holds."""
    for hpa in ctx.index.of_kind("HorizontalPodAutoscaler"):
        target = as_dict(dig(hpa.body, "spec", "scaleTargetRef"))
        if target.get("kind") != "Rollout":
            continue
        api = as_str(target.get("apiVersion")) or "argoproj.io/v1alpha1"
        if not api.startswith("argoproj.io"):
            continue
        ro = ctx.index.find_one("Rollout", as_str(target.get("name")), hpa.namespace, near=hpa)
        if ro is not None:
            yield hpa, ro


@register
class HpaReplicasNotIgnored(Rule):
    """An HPA scales a Rollout whose `spec.replicas` is in Git, and the Application does not ignore it.

    ## What it checks
    A HorizontalPodAutoscaler whose `scaleTargetRef` is an `argoproj.io` Rollout that sets `spec.replicas`,
    deployed by an Application (or plain ApplicationSet template) without an `ignoreDifferences` entry for
    that Rollout covering `/spec/replicas` (JSON pointer) or `.spec.replicas` (jq), or without the sync
    option `RespectIgnoreDifferences=true`.

    Reported at the Application's `ignoreDifferences` (its `syncPolicy` when it has none; its sync options when
    only `RespectIgnoreDifferences=true` is missing), which the fix edits; the Rollout's `spec.replicas` and the
    HorizontalPodAutoscaler's `scaleTargetRef` are related.

    ## Why it matters
    The HPA changes the live replica count; Argo CD sees the Rollout OutOfSync and every sync (immediately,
    with self-heal) writes the Git count back. Replicas flap between the two, and the canary replica
    arithmetic follows each flap.

    ## How to fix
    Add the entry and the sync option below (the fix does; it only changes what Argo CD compares and
    applies for `spec.replicas`), or delete `spec.replicas` from the Rollout once it is live (deleting it
    from a live object applies the default of 1 once).

    ## Upstream
    Mirrors Argo CD's "Diffing Customization" guidance for HPA-managed replicas and
    argoproj/argo-rollouts#3689, argoproj/argo-cd#7820.

    ## Recommended configuration
    ```yaml
    spec:
      ignoreDifferences:
        - group: argoproj.io
          kind: Rollout
          jsonPointers:
            - /spec/replicas
      syncPolicy:
        syncOptions:
          - RespectIgnoreDifferences=true
    ```
    """

    id = "RL606"
    name = "argocd-hpa-replicas-not-ignored"
    severity = Severity.WARNING
    summary = "Argo CD re-applies the replicas of a Rollout that an HPA scales"
    kinds = APP_KINDS
    cross_resource = True
    fixable = True
    mirrors = "Argo CD diffing customization: ignore `/spec/replicas` of HPA-scaled workloads + RespectIgnoreDifferences=true"

    def check(self, res: Resource, ctx: "Context") -> Iterator[Report]:
        app = app_of(res, ctx)
        if app is None:
            return
        scaled = deployed_rows(app, ("argocd", "hpa_targets"), lambda: ((ro, (hpa, ro)) for hpa, ro in hpa_targets(ctx)),
                               ctx)
        for hpa, ro in scaled:
            if dig(ro.body, "spec", "replicas") is None:
                continue
            related = [RelatedRef(ro, ("spec", "replicas"), f"Rollout {ro.name} sets replicas in Git"),
                       RelatedRef(hpa, ("spec", "scaleTargetRef"), f"HorizontalPodAutoscaler {hpa.name} scales it")]
            if not covered(app, ro, ["spec", "replicas"]):
                entry = {"group": "argoproj.io", "kind": "Rollout", "name": ro.name, "jsonPointers": ["/spec/replicas"]}
                fix = Fix("ignore /spec/replicas of the Rollout and add RespectIgnoreDifferences=true",
                          tuple(_add_entry_edits(app, entry) + _respect_edits(app)), safe=True)
                path = next((app.path(k) for k in ("ignoreDifferences", "syncPolicy") if app.spec.get(k) is not None),
                            app.path())
                yield self.report(res, path, f"HorizontalPodAutoscaler {hpa.name} scales Rollout {ro.name}, which sets "
                                  f"spec.replicas in Git, but {app.label} does not ignore /spec/replicas; each sync "
                                  f"resets the replicas the HPA chose", key=True, related=related, fix=fix)
            elif not app.respects_ignore_differences():
                fix = Fix("add the sync option RespectIgnoreDifferences=true", tuple(_respect_edits(app)), safe=True)
                yield self.report(res, _respect_path(app), f"{app.label} ignores /spec/replicas of Rollout {ro.name} "
                                  f"(scaled by HorizontalPodAutoscaler {hpa.name}) in the diff but has no sync option "
                                  f"{RESPECT}; every sync still applies the Git replica count", key=True,
                                  related=related, fix=fix)
