"""RL4xx analysis rules: behaviour beyond the rules/ examples (messages, positions, merging, seeds)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from rolloutlint.api import lint_paths
from rolloutlint.core.findings import Severity
from rolloutlint.run.registry import all_rules

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "analysis"


def _lint(tmp_path: Path, text: str, config: str = "{}\n", select: str = "RL4"):
    (tmp_path / ".rolloutlint.yaml").write_text(config)
    (tmp_path / "m.yaml").write_text(textwrap.dedent(text).lstrip())
    return lint_paths([str(tmp_path)], cwd=tmp_path, select=[select]).findings


def test_rl4_rules_are_documented() -> None:
    rules = [r for r in all_rules() if r.id.startswith("RL4")]
    assert len(rules) >= 25
    for rule in rules:
        doc = rule.docs()
        for section in ("## What it checks", "## Why it matters", "## How to fix", "## Upstream"):
            assert section in doc, f"{rule.id} lacks {section}"


def test_seed_like_examples_findings_are_only_deprecation_notes(tmp_path: Path) -> None:
    for f in EXAMPLES.glob("*.yaml"):
        (tmp_path / f.name).write_text(f.read_text())
    findings = _lint(tmp_path, "---\n")
    # Besides the deprecation note, the seed-like templates show the two no-data traps: an unguarded
    # result[0] on an error ratio (RL443) and apdex >= on zero-filled minutes (RL445).
    assert {(f.rule, f.severity, Path(f.location.file).name) for f in findings} == {
        ("RL433", Severity.INFO, "apdex-skywalking.yaml"),
        ("RL443", Severity.WARNING, "error-rate-prometheus.yaml"),
        ("RL445", Severity.WARNING, "apdex-skywalking.yaml"),
    }


ROLLOUT = """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.27"}]}
  strategy:
    canary:
      steps:
        - setWeight: 10
        - analysis:
            templates:
              - templateName: %s
"""

TEMPLATE = """
apiVersion: argoproj.io/v1alpha1
kind: %s
metadata: {name: slo%s}
spec:
  args: [{name: count}]
  metrics:
    - name: m
      interval: 1m
      count: "{{args.count}}"
      successCondition: result[0] > 0
      provider:
        prometheus: {address: "http://p:9090", query: "sum(up)"}
