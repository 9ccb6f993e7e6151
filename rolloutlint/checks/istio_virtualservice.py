"""RL201, RL204–RL206, RL214–RL216, RL218: VirtualService destinations, host conflicts, rule reachability,
exportTo syntax, host forms and route names (Istio objects on their own)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rolloutlint.views import refs
from rolloutlint.views import istio_hosts as ih
from rolloutlint.checks import istio_registry as ir
from rolloutlint.core.findings import Edit, Fix, RelatedRef, Report, Severity
from rolloutlint.core.model import as_dict, as_list, as_str
from rolloutlint.core.rule import Rule, register
from rolloutlint.core import memo

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context
    from rolloutlint.core.model import Resource


# --- RL201 ---------------------------------------------------------------------------------------------

def _service_entries(ctx: "Context") -> list["Resource"]:
    return ih.istio_objects(ctx.index, "ServiceEntry")


def _se_matches(se: "Resource", host: str, vs_ns: str | None) -> bool:
    target = ih.fqdn(host, vs_ns)
    for h in as_list(se.spec.get("hosts")):
        if not isinstance(h, str):
            continue
        se_host = ih.fqdn(h, se.namespace)
        if se_host == target or (ih.is_wildcard(se_host) and ih.host_matches(se_host, target)):
            return True
        if (vs_ns is None or se.namespace is None) and "." not in host and h.split(".")[0] == host:
            return True
    return False


def _se_visible(se: "Resource", vs: "Resource") -> bool:
    """Is the ServiceEntry exported to the VirtualService's namespace (`~`: to nobody)?"""
    scopes = ih.export_scopes(se)
    if scopes == {"~"}:
        return False
    return _visible_from_vs(scopes - {"~"}, vs)


def _visible_from_vs(scopes: set[str] | frozenset[str], vs: "Resource") -> bool:
    """Istio `GetDestinationHost`: a Service/ServiceEntry scope must include `*`, or the VS namespace when the
    VS has no exportTo, or one of the namespaces the VS is exported to."""
    if "*" in scopes or "?" in scopes or vs.namespace is None:
        return True
    raw = [e for e in as_list(vs.spec.get("exportTo")) if isinstance(e, str)]
    if not raw:
        return vs.namespace in scopes
    wanted = {vs.namespace if e == "." else e for e in raw if e != "*"}
    return bool(wanted & scopes)


def _service_candidates(services: dict[str, list["Resource"]], name: str, ns: str | None) -> list["Resource"]:
    return [s for s in services.get(name, ()) if ns is None or s.namespace in (None, ns)]


def _services_by_name(ctx: "Context") -> dict[str, list["Resource"]]:
    by_name: dict[str, list["Resource"]] = defaultdict(list)
    for svc in ctx.index.of_kind("Service"):
        if svc.group == "" and svc.name:
            by_name[svc.name].append(svc)
    return by_name


def _exact_host(h: str, se: "Resource", host: str, vs: "Resource") -> bool:
    return ih.fqdn(h, se.namespace) == ih.fqdn(host, vs.namespace)


def _same_dir(a: "Resource", b: "Resource") -> bool:
    return getattr(a.file, "path", None) is not None and a.file.directory == b.file.directory


