"""RL140-RL148: canary steps as `ValidateRolloutStrategyCanary` checks them (argo-rollouts
`pkg/apis/rollouts/validation/validation.go`, path `spec.strategy.steps[i]`), plus RL150-RL154: derived traps in
how the controller runs the steps (`utils/replicaset/canary.go`, `rollout/trafficrouting/istio/istio.go`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rolloutlint.views import refs
from rolloutlint.views import rollout as rc
from rolloutlint.core.findings import Edit, Fix, RelatedRef, Report, Severity
from rolloutlint.core.model import as_dict, as_list, as_str, dig
from rolloutlint.core.rule import Rule, register
from rolloutlint.core import memo

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context
    from rolloutlint.core.model import Resource

S = rc.STEPS
TR = rc.TRAFFIC_ROUTING
COUNTED = ("setWeight", "pause", "experiment", "analysis")  # hasMultipleStepsType
ALL_KINDS = frozenset(("setWeight", "pause", "experiment", "analysis", "setCanaryScale", "setHeaderRoute",
                       "setMirrorRoute", "plugin"))
ROUTE_STEPS = ("setHeaderRoute", "setMirrorRoute")


@memo.per_resource
def _canary_steps(ro: "Resource") -> list[tuple[int, dict[str, Any]]]:
    return rc.steps(ro) if rc.only_canary(ro) else []


def _canary_actions(ro: "Resource") -> list[tuple[int, dict[str, Any], frozenset[str]]]:
    return rc.step_actions(ro) if rc.only_canary(ro) else []


def _max_weight(ro: "Resource") -> int:
    """`weightutil.MaxTrafficWeight`: `trafficRouting.maxTrafficWeight` when set, else 100."""
    tr = rc.traffic_routing(ro)
    mw = rc.as_int(tr.get("maxTrafficWeight")) if tr is not None else None
    return mw if mw is not None else 100


@register
class StepHasMultipleActions(Rule):
    """A canary step sets more than one of `setWeight`, `pause`, `experiment` and `analysis`.

    ## What it checks
    Each entry of `strategy.canary.steps` may set at most one of these four. (The controller does not count
    `setCanaryScale`, `setHeaderRoute`, `setMirrorRoute` and `plugin`, so e.g. `setWeight` + `setCanaryScale` in
    one step is accepted and not reported.)

    ## Why it matters
    The controller refuses the Rollout: `spec.strategy.steps[0]: Invalid value: "step.Experiment: false step.Pause:
    true step.SetWeight: true step.Analysis: false": Step must have one of the following set: experiment,
    setWeight, setCanaryScale, plugin or pause` (condition `InvalidSpec`). A typical cause is a missing `-`, which
    merges two list items into one.

    ## How to fix
    Split the step into one step per action, in the order they should run (`- setWeight: 20` then `- pause: {}`).

    ## Upstream
    Mirrors Argo Rollouts `hasMultipleStepsType` (catalog RO201).
    """

    id = "RL140"
    name = "step-has-multiple-actions"
    severity = Severity.ERROR
    summary = "Canary step sets more than one of setWeight, pause, experiment, analysis"
    kinds = ("Rollout",)
    mirrors = ("Argo Rollouts: `spec.strategy.steps[0]: Invalid value: \"step.Experiment: false step.Pause: true "
               "step.SetWeight: true step.Analysis: false\": Step must have one of the following set: experiment, "
               "setWeight, setCanaryScale, plugin or pause`")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        for i, _, keys in _canary_actions(ro):
            present = [k for k in COUNTED if k in keys]
            if len(present) > 1:
                yield self.report(ro, S + (i,), f"step {i} sets {' and '.join(present)}: a step must have exactly one "
                                  "of experiment, setWeight, analysis or pause; split it into separate steps")


@register
class StepIsEmpty(Rule):
    """A canary step sets no action at all.

    ## What it checks
    Each entry of `strategy.canary.steps` must set one of `setWeight`, `pause`, `experiment`, `analysis`,
    `setCanaryScale`, `setHeaderRoute`, `setMirrorRoute` or `plugin` (a key with a null value does not count;
    `pause: {}` does).

    ## Why it matters
    The controller refuses the Rollout: `spec.strategy.steps[0]: Invalid value: ...: Step must have one of the
    following set: experiment, setWeight, setCanaryScale, plugin or pause` (condition `InvalidSpec`). A common
    cause is `- pause:` without `{}`, which is null.

    ## How to fix
    Give the step an action; write an indefinite pause as `pause: {}`.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutStrategyCanary` (catalog RO202).
    """

    id = "RL141"
    name = "step-is-empty"
    severity = Severity.ERROR
    summary = "Canary step has no action"
    kinds = ("Rollout",)
    fixable = True
    mirrors = ("Argo Rollouts: `spec.strategy.steps[0]: Invalid value: ...: Step must have one of the following set: "
               "experiment, setWeight, setCanaryScale, plugin or pause`")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        if not rc.only_canary(ro):
            return
        acting = {i for i, _, keys in rc.step_actions(ro) if not ALL_KINDS.isdisjoint(keys)}
        for i, step in enumerate(as_list(refs.canary(ro).get("steps"))):
            if i in acting:
                continue
            if step is not None and not isinstance(step, dict):
                continue  # wrong type: schema rule
            fix = None
            hint = ""
            if isinstance(step, dict) and "pause" in step and step["pause"] is None:
                hint = ": `pause:` without a value is null, write `pause: {}`"
                fix = Fix("write an indefinite pause as `pause: {}`", (Edit("set", S + (i, "pause"), {}),), safe=True)
            msg = (f"step {i} has no action{hint}" if hint else
                   f"step {i} has no action: Step must have one of the following set: experiment, setWeight, "
                   "setCanaryScale, plugin or pause")
            yield self.report(ro, S + (i,), msg, fix=fix)


