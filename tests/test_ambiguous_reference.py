"""One resolver for lint and simulate (`core.index.resolve`): equally near candidates are reported (RL340) and
simulate says which one it drew."""

from __future__ import annotations

from pathlib import Path

from rolloutlint import pipeline
from rolloutlint.plan.simulation import simulate_project
from rolloutlint.core.findings import Finding
from tests.integrations.helpers import write_tree

ROLLOUT = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: reviews
  namespace: shop
spec:
  selector: {matchLabels: {app: reviews}}
  template:
    metadata: {labels: {app: reviews}}
    spec: {containers: [{name: reviews, image: reviews:1}]}
  strategy:
    canary:
      canaryService: reviews-canary
      stableService: reviews-stable
      trafficRouting:
        istio:
          virtualService:
            name: reviews
      steps:
        - setWeight: 20
"""


def vs(stable_weight: int) -> str:
    return f"""\
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: reviews
  namespace: shop
spec:
  hosts: [reviews]
  http:
    - route:
        - destination: {{host: reviews-stable}}
          weight: {stable_weight}
        - destination: {{host: reviews-canary}}
          weight: {100 - stable_weight}
"""


def application(name: str, path: str, namespace: str) -> str:
    return (f"apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: {name}, namespace: argocd}}\n"
            f"spec:\n  source: {{repoURL: https://git.example/shop.git, path: {path}}}\n"
            f"  destination: {{server: https://kubernetes.default.svc, namespace: {namespace}}}\n")


def lint(root: Path) -> list[Finding]:
    return pipeline.lint_project(pipeline.load_project(["."], cwd=root), select=["RL340"]).findings


def test_two_directories_define_the_object_a_third_refers_to(tmp_path: Path) -> None:
    root = write_tree(tmp_path, {"rollouts/reviews.yaml": ROLLOUT, "team-a/vs.yaml": vs(100), "team-b/vs.yaml": vs(90)},
                      config="{}\n")
    (hit,) = lint(root)
    assert (hit.rule, hit.location.file, hit.location.line) == ("RL340", "rollouts/reviews.yaml", 18)
    assert "team-a/vs.yaml, team-b/vs.yaml" in hit.message and "team-a/vs.yaml is the one checked" in hit.message
    assert sorted(r.location.file for r in hit.related if r.location) == ["team-a/vs.yaml", "team-b/vs.yaml"]

    (result,) = simulate_project(pipeline.load_project(["."], cwd=root))
    (source,) = result["sources"]
    assert source["file"] == "team-a/vs.yaml"  # the same copy lint checked
    assert source["candidates"] == [{"file": "team-a/vs.yaml", "line": 1}, {"file": "team-b/vs.yaml", "line": 1}]
    assert any("simulated with team-a/vs.yaml:1, not team-b/vs.yaml:1" in p for p in result["problems"])


def test_identical_copies_and_a_nearer_directory_are_not_ambiguous(tmp_path: Path) -> None:
    root = write_tree(tmp_path / "same", {"rollouts/reviews.yaml": ROLLOUT, "team-a/vs.yaml": vs(100),
                                          "team-b/vs.yaml": vs(100)}, config="{}\n")
    assert lint(root) == []  # either copy gives the same checks and simulation
    root = write_tree(tmp_path / "near", {"app/reviews.yaml": ROLLOUT, "app/vs.yaml": vs(100),
                                          "app/old/vs.yaml": vs(90), "other/vs.yaml": vs(80)}, config="{}\n")
    assert lint(root) == []  # its own directory before a subdirectory or a sibling
    (result,) = simulate_project(pipeline.load_project(["."], cwd=root))
    assert [s["file"] for s in result["sources"]] == ["app/vs.yaml"] and "candidates" not in result["sources"][0]


def test_units_with_the_same_destination_are_ambiguous_other_destinations_never(tmp_path: Path) -> None:
    files = {"argocd/rollout.yaml": application("reviews", "rollout", "shop"),
             "argocd/a.yaml": application("routes-a", "team-a", "shop"),
             "argocd/b.yaml": application("routes-b", "team-b", "shop"),
             "rollout/reviews.yaml": ROLLOUT, "team-a/vs.yaml": vs(100), "team-b/vs.yaml": vs(90)}
    root = write_tree(tmp_path / "same", files, config="{}\n")
    (hit,) = lint(root)
    assert hit.units == ("Application argocd/reviews",) and "team-a/vs.yaml, team-b/vs.yaml" in hit.message
    files["argocd/b.yaml"] = application("routes-b", "team-b", "other")  # another destination: out of scope
    root = write_tree(tmp_path / "other", files, config="{}\n")
    assert lint(root) == []
    (result,) = simulate_project(pipeline.load_project(["."], cwd=root))
    assert [s["file"] for s in result["sources"]] == ["team-a/vs.yaml"]


def test_analysis_template_copies_that_differ_are_ambiguous(tmp_path: Path) -> None:
    template = ("apiVersion: argoproj.io/v1alpha1\nkind: AnalysisTemplate\nmetadata: {{name: ok, namespace: shop}}\n"
                "spec:\n  metrics:\n    - name: ok\n      successCondition: \"result == {0}\"\n"
                "      provider: {{prometheus: {{address: 'http://prom:9090', query: up}}}}\n")
    rollout = ROLLOUT.replace("      steps:\n        - setWeight: 20\n",
                              "      steps:\n        - setWeight: 20\n        - analysis:\n            templates:\n"
                              "              - templateName: ok\n")
    root = write_tree(tmp_path, {"rollouts/reviews.yaml": rollout, "team-a/vs.yaml": vs(100),
                                 "team-a/at.yaml": template.format(1), "team-b/at.yaml": template.format(2)},
                      config="{}\n")
    (hit,) = lint(root)
    assert (hit.location.file, hit.location.line) == ("rollouts/reviews.yaml", 23)
    assert hit.message.startswith("analysis step templateName of Rollout reviews matches 2 definitions of "
                                  "AnalysisTemplate shop/ok")
