"""RL5xx/RL6xx: helpers (Application file mapping, ignoreDifferences coverage), fixes, IST0123 conformance
and a false-positive guard on the upstream corpus. The pass/fail examples live in rules/RL5*/ and RL6*/."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import pytest

from rolloutlint.api import lint_paths
from rolloutlint.pipeline import load_project
from rolloutlint.checks.gitops_argocd import _jq_segments, entry_covers
from rolloutlint.views.argocd import applications, entry_matches
from rolloutlint.core.rule import Context

UPSTREAM = Path(__file__).resolve().parents[1].parent / "shared" / "upstream"


def write(root: Path, files: dict[str, str]) -> Path:
    (root / ".rolloutlint.yaml").write_text("{}\n")
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    return root


def lint(root: Path, *select: str):  # type: ignore[no-untyped-def]
    return [f for f in lint_paths([str(root)], cwd=root, select=list(select)).findings if f.suppressed is None]


def app_yaml(path: str = "svc", source_extra: str = "", spec_extra: str = "", sync_options: str = "") -> str:
    """An automated, self-healing Application; `spec_extra` is YAML at `spec` level (2-space indented)."""
    text = f"""\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {{name: reviews, namespace: argocd}}
spec:
  source: {{repoURL: https://git.example.com/x.git, path: {path}{source_extra}}}
  destination: {{server: https://kubernetes.default.svc, namespace: bookinfo}}
{spec_extra}  syncPolicy:
    automated: {{selfHeal: true}}
"""
    if sync_options:
        text += f"    syncOptions: [{sync_options}]\n"
    return text


ROLLOUT = """\
    apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {name: reviews}
    spec:
      selector: {matchLabels: {app: reviews}}
      template:
        metadata: {labels: {app: reviews}}
        spec: {containers: [{name: reviews, image: reviews:2}]}
      strategy:
        canary:
          canaryService: reviews-canary
          stableService: reviews-stable
          trafficRouting:
            istio:
              virtualService: {name: reviews}
          steps: [{setWeight: 20}]
    """

VS = """\
    apiVersion: networking.istio.io/v1beta1
    kind: VirtualService
    metadata: {name: reviews}
    spec:
      hosts: [reviews]
      http:
        - route:
            - {destination: {host: reviews-stable}, weight: 100}
            - {destination: {host: reviews-canary}, weight: 0}
    """


def _apps(root: Path):  # type: ignore[no-untyped-def]
    project = load_project([str(root)], cwd=root)
    return project, applications(Context(project.index, project.config, project.files))


def test_directory_source_is_not_recursive_by_default(tmp_path: Path) -> None:
    write(tmp_path, {"apps/app.yaml": app_yaml(), "svc/vs.yaml": VS, "svc/nested/ro.yaml": ROLLOUT})
    _, apps = _apps(tmp_path)
    names = {p.name for p in apps[0].files}
    assert names == {"vs.yaml"}


def test_directory_recurse_and_kustomize_take_the_whole_tree(tmp_path: Path) -> None:
    write(tmp_path, {"apps/app.yaml": app_yaml(source_extra=", directory: {recurse: true}"), "svc/vs.yaml": VS,
                     "svc/nested/ro.yaml": ROLLOUT})
    _, apps = _apps(tmp_path)
    assert {p.name for p in apps[0].files} == {"vs.yaml", "ro.yaml"}


def test_namespaceless_resources_take_the_destination_namespace(tmp_path: Path) -> None:
    write(tmp_path, {"apps/app.yaml": app_yaml(), "svc/vs.yaml": VS, "svc/ro.yaml": ROLLOUT})
    findings = lint(tmp_path, "RL601")
    assert [f.rule for f in findings] == ["RL601"]
    assert findings[0].resource is not None
    project, _ = _apps(tmp_path)
    assert {r.namespace for r in project.index.resources if r.kind != "Application"} == {"bookinfo"}


def test_templated_applicationset_path_is_expanded_from_its_list_generator(tmp_path: Path) -> None:
    # The list generator names `svc`: the generated Application deploys svc/ and is checked like a written one,
    # at the ApplicationSet's template.
    write(tmp_path, {"apps/set.yaml": """\
        apiVersion: argoproj.io/v1alpha1
        kind: ApplicationSet
        metadata: {name: all, namespace: argocd}
        spec:
          generators: [{list: {elements: [{dir: svc}]}}]
          template:
            metadata: {name: '{{dir}}'}
            spec:
              source: {repoURL: https://git.example.com/x.git, path: '{{dir}}'}
              destination: {server: https://kubernetes.default.svc, namespace: bookinfo}
              syncPolicy: {automated: {selfHeal: true}}
        """, "svc/vs.yaml": VS, "svc/ro.yaml": ROLLOUT})
    (finding,) = lint(tmp_path, "RL601")
    assert finding.location.file == "apps/set.yaml" and "Application svc" in finding.message


def test_templated_path_of_a_generator_this_tree_cannot_expand_is_not_mapped(tmp_path: Path) -> None:
    # A clusters generator needs Argo CD's cluster secrets: the path stays a template, and maps to nothing.
    write(tmp_path, {"apps/set.yaml": """\
        apiVersion: argoproj.io/v1alpha1
        kind: ApplicationSet
        metadata: {name: all, namespace: argocd}
        spec:
          generators: [{clusters: {}}]
          template:
            metadata: {name: '{{name}}-svc'}
            spec:
              source: {repoURL: https://git.example.com/x.git, path: '{{name}}'}
              destination: {server: https://kubernetes.default.svc, namespace: bookinfo}
              syncPolicy: {automated: {selfHeal: true}}
        """, "svc/vs.yaml": VS, "svc/ro.yaml": ROLLOUT})
    assert lint(tmp_path, "RL601") == []


def test_plain_applicationset_template_is_checked(tmp_path: Path) -> None:
    write(tmp_path, {"apps/set.yaml": """\
        apiVersion: argoproj.io/v1alpha1
        kind: ApplicationSet
        metadata: {name: all, namespace: argocd}
        spec:
          generators: [{clusters: {}}]
          template:
            metadata: {name: 'reviews-{{name}}'}
            spec:
              source: {repoURL: https://git.example.com/x.git, path: svc}
              destination: {server: '{{server}}', namespace: bookinfo}
              syncPolicy: {automated: {selfHeal: true}}
        """, "svc/vs.yaml": VS, "svc/ro.yaml": ROLLOUT})
    assert [f.rule for f in lint(tmp_path, "RL601")] == ["RL601"]


def test_rl601_fix_adds_the_documented_entry_and_sync_option(tmp_path: Path) -> None:
    write(tmp_path, {"apps/app.yaml": app_yaml(), "svc/vs.yaml": VS, "svc/ro.yaml": ROLLOUT})
    (finding,) = lint(tmp_path, "RL601")
    assert finding.fix is not None and finding.fix.safe
    edits = {e.path: e for e in finding.fix.edits}
    entry = edits[("spec", "ignoreDifferences")].value
    assert entry == [{"group": "networking.istio.io", "kind": "VirtualService",
                      "jqPathExpressions": [".spec.http[].route[].weight"]}]
    assert edits[("spec", "syncPolicy", "syncOptions")].value == ["RespectIgnoreDifferences=true"]


@pytest.mark.parametrize("ignore", [
    "jqPathExpressions: ['.spec.http[].route[].weight']",
    "jqPathExpressions: ['.spec.http']",
    "jsonPointers: [/spec/http]",
    "jsonPointers: [/spec/http/0/route/0/weight, /spec/http/0/route/1/weight]",
    "managedFieldsManagers: [rollouts-controller]",
])
def test_rl601_accepts_equivalent_ignores(tmp_path: Path, ignore: str) -> None:
    extra = f"  ignoreDifferences:\n    - {{group: networking.istio.io, kind: VirtualService, {ignore}}}\n"
    write(tmp_path, {"apps/app.yaml": app_yaml(spec_extra=extra, sync_options="RespectIgnoreDifferences=true"),
                     "svc/vs.yaml": VS, "svc/ro.yaml": ROLLOUT})
    assert lint(tmp_path, "RL601") == []
    # the same Application without the entry is reported, so the pass above is meaningful
    write(tmp_path, {"apps/app.yaml": app_yaml(sync_options="RespectIgnoreDifferences=true")})
    assert [f.rule for f in lint(tmp_path, "RL601")] == ["RL601"]


def test_rl601_partial_pointer_is_not_enough(tmp_path: Path) -> None:
    extra = ("  ignoreDifferences:\n"
             "    - {group: networking.istio.io, kind: VirtualService, jsonPointers: [/spec/http/0/route/0/weight]}\n")
    write(tmp_path, {"apps/app.yaml": app_yaml(spec_extra=extra, sync_options="RespectIgnoreDifferences=true"),
                     "svc/vs.yaml": VS, "svc/ro.yaml": ROLLOUT})
    assert [f.rule for f in lint(tmp_path, "RL601")] == ["RL601"]


def test_jq_segments() -> None:
    assert _jq_segments(".spec.http[].route[].weight") == ["spec", "http", "*", "route", "*", "weight"]
    assert _jq_segments('.spec.subsets[0].labels["rollouts-pod-template-hash"]') == \
        ["spec", "subsets", "0", "labels", "rollouts-pod-template-hash"]
    assert _jq_segments(".spec.http[] | select(.name == \"x\")") is None


def test_entry_covers_and_matches() -> None:
    assert entry_covers({"jqPathExpressions": [".spec"]}, ["spec", "http", "0", "route", "1", "weight"])
    assert not entry_covers({"jqPathExpressions": [".spec.tcp[].route[].weight"]},
                            ["spec", "http", "0", "route", "1", "weight"])
    assert entry_covers({"jqPathExpressions": ['.spec.http[] | select(.name=="primary") | .route[].weight']},
                        ["spec", "http", "0", "route", "1", "weight"])


def test_entry_matches_globs_like_argocd(tmp_path: Path) -> None:
    write(tmp_path, {"vs.yaml": VS})
    project = load_project([str(tmp_path)], cwd=tmp_path)
    vs = next(project.index.of_kind("VirtualService"))
    assert entry_matches({"group": "*", "kind": "*"}, vs)
    assert entry_matches({"group": "networking.istio.io", "kind": "VirtualService", "name": "reviews"}, vs)
    assert not entry_matches({"group": "networking.istio.io/v1beta1", "kind": "VirtualService"}, vs)
    assert not entry_matches({"group": "networking.istio.io", "kind": "VirtualService", "name": "other"}, vs)
    assert not entry_matches({"kind": "VirtualService"}, vs)  # no group: the core group only


def test_rl502_fix_sets_the_configured_revision(tmp_path: Path) -> None:
    write(tmp_path, {"vs.yaml": VS})
    (tmp_path / ".rolloutlint.yaml").write_text("istio: {revision: tsb}\n")
    (finding,) = lint(tmp_path, "RL502")
    assert finding.fix is not None
    (edit,) = finding.fix.edits
    assert (edit.op, edit.path, edit.value) == ("set", ("metadata", "labels"), {"istio.io/rev": "tsb"})


@pytest.mark.skipif(not (UPSTREAM / "istio" / "analyzer-testdata" / "expected.json").exists(),
                    reason="upstream Istio analyzer fixtures not available")
def test_rl504_matches_ist0123_on_istio_fixtures(tmp_path: Path) -> None:
    data = json.loads((UPSTREAM / "istio" / "analyzer-testdata" / "expected.json").read_text())
    checked: set[int] = set()
    for cases in data["files"].values():
        for case in cases:
            if case["analyzer"] != "injection.Analyzer" or case["case_id"] in checked:
                continue
            root = tmp_path / f"case{case['case_id']}"
            root.mkdir()
            for rel in case["inputFiles"]:
                shutil.copy(UPSTREAM / "istio" / "analyzer-testdata" / rel, root / Path(rel).name)
            (root / ".rolloutlint.yaml").write_text("{}\n")
            got = sorted(f.resource.name for f in lint(root, "RL504") if f.resource)
            want = sorted(m["name"] for m in case["expected"] if m["code"] == "IST0123")
            assert got == want, case["case"]
            checked.add(case["case_id"])
    assert checked


@pytest.mark.skipif(not (UPSTREAM / "corpus").is_dir(), reason="upstream corpus not available")
def test_no_gitops_errors_on_upstream_corpus() -> None:
    paths = [str(UPSTREAM / "corpus"), str(UPSTREAM / "argo-rollouts" / "examples")]
    result = lint_paths([p for p in paths if Path(p).exists()], cwd=UPSTREAM, select=["RL5", "RL6"])
    assert [f"{f.location.file}:{f.location.line} {f.rule} {f.message}" for f in result.findings] == []


def test_directory_include_and_exclude(tmp_path: Path) -> None:
    source = ", directory: {include: '{vs.yaml,ro.yaml}', exclude: ro.yaml}"
    write(tmp_path, {"apps/app.yaml": app_yaml(source_extra=source),
                     "svc/vs.yaml": VS, "svc/ro.yaml": ROLLOUT, "svc/other.yaml": VS.replace("reviews", "other")})
    _, apps = _apps(tmp_path)
    assert {p.name for p in apps[0].files} == {"vs.yaml"}
