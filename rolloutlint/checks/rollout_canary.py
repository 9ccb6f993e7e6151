"""RL130-RL138: canary strategy fields as `ValidateRolloutStrategyCanary` checks them (argo-rollouts
`pkg/apis/rollouts/validation/validation.go`), plus derived traps (RL131, RL138).

Upstream reports these at `spec.strategy.<field>` (no `canary.` segment); rolloutlint reports at the real field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rolloutlint.views import refs
from rolloutlint.views import rollout as rc
from rolloutlint.core.findings import RelatedRef, Report, Severity
from rolloutlint.core.model import as_list
from rolloutlint.core.rule import Rule, register

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context
    from rolloutlint.core.model import Resource

C = refs.CANARY
TR = rc.TRAFFIC_ROUTING
_VALID_PERCENT = re.compile(r"^[0-9]+%$")


def _int_or_percent_value(value: Any) -> int:
    """`getIntOrPercentValue` of the validation: a valid percent string gives its number, anything else
    `IntOrString.IntValue()` (an int, or `strconv.Atoi` of the string with errors giving 0)."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        if _VALID_PERCENT.match(value):
            return int(value[:-1])
        try:
            return int(value) if re.fullmatch(r"[+-]?[0-9]+", value) else 0
        except ValueError:
            return 0
    return 0


@register
class MaxSurgeAndUnavailableZero(Rule):
    """Canary `maxSurge` and `maxUnavailable` are both zero.

    ## What it checks
    With the defaults applied (both `"25"`, which the controller reads as 25 %), `maxSurge` and `maxUnavailable`
    may not both be 0. Values are read like the controller's validation does: `0`, `"0"` and `"0%"` are zero; a
    string that is neither a number nor a valid percentage (`"abc"`, `"-1%"`) also counts as 0 there.

    ## Why it matters
    The controller refuses the Rollout: `spec.strategy.maxSurge: Invalid value: 0: MaxSurge and MaxUnavailable both
    can not be zero` (condition `InvalidSpec`). With neither extra nor missing pods allowed, no pod could ever be
    replaced.

    ## How to fix
    Allow at least one: e.g. `maxSurge: 1` (or `"25%"`) with `maxUnavailable: 0` for zero-downtime updates.

    ## Upstream
    Mirrors Argo Rollouts `invalidMaxSurgeMaxUnavailable` (catalog RO130).
    """

    id = "RL130"
    name = "max-surge-and-unavailable-zero"
    severity = Severity.ERROR
    summary = "Canary maxSurge and maxUnavailable are both zero"
    kinds = ("Rollout",)
    mirrors = ("Argo Rollouts: `spec.strategy.maxSurge: Invalid value: 0: MaxSurge and MaxUnavailable both can not be "
               "zero`")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        if not rc.only_canary(ro):
            return
        can = refs.canary(ro)
        surge = can.get("maxSurge")
        unav = can.get("maxUnavailable")
        surge_v = _int_or_percent_value("25" if surge is None else surge)
        unav_v = _int_or_percent_value("25" if unav is None else unav)
        if surge_v == 0 and unav_v == 0:
            yield self.report(ro, C + ("maxSurge",), f"MaxSurge and MaxUnavailable both can not be zero (maxSurge "
                              f"{surge!r}, maxUnavailable {unav!r}): allow at least one surge or unavailable pod",
                              related=[RelatedRef(ro, C + ("maxUnavailable",), f"maxUnavailable: {unav}")])


