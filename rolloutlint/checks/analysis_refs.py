"""RL40x: analysis template references, arguments and merged metric names."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rolloutlint.views import analysis as au
from rolloutlint.views.references import renamed_hint, renamed_in_unit, renamed_note
from rolloutlint.core.findings import RelatedRef, Report, Severity
from rolloutlint.core.model import Resource, as_str
from rolloutlint.core.rule import Rule, register

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context


def _ns_text(ns: str | None) -> str:
    return f" in namespace '{ns}'" if ns else ""


@register
class AnalysisTemplateNotFound(Rule):
    """An analysis names an AnalysisTemplate or ClusterAnalysisTemplate that the project does not hold.

    ## What it checks
    Every `templateName` of a Rollout's background analysis (`spec.strategy.canary.analysis`), inline
    `analysis` steps, experiment step `analyses`, blueGreen `prePromotionAnalysis`/`postPromotionAnalysis`,
    an Experiment's `spec.analyses`, and the nested `spec.templates` of a template. Without
    `clusterScope: true` the name must be an AnalysisTemplate in the Rollout's namespace; with it, a
    ClusterAnalysisTemplate. Names declared external in `.rolloutlint.yaml` are not reported. When the
    other kind, or another namespace, holds the name, the message says so.

    Reported at the `templateName` in the Rollout, Experiment or template that names it; a template of the other
    kind, in another namespace, or in the same unit with a name like it (kustomize's namePrefix/nameSuffix, or
    a renamed template) is related.

    ## Why it matters
    The controller cannot validate the Rollout's referenced resources: the Rollout gets an `InvalidSpec`
    condition and does not progress; an experiment fails with `AnalysisTemplate verification failed`.

    ## How to fix
    Add the template to the repository (in the Rollout's namespace), fix the name, set or remove
    `clusterScope`, or declare the template `external` if another repository manages it.

    ## Upstream
    Mirrors Argo Rollouts `getReferencedAnalysisTemplatesFromRef`: `AnalysisTemplate 'name' not found` /
    `ClusterAnalysisTemplate 'name' not found` (and, for experiments, `AnalysisTemplate verification failed
    for analysis '...'`).
    """

    id = "RL401"
    name = "analysis-template-not-found"
    severity = Severity.ERROR
    summary = "Referenced AnalysisTemplate or ClusterAnalysisTemplate does not exist"
    kinds = ("Rollout", "Experiment", "AnalysisTemplate", "ClusterAnalysisTemplate")
    cross_resource = True
    mirrors = "Argo Rollouts: `AnalysisTemplate 'name' not found`"

    def check(self, res: Resource, ctx: "Context") -> Iterator[Report]:
        if res.kind in au.TEMPLATE_KINDS:
            ns = None if res.kind == "ClusterAnalysisTemplate" else res.namespace
            refs = au._template_refs(res.spec, ("spec",))
            for ref in refs:
                yield from self._check_ref(res, ref, ns, ctx)
            return
        for usage in au.usages(res):
            for ref in usage.refs:
                yield from self._check_ref(res, ref, res.namespace, ctx)

    def _check_ref(self, owner: Resource, ref: au.TemplateRef, ns: str | None, ctx: "Context") -> Iterator[Report]:
        if not ref.name or au.find_template(ctx, ref, ns) is not None or au.is_external(ctx, ref, ns):
            return
        kind = "ClusterAnalysisTemplate" if ref.cluster_scope else "AnalysisTemplate"
        related = []
        hint = ""
        other = ctx.index.find_one("AnalysisTemplate" if ref.cluster_scope else "ClusterAnalysisTemplate", ref.name, None)
        if other is not None:
            hint = (f"; an {other.kind} of that name exists: "
                    + ("drop clusterScope" if ref.cluster_scope else "set clusterScope: true"))
            related.append(RelatedRef(other, ("metadata", "name"), f"{other.kind} {ref.name}"))
        elif not ref.cluster_scope and (renamed := renamed_in_unit(ctx.index, "AnalysisTemplate", ref.name, owner)):
            hint = renamed_hint(renamed)
            related.append(RelatedRef(renamed, ("metadata", "name"), renamed_note(renamed)))
        elif not ref.cluster_scope:
            elsewhere = list(ctx.index.named("AnalysisTemplate", ref.name))
            if elsewhere:
                hint = f"; it exists in namespace '{elsewhere[0].namespace}', but a Rollout only sees templates of its own namespace"
                related.append(RelatedRef(elsewhere[0], ("metadata", "name"), f"AnalysisTemplate {elsewhere[0].namespace}/{ref.name}"))
        where = "" if ref.cluster_scope else _ns_text(ns)
        yield self.report(owner, ref.path + ("templateName",), f"{kind} '{ref.name}' not found{where}{hint}", related=related)


def _ref_for(ctx: "Context", usage: au.Usage, tmpl: Resource) -> au.TemplateRef:
    """The usage's top-level reference that (possibly through nesting) brings in `tmpl`."""
    for ref in usage.refs:
        flat = au.flatten(ctx, [ref], usage.owner.namespace, usage.owner)
        if any(t is tmpl for t in flat.templates):
            return ref
    return usage.refs[0]


def _ref_field(ref: au.TemplateRef) -> tuple:
    return ref.path + ("templateName",)


@register
class AnalysisArgMissing(Rule):
    """A template argument without a default gets no value from the Rollout (or Experiment).

    ## What it checks
    For each analysis usage, the templates it runs are merged as the controller merges them (nested
    `spec.templates` included, same-named args unified). Every merged argument that has neither `value`
    nor `valueFrom` in any template must be passed by the usage's `args` with a `value` or `valueFrom`.

    Reported at the usage's `templateName` in the Rollout or Experiment, where the argument is to be passed; the
    template's argument declaration is related.

    ## Why it matters
    Background analysis: the Rollout is `InvalidSpec` with `missing analysis arguments in rollout spec`.
    Step and promotion analysis: the Rollout is invalid with `args.<name> was not resolved`; an
    experiment's AnalysisRun errors with `argument "<name>" was not supplied`.

    ## How to fix
    Add the argument to the usage's `args` (`value`, or `valueFrom.podTemplateHashValue`/`fieldRef`), or
    give it a default `value` in the template.

    ## Upstream
    Mirrors Argo Rollouts `ValidateAnalysisTemplatesWithType` (`missing analysis arguments in rollout spec`,
    `args.<name> was not resolved`).
    """

    id = "RL402"
    name = "analysis-arg-missing"
    severity = Severity.ERROR
    summary = "Template argument without default is not passed by the analysis"
    kinds = ("Rollout", "Experiment")
    cross_resource = True
    mirrors = "Argo Rollouts: `missing analysis arguments in rollout spec` / `args.x was not resolved`"

    def check(self, res: Resource, ctx: "Context") -> Iterator[Report]:
        for usage in au.usages(res):
            flat = au.cached_flatten(ctx, usage)
            passed = {as_str(a.get("name")) for _, a in usage.arg_entries() if au.has_value(a)}
            for name, decls in flat.declared_args.items():
                if name in passed or any(au.has_value(arg) for _, _, arg in decls):
                    continue
                tmpl, i, _ = decls[0]
                ref = _ref_for(ctx, usage, tmpl)
                argo = {"background": "missing analysis arguments in rollout spec",
                        "experiment": f'argument "{name}" was not supplied'}.get(usage.kind, f"args.{name} was not resolved")
                yield self.report(
                    res, _ref_field(ref),
                    f"{tmpl.kind} {tmpl.name} needs argument '{name}' (no default value), but this {usage.label()} does "
                    f"not pass it; Argo: {argo}",
                    related=[RelatedRef(tmpl, ("spec", "args", i, "name"), f"argument '{name}' declared here without value")])


@register
class AnalysisArgUnknown(Rule):
    """An analysis passes an argument that none of its templates declares.

    ## What it checks
    Names in a usage's `args` (Rollout analysis, analysis steps, promotion analysis, experiment analyses)
    that no merged template declares in `spec.args`. Only reported when every template of the usage is in
    the project.

    Reported at the argument's `name` in the usage's `args`; the templates' `spec.args` are related.

    ## Why it matters
    The controller silently drops arguments a template does not declare. It is usually a typo
    (`service-nme`), so the template either falls back to its default or fails with a missing argument,
    and the value you meant to pass is never used.

    ## How to fix
    Rename the argument to the one the template declares, declare it in the template, or remove it.

    ## Upstream
    Not reported by Argo Rollouts (`MergeArgs` ignores unknown incoming args); derived check.
    """

    id = "RL403"
    name = "analysis-arg-unknown"
    severity = Severity.WARNING
    summary = "Analysis passes an argument no template declares"
    kinds = ("Rollout", "Experiment")
    cross_resource = True

    def check(self, res: Resource, ctx: "Context") -> Iterator[Report]:
        for usage in au.usages(res):
            flat = au.cached_flatten(ctx, usage)
            if not flat.complete or not flat.templates:
                continue
            declared = flat.declared_args
            for i, arg in usage.arg_entries():
                name = as_str(arg.get("name"))
                if name and name not in declared:
                    names = ", ".join(f"{t.kind} {t.name}" for t in flat.templates)
                    known = ", ".join(sorted(declared)) or "none"
                    yield self.report(res, usage.args_path + (i, "name"),
                                      f"argument '{name}' is not declared by {names} (declared: {known}); the controller ignores it",
                                      related=[RelatedRef(t, ("spec", "args"), f"{t.kind} {t.name} arguments") for t in flat.templates])


@register
class AnalysisArgConflict(Rule):
    """Templates merged into one analysis give the same argument different values.

    ## What it checks
    When a usage runs several templates (directly or through nested `spec.templates`), arguments with the
    same name are merged; their template `value`s must be equal when both are set.

    Reported at the usage's `templateName` in the Rollout or Experiment; each template's conflicting `value` is
    related.

    ## Why it matters
    The Rollout is `InvalidSpec`: ``Argument `x` specified multiple times with different values``.

    ## How to fix
    Use one value in both templates, rename one of the arguments, or drop the default from one template and
    pass the value from the Rollout.

    ## Upstream
    Mirrors Argo Rollouts `flattenArgs`: ``Argument `x` specified multiple times with different values: 'a', 'b'``.
    """

    id = "RL404"
    name = "analysis-arg-conflict"
    severity = Severity.ERROR
    summary = "Merged templates give one argument different values"
    kinds = ("Rollout", "Experiment")
    cross_resource = True
    mirrors = "Argo Rollouts: ``Argument `x` specified multiple times with different values: 'a', 'b'``"

    def check(self, res: Resource, ctx: "Context") -> Iterator[Report]:
        for usage in au.usages(res):
            flat = au.cached_flatten(ctx, usage)
            for name, decls in flat.declared_args.items():
                values = [(t, i, a.get("value")) for t, i, a in decls if a.get("value") is not None]
                distinct = {str(v) for _, _, v in values}
                if len(distinct) > 1:
                    (t1, _, v1), (t2, _, v2) = values[0], next(x for x in values if str(x[2]) != str(values[0][2]))
                    ref = _ref_for(ctx, usage, t2)
                    yield self.report(
                        res, _ref_field(ref),
                        f"argument `{name}` specified multiple times with different values: '{v1}' ({t1.kind} {t1.name}), "
                        f"'{v2}' ({t2.kind} {t2.name})",
                        related=[RelatedRef(t, ("spec", "args", i, "value"), f"{t.kind} {t.name}: {name} = {v}")
                                 for t, i, v in values])


@register
class AnalysisPlaceholderUnresolved(Rule):
    """A template holds a `{{ ... }}` placeholder that Argo cannot resolve.

    ## What it checks
    Every string in `spec.metrics` (queries, addresses, conditions, counts, headers, job specs...). Argo
    resolves each `{{ ... }}` tag (whitespace trimmed) against the template's declared arguments, so a tag
    must read `args.<declared argument>`. `{{templates.*}}` and `{{experiment.*}}` are only resolved in an
    experiment's analysis arguments, never inside a template. An unclosed `{{` is reported too. Strings in
    fields the AnalysisTemplate schema does not know are skipped: the API server prunes them before the
    controller could resolve anything (RL010 reports the field).
    Reported at the placeholder itself, inside the string (a multi-line `query: |` included); nothing is related
    (the declared arguments come from this template and the templates run with it).

    ## Why it matters
    The AnalysisRun errors before measuring: `Unable to resolve metric arguments: failed to resolve
    {{args.x}}` (for inline analysis the Rollout is already `InvalidSpec` with `failed to resolve`).

    ## How to fix
    Declare the argument in `spec.args`, fix the tag's spelling (`{{args.service-name}}`), or pass
    experiment values as arguments: `value: "{{templates.baseline.podTemplateHash}}"` in the experiment's
    `analyses[].args`, `{{args.baseline-hash}}` in the template.

    ## Upstream
    Mirrors Argo Rollouts `ResolveMetricArgs` / `ResolveQuotedArgs`: `failed to resolve {{args.x}}`.
    """

    id = "RL405"
    name = "analysis-placeholder-unresolved"
    severity = Severity.ERROR
    summary = "Template placeholder does not name a declared argument"
    kinds = au.TEMPLATE_KINDS
    cross_resource = True
    mirrors = "Argo Rollouts: `Unable to resolve metric arguments: failed to resolve {{args.x}}`"

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        # Argo resolves an AnalysisRun's metrics with the merged args of all its templates, so args of
        # nested templates and of templates run together with this one count as declared.
        declared = set(au.default_args(tmpl))
        own = au.flatten(ctx, au._template_refs(tmpl.spec, ("spec",)), tmpl.namespace, tmpl)
        others = {id(other): other for other in own.templates}
        for _, flat in au.usages_of_template(ctx, tmpl):  # many usages run the same few templates: each read once
            others.update((id(other), other) for other in flat.templates)
        for other in others.values():
            declared |= set(au.default_args(other))
        from rolloutlint.views import schemas

        for path, text in au.walk_strings(tmpl.spec.get("metrics"), ("spec", "metrics")):
            if "{{" not in text or schemas.pruned(tmpl, path):
                continue  # a field the schema does not know never reaches the controller (RL010 reports it)
            start = text.find("{{")
            if text.find("}}", start) < 0:
                yield self.report(tmpl, path, "'{{' has no closing '}}'; Argo cannot resolve the template")
                continue
            for tag, offset in au.tags(text):
                if tag.startswith("args.") and tag[5:] in declared:
                    continue
                if tag.startswith("args."):
                    known = ", ".join(sorted(declared)) or "none"
                    msg = f"{{{{{tag}}}}} names argument '{tag[5:]}', which spec.args does not declare (declared: {known})"
                elif tag.startswith(("templates.", "experiment.")):
                    msg = (f"{{{{{tag}}}}} is only resolved in an experiment's analysis args; inside a template declare an "
                           "argument and pass the value from the experiment")
                else:
                    msg = f"{{{{{tag}}}}} is not an argument reference; Argo only resolves {{{{args.<name>}}}} in templates"
                # Inside the string (a query is often a block scalar): the placeholder itself, not the key.
                inner = (text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset))
                yield self.report(tmpl, path, msg + f"; Argo: failed to resolve {{{{{tag}}}}}", inner=inner)


