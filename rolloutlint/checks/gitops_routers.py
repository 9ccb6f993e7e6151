"""RL607, RL608: Argo CD `ignoreDifferences` that do not protect what a Rollout rewrites: JSON pointers
with wildcards (literal in RFC 6902), and the weight fields of plugin and non-Istio traffic routers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rolloutlint.views import refs
from rolloutlint.views.argocd import app_of, deployed_rows
from rolloutlint.checks.gitops_argocd import (
    APP_KINDS, ROLLOUTS_MANAGER, _add_entry_edits, _respect_edits, covered)
from rolloutlint.core.findings import Edit, Fix, RelatedRef, Report, Severity
from rolloutlint.core.model import Resource, as_dict, as_list, as_str, dig
from rolloutlint.core.rule import Rule, register

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context

TRAFFIC_ROUTING = refs.CANARY + ("trafficRouting",)
GATEWAY_API_PLUGIN = "argoproj-labs/gatewayAPI"
OPENSHIFT_PLUGIN = "argoproj-labs/openshift"


def pointer_to_jq(pointer: str) -> str:
    """The jq path Argo CD evaluates as intended for a pointer with `*` segments: `/spec/http/*/route` →
    `.spec.http[].route` (keys that are not identifiers are quoted)."""
    out = ""
    for raw in pointer[1:].split("/"):
        seg = raw.replace("~1", "/").replace("~0", "~")
        if seg == "*":
            out += "[]"
        elif seg.isdigit():
            out += f"[{seg}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", seg):
            out += f".{seg}"
        else:
            out += f'["{seg}"]'
    return out or "."


@register
class JsonPointerWildcard(Rule):
    """An `ignoreDifferences` JSON pointer contains `*`, which RFC 6902 treats as a literal key.

    ## What it checks
    Every `ignoreDifferences[].jsonPointers` entry of Applications and ApplicationSet templates with a `*`
    path segment (`/spec/http/*/route/*/weight`).

    ## Why it matters
    Argo CD applies each pointer as an RFC 6902 path: there are no wildcards, so `*` names a key called
    "*" that no object has. The entry protects nothing; the diff still shows (and self-heal reverts) the
    fields the author meant to ignore, e.g. the route weights a Rollout shifts during a canary.

    ## How to fix
    Use the `jqPathExpressions` equivalent (`.spec.http[].route[].weight`), which iterates arrays. The fix
    moves the pointer into `jqPathExpressions`.

    ## Upstream
    Mirrors Argo CD's `ignoreDifferences` normalizer (RFC 6902 JSON pointers, `jqPathExpressions` for
    wildcards); argo-cd#5276 ("according to spec (which doesnt support wildcards)").

    ## Recommended configuration
    ```yaml
    spec:
      ignoreDifferences:
        - group: networking.istio.io
          kind: VirtualService
          jqPathExpressions:
            - .spec.http[].route[].weight
    ```
    """

    id = "RL607"
    name = "argocd-json-pointer-wildcard"
    severity = Severity.WARNING
    summary = "ignoreDifferences JSON pointer with `*` matches nothing (pointers are literal)"
    kinds = APP_KINDS
    fixable = True
    mirrors = "Argo CD ignoreDifferences: JSON pointers are RFC 6902 (no wildcards), argo-cd#5276"

    def check(self, res: Resource, ctx: "Context") -> Iterator[Report]:
        app = app_of(res, ctx)
        if app is None:
            return
        for i, entry in app.ignore_entries():
            pointers = as_list(entry.get("jsonPointers"))
            wild = [(k, p) for k, p in enumerate(pointers) if isinstance(p, str) and "*" in p[1:].split("/")]
            if not wild:
                continue
            keep = [p for k, p in enumerate(pointers) if k not in {k for k, _ in wild}]
            exprs = [pointer_to_jq(p) for _, p in wild]
            base = app.path("ignoreDifferences", i)
            edits: list[Edit] = []
            existing = entry.get("jqPathExpressions")
            if not keep and existing is None:
                # Every pointer is a wildcard: rewrite them in place and rename the key (keeps comments).
                edits += [Edit("set", base + ("jsonPointers", k), e) for (k, _), e in zip(wild, exprs)]
                edits.append(Edit("rename", base + ("jsonPointers",), "jqPathExpressions"))
            elif isinstance(existing, list):
                new = [e for e in exprs if e not in existing]
                edits += [Edit("insert", base + ("jqPathExpressions", len(existing) + n), e) for n, e in enumerate(new)]
            else:
                edits.append(Edit("set", base + ("jqPathExpressions",), exprs))
            if keep or existing is not None:
                edits.append(Edit("set", base + ("jsonPointers",), keep) if keep else Edit("delete", base + ("jsonPointers",)))
            fix = Fix(f"replace the pointer(s) with jqPathExpressions {', '.join(exprs)}", tuple(edits), safe=False)
            for n, (k, p) in enumerate(wild):
                yield self.report(res, base + ("jsonPointers", k),
                                  f"JSON pointer {p} matches nothing: Argo CD applies pointers literally (RFC 6902, no "
                                  f"wildcards), so '*' is a key named \"*\"; use jqPathExpressions {exprs[n]}",
                                  fix=fix if n == 0 else None)


@dataclass(frozen=True)
class Routed:
    """An object a Rollout's traffic router rewrites, and the fields it rewrites."""

    kind: str
    group: str
    name: str
    namespace: str | None
    fields: tuple[tuple[str, ...], ...]  # concrete paths, filled in against the object
    ignore: tuple[tuple[str, str], ...]  # ("jq" | "pointer", expression) for the fix
    router: str