@register
class IntOrPercentWithoutPercentSign(Rule):
    """`maxSurge` / `maxUnavailable` is a quoted number without `%`, which the controller reads as a percentage.

    ## What it checks
    A string value such as `"5"` in `strategy.canary.maxSurge`, `strategy.canary.maxUnavailable` or
    `strategy.blueGreen.maxUnavailable`.

    ## Why it matters
    Kubernetes Deployments reject such strings, but the Argo Rollouts controller resolves int-or-percent values
    with the legacy `intstr.GetValueFromIntOrPercent`, which treats *every* string as a percentage: `"5"` means
    5 % of `spec.replicas` (rounded up for surge, down for unavailable), not 5 pods. With 10 replicas
    `maxUnavailable: "5"` allows 0 unavailable pods. The validation meanwhile reads `"5"` as 5.

    ## How to fix
    Write an integer (`5`) for a pod count, or add the sign (`"5%"`) for a percentage.

    ## Upstream
    Derived from Argo Rollouts `resolveFenceposts` / `intstr.GetValueFromIntOrPercent` (catalog RO811).
    """

    id = "RL131"
    name = "int-or-percent-without-percent-sign"
    severity = Severity.WARNING
    summary = "maxSurge/maxUnavailable is a quoted number without %, read as a percentage"
    kinds = ("Rollout",)
    fixable = False
    mirrors = "Argo Rollouts runtime semantics (`intstr.GetValueFromIntOrPercent`: any string is a percent)"

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        fields = []
        if rc.has_canary(ro):
            fields += [(C, "maxSurge"), (C, "maxUnavailable")]
        if rc.has_blue_green(ro):
            fields += [(refs.BLUE_GREEN, "maxUnavailable")]
        for base, key in fields:
            block = refs.canary(ro) if base == C else refs.blue_green(ro)
            v = block.get(key)
            if isinstance(v, str) and re.fullmatch(r"\s*[+-]?[0-9]+\s*", v):
                yield self.report(ro, base + (key,), f"{key} {v!r} is read by the controller as {v.strip()}% of the "
                                  f"replicas, not {v.strip()} pods: write {v.strip()} for a pod count or "
                                  f"\"{v.strip()}%\" for a percentage")


@register
class CanaryStableSameService(Rule):
    """Canary `canaryService` and `stableService` name the same Service.

    ## What it checks
    When both are set, `strategy.canary.canaryService` must differ from `strategy.canary.stableService`. (Whether
    the Services exist is checked by the reference rules.)

    ## Why it matters
    The controller refuses the Rollout: `spec.strategy.stableService: Invalid value: "x": This rollout uses the
    same service for the stable and canary services, but two different services are required.`
    (condition `InvalidSpec`). The controller points each Service's selector at a different ReplicaSet.

    ## How to fix
    Create a separate canary Service (same ports, same selector) and name it in `canaryService`.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutStrategyCanary` (catalog RO131).
    """

    id = "RL132"
    name = "canary-stable-same-service"
    severity = Severity.ERROR
    summary = "Canary canaryService and stableService are the same Service"
    kinds = ("Rollout",)
    mirrors = ("Argo Rollouts: `spec.strategy.stableService: Invalid value: \"x\": This rollout uses the same service for "
               "the stable and canary services, but two different services are required.`")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        if not rc.only_canary(ro):
            return
        can = refs.canary(ro)
        cs, ss = can.get("canaryService"), can.get("stableService")
        if isinstance(cs, str) and isinstance(ss, str) and cs and cs == ss:
            yield self.report(ro, C + ("stableService",), f"This rollout uses the same service for the stable and canary "
                              f"services ({ss!r}), but two different services are required",
                              related=[RelatedRef(ro, C + ("canaryService",), f"canaryService: {cs}")])


