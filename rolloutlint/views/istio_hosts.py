"""Shared helpers for the RL2xx Istio rules (no rules here): hosts, destinations, visibility, grouping.

Host semantics follow the Istio control plane (`ResolveShortnameToFQDN`): a dot-less host is
`<host>.<namespace of the object naming it>.svc.cluster.local`; anything with a dot is literal; `*` and IP
addresses are never expanded. Wildcard matching follows Istio's `host.Name.Matches`.

Two ways of treating an unknown namespace (`res.namespace is None`):
* existence checks ("is there a DestinationRule defining this subset?") are lenient: an unknown namespace
  matches any namespace, so a finding is never based on a guess;
* conflict checks ("do two objects collide?") are strict: two objects only collide when both namespaces are
  known and their files share a directory (or one directory contains the other), or when both are unknown
  and the objects sit in the same file (they are applied together). See `could_coexist`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rolloutlint.core.positions import Path
from rolloutlint.core.model import Resource, as_dict, as_list, as_str, cached_property, dig
from rolloutlint.views.refs import is_ip
from rolloutlint.core import memo

DOMAIN_SUFFIX = ".svc.cluster.local"
MESH = "mesh"
ISTIO_GROUP = "networking.istio.io"
K8S_GATEWAY_GROUP = "gateway.networking.k8s.io"
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
FQDN_RE = re.compile(r"^(.+)\.(.+)\.svc\.cluster\.local$")


def is_istio(res: Resource) -> bool:
    return res.group == ISTIO_GROUP


def is_wildcard(host: str) -> bool:
    return host.startswith("*")


@functools.lru_cache(maxsize=1 << 14)  # pure, and asked for the same hosts by many rules
def fqdn(host: str, namespace: str | None) -> str:
    """Istio's short-name expansion with the namespace of the object that names the host."""
    if not host or is_wildcard(host) or is_ip(host) or "." in host or namespace is None:
        return host
    return f"{host}.{namespace}{DOMAIN_SUFFIX}"


def host_matches(a: str, b: str) -> bool:
    """Istio `host.Name.Matches`: equal, or one is a wildcard whose suffix covers the other."""
    aw, bw = is_wildcard(a), is_wildcard(b)
    if aw and bw:
        return b[1:].endswith(a[1:]) if len(a) < len(b) else a[1:].endswith(b[1:])
    if aw:
        return b.endswith(a[1:])
    if bw:
        return a.endswith(b[1:])
    return a == b


def service_of(host: str, namespace: str | None, *, kiali: bool = False) -> tuple[str, str | None] | None:
    """(service name, namespace) an in-cluster host names, or None for other hosts.

    `svc` (namespace of the object), `svc.ns.svc.cluster.local`. With `kiali=True` also the forms Istio
    does not expand but Kiali does: `svc.ns` and `svc.ns.svc`.
    """
    if not host or is_wildcard(host) or is_ip(host):
        return None
    if "." not in host:
        return host, namespace
    m = FQDN_RE.match(host)
    if m:
        return m.group(1), m.group(2)
    if kiali:
        parts = host.split(".")
        if len(parts) == 2 or (len(parts) == 3 and parts[2] == "svc"):
            return parts[0], parts[1]
    return None


def partially_qualified(host: str, known_namespaces: set[str]) -> bool:
    """`svc.ns.svc`, or `svc.ns` where `ns` is a namespace the repository knows: forms Kubernetes DNS
    resolves but Istio takes literally (it expands only dot-less names)."""
    shape = _partial_shape(host)
    return shape is True or (shape is not None and shape in known_namespaces)


@functools.lru_cache(maxsize=1 << 14)
def _partial_shape(host: str) -> bool | str | None:
    """True for `svc.ns.svc`; `ns` for `svc.ns`; None for any other form."""
    if not host or is_wildcard(host) or is_ip(host):
        return None
    parts = host.split(".")
    if len(parts) == 3 and parts[2] == "svc":
        return True
    return parts[1] if len(parts) == 2 else None


def known_namespaces(index: Any) -> set[str]:
    """Namespaces the repository holds objects in, or declares with a Namespace object."""
    out = {r.name for r in index.of_kind("Namespace") if r.name}
    out.update(r.namespace for r in index.resources if r.namespace)
    return out


def same_service_host(dest_host: str, dest_ns: str | None, other_host: str, other_ns: str | None) -> bool:
    """Lenient: do two hosts (each written in an object of the given namespace) name the same service?

    Exact Istio semantics when both namespaces are known; `svc.ns`/`svc.ns.svc` are read the Kiali way (the
    form itself is reported by its own rule); an unknown namespace matches any namespace.
    """
    if dest_host == other_host and ("." in dest_host or dest_ns is None or other_ns is None or dest_ns == other_ns):
        return True
    a = service_of(dest_host, dest_ns, kiali=True)
    b = service_of(other_host, other_ns, kiali=True)
    if a is not None and b is not None:
        return a[0] == b[0] and (a[1] is None or b[1] is None or a[1] == b[1])
    return fqdn(dest_host, dest_ns) == fqdn(other_host, other_ns)


def wildcard_covers(wild: str, wild_ns: str | None, host: str, host_ns: str | None) -> bool:
    """A wildcard host (`*`, `*.ns.svc.cluster.local`, `*.example.com`) covering `host`."""
    if not is_wildcard(wild):
        return False
    if wild == "*":
        return True
    target = fqdn(host, host_ns)
    if "." not in target:  # short name in an unknown namespace: only suffix-free wildcards are sure
        return wild.endswith(DOMAIN_SUFFIX) or wild in ("*.local", "*.cluster.local")
    return host_matches(wild, target)