@register
class SetWeightOutOfRange(Rule):
    """A `setWeight` step is below 0 or above the maximum traffic weight.

    ## What it checks
    `steps[].setWeight` must be between 0 and 100 (or `trafficRouting.maxTrafficWeight` when that is set).

    ## Why it matters
    The controller refuses the Rollout: `spec.strategy.steps[0].setWeight: Invalid value: 101: SetWeight needs to
    be between 0 and 100` (condition `InvalidSpec`).

    ## How to fix
    Use a percentage between 0 and 100; the last step does not need `setWeight: 100` (the Rollout is promoted
    when all steps completed).

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutStrategyCanary` (catalog RO203).
    """

    id = "RL142"
    name = "set-weight-out-of-range"
    severity = Severity.ERROR
    summary = "setWeight is not between 0 and the maximum traffic weight"
    kinds = ("Rollout",)
    mirrors = ("Argo Rollouts: `spec.strategy.steps[0].setWeight: Invalid value: 101: SetWeight needs to be between 0 "
               "and 100`")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        mw = _max_weight(ro)
        for i, step in _canary_steps(ro):
            w = rc.as_int(step.get("setWeight"))
            if w is not None and not 0 <= w <= mw:
                yield self.report(ro, S + (i, "setWeight"), f"SetWeight needs to be between 0 and {mw}, got {w}")


@register
class PauseDurationInvalid(Rule):
    """A `pause.duration` is negative or not a duration the controller can parse.

    ## What it checks
    `steps[].pause.duration` the way `RolloutPause.DurationSeconds` reads it: an integer is seconds; a string is
    first read as a whole number of seconds (`"30"`), otherwise as a Go duration (`30s`, `10m`, `1h30m`, `1.5h`;
    units `ns`, `us`, `ms`, `s`, `m`, `h` — there is **no** `d`). Anything else, or a negative value, is invalid.
    Durations under one second truncate to 0, which is accepted (no pause).

    ## Why it matters
    The controller refuses the Rollout: `spec.strategy.steps[0].pause.duration: Invalid value: -1: Duration needs
    to be greater than 0` (condition `InvalidSpec`); an unparsable string is reported as -1.

    ## How to fix
    Use Go units: `24h` instead of `1d`, `5m` instead of `5min`. For a pause until manual promotion, use
    `pause: {}`.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutStrategyCanary` / `RolloutPause.DurationSeconds` (catalog RO204, RO813).
    """

    id = "RL143"
    name = "pause-duration-invalid"
    severity = Severity.ERROR
    summary = "pause.duration is negative or not a valid Go duration"
    kinds = ("Rollout",)
    fixable = True
    mirrors = ("Argo Rollouts: `spec.strategy.steps[0].pause.duration: Invalid value: -1: Duration needs to be "
               "greater than 0`")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        for i, step in _canary_steps(ro):
            pause = step.get("pause")
            if not isinstance(pause, dict) or pause.get("duration") is None:
                continue
            d = pause["duration"]
            if not isinstance(d, (int, str)) or isinstance(d, bool):
                continue  # wrong type: schema rule
            secs = rc.pause_duration_seconds(d)
            path = S + (i, "pause", "duration")
            if secs is None:
                hint = rc.duration_hint(d) if isinstance(d, str) else None
                fix = Fix(f"use {hint!r}", (Edit("set", path, hint),), safe=True) if hint else None
                why = f"; did you mean {hint!r}?" if hint else f" ({rc.pause_duration_problem(d)})"
                yield self.report(ro, path, f"pause duration {d!r} is not a valid duration, the controller reads it as "
                                  f"-1: Duration needs to be greater than 0{why}", fix=fix)
            elif secs < 0:
                yield self.report(ro, path, f"pause duration {d!r} is negative: Duration needs to be greater than 0")