@register
class VirtualServiceDestinationHostNotFound(Rule):
    """A VirtualService routes to a host that is neither a Service nor a ServiceEntry host.

    ## What it checks
    Every route and mirror destination `host` of a VirtualService is resolved as Istio resolves it (a dot-less
    host is `<host>.<VirtualService namespace>.svc.cluster.local`, anything else is literal):

    * a host declared by a ServiceEntry (wildcards honoured) is found, provided the ServiceEntry is exported to
      the VirtualService's namespace; a ServiceEntry that declares it but is not visible is reported;
    * an in-cluster host (`svc` or `svc.ns.svc.cluster.local`) must name a Service of that namespace that is
      visible to the VirtualService (annotation `networking.istio.io/exportTo`), and a destination
      `port.number` must be one of the Service's ports.

    To avoid false positives on partial repositories (Services installed by Helm charts, control-plane
    Services such as `istiod`, several applications in one repository) a missing Service is only reported
    when the namespace of the host is known and the VirtualService's own directory holds at least one Service
    of that namespace (that directory manages the namespace's Services); ports are only compared with
    Services of the exact namespace or of the same directory; a missing external host is only reported when
    the repository holds ServiceEntries. Hosts
    listed as `external` in `.rolloutlint.yaml` (kind `Service`) are never reported; `svc.ns` forms are left
    to RL215.

    Hosts also enter the registry through federation (`ImportedServiceSet`: `<svc>.<ns>.svc.<peer>-imports.local`,
    or the local name with `importAsLocal`) and Kubernetes multi-cluster services (`ServiceExport` /
    `ServiceImport` for `<svc>.<ns>.svc.clusterset.local`); such hosts are found. Where the repository cannot
    tell (a namespace whose Services live elsewhere, a repository without ServiceEntries, multi-cluster names
    nothing here declares) the host is reported as an info, "not found in this repository".

    Reported at the destination's `host` (or `port.number`) in the VirtualService; the ServiceEntry's
    `exportTo`, or the Service's exportTo annotation or `ports`, are related.

    ## Why it matters
    Istio drops traffic to destinations that are in neither the service registry nor a ServiceEntry; the
    route answers `503` (`no healthy upstream` / `NR`). A typo in a Rollout's `canaryService` host means the
    canary weight goes nowhere.

    ## How to fix
    Fix the host (or port), create the Service/ServiceEntry, or export it to the VirtualService's namespace.

    ## Upstream
    Mirrors Istio IST0101 `ReferencedResourceNotFound` variants `host`, `mirror host` and `host:port`
    (`Referenced host not found: "reviews-bogus"`), and Kiali KIA1101 (`DestinationWeight on route doesn't
    have a valid service (host not found)`). Severity is lowered to warning because the repository may not hold
    every Service.
    """

    id = "RL201"
    name = "virtualservice-destination-host-not-found"
    severity = Severity.WARNING
    summary = "VirtualService destination host is not a known Service or ServiceEntry host"
    kinds = ("VirtualService",)
    cross_resource = True
    mirrors = ("Istio IST0101 `Referenced host not found: \"reviews-bogus\"` (host, mirror host, host:port); "
               "Kiali KIA1101 `DestinationWeight on route doesn't have a valid service (host not found)`")

    def check(self, vs: "Resource", ctx: "Context") -> Iterator[Report]:
        if not ih.is_istio(vs):
            return
        known_ns = memo.per_run(ctx.index, ("istio", "known_namespaces"), lambda: ih.known_namespaces(ctx.index))
        services = memo.per_run(ctx.index, ("istio", "services-by-name"), lambda: _services_by_name(ctx))
        ses = _service_entries(ctx)
        for d in ih.destinations(vs):
            host = d.host
            if not host or host == "*" or ih.partially_qualified(host, known_ns):
                continue
            what = "mirror host" if d.mirror else "host"
            matching_ses = [se for se in ses if _se_matches(se, host, vs.namespace)]
            if any(_se_visible(se, vs) for se in matching_ses) or ir.registered_elsewhere(ctx, host):
                continue
            hidden = [se for se in matching_ses if any(_exact_host(h, se, host, vs) for h in as_list(se.spec.get("hosts"))
                                                      if isinstance(h, str))]
            svc_ref = ih.service_of(host, vs.namespace)
            if hidden and (svc_ref is None or not _service_candidates(services, *svc_ref)):
                se = hidden[0]
                yield self.report(vs, d.path + ("host",),
                                  f"{what} {host!r} is declared by ServiceEntry {ih.label(se)}, which is not exported "
                                  f"to namespace {vs.namespace!r}",
                                  related=[RelatedRef(se, ("spec", "exportTo"), "exportTo of the ServiceEntry")])
                continue
            if svc_ref is None:
                if ih.is_wildcard(host) or matching_ses:
                    continue
                if not ses or ir.cannot_tell(host):
                    yield self.report(vs, d.path + ("host",), f"{what} {host!r} not found in this repository"
                                      f"{_registries_note(ctx, host)}", severity=Severity.INFO)
                    continue
                yield self.report(vs, d.path + ("host",),
                                  f"{what} {host!r} is not declared by any ServiceEntry in the repository; Istio drops "
                                  f"traffic to hosts outside its registry")
                continue
            name, ns = svc_ref
            if ctx.index.is_external("Service", name, ns):
                continue
            candidates = _service_candidates(services, name, ns)
            if not candidates:
                service_dirs = memo.per_run(ctx.index, ("istio", "service-ns-dirs"), lambda: {
                    (s.namespace, s.file.directory) for group in services.values() for s in group})
                if ns is None or (ns, vs.file.directory) not in service_dirs:
                    if ns is not None and not ir.control_plane(name, ns):
                        yield self.report(vs, d.path + ("host",), f"{what} {host!r} not found in this repository: no "
                                          f"Service {name!r} in namespace {ns!r} or ServiceEntry here"
                                          f"{_registries_note(ctx, host)}", severity=Severity.INFO)
                    continue
                yield self.report(vs, d.path + ("host",),
                                  f"{what} {host!r}: no Service {name!r} in namespace {ns!r} (this directory holds "
                                  f"that namespace's Services) and no ServiceEntry declares it")
                continue
            visible = [s for s in candidates if _visible_from_vs(ih.service_export_scopes(s), vs)]
            if not visible:
                svc = candidates[0]
                yield self.report(vs, d.path + ("host",),
                                  f"{what} {host!r}: Service {ih.label(svc)} is not exported to the namespace of this "
                                  f"VirtualService (networking.istio.io/exportTo: "
                                  f"{svc.annotations.get('networking.istio.io/exportTo')!r})",
                                  related=[RelatedRef(svc, ("metadata", "annotations"), "exportTo annotation")])
                continue
            port = d.port
            reliable = [s for s in visible if (ns is not None and s.namespace == ns) or _same_dir(s, vs)]
            if isinstance(port, int) and reliable:
                ports = sorted({p for s in reliable for p in refs.service_ports(s)})
                if ports and port not in ports:
                    svc = reliable[0]
                    yield self.report(vs, d.path + ("port", "number"),
                                      f"{what} {host}:{port}: Service {ih.label(svc)} does not expose port {port} "
                                      f"(ports: {', '.join(str(p) for p in ports)})",
                                      related=[RelatedRef(svc, ("spec", "ports"), "ports of the Service")])


