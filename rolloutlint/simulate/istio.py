"""The Istio VirtualService / DestinationRule rewrite done by ``rollout/trafficrouting/istio/istio.go``.

All functions work on plain dicts and return modified *copies*; errors the controller would return are raised as
:class:`IstioError` with the controller's message so callers can show them as problems.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from rolloutlint.simulate.steps import as_int, dig

POD_TEMPLATE_HASH = "rollouts-pod-template-hash"
MANAGED_BY = "argo-rollouts.argoproj.io/managed-by-rollouts"
ROUTE_KINDS = ("http", "tls", "tcp")


class IstioError(Exception):
    """An error the controller reports while reconciling Istio resources (nothing is patched)."""


@dataclass
class IstioConfig:
    """The flattened view of ``spec.strategy.canary`` the Istio reconciler needs."""

    canary_service: str = ""
    stable_service: str = ""
    virtual_services: list[dict[str, Any]] = field(default_factory=list)  # [{name, routes, tlsRoutes, tcpRoutes}]
    destination_rule: dict[str, Any] | None = None  # {name, canarySubsetName, stableSubsetName, additionalSubsetNames}
    managed_routes: list[str] = field(default_factory=list)
    rollout_name: str = ""

    @property
    def canary_subset(self) -> str:
        return _str(dig(self.destination_rule, "canarySubsetName"))

    @property
    def stable_subset(self) -> str:
        return _str(dig(self.destination_rule, "stableSubsetName"))

    @property
    def additional_subsets(self) -> list[str]:
        names = dig(self.destination_rule, "additionalSubsetNames")
        return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def config_from_canary(canary: dict[str, Any], stable_ping_pong: str | None = None,
                       rollout_name: str = "") -> IstioConfig:
    """Build an :class:`IstioConfig` from ``spec.strategy.canary`` (or the vectors' flattened form).

    Ping-pong: with both services empty, stable is ``pingService`` while ``stablePingPong == "ping"``.
    """
    istio = dig(canary, "trafficRouting", "istio")
    if not isinstance(istio, dict):
        istio = canary.get("istio") if isinstance(canary.get("istio"), dict) else {}
    vss = istio.get("virtualServices")
    if isinstance(vss, list):
        vs_list = [v for v in vss if isinstance(v, dict)]
    elif isinstance(istio.get("virtualService"), dict):
        vs_list = [istio["virtualService"]]
    else:
        vs_list = []
    managed = dig(canary, "trafficRouting", "managedRoutes")
    if managed is None:
        managed = canary.get("managedRoutes")
    managed_names = [_str(m.get("name")) for m in managed if isinstance(m, dict) and isinstance(m.get("name"), str)] \
        if isinstance(managed, list) else []
    canary_svc, stable_svc = _str(canary.get("canaryService")), _str(canary.get("stableService"))
    ping_pong = canary.get("pingPong") if isinstance(canary.get("pingPong"), dict) else \
        dig(canary, "trafficRouting", "pingPong")
    if not canary_svc and not stable_svc and isinstance(ping_pong, dict):
        ping, pong = _str(ping_pong.get("pingService")), _str(ping_pong.get("pongService"))
        if (stable_ping_pong or canary.get("stablePingPong")) == "ping":
            stable_svc, canary_svc = ping, pong
        else:
            stable_svc, canary_svc = pong, ping
    dr = istio.get("destinationRule")
    return IstioConfig(canary_service=canary_svc, stable_service=stable_svc, virtual_services=vs_list,
                       destination_rule=dr if isinstance(dr, dict) else None, managed_routes=managed_names,
                       rollout_name=rollout_name)


def split_vs_name(name: str, default_namespace: str | None) -> tuple[str | None, str]:
    """``a.b`` names VirtualService ``a`` in namespace ``b`` (``.cluster.local`` stripped first)."""
    name = name.removesuffix(".cluster.local")
    if "." in name:
        short, namespace = name.rsplit(".", 1)
        return namespace, short
    return default_namespace, name


# --------------------------------------------------------------------------------------------- route selection

def _routes(spec: dict[str, Any], kind: str) -> list[Any]:
    routes = spec.get(kind)
    return routes if isinstance(routes, list) else []


def http_route_indexes(spec: dict[str, Any], names: list[str]) -> list[int]:
    """``getHttpRouteIndexesToPatch``: named routes, or the single/first unnamed route when none are named."""
    routes = _routes(spec, "http")
    if not names:
        if len(routes) == 1:
            return [0]
        for i, r in enumerate(routes):
            if not (isinstance(r, dict) and r.get("name")):
                return [i]
        return []
    indexes = []
    for name in names:
        for i, r in enumerate(routes):
            if isinstance(r, dict) and r.get("name") == name:
                indexes.append(i)
                break
        else:
            raise IstioError(f"HTTP Route '{name}' is not found in the defined Virtual Service.")
    return indexes


def _match_port_and_sni(route: dict[str, Any]) -> tuple[int | None, set[str], int]:
    """(single port or 0 / None when ports differ, SNI union, SNI count) of a tls/tcp route's match blocks."""
    ports: set[int] = set()
    sni: list[str] = []
    for m in route.get("match") or []:
        if not isinstance(m, dict):
            continue
        port = as_int(m.get("port"))
        if port is not None:
            ports.add(port)
        hosts = m.get("sniHosts")
        if isinstance(hosts, list):
            sni.extend(h for h in hosts if isinstance(h, str))
    if len(ports) > 1:
        return None, set(sni), len(set(sni))
    return (next(iter(ports)) if ports else 0), set(sni), len(set(sni))


def l4_route_indexes(spec: dict[str, Any], kind: str, selectors: list[dict[str, Any]] | None) -> list[int]:
    """``getTlsRouteIndexesToPatch`` / ``getTcpRouteIndexesToPatch``: match by port (and SNI set for tls)."""
    routes = _routes(spec, kind)
    if not selectors:
        return [0] if routes else []
    indexes: list[int] = []
    for sel in selectors:
        if not isinstance(sel, dict):
            continue
        want_port = as_int(sel.get("port")) or 0
        want_sni = [h for h in sel.get("sniHosts") or [] if isinstance(h, str)] if kind == "tls" else []
        for i, r in enumerate(routes):
            if not isinstance(r, dict):
                continue
            port, sni, count = _match_port_and_sni(r)
            if port is None or port != want_port:
                continue
            if kind == "tls" and (set(want_sni) != sni or len(want_sni) != count):
                continue
            if i not in indexes:
                indexes.append(i)
    if not indexes:
        raise IstioError(f"No matching {kind.upper()} routes found in the defined Virtual Service.")
    return indexes


def validate_route_destinations(route: list[Any], cfg: IstioConfig) -> None:
    """``validateVirtualServiceRouteDestinations`` / subset check: the route must reach canary and stable."""
    hosts, subsets = set(), set()
    for d in route:
        dest = dig(d, "destination")
        if isinstance(dest, dict):
            hosts.add(_str(dest.get("host")).split(".")[0])
            subsets.add(_str(dest.get("subset")))
    if cfg.destination_rule is not None:
        if cfg.canary_subset not in subsets:
            raise IstioError(f"Canary DestinationRule subset '{cfg.canary_subset}' not found in route")
        if cfg.stable_subset not in subsets:
            raise IstioError(f"Stable DestinationRule subset '{cfg.stable_subset}' not found in route")
        return
    if cfg.stable_service not in hosts:
        raise IstioError(f"Stable Service '{cfg.stable_service}' not found in route")
    if cfg.canary_service not in hosts:
        raise IstioError(f"Canary Service '{cfg.canary_service}' not found in route")


def _validate_omitted(spec: dict[str, Any], vs_ref: dict[str, Any], cfg: IstioConfig) -> None:
    """With route names omitted, each route list must be unambiguous (one unmanaged http, one tls, one tcp)."""
    omitted = {"http": "routes", "tls": "tlsRoutes", "tcp": "tcpRoutes"}
    for kind, key in omitted.items():
        if vs_ref.get(key):
            continue
        routes = _routes(spec, kind)
        if kind == "http":
            routes = [r for r in routes if not (isinstance(r, dict) and r.get("name") in cfg.managed_routes)]
        if len(routes) > 1:
            raise IstioError(f"spec.{kind}[] should be set in VirtualService and it must have exactly one route when "
                             f"omitting spec.strategy.canary.trafficRouting.istio.virtualService.{key}")


def selected_routes(spec: dict[str, Any], vs_ref: dict[str, Any], cfg: IstioConfig) -> dict[str, list[int]]:
    """Indexes of the http/tls/tcp routes the controller re-weights in this VirtualService (validated)."""
    _validate_omitted(spec, vs_ref, cfg)
    names = [n for n in vs_ref.get("routes") or [] if isinstance(n, str)]
    # Mirror routes listed in managedRoutes are re-weighted like the user's routes.
    for r in _routes(spec, "http"):
        if isinstance(r, dict) and "mirror" in r and r.get("name") in cfg.managed_routes and r.get("name") not in names:
            names.append(r["name"])
    chosen = {
        "http": http_route_indexes(spec, names),
        "tls": l4_route_indexes(spec, "tls", vs_ref.get("tlsRoutes")),
        "tcp": l4_route_indexes(spec, "tcp", vs_ref.get("tcpRoutes")),
    }
    for kind, indexes in chosen.items():
        for i in indexes:
            validate_route_destinations(_routes(spec, kind)[i].get("route") or [], cfg)
    return chosen


# --------------------------------------------------------------------------------------------- weights

def process_route(destinations: list[Any], desired: int, dests: list[dict[str, Any]],
                  cfg: IstioConfig) -> list[Any]:
    """``processRoutes`` for one route: canary ← desired, stable ← the rest, experiments added/removed."""
    stable_weight = 100 - desired - sum(as_int(d.get("weight")) or 0 for d in dests)
    additional = cfg.additional_subsets
    if additional:
        for d in destinations:
            if isinstance(d, dict) and _str(dig(d, "destination", "subset")) in additional:
                stable_weight -= as_int(d.get("weight")) or 0
    stable_weight = max(stable_weight, 0)
    pending = {d.get("serviceName"): d for d in dests}
    out: list[Any] = []
    for d in destinations:
        if not isinstance(d, dict):
            out.append(d)
            continue
        host = _str(dig(d, "destination", "host")).split(".")[0]
        subset = _str(dig(d, "destination", "subset"))
        if host == "":
            out.append(d)
            continue
        new = dict(d)
        if host == cfg.canary_service or (subset and subset == cfg.canary_subset):
            new["weight"] = desired
        elif host == cfg.stable_service or (subset and subset == cfg.stable_subset):
            new["weight"] = stable_weight
        elif host in pending:
            new["weight"] = as_int(pending.pop(host).get("weight")) or 0
        elif subset in additional:
            pass
        elif (as_int(d.get("weight")) or 0) != 0:
            continue  # stale experiment or foreign destination: the controller deletes it
        out.append(new)
    for name in sorted(k for k in pending if isinstance(k, str)):
        weight = as_int(pending[name].get("weight")) or 0
        if weight != 0:
            out.append({"destination": {"host": name}, "weight": weight})
    return out


def set_weight(vs_spec: dict[str, Any], vs_ref: dict[str, Any], cfg: IstioConfig, desired: int,
               dests: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """``reconcileVirtualService`` for one VirtualService spec: a re-weighted copy (IstioError if invalid)."""
    spec = copy.deepcopy(vs_spec)
    chosen = selected_routes(spec, vs_ref, cfg)
    for kind, indexes in chosen.items():
        routes = _routes(spec, kind)
        for i in indexes:
            routes[i]["route"] = process_route(routes[i].get("route") or [], desired, dests or [], cfg)
    return spec


# --------------------------------------------------------------------------------------------- managed routes

def _first_weighted_route(spec: dict[str, Any], vs_ref: dict[str, Any]) -> list[Any]:
    names = [n for n in vs_ref.get("routes") or [] if isinstance(n, str)]
    try:
        indexes = http_route_indexes(spec, names)
    except IstioError:
        return []
    if not indexes:
        return []
    route = _routes(spec, "http")[indexes[0]].get("route")
    return route if isinstance(route, list) else []


def _canary_target(cfg: IstioConfig, dr_host: str | None) -> dict[str, Any]:
    if cfg.destination_rule is not None:
        return {"host": dr_host or "", "subset": cfg.canary_subset}
    return {"host": cfg.canary_service}


def _port_of(route: list[Any]) -> Any:
    return dig(route[0], "destination", "port", "number") if route else None


def order_routes(spec: dict[str, Any], cfg: IstioConfig) -> None:
    """``orderRoutes``: managed routes first, in ``managedRoutes`` order, then the user's routes."""
    if not cfg.managed_routes or not isinstance(spec.get("http"), list):
        return
    routes = spec["http"]
    managed = [r for name in cfg.managed_routes for r in routes if isinstance(r, dict) and r.get("name") == name]
    rest = [r for r in routes if not (isinstance(r, dict) and r.get("name") in cfg.managed_routes)]
    spec["http"] = managed + rest


def _remove_route(spec: dict[str, Any], name: str) -> None:
    if isinstance(spec.get("http"), list):
        spec["http"] = [r for r in spec["http"] if not (isinstance(r, dict) and r.get("name") == name)]


def set_header_route(vs_spec: dict[str, Any], vs_ref: dict[str, Any], cfg: IstioConfig,
                     header_route: dict[str, Any], dr_host: str | None = None) -> dict[str, Any]:
    """``SetHeaderRoute``: (re)create a header-matched route sending 100 % to the canary; no match = delete."""
    spec = copy.deepcopy(vs_spec)
    name = _str(header_route.get("name"))
    _remove_route(spec, name)
    matches = header_route.get("match")
    if isinstance(matches, list) and matches:
        dest = _canary_target(cfg, dr_host)
        port = _port_of(_first_weighted_route(spec, vs_ref))
        if port is not None:
            dest["port"] = {"number": port}
        match_blocks = []
        for m in matches:
            if not isinstance(m, dict):
                continue
            given = m.get("headerValue")
            value = given if isinstance(given, dict) else {}
            kind = next((k for k in ("exact", "regex", "prefix") if value.get(k)), "exact")
            match_blocks.append({"headers": {_str(m.get("headerName")): {kind: value.get(kind, "")}}})
        spec.setdefault("http", [])
        spec["http"].append({"name": name, "match": match_blocks, "route": [{"destination": dest, "weight": 100}]})
    order_routes(spec, cfg)
    return spec


def set_mirror_route(vs_spec: dict[str, Any], vs_ref: dict[str, Any], cfg: IstioConfig,
                     mirror_route: dict[str, Any], dr_host: str | None = None) -> dict[str, Any]:
    """``SetMirrorRoute``: prepend a route copying the weighted route and mirroring matches to the canary."""
    spec = copy.deepcopy(vs_spec)
    name = _str(mirror_route.get("name"))
    _remove_route(spec, name)
    matches = mirror_route.get("match")
    if isinstance(matches, list) and matches:
        weighted = copy.deepcopy(_first_weighted_route(spec, vs_ref))
        mirror = _canary_target(cfg, dr_host)
        port = _port_of(weighted)
        if port is not None:
            mirror["port"] = {"number": port}
        match_blocks = []
        for m in matches:
            if not isinstance(m, dict):
                continue
            block: dict[str, Any] = {}
            for src, dst in (("method", "method"), ("path", "uri"), ("headers", "headers")):
                if m.get(src):
                    block[dst] = m[src]
            match_blocks.append(block)
        percentage = mirror_route.get("percentage")
        percentage = percentage if isinstance(percentage, (int, float)) and not isinstance(percentage, bool) else 100
        spec.setdefault("http", [])
        spec["http"].insert(0, {"name": name, "match": match_blocks, "route": weighted, "mirror": mirror,
                                "mirrorPercentage": {"value": percentage}})
    order_routes(spec, cfg)
    return spec


def remove_managed_routes(vs_spec: dict[str, Any], cfg: IstioConfig, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """``RemoveManagedRoutes``: drop every header/mirror route of the steps and every ``managedRoutes`` route."""
    if not isinstance(vs_spec.get("http"), list):
        return vs_spec
    spec = copy.deepcopy(vs_spec)
    for step in steps:
        for key in ("setHeaderRoute", "setMirrorRoute"):
            name = dig(step, key, "name")
            if isinstance(name, str):
                _remove_route(spec, name)
    for name in cfg.managed_routes:
        _remove_route(spec, name)
    return spec


# --------------------------------------------------------------------------------------------- DestinationRule

def update_hash(dr: dict[str, Any], cfg: IstioConfig, canary_hash: str, stable_hash: str,
                dests: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """``UpdateHash``: point the canary/stable subsets at their pod-template hashes; drop unknown subsets."""
    out = copy.deepcopy(dr)
    meta = out.setdefault("metadata", {})
    if not isinstance(meta, dict):
        meta = out["metadata"] = {}
    annotations = meta.setdefault("annotations", {})
    if isinstance(annotations, dict):
        annotations[MANAGED_BY] = cfg.rollout_name
    spec = out.setdefault("spec", {})
    subsets = spec.get("subsets") if isinstance(spec, dict) else None
    subsets = subsets if isinstance(subsets, list) else []
    by_service = {d.get("serviceName"): d for d in dests or []}
    new_subsets: list[dict[str, Any]] = []
    seen: set[object] = set()  # subset names as written (not necessarily strings)
    for s in subsets:
        if not isinstance(s, dict):
            continue
        name = s.get("name")
        if name == cfg.canary_subset:
            target = canary_hash
        elif name == cfg.stable_subset:
            target = stable_hash
        elif name in by_service:
            target = _str(by_service[name].get("podTemplateHash"))
        else:
            continue  # any other subset is removed from the DestinationRule
        s = dict(s)
        given = s.get("labels")
        labels = dict(given) if isinstance(given, dict) else {}
        if target:
            labels[POD_TEMPLATE_HASH] = target
        else:
            labels.pop(POD_TEMPLATE_HASH, None)
        s["labels"] = labels
        new_subsets.append(s)
        seen.add(name)
    for d in dests or []:
        svc = d.get("serviceName")
        if isinstance(svc, str) and svc not in seen:
            new_subsets.append({"name": svc, "labels": {POD_TEMPLATE_HASH: _str(d.get("podTemplateHash"))}})
            seen.add(svc)
    if isinstance(spec, dict):
        spec["subsets"] = new_subsets
    return out