@register
class PingPongInvalid(Rule):
    """Canary `pingPong` is incomplete or used with a router that does not support it.

    ## What it checks
    With `strategy.canary.pingPong` set: `pingService` and `pongService` are both non-empty and different; if
    `trafficRouting` is set it uses ALB, Istio or a plugin; with ALB, `trafficRouting.alb.rootService` is set.

    ## Why it matters
    The controller refuses the Rollout (condition `InvalidSpec`) with one of: `Ping service and Pong service must
    to be set to use Ping-Pong feature`, `This rollout uses the same service for the ping and pong services, but two
    different services are required.`, `Ping-pong feature works with the ALB, Istio, and plugin-based traffic
    routers only`, `Root service field is required for the configuration with ALB and ping-pong feature enabled`.

    ## How to fix
    Name two distinct Services in `pingService`/`pongService`; use ALB, Istio or a plugin router; with ALB set
    `alb.rootService`.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutStrategyCanary` (catalog RO132–RO136).
    """

    id = "RL133"
    name = "ping-pong-invalid"
    severity = Severity.ERROR
    summary = "Canary pingPong services are missing or equal, or the router does not support ping-pong"
    kinds = ("Rollout",)
    mirrors = ("Argo Rollouts: `spec.strategy.pingPong.pingService: Invalid value: \"\": Ping service and Pong service "
               "must to be set to use Ping-Pong feature`")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        if not rc.only_canary(ro):
            return
        can = refs.canary(ro)
        pp = can.get("pingPong")
        if not isinstance(pp, dict):
            return
        tr = rc.traffic_routing(ro)
        routers = rc.rollout_routers(ro)
        if tr is not None and not routers & {"alb", "istio", "plugins"}:
            yield self.report(ro, TR, f"Ping-pong feature works with the ALB, Istio, and plugin-based traffic routers "
                              f"only (this Rollout uses {rc.router_text(routers)})", key=True)
        ping, pong = pp.get("pingService") or "", pp.get("pongService") or ""
        for key, val in (("pingService", ping), ("pongService", pong)):
            if val == "" and key in pp:  # a missing key is a schema error (RL011)
                yield self.report(ro, C + ("pingPong", key), "Ping service and Pong service must to be set to use "
                                  f"Ping-Pong feature: {key} is empty")
        if ping and ping == pong:
            yield self.report(ro, C + ("pingPong", "pongService"), f"This rollout uses the same service for the ping and "
                              f"pong services ({ping!r}), but two different services are required",
                              related=[RelatedRef(ro, C + ("pingPong", "pingService"), f"pingService: {ping}")])
        if tr is not None and rc.is_set(tr, "alb") and not (isinstance(tr["alb"], dict) and tr["alb"].get("rootService")):
            yield self.report(ro, TR + ("alb",), "Root service field is required for the configuration with ALB and "
                              "ping-pong feature enabled: set trafficRouting.alb.rootService", key=True)


@register
class TrafficRoutingServicesMissing(Rule):
    """A traffic router that splits by Service is configured without `canaryService` and `stableService`.

    ## What it checks
    `strategy.canary.stableService` and `canaryService` must both be set when `trafficRouting` uses ALB (without
    pingPong), Istio host-level splitting (no `destinationRule` and no pingPong), SMI, Apisix, Ambassador, Nginx,
    AppMesh or Traefik. Istio with `destinationRule` (subset-level splitting) and plugins do not need them.

    ## Why it matters
    The controller refuses the Rollout: `spec.strategy.stableService: Invalid value: "": Canary service and Stable
    service must to be set to use Traffic Routing` (condition `InvalidSpec`). The router weights traffic between
    these two Services.

    ## How to fix
    Create two Services with the Rollout's selector and name them in `canaryService` and `stableService` (with
    Istio, alternatively configure `destinationRule` subsets).

    ## Upstream
    Mirrors Argo Rollouts `requireCanaryStableServices` / `ValidateRolloutStrategyCanary` (catalog RO137).
    """

    id = "RL134"
    name = "traffic-routing-services-missing"
    severity = Severity.ERROR
    summary = "Traffic routing needs both canaryService and stableService"
    kinds = ("Rollout",)
    mirrors = ("Argo Rollouts: `spec.strategy.stableService: Invalid value: \"\": Canary service and Stable service must "
               "to be set to use Traffic Routing`")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        if not rc.only_canary(ro):
            return
        can = refs.canary(ro)
        tr = rc.traffic_routing(ro)
        if tr is None:
            return
        pp = rc.is_set(can, "pingPong")
        istio = tr.get("istio") if rc.is_set(tr, "istio") else None
        needs = None
        if rc.is_set(tr, "alb") and not pp:
            needs = "ALB"
        elif istio is not None and not rc.is_set(istio, "destinationRule") and not pp:
            needs = "Istio host-level splitting (no destinationRule)"
        else:
            for key, label in (("smi", "SMI"), ("apisix", "Apisix"), ("ambassador", "Ambassador"), ("nginx", "Nginx"),
                               ("appMesh", "AppMesh"), ("traefik", "Traefik")):
                if rc.is_set(tr, key):
                    needs = label
                    break
        if needs is None:
            return
        for key in ("stableService", "canaryService"):
            if not can.get(key):
                path = C + (key,) if key in can else C
                yield self.report(ro, path, f"Canary service and Stable service must to be set to use Traffic Routing: "
                                  f"{needs} needs {key}", key=key not in can)


