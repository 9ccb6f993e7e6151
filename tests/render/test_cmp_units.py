"""`cmp generate` builds the application as a deployment unit, through the code `lint` uses: findings on rendered
objects point at the base, patch or values line; what it prints is the engine's own output, byte for byte."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import yaml

from rolloutlint import pipeline
from rolloutlint.load.render.engines import find_engines
from rolloutlint.load.render.units import plugin_unit
from tests.integrations.helpers import write_tree
from tests.integrations.test_cmp import argocd_env, generate
from tests.render.conftest import needs_helm, needs_kustomize


def env(cache: Path, source_path: str, name: str, namespace: str, **extra: str) -> dict[str, str]:
    out = argocd_env(source_path, ARGOCD_APP_NAME=name, ARGOCD_APP_NAMESPACE=namespace, **extra)
    out["ROLLOUTLINT_RENDER_CACHE"] = str(cache)  # never the user's cache
    return out


def kustomize_directly(app: Path) -> bytes:
    engine = find_engines("auto", "auto").kustomize
    assert engine is not None
    return subprocess.run([*engine.command, "."], cwd=app, capture_output=True, check=True, timeout=120).stdout


@needs_kustomize
def test_overlay_finding_points_at_the_patch_line_and_output_is_the_engines(
        repo: Callable[[str], Path], _render_cache: Path) -> None:
    root = repo("overlays")
    (root / "base/rollout.yaml").write_text((root / "base/rollout.yaml").read_text().replace("setWeight: 120",
                                                                                               "setWeight: 20"))
    (root / "prod/kustomization.yaml").write_text("namespace: prod\nresources:\n  - ../base\npatches:\n"
                                                  "  - path: rollout-patch.yaml\n")
    patch = root / "prod/rollout-patch.yaml"
    patch.write_text(patch.read_text() + "  strategy:\n    canary:\n      steps:\n        - setWeight: 150\n")
    app = root / "prod"
    proc = generate(app, env(_render_cache, "prod", "reviews-prod", "prod"))
    err = proc.stderr.decode()
    assert proc.returncode == 1 and proc.stdout == b"", err
    assert "prod/rollout-patch.yaml:10:22: error RL142 set-weight-out-of-range" in err
    assert "base/rollout.yaml" not in err  # the base is fine once the patch's steps replace its own
    assert "config.kubernetes.io" not in err

    patch.write_text(patch.read_text().replace("setWeight: 150", "setWeight: 50"))
    proc = generate(app, env(_render_cache, "prod", "reviews-prod", "prod"))
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == kustomize_directly(app)  # what Argo CD would apply, unchanged
    assert b"config.kubernetes.io" not in proc.stdout  # no build metadata in what is printed
    rollout = next(d for d in yaml.safe_load_all(proc.stdout) if d["kind"] == "Rollout")
    assert rollout["spec"]["replicas"] == 5 and rollout["metadata"]["namespace"] == "prod"


@needs_kustomize
def test_shared_base_defect_is_reported_for_this_application_only(repo: Callable[[str], Path], _render_cache: Path) -> None:
    """Three overlays include the base: generating prod names prod's Rollout, not another overlay's, and
    leaves out what only staging's namePrefix breaks."""
    root = repo("overlays")
    proc = generate(root / "prod", env(_render_cache, "prod", "reviews-prod", "prod"))
    err = proc.stderr.decode()
    assert proc.returncode == 1
    assert "base/rollout.yaml:29:22: error RL142 set-weight-out-of-range" in err and "[Rollout prod/reviews]" in err
    assert "base/rollout.yaml:20:22: error RL321" in err  # prod's commonLabels against the pod template
    assert "RL320" not in err and "stg-" not in err and "dev/" not in err


@needs_kustomize
def test_sort_options_of_the_application_are_honoured_in_the_output(tmp_path: Path, _render_cache: Path) -> None:
    """The linted build goes through a wrapper kustomization (origins); the printed one is the directory's own
    build, whose root-only settings apply."""
    app = write_tree(tmp_path / "repo" / "app", {
        "kustomization.yaml": "resources: [svc.yaml, ns.yaml]\nsortOptions:\n  order: fifo\n",
        "svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80}]\n",
        "ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: web}\n",
    }, config="select: [RL0]\n")
    proc = generate(app, env(_render_cache, "app", "web", "web"))
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == kustomize_directly(app)
    assert [d["kind"] for d in yaml.safe_load_all(proc.stdout)] == ["Service", "Namespace"]


@needs_helm
def test_chart_value_finding_is_in_the_values_file_and_output_is_the_rendered_templates(
        repo: Callable[[str], Path], _render_cache: Path) -> None:
    root = repo("helm-app")
    values = root / "charts/reviews/values.yaml"
    values.write_text(values.read_text().replace("canary: canary", "canary: canry"))
    app = root / "charts/reviews"
    proc = generate(app, env(_render_cache, "charts/reviews", "reviews", "shop"))
    err = proc.stderr.decode()
    assert proc.returncode == 1 and proc.stdout == b"", err
    assert "charts/reviews/values.yaml:4:" in err and "RL310" in err

    values.write_text(values.read_text().replace("canary: canry", "canary: canary"))
    proc = generate(app, env(_render_cache, "charts/reviews", "reviews", "shop"))
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == _helm_directly(app, "reviews", "shop")
    docs = list(yaml.safe_load_all(proc.stdout))
    assert sorted(d["kind"] for d in docs) == ["DestinationRule", "Rollout", "Service", "VirtualService"]
    assert next(d for d in docs if d["kind"] == "Rollout")["spec"]["replicas"] == 2  # the chart's values.yaml