@register
class ManagedRoutesMissing(Rule):
    """`setHeaderRoute`/`setMirrorRoute` steps are used but `trafficRouting.managedRoutes` is not set.

    ## What it checks
    With `trafficRouting` set and any step using `setHeaderRoute` or `setMirrorRoute`, `trafficRouting.managedRoutes`
    must be present. (Without `trafficRouting` the step is already rejected by `requires-traffic-routing`.)

    ## Why it matters
    The controller refuses the Rollout: `spec.strategy.trafficRouting.managedRoutes: Required value: Rollout has
    missing field 'spec.strategy.canary.trafficRouting.managedRoutes'` (condition `InvalidSpec`, reported once
    per such step). `managedRoutes` lists the routes the controller may add to the VirtualService, in precedence
    order.

    ## How to fix
    Add `trafficRouting.managedRoutes` with one `- name:` per header/mirror route name used by the steps.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutStrategyCanary` (catalog RO211).
    """

    id = "RL144"
    name = "managed-routes-missing"
    severity = Severity.ERROR
    summary = "Header/mirror route steps need trafficRouting.managedRoutes"
    kinds = ("Rollout",)
    mirrors = ("Argo Rollouts: `spec.strategy.trafficRouting.managedRoutes: Required value: Rollout has missing field "
               "'spec.strategy.canary.trafficRouting.managedRoutes'`")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        tr = rc.traffic_routing(ro)
        if tr is None or rc.is_set(tr, "managedRoutes"):
            return
        names: list[str] = []
        first = None
        for i, step, keys in _canary_actions(ro):
            for kind in ROUTE_STEPS:
                if kind in keys:
                    first = (i, kind) if first is None else first
                    n = as_str(as_dict(step[kind]).get("name"))
                    if n and n not in names:
                        names.append(n)
        if first is None:
            return
        i, kind = first
        listed = f" (listing {', '.join(names)})" if names else ""
        yield self.report(ro, TR, f"Rollout has missing field 'spec.strategy.canary.trafficRouting.managedRoutes': "
                          f"steps[{i}].{kind} needs it; add managedRoutes{listed}", key=True,
                          related=[RelatedRef(ro, S + (i, kind), f"{kind} step")])


