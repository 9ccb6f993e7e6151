"""End to end: deployment units rendered with the real engines, findings mapped to source files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rolloutlint import pipeline
from rolloutlint.core.findings import Finding
from tests.render.conftest import needs_helm, needs_kustomize


def lint(root: Path, render: bool = True) -> list[Finding]:
    project = pipeline.load_project(["."], cwd=root, render=render)
    return pipeline.lint_project(project).findings


def where(findings: list[Finding], rule: str) -> list[tuple[str, int, tuple[str, ...]]]:
    return sorted((f.location.file, f.location.line, f.units) for f in findings if f.rule == rule)


@needs_kustomize
def test_overlay_patch_files_are_not_linted_as_rollouts(repo: Callable[[str], Path]) -> None:
    root = repo("overlays")
    raw = lint(root, render=False)
    assert {f.location.file for f in raw if f.rule in ("RL100", "RL102")} >= {"prod/rollout-patch.yaml",
                                                                              "staging/rollout-steps.yaml"}
    findings = lint(root)
    patch_files = {"prod/rollout-patch.yaml", "staging/rollout-steps.yaml", "dev/replicas-patch.yaml"}
    assert not [f for f in findings if f.location.file in patch_files and f.rule in ("RL100", "RL102")]
    assert not [f for f in findings if f.rule in ("RL100", "RL102")]


@needs_kustomize
def test_defect_in_a_shared_base_is_reported_once_with_its_units(repo: Callable[[str], Path]) -> None:
    findings = lint(repo("overlays"))
    assert where(findings, "RL142") == [("base/rollout.yaml", 29, ("kustomization dev", "kustomization prod",
                                                                   "kustomization staging"))]


@needs_kustomize
def test_common_labels_mismatch_with_rollout_pod_template(repo: Callable[[str], Path]) -> None:
    """kustomize adds commonLabels to Service selectors but not to a Rollout's pod template (a CRD it does
    not know): the controller rejects the Rollout; only the overlay that sets them is named."""
    findings = lint(repo("overlays"))
    hits = [f for f in findings if f.rule == "RL321"]
    assert [(f.location.file, f.location.line, f.units) for f in hits] == [
        ("base/rollout.yaml", 20, ("kustomization prod",)), ("base/rollout.yaml", 21, ("kustomization prod",))]
    assert all("env=prod" in f.message for f in hits)
    # the selector that gained the label is related, as is the overlay that rendered it
    assert any(r.location is not None and r.location.file == "prod/kustomization.yaml" for r in hits[0].related)


@needs_kustomize
def test_name_prefix_breaks_crd_references(repo: Callable[[str], Path]) -> None:
    """namePrefix renames the VirtualService; kustomize does not rewrite the Rollout's reference to it."""
    findings = lint(repo("overlays"))
    assert where(findings, "RL301") == [("base/rollout.yaml", 25, ("kustomization staging",))]


@needs_kustomize
def test_patched_values_point_at_the_patch(repo: Callable[[str], Path]) -> None:
    """A node a patch set is located in the patch file; one the base set stays in the base."""
    project = pipeline.load_project(["."], cwd=repo("overlays"))
    from rolloutlint.core.positions import locate
    from rolloutlint.load.render.origins import file_at

    by_ns = {r.namespace: r for r in project.index.of_kind("Rollout")}
    assert set(by_ns) == {"dev", "prod", "staging"}
    prod = by_ns["prod"]
    assert (file_at(prod.node, ("spec", "replicas")), locate(prod.node, ("spec", "replicas"))[0]) == ("prod/rollout-patch.yaml", 6)
    assert (file_at(prod.node, ("spec", "selector")), locate(prod.node, ("spec", "selector"))[0]) == ("base/rollout.yaml", 8)
    dev = by_ns["dev"]  # JSON 6902 op with a target
    assert (file_at(dev.node, ("spec", "replicas")), locate(dev.node, ("spec", "replicas"))[0]) == ("dev/replicas-patch.yaml", 3)
    assert dev.body["spec"]["template"]["spec"]["containers"][0]["image"] == "example.com/reviews:1.3.0"  # images
    staging = by_ns["staging"]  # patchesStrategicMerge, namePrefix, a component
    assert staging.name == "stg-reviews"
    assert file_at(staging.node, ("spec", "revisionHistoryLimit")) == "staging/rollout-steps.yaml"
    assert [r.name for r in project.index.of_kind("PodDisruptionBudget")] == ["stg-reviews"]
    # kustomize's build metadata never reaches the rules
    assert all("config.kubernetes.io/origin" not in r.annotations for r in project.index.resources)


