"""Partial lints load only what the named files can reference; they must report exactly the full lint's
findings whose primary or related locations lie in those files (pre-commit passes changed files only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolloutlint.api import lint_paths
from rolloutlint.pipeline import load_project
from rolloutlint.load.discovery import walk
from rolloutlint.run.touching import units_named

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def _key(f) -> tuple:  # type: ignore[no-untyped-def]
    return (f.rule, f.location.file, f.location.line, f.location.column, f.message)


def touches(finding, rel: str) -> bool:  # type: ignore[no-untyped-def]
    return finding.location.file == rel or any(r.location is not None and r.location.file == rel
                                               for r in finding.related)


def _assert_equivalent(project_root: Path, sample_every: int = 1) -> int:
    """Linting one file reports exactly the whole lint's findings that touch it: located or related there, or
    on an object of a deployment unit whose own kustomization it is (naming an overlay names what it renders)."""
    full = lint_paths([str(project_root)], cwd=project_root)
    units = full.project.rendered.units if full.project.rendered is not None else []
    files = list(walk(project_root, project_root))[::sample_every]
    for f in files:
        rel = f.relative_to(project_root).as_posix()
        partial = lint_paths([rel], cwd=project_root)
        named = units_named(units, {f.resolve()})
        expected = sorted(_key(x) for x in full.findings if touches(x, rel) or set(x.units) & named)
        assert sorted(_key(x) for x in partial.findings) == expected, f"partial lint of {rel} differs"
    return len(files)


def test_example_project_file_by_file() -> None:
    assert _assert_equivalent(ROOT / "examples" / "bookinfo") >= 5


def test_partial_load_skips_unrelated_files(tmp_path: Path) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    for name in ("a", "b"):
        d = tmp_path / name
        d.mkdir()
        (d / "svc.yaml").write_text(f"apiVersion: v1\nkind: Service\nmetadata: {{name: {name}}}\nspec: {{ports: [{{port: 80}}]}}\n")
    (tmp_path / "a" / "vs.yaml").write_text(
        "apiVersion: networking.istio.io/v1beta1\nkind: VirtualService\nmetadata: {name: a-vs}\n"
        "spec:\n  hosts: [a]\n  http: [{route: [{destination: {host: b}}]}]\n")
    project = load_project(["a/vs.yaml"], cwd=tmp_path)
    loaded = {f.path.relative_to(tmp_path).as_posix() for f in project.files}
    # a/svc.yaml: same directory; b/svc.yaml: named by the destination host.
    assert loaded == {"a/vs.yaml", "a/svc.yaml", "b/svc.yaml"}
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "other.yaml").write_text("apiVersion: v1\nkind: Service\nmetadata: {name: unrelated}\n")
    project = load_project(["a/vs.yaml"], cwd=tmp_path)
    assert "c/other.yaml" not in {f.path.relative_to(tmp_path).as_posix() for f in project.files}


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is absent")
@pytest.mark.parametrize("sub", ["upstream/corpus/argoproj__argo-rollouts", "upstream/corpus/balucm999__canary-istio-argo-rollouts",
                                 "upstream/corpus/adventurewave-labs__gitops-progressive-delivery-demo",
                                 "upstream/corpus/ams0__pd-argo-rollouts-istio-gateway-api"])
def test_upstream_corpus_sampled(sub: str, tmp_path: Path) -> None:
    import shutil

    project = tmp_path / "p"
    shutil.copytree(SHARED / sub, project)
    (project / ".rolloutlint.yaml").write_text("{}\n")
    assert _assert_equivalent(project, sample_every=7) > 0


FIXTURE_REPOS = sorted(p for p in (ROOT / "tests" / "fixtures" / "render").iterdir() if p.is_dir()) + \
    [ROOT / "examples" / "analysis", ROOT / "examples" / "policies"]


@pytest.mark.parametrize("repo", FIXTURE_REPOS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_fixture_repository_file_by_file(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The invariant of issue 17 over every fixture repository, rendered units included (the render cache
    keeps the many partial lints cheap)."""
    import shutil

    monkeypatch.setenv("ROLLOUTLINT_RENDER_CACHE", str(tmp_path / "cache"))
    work = tmp_path / "repo"
    shutil.copytree(repo, work)
    if not (work / ".rolloutlint.yaml").exists():
        (work / ".rolloutlint.yaml").write_text("{}\n")
    assert _assert_equivalent(work) >= 1


APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://git.example.invalid/gitops.git
    targetRevision: main
{path}
  destination:
    server: https://kubernetes.default.svc
    namespace: {ns}
  syncPolicy:
    automated:
      selfHeal: true
"""

ROLLOUT = """apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: {name}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: {name}
          image: registry.example.com/{name}:1.0.0
  strategy:
    canary:
      canaryService: {name}-canary
      stableService: {name}
      trafficRouting:
        istio:
          virtualService: {{name: {name}, routes: [primary]}}
      analysis:
        templates: [{{templateName: {template}}}]
      steps: [{{setWeight: 20}}, {{pause: {{}}}}]
