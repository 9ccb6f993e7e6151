"""The pieces of unit discovery and rendering that need no engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolloutlint.load.render.appset import generated_applications
from rolloutlint.load.render.engines import clean_message, offline_env
from rolloutlint.load.render.kustomize import OfflineError, is_remote, reads, wrapper


@pytest.mark.parametrize("ref, remote", [
    ("../base", False), ("base/rollout.yaml", False), ("https://github.com/x/y//base?ref=v1", True),
    ("github.com/x/y/base?ref=main", True), ("git@github.com:x/y.git", True), ("git::https://x/y", True),
    ("./overlay?timeout=90", True),
])
def test_remote_references(ref: str, remote: bool) -> None:
    assert is_remote(ref) is remote


def test_list_generator_and_go_templates(tmp_path: Path) -> None:
    appset = {"spec": {"goTemplate": True, "generators": [{"list": {"elements": [{"env": "dev"}, {"env": "prod"}]}}],
                       "template": {"metadata": {"name": "web-{{.env}}"},
                                    "spec": {"source": {"path": "overlays/{{ .env }}"},
                                             "destination": {"namespace": "{{.env}}"}}}}}
    apps = generated_applications(appset, tmp_path)
    assert [(a["metadata"]["name"], a["spec"]["source"]["path"]) for a in apps] == [
        ("web-dev", "overlays/dev"), ("web-prod", "overlays/prod")]


def test_matrix_and_merge_generators(tmp_path: Path) -> None:
    for env in ("dev", "prod"):
        (tmp_path / "envs" / env).mkdir(parents=True)
    template = {"metadata": {"name": "{{app}}-{{path.basename}}"}, "spec": {"source": {"path": "{{path}}"},
                                                                           "destination": {"namespace": "{{ns}}"}}}
    matrix = {"spec": {"generators": [{"matrix": {"generators": [
        {"list": {"elements": [{"app": "web", "ns": "shop"}, {"app": "api", "ns": "shop"}]}},
        {"git": {"directories": [{"path": "envs/*"}]}}]}}], "template": template}}
    apps = generated_applications(matrix, tmp_path)
    assert sorted(a["metadata"]["name"] for a in apps) == ["api-dev", "api-prod", "web-dev", "web-prod"]
    merge = {"spec": {"generators": [{"merge": {"mergeKeys": ["app"], "generators": [
        {"list": {"elements": [{"app": "web", "ns": "default", "path": "envs/dev", "path.basename": "dev"},
                               {"app": "api", "ns": "default", "path": "envs/prod", "path.basename": "prod"}]}},
        {"list": {"elements": [{"app": "web", "ns": "shop"}]}}]}}], "template": template}}
    assert sorted((a["metadata"]["name"], a["spec"]["destination"]["namespace"]) for a in generated_applications(merge, tmp_path)) == [
        ("api-prod", "default"), ("web-dev", "shop")]


def test_generators_that_need_a_cluster_are_named(tmp_path: Path) -> None:
    from rolloutlint.load.render.appset import expand

    appset = {"spec": {"generators": [{"list": {"elements": [{"app": "web"}]}}, {"clusters": {}},
                                      {"matrix": {"generators": [{"clusters": {}}, {"list": {"elements": [{"a": 1}]}}]}}],
                       "template": {"metadata": {"name": "{{app}}"}, "spec": {}}}}
    apps, skipped = expand(appset, tmp_path)
    assert [a["metadata"]["name"] for a in apps] == ["web"]
    assert skipped == [(1, "clusters"), (2, "clusters")]


def test_an_unexpanded_generator_is_reported_where_it_is_written(tmp_path: Path) -> None:
    from rolloutlint.pipeline import load_project

    (tmp_path / ".git").mkdir()
    (tmp_path / "appset.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: all-clusters}\nspec:\n"
        "  generators:\n    - clusters: {}\n  template:\n    metadata: {name: '{{name}}-web'}\n"
        "    spec: {source: {repoURL: x, path: web}, destination: {server: '{{server}}', namespace: web}}\n")
    project = load_project(["."], cwd=tmp_path)
    problems = [(p.rule_id, p.line) for src in project.files for p in src.problems]
    assert problems == [("RL008", 6)]


def test_git_files_generator(tmp_path: Path) -> None:
    for name in ("eu", "us"):
        (tmp_path / "clusters" / name).mkdir(parents=True)
        (tmp_path / "clusters" / name / "config.json").write_text(f'{{"cluster": {{"name": "{name}-1"}}}}')
    appset = {"spec": {"generators": [{"git": {"files": [{"path": "clusters/*/config.json"}]}}],
                       "template": {"metadata": {"name": "{{cluster.name}}"},
                                    "spec": {"source": {"path": "{{path}}"}}}}}
    apps = generated_applications(appset, tmp_path)
    assert [(a["metadata"]["name"], a["spec"]["source"]["path"]) for a in apps] == [
        ("eu-1", "clusters/eu"), ("us-1", "clusters/us")]


def test_git_directories_exclude(tmp_path: Path) -> None:
    for name in ("a", "b", "skip"):
        (tmp_path / "apps" / name).mkdir(parents=True)
    appset = {"spec": {"generators": [{"git": {"directories": [{"path": "apps/*"}, {"path": "apps/skip", "exclude": True}]}}],
                       "template": {"metadata": {"name": "{{path.basename}}"}, "spec": {"source": {"path": "{{path}}"}}}}}
    assert [a["metadata"]["name"] for a in generated_applications(appset, tmp_path)] == ["a", "b"]


def test_reads_follows_bases_components_and_patches(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "kustomization.yaml").write_text("resources: [ro.yaml]\n")
    (tmp_path / "base" / "ro.yaml").write_text("kind: Rollout\n")
    (tmp_path / "overlay").mkdir()
    (tmp_path / "overlay" / "kustomization.yaml").write_text(
        "resources: [../base]\npatches:\n  - path: p.yaml\npatchesStrategicMerge: [q.yaml]\n")
    (tmp_path / "overlay" / "p.yaml").write_text("kind: Rollout\n")
    (tmp_path / "overlay" / "q.yaml").write_text("kind: Rollout\n")
    got = reads(tmp_path / "overlay")
    assert {p.name for p in got.files} == {"ro.yaml", "p.yaml", "q.yaml"}
    assert {p.name for p in got.as_patch} == {"p.yaml", "q.yaml"}
    assert got.directories == {(tmp_path / "base").resolve(), (tmp_path / "overlay").resolve()}
    (tmp_path / "overlay" / "kustomization.yaml").write_text("resources:\n  - ../base\n  - https://example.com/x.yaml\n")
    with pytest.raises(OfflineError) as err:
        reads(tmp_path / "overlay")
    assert err.value.line == 3


def test_wrapper_carries_application_kustomize_options(tmp_path: Path) -> None:
    import yaml

    target = tmp_path / "apps" / "web"
    text = wrapper(target, tmp_path / "scratch", {"namePrefix": "p-", "images": ["example.com/web=example.com/web:2.0", "nginx:1.27"],
                                                  "commonLabels": {"team": "a"}, "components": ["../comp"]})
    body = yaml.safe_load(text)
    assert body["resources"] == ["../apps/web"] and body["buildMetadata"] == ["originAnnotations", "transformerAnnotations"]
    assert body["namePrefix"] == "p-" and body["commonLabels"] == {"team": "a"}
    assert body["images"] == [{"name": "example.com/web", "newTag": "2.0"}, {"name": "nginx", "newTag": "1.27"}]
    assert body["components"] == ["../apps/comp"]


def test_engines_run_without_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy:3128")
    env = offline_env()
    assert "HTTPS_PROXY" not in env and env["GIT_TERMINAL_PROMPT"] == "0"


def test_engine_messages_are_cleaned() -> None:
    raw = 'E1203 10:20:13.504169   15224 run.go:72] "command failed" err="accumulating resources: boom"\n'
    assert clean_message(raw) == "accumulating resources: boom"


def test_a_chart_no_application_deploys_is_released_under_its_chart_name(tmp_path: Path) -> None:
    from rolloutlint.load.render.units import _release_name

    chart = tmp_path / "owner+repo"  # a clone may be called anything: not a release name
    chart.mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: canary\nversion: 0.1.0\n")
    assert _release_name(chart) == "canary"
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: Not_A_Label\nversion: 0.1.0\n")
    assert _release_name(chart) == "owner-repo"


def _modules_after_lint(cwd: Path, target: str) -> set[str]:
    import subprocess
    import sys

    code = (f"import sys\nfrom rolloutlint.cli import cli\ntry:\n    cli(['lint', {target!r}])\nexcept SystemExit as exc:\n"
            "    print('exit', exc.code)\n"
            "print('modules:', *(m for m in sys.modules if m.startswith('rolloutlint.load.render')))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)
    *_, exit_line, modules = proc.stdout.splitlines()
    assert exit_line in ("exit 0", "exit 1"), proc.stdout + proc.stderr  # the lint ran
    return set(modules.split()[1:])


def test_a_repository_without_units_never_imports_the_renderers(tmp_path: Path) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    assert _modules_after_lint(tmp_path, "app/cm.yaml") == set()
    # an Application of plain manifests is a unit, but runs no engine: no engine, cache, Helm or origin code
    (tmp_path / "app.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a, namespace: argocd}\n"
        "spec:\n  source: {repoURL: https://git.example/a.git, path: app}\n"
        "  destination: {server: https://kubernetes.default.svc, namespace: a}\n")
    loaded = _modules_after_lint(tmp_path, ".")
    assert "rolloutlint.load.render.build" in loaded
    assert not loaded & {"rolloutlint.load.render.engines", "rolloutlint.load.render.cache",
                         "rolloutlint.load.render.helm", "rolloutlint.load.render.origins"}
    (tmp_path / "app" / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    (tmp_path / "app.yaml").unlink()
    assert "rolloutlint.load.render.engines" in _modules_after_lint(tmp_path, "app/cm.yaml")  # a unit to render


def _local_dependency_repo(tmp_path: Path) -> Path:
    (tmp_path / "app" / "templates").mkdir(parents=True)
    (tmp_path / "lib" / "templates").mkdir(parents=True)
    (tmp_path / "app" / "Chart.yaml").write_text(
        "apiVersion: v2\nname: app\nversion: 1.0.0\ndependencies:\n"
        "  - {name: lib, version: 1.0.0, repository: 'file://../lib'}\n")
    (tmp_path / "app" / "templates" / "svc.yaml").write_text('{{ include "lib.svc" . }}\n')
    (tmp_path / "lib" / "Chart.yaml").write_text("apiVersion: v2\nname: lib\ntype: library\nversion: 1.0.0\n")
    (tmp_path / "lib" / "templates" / "_svc.tpl").write_text(
        '{{- define "lib.svc" -}}\napiVersion: v1\nkind: Service\nmetadata: {name: {{ .Release.Name }}}\n'
        "spec: {ports: [{port: 80}]}\n{{- end -}}\n")
    return tmp_path / "app"


def test_file_dependencies_map_back_to_their_own_directory(tmp_path: Path) -> None:
    from rolloutlint.load.render import helm

    app = _local_dependency_repo(tmp_path)
    lib = (tmp_path / "lib").resolve()
    assert helm.local_dependencies(app) == {"lib": lib}
    assert helm.template_file("app/charts/lib/templates/_svc.tpl", app) == lib / "templates" / "_svc.tpl"
    assert helm.template_file("app/templates/svc.yaml", app) == app / "templates" / "svc.yaml"
    assert lib / "Chart.yaml" in helm.dependency_files(app)  # an edit to the library renders again
    (app / "charts" / "lib").mkdir(parents=True)  # vendored: Helm reads charts/, nothing is copied in
    assert helm.local_dependencies(app) == {}



def test_a_remote_schema_ref_is_never_fetched(tmp_path: Path) -> None:
    """Helm validates values against values.schema.json and downloads the `$ref`s it names: reported as an
    offline limit before any engine runs (a networked CI runner must not fetch it either)."""
    from rolloutlint.load.render import helm

    (tmp_path / "Chart.yaml").write_text("apiVersion: v2\nname: web\nversion: 0.1.0\n")
    (tmp_path / "values.schema.json").write_text(
        '{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",\n'
        ' "properties": {"name": {"$ref": "https://schemas.example.com/dns-label.json"}}}\n')
    with pytest.raises(OfflineError) as err:
        helm.check_offline(tmp_path)
    assert err.value.line == 2 and "https://schemas.example.com/dns-label.json" in str(err.value)
    (tmp_path / "values.schema.json").write_text('{"$schema": "http://json-schema.org/draft-07/schema#", '
                                                 '"properties": {"name": {"$ref": "#/definitions/label"}}}\n')
    helm.check_offline(tmp_path)  # a local reference is fine