def _registries_note(ctx: "Context", host: str) -> str:
    """Why the repository cannot tell: the host is a multi-cluster name, or other registries are in use."""
    if ir.cannot_tell(host):
        return " (a multi-cluster name, registered by the mesh's multi-cluster setup)"
    kinds = ir.other_registries(ctx)
    return f" (it may come from {', '.join(kinds)} or another repository)" if kinds else " (it may be defined in another repository)"


# --- RL204 ---------------------------------------------------------------------------------------------

@register
class ConflictingMeshVirtualServiceHosts(Rule):
    """Two VirtualServices bound to the mesh gateway declare the same host.

    ## What it checks
    VirtualServices whose `gateways` is empty or contains `mesh` are grouped by export scope and host, the
    host expanded with the VirtualService's namespace (`reviews` in `foo` is `reviews.foo.svc.cluster.local`).
    Two of them conflict when they share a scope (`*` when `exportTo` is empty or contains `*`, otherwise each
    entry, `.` being the own namespace) and a host, or when one is exported to `*` and its host matches
    (wildcard-aware) a host of a VirtualService with a narrower scope. Every VirtualService of a conflict is
    reported. Objects are only compared when their files share a directory or one directory contains the
    other (sibling directories are usually other clusters or overlays; a kustomize patch of the same object
    is not a second VirtualService); objects of unknown namespace only within one file.

    Reported at the conflicting `hosts` entry of each VirtualService; the other VirtualServices' `hosts` are
    related.

    ## Why it matters
    Istio does not merge mesh VirtualServices: sidecars use one of them, chosen by creation time, and ignore
    the other (metric `pilot_vservice_dup_domain`). The routes Argo Rollouts updates may be in the ignored
    object, so weight changes have no effect.

    ## How to fix
    Merge the VirtualServices into one, make the hosts distinct, or separate them with `exportTo`.

    ## Upstream
    Mirrors Istio IST0109 `ConflictingMeshGatewayVirtualServiceHosts` (`The VirtualServices %s associated
    with mesh gateway define the same host %s which can lead to undefined behavior. This can be fixed by
    merging the conflicting VirtualServices into a single resource.`) and Kiali KIA1106 (`More than one
    Virtual Service for same host`) for mesh-bound objects.
    """

    id = "RL204"
    name = "conflicting-mesh-virtualservice-hosts"
    severity = Severity.ERROR
    summary = "Two mesh-bound VirtualServices define the same host"
    cross_resource = True
    mirrors = ("Istio IST0109 `The VirtualServices %s associated with mesh gateway define the same host %s which can "
               "lead to undefined behavior`; Kiali KIA1106 `More than one Virtual Service for same host`")

    def check_repo(self, ctx: "Context") -> Iterator[Report]:
        entries: list[tuple[str, str, "Resource", int]] = []
        for vs in ih.istio_objects(ctx.index, "VirtualService"):
            if not ih.is_mesh_bound(vs):
                continue
            key = ih.ns_key(vs)
            scopes = ih.export_scopes(vs, key)
            for i, h in enumerate(as_list(vs.spec.get("hosts"))):
                if isinstance(h, str) and h:
                    for scope in scopes:
                        entries.append((scope, ih.fqdn(h, key), vs, i))
        hits: dict[tuple[int, int], tuple["Resource", int, set[int], str]] = {}
        for a_i, b_i in _candidate_pairs(entries):
            sa, ha, va, ia = entries[a_i]
            sb, hb, vb, ib = entries[b_i]
            if vb is va or not ih.could_coexist(va, vb):
                continue
            if sa == sb:
                clash = ha == hb
            elif "*" in (sa, sb):
                clash = ih.host_matches(ha, hb)
            else:
                clash = False
            if not clash:
                continue
            shown = _display_host(ha if sa == "*" or sa == sb else hb, sa if sa == sb else "*")
            for me, mi, other in ((va, ia, vb), (vb, ib, va)):
                k = (id(me), mi)
                if k not in hits:
                    hits[k] = (me, mi, set(), shown)
                hits[k][2].add(id(other))
        by_id = {id(v): v for v in ih.istio_objects(ctx.index, "VirtualService")}
        for me, mi, others, shown in hits.values():
            names = sorted({ih.label(me)} | {ih.label(by_id[o]) for o in others})
            yield self.report(me, ("spec", "hosts", mi),
                              f"the VirtualServices {', '.join(names)} associated with the mesh gateway define the same "
                              f"host {shown}; sidecars use only one of them. Merge them into a single resource or "
                              f"separate them with exportTo",
                              related=[RelatedRef(by_id[o], ("spec", "hosts"), f"VirtualService {ih.label(by_id[o])}")
                                       for o in sorted(others, key=lambda x: _stable_key(by_id[x]))])