@register
class AnalysisPlaceholderMisplaced(Rule):
    """An analysis argument value uses `{{templates.*}}`/`{{experiment.*}}` where they are not resolved.

    ## What it checks
    Argument values of Rollout analysis usages (background, steps, promotion analysis): these are copied
    into the AnalysisRun as they are, so a `{{ ... }}` inside them reaches the metric unresolved. In
    experiment analyses (a Rollout's experiment step or an Experiment), `{{templates.<name>.*}}` must name
    one of the experiment's templates.

    ## Why it matters
    A literal `{{templates.baseline.podTemplateHash}}` ends up in the query (it then matches nothing) or
    makes the AnalysisRun fail with `failed to resolve`; an unknown experiment template name is never
    resolved.

    ## How to fix
    In Rollout analysis use `valueFrom.podTemplateHashValue: Stable|Latest`; in experiments, use a
    template name listed under the experiment's `templates`.

    ## Upstream
    Derived from Argo Rollouts' argument handling (`BuildArgumentsForRolloutAnalysisRun` copies values;
    only the experiment controller resolves `templates.*` tags).
    """

    id = "RL406"
    name = "analysis-placeholder-misplaced"
    severity = Severity.WARNING
    summary = "Analysis argument value holds a placeholder that is not resolved there"
    kinds = ("Rollout", "Experiment")

    def check(self, res: Resource, ctx: "Context") -> Iterator[Report]:
        for usage in au.usages(res):
            for i, arg in usage.arg_entries():
                value = arg.get("value")
                if not isinstance(value, str):
                    continue
                for tag, _ in au.tags(value):
                    path = usage.args_path + (i, "value")
                    if usage.kind != "experiment":
                        yield self.report(res, path, f"{{{{{tag}}}}} is not resolved in {usage.label()} args; the literal text "
                                          "reaches the AnalysisRun (use valueFrom.podTemplateHashValue for pod hashes)")
                    elif tag.startswith("templates."):
                        tname = tag.split(".")[1] if tag.count(".") >= 1 else ""
                        if tname not in usage.experiment_templates:
                            known = ", ".join(usage.experiment_templates) or "none"
                            yield self.report(res, path, f"{{{{{tag}}}}} names experiment template '{tname}', which this "
                                              f"experiment does not define (templates: {known})", severity=Severity.ERROR)
                    elif not tag.startswith("experiment."):
                        yield self.report(res, path, f"{{{{{tag}}}}} is not resolved in experiment analysis args; only "
                                          "{{templates.<name>.podTemplateHash}}-style tags are")