@register
class RequiresTrafficRouting(Rule):
    """A canary feature that only works with traffic routing is used without `trafficRouting`.

    ## What it checks
    Without `strategy.canary.trafficRouting`, the controller rejects: `scaleDownDelaySeconds`,
    `dynamicStableScale: true`, `setCanaryScale` steps, `setHeaderRoute` steps, `setMirrorRoute` steps and
    experiment template `weight`s. (Which routers support which feature is `unsupported-by-traffic-router`.)

    ## Why it matters
    The controller refuses the Rollout (condition `InvalidSpec`) with `Canary scaleDownDelaySeconds can only be used
    with traffic routing`, `Canary dynamicStableScale can only be used with traffic routing`, `SetCanaryScale
    requires TrafficRouting to be set`, `SetHeaderRoute requires TrafficRouting, supports Istio and ALB and
    Apisix`, `SetMirrorRoute requires TrafficRouting, supports Istio and Plugins` or `Experiment template weight
    cannot be set unless TrafficRouting is enabled`. A basic canary splits traffic only by pod counts, so these
    features have nothing to act on.

    ## How to fix
    Configure `trafficRouting` (e.g. `istio.virtualService`), or remove the feature.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutStrategyCanary` (catalog RO138, RO139, RO205, RO206, RO209, RO213).
    """

    id = "RL135"
    name = "requires-traffic-routing"
    severity = Severity.ERROR
    summary = "Canary feature needs trafficRouting"
    kinds = ("Rollout",)
    mirrors = ("Argo Rollouts: `spec.trafficRouting: Required value: SetCanaryScale requires TrafficRouting to be "
               "set` (and the other `... only be used with traffic routing` errors)")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        if not rc.only_canary(ro) or rc.traffic_routing(ro) is not None:
            return
        can = refs.canary(ro)
        if rc.is_set(can, "scaleDownDelaySeconds"):
            yield self.report(ro, C + ("scaleDownDelaySeconds",), "Canary scaleDownDelaySeconds can only be used with "
                              "traffic routing: remove it (a basic canary scales the old ReplicaSet down as it goes)",
                              key=True)
        if can.get("dynamicStableScale") is True:
            yield self.report(ro, C + ("dynamicStableScale",), "Canary dynamicStableScale can only be used with traffic "
                              "routing", key=True)
        msgs = {"setCanaryScale": "SetCanaryScale requires TrafficRouting to be set",
                "setHeaderRoute": "SetHeaderRoute requires TrafficRouting, supports Istio and ALB and Apisix",
                "setMirrorRoute": "SetMirrorRoute requires TrafficRouting, supports Istio and Plugins"}
        for i, step, keys in rc.step_actions(ro):
            for kind, msg in msgs.items():
                if kind in keys:
                    yield self.report(ro, rc.STEPS + (i, kind), f"{msg}: steps[{i}].{kind} needs "
                                      "strategy.canary.trafficRouting", key=True)
            exp = step.get("experiment")
            if isinstance(exp, dict):
                for k, t in enumerate(as_list(exp.get("templates"))):
                    if rc.is_set(t, "weight"):
                        yield self.report(ro, rc.STEPS + (i, "experiment", "templates", k, "weight"),
                                          "Experiment template weight cannot be set unless TrafficRouting is enabled")