@needs_helm
def test_chart_rollout_linted_and_wrong_subset_located_in_values_file(repo: Callable[[str], Path]) -> None:
    root = repo("helm-app")
    raw = lint(root, render=False)
    assert {f.rule for f in raw} <= {"RL004", "RL005"}  # raw: nothing checked
    findings = lint(root)
    assert where(findings, "RL310") == [("charts/reviews/values-prod.yaml", 3, ("Application argocd/reviews",))]
    project = pipeline.load_project(["."], cwd=root)
    (rollout,) = project.index.of_kind("Rollout")
    assert rollout.namespace == "shop" and rollout.name == "reviews"  # destination namespace, release name
    assert rollout.body["spec"]["replicas"] == 4  # parameters win over value files and chart values
    from rolloutlint.core.positions import locate
    from rolloutlint.load.render.origins import file_at

    def origin(*path: str | int) -> tuple[str | None, int]:
        return file_at(rollout.node, path), locate(rollout.node, path)[0]

    assert origin("spec", "replicas") == ("apps/reviews.yaml", 17)  # the Application's parameter
    assert origin("spec", "template", "spec", "containers", 0, "image") == ("charts/reviews/values-prod.yaml", 1)
    assert origin("spec", "strategy", "canary", "trafficRouting", "istio", "destinationRule",
                  "stableSubsetName") == ("charts/reviews/values.yaml", 5)  # the chart's default
    assert origin("spec", "selector") == ("charts/reviews/templates/rollout.yaml", 9)  # template line


@needs_helm
def test_cli_fails_on_broken_chart_value(repo: Callable[[str], Path]) -> None:
    from tests.cli_run import run

    root = repo("helm-app")
    code, out, _ = run(["lint", "--format", "json", "."], cwd=root)
    assert code == 1
    import json

    doc = json.loads(out)
    hit = next(f for f in doc["findings"] if f["rule"] == "RL310")
    assert (hit["file"], hit["line"], hit["unit"]) == ("charts/reviews/values-prod.yaml", 3, "Application argocd/reviews")
    assert doc["summary"]["units"] == 1
    code, out, _ = run(["lint", "--no-render", "--format", "json", "."], cwd=root)
    assert code == 0 and "units" not in json.loads(out)["summary"]  # raw: the chart is only templates


@needs_helm
def test_chart_template_error_is_a_finding_at_the_template_line(repo: Callable[[str], Path]) -> None:
    findings = lint(repo("broken-chart"))
    (hit,) = [f for f in findings if f.rule == "RL008"]
    assert (hit.location.file, hit.location.line) == ("chart/templates/rollout.yaml", 6)
    assert "wrong number of args for required" in hit.message


def test_remote_base_is_reported_never_fetched(repo: Callable[[str], Path]) -> None:
    findings = lint(repo("remote-base"))
    (hit,) = [f for f in findings if f.rule == "RL008"]
    assert (hit.location.file, hit.location.line) == ("app/kustomization.yaml", 2)
    assert "cannot render offline" in hit.message and "github.com/example/platform" in hit.message


@needs_kustomize
def test_applicationset_git_directories(repo: Callable[[str], Path]) -> None:
    root = repo("appset")
    raw = lint(root, render=False)
    assert any(f.rule == "RL102" and f.location.file.endswith("replicas.yaml") for f in raw)
    findings = lint(root)
    assert [(f.rule, f.location.file, f.location.line, f.units) for f in findings] == [
        ("RL142", "services/details/rollout.yaml", 21, ("Application argocd/details",))]
    project = pipeline.load_project(["."], cwd=root)
    assert sorted((r.name, r.namespace) for r in project.index.of_kind("Rollout")) == [("details", "details"), ("ratings", "ratings")]


def test_no_render_keeps_raw_linting(repo: Callable[[str], Path]) -> None:
    root = repo("remote-base")
    assert not [f for f in lint(root, render=False) if f.rule == "RL008"]
    (root / ".rolloutlint.yaml").write_text("render:\n  enabled: false\n", encoding="utf-8")
    assert not [f for f in lint(root) if f.rule == "RL008"]