@register
class ManagedRouteUndeclared(Rule):
    """A `setHeaderRoute`/`setMirrorRoute` step names a route not listed in `trafficRouting.managedRoutes`.

    ## What it checks
    The `name` of every `setHeaderRoute` and `setMirrorRoute` step must equal a `trafficRouting.managedRoutes[].name`.

    ## Why it matters
    The controller refuses the Rollout: `spec.strategy.steps[0].setHeaderRoute: Invalid value: "name": Steps define a
    route that does not exist in spec.strategy.canary.trafficRouting.managedRoutes` (condition `InvalidSpec`).

    ## How to fix
    Add the name to `managedRoutes` (its position sets the route's precedence in the VirtualService), or fix the
    step's `name`.

    ## Upstream
    Mirrors Argo Rollouts `ValidateStepRouteFoundInManagedRoute` (catalog RO212).
    """

    id = "RL145"
    name = "managed-route-undeclared"
    severity = Severity.ERROR
    summary = "Header/mirror route step names a route not in managedRoutes"
    kinds = ("Rollout",)
    mirrors = ("Argo Rollouts: `spec.strategy.steps[0].setHeaderRoute: Invalid value: \"name\": Steps define a route that "
               "does not exist in spec.strategy.canary.trafficRouting.managedRoutes`")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        tr = rc.traffic_routing(ro)
        if tr is None or not rc.is_set(tr, "managedRoutes"):
            return
        declared = [as_str(as_dict(m).get("name")) or "" for m in as_list(tr.get("managedRoutes"))]
        for i, step, keys in _canary_actions(ro):
            for kind in ROUTE_STEPS:
                if kind not in keys:
                    continue
                name = as_dict(step[kind]).get("name")
                name_s = name if isinstance(name, str) else ""
                if name_s in declared:
                    continue
                path = S + (i, kind, "name") if "name" in as_dict(step[kind]) else S + (i, kind)
                have = ", ".join(repr(d) for d in declared if d) or "none"
                yield self.report(ro, path, f"{kind} route {name_s!r} does not exist in "
                                  f"spec.strategy.canary.trafficRouting.managedRoutes (declared: {have})",
                                  related=[RelatedRef(ro, TR + ("managedRoutes",), "managedRoutes")])


@register
class StringMatchInvalid(Rule):
    """A header/mirror route match value does not set exactly one of `exact`, `regex`, `prefix`.

    ## What it checks
    `setHeaderRoute.match[].headerValue` and `setMirrorRoute.match[].method` / `.path`: exactly one of `exact`,
    `regex`, `prefix` must be non-empty. With the ALB router, `headerValue` must use `exact` only. Checked only
    when the router supports the step (otherwise `requires-traffic-routing`/`unsupported-by-traffic-router`
    report the step). Mirror `headers` are not validated by the controller and not here.

    ## Why it matters
    The controller refuses the Rollout (condition `InvalidSpec`): `StringMatch match value must have exactly one of
    the following: exact, regex, prefix`, `StringMatch value missed, match value must have one of the following:
    exact, regex, prefix` or `SetHeaderRoute match value invalid. ALB supports 'exact' value only`.

    ## How to fix
    Keep one of `exact`/`regex`/`prefix` with a non-empty value.

    ## Upstream
    Mirrors Argo Rollouts `hasMultipleMatchValues` / `hasALBInvalidValues` (catalog RO207, RO208, RO210).
    """

    id = "RL146"
    name = "string-match-invalid"
    severity = Severity.ERROR
    summary = "Route match value must set exactly one of exact, regex, prefix"
    kinds = ("Rollout",)
    mirrors = "Argo Rollouts: `StringMatch match value must have exactly one of the following: exact, regex, prefix`"

    MULTI = "StringMatch match value must have exactly one of the following: exact, regex, prefix"
    MISSED = "StringMatch value missed, match value must have one of the following: exact, regex, prefix"

    def _match_problem(self, value: Any) -> str | None:
        if value is None:
            return self.MISSED
        if not isinstance(value, dict):
            return None
        set_ = [k for k in ("exact", "regex", "prefix") if value.get(k) not in (None, "")]
        if len(set_) > 1:
            return f"{self.MULTI} (sets {', '.join(set_)})"
        if not set_:
            return self.MISSED
        return None

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        have = rc.rollout_routers(ro)
        for i, step in _canary_steps(ro):
            hr = step.get("setHeaderRoute")
            if isinstance(hr, dict) and have & {"istio", "alb", "apisix", "plugins"}:
                for j, m in enumerate(as_list(hr.get("match"))):
                    if not isinstance(m, dict):
                        continue
                    hv = m.get("headerValue")
                    path = S + (i, "setHeaderRoute", "match", j)
                    at = path + ("headerValue",) if "headerValue" in m else path
                    if "alb" in have:
                        if hv is None:
                            if "headerValue" in m:
                                yield self.report(ro, at, self.MISSED)
                        elif isinstance(hv, dict) and (not hv.get("exact") or hv.get("regex") or hv.get("prefix")):
                            yield self.report(ro, at, "SetHeaderRoute match value invalid. ALB supports 'exact' value only",
                                              key=True)
                        continue
                    if hv is None and "headerValue" not in m:
                        continue  # required by the schema (RL011)
                    prob = self._match_problem(hv)
                    if prob:
                        yield self.report(ro, at, prob, key=True)
            mr = step.get("setMirrorRoute")
            if isinstance(mr, dict):
                for j, m in enumerate(as_list(mr.get("match"))):
                    if not isinstance(m, dict):
                        continue
                    for key in ("method", "path"):
                        if m.get(key) is None:
                            continue
                        prob = self._match_problem(m[key])
                        if prob:
                            yield self.report(ro, S + (i, "setMirrorRoute", "match", j, key), f"{key}: {prob}",
                                              key=True)