@register
class UnsupportedByTrafficRouter(Rule):
    """A canary feature is used with a traffic router that does not support it.

    ## What it checks
    With `trafficRouting` set: `maxTrafficWeight` needs Nginx or a plugin (Istio always uses 100);
    `setHeaderRoute` steps need Istio, ALB, Apisix or a plugin; `setMirrorRoute` steps need Istio or a plugin;
    experiment template `weight` needs ALB, SMI, Istio or a plugin.

    ## Why it matters
    The controller refuses the Rollout (condition `InvalidSpec`) with `Canary maxTrafficWeight in traffic routing
    only supported in Nginx and Plugins`, `SetHeaderRoute requires TrafficRouting, supports Istio and ALB and
    Apisix`, `SetMirrorRoute requires TrafficRouting, supports Istio and Plugins` or `Experiment template weight is
    only available for TrafficRouting with SMI, ALB, Istio and Plugins at this time`.

    ## How to fix
    Remove the feature or switch to a router that supports it.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutStrategyCanary` (catalog RO141, RO206, RO209, RO214).
    """

    id = "RL136"
    name = "unsupported-by-traffic-router"
    severity = Severity.ERROR
    summary = "Canary feature is not supported by the configured traffic router"
    kinds = ("Rollout",)
    mirrors = ("Argo Rollouts: `Canary maxTrafficWeight in traffic routing only supported in Nginx and Plugins` (and "
               "the other router-support errors)")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        tr = rc.traffic_routing(ro)
        if not rc.only_canary(ro) or tr is None:
            return
        have = rc.rollout_routers(ro)
        if rc.is_set(tr, "maxTrafficWeight") and not have & {"nginx", "plugins"}:
            yield self.report(ro, TR + ("maxTrafficWeight",), f"Canary maxTrafficWeight in traffic routing only supported "
                              f"in Nginx and Plugins (this Rollout uses {rc.router_text(have)}); remove it, weights are "
                              "out of 100", key=True)
        for i, step, keys in rc.step_actions(ro):
            if "setHeaderRoute" in keys and not have & {"istio", "alb", "apisix", "plugins"}:
                yield self.report(ro, rc.STEPS + (i, "setHeaderRoute"), f"SetHeaderRoute requires TrafficRouting, "
                                  f"supports Istio and ALB and Apisix (this Rollout uses {rc.router_text(have)})",
                                  key=True)
            if "setMirrorRoute" in keys and not have & {"istio", "plugins"}:
                yield self.report(ro, rc.STEPS + (i, "setMirrorRoute"), f"SetMirrorRoute requires TrafficRouting, "
                                  f"supports Istio and Plugins (this Rollout uses {rc.router_text(have)})", key=True)
            exp = step.get("experiment")
            if isinstance(exp, dict) and not have & {"alb", "smi", "istio", "plugins"}:
                for k, t in enumerate(as_list(exp.get("templates"))):
                    if rc.is_set(t, "weight"):
                        yield self.report(ro, rc.STEPS + (i, "experiment", "templates", k, "weight"),
                                          "Experiment template weight is only available for TrafficRouting with SMI, "
                                          f"ALB, Istio and Plugins at this time (this Rollout uses {rc.router_text(have)})")


@register
class DynamicStableScaleWithScaleDownDelay(Rule):
    """Canary `dynamicStableScale` is combined with `scaleDownDelaySeconds`.

    ## What it checks
    With traffic routing, `strategy.canary.dynamicStableScale: true` and `scaleDownDelaySeconds` may not both be set
    (without traffic routing both are already rejected by `requires-traffic-routing`).

    ## Why it matters
    The controller refuses the Rollout: `spec.strategy.dynamicStableScale: Invalid value: true: Canary
    dynamicStableScale cannot be used with scaleDownDelaySeconds` (condition `InvalidSpec`). Dynamic stable
    scaling scales the old stable down while traffic moves; a scale-down delay would keep it up.
    (`abortScaleDownDelaySeconds` *is* accepted with `dynamicStableScale`: it controls how fast the canary is
    scaled down on abort.)

    ## How to fix
    Remove `scaleDownDelaySeconds`, or set `dynamicStableScale: false`.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutStrategyCanary` (catalog RO140).
    """

    id = "RL137"
    name = "dynamic-stable-scale-with-scale-down-delay"
    severity = Severity.ERROR
    summary = "Canary dynamicStableScale cannot be used with scaleDownDelaySeconds"
    kinds = ("Rollout",)
    mirrors = ("Argo Rollouts: `spec.strategy.dynamicStableScale: Invalid value: true: Canary dynamicStableScale "
               "cannot be used with scaleDownDelaySeconds`")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        if not rc.only_canary(ro) or rc.traffic_routing(ro) is None:
            return
        can = refs.canary(ro)
        if can.get("dynamicStableScale") is True and rc.is_set(can, "scaleDownDelaySeconds"):
            yield self.report(ro, C + ("dynamicStableScale",), "Canary dynamicStableScale cannot be used with "
                              "scaleDownDelaySeconds: remove scaleDownDelaySeconds", key=True,
                              related=[RelatedRef(ro, C + ("scaleDownDelaySeconds",), "scaleDownDelaySeconds set here")])