@register
class AnalysisMetricNameDuplicate(Rule):
    """Two metrics of one analysis have the same name.

    ## What it checks
    Metric names within an AnalysisTemplate/ClusterAnalysisTemplate, and across all templates one usage
    merges (nested `spec.templates` included).

    Reported at the duplicate metric's `name` in a template (the first metric of that name is related), or at
    the usage's `templateName` when two merged templates each define it (both metrics are related).

    ## Why it matters
    Within a template the AnalysisRun errors with `metrics[1]: duplicate name 'x'`; across merged templates
    the Rollout is `InvalidSpec`: `two metrics have the same name 'x'`.

    ## How to fix
    Rename one metric (e.g. prefix it with the template's purpose), or drop the duplicate template.

    ## Upstream
    Mirrors Argo Rollouts `ValidateMetrics` (`duplicate name 'x'`) and `flattenMetrics`
    (`two metrics have the same name 'x'`).
    """

    id = "RL407"
    name = "analysis-metric-name-duplicate"
    severity = Severity.ERROR
    summary = "Metric name is used twice in one analysis"
    kinds = ("Rollout", "Experiment", "AnalysisTemplate", "ClusterAnalysisTemplate")
    cross_resource = True
    mirrors = "Argo Rollouts: `two metrics have the same name 'x'` / `duplicate name 'x'`"

    def check(self, res: Resource, ctx: "Context") -> Iterator[Report]:
        if res.kind in au.TEMPLATE_KINDS:
            seen: dict[str, int] = {}
            for i, m in au.metrics(res):
                name = as_str(m.get("name"))
                if not name:
                    continue
                if name in seen:
                    yield self.report(res, ("spec", "metrics", i, "name"),
                                      f"metrics[{i}]: duplicate name '{name}' (also metrics[{seen[name]}])",
                                      related=[RelatedRef(res, ("spec", "metrics", seen[name], "name"), "first metric of that name")])
                else:
                    seen[name] = i
            return
        for usage in au.usages(res):
            flat = au.cached_flatten(ctx, usage)
            owners: dict[str, tuple[Resource, int]] = {}
            for tmpl in flat.templates:
                local: set[str] = set()
                for i, m in au.metrics(tmpl):
                    name = as_str(m.get("name"))
                    if not name or name in local:
                        continue
                    local.add(name)
                    if name in owners:
                        first, fi = owners[name]
                        ref = _ref_for(ctx, usage, tmpl)
                        yield self.report(res, _ref_field(ref),
                                          f"{first.kind} {first.name} and {tmpl.kind} {tmpl.name} both define metric '{name}'; "
                                          "merged, two metrics have the same name",
                                          related=[RelatedRef(first, ("spec", "metrics", fi, "name"), f"metric '{name}'"),
                                                   RelatedRef(tmpl, ("spec", "metrics", i, "name"), f"metric '{name}'")])
                    else:
                        owners[name] = (tmpl, i)