@register
class ExperimentSpecRefInvalid(Rule):
    """An experiment step template's `specRef` is not `canary` or `stable`.

    ## What it checks
    `steps[].experiment.templates[].specRef` must be exactly `canary` or `stable` (lower case; the schema does
    not restrict it).

    ## Why it matters
    When the step is reached the controller cannot build the Experiment: `Invalid template step SpecRef: must be
    canary or stable`; the rollout stops progressing at that step.

    ## How to fix
    Use `specRef: canary` (the new pod template) or `specRef: stable` (the current one).

    ## Upstream
    Mirrors Argo Rollouts `rollout/experiment.go` `GetExperimentFromTemplate` (catalog RO541).
    """

    id = "RL147"
    name = "experiment-spec-ref-invalid"
    severity = Severity.ERROR
    summary = "Experiment template specRef must be canary or stable"
    kinds = ("Rollout",)
    fixable = True
    mirrors = "Argo Rollouts: `Invalid template step SpecRef: must be canary or stable`"

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        for i, step in _canary_steps(ro):
            exp = step.get("experiment")
            if not isinstance(exp, dict):
                continue
            for k, t in enumerate(as_list(exp.get("templates"))):
                if not isinstance(t, dict) or "specRef" not in t:
                    continue
                ref = t.get("specRef")
                if ref in ("canary", "stable") or not isinstance(ref, str):
                    continue
                path = S + (i, "experiment", "templates", k, "specRef")
                fix = None
                if ref.strip().lower() in ("canary", "stable"):
                    fix = Fix(f"use {ref.strip().lower()!r}", (Edit("set", path, ref.strip().lower()),), safe=True)
                yield self.report(ro, path, f"Invalid template step SpecRef {ref!r}: must be canary or stable", fix=fix)


_METADATA_PATH = re.compile(r"^metadata\.(name|namespace|uid|labels|annotations)$"
                            r"|^metadata\.(labels|annotations)\['[^']*'\]$")


@register
class AnalysisArgFieldPathInvalid(Rule):
    """An analysis/experiment step argument reads a `metadata` field the downward API does not support.

    ## What it checks
    `args[].valueFrom.fieldRef.fieldPath` of `analysis` steps and of experiment `analyses` that start with
    `metadata` must be one of `metadata.name`, `metadata.namespace`, `metadata.uid`, `metadata.labels`,
    `metadata.annotations`, `metadata.labels['key']`, `metadata.annotations['key']`. (Background
    `canary.analysis.args` are not checked by the controller and not here.)

    ## Why it matters
    The controller refuses the Rollout: `spec.strategy.steps[0].analyses: Invalid value: ...: Analyses arguments
    must refer to valid object metadata supported by downwardAPI` (condition `InvalidSpec`).

    ## How to fix
    Use one of the supported paths; for a label write `metadata.labels['app']` (quoted key in brackets), not
    `metadata.labels.app`.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutStrategyCanary` → Kubernetes `fieldpath.ExtractFieldPathAsString`
    (catalog RO215).
    """

    id = "RL148"
    name = "analysis-arg-field-path-invalid"
    severity = Severity.ERROR
    summary = "Step analysis arg fieldRef is not a downward-API metadata path"
    kinds = ("Rollout",)
    mirrors = ("Argo Rollouts: `spec.strategy.steps[0].analyses: Invalid value: ...: Analyses arguments must refer to "
               "valid object metadata supported by downwardAPI`")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        for i, step in _canary_steps(ro):
            arg_lists: list[tuple[tuple[Any, ...], Any]] = []
            an = step.get("analysis")
            if isinstance(an, dict):
                arg_lists.append((S + (i, "analysis", "args"), an.get("args")))
            exp = step.get("experiment")
            if isinstance(exp, dict):
                for a, analysis in enumerate(as_list(exp.get("analyses"))):
                    arg_lists.append((S + (i, "experiment", "analyses", a, "args"), as_dict(analysis).get("args")))
            for base, args in arg_lists:
                for n, arg in enumerate(as_list(args)):
                    fp = as_dict(as_dict(as_dict(arg).get("valueFrom")).get("fieldRef")).get("fieldPath")
                    if isinstance(fp, str) and fp.startswith("metadata") and not _METADATA_PATH.match(fp):
                        hint = ""
                        m = re.match(r"^metadata\.(labels|annotations)\.(.+)$", fp)
                        if m:
                            hint = f"; did you mean metadata.{m.group(1)}['{m.group(2)}']?"
                        yield self.report(ro, base + (n, "valueFrom", "fieldRef", "fieldPath"),
                                          f"fieldPath {fp!r}: Analyses arguments must refer to valid object metadata "
                                          f"supported by downwardAPI{hint}")


