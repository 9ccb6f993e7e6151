"""RL219, RL220: Istio Gateways and Sidecars whose workload selector (or TLS credential) names nothing the
repository holds (istioctl analyze IST0101 for `selector` and `credentialName`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rolloutlint.views import refs
from rolloutlint.core.findings import Report, Severity
from rolloutlint.core.model import Resource, as_dict, as_list, as_str, dig
from rolloutlint.core.rule import Rule, register
from rolloutlint.views.rollout import label_value_problem
from rolloutlint.core import memo

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context

_TEMPLATE_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")
# Selectors of the standard Istio gateway installations, usually installed outside the application repo.
# `istio: ingress` is what the istio/gateway Helm chart installed as `istio-ingress` (Istio's own docs) selects.
_STANDARD_GATEWAYS = {("istio", "ingressgateway"), ("istio", "egressgateway"), ("istio", "eastwestgateway"),
                      ("istio", "ingress"), ("istio", "egress"),
                      ("app", "istio-ingressgateway"), ("app", "istio-egressgateway"), ("app", "istio-eastwestgateway")}
# Objects that produce a Secret of their name (or of a named target) in their namespace.
_SECRET_SOURCES = (("SealedSecret", ()), ("ExternalSecret", ("spec", "target", "name")),
                   ("Certificate", ("spec", "secretName")))


def _labels(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def workload_labels(ctx: "Context") -> list[tuple[Resource, dict[str, str]]]:
    """(object, pod labels) for every Pod and pod template the repository holds; a Rollout contributes its
    canary and stable pods' labels."""
    def build() -> list[tuple[Resource, dict[str, str]]]:
        out: list[tuple[Resource, dict[str, str]]] = []
        for pod in ctx.index.of_kind("Pod"):
            out.append((pod, _labels(dig(pod.body, "metadata", "labels"))))
        for res in ctx.index.of_kind(*_TEMPLATE_KINDS):
            out.append((res, _labels(dig(res.body, "spec", "template", "metadata", "labels"))))
        for ro in ctx.index.of_kind("Rollout"):
            for labels in refs.pod_labels(ro, ctx.index).values():
                out.append((ro, labels))
        return out

    return memo.per_run(ctx.index, ("istio-selectors", "workload-labels"), build)


# Operators that install a gateway deployment from a custom resource, and the pod labels known from it:
# Tetrate's install API names the deployment's `app` label after the resource (TSB's docs pair a gateway
# `app: <name>` selector with an `install.tetrate.io` IngressGateway `<name>`); IstioOperator gateway components
# carry their `label` map. Other labels those pods carry are unknown here.
_TSB_INSTALL_GATEWAYS = ("IngressGateway", "Tier1Gateway", "EgressGateway", "Gateway")


def installed_gateways(ctx: "Context") -> list[tuple[Resource, dict[str, str]]]:
    """(installing object, the gateway pods' labels known from it) for every gateway an operator installs."""
    def build() -> list[tuple[Resource, dict[str, str]]]:
        out: list[tuple[Resource, dict[str, str]]] = []
        for res in ctx.index.of_kind(*_TSB_INSTALL_GATEWAYS):
            if res.group == "install.tetrate.io" and res.name:
                out.append((res, {"app": res.name}))
        for op in ctx.index.of_kind("IstioOperator"):
            components = as_dict(dig(op.body, "spec", "components"))
            for key in ("ingressGateways", "egressGateways"):
                for gw in as_list(components.get(key)):
                    labels = _labels(as_dict(gw).get("label"))
                    if labels and as_dict(gw).get("enabled") is not False:
                        out.append((op, labels))
        return out

    return memo.per_run(ctx.index, ("istio-selectors", "installed-gateways"), build)


def _may_select(selector: dict[str, str], known: dict[str, str]) -> bool:
    """Some selector label is known to match and none known to differ (the pods' other labels are unknown)."""
    shared = [k for k in selector if k in known]
    return bool(shared) and all(known[k] == selector[k] for k in shared)


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def _shown(selector: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))


def _secret_known(ctx: "Context", name: str, namespaces: set[str | None]) -> bool:
    for ns in namespaces:
        if ctx.index.find("Secret", name, ns) or ctx.index.is_external("Secret", name, ns):
            return True
        for kind, target in _SECRET_SOURCES:
            for src in ctx.index.of_kind(kind):
                if ns is not None and src.namespace not in (ns, None):
                    continue
                produced = as_str(dig(src.body, *target)) if target else None
                if (produced or src.name) == name:
                    return True
    return False


