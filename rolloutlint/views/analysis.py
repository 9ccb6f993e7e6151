"""Shared helpers for the RL4xx analysis rules: where Rollouts and Experiments use AnalysisTemplates,
how templates merge, and what arguments each usage hands them. Holds no rules.

Argo's model (argo-rollouts `utils/analysis`): a usage names one or more templates (`templateName`,
`clusterScope`); each template may pull in more through its own `spec.templates`. The controller flattens
all of them into one AnalysisRun: metrics, args, dryRun and measurementRetention are concatenated, args
with the same name merged, then the usage's `args` override the template values.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rolloutlint.views import refs
from rolloutlint.core.positions import Path
from rolloutlint.core.index import Resolution, resolve
from rolloutlint.core.model import Resource, as_dict, as_list, as_str, cached_property, dig
from rolloutlint.core import memo

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context

TEMPLATE_KINDS = ("AnalysisTemplate", "ClusterAnalysisTemplate")
TAG_RE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)

# Providers whose measurement value is handed to successCondition/failureCondition.
VALUE_PROVIDERS = frozenset({"prometheus", "skywalking", "web", "datadog", "newRelic", "cloudWatch", "wavefront",
                             "influxdb", "graphite"})
# Every provider key Argo knows (MetricProvider); `plugin` holds one entry per plugin.
KNOWN_PROVIDERS = VALUE_PROVIDERS | {"job", "kayenta", "plugin"}


@dataclass(frozen=True)
class TemplateRef:
    name: str | None
    cluster_scope: bool
    path: Path  # path of the reference entry inside its owner


@dataclass
class Usage:
    """One place a Rollout (or Experiment) runs analysis."""

    owner: Resource
    kind: str  # background | step | prePromotion | postPromotion | experiment
    path: Path  # the analysis block (for experiment: the analyses[j] entry)
    refs: list[TemplateRef]
    args: list[Any]
    args_path: Path
    dry_run: list[Any] = field(default_factory=list)
    retention: list[Any] = field(default_factory=list)
    experiment_templates: tuple[str, ...] = ()  # template names of the experiment (experiment usages)

    @property
    def runs_to_completion(self) -> bool:
        """Inline step / pre-post-promotion analysis must finish: Argo forbids metrics that run forever."""
        return self.kind in ("step", "prePromotion", "postPromotion")

    def label(self) -> str:
        return {"background": "background analysis", "step": "analysis step", "prePromotion": "prePromotionAnalysis",
                "postPromotion": "postPromotionAnalysis", "experiment": "experiment analysis"}[self.kind]

    def arg_entries(self) -> Iterator[tuple[int, dict[str, Any]]]:
        for i, arg in enumerate(self.args):
            if isinstance(arg, dict):
                yield i, arg


def _template_refs(block: dict[str, Any], path: Path) -> list[TemplateRef]:
    out = []
    for i, t in enumerate(as_list(block.get("templates"))):
        t = as_dict(t)
        out.append(TemplateRef(as_str(t.get("templateName")), t.get("clusterScope") is True, path + ("templates", i)))
    return out


def _block_usage(owner: Resource, kind: str, block: Any, path: Path) -> Usage | None:
    if not isinstance(block, dict):
        return None
    return Usage(owner, kind, path, _template_refs(block, path), as_list(block.get("args")), path + ("args",),
                 as_list(block.get("dryRun")), as_list(block.get("measurementRetention")))


@memo.per_resource
def rollout_usages(ro: Resource) -> list[Usage]:
    out: list[Usage] = []
    can = refs.canary(ro)
    u = _block_usage(ro, "background", can.get("analysis"), refs.CANARY + ("analysis",))
    if u:
        out.append(u)
    for i, step in enumerate(refs.steps(ro)):
        step = as_dict(step)
        if isinstance(step.get("analysis"), dict):  # most steps set a weight or pause: no path to build
            u = _block_usage(ro, "step", step["analysis"], refs.CANARY + ("steps", i, "analysis"))
            if u:
                out.append(u)
        exp = as_dict(step.get("experiment"))
        if exp:
            names = tuple(n for n in (as_str(as_dict(t).get("name")) for t in as_list(exp.get("templates"))) if n)
            for j, an in enumerate(as_list(exp.get("analyses"))):
                out.extend(_experiment_usage(ro, an, refs.CANARY + ("steps", i, "experiment", "analyses", j), names,
                                             as_list(exp.get("dryRun")), as_list(exp.get("measurementRetention"))))
    bg = refs.blue_green(ro)
    for key, kind in (("prePromotionAnalysis", "prePromotion"), ("postPromotionAnalysis", "postPromotion")):
        u = _block_usage(ro, kind, bg.get(key), refs.BLUE_GREEN + (key,))
        if u:
            out.append(u)
    return out


def _experiment_usage(owner: Resource, an: Any, path: Path, names: tuple[str, ...], dry_run: list[Any],
                      retention: list[Any]) -> list[Usage]:
    if not isinstance(an, dict):
        return []
    ref = TemplateRef(as_str(an.get("templateName")), an.get("clusterScope") is True, path)
    return [Usage(owner, "experiment", path, [ref], as_list(an.get("args")), path + ("args",), dry_run, retention, names)]


def experiment_usages(ex: Resource) -> list[Usage]:
    spec = ex.spec
    names = tuple(n for n in (as_str(as_dict(t).get("name")) for t in as_list(spec.get("templates"))) if n)
    out: list[Usage] = []
    for j, an in enumerate(as_list(spec.get("analyses"))):
        out.extend(_experiment_usage(ex, an, ("spec", "analyses", j), names, as_list(spec.get("dryRun")),
                                     as_list(spec.get("measurementRetention"))))
    return out


def usages(res: Resource) -> list[Usage]:
    if res.kind == "Rollout":
        return rollout_usages(res)
    if res.kind == "Experiment":
        return experiment_usages(res)
    return []


def find_template(ctx: "Context", ref: TemplateRef, namespace: str | None, near: Resource | None = None) -> Resource | None:
    """The template a reference resolves to, through the resolver every reference uses (`core.index.resolve`):
    within `near`'s deployment unit and destination, then the exact namespace, the same file, the nearest
    directory."""
    return template_resolution(ctx, ref, namespace, near).chosen


def template_resolution(ctx: "Context", ref: TemplateRef, namespace: str | None,
                        near: Resource | None = None) -> Resolution:
    if not ref.name:
        return Resolution(None)
    kind = "ClusterAnalysisTemplate" if ref.cluster_scope else "AnalysisTemplate"
    ns = None if ref.cluster_scope else namespace
    return resolve(ctx.index.find(kind, ref.name, ns), near, ns)


def is_external(ctx: "Context", ref: TemplateRef, namespace: str | None) -> bool:
    kind = "ClusterAnalysisTemplate" if ref.cluster_scope else "AnalysisTemplate"
    return ctx.index.is_external(kind, ref.name, None if ref.cluster_scope else namespace)


@dataclass
class Flattened:
    templates: list[Resource]  # de-duplicated, in Argo's order
    missing: list[tuple[Resource, TemplateRef]]  # (owner of the reference, ref) that resolve to nothing
    complete: bool  # False when a referenced template is missing or external: merged views are partial

    @cached_property
    def declared_args(self) -> dict[str, list[tuple[Resource, int, dict[str, Any]]]]:
        """Argument name -> every (template, index, entry) that declares it (read-only)."""
        out: dict[str, list[tuple[Resource, int, dict[str, Any]]]] = {}
        for tmpl in self.templates:
            for i, arg in template_args(tmpl):
                name = as_str(arg.get("name"))
                if name:
                    out.setdefault(name, []).append((tmpl, i, arg))
        return out


def flatten(ctx: "Context", usage_refs: list[TemplateRef], namespace: str | None, near: Resource | None = None) -> Flattened:
    """Templates a usage runs, following nested `spec.templates` (as Argo's FlattenTemplates)."""
    seen: set[int] = set()
    out: list[Resource] = []
    missing: list[tuple[Resource, TemplateRef]] = []
    complete = True

    def visit(ref: TemplateRef, owner: Resource | None, depth: int) -> None:
        nonlocal complete
        if depth > 10:
            return
        tmpl = find_template(ctx, ref, namespace, near)
        if tmpl is None:
            complete = False
            if owner is not None and not is_external(ctx, ref, namespace) and ref.name:
                missing.append((owner, ref))
            return
        if id(tmpl) in seen:
            return
        seen.add(id(tmpl))
        out.append(tmpl)
        for nested in _template_refs(tmpl.spec, ("spec",)):
            visit(nested, tmpl, depth + 1)

    for r in usage_refs:
        visit(r, None, 0)
    return Flattened(out, missing, complete)


def template_args(tmpl: Resource) -> list[tuple[int, dict[str, Any]]]:
    return [(i, a) for i, a in enumerate(as_list(tmpl.spec.get("args"))) if isinstance(a, dict)]


def metrics(tmpl: Resource) -> list[tuple[int, dict[str, Any]]]:
    return [(i, m) for i, m in enumerate(as_list(tmpl.spec.get("metrics"))) if isinstance(m, dict)]


def has_value(arg: dict[str, Any]) -> bool:
    return arg.get("value") is not None or arg.get("valueFrom") is not None


def literal(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value if isinstance(value, str) else None


@memo.per_resource
def default_args(tmpl: Resource) -> dict[str, str | None]:
    """Template arg name -> literal default (None: no literal value, e.g. valueFrom or none). Read-only: every
    template rule and every usage of the template reads it."""
    out: dict[str, str | None] = {}
    for _, a in template_args(tmpl):
        name = as_str(a.get("name"))
        if name:
            out[name] = literal(a.get("value"))
    return out


_FIELD_PATH = re.compile(r"metadata\.(name|namespace|(labels|annotations)\['([^']*)'\])")


def field_ref_value(owner: Resource, arg: dict[str, Any]) -> str | None:
    """The value Argo gives an arg's `valueFrom.fieldRef` from the Rollout that runs the analysis (the downward
    API paths it supports: `metadata.name`, `metadata.namespace`, `metadata.labels['k']`,
    `metadata.annotations['k']`); None when it is not known here."""
    path = as_str(as_dict(as_dict(arg.get("valueFrom")).get("fieldRef")).get("fieldPath"))
    m = _FIELD_PATH.fullmatch(path.strip()) if path else None
    if m is None or owner.kind != "Rollout":
        return None
    if m.group(1) == "name":
        return owner.name
    if m.group(1) == "namespace":
        return owner.namespace
    value = (owner.labels if m.group(2) == "labels" else owner.annotations).get(m.group(3))
    return literal(value)


def usage_args(usage: Usage) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for _, a in usage.arg_entries():
        name = as_str(a.get("name"))
        if name:
            value = literal(a.get("value"))
            out[name] = value if value is not None else field_ref_value(usage.owner, a)
    return out


def effective_args(tmpl: Resource, usage: Usage | None) -> dict[str, str | None]:
    """What `{{args.x}}` resolves to in `tmpl` for a usage: its defaults overridden by the usage's values.

    Values that contain a placeholder themselves (passed through literally) are treated as unknown.
    """
    args = dict(default_args(tmpl))
    if usage is not None:
        for name, value in usage_args(usage).items():
            if name in args:
                args[name] = value
    return {k: (None if v is not None and "{{" in v else v) for k, v in args.items()}


def usages_of_template(ctx: "Context", tmpl: Resource) -> list[tuple[Usage, Flattened]]:
    """Every Rollout/Experiment usage whose flattened templates include `tmpl` (one table per run, so
    template rules stay linear in the number of Rollouts)."""
    return memo.per_run(ctx.index, ("analysis", "usages-by-template"), lambda: _usages_by_template(ctx)).get(id(tmpl), [])


def _usages_by_template(ctx: "Context") -> dict[int, list[tuple[Usage, Flattened]]]:
    table: dict[int, list[tuple[Usage, Flattened]]] = {}
    for owner in ctx.index.of_kind("Rollout", "Experiment"):
        if owner.group not in ("argoproj.io", ""):
            continue
        for u in usages(owner):
            flat = cached_flatten(ctx, u)
            for t in {id(t): t for t in flat.templates}.values():
                table.setdefault(id(t), []).append((u, flat))
    return table


def cached_flatten(ctx: "Context", usage: Usage) -> Flattened:
    return memo.for_resource(usage.owner, "analysis.cached_flatten", usage.path,
                             lambda: flatten(ctx, usage.refs, usage.owner.namespace, usage.owner))


def provider_name(metric: dict[str, Any]) -> str | None:
    prov = as_dict(metric.get("provider"))
    keys = [k for k, v in prov.items() if v is not None]
    return keys[0] if len(keys) == 1 else None


def int_value(value: Any) -> int | None:
    """IntOrString.IntValue(): ints as is, numeric strings parsed, other strings 0; None when absent."""
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return 0
    return None


def tags(text: str) -> list[tuple[str, int]]:
    """`{{...}}` tags in a text: (trimmed tag, offset)."""
    return [(m.group(1).strip(), m.start()) for m in TAG_RE.finditer(text)]


def walk_strings(value: Any, path: Path = ()) -> Iterator[tuple[Path, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from walk_strings(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk_strings(v, path + (i,))


def canary_subsets(ctx: "Context", ro: Resource) -> tuple[str | None, str | None]:
    """(canary, stable) subset names as SkyWalking/TSB sees them: the pods' `version` label set through
    canaryMetadata/stableMetadata, else the DestinationRule's canarySubsetName/stableSubsetName."""
    can_v = as_str(dig(refs.canary(ro), "canaryMetadata", "labels", "version"))
    stab_v = as_str(dig(refs.canary(ro), "stableMetadata", "labels", "version"))
    dr = refs.destination_rule_ref(ro)
    return (can_v or (dr.canary_subset if dr else None), stab_v or (dr.stable_subset if dr else None))


def destination_rule_host(ctx: "Context", ro: Resource) -> str | None:
    dr = refs.destination_rule_ref(ro)
    if dr is None:
        return None
    res = ctx.index.find_one("DestinationRule", dr.name, ro.namespace, near=ro)
    return as_str(dig(res.body, "spec", "host")) if res is not None else None


def only_placeholders(text: Any, args: Mapping[str, str | None] | None = None) -> bool:
    """True when a query is nothing but unresolved `{{...}}` tags (e.g. `query: "{{args.query}}"`): its
    content is only known at run time, so neither its syntax nor its result shape can be checked."""
    if not isinstance(text, str) or "{{" not in text or _has_text_outside_tags(text):
        return False
    args = args or {}

    def known(m: re.Match) -> str:
        tag = m.group(1).strip()
        value = args.get(tag[5:]) if tag.startswith("args.") else None
        return value if value is not None else ""

    return not TAG_RE.sub(known, text).strip()


@functools.lru_cache(maxsize=1024)  # asked for every usage of a template: a pure function of the query text
def _has_text_outside_tags(text: str) -> bool:
    """Non-blank text outside the `{{...}}` tags: whatever the tags resolve to, the query is then more than them."""
    return bool(TAG_RE.sub("", text).strip())
