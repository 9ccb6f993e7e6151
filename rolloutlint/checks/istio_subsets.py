"""RL200–RL203: DestinationRule subsets: referenced subsets exist, names are unique, no cross-DR clashes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rolloutlint.views import istio_hosts as ih
from rolloutlint.core.findings import Edit, Fix, RelatedRef, Report, Severity
from rolloutlint.core.model import as_dict, as_list, as_str
from rolloutlint.core.rule import Rule, register
from rolloutlint.core import memo

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context
    from rolloutlint.core.model import Resource


@memo.per_resource
def subset_names(dr: "Resource") -> list[tuple[int, str]]:
    return [(i, n) for i, s in enumerate(as_list(dr.spec.get("subsets")))
            if (n := as_str(as_dict(s).get("name")))]


@memo.per_resource
def defined_subsets(dr: "Resource") -> frozenset[str]:
    return frozenset(n for _, n in subset_names(dr))


def rules_for_host(host: str, namespace: str | None, ctx: "Context") -> list["Resource"]:
    """DestinationRules that apply to `host` (as written in an object of `namespace`).

    Exact host matches win over wildcard hosts, as in Istio's DestinationRule lookup. Answers are kept
    for the run (every route destination asks; most ask about the same few hosts). Read-only.
    """
    answers: dict[tuple[str, str | None], list[Resource]] = memo.per_run(ctx.index, ("istio", "dr-for-host"), dict)
    key = (host, namespace)
    found = answers.get(key)
    if found is None:
        found = answers[key] = _rules_for_host(host, namespace, ctx)
    return found


def _rules_for_host(host: str, namespace: str | None, ctx: "Context") -> list["Resource"]:
    by_label, wildcards = memo.per_run(ctx.index, ("istio", "dr-by-first-label"), lambda: _dr_buckets(ctx))
    exact, wild = [], []
    # Two hosts can only name the same service when their first DNS labels agree: look at those and
    # at wildcard hosts only, so this stays linear in the number of DestinationRules.
    for dr in by_label.get(host.split(".", 1)[0], []) + wildcards:
        dr_host = as_str(dr.spec.get("host"))
        if not dr_host:
            continue
        if ih.is_wildcard(dr_host):
            if ih.wildcard_covers(dr_host, dr.namespace, host, namespace):
                wild.append(dr)
        elif ih.same_service_host(host, namespace, dr_host, dr.namespace):
            exact.append(dr)
    return exact or wild


def _dr_buckets(ctx: "Context") -> tuple[dict[str, list["Resource"]], list["Resource"]]:
    by_label: dict[str, list["Resource"]] = defaultdict(list)
    wildcards: list["Resource"] = []
    for dr in ih.istio_objects(ctx.index, "DestinationRule"):
        dr_host = as_str(dr.spec.get("host"))
        if dr_host and ih.is_wildcard(dr_host):
            wildcards.append(dr)
        elif dr_host:
            by_label[dr_host.split(".", 1)[0]].append(dr)
    return by_label, wildcards


@register
class VirtualServiceSubsetNotFound(Rule):
    """A VirtualService routes to a subset that no DestinationRule for that host defines.

    ## What it checks
    Every `http`, `tcp` and `tls` route destination and every HTTP `mirror`/`mirrors[]` destination with a
    `subset` must name a `subsets[].name` of a DestinationRule whose host is the same service. Hosts are
    compared the way Istio resolves them: a dot-less host is expanded with the namespace of the object that
    names it (the VirtualService for the destination, the DestinationRule for its `host`), FQDNs are taken
    literally, and a wildcard DestinationRule host (`*.ns.svc.cluster.local`) covers the hosts it matches —
    but, as in Istio, a DestinationRule with the exact host wins over wildcard ones. `svc.ns` forms are read
    as Kiali reads them (RL215 reports the form itself). An object whose namespace is unknown matches any
    namespace. Subset names are case-sensitive.

    When a DestinationRule for the host exists but lacks the subset, this is an error; when the repository
    holds no DestinationRule for the host at all, it is a warning (the rule may be managed elsewhere; declare
    it with `external: [{kind: DestinationRule, name: "*"}]` to silence this).

    Reported at the destination's `subset` in the VirtualService; the `subsets` of the DestinationRules for that
    host are related.

    ## Why it matters
    Envoy has no cluster for `outbound|port|subset|host`; requests on that route fail with `503 NR`
    (`no_cluster`) and pilot logs `Cannot find subset`. During a canary the Rollout controller only changes
    weights, so a misspelled `canary` subset sends the canary's share of traffic into errors.

    ## How to fix
    Add the subset (with the labels of the pods it should select) to the DestinationRule for the host, or
    fix the subset or host name in the VirtualService.

    ## Upstream
    Mirrors Istio IST0101 `ReferencedResourceNotFound` (`Referenced host+subset in destinationrule not found:
    "reviews+bogus"`, and the `mirror+subset in destinationrule` variant) and Kiali KIA1107 (`Subset not
    found`). Unlike istioctl, wildcard DestinationRule hosts are honoured (Istio applies them at runtime).
    """

    id = "RL200"
    name = "virtualservice-subset-not-found"
    severity = Severity.ERROR
    summary = "VirtualService routes to a subset no DestinationRule for the host defines"
    kinds = ("VirtualService",)
    cross_resource = True
    mirrors = ("Istio IST0101 `Referenced host+subset in destinationrule not found: \"reviews+bogus\"`; "
               "Kiali KIA1107 `Subset not found`")

    def check(self, vs: "Resource", ctx: "Context") -> Iterator[Report]:
        if not ih.is_istio(vs):
            return
        for d in ih.destinations(vs):
            host, subset = d.host, d.subset
            if not host or not subset:
                continue
            what = "mirror" if d.mirror else "destination"
            drs = rules_for_host(host, vs.namespace, ctx)
            if not drs:
                if ctx.index.is_external("DestinationRule", None, vs.namespace):
                    continue
                yield self.report(vs, d.path + ("subset",),
                                  f"{what} subset {subset!r} of host {host!r}: no DestinationRule in the repository "
                                  f"has this host, so the subset is undefined", severity=Severity.WARNING)
                continue
            if any(subset in defined_subsets(dr) for dr in drs):
                continue
            names = {n for dr in drs for n in defined_subsets(dr)}
            related = [RelatedRef(dr, ("spec", "subsets"), f"DestinationRule {ih.label(dr)} for host "
                                  f"{dr.spec.get('host')!r} defines subsets: {', '.join(sorted(n for _, n in subset_names(dr))) or 'none'}")
                       for dr in drs]
            hint = ""
            close = [n for n in names if n.lower() == subset.lower()]
            if close:
                hint = f" (did you mean {close[0]!r}? subset names are case-sensitive)"
            yield self.report(vs, d.path + ("subset",),
                              f"{what} subset {subset!r} of host {host!r} is not defined in DestinationRule "
                              f"{', '.join(ih.label(dr) for dr in drs)} (subsets: {', '.join(sorted(names)) or 'none'}){hint}",
                              related=related)


@register
class DestinationRuleDuplicateSubset(Rule):
    """A DestinationRule defines the same subset name twice.

    ## What it checks
    `spec.subsets[].name` values of one DestinationRule must be unique (compared case-sensitively, as Istio
    does).

    ## Why it matters
    Istio's admission webhook rejects the object (`duplicate subset names: v1`), so the Argo CD sync fails;
    with validation disabled only the first definition is used and the labels of the second are ignored.

    ## How to fix
    Rename or delete one of the two subsets. When the two definitions are identical, `--fix` deletes the
    later one.

    ## Upstream
    Mirrors Istio admission validation (`ValidateDestinationRule`): `duplicate subset names: %s` (reported by
    istioctl as IST0106 `Schema validation error`).
    """

    id = "RL202"
    name = "destinationrule-duplicate-subset"
    severity = Severity.ERROR
    summary = "DestinationRule defines the same subset name twice"
    kinds = ("DestinationRule",)
    fixable = True
    mirrors = "Istio admission validation: `duplicate subset names: %s` (istioctl IST0106)"

    def check(self, dr: "Resource", ctx: "Context") -> Iterator[Report]:
        if not ih.is_istio(dr):
            return
        first: dict[str, int] = {}
        subsets = as_list(dr.spec.get("subsets"))
        for i, name in subset_names(dr):
            if name in first:
                # Only an exact repeat is unambiguous: otherwise which labels you meant is your call.
                fix = Fix(f"delete the repeated subset {name!r} (identical to spec.subsets[{first[name]}])",
                          (Edit("delete", ("spec", "subsets", i)),)) if subsets[i] == subsets[first[name]] else None
                yield self.report(dr, ("spec", "subsets", i, "name"),
                                  f"duplicate subset names: {name!r} is already defined at spec.subsets[{first[name]}]; "
                                  f"Istio rejects the DestinationRule", fix=fix,
                                  related=[RelatedRef(dr, ("spec", "subsets", first[name], "name"), "first definition")])
            else:
                first[name] = i


@register
class SubsetDefinedInMultipleDestinationRules(Rule):
    """Two DestinationRules for the same host in the same namespace define the same subset.

    ## What it checks
    DestinationRules of one namespace whose hosts resolve to the same name (short names expanded with the
    DestinationRule's namespace; wildcard and mesh-wide rules are not merged and are ignored) are merged by
    Istio. A subset name defined by more than one of them is reported on each: an error when the definitions
    differ (labels or traffic policy), a warning when they are identical. DestinationRules with a
    `workloadSelector` are only compared with rules that have the same selector. Rules are only compared when
    their files share a directory or one directory contains the other (sibling directories are usually other
    clusters or overlays; a kustomize patch of the same object is not a second rule); rules of unknown
    namespace only within one file.

    Reported at the subset's `name` in each DestinationRule; the other DestinationRule's subset of that name is
    related.

    ## Why it matters
    Istio merges such rules in creation-time order and keeps the first definition of each subset name
    (`Duplicate subset %s found while merging destination rules`); the other one is silently dropped. In
    GitOps the creation order is not under your control — re-creating a namespace can swap which labels the
    `canary` subset selects.

    ## How to fix
    Keep each subset in exactly one DestinationRule per host (merge the rules into one).

    ## Upstream
    Mirrors Kiali KIA0201 (`More than one DestinationRules for the same host subset combination`) and Istio's
    DestinationRule merge (`pilot/pkg/model/destination_rule.go`), which has no analyzer code.
    """

    id = "RL203"
    name = "subset-defined-in-multiple-destinationrules"
    severity = Severity.WARNING
    summary = "Same subset defined by two DestinationRules for one host"
    cross_resource = True
    stage = 2
    mirrors = "Kiali KIA0201 `More than one DestinationRules for the same host subset combination`"

    def check_repo(self, ctx: "Context") -> Iterator[Report]:
        groups: dict[tuple[str, str, str], list["Resource"]] = defaultdict(list)
        for dr in ih.istio_objects(ctx.index, "DestinationRule"):
            host = as_str(dr.spec.get("host"))
            if not host or ih.is_wildcard(host) or not dr.name:
                continue
            sel = repr(sorted(as_dict(as_dict(dr.spec.get("workloadSelector")).get("matchLabels")).items()))
            groups[(ih.ns_key(dr), ih.fqdn(host, ih.ns_key(dr)), sel)].append(dr)
        for drs in groups.values():
            if len(drs) < 2:
                continue
            for dr in drs:
                mine = {n: i for i, n in subset_names(dr)}
                for other in drs:
                    if other is dr or not ih.could_coexist(dr, other):
                        continue
                    theirs = {n: i for i, n in subset_names(other)}
                    for name, i in mine.items():
                        if name not in theirs:
                            continue
                        a = as_list(dr.spec.get("subsets"))[i]
                        b = as_list(other.spec.get("subsets"))[theirs[name]]
                        same = _norm(a) == _norm(b)
                        detail = ("with the same definition" if same else
                                  "with a different definition; Istio keeps whichever rule was created first")
                        yield self.report(dr, ("spec", "subsets", i, "name"),
                                          f"subset {name!r} for host {dr.spec.get('host')!r} "
                                          f"is also defined by DestinationRule {ih.label(other)} {detail}",
                                          related=[RelatedRef(other, ("spec", "subsets", theirs[name], "name"),
                                                              f"DestinationRule {ih.label(other)} also defines {name!r}")],
                                          severity=Severity.WARNING if same else Severity.ERROR)


def _norm(subset: Any) -> Any:
    d = dict(as_dict(subset))
    d.pop("name", None)
    return repr(sorted((k, repr(v)) for k, v in d.items()))