"""


def test_cluster_scope_hint(tmp_path: Path) -> None:
    text = ROLLOUT % "slo" + "---" + TEMPLATE % ("ClusterAnalysisTemplate", "")
    findings = [f for f in _lint(tmp_path, text) if f.rule == "RL401"]
    assert len(findings) == 1
    assert "set clusterScope: true" in findings[0].message


def test_runs_forever_dummy_value_quirk(tmp_path: Path) -> None:
    text = ROLLOUT % "slo" + "---" + TEMPLATE % ("AnalysisTemplate", ", namespace: shop")
    text = text.replace("              - templateName: slo\n",
                        "              - templateName: slo\n            args: [{name: count, value: \"5\"}]\n")
    findings = [f for f in _lint(tmp_path, text) if f.rule == "RL412"]
    assert len(findings) == 1
    assert "Invalid value for count: dummy-value" in findings[0].message


def test_condition_column_maps_through_placeholders(tmp_path: Path) -> None:
    text = """
    apiVersion: argoproj.io/v1alpha1
    kind: AnalysisTemplate
    metadata: {name: t}
    spec:
      args: [{name: threshold, value: "0.12345"}]
      metrics:
        - name: m
          successCondition: "result[0] >= {{args.threshold}} &&& true"
          provider:
            prometheus: {address: "http://p:9090", query: "sum(up)"}
    """
    findings = [f for f in _lint(tmp_path, text) if f.rule == "RL420"]
    assert len(findings) == 1
    # `&&&`: the third `&` sits at column 35 of the condition as written (with the placeholder).
    assert "at column 35 of the condition" in findings[0].message
    assert findings[0].location.line == 8


def test_merged_templates_args_satisfied_by_other_template(tmp_path: Path) -> None:
    text = """
    apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {name: web, namespace: shop}
    spec:
      selector: {matchLabels: {app: web}}
      template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web, image: "nginx:1.27"}]}}
      strategy:
        canary:
          analysis:
            templates: [{templateName: a}, {templateName: b}]
          steps: [{setWeight: 10}]
    ---
    apiVersion: argoproj.io/v1alpha1
    kind: AnalysisTemplate
    metadata: {name: a, namespace: shop}
    spec:
      args: [{name: svc}]
      metrics: [{name: ma, successCondition: "result[0] > 0", provider: {prometheus: {address: "http://p:9090", query: "sum(up)"}}}]
    ---
    apiVersion: argoproj.io/v1alpha1
    kind: AnalysisTemplate
    metadata: {name: b, namespace: shop}
    spec:
      args: [{name: svc, value: web-canary}]
      metrics: [{name: mb, successCondition: "result[0] > 0", provider: {prometheus: {address: "http://p:9090", query: "sum(up)"}}}]
    """
    assert [f.rule for f in _lint(tmp_path, text) if f.rule in ("RL402", "RL404", "RL407")] == []


def test_skywalking_stable_subset_is_reported(tmp_path: Path) -> None:
    text = """
    apiVersion: argoproj.io/v1alpha1
    kind: Rollout
    metadata: {name: reviews, namespace: bookinfo}
    spec:
      selector: {matchLabels: {app: reviews}}
      template: {metadata: {labels: {app: reviews}}, spec: {containers: [{name: r, image: "r:1"}]}}
      strategy:
        canary:
          canaryMetadata: {labels: {version: canary}}
          stableMetadata: {labels: {version: stable}}
          analysis:
            templates: [{templateName: apdex}]
            args: [{name: service-name, value: "stable|reviews|bookinfo|c1|-"}]
          trafficRouting:
            istio:
              virtualService: {name: reviews}
              destinationRule: {name: reviews, canarySubsetName: canary, stableSubsetName: stable}
          steps: [{setWeight: 10}]
    ---
    apiVersion: networking.istio.io/v1beta1
    kind: DestinationRule
    metadata: {name: reviews, namespace: bookinfo}
    spec: {host: reviews, subsets: [{name: canary, labels: {app: reviews}}, {name: stable, labels: {app: reviews}}]}
    ---
    apiVersion: argoproj.io/v1alpha1
    kind: AnalysisTemplate
    metadata: {name: apdex, namespace: bookinfo}
    spec:
      args: [{name: service-name}]
      metrics:
        - name: apdex
          successCondition: "result.a.value >= 9900"
          provider:
            skywalking:
              address: http://oap:12800
              interval: 3m
              query: |
                query q($duration: Duration!) {
                  a: readNullableMetricsValue(condition: {name: "service_apdex", entity: {serviceName: "{{args.service-name}}", normal: true}}, duration: $duration) { value isEmptyValue }
                }
    """
    findings = _lint(tmp_path, text, select="RL436")
    assert len(findings) == 1
    assert "(the stable subset)" in findings[0].message and "Rollout reviews" in findings[0].message
    assert findings[0].related and findings[0].related[0].location is not None


@pytest.mark.parametrize("query, ok", [
    ('scalar(sum(rate(x[1m])))', True),
    ('sum(rate(x[1m]))', False),
])
def test_prometheus_scalar_vs_indexing(tmp_path: Path, query: str, ok: bool) -> None:
    text = f"""
    apiVersion: argoproj.io/v1alpha1
    kind: AnalysisTemplate
    metadata: {{name: t}}
    spec:
      metrics:
        - name: m
          successCondition: result >= 0.95
          provider:
            prometheus: {{address: "http://p:9090", query: "{query}"}}
    """
    findings = [f for f in _lint(tmp_path, text) if f.rule == "RL422"]
    assert (not findings) == ok
    if findings:  # expr names the provider's Go type: a Prometheus vector is []float64, not []interface {}
        assert "[]float64" in findings[0].message and "interface" not in findings[0].message, findings[0].message


def test_unknown_provider_is_never_an_error(tmp_path: Path) -> None:
    text = """
    apiVersion: argoproj.io/v1alpha1
    kind: AnalysisTemplate
    metadata: {name: t}
    spec:
      metrics:
        - name: m
          successCondition: result > 0
          provider:
            plugin:
              argoproj-labs/sample-prometheus: {address: "http://p:9090", query: "up"}
    """
    assert [f for f in _lint(tmp_path, text) if f.severity == Severity.ERROR] == []


def test_field_ref_args_take_the_rollouts_metadata(tmp_path: Path) -> None:
    """Argo fills `valueFrom.fieldRef` args from the Rollout running the analysis (downward API paths)."""
    from rolloutlint.pipeline import load_project
    from rolloutlint.views.analysis import rollout_usages, usage_args

    (tmp_path / ".git").mkdir()
    (tmp_path / "ro.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: web\n  namespace: shop\n"
        "  labels: {team: payments}\nspec:\n  strategy:\n    canary:\n      steps:\n        - analysis:\n"
        "            templates: [{templateName: rate}]\n            args:\n"
        "              - {name: ns, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}\n"
        "              - {name: name, valueFrom: {fieldRef: {fieldPath: metadata.name}}}\n"
        "              - {name: team, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['team']\"}}}\n"
        "              - {name: uid, valueFrom: {fieldRef: {fieldPath: metadata.uid}}}\n"
        "              - {name: hash, valueFrom: {podTemplateHashValue: Latest}}\n")
    ro = next(iter(load_project(["."], cwd=tmp_path).index.of_kind("Rollout")))
    assert usage_args(rollout_usages(ro)[0]) == {"ns": "shop", "name": "web", "team": "payments", "uid": None,
                                                 "hash": None}


@pytest.mark.parametrize(("numerator", "advice"), [
    ('istio_requests_total{response_code=~"5.*"}', "default the numerator"),  # errors / all: only the numerator empties
    ("istio_request_duration_milliseconds_sum", "guard the condition: `len(result) > 0"),  # a mean: both sides do
])
def test_empty_vector_advice_fits_the_ratio(tmp_path: Path, numerator: str, advice: str) -> None:
    denominator = ("istio_request_duration_milliseconds_count" if numerator.endswith("_sum")
                   else "istio_requests_total")
    findings = _lint(tmp_path, f"""\
        apiVersion: argoproj.io/v1alpha1
        kind: AnalysisTemplate
        metadata: {{name: t}}
        spec:
          metrics:
            - name: m
              interval: 1m
              successCondition: result[0] <= 0.05
              provider:
                prometheus:
                  address: http://prometheus:9090
                  query: sum(rate({numerator}[2m])) / sum(rate({denominator}[2m]))
        """, select="RL443")
    assert [f.rule for f in findings] == ["RL443"] and advice in findings[0].message, findings