# ----------------------------------------------------------------------------------------- derived (RO8xx)

@register
class SetCanaryScaleAmbiguous(Rule):
    """A `setCanaryScale` step sets more than one of `replicas`, `weight`, `matchTrafficWeight`, or none.

    ## What it checks
    Each `setCanaryScale` should set exactly one of `replicas`, `weight` or `matchTrafficWeight: true`.

    ## Why it matters
    The controller accepts any combination but uses only one: `matchTrafficWeight: true` wins over everything
    (the scale follows `setWeight` again), then `replicas` wins over `weight`. The other value is silently
    ignored. An empty `setCanaryScale: {}` changes nothing.

    ## How to fix
    Keep the one setting you mean.

    ## Upstream
    Derived from Argo Rollouts `UseSetCanaryScale` / `GetCanaryReplicasOrWeight` (`utils/replicaset/canary.go`).
    """

    id = "RL150"
    name = "set-canary-scale-ambiguous"
    severity = Severity.WARNING
    summary = "setCanaryScale should set exactly one of replicas, weight, matchTrafficWeight"
    kinds = ("Rollout",)
    mirrors = "Argo Rollouts runtime: `UseSetCanaryScale` precedence (matchTrafficWeight > replicas > weight)"

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        for i, step in _canary_steps(ro):
            scs = step.get("setCanaryScale")
            if not isinstance(scs, dict):
                continue
            path = S + (i, "setCanaryScale")
            present = [k for k in ("replicas", "weight") if scs.get(k) is not None]
            if scs.get("matchTrafficWeight") is True:
                present.append("matchTrafficWeight")
            if len(present) > 1:
                used = "matchTrafficWeight" if "matchTrafficWeight" in present else "replicas"
                ignored = [p for p in present if p != used]
                yield self.report(ro, path, f"setCanaryScale sets {', '.join(present)}: the controller uses {used} and "
                                  f"ignores {', '.join(ignored)}; keep one", key=True)
            elif not present:
                yield self.report(ro, path, "setCanaryScale sets none of replicas, weight, matchTrafficWeight: the step "
                                  "has no effect", key=True)


@register
class SetCanaryScaleExceedsReplicas(Rule):
    """A `setCanaryScale` asks for more canary pods than `spec.replicas`.

    ## What it checks
    `setCanaryScale.weight` above 100, or `setCanaryScale.replicas` above `spec.replicas` (default 1).

    ## Why it matters
    The controller does not validate these: `weight: 200` scales the canary to twice `spec.replicas`, `replicas`
    is used as is. The cluster runs more pods than the Rollout declares (quota, cost, autoscaler surprises),
    usually because `weight` was confused with a pod count or `replicas` with a percentage.

    ## How to fix
    Use a `weight` of at most 100 (percent of `spec.replicas`) or `replicas` of at most `spec.replicas`.

    ## Upstream
    Derived from Argo Rollouts `GetCanaryReplicasOrWeight` (catalog RO812).
    """

    id = "RL151"
    name = "set-canary-scale-exceeds-replicas"
    severity = Severity.WARNING
    summary = "setCanaryScale asks for more pods than spec.replicas"
    kinds = ("Rollout",)
    mirrors = "Argo Rollouts runtime: `setCanaryScale` weight/replicas are not bounded"

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        raw = ro.spec.get("replicas")
        replicas = rc.as_int(raw) if raw is not None else 1
        for i, step in _canary_steps(ro):
            scs = step.get("setCanaryScale")
            if not isinstance(scs, dict) or scs.get("matchTrafficWeight") is True:
                continue
            w, r = rc.as_int(scs.get("weight")), rc.as_int(scs.get("replicas"))
            if r is not None:
                if replicas is not None and r > replicas:
                    yield self.report(ro, S + (i, "setCanaryScale", "replicas"), f"setCanaryScale.replicas {r} is more "
                                      f"than spec.replicas ({replicas}): the canary alone would run {r} pods")
            elif w is not None and w > 100:
                yield self.report(ro, S + (i, "setCanaryScale", "weight"), f"setCanaryScale.weight {w} is over 100: it is "
                                  f"a percentage of spec.replicas, so the canary runs {w / 100:g}x the replicas")