# --- VirtualService structure -------------------------------------------------------------------------

@dataclass(frozen=True)
class Dest:
    proto: str  # http | tcp | tls
    rule_index: int
    path: Path  # path of the destination mapping
    dest: dict[str, Any]
    mirror: bool = False
    weight_path: Path | None = None

    # Read by many rules from the memoised destinations of each VirtualService: computed once.
    @cached_property
    def host(self) -> str | None:
        return as_str(self.dest.get("host"))

    @cached_property
    def subset(self) -> str | None:
        return as_str(self.dest.get("subset"))

    @cached_property
    def port(self) -> Any:
        return dig(self.dest, "port", "number")


def destinations(vs: Resource, *, mirrors: bool = True) -> tuple[Dest, ...]:
    """Every route destination (and, with `mirrors`, mirror destination) of `vs`, in rule order."""
    found = _destinations(vs)
    return found if mirrors else tuple(d for d in found if not d.mirror)


@memo.per_resource
def _destinations(vs: Resource) -> tuple[Dest, ...]:
    return tuple(_each_destination(vs))


def _each_destination(vs: Resource) -> Iterator[Dest]:
    spec = vs.spec
    for proto in ("http", "tcp", "tls"):
        for i, rule in enumerate(as_list(spec.get(proto))):
            rule = as_dict(rule)
            for j, rd in enumerate(as_list(rule.get("route"))):
                d = as_dict(as_dict(rd).get("destination"))
                if d:
                    yield Dest(proto, i, ("spec", proto, i, "route", j, "destination"), d,
                               weight_path=("spec", proto, i, "route", j, "weight"))
            if proto == "http":
                m = as_dict(rule.get("mirror"))
                if m:
                    yield Dest(proto, i, ("spec", proto, i, "mirror"), m, mirror=True)
                for k, md in enumerate(as_list(rule.get("mirrors"))):
                    d = as_dict(as_dict(md).get("destination"))
                    if d:
                        yield Dest(proto, i, ("spec", proto, i, "mirrors", k, "destination"), d, mirror=True)


def vs_hosts(vs: Resource) -> list[str]:
    return [h for h in as_list(vs.spec.get("hosts")) if isinstance(h, str)]


def vs_gateways(vs: Resource) -> list[str]:
    return [g for g in as_list(vs.spec.get("gateways")) if isinstance(g, str)]


def is_mesh_bound(vs: Resource) -> bool:
    gws = vs_gateways(vs)
    return not gws or MESH in gws


def gateway_ref(name: str, vs_ns: str | None) -> tuple[str, str | None]:
    """(gateway name, namespace) as Istio resolves a VirtualService `gateways` entry."""
    if "/" in name:
        ns, _, gw = name.partition("/")
        return gw, (vs_ns if ns == "." else ns)
    if "." in name:  # legacy `name.namespace[.svc.cluster.local]`
        parts = name.split(".")
        return parts[0], parts[1]
    return name, vs_ns


# --- exportTo -----------------------------------------------------------------------------------------

def export_scopes(res: Resource, ns_key: str | None = None) -> set[str]:
    """Namespaces an object is exported to (`*` = everywhere); `.` is the object's own namespace."""
    own = ns_key if ns_key is not None else res.namespace
    raw = [e for e in as_list(res.spec.get("exportTo")) if isinstance(e, str)]
    if not raw or "*" in raw:
        return {"*"}
    return {(own or "?") if e == "." else e for e in raw}


@memo.per_resource
def service_export_scopes(svc: Resource) -> frozenset[str]:
    ann = as_str(svc.annotations.get("networking.istio.io/exportTo"))
    if not ann:
        return frozenset({"*"})
    out = set()
    for e in (x.strip() for x in ann.split(",")):
        if e == "*":
            return frozenset({"*"})
        if e:
            out.add((svc.namespace or "?") if e == "." else e)
    return frozenset(out or {"*"})


# --- grouping for conflict checks ---------------------------------------------------------------------

def ns_key(res: Resource) -> str:
    """A namespace key for conflict checks: the namespace, or an unknown-namespace key private to the file."""
    if res.namespace is not None:
        return res.namespace
    return f"?{getattr(res.file, 'path', id(res.file))}"


def could_coexist(a: Resource, b: Resource) -> bool:
    """Can two distinct objects be in the same cluster at once, as far as the repository tells?

    Both namespaces known: their files are in one directory, or one directory contains the other (sibling
    directories are usually other clusters or other overlays). Both unknown: same file. An object and a
    kustomize patch of it (same kind, name and namespace) are one object, never a pair.
    """
    if a is b or (a.kind == b.kind and a.name == b.name and a.namespace == b.namespace and a.file is not b.file):
        return False
    if a.namespace is not None and b.namespace is not None:
        pa, pb = _dir(a), _dir(b)
        if pa is None or pb is None:
            return True
        return pa == pb or pa in pb.parents or pb in pa.parents
    return a.namespace is None and b.namespace is None and a.file is b.file


def _dir(res: Resource) -> Any:
    return res.file.directory if getattr(res.file, "path", None) is not None else None


def label(res: Resource) -> str:
    return f"{res.namespace}/{res.name}" if res.namespace else str(res.name)


def istio_objects(index: Any, kind: str) -> list[Resource]:
    return memo.per_run(index, ("istio", f"kind:{kind}"), lambda: [r for r in index.of_kind(kind) if is_istio(r)])
