"""Applications that exist only once a unit is rendered (an app-of-apps chart, an overlay of ApplicationSets):
Argo CD applies them and deploys their sources with their parameters, so they are units too."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolloutlint import pipeline
from rolloutlint.core.findings import Finding
from tests.render.conftest import needs_helm, needs_kustomize

ROLLOUT_TEMPLATE = """apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: svc
spec:
  selector:
    matchLabels: {app: svc}
  template:
    metadata:
      labels: {app: svc}
    spec:
      containers:
        - name: svc
          image: nginx
  strategy:
    canary:
      steps:
        - setWeight: {{ .Values.weight }}
        - pause: {}
"""

CHILD_APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: svc-{{ .Values.env }}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: {{ .Values.repoURL }}
    targetRevision: HEAD
    path: svc
    helm:
      valueFiles:
        - values-{{ .Values.env }}.yaml
  destination:
    server: https://kubernetes.default.svc
    namespace: svc
"""


def write(root: Path, files: dict[str, str]) -> Path:
    (root / ".git").mkdir(exist_ok=True)
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def app_of_apps(root: Path, **more: str) -> Path:
    """A chart `apps` whose template is an Application deploying chart `svc` with values-prod.yaml, which
    sets a weight the controller rejects (its default values do not)."""
    return write(root, {
        "apps/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 0.1.0\n",
        "apps/values.yaml": "repoURL: https://github.com/example/aoa.git\nenv: prod\n",
        "apps/templates/svc.yaml": CHILD_APP,
        "svc/Chart.yaml": "apiVersion: v2\nname: svc\nversion: 0.1.0\n",
        "svc/values.yaml": "weight: 20\n",
        "svc/values-prod.yaml": "weight: 120\n",
        "svc/templates/rollout.yaml": ROLLOUT_TEMPLATE,
        **more,
    })


def lint(root: Path) -> tuple[list[Finding], list[str]]:
    project = pipeline.load_project(["."], cwd=root)
    units = [u.name for u in project.rendered.units] if project.rendered is not None else []
    return pipeline.lint_project(project).findings, units


@needs_helm
def test_an_application_a_chart_renders_deploys_its_chart_with_its_values(tmp_path: Path) -> None:
    findings, units = lint(app_of_apps(tmp_path))
    assert units == ["Application argocd/svc-prod", "chart apps"]  # `svc` is not also rendered standalone
    bad = [f for f in findings if f.rule == "RL142"]
    assert [(f.location.file, f.location.line, f.units) for f in bad] == \
        [("svc/values-prod.yaml", 1, ("Application argocd/svc-prod",))]
    # the Application is named where it is written: the line of its `path` in the template
    assert [(r.location.file, r.location.line) for r in bad[0].related if r.location is not None and
            "rendered by" in r.message] == [("apps/templates/svc.yaml", 11)]


@needs_helm
def test_without_the_rendered_application_the_chart_renders_with_its_defaults(tmp_path: Path) -> None:
    """The passing twin: the same charts with no Application template; `svc` renders standalone, weight 20."""
    app_of_apps(tmp_path)
    (tmp_path / "apps" / "templates" / "svc.yaml").unlink()
    findings, units = lint(tmp_path)
    assert units == ["chart apps", "chart svc"]
    assert not [f for f in findings if f.rule == "RL142"]


@needs_helm
def test_the_argocd_rules_see_what_a_rendered_application_deploys(tmp_path: Path) -> None:
    """RL606 links a rendered Application (selfHeal) to the HPA-scaled Rollout its chart deploys."""
    app = CHILD_APP + "  syncPolicy:\n    automated: {selfHeal: true}\n"
    hpa = ("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec:\n  maxReplicas: 6\n"
           "  minReplicas: 2\n  scaleTargetRef: {apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: svc}\n")
    app_of_apps(tmp_path, **{"apps/templates/svc.yaml": app, "svc/values-prod.yaml": "weight: 30\n",
                             "svc/templates/hpa.yaml": hpa,
                             "svc/templates/rollout.yaml": ROLLOUT_TEMPLATE.replace("spec:\n", "spec:\n  replicas: 2\n", 1)})
    findings, _ = lint(tmp_path)
    assert [(f.rule, f.location.file) for f in findings if f.rule == "RL606"] == [("RL606", "apps/templates/svc.yaml")]