def _routed_objects(ctx: "Context") -> Iterator[tuple[Resource, tuple[Resource, Routed, Resource]]]:
    """(object, (Rollout, what it routes through, the object)) for every Rollout's routed objects."""
    for ro in ctx.index.of_kind("Rollout"):
        for r in _routed(ro):
            for obj in ctx.index.find(r.kind, r.name, r.namespace):
                if obj.group == r.group:
                    yield obj, (ro, r, obj)


def _routed(ro: Resource) -> list[Routed]:
    tr = as_dict(dig(ro.body, *TRAFFIC_ROUTING))
    can = refs.canary(ro)
    ns = ro.namespace
    out: list[Routed] = []
    plugins = as_dict(tr.get("plugins"))
    gw = as_dict(plugins.get(GATEWAY_API_PLUGIN))
    if gw:
        names = [as_str(gw.get("httpRoute"))] + [as_str(as_dict(r).get("name")) for r in as_list(gw.get("httpRoutes"))]
        gw_ns = as_str(gw.get("namespace")) or ns
        for n in dict.fromkeys(x for x in names if x):
            out.append(Routed("HTTPRoute", "gateway.networking.k8s.io", n, gw_ns, (), (("jq", ".spec.rules[].backendRefs[].weight"),),
                              "the Gateway API plugin"))
    osr = as_dict(plugins.get(OPENSHIFT_PLUGIN))
    for route in (as_str(r) for r in as_list(osr.get("routes"))):
        if route:
            out.append(Routed("Route", "route.openshift.io", route, ns, (("spec", "to", "weight"), ("spec", "alternateBackends")),
                              (("jq", ".spec.to.weight"), ("jq", ".spec.alternateBackends")), "the OpenShift route plugin"))
    smi = tr.get("smi")
    if isinstance(smi, dict):
        split = as_str(smi.get("trafficSplitName")) or ro.name
        if split:
            out.append(Routed("TrafficSplit", "split.smi-spec.io", split, ns, (), (("jq", ".spec.backends[].weight"),), "SMI"))
    alb = tr.get("alb")
    if isinstance(alb, dict):
        svc = as_str(alb.get("rootService")) or as_str(can.get("stableService"))
        prefix = as_str(alb.get("annotationPrefix")) or "alb.ingress.kubernetes.io"
        key = f"{prefix}/actions.{svc}"
        ingresses = [as_str(alb.get("ingress"))] + [as_str(i) for i in as_list(alb.get("ingresses"))]
        for n in dict.fromkeys(x for x in ingresses if x):
            if svc:
                out.append(Routed("Ingress", "networking.k8s.io", n, ns, (("metadata", "annotations", key),),
                                  (("pointer", "/metadata/annotations/" + key.replace("~", "~0").replace("/", "~1")),),
                                  "the ALB integration"))
    return out


def _fields(obj: Resource, r: Routed) -> list[list[str]]:
    """Concrete paths of the rewritten fields that the object in Git holds (a field absent from Git is not in
    Argo CD's diff, so self-heal leaves it alone)."""
    if r.kind == "HTTPRoute":
        return [["spec", "rules", str(i), "backendRefs", str(j), "weight"]
                for i, rule in enumerate(as_list(dig(obj.body, "spec", "rules")))
                for j, _ in enumerate(as_list(as_dict(rule).get("backendRefs")))]
    if r.kind == "TrafficSplit":
        return [["spec", "backends", str(i), "weight"] for i, _ in enumerate(as_list(dig(obj.body, "spec", "backends")))]
    return [list(f) for f in r.fields if dig(obj.body, *f) is not None]