def _helm_directly(chart: Path, release: str, namespace: str) -> bytes:
    """The engine run by hand: `helm template` when a helm binary is installed, else the SDK's rendered templates,
    each as the SDK returned it."""
    engine = find_engines("auto", "auto").helm
    assert engine is not None
    if engine.binary is not None:
        return subprocess.run([engine.binary, "template", release, str(chart), "--include-crds", "--namespace",
                               namespace], capture_output=True, check=True, timeout=120).stdout
    import helm_python

    loaded = helm_python.Chart.load(str(chart))
    rendered = loaded.render({}, name=release, namespace=namespace, is_install=True)
    out = ""
    for template, text in sorted(rendered.items()):
        if template.endswith(".yaml") and text.strip():
            out += f"---\n# Source: {template}\n{text}" + ("" if text.endswith("\n") else "\n")
    return out.encode()


def test_plain_directory_is_a_unit_with_the_destination_namespace(tmp_path: Path, _render_cache: Path) -> None:
    root = tmp_path / "repo"
    app = write_tree(root / "apps/web", {
        "rollout.yaml": ("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: web\nspec:\n"
                         "  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n"
                         "    spec: {containers: [{name: web, image: web:1}]}\n  strategy:\n    canary:\n"
                         "      steps:\n        - setWeight: 20  # the canary\n"),
        "old/rollout.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: old}\n",
    }, config="select: [RL0, RL1]\n")
    proc = generate(app, env(_render_cache, "apps/web", "web", "shop"))
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == b"---\n" + (app / "rollout.yaml").read_bytes()  # as written, comment included
    (app / "rollout.yaml").write_text((app / "rollout.yaml").read_text().replace("setWeight: 20", "setWeight: 200"))
    proc = generate(app, env(_render_cache, "apps/web", "web", "shop"))
    assert proc.returncode == 1 and b"apps/web/rollout.yaml:13:22: error RL142" in proc.stderr

    unit = plugin_unit(app, "directory", "web", "shop", {"directory": {"recurse": False}})
    project = pipeline.load_project([str(root)], cwd=root, focus=unit)
    (ro,) = project.index.of_kind("Rollout")
    assert (ro.namespace, ro.extra["unit"], ro.extra["destination"]) == ("shop", "Application web", (None, "shop"))
    assert project.rendered.unit_inputs["Application web"] == {(app / "rollout.yaml").resolve()}
    findings = pipeline.lint_project(project).findings
    assert [(f.rule, f.location.file, f.location.line, f.units) for f in findings if f.rule == "RL142"] == [
        ("RL142", "apps/web/rollout.yaml", 13, ("Application web",))]


@needs_kustomize
def test_render_failure_fails_generation_with_the_engines_message(tmp_path: Path, _render_cache: Path) -> None:
    app = write_tree(tmp_path / "repo" / "app", {"kustomization.yaml": "resources: [missing.yaml]\n"},
                     config="select: [RL0]\n")
    proc = generate(app, env(_render_cache, "app", "web", "web", PARAM_MODE="warn"))
    err = proc.stderr.decode()
    assert proc.returncode == 1 and proc.stdout == b"", err
    assert "app/kustomization.yaml:1:1: warning RL008" in err and "missing.yaml" in err
    assert "failing because the application could not be rendered" in err


def test_plugin_unit_sees_applications_of_its_namespace_on_any_cluster_form(tmp_path: Path,
                                                                            _render_cache: Path) -> None:
    """The plugin is not told the cluster: the repository's Applications deploying to its namespace are in
    scope (`https://kubernetes.default.svc` and `in-cluster` are one cluster); another namespace's never."""
    from tests.test_ambiguous_reference import ROLLOUT, application, vs

    root = write_tree(tmp_path / "repo", {"apps/reviews/rollout.yaml": ROLLOUT, "routes/vs.yaml": vs(100),
                                          "argocd/routes.yaml": application("routes", "routes", "shop")},
                      config="select: [RL301]\n")
    unit = plugin_unit(root / "apps/reviews", "directory", "reviews", "shop", {"directory": {"recurse": False}})

    def rl301(focus_namespace: str) -> list[str]:
        unit.destination = (None, focus_namespace)
        project = pipeline.load_project([str(root)], cwd=root, focus=unit)
        return [f.rule for f in pipeline.lint_project(project).findings if "Application reviews" in f.units]

    assert rl301("shop") == []  # drawn from Application argocd/routes
    assert rl301("other") == ["RL301"]  # another destination: never
