"""RL221: Istio Gateway servers Istio's validation rejects (TLS settings, port names)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rolloutlint.views import istio_hosts as ih
from rolloutlint.core.findings import RelatedRef, Report, Severity
from rolloutlint.core.model import as_dict, as_list, as_str
from rolloutlint.core.rule import Rule, register

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context
    from rolloutlint.core.model import Resource

_TLS_PROTOCOLS = ("HTTPS", "TLS")  # Istio's protocol.Instance.IsTLS (protocol names parse case-insensitively)


@register
class GatewayServerInvalid(Rule):
    """An Istio Gateway server that Istio's validation rejects.

    ## What it checks
    Each server of an Istio Gateway (`networking.istio.io`):
    - a port whose protocol is `HTTPS` or `TLS` needs a `tls` block (the certificate, or `mode: PASSTHROUGH`);
    - port names must be unique across the Gateway's servers.

    Reported at the server's `port.protocol` (no TLS settings) or at the repeated `port.name`, with the first
    server of that name related.

    ## Why it matters
    istiod's validating webhook rejects the Gateway (`server must have TLS settings for HTTPS/TLS protocols`,
    `port names in servers must be unique: duplicate name ...`): the sync fails, and the hosts the Gateway
    declares (and the VirtualServices bound to it) are not served as written.

    ## How to fix
    Add a `tls` block (`mode: SIMPLE` with a `credentialName`, or `mode: PASSTHROUGH`), or serve plain `HTTP`;
    give each server's port its own name.

    ## Upstream
    Mirrors Istio's `ValidateGateway` / `validateServer` (pkg/config/validation): `server must have TLS
    settings for HTTPS/TLS protocols`, `port names in servers must be unique: duplicate name %s`.
    """

    id = "RL221"
    name = "gateway-server-invalid"
    severity = Severity.ERROR
    summary = "Istio Gateway server rejected by Istio's validation (HTTPS/TLS without tls, repeated port name)"
    kinds = ("Gateway",)
    mirrors = ("Istio validateServer `server must have TLS settings for HTTPS/TLS protocols`; ValidateGateway "
               "`port names in servers must be unique: duplicate name %s`")

    def check(self, gw: "Resource", ctx: "Context") -> Iterator[Report]:
        if gw.group != ih.ISTIO_GROUP:
            return
        first_named: dict[str, int] = {}
        for i, raw in enumerate(as_list(gw.spec.get("servers"))):
            server = as_dict(raw)
            port = as_dict(server.get("port"))
            protocol = as_str(port.get("protocol"))
            if protocol and protocol.upper() in _TLS_PROTOCOLS and server.get("tls") is None:
                yield self.report(gw, ("spec", "servers", i, "port", "protocol"),
                                  f"server {i} listens with protocol {protocol} but has no tls settings; Istio rejects "
                                  "the Gateway (server must have TLS settings for HTTPS/TLS protocols)")
            name = as_str(port.get("name"))
            if name is None:
                continue
            if name in first_named:
                first = first_named[name]
                yield self.report(gw, ("spec", "servers", i, "port", "name"),
                                  f"port name {name!r} is already used by server {first}; Istio rejects the Gateway "
                                  f"(port names in servers must be unique: duplicate name {name})",
                                  related=[RelatedRef(gw, ("spec", "servers", first, "port", "name"),
                                                      f"server {first} names its port {name!r}")])
            else:
                first_named[name] = i