@register
class ExperimentWeightExceedsTotal(Rule):
    """Experiment template weights plus the current `setWeight` exceed 100.

    ## What it checks
    For each experiment step, the weight in effect (the last `setWeight` at or before the step, 0 if none) plus the
    sum of the experiment templates' `weight`s must not exceed 100 (`maxTrafficWeight` if set).

    ## Why it matters
    During the experiment the router gives the canary its weight and each experiment template its own; the stable
    weight is what is left and is clamped at 0. Above 100 the destination weights no longer sum to 100, which
    Istio rejects (`total destination weight ... != 100`), and the weight update fails.

    ## How to fix
    Lower the template weights, or place the experiment before a smaller `setWeight`.

    ## Upstream
    Derived from Argo Rollouts `istio.go` `processRoutes` (stable weight clamped at 0) (catalog RO806).
    """

    id = "RL152"
    name = "experiment-weight-exceeds-total"
    severity = Severity.WARNING
    summary = "setWeight plus experiment template weights exceed 100"
    kinds = ("Rollout",)
    mirrors = ("Argo Rollouts runtime: `processRoutes` clamps the stable weight at 0 when canary + experiment weights "
               "exceed 100")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        if rc.traffic_routing(ro) is None:
            return
        mw = _max_weight(ro)
        current, current_at = 0, None
        for i, step in _canary_steps(ro):
            w = rc.as_int(step.get("setWeight"))
            if w is not None:
                current, current_at = w, i
            exp = step.get("experiment")
            if not isinstance(exp, dict):
                continue
            given = [(k, rc.as_int(as_dict(t).get("weight"))) for k, t in enumerate(as_list(exp.get("templates")))]
            weights = [(k, x) for k, x in given if x is not None]
            total = current + sum(x for _, x in weights)
            if weights and total > mw:
                rel = [RelatedRef(ro, S + (current_at, "setWeight"), f"setWeight: {current}")] if current_at is not None else []
                yield self.report(ro, S + (i, "experiment", "templates", weights[0][0], "weight"),
                                  f"setWeight {current} plus experiment template weights "
                                  f"{' + '.join(str(x) for _, x in weights)} = {total} exceeds {mw}: the stable weight "
                                  "is clamped at 0 and the route weights no longer add up", related=rel)


@register
class AnalysisStartingStepOutOfRange(Rule):
    """Background analysis `startingStep` points past the last step, so the analysis never runs.

    ## What it checks
    `strategy.canary.analysis.startingStep` must be less than the number of steps (step indexes start at 0).

    ## Why it matters
    The background analysis starts when the current step index reaches `startingStep`. The index never goes
    beyond the number of steps, and reaching it means the Rollout is being promoted, so the analysis never
    guards the canary. No error or event is raised.

    ## How to fix
    Use the index of the step from which the analysis should run (0 = from the start).

    ## Upstream
    Derived from Argo Rollouts `replicaset.BeforeStartingStep` (catalog RO814).
    """

    id = "RL153"
    name = "analysis-starting-step-out-of-range"
    severity = Severity.WARNING
    summary = "Background analysis startingStep is past the last step"
    kinds = ("Rollout",)
    mirrors = "Argo Rollouts runtime: `BeforeStartingStep` (`currentStepIndex < startingStep`)"

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        if not rc.only_canary(ro):
            return
        can = refs.canary(ro)
        start = rc.as_int(as_dict(can.get("analysis")).get("startingStep"))
        n = len(as_list(can.get("steps")))
        if start is None or n == 0 or start < n:
            return
        yield self.report(ro, refs.CANARY + ("analysis", "startingStep"), f"startingStep {start} is past the last step "
                          f"(the Rollout has {n} steps, indexes 0-{n - 1}): the background analysis never runs",
                          related=[RelatedRef(ro, S, f"{n} steps")])


