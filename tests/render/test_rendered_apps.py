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
def test_a_root_application_that_deploys_its_own_chart_ends(tmp_path: Path) -> None:
    root_app = CHILD_APP.replace("svc-{{ .Values.env }}", "root").replace("path: svc", "path: apps")
    root_app = root_app.replace("    helm:\n      valueFiles:\n        - values-{{ .Values.env }}.yaml\n", "")
    findings, units = lint(app_of_apps(tmp_path, **{"apps/templates/root.yaml": root_app}))
    assert units == ["Application argocd/svc-prod", "chart apps"]
    assert [f.rule for f in findings if f.rule == "RL142"] == ["RL142"]


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