@register
class AnalysisArgValueAndValueFrom(Rule):
    """A template argument sets both `value` and `valueFrom`.

    ## What it checks
    `spec.args[]` entries of AnalysisTemplates and ClusterAnalysisTemplates with both a `value` and a
    `valueFrom`.

    ## Why it matters
    A Rollout whose analysis step or promotion analysis uses the template is `InvalidSpec`: `AnalysisTemplate
    tmpl: arg 'x' has both Value and ValueFrom fields`, and it does not progress. Elsewhere it is ambiguous
    which one wins.

    ## How to fix
    Keep one: a literal `value`, or `valueFrom` (secretKeyRef, fieldRef).

    ## Upstream
    Mirrors Argo Rollouts `validateAnalysisMetrics`: `AnalysisTemplate tmpl: arg 'x' has both Value and ValueFrom fields`.
    """

    id = "RL408"
    name = "analysis-arg-value-and-value-from"
    severity = Severity.ERROR
    summary = "Template argument sets both value and valueFrom"
    kinds = au.TEMPLATE_KINDS
    mirrors = "Argo Rollouts: `AnalysisTemplate tmpl: arg 'x' has both Value and ValueFrom fields`"

    def check(self, tmpl: Resource, ctx: "Context") -> Iterator[Report]:
        for i, arg in au.template_args(tmpl):
            if arg.get("value") is not None and arg.get("valueFrom") is not None:
                yield self.report(tmpl, ("spec", "args", i, "valueFrom"), f"{tmpl.kind} {tmpl.name}: arg "
                                  f"'{arg.get('name')}' has both Value and ValueFrom fields", key=True)