@needs_helm
def test_a_root_application_that_deploys_its_own_chart_is_that_charts_unit(tmp_path: Path) -> None:
    """A self-managed root: chart `apps` renders Application `root`, which deploys `apps` itself. Argo CD renders
    the chart as `root` does (its release name), and the rendering ends there; the Argo CD rules see `root`'s
    objects as its own (RL606 on the root's own HPA-scaled Rollout)."""
    root_app = CHILD_APP.replace("svc-{{ .Values.env }}", "root").replace("path: svc", "path: apps")
    root_app = root_app.replace("    helm:\n      valueFiles:\n        - values-{{ .Values.env }}.yaml\n", "")
    root_app += "  syncPolicy:\n    automated: {selfHeal: true}\n"
    hpa = ("apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\nspec:\n  maxReplicas: 6\n"
           "  minReplicas: 2\n  scaleTargetRef: {apiVersion: argoproj.io/v1alpha1, kind: Rollout, name: {{ .Release.Name }}}\n")
    findings, units = lint(app_of_apps(tmp_path, **{
        "apps/templates/root.yaml": root_app, "apps/templates/hpa.yaml": hpa,
        "apps/templates/rollout.yaml": ROLLOUT_TEMPLATE.replace("name: svc", "name: {{ .Release.Name }}").replace(
            "spec:\n", "spec:\n  replicas: 2\n", 1).replace("{{ .Values.weight }}", "10")}))
    assert units == ["Application argocd/root", "Application argocd/svc-prod"]
    assert [f.rule for f in findings if f.rule == "RL142"] == ["RL142"]
    assert [(f.location.file, f.resource.name if f.resource else None) for f in findings if f.rule == "RL606"] == [
        ("apps/templates/root.yaml", "root")]


@needs_helm
def test_charts_deploying_each_other_end(tmp_path: Path) -> None:
    """A cycle of Applications (a deploys b, b deploys a) stops after a bounded number of rounds."""
    def app(name: str, path: str) -> str:
        return CHILD_APP.replace("svc-{{ .Values.env }}", name).replace("path: svc", f"path: {path}").replace(
            "    helm:\n      valueFiles:\n        - values-{{ .Values.env }}.yaml\n", "")

    write(tmp_path, {
        "a/Chart.yaml": "apiVersion: v2\nname: a\nversion: 0.1.0\n", "a/values.yaml": "repoURL: r\n",
        "a/templates/b.yaml": app("to-b", "b"),
        "b/Chart.yaml": "apiVersion: v2\nname: b\nversion: 0.1.0\n", "b/values.yaml": "repoURL: r\n",
        "b/templates/a.yaml": app("to-a", "a"),
    })
    findings, units = lint(tmp_path)
    assert sorted(units) == ["Application argocd/to-a", "Application argocd/to-b"]
    assert not [f for f in findings if f.severity.value == "error"]


APPSET = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: infrastructure
  namespace: argocd
spec:
  goTemplate: true
  generators:
    - list:
        elements: []
  template:
    metadata:
      name: "infra-{{ .name }}"
    spec:
      project: default
      source:
        repoURL: https://github.com/example/aoa.git
        targetRevision: HEAD
        path: "{{ .path }}"
      destination:
        server: https://kubernetes.default.svc
        namespace: "{{ .name }}"
"""

ACTIVATION = """apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: infrastructure
  namespace: argocd
spec:
  generators:
    - list:
        elements:
          - name: mesh
            path: infra/mesh