@register
class IgnoredWithoutTrafficRouting(Rule):
    """A canary field that only has an effect with traffic routing is set on a basic canary.

    ## What it checks
    Without `strategy.canary.trafficRouting`: `abortScaleDownDelaySeconds` and `minPodsPerReplicaSet`. The
    controller accepts them but ignores them.

    ## Why it matters
    For a basic canary `abortScaleDownDelaySeconds` is treated as unset (the canary is scaled down immediately on
    abort) and `minPodsPerReplicaSet` is not applied, so the behaviour you configured does not happen.

    ## How to fix
    Remove the field, or configure `trafficRouting`.

    ## Upstream
    Derived from Argo Rollouts `defaults.GetAbortScaleDownDelaySecondsOrDefault` and `CheckMinPodsPerReplicaSet`
    (catalog RO823).
    """

    id = "RL138"
    name = "ignored-without-traffic-routing"
    severity = Severity.WARNING
    summary = "Canary field has no effect without trafficRouting"
    kinds = ("Rollout",)
    mirrors = ("Argo Rollouts runtime: traffic-routing-only defaults (`GetAbortScaleDownDelaySecondsOrDefault`, "
               "`CheckMinPodsPerReplicaSet`)")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        if not rc.only_canary(ro) or rc.traffic_routing(ro) is not None:
            return
        can = refs.canary(ro)
        for key in ("abortScaleDownDelaySeconds", "minPodsPerReplicaSet"):
            if rc.is_set(can, key):
                yield self.report(ro, C + (key,), f"{key} has no effect without trafficRouting: the controller ignores "
                                  "it for a basic canary", key=True)


@register
class TrafficRouterIngressConfigInvalid(Rule):
    """The Nginx/ALB router does not name exactly one ingress form, or Ambassador names no mapping.

    ## What it checks
    `trafficRouting.nginx` must set exactly one of `stableIngress` and `stableIngresses`; `trafficRouting.alb`
    exactly one of `ingress` and `ingresses`; `trafficRouting.ambassador.mappings` must not be empty. (Whether
    the Ingresses exist and route to the stable Service: `ingress-not-found`, `ingress-without-stable-backend`; Ambassador
    mappings are not looked up.)

    ## Why it matters
    The controller refuses the Rollout before looking anything up (condition `InvalidSpec`):
    `spec.strategy.canary.trafficRouting.nginx: Internal error: Either StableIngress or StableIngresses must be
    configured. Both are configured.` (or `Neither are configured.`; same for ALB with `Ingress or Ingresses`),
    `spec.strategy.canary.trafficRouting.ambassador.mappings: Invalid value: null: must provide at least one
    mapping`.

    ## How to fix
    Keep one of the two fields (the list form for several Ingresses); list at least one Ambassador mapping.

    ## Upstream
    Mirrors Argo Rollouts `ValidateRolloutNginxIngressesConfig`, `ValidateRolloutAlbIngressesConfig` and
    `getAmbassadorMappings` (catalog RO404, RO405, RO408).
    """

    id = "RL139"
    name = "traffic-router-ingress-config-invalid"
    severity = Severity.ERROR
    summary = "Nginx/ALB router must set exactly one ingress field; Ambassador needs a mapping"
    kinds = ("Rollout",)
    mirrors = ("Argo Rollouts: `spec.strategy.canary.trafficRouting.nginx: Internal error: Either StableIngress or "
               "StableIngresses must be configured. Both are configured.`")

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        tr = rc.traffic_routing(ro)
        if not rc.has_canary(ro) or tr is None:
            return
        for router, single, multi, label in (("nginx", "stableIngress", "stableIngresses", "StableIngress or StableIngresses"),
                                             ("alb", "ingress", "ingresses", "Ingress or Ingresses")):
            block = tr.get(router)
            if not isinstance(block, dict):
                continue
            has_single = isinstance(block.get(single), str) and block.get(single) != ""
            has_multi = block.get(multi) is not None
            if has_single and has_multi:
                yield self.report(ro, TR + (router, multi), f"Either {label} must be configured. Both are configured: "
                                  f"keep {multi} (a list) or {single}", key=True,
                                  related=[RelatedRef(ro, TR + (router, single), f"{single} set here")])
            elif not has_single and not has_multi:
                yield self.report(ro, TR + (router,), f"Either {label} must be configured. Neither are configured: "
                                  f"name the Ingress in {single}", key=True)
        amb = tr.get("ambassador")
        if isinstance(amb, dict) and "mappings" in amb and not as_list(amb.get("mappings")):
            yield self.report(ro, TR + ("ambassador", "mappings"), "must provide at least one mapping: list the Ambassador "
                              "Mapping names the controller should split", key=True)