def test_two_clusters_same_names_never_resolve_across_destinations(repo: Callable[[str], Path]) -> None:
    """clusters/eu and clusters/us define the same shop/reviews objects for two destinations: the broken
    DestinationRule of us is found for us's Rollout, and each Rollout draws only its own cluster's objects."""
    root = repo("clusters")
    findings = lint(root)
    assert where(findings, "RL310") == [("us/reviews.yaml", 28, ("Application argocd/reviews-us",))]
    project = pipeline.load_project(["."], cwd=root)
    from rolloutlint.plan.simulation import simulate_project

    results = simulate_project(project)
    drawn = {r["resource"]["unit"]: sorted({s["file"] for s in r["sources"]}) for r in results}
    assert drawn == {"Application argocd/reviews-eu": ["eu/istio.yaml"], "Application argocd/reviews-us": ["us/istio.yaml"]}
    # the same resolver: the us Rollout never finds the eu DestinationRule, even as a fallback
    from rolloutlint.core.index import closest

    us = next(r for r in project.index.of_kind("Rollout") if r.file.display == "us/reviews.yaml")
    eu_dr = [r for r in project.index.find("DestinationRule", "reviews", "shop") if r.file.display == "eu/istio.yaml"]
    assert closest(eu_dr, us, "shop") is None


@needs_kustomize
def test_renders_are_cached_by_content(repo: Callable[[str], Path]) -> None:
    root = repo("overlays")
    first = pipeline.load_project(["."], cwd=root).rendered
    assert (first.rendered_units, first.cache_hits) == (3, 0)
    again = pipeline.load_project(["."], cwd=root).rendered
    assert again.cache_hits == 3  # nothing changed: nothing rendered
    patch = root / "prod" / "rollout-patch.yaml"
    patch.write_text(patch.read_text(encoding="utf-8").replace("replicas: 5", "replicas: 6"), encoding="utf-8")
    changed = pipeline.load_project(["."], cwd=root)
    assert changed.rendered.cache_hits == 2  # only the overlay whose patch changed is rendered again
    prod = next(r for r in changed.index.of_kind("Rollout") if r.namespace == "prod")
    assert prod.body["spec"]["replicas"] == 6


@needs_kustomize
def test_debug_names_the_engines_and_units(repo: Callable[[str], Path]) -> None:
    from tests.cli_run import run

    _, out, err = run(["lint", "--debug", "."], cwd=repo("overlays"))
    assert "render engines: kustomize: kustomize" in err
    assert "unit kustomization prod: kustomize" in err
    assert "3 deployment unit(s) rendered (kustomize: kustomize" in out


@needs_helm
def test_multi_source_values_ref_and_values_object(repo: Callable[[str], Path]) -> None:
    """`$values/env/prod.yaml` comes from the `ref: values` source (this repository); the wrong weight is
    located in that file; `valuesObject` wins over value files; `releaseName` names the Rollout."""
    root = repo("multi-source")
    findings = lint(root)
    assert where(findings, "RL142") == [("env/prod.yaml", 2, ("Application argocd/web",))]
    (rollout,) = pipeline.load_project(["."], cwd=root).index.of_kind("Rollout")
    assert (rollout.name, rollout.namespace) == ("web-prod", "web")
    assert rollout.body["spec"]["template"]["spec"]["containers"][0]["image"] == "example.com/web:2.0.0"


def test_offline_chart_from_repository_is_reported(tmp_path: Path) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    (tmp_path / "app.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: mesh, namespace: argocd}\n"
        "spec:\n  source:\n    repoURL: https://charts.example.com\n    chart: istio-base\n    targetRevision: 1.22.0\n"
        "  destination: {server: https://kubernetes.default.svc, namespace: istio-system}\n")
    (hit,) = [f for f in lint(tmp_path) if f.rule == "RL008"]
    assert (hit.location.file, hit.location.line) == ("app.yaml", 7)
    assert "cannot render offline" in hit.message and "istio-base" in hit.message


def test_missing_engine_is_a_finding_not_a_silent_pass(repo: Callable[[str], Path]) -> None:
    root = repo("helm-app")
    (root / ".rolloutlint.yaml").write_text("render:\n  helm: none\n", encoding="utf-8")
    findings = lint(root)
    (hit,) = [f for f in findings if f.rule == "RL008"]
    assert hit.location.file == "apps/reviews.yaml" and "no Helm engine" in hit.message
    assert not [f for f in findings if f.rule in ("RL004", "RL005")]  # chart files are still the unit's