@register
class SelfHealRevertsPluginRouterWeights(Rule):
    """A self-healing Argo CD Application does not ignore the weights a plugin or non-Istio router rewrites.

    ## What it checks
    Applications (and plain ApplicationSet templates) with `syncPolicy.automated.selfHeal: true` that deploy
    an object a Rollout's traffic router rewrites, where the object in Git holds the rewritten fields:
    - Gateway API plugin (`plugins.argoproj-labs/gatewayAPI`, `httpRoute`/`httpRoutes`): HTTPRoute
      `.spec.rules[].backendRefs[].weight`;
    - OpenShift route plugin (`plugins.argoproj-labs/openshift`, `routes`): Route `.spec.to.weight` and
      `.spec.alternateBackends`;
    - SMI (`smi.trafficSplitName`, default the Rollout's name): TrafficSplit `.spec.backends[].weight`;
    - AWS ALB (`alb.ingress`/`ingresses`): the Ingress annotation `alb.ingress.kubernetes.io/actions.<rootService
      or stableService>` (JSON pointer, `/` escaped as `~1`).
    The Application needs an `ignoreDifferences` entry selecting the object whose `jqPathExpressions`,
    literal `jsonPointers` or `managedFieldsManagers: [rollouts-controller]` cover those fields.

    Reported at the Application's `ignoreDifferences` (its `selfHeal` when it has none), which the fix edits;
    the Rollout's `trafficRouting` is related.

    ## Why it matters
    The router rewrites the weights at every step; Argo CD sees the object OutOfSync and self-heal applies
    the Git weights back, so traffic flaps between the step's weight and Git's until the rollout ends.

    ## How to fix
    Add the `ignoreDifferences` entry the finding names and the sync option `RespectIgnoreDifferences=true`
    (the fix does both).

    ## Upstream
    Same problem as `argocd-selfheal-reverts-traffic-weights` (Argo Rollouts "Integrating with GitOps"), for
    rollouts-plugin-trafficrouter-gatewayapi, rollouts-plugin-trafficrouter-openshift, the SMI TrafficSplit
    and the ALB action annotation the controller writes.

    ## Recommended configuration
    ```yaml
    spec:
      ignoreDifferences:
        - group: gateway.networking.k8s.io
          kind: HTTPRoute
          jqPathExpressions:
            - .spec.rules[].backendRefs[].weight
      syncPolicy:
        automated:
          selfHeal: true
        syncOptions:
          - RespectIgnoreDifferences=true
    ```
    """

    id = "RL608"
    name = "argocd-selfheal-reverts-plugin-router-weights"
    severity = Severity.WARNING
    summary = "Self-healing Application does not ignore the weights a plugin or non-Istio router rewrites"
    kinds = APP_KINDS
    cross_resource = True
    fixable = True
    stage = 2
    mirrors = "Argo Rollouts \"Integrating with GitOps\" (ignoreDifferences + RespectIgnoreDifferences=true)"

    def check(self, res: Resource, ctx: "Context") -> Iterator[Report]:
        app = app_of(res, ctx)
        if app is None or not app.self_heal():
            return
        for ro, r, obj in deployed_rows(app, ("gitops_routers", "routed"), lambda: _routed_objects(ctx), ctx):
            fields = _fields(obj, r)
            if not fields or all(covered(app, obj, f, (ROLLOUTS_MANAGER,)) for f in fields):
                continue
            entry: dict[str, Any] = {"group": r.group, "kind": r.kind, "name": obj.name}
            jq = [e for how, e in r.ignore if how == "jq"]
            ptr = [e for how, e in r.ignore if how == "pointer"]
            if jq:
                entry["jqPathExpressions"] = jq
            if ptr:
                entry["jsonPointers"] = ptr
            fix = Fix(f"add an ignoreDifferences entry for {r.kind} {obj.name} and RespectIgnoreDifferences=true",
                      tuple(_add_entry_edits(app, entry) + _respect_edits(app)), safe=True)
            path = app.path("ignoreDifferences") if app.spec.get("ignoreDifferences") is not None \
                else app.path("syncPolicy", "automated", "selfHeal")
            shown = " / ".join(jq + ptr)
            yield self.report(res, path, f"{app.label} self-heals {r.kind} {obj.name}, whose weights Rollout "
                              f"{ro.name} rewrites through {r.router}, but does not ignore {shown}; self-heal "
                              "reverts the weights to Git mid-rollout and traffic flaps", key=True,
                              related=[RelatedRef(ro, TRAFFIC_ROUTING, f"Rollout {ro.name} routes traffic through {r.kind} {obj.name}")],
                              fix=fix)