@register
class ReplicaProgressThresholdIneffective(Rule):
    """`replicaProgressThreshold` has a type or value the controller does not use as written.

    ## What it checks
    `strategy.canary.replicaProgressThreshold`: `type` other than `Percent` or `Pods`, a negative `value`, a
    `Percent` value over 100, or a `Pods` value over `spec.replicas`.

    ## Why it matters
    The controller does not validate the field. Any `type` other than `Percent` is treated as `Pods`; a negative
    value silently means "100 % of the pods"; a `Percent` over 100 or more `Pods` than the Rollout has can never
    be reached, so every step waits until `progressDeadlineSeconds` and the Rollout goes Degraded. (A `Pods`
    value above the canary pod count of a particular step also blocks that step; only the certain case, above
    `spec.replicas`, is reported.)

    ## How to fix
    Use `type: Percent` with a value of 1–100, or `type: Pods` with at most `spec.replicas`.

    ## Upstream
    Derived from Argo Rollouts `ReplicaProgressThresholdMet` (catalog RO604, RO822).
    """

    id = "RL156"
    name = "replica-progress-threshold-ineffective"
    severity = Severity.WARNING
    summary = "replicaProgressThreshold type or value is ignored or can never be met"
    kinds = ("Rollout",)
    mirrors = "Argo Rollouts runtime: `ReplicaProgressThresholdMet` (type Percent, else Pods; value < 0 ignored)"

    def check(self, ro: "Resource", ctx: "Context") -> Iterator[Report]:
        if not rc.only_canary(ro):
            return
        rpt = refs.canary(ro).get("replicaProgressThreshold")
        if not isinstance(rpt, dict):
            return
        base = C + ("replicaProgressThreshold",)
        typ, val = rpt.get("type"), rc.as_int(rpt.get("value"))
        if isinstance(typ, str) and typ not in ("Percent", "Pods"):
            yield self.report(ro, base + ("type",), f"replicaProgressThreshold type {typ!r} is not Percent or Pods: the "
                              "controller treats it as Pods")
        if val is None:
            return
        raw = ro.spec.get("replicas")
        replicas = 1 if raw is None else rc.as_int(raw)
        if val < 0:
            yield self.report(ro, base + ("value",), f"replicaProgressThreshold value {val} is negative: the controller "
                              "ignores it and waits for 100 % of the pods")
        elif typ == "Percent" and val > 100:
            yield self.report(ro, base + ("value",), f"replicaProgressThreshold {val} % can never be reached: steps "
                              "wait until the progress deadline")
        elif typ != "Percent" and replicas is not None and val > replicas:
            yield self.report(ro, base + ("value",), f"replicaProgressThreshold {val} pods is more than spec.replicas "
                              f"({replicas}): steps can never reach it and wait until the progress deadline")