def _stable_key(res: "Resource") -> tuple[str, str, int, tuple[Any, ...]]:
    # Labels repeat across files (kustomize overlays): order by place too, never by object identity.
    return (ih.label(res), str(res.file.path), res.doc_index, tuple(map(str, res.item_path)))


def _display_host(host: str, scope: str) -> str:
    if ".?" in host:
        host = host.split(".?", 1)[0]
    if scope.startswith("?"):
        scope = "*"
    return f"{scope}/{host}"


# --- RL205 / RL206 -------------------------------------------------------------------------------------

def _route_name(proto: str, route: dict[str, Any], n: int) -> str:
    name = as_str(route.get("name")) if proto == "http" else None
    return json.dumps(name) if name else f"#{n}"


def _match_name(proto: str, match: Any, n: int) -> str:
    name = as_str(as_dict(match).get("name")) if proto == "http" else None
    return json.dumps(name) if name else f"#{n}"


def _as_json(match: Any) -> str:
    m = dict(as_dict(match))
    m.pop("name", None)
    return json.dumps(m, sort_keys=True, default=str)


def _exact_or_prefix(sm: Any) -> str:
    sm = as_dict(sm)
    if as_str(sm.get("exact")):
        return "exact:" + sm["exact"]
    if as_str(sm.get("prefix")):
        return "prefix:" + sm["prefix"]
    return ""


def _prefix_info(route_str: str, match: Any, n: int) -> dict[str, Any] | None:
    m = as_dict(match)
    prefix = as_str(as_dict(m.get("uri")).get("prefix"))
    if not prefix:
        return None
    method = _exact_or_prefix(m.get("method")) or "exact:GET"
    return {"route": route_str, "match": _match_name("http", match, n), "prefix": prefix, "port": m.get("port"),
            "method": method, "authority": _exact_or_prefix(m.get("authority")),
            "headers": {k: _exact_or_prefix(v) for k, v in as_dict(m.get("headers")).items()},
            "query": {k: _exact_or_prefix(v) for k, v in as_dict(m.get("queryParams")).items()},
            "without": {k: _exact_or_prefix(v) for k, v in as_dict(m.get("withoutHeaders")).items()}}