"""

ROLLOUT = ROLLOUT_TEMPLATE.replace("{{ .Values.weight }}", "150")


@needs_kustomize
def test_an_overlay_fills_in_an_applicationset_whose_applications_are_units(tmp_path: Path) -> None:
    """A per-cluster overlay patches the elements of a shared ApplicationSet's list generator: the Application
    it generates deploys infra/mesh (which no written Application names)."""
    write(tmp_path, {
        "clusters/base/kustomization.yaml": "resources: [infrastructure.yaml]\n",
        "clusters/base/infrastructure.yaml": APPSET,
        "clusters/kind/kustomization.yaml": "resources: [../base]\npatches:\n  - path: activation.yaml\n",
        "clusters/kind/activation.yaml": ACTIVATION,
        "infra/mesh/kustomization.yaml": "resources: [rollout.yaml]\n",
        "infra/mesh/rollout.yaml": ROLLOUT,
    })
    findings, units = lint(tmp_path)
    assert "Application argocd/infra-mesh" in units and "kustomization infra/mesh" not in units
    bad = [f for f in findings if f.rule == "RL142"]
    assert [(f.location.file, f.location.line, f.units) for f in bad] == \
        [("infra/mesh/rollout.yaml", 18, ("Application argocd/infra-mesh",))]


@needs_kustomize
def test_an_application_failing_on_a_kustomization_entry_points_at_that_entry(tmp_path: Path) -> None:
    write(tmp_path, {
        "app.yaml": APPSET.replace("ApplicationSet", "Application").replace(
            "  goTemplate: true\n  generators:\n    - list:\n        elements: []\n  template:\n    metadata:\n"
            "      name: \"infra-{{ .name }}\"\n    spec:\n", "").replace("\n      ", "\n  ").replace(
            "{{ .path }}", "infra/mesh").replace("\"{{ .name }}\"", "mesh"),
        "infra/mesh/kustomization.yaml": "resources:\n  - rollout.yaml\n  - missing.yaml\n",
        "infra/mesh/rollout.yaml": ROLLOUT,
    })
    findings, units = lint(tmp_path)
    assert units == ["Application argocd/infrastructure"]
    assert [(f.location.file, f.location.line) for f in findings if f.rule == "RL008"] == \
        [("infra/mesh/kustomization.yaml", 3)]


@needs_helm
def test_naming_the_template_reports_what_its_values_break(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pre-commit run that stages only the chart template reports the finding its rendered Rollout has, though
    the finding points at the values file that set the value; naming an unrelated file reports nothing."""
    from click.testing import CliRunner

    from rolloutlint.cli import cli

    app_of_apps(tmp_path, **{"svc/templates/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"})
    monkeypatch.chdir(tmp_path)
    named = CliRunner().invoke(cli, ["lint", "svc/templates/rollout.yaml"])
    other = CliRunner().invoke(cli, ["lint", "svc/templates/configmap.yaml"])
    assert named.exit_code == 1 and "svc/values-prod.yaml:1:9: error RL142" in named.output, named.output
    assert other.exit_code == 0, other.output