@needs_kustomize
def test_name_prefix_leaves_rollout_references_behind_and_says_why(repo: Callable[[str], Path]) -> None:
    # namePrefix renames the Services, but kustomize does not know a Rollout's canaryService/stableService.
    findings = [f for f in lint(repo("overlays")) if f.rule == "RL320"]
    assert sorted((f.location.file, f.location.line, f.units) for f in findings) == [
        ("base/rollout.yaml", 20, ("kustomization staging",)), ("base/rollout.yaml", 21, ("kustomization staging",))]
    assert all("kustomize renamed it to 'stg-reviews-" in f.message for f in findings)
    assert {r.message for f in findings for r in f.related} >= {"the Service as kustomize named it"}


@needs_helm
def test_a_chart_renders_with_its_file_dependency_copied_in(tmp_path: Path) -> None:
    from rolloutlint.pipeline import load_project

    from tests.render.test_units_parts import _local_dependency_repo

    _local_dependency_repo(tmp_path)
    (tmp_path / ".git").mkdir()
    project = load_project(["."], cwd=tmp_path)
    services = [r for r in project.index.of_kind("Service") if r.extra.get("unit") == "chart app"]
    assert [s.name for s in services] == ["app"]
    assert not any(p.rule_id == "RL008" for src in project.files for p in src.problems)
    assert not (tmp_path / "app" / "charts").exists()  # the repository is never written