def _covers(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Istio `coveredValidation`: does prefix match `a` (earlier) cover `b`?"""
    if not b["prefix"].startswith(a["prefix"]) or a["port"] != b["port"]:
        return False
    for key in ("method", "authority"):
        if a[key] != b[key] and not a[key].startswith(b[key]):
            return False
    for key in ("headers", "query", "without"):
        if len(a[key]) != len(b[key]):
            return False
        for k, v in a[key].items():
            if k not in b[key] or (v != b[key][k] and not v.startswith(b[key][k])):
                return False
    return True


@memo.per_resource  # RL205 and RL206 read the same analysis
def rule_analysis(vs: "Resource") -> tuple[tuple[str, Any, str, str], ...]:
    """`analyze_rules`, once per VirtualService (read-only)."""
    return tuple(analyze_rules(vs))


def analyze_rules(vs: "Resource") -> Iterator[tuple[str, Any, str, str]]:
    """Istio's unreachable-rule analysis. Yields (kind, path, rule label, text), kind 'unreachable' or
    'ineffective'."""
    for proto in ("http", "tcp", "tls"):
        routes = as_list(vs.spec.get(proto))
        seen: dict[str, int] = {}
        empty_at = -1
        prefixes: list[tuple[dict[str, Any], Any]] = []
        for rn, route in enumerate(routes):
            if not isinstance(route, dict):
                continue
            rname = _route_name(proto, route, rn)
            matches = as_list(route.get("match"))
            if not matches:
                if empty_at >= 0:
                    yield ("unreachable", ("spec", proto, rn), rname,
                           (f"{proto} rule {rname} is never used: only the last rule can have no matches "
                            f"(rule #{empty_at} already matches everything)"))
                empty_at = rn
                continue
            dups = 0
            reported_after_empty = False
            for mn, match in enumerate(matches):
                if empty_at >= 0:
                    if not reported_after_empty:
                        yield ("unreachable", ("spec", proto, rn, "match"), rname,
                               (f"{proto} rule {rname} is never used: rule #{empty_at} without matches is defined "
                                f"before it and takes all traffic"))
                        reported_after_empty = True
                    continue
                key = _as_json(match)
                if key in seen:
                    dn = seen[key]
                    yield ("ineffective", ("spec", proto, rn, "match", mn), rname,
                           (f"{proto} rule {rname} match {_match_name(proto, match, mn)} is not used: the same match is "
                            f"in rule {_route_name(proto, as_dict(routes[dn]), dn)}"))
                    dups += 1
                    continue
                seen[key] = rn
                if proto == "http":
                    info = _prefix_info(rname, match, mn)
                    if info is not None:
                        prefixes.append((info, ("spec", proto, rn, "match", mn)))
            if dups == len(matches):
                yield ("unreachable", ("spec", proto, rn, "match"), rname,
                       f"{proto} rule {rname} is never used: all its matches are used by prior rules")
        for i, (a, _) in enumerate(prefixes):
            for b, bpath in prefixes[i + 1:]:
                if b["prefix"] == a["prefix"]:
                    continue
                if _covers(a, b):
                    yield ("ineffective", bpath, b["route"],
                           (f"http rule {b['route']} match {b['match']} of prefix {b['prefix']!r} is not used: match "
                            f"{a['match']} of prefix {a['prefix']!r} on rule {a['route']} covers it"))


@register
class VirtualServiceUnreachableRule(Rule):
    """A VirtualService rule can never match.

    ## What it checks
    For `http`, `tcp` and `tls` rules, in order: a rule without `match` catches everything, so any later
    rule is unreachable; a rule all of whose matches repeat matches of earlier rules is unreachable. Matches
    are compared as Istio compares them (all fields except `name`).

    ## Why it matters
    Envoy evaluates routes top-down and stops at the first match; the unreachable rule is dead config. When it
    is the route a Rollout manages (or a header route for canary testing), traffic shifting silently does not
    happen for its requests.

    ## How to fix
    Move the catch-all rule last, or delete or change the duplicated matches.

    ## Upstream
    Mirrors Istio IST0130 `VirtualServiceUnreachableRule` (`VirtualService rule %v not used (%s).`, reasons
    `only the last rule can have no matches`, `route without matches defined before`, `all matches used by
    prior rules`).
    """

    id = "RL205"
    name = "virtualservice-unreachable-rule"
    severity = Severity.WARNING
    summary = "VirtualService rule can never match"
    kinds = ("VirtualService",)
    mirrors = "Istio IST0130 `VirtualService rule %v not used (%s).`"

    def check(self, vs: "Resource", ctx: "Context") -> Iterator[Report]:
        if not ih.is_istio(vs):
            return
        for kind, path, _, text in rule_analysis(vs):
            if kind == "unreachable":
                yield self.report(vs, path, text, key=path[-1] == "match")


@register
class VirtualServiceIneffectiveMatch(Rule):
    """A match of a VirtualService rule is shadowed by an earlier match.

    ## What it checks
    A match block that repeats a match of an earlier rule (all fields except `name`), or an HTTP `uri.prefix`
    match covered by an earlier, shorter prefix match with the same port, method (default `GET`), authority,
    headers, query parameters and `withoutHeaders` — Istio's overlap test.

    ## Why it matters
    Requests that fit the shadowed match are routed by the earlier rule; the later match never takes effect.
    Typical symptom: a `/api/v1/products` route to a canary subset gets no traffic because `/api/v1/product`
    was listed first.

    ## How to fix
    Order more specific matches before less specific ones, or delete the redundant match.

    ## Upstream
    Mirrors Istio IST0131 `VirtualServiceIneffectiveMatch` (`VirtualService rule %v match %v is not used
    (duplicate/overlapping match in rule %v).`). Istio reports it as Info; rolloutlint as a warning, since a
    shadowed match is dead routing config.
    """

    id = "RL206"
    name = "virtualservice-ineffective-match"
    severity = Severity.WARNING
    summary = "VirtualService match is shadowed by an earlier match"
    kinds = ("VirtualService",)
    mirrors = "Istio IST0131 `VirtualService rule %v match %v is not used (duplicate/overlapping match in rule %v).`"

    def check(self, vs: "Resource", ctx: "Context") -> Iterator[Report]:
        if not ih.is_istio(vs):
            return
        for kind, path, _, text in rule_analysis(vs):
            if kind == "ineffective":
                yield self.report(vs, path, text)


# --- RL214 ---------------------------------------------------------------------------------------------

@register
class InvalidExportTo(Rule):
    """An Istio object's `exportTo` is rejected by Istio's validation.

    ## What it checks
    `spec.exportTo` of VirtualService, DestinationRule and ServiceEntry: each entry is `.`, `*` or a DNS-1123
    label (`~` only for ServiceEntry); no entry twice (`.` and the own namespace count as the same); `*` not
    combined with other entries; a DestinationRule with `workloadSelector` exports only to its own namespace.

    ## Why it matters
    The Istio webhook rejects the object, so the Argo CD sync fails; with validation off, a malformed entry
    exports the object to nobody and its routing silently does not apply.

    ## How to fix
    Use `.`, `*` or namespace names, each once; drop `*` or the other entries.

    ## Upstream
    Mirrors Istio admission validation `validateExportTo` (`only .,*, or a valid DNS 1123 label is allowed
    as exportTo entry`, `duplicate entries in exportTo for entry %s`, `cannot have both public (*) and
    non-public exportTo values for a resource`, `exportTo ~ (none) is not allowed for Istio configuration
    objects`, `destination rule with workload selector cannot have exportTo beyond current namespace`).
    """

    id = "RL214"
    name = "invalid-export-to"
    severity = Severity.ERROR
    summary = "exportTo has an invalid, duplicate or conflicting entry"
    kinds = ("VirtualService", "DestinationRule", "ServiceEntry")
    mirrors = ("Istio validation: `only .,*, or a valid DNS 1123 label is allowed as exportTo entry`, "
               "`duplicate entries in exportTo for entry %s`, `cannot have both public (*) and non-public exportTo values`")

    def check(self, res: "Resource", ctx: "Context") -> Iterator[Report]:
        if not ih.is_istio(res):
            return
        raw = res.spec.get("exportTo")
        if not isinstance(raw, list):
            return
        seen: dict[str, int] = {}
        for i, e in enumerate(raw):
            if not isinstance(e, str):
                continue
            path = ("spec", "exportTo", i)
            if e == "~":
                if res.kind != "ServiceEntry":
                    yield self.report(res, path, "exportTo ~ (none) is not allowed for Istio configuration objects; "
                                      "only ServiceEntry may use it")
            elif e not in (".", "*") and not ih.DNS1123_LABEL.match(e):
                yield self.report(res, path, f"exportTo entry {e!r} is invalid: only '.', '*', or a valid DNS-1123 "
                                  f"label (a namespace name) is allowed")
                continue
            norm = "." if (e == res.namespace and res.namespace) else e
            if norm in seen:
                text = (f"duplicate entries in exportTo: '.' and the current namespace {res.namespace!r}"
                        if e != raw[seen[norm]] else f"duplicate entries in exportTo for entry {e!r}")
                yield self.report(res, path, text)
            else:
                seen[norm] = i
        entries = [e for e in raw if isinstance(e, str)]
        if "*" in entries and len(set(entries)) > 1:
            yield self.report(res, ("spec", "exportTo"), "cannot have both public (*) and non-public exportTo values "
                              "for a resource", key=True)
        if res.kind == "DestinationRule" and res.spec.get("workloadSelector"):
            if len(entries) > 1:
                yield self.report(res, ("spec", "exportTo"), "destination rule with workload selector cannot have "
                                  "multiple entries in exportTo", key=True)
            elif entries and entries[0] not in (".", res.namespace):
                yield self.report(res, ("spec", "exportTo", 0), "destination rule with workload selector cannot have "
                                  "exportTo beyond current namespace")


# --- RL215 ---------------------------------------------------------------------------------------------

@register
class HostNotExpandedByIstio(Rule):
    """A host is written as `svc.namespace` or `svc.namespace.svc`, which Istio does not expand.

    ## What it checks
    VirtualService `hosts` and destination hosts and DestinationRule `host` of the forms `svc.ns.svc`, or
    `svc.ns` where `ns` is a namespace the repository knows (a Namespace object or the namespace of some
    object). Hosts declared literally by a ServiceEntry are not reported.

    Reported at the host itself; nothing is related (the namespaces and ServiceEntry hosts it consults are not
    edited).

    ## Why it matters
    Kubernetes DNS resolves these names, but Istio only expands dot-less short names; `reviews.bookinfo`
    is taken as a literal hostname that no Service has, so the DestinationRule never applies and a
    destination with that host is dropped (`503 NR`). Kiali accepts the form, which hides the problem.

    ## How to fix
    Use the short name (when the object is in the Service's namespace) or the FQDN
    `svc.ns.svc.cluster.local`.

    ## Upstream
    Follows Istio's `ResolveShortnameToFQDN` (pilot/pkg/model/config.go) and the istio/api note that short
    names are interpreted in the namespace of the rule; Kiali's `GetHost` accepts these forms (difference noted
    in the research, §4.3).
    """

    id = "RL215"
    name = "host-not-expanded-by-istio"
    severity = Severity.WARNING
    summary = "Host uses the svc.namespace form, which Istio does not expand"
    kinds = ("VirtualService", "DestinationRule")
    cross_resource = True
    fixable = True
    mirrors = "Istio ResolveShortnameToFQDN (only dot-less hosts are expanded); no IST/KIA code"

    def check(self, res: "Resource", ctx: "Context") -> Iterator[Report]:
        if not ih.is_istio(res):
            return
        known_ns = memo.per_run(ctx.index, ("istio", "known_namespaces"), lambda: ih.known_namespaces(ctx.index))
        se_hosts = memo.per_run(ctx.index, ("istio", "se_hosts"), lambda: {h for se in _service_entries(ctx)
                                                             for h in as_list(se.spec.get("hosts")) if isinstance(h, str)})
        places: list[tuple[Any, str]] = []
        if res.kind == "DestinationRule":
            h = as_str(res.spec.get("host"))
            if h:
                places.append((("spec", "host"), h))
        else:
            places += [(("spec", "hosts", i), h) for i, h in enumerate(as_list(res.spec.get("hosts"))) if isinstance(h, str)]
            places += [(d.path + ("host",), d.host) for d in ih.destinations(res) if d.host]
        for path, host in places:
            if host in se_hosts or not ih.partially_qualified(host, known_ns):
                continue
            svc, ns = host.split(".")[:2]
            full = f"{svc}.{ns}.svc.cluster.local"
            yield self.report(res, path, f"host {host!r} is not expanded by Istio (only dot-less names are); it matches "
                              f"no Service. Use {full!r}" + (f" or {svc!r}" if ns == res.namespace else ""),
                              fix=Fix(f"replace {host!r} with {full!r}", (Edit("set", path, full),)))


# --- RL216 ---------------------------------------------------------------------------------------------

@register
class RepeatedRouteDestination(Rule):
    """One route lists the same host and subset twice.

    ## What it checks
    Within one `http`/`tcp`/`tls` route, two destinations that resolve to the same host (short names
    expanded with the VirtualService's namespace), subset and port.

    ## Why it matters
    The weights of the two entries add up to one destination, which is rarely what was meant: usually a
    copy-paste where the second entry should name the canary subset or service, so the canary gets no
    traffic. Argo Rollouts expects exactly one stable and one canary destination in a managed route.

    ## How to fix
    Remove the duplicate or make it point at the intended other subset/host.

    ## Upstream
    Mirrors Kiali KIA1105 (`This host subset combination is already referenced in another route
    destination`).
    """

    id = "RL216"
    name = "repeated-route-destination"
    severity = Severity.WARNING
    summary = "Route lists the same host and subset twice"
    kinds = ("VirtualService",)
    mirrors = "Kiali KIA1105 `This host subset combination is already referenced in another route destination`"

    def check(self, vs: "Resource", ctx: "Context") -> Iterator[Report]:
        if not ih.is_istio(vs):
            return
        for proto in ("http", "tcp", "tls"):
            for i, rule in enumerate(as_list(vs.spec.get(proto))):
                seen: dict[tuple[str, Any, Any], int] = {}
                for j, rd in enumerate(as_list(as_dict(rule).get("route"))):
                    d = as_dict(as_dict(rd).get("destination"))
                    host = as_str(d.get("host"))
                    if not host:
                        continue
                    key = (ih.fqdn(host, vs.namespace), repr(d.get("subset")), _port_key(d.get("port")))
                    if key in seen:
                        sub = f" subset {d.get('subset')!r}" if d.get("subset") else ""
                        yield self.report(vs, ("spec", proto, i, "route", j, "destination"),
                                          f"host {host!r}{sub} is already the destination of route[{seen[key]}] in this "
                                          f"rule; the weights of both entries go to the same place", key=True)
                    else:
                        seen[key] = j



def _port_key(port: Any) -> Any:
    """A comparable form of a destination's `port` (equal exactly when their JSON is): the usual
    `{number: N}` without serialising it, anything else as canonical JSON."""
    if port is None:
        return None
    if isinstance(port, dict) and len(port) == 1:
        number = port.get("number")
        if isinstance(number, int) and not isinstance(number, bool):
            return number
    return json.dumps(port, sort_keys=True, default=str)


# --- RL218 ---------------------------------------------------------------------------------------------

@register
class DuplicateHttpRouteName(Rule):
    """Two HTTP routes of one VirtualService have the same name.

    ## What it checks
    `spec.http[].name` values must be unique within a VirtualService (routes without a name are ignored).

    ## Why it matters
    Istio accepts duplicate route names, but Argo Rollouts addresses routes by name
    (`trafficRouting.istio.virtualService.routes`, `managedRoutes`) and updates only the first route with that
    name: the second keeps its Git weights during the whole canary, so part of the traffic never shifts.
    Route names also label Envoy stats and access logs, where duplicates are ambiguous.

    ## How to fix
    Give every HTTP route a distinct name.

    ## Upstream
    Istio does not validate HTTP route names (`pkg/config/validation`); Argo Rollouts' `searchHttpRoute`
    returns the first route whose name matches. No IST/KIA code.
    """

    id = "RL218"
    name = "duplicate-http-route-name"
    severity = Severity.WARNING
    summary = "Two HTTP routes of a VirtualService share a name"
    kinds = ("VirtualService",)
    mirrors = "Argo Rollouts `searchHttpRoute` (first route with the name wins); no Istio validation"

    def check(self, vs: "Resource", ctx: "Context") -> Iterator[Report]:
        if not ih.is_istio(vs):
            return
        first: dict[str, int] = {}
        for i, route in enumerate(as_list(vs.spec.get("http"))):
            name = as_str(as_dict(route).get("name"))
            if not name:
                continue
            if name in first:
                yield self.report(vs, ("spec", "http", i, "name"),
                                  f"HTTP route name {name!r} is already used by http[{first[name]}]; Argo Rollouts "
                                  f"updates only the first route with a given name",
                                  related=[RelatedRef(vs, ("spec", "http", first[name], "name"), "first route with this name")])
            else:
                first[name] = i


def _candidate_pairs(entries: list[tuple[str, str, "Resource", int]]) -> list[tuple[int, int]]:
    """Index pairs (a < b) whose hosts could clash: equal hosts, or one of them a wildcard.

    Two literal hosts clash only when equal, so bucketing by host keeps this linear for real repos
    instead of comparing every pair of VirtualServices.
    """
    by_host: dict[str, list[int]] = defaultdict(list)
    wild: list[int] = []
    for i, (_, host, _, _) in enumerate(entries):
        (wild if ih.is_wildcard(host) else by_host[host]).append(i)
    pairs: set[tuple[int, int]] = set()
    for group in by_host.values():
        pairs.update((a, b) for n, a in enumerate(group) for b in group[n + 1:])
    for w in wild:
        pairs.update((min(w, j), max(w, j)) for j in range(len(entries)) if j != w)
    return sorted(pairs)