@register
class GatewaySelectorMatchesNoWorkload(Rule):
    """An Istio Gateway's `selector` matches no workload, or its TLS `credentialName` no Secret.

    ## What it checks
    Istio Gateways with a non-empty `selector`: some Pod or pod template in the repository (any namespace,
    Rollouts with their canary/stable labels) must carry those labels, or a gateway an operator installs from
    the repository may: a Tetrate `install.tetrate.io` IngressGateway, Tier1Gateway, EgressGateway or Gateway
    (its pods carry `app: <its name>`), or an IstioOperator gateway component (its `label` map); their pods'
    other labels are unknown, so a selector that agrees with every label known of them counts. The standard selectors (`istio:
    ingressgateway`, `egressgateway`, `eastwestgateway`, and `istio: ingress`/`egress` of the istio/gateway chart)
    are left alone when nothing matches: those gateways
    are installed with Istio, rarely from the application repository. When the gateway workload is in the
    repository, each TLS server's `credentialName` is looked
    up in its namespace among Secrets and the objects that create them (SealedSecret, ExternalSecret,
    cert-manager Certificate); a missing one is an info, since secrets rarely live in Git.

    Reported at the Gateway's `selector` (or the server's `credentialName`); nothing is related (no workload or
    Secret matches).

    ## Why it matters
    A Gateway that selects no gateway pods configures nothing: the hosts it declares are not served, and
    VirtualServices bound to it never receive traffic. A missing credential makes the TLS server fail its
    handshakes.

    ## How to fix
    Use the labels of the gateway deployment (`kubectl get pods -n istio-system --show-labels`), or declare
    an ingress gateway installed elsewhere under `external:` in `.rolloutlint.yaml`.

    ## Upstream
    Mirrors istioctl analyze IST0101 ReferencedResourceNotFound (`Referenced selector not found`,
    `Referenced credentialName not found`), from `gateway.IngressGatewayPortAnalyzer` and
    `gateway.SecretAnalyzer`.
    """

    id = "RL219"
    name = "gateway-selector-matches-no-workload"
    severity = Severity.WARNING
    summary = "Istio Gateway selector matches no workload (or its credentialName no Secret)"
    kinds = ("Gateway",)
    cross_resource = True
    stage = 2
    mirrors = "istioctl IST0101 ReferencedResourceNotFound: `Referenced selector not found`"

    def check(self, gw: Resource, ctx: "Context") -> Iterator[Report]:
        if gw.group != "networking.istio.io":
            return
        selector = _labels(gw.spec.get("selector"))
        if not selector:
            return
        invalid = next(((k, p) for k, v in selector.items() if (p := label_value_problem(v))), None)
        if invalid:  # no pod can carry such a label, wherever the gateway is installed
            yield self.report(gw, ("spec", "selector", invalid[0]),
                              f"selector {_shown(selector)} can match no Pod: {invalid[1]}; the Gateway configures "
                              "no proxy and its hosts are not served")
            return
        matches = [res for res, labels in workload_labels(ctx) if _selects(selector, labels)] + \
            [res for res, known in installed_gateways(ctx) if _may_select(selector, known)]
        if not matches:
            if any(ctx.index.is_external(k, "*", None) for k in ("Deployment", "Pod")):
                return
            if set(selector.items()) <= _STANDARD_GATEWAYS:
                return  # the standard gateways are installed with Istio, rarely from the application repository
            yield self.report(gw, ("spec", "selector"),
                              f"selector {_shown(selector)} matches no Pod or workload in any namespace: the Gateway "
                              "configures no proxy and its hosts are not served")
            return
        namespaces = {m.namespace for m in matches}
        for i, server in enumerate(as_list(gw.spec.get("servers"))):
            cred = as_str(dig(as_dict(server), "tls", "credentialName"))
            if cred and not cred.startswith(("kubernetes-gateway://", "sds://")) and not _secret_known(ctx, cred, namespaces):
                where = ", ".join(sorted(n or "?" for n in namespaces))
                yield self.report(gw, ("spec", "servers", i, "tls", "credentialName"),
                                  f"credentialName {cred!r} not found in this repository: no Secret (or SealedSecret, "
                                  f"ExternalSecret, Certificate) in the gateway workload's namespace ({where})",
                                  severity=Severity.INFO)


@register
class SidecarSelectorMatchesNoWorkload(Rule):
    """An Istio Sidecar's `workloadSelector` matches no workload in its namespace.

    ## What it checks
    Sidecars with `workloadSelector.labels`: some Pod or pod template in the Sidecar's namespace (Rollouts
    with their canary/stable labels) must carry those labels. A warning when the repository holds workloads
    of that namespace, else an info ("not found in this repository").

    Reported at the Sidecar's `workloadSelector.labels`; nothing is related (no workload matches).

    ## Why it matters
    Istio applies a Sidecar only to the workloads it selects in its own namespace; a selector that matches
    nothing (a typo, a workload in another namespace) leaves the intended pods on the namespace default, so
    egress restrictions or ingress listeners silently do not apply.

    ## How to fix
    Use the pod labels of a workload in the Sidecar's namespace, or move the Sidecar to the workload's
    namespace.

    ## Upstream
    Mirrors istioctl analyze IST0101 ReferencedResourceNotFound (`Referenced selector not found`) from
    `sidecar.SelectorAnalyzer`.
    """

    id = "RL220"
    name = "sidecar-selector-matches-no-workload"
    severity = Severity.WARNING
    summary = "Istio Sidecar workloadSelector matches no workload in its namespace"
    kinds = ("Sidecar",)
    cross_resource = True
    stage = 2
    mirrors = "istioctl IST0101 ReferencedResourceNotFound: `Referenced selector not found`"

    def check(self, sc: Resource, ctx: "Context") -> Iterator[Report]:
        if sc.group != "networking.istio.io":
            return
        selector = _labels(dig(sc.body, "spec", "workloadSelector", "labels"))
        if not selector:
            return
        local = [(res, labels) for res, labels in workload_labels(ctx)
                 if sc.namespace is None or res.namespace in (sc.namespace, None)]
        if any(_selects(selector, labels) for _, labels in local):
            return
        where = f"namespace {sc.namespace}" if sc.namespace else "the Sidecar's namespace"
        if local:
            yield self.report(sc, ("spec", "workloadSelector", "labels"),
                              f"workloadSelector {_shown(selector)} matches no Pod or workload in {where}: the Sidecar "
                              "applies to nothing (Sidecars only select workloads of their own namespace)")
        else:
            yield self.report(sc, ("spec", "workloadSelector", "labels"),
                              f"workloadSelector {_shown(selector)}: no workload of {where} found in this repository",
                              severity=Severity.INFO)