@needs_kustomize
def test_simulate_an_overlay_directory_shows_the_rollouts_it_renders(repo: Callable[[str], Path],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Naming an overlay (it holds only a kustomization and patches) simulates the Rollouts it renders, each
    titled with its unit; naming the base simulates every overlay's."""
    from click.testing import CliRunner

    from rolloutlint.cli import cli

    monkeypatch.chdir(repo("overlays"))
    dev = CliRunner().invoke(cli, ["simulate", "dev"])
    base = CliRunner().invoke(cli, ["simulate", "base"])
    titles = [line for line in dev.output.splitlines() if line.startswith("Rollout ")]
    assert len(titles) == 1 and titles[0].split(": ")[0].endswith("in kustomization dev"), dev.output
    units = sorted(line.split(" in ")[1].split(":")[0] for line in base.output.splitlines() if line.startswith("Rollout "))
    assert units == ["kustomization dev", "kustomization prod", "kustomization staging"], base.output


@needs_helm
def test_an_object_from_a_library_template_is_located_in_its_definition(tmp_path: Path) -> None:
    """A chart whose template only includes a library chart's named template: findings point at the
    definition's lines in the library, not at the include."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "app" / "templates").mkdir(parents=True)
    (tmp_path / "lib" / "templates").mkdir(parents=True)
    (tmp_path / "app" / "Chart.yaml").write_text(
        "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n  - {name: lib, version: 1.0.0, repository: 'file://../lib'}\n")
    (tmp_path / "app" / "templates" / "rollout.yaml").write_text('{{ include "lib.rollout" . }}\n')
    (tmp_path / "lib" / "Chart.yaml").write_text("apiVersion: v2\nname: lib\ntype: library\nversion: 1.0.0\n")
    (tmp_path / "lib" / "templates" / "_other.tpl").write_text(
        '{{- define "lib.other" -}}\napiVersion: v1\nkind: Rollout\n{{- end -}}\n')  # not included: never chosen
    (tmp_path / "lib" / "templates" / "_rollout.tpl").write_text(
        '{{- define "lib.rollout" -}}\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n'
        "  name: {{ .Release.Name }}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: x}\n  template:\n"
        "    metadata:\n      labels: {app: x}\n    spec:\n      containers: [{name: x, image: 'example.com/x:1'}]\n"
        "  strategy:\n    canary:\n      steps:\n        - setWeight: 110\n        - pause: {}\n{{- end -}}\n")
    found = [f for f in lint(tmp_path) if f.rule == "RL142"]
    assert [(f.location.file, f.location.line) for f in found] == [("lib/templates/_rollout.tpl", 18)]


@needs_helm
def test_an_application_kept_inside_its_own_chart_is_still_linted(tmp_path: Path) -> None:
    """A chart deploys what its templates/ hold: an Application file elsewhere in the chart's tree is an object
    of the repository (the Argo CD rules check it), not a file the rendered objects replace."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "application").mkdir()
    (tmp_path / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (tmp_path / "values.yaml").write_text("x: 1\n")
    (tmp_path / "templates" / "all.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  replicas: 2\n"
        "  selector: {matchLabels: {app: r}}\n  template:\n    metadata: {labels: {app: r}}\n"
        "    spec: {containers: [{name: c, image: nginx}]}\n  strategy: {canary: {steps: [{setWeight: 20}]}}\n---\n"
        "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec:\n  maxReplicas: 6\n"
        "  minReplicas: 2\n  scaleTargetRef: {apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: r}\n")
    (tmp_path / "application" / "application.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a, namespace: argocd}\nspec:\n"
        "  project: default\n  source: {repoURL: 'https://example.com/r', targetRevision: HEAD, path: .}\n"
        "  destination: {server: 'https://kubernetes.default.svc', namespace: ns1}\n"
        "  syncPolicy: {automated: {prune: true, selfHeal: true}}\n")
    project = pipeline.load_project(["."], cwd=tmp_path)
    assert [r.name for r in project.index.of_kind("Application")] == ["a"]
    findings = lint(tmp_path)
    assert [(f.rule, f.location.file) for f in findings if f.rule == "RL606"] == [("RL606", "application/application.yaml")]
    assert not [f for f in findings if f.rule == "RL004"]  # values.yaml is the chart's, not a stray document


@needs_helm
def test_list_items_of_a_chart_are_located_on_their_own_lines(tmp_path: Path) -> None:
    """Items written one after another in a template are found on their own lines (not all on the first
    item's); items a `range` loop writes share the loop's line."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "Chart.yaml").write_text("apiVersion: v2\nname: c\nversion: 0.1.0\n")
    (tmp_path / "values.yaml").write_text("weights: [10, 120, 130]\n")
    head = ("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: {name}\nspec:\n  replicas: 2\n"
            "  selector: {{matchLabels: {{app: {name}}}}}\n  template:\n    metadata: {{labels: {{app: {name}}}}}\n"
            "    spec: {{containers: [{{name: c, image: nginx}}]}}\n  strategy:\n    canary:\n      steps:\n")
    (tmp_path / "templates" / "literal.yaml").write_text(
        head.format(name="a") + "      - setWeight: 20\n      - pause: {duration: 10s}\n      - setWeight: 150\n")
    (tmp_path / "templates" / "loop.yaml").write_text(
        head.format(name="b") + "      {{- range .Values.weights }}\n      - setWeight: {{ . }}\n      {{- end }}\n")
    found = sorted((f.location.file, f.location.line) for f in lint(tmp_path) if f.rule == "RL142")
    assert found == [("templates/literal.yaml", 16), ("templates/loop.yaml", 15), ("templates/loop.yaml", 15)]


@needs_kustomize
def test_naming_an_overlay_an_application_deploys_reports_what_it_renders(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """`lint overlays/prod` (a pre-commit run touching only the overlay) reports the findings of the objects
    that overlay renders, though the Rollout lies in a base outside it and an Application deploys it."""
    from click.testing import CliRunner

    from rolloutlint.cli import cli

    (tmp_path / ".git").mkdir()
    (tmp_path / "base").mkdir()
    (tmp_path / "overlays" / "prod").mkdir(parents=True)
    (tmp_path / "base" / "kustomization.yaml").write_text("resources: [rollout.yaml]\n")
    (tmp_path / "base" / "rollout.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: demo\nspec:\n  replicas: 2\n"
        "  selector:\n    matchLabels: {app: demo}\n  template:\n    metadata:\n      labels: {app: demo}\n"
        "    spec:\n      containers: [{name: demo, image: 'nginx:1.27.0'}]\n"
        "  strategy:\n    canary:\n      steps:\n        - setWeight: 150\n")
    (tmp_path / "overlays" / "prod" / "kustomization.yaml").write_text("namespace: prod\nresources: [../../base]\n")
    (tmp_path / "app.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: demo-prod, namespace: argocd}\n"
        "spec:\n  project: default\n  source: {repoURL: 'https://example.com/r.git', path: overlays/prod}\n"
        "  destination: {server: 'https://kubernetes.default.svc', namespace: prod}\n")
    monkeypatch.chdir(tmp_path)
    linted = CliRunner().invoke(cli, ["lint", "overlays/prod"])
    simulated = CliRunner().invoke(cli, ["simulate", "overlays/prod"])
    assert linted.exit_code == 1 and "base/rollout.yaml:17:22: error RL142" in linted.output, linted.output
    assert simulated.output.startswith("Rollout prod/demo (base/rollout.yaml:1) in Application argocd/demo-prod"), simulated.output


@needs_kustomize
def test_values_set_by_inline_patches_are_located_in_the_kustomization(tmp_path: Path) -> None:
    """An inline patch (`patches: - patch: |`, strategic merge or JSON 6902, appends included) is where the
    value it sets is written: findings point at its line in the kustomization, not at the base."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "base").mkdir()
    (tmp_path / "prod").mkdir()
    (tmp_path / "base" / "kustomization.yaml").write_text("resources: [rollout.yaml]\n")
    (tmp_path / "base" / "rollout.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: demo\nspec:\n  replicas: 2\n"
        "  selector:\n    matchLabels: {app: demo}\n  template:\n    metadata:\n      labels: {app: demo}\n"
        "    spec:\n      containers: [{name: demo, image: 'nginx:1.27.0'}]\n"
        "  strategy:\n    canary:\n      steps:\n        - setWeight: 20\n        - pause: {duration: 10s}\n")
    (tmp_path / "prod" / "kustomization.yaml").write_text(
        "resources: [../base]\n"
        "patches:\n"
        "  - target: {kind: Rollout, name: demo}\n"
        "    patch: |-\n"
        "      - op: replace\n"
        "        path: /spec/strategy/canary/steps/0/setWeight\n"
        "        value: 150\n"
        "      - op: add\n"
        "        path: /spec/strategy/canary/steps/-\n"
        "        value: {pause: {duration: 1x}}\n"
        "  - patch: |-\n"
        "      apiVersion: argoproj.io/v1alpha1\n"
        "      kind: Rollout\n"
        "      metadata:\n"
        "        name: demo\n"
        "      spec:\n"
        "        replicas: -1\n")
    found = {(f.rule, f.location.file, f.location.line, f.location.column) for f in lint(tmp_path)
             if f.rule in ("RL142", "RL143") or f.path == "spec.replicas"}
    assert ("RL142", "prod/kustomization.yaml", 7, 16) in found  # value: 150
    assert ("RL143", "prod/kustomization.yaml", 10, 35) in found  # the appended step's 1x
    assert any(f[1:3] == ("prod/kustomization.yaml", 17) for f in found), found  # replicas: -1 (strategic merge)


def test_remote_openapi_schema_is_reported_never_fetched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Argo Rollouts' kustomize docs point `openapi.path` at a schema URL: kustomize would fetch it. Reported on that
    line before any engine runs; the base the overlay includes is still no unit and no raw object of its own."""
    from rolloutlint.load.render import kustomize as kz

    monkeypatch.setattr(kz, "build", lambda *a, **k: pytest.fail("the engine ran"))
    (tmp_path / ".git").mkdir()
    (tmp_path / "base").mkdir()
    (tmp_path / "prod").mkdir()
    (tmp_path / "base" / "kustomization.yaml").write_text("resources: [rollout.yaml]\n")
    (tmp_path / "base" / "rollout.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec:\n  replicas: 2\n"
        "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
        "    spec: {containers: [{name: web, image: 'nginx:1.27.0'}]}\n")  # the strategy comes from the overlay
    (tmp_path / "prod" / "kustomization.yaml").write_text(
        "resources: [../base]\nopenapi:\n  path: https://raw.githubusercontent.com/argoproj/argo-schema-generator/"
        "main/schema/argo_all_k8s_kustomize_schema.json\npatches: [{path: strategy.yaml}]\n")
    (tmp_path / "prod" / "strategy.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec:\n  strategy:\n"
        "    canary: {steps: [{setWeight: 20}]}\n")
    findings = lint(tmp_path)
    assert [(f.rule, f.location.file, f.location.line) for f in findings] == [("RL008", "prod/kustomization.yaml", 3)]
    assert "commit a copy of the schema" in findings[0].message


def test_unrenderable_kustomization_without_patches_still_lints_its_resources(tmp_path: Path) -> None:
    """A kustomization that names Argo Rollouts' remote rollout-transform.yaml cannot be built offline; nothing
    patches its resources, so they are linted as written (the passing twin of the openapi test above, where a
    patch completes the base and its files are left alone)."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "kustomization.yaml").write_text(
        "resources: [rollout.yaml]\nconfigurations:\n"
        "  - https://argoproj.github.io/argo-rollouts/features/kustomize/rollout-transform.yaml\n")
    (tmp_path / "app" / "rollout.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: web}\nspec:\n  replicas: 2\n"
        "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
        "    spec: {containers: [{name: web, image: 'nginx:1.27.0'}]}\n  strategy:\n"
        "    canary: {steps: [{setWeight: 150}]}\n")
    assert sorted((f.rule, f.location.file) for f in lint(tmp_path)) == [
        ("RL008", "app/kustomization.yaml"), ("RL142", "app/rollout.yaml")]