@register
class AnalysisBeforeFirstSetWeight(Rule):
    """An `analysis` step runs before any `setWeight`, when the canary has no pods and no traffic.

    ## What it checks
    A canary `analysis` step placed before the first `setWeight` step, with no `setCanaryScale` before it. An
    analysis after an `experiment` step is not reported (it usually compares the experiment's own pods).

    ## Why it matters
    Until the first `setWeight`, the current weight is 0: a basic canary runs 0 canary pods and a traffic-routed
    canary gets 0 % of the traffic. An analysis of canary metrics at that point measures nothing (queries return
    no data, which often counts as success — or fails the rollout at once).

    ## How to fix
    Move the analysis after the first `setWeight`, or add a `setCanaryScale` (with traffic routing) before it if you
    want to test pods without traffic.

    ## Upstream
    Derived from Argo Rollouts `GetCurrentSetWeight` (0 when no setWeight at or before the current step)
    (catalog RO810).
    """

    id = "RL154"
    name = "analysis-before-first-set-weight"
    severity = Severity.WARNING
    summary = "Analysis step runs before any setWeight, with no canary pods or traffic"
    kinds = ("Rollout",)
    mirrors = "Argo Rollouts runtime: `GetCurrentSetWeight` returns 0 before the first setWeight"

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        for i, _, keys in _canary_actions(ro):
            if "setWeight" in keys or "setCanaryScale" in keys or "experiment" in keys:
                return  # after an experiment, an analysis usually measures the experiment's pods
            if "analysis" in keys:
                yield self.report(ro, S + (i, "analysis"), f"analysis step {i} runs before any setWeight: the canary has "
                                  "0 pods and 0 % of the traffic, so its metrics measure nothing", key=True)
                return


@register
class ExperimentWeightWithoutPorts(Rule):
    """An experiment template gets traffic `weight`, but the pod template declares no container ports.

    ## What it checks
    Experiment step templates with `weight` (traffic-routed canaries) when the Rollout's pod template (inline or
    from `workloadRef`) has no `containers[].ports`.

    Reported at the experiment template's `weight` in the Rollout; the pod template's `containers` (the
    workloadRef Deployment's when it has one) are related.

    ## Why it matters
    For a weighted template the Experiment creates a Service from the pod template's container ports; with no
    ports no Service is created, and the traffic router is given a destination without a host, so the weight
    update fails or sends the experiment's share nowhere.

    ## How to fix
    Declare the serving port in the pod template (`ports: [{containerPort: 8080}]`), or drop the template's
    `weight`.

    ## Upstream
    Derived from Argo Rollouts `experiments/experiment.go` `createTemplateService` (Service only
    `if len(ports) > 0`) (catalog RO819).
    """

    id = "RL155"
    name = "experiment-weight-without-ports"
    severity = Severity.WARNING
    summary = "Weighted experiment template but the pod template has no container ports"
    kinds = ("Rollout",)
    cross_resource = True
    mirrors = "Argo Rollouts runtime: experiment template Service is created only when the pod template has ports"

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        if rc.traffic_routing(ro) is None:
            return
        weighted = [(i, k) for i, step in _canary_steps(ro)
                    for k, t in enumerate(as_list(as_dict(step.get("experiment")).get("templates")))
                    if rc.is_set(t, "weight")]
        if not weighted:
            return
        tmpl = rc.pod_template(ro, ctx.index)
        if tmpl.missing_workload:
            return
        pod = as_dict(dig(tmpl.owner.body, *tmpl.path, "spec"))
        containers = as_list(pod.get("containers"))
        if not containers or any(as_list(as_dict(c).get("ports")) for c in containers):
            return
        for i, k in weighted:
            yield self.report(ro, S + (i, "experiment", "templates", k, "weight"), "experiment template has a traffic "
                              "weight but the pod template declares no container ports: no Service is created for it",
                              related=[RelatedRef(tmpl.owner, tmpl.path + ("spec", "containers"), "containers without ports")])