---
apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector: {{app: {name}}}
  ports: [{{port: 80, targetPort: 8080}}]
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: {name}
spec:
  hosts: [{name}]
  http:
    - name: primary
      route:
        - destination: {{host: {name}}}
          weight: 100
        - destination: {{host: {name}-canary}}
          weight: 0
"""

TEMPLATE = """apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: {name}
  annotations: {{argocd.argoproj.io/sync-wave: "{wave}"}}
spec:
  metrics:
    - name: ok
      provider:
        job:
          spec:
            template:
              spec:
                containers: [{{name: check, image: busybox}}]
                restartPolicy: Never
"""


def _write(root: Path, rel: str, text: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text)


def _app_of_apps(root: Path) -> None:
    """An app of apps: `bootstrap.yaml` deploys argocd/, whose `more-apps` deploys argocd/more/; each other
    Application deploys one app's folder (plain, recursive with an exclude, an include, a path written as a
    block scalar); two Applications share a name; templates are shared across Applications and sync waves.
    Most Applications are not named like what they deploy, so only their sources tie them to it."""
    _write(root, ".rolloutlint.yaml", "{}\n")
    _write(root, "bootstrap.yaml", APP.format(name="root", ns="argocd", path="    path: argocd"))
    _write(root, "argocd/more.yaml", APP.format(name="more-apps", ns="argocd", path="    path: ./argocd/more/"))
    _write(root, "argocd/alpha.yaml", APP.format(name="team-a-prod", ns="team-a", path="    path: apps/alpha"))
    _write(root, "argocd/bravo.yaml", APP.format(
        name="team-b-prod", ns="team-b",
        path="    path: 'apps/bravo'\n    directory:\n      recurse: true\n      exclude: 'skip/*'"))
    _write(root, "argocd/charlie.yaml", APP.format(
        name="charlie", ns="team-c", path='    path: "apps/shared/"\n    directory: {include: "*.yaml"}'))
    _write(root, "argocd/more/charlie.yaml", APP.format(name="charlie", ns="team-d", path="    path: apps/cobra"))
    _write(root, "argocd/more/fox.yaml", APP.format(name="team-f-prod", ns="team-f", path="    path: apps/fox"))
    _write(root, "argocd/delta.yaml", APP.format(name="team-e-prod", ns="team-e", path="    path: >-\n      apps/delta"))
    _write(root, "apps/alpha/rollout.yaml", ROLLOUT.format(name="alpha-api", template="alpha-check"))
    _write(root, "apps/alpha/template.yaml", TEMPLATE.format(name="alpha-check", wave=0))
    _write(root, "apps/bravo/rollout.yaml", ROLLOUT.format(name="bravo-api", template="shared-check"))
    _write(root, "apps/bravo/nested/hpa.yaml", "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n"
           "metadata: {name: bravo-hpa}\nspec:\n  scaleTargetRef: {apiVersion: argoproj.io/v1alpha1, kind: Rollout, "
           "name: bravo-api}\n  minReplicas: 2\n  maxReplicas: 5\n")
    _write(root, "apps/bravo/skip/extra.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bravo-extra}\n")
    _write(root, "apps/shared/template.yaml", TEMPLATE.format(name="shared-check", wave=5))
    _write(root, "apps/cobra/rollout.yaml", ROLLOUT.format(name="cobra-api", template="cobra-check"))
    _write(root, "apps/fox/rollout.yaml", ROLLOUT.format(name="fox-api", template="shared-check"))
    _write(root, "apps/delta/rollout.yaml", ROLLOUT.format(name="delta-api", template="delta-check"))
    _write(root, "apps/delta/template.yaml", TEMPLATE.format(name="delta-check", wave=0))
    _write(root, "apps/lonely/rollout.yaml", ROLLOUT.format(name="lonely-api", template="lonely-check"))


def _loaded(root: Path, name: str) -> set[str]:
    return {f.path.relative_to(root).as_posix() for f in load_project([name], cwd=root).files}


def test_app_of_apps_file_by_file(tmp_path: Path) -> None:
    _app_of_apps(tmp_path)
    full = lint_paths([str(tmp_path)], cwd=tmp_path)
    assert {f.rule for f in full.findings if f.location.file.startswith("argocd/")}, "the Applications find nothing"
    assert _assert_equivalent(tmp_path) >= 15


def test_only_the_applications_deploying_loaded_files_are_loaded(tmp_path: Path) -> None:
    _app_of_apps(tmp_path)
    loaded = _loaded(tmp_path, "apps/alpha/rollout.yaml")
    # alpha's Application (it deploys the file) and what alpha deploys; the app of apps above it, which
    # deploys argocd/alpha.yaml, but not what its other Applications deploy (the app of apps is rendered:
    # its unit reads argocd/*.yaml).
    assert {"apps/alpha/rollout.yaml", "apps/alpha/template.yaml", "argocd/alpha.yaml", "bootstrap.yaml"} <= loaded
    assert not loaded & {"apps/bravo/rollout.yaml", "apps/delta/rollout.yaml", "apps/lonely/rollout.yaml",
                         "argocd/more/fox.yaml"}
    # Two levels of apps of apps above fox.
    assert {"argocd/more/fox.yaml", "argocd/more.yaml", "bootstrap.yaml"} <= _loaded(tmp_path, "apps/fox/rollout.yaml")
    # A named Application: what it deploys, and what that refers to (the template bravo shares with fox).
    loaded = _loaded(tmp_path, "argocd/bravo.yaml")
    assert {"apps/bravo/rollout.yaml", "apps/bravo/nested/hpa.yaml", "apps/shared/template.yaml",
            "argocd/charlie.yaml", "apps/fox/rollout.yaml", "argocd/more/fox.yaml"} <= loaded
    assert "apps/bravo/skip/extra.yaml" not in loaded and "apps/alpha/rollout.yaml" not in loaded
    # Units are told apart by file when Applications share a name: both charlies, or neither.
    assert "argocd/more/charlie.yaml" in _loaded(tmp_path, "apps/shared/template.yaml")
    (tmp_path / "bootstrap.yaml").unlink()
    loaded = _loaded(tmp_path, "apps/alpha/rollout.yaml")
    assert "argocd/alpha.yaml" in loaded
    assert not loaded & {"argocd/bravo.yaml", "argocd/delta.yaml", "apps/bravo/rollout.yaml", "apps/lonely/rollout.yaml"}


def test_application_through_a_symlink(tmp_path: Path) -> None:
    """A source path through a symlink names another folder than its text says: every Application is read."""
    _write(tmp_path, ".rolloutlint.yaml", "{}\n")
    _write(tmp_path, "argocd/echo.yaml", APP.format(name="team-e-prod", ns="team-e", path="    path: apps/live"))
    _write(tmp_path, "argocd/other.yaml", APP.format(name="team-o-prod", ns="team-o", path="    path: apps/other"))
    _write(tmp_path, "apps/echo-v2/rollout.yaml", ROLLOUT.format(name="echo-api", template="echo-check"))
    _write(tmp_path, "apps/other/rollout.yaml", ROLLOUT.format(name="other-api", template="echo-check"))
    (tmp_path / "apps" / "live").symlink_to("echo-v2")  # walked after echo-v2: files keep their real paths
    assert "argocd/echo.yaml" in _loaded(tmp_path, "apps/echo-v2/rollout.yaml")
    assert _assert_equivalent(tmp_path) >= 4


@pytest.mark.parametrize("text, values", [
    ("path: a\n", ["a"]),
    ("  - path: 'it''s' # note\n", ["it's"]),
    ('{"path": "x/y", "repoURL": "u"}', ["x/y"]),
    ("path : a\nother: 1\n", ["a"]),
    ("contextPath: a\npaths: [b]\npath.x: c\n", []),
    ("description: the path: here\n", ["here"]),  # not a key: one value too many does no harm
    ("path: a # c\n\n# q\nnext: 1\n", ["a"]),
    ("path:\n  a\n", None), ("path: a\n  b\n", None), ("path: >-\n  a\n", None), ("path: *x\n", None),
    ("? path\n: a\n", None), ('path: "a\n  b"\n', None), ("source: {path: a, x: 1}\n", None),
    ('path: "a\\x2fb"\n', None), ("path:\ta\n", None),
])
def test_path_values_are_read_from_the_text_or_not_at_all(text: str, values: list[str] | None) -> None:
    from rolloutlint.load.relevance import _path_values

    assert _path_values(text.encode()) == values


def test_path_values_never_miss_a_path_key() -> None:
    """Wherever `_path_values` answers, every `path` key's string value the YAML holds is in its answer."""
    import random

    import yaml

    from rolloutlint.load.relevance import _path_values

    rnd = random.Random(20)
    keys = ["path", "'path'", '"path"', "xpath", "path2"]
    values = ["a", "'b c'", '"d/e"', "f # g", "", "h\n  i", "|\n  j", "[k]", "{l: m}", "'n\n  o'", "p, q"]
    checked = 0
    for _ in range(3000):
        lines = []
        for _ in range(rnd.randint(1, 4)):
            indent = " " * rnd.choice([0, 2, 4])
            lines.append(f"{indent}{rnd.choice(['', '- '])}{rnd.choice(keys)}: {rnd.choice(values)}")
        text = "\n".join(lines) + "\n"
        try:
            docs = list(yaml.safe_load_all(text))
        except yaml.YAMLError:
            continue
        found = _path_values(text.encode())
        if found is None:
            continue
        checked += 1
        expected: set[str] = set()
        for doc in docs:
            _path_keys(doc, expected)
        assert expected <= set(found), text
    assert checked > 200


def _path_keys(node: object, out: set[str]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "path" and isinstance(v, str):
                out.add(v)
            _path_keys(v, out)
    elif isinstance(node, list):
        for v in node:
            _path_keys(v, out)