BASE_APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: svc, namespace: argocd}
spec:
  project: default
  destination: {namespace: base, server: https://kubernetes.default.svc}
  source:
    repoURL: https://example.com/r.git
    path: svc
    helm:
      valueFiles: [values-base.yaml]
"""

PROD_PATCH = """resources: [../base]
patches:
  - target: {kind: Application}
    patch: |-
      - op: replace
        path: /spec/source/helm/valueFiles/0
        value: values-prod.yaml
"""


@needs_kustomize
@needs_helm
@pytest.mark.parametrize(("base", "prod", "expected"), [("150", "20", []), ("20", "150", [("svc/values-prod.yaml", 1)])])
def test_an_application_in_a_kustomize_base_is_deployed_only_as_its_overlays_render_it(
        tmp_path: Path, base: str, prod: str, expected: list[tuple[str, int]]) -> None:
    """Argo CD applies what the overlay renders (its patched valueFiles), never the base's Application as written."""
    write(tmp_path, {
        "apps/base/kustomization.yaml": "resources: [app.yaml]\n", "apps/base/app.yaml": BASE_APP,
        "apps/prod/kustomization.yaml": PROD_PATCH,
        "root.yaml": CHILD_APP.replace("svc-{{ .Values.env }}", "root").replace("{{ .Values.repoURL }}", "r")
        .replace("path: svc", "path: apps/prod").replace(
            "    helm:\n      valueFiles:\n        - values-{{ .Values.env }}.yaml\n", ""),
        "svc/Chart.yaml": "apiVersion: v2\nname: svc\nversion: 0.1.0\n", "svc/values.yaml": "weight: 20\n",
        "svc/values-base.yaml": f"weight: {base}\n", "svc/values-prod.yaml": f"weight: {prod}\n",
        "svc/templates/rollout.yaml": ROLLOUT_TEMPLATE,
    })
    findings, units = lint(tmp_path)
    assert sorted(units) == ["Application argocd/root", "Application argocd/svc"]
    assert [(f.location.file, f.location.line) for f in findings if f.rule == "RL142"] == expected


@needs_helm
def test_an_app_of_apps_chart_deploying_itself_again_with_other_values_is_followed(tmp_path: Path) -> None:
    """A nested app-of-apps: the root deploys chart `aoa`, which renders Application `group1` deploying `aoa` again
    with other values, which renders `foo` deploying `svc`. Only an Application that renders itself ends there."""
    aoa = ("{{- range $name, $p := .Values.children }}\n---\n" + CHILD_APP.replace("svc-{{ .Values.env }}", "{{ $name }}")
           .replace("{{ .Values.repoURL }}", "r").replace("path: svc", "path: charts/{{ $p.chart }}")
           .replace("values-{{ .Values.env }}.yaml", "../../overrides/{{ $name }}.yaml") + "{{- end }}\n")
    root = CHILD_APP.replace("svc-{{ .Values.env }}", "root").replace("{{ .Values.repoURL }}", "r").replace(
        "path: svc", "path: charts/aoa").replace("values-{{ .Values.env }}.yaml", "../../overrides/root.yaml")
    write(tmp_path, {
        "bootstrap/root.yaml": root,
        "charts/aoa/Chart.yaml": "apiVersion: v2\nname: aoa\nversion: 0.1.0\n", "charts/aoa/templates/apps.yaml": aoa,
        "charts/svc/Chart.yaml": "apiVersion: v2\nname: svc\nversion: 0.1.0\n", "charts/svc/values.yaml": "weight: 20\n",
        "charts/svc/templates/rollout.yaml": ROLLOUT_TEMPLATE,
        "overrides/root.yaml": "children:\n  group1: {chart: aoa}\n",
        "overrides/group1.yaml": "children:\n  foo: {chart: svc}\n",
        "overrides/foo.yaml": "weight: 150\n",
    })
    findings, units = lint(tmp_path)
    assert units == ["Application argocd/root", "Application argocd/group1", "Application argocd/foo"]
    assert [(f.location.file, f.location.line, f.units) for f in findings if f.rule == "RL142"] == [
        ("overrides/foo.yaml", 1, ("Application argocd/foo",))]


@needs_helm
def test_naming_one_child_chart_reports_only_what_touches_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A partial lint (pre-commit) of chart `a` must not fail on chart `b`, which the same app-of-apps deploys."""
    from click.testing import CliRunner

    from rolloutlint.cli import cli

    apps = {f"apps/templates/{n}.yaml": CHILD_APP.replace("svc-{{ .Values.env }}", n).replace("path: svc", f"path: {n}")
            .replace("    helm:\n      valueFiles:\n        - values-{{ .Values.env }}.yaml\n", "") for n in ("a", "b")}
    write(tmp_path, {
        "apps/Chart.yaml": "apiVersion: v2\nname: apps\nversion: 0.1.0\n", "apps/values.yaml": "repoURL: r\n", **apps,
        **{f"{n}/Chart.yaml": f"apiVersion: v2\nname: {n}\nversion: 0.1.0\n" for n in ("a", "b")},
        **{f"{n}/templates/rollout.yaml": ROLLOUT_TEMPLATE for n in ("a", "b")},
        "a/values.yaml": "weight: 20\n", "b/values.yaml": "weight: 150\n",
    })
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["lint", "a"]).exit_code == 0
    assert "Rollout svc" in CliRunner().invoke(cli, ["simulate", "a"]).output
    assert CliRunner().invoke(cli, ["simulate", "a"]).output.count("Rollout ") == 1
    named_b = CliRunner().invoke(cli, ["lint", "b"])
    assert named_b.exit_code == 1 and "b/values.yaml:1:9: error RL142" in named_b.output, named_b.output


@needs_helm
@pytest.mark.parametrize("values", ["svc/values-prod.yaml", "envs/prod/values.yaml"])
def test_naming_a_values_file_reports_what_the_applications_reading_it_render(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, values: str) -> None:
    """pre-commit passes the edited values file alone: the Application that reads it (beside the chart or from
    another directory) is loaded and renders with it, and the finding in it is reported."""
    from click.testing import CliRunner

    from rolloutlint.cli import cli

    app = CHILD_APP.replace("svc-{{ .Values.env }}", "svc-prod").replace("{{ .Values.repoURL }}", "r").replace(
        "values-{{ .Values.env }}.yaml", "values-prod.yaml" if values.startswith("svc/") else "../envs/prod/values.yaml")
    write(tmp_path, {
        "argocd/app.yaml": app, "svc/Chart.yaml": "apiVersion: v2\nname: svc\nversion: 0.1.0\n",
        "svc/values.yaml": "weight: 20\n", "svc/templates/rollout.yaml": ROLLOUT_TEMPLATE, values: "weight: 150\n",
    })
    monkeypatch.chdir(tmp_path)
    named = CliRunner().invoke(cli, ["lint", values])
    assert named.exit_code == 1 and f"{values}:1:9: error RL142" in named.output, named.output
    assert CliRunner().invoke(cli, ["lint", "svc/values.yaml"]).exit_code == 0


@needs_helm
def test_a_rendered_applicationset_that_needs_a_cluster_is_said_unchecked(tmp_path: Path) -> None:
    appset = ("apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: svcs, namespace: argocd}\n"
              "spec:\n  generators:\n    - clusters: {}\n  template:\n    metadata: {name: 'svc-{{`{{name}}`}}'}\n"
              "    spec:\n      project: default\n      destination: {namespace: svc, server: '{{`{{server}}`}}'}\n"
              "      source: {repoURL: r, path: svc}\n")
    write(tmp_path, {"boot/Chart.yaml": "apiVersion: v2\nname: boot\nversion: 0.1.0\n", "boot/templates/appset.yaml": appset})
    findings, units = lint(tmp_path)
    assert units == ["chart boot"]  # the template is the chart's; no ApplicationSet is written in the repository
    assert [(f.rule, f.location.file, f.location.line) for f in findings] == [("RL008", "boot/templates/appset.yaml", 5)]


@needs_helm
def test_values_inserted_with_to_yaml_are_located_in_the_values_file(tmp_path: Path) -> None:
    """`steps: {{ toYaml .Values.steps | nindent 8 }}`: each step is reported on its values line."""
    template = ROLLOUT_TEMPLATE.replace("      steps:\n        - setWeight: {{ .Values.weight }}\n        - pause: {}\n",
                                        "      steps:\n        {{- toYaml .Values.canary.steps | nindent 8 }}\n")
    write(tmp_path, {
        "svc/Chart.yaml": "apiVersion: v2\nname: svc\nversion: 0.1.0\n", "svc/templates/rollout.yaml": template,
        "svc/values.yaml": "canary:\n  steps:\n    - setWeight: 20\n    - pause: {duration: 1x}\n    - setWeight: 130\n",
    })
    findings, _ = lint(tmp_path)
    assert sorted((f.rule, f.location.file, f.location.line) for f in findings if f.rule in ("RL142", "RL143")) == [
        ("RL142", "svc/values.yaml", 5), ("RL143", "svc/values.yaml", 4)]
