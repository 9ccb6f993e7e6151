"""Tests for the schema layer: rolloutlint.views.schemas and scripts/gen_schemas.py."""
from __future__ import annotations

import datetime
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rolloutlint.views import schemas
from rolloutlint.views.schemas import SchemaProblem, has_schema, schema_dir, validate

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
UPSTREAM = SHARED / "upstream"

ROLLOUT = """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: reviews
  namespace: bookinfo
  labels: {app: reviews}
  annotations: {notes: "x"}
  uid: 0b1c
spec:
  replicas: 5
  revisionHistoryLimit: 2
  selector:
    matchLabels: {app: reviews}
  template:
    metadata:
      labels: {app: reviews}
    spec:
      containers:
      - name: reviews
        image: docker.io/istio/examples-bookinfo-reviews-v1:1.20.1
        ports:
        - containerPort: 9080
        resources:
          requests: {cpu: 100m, memory: 64Mi}
          limits: {cpu: 1, memory: 128Mi}
  strategy:
    canary:
      maxSurge: "25%"
      maxUnavailable: 0
      canaryService: reviews-canary
      stableService: reviews-stable
      analysis:
        templates:
        - templateName: success-rate
        startingStep: 1
        args:
        - name: service-name
          value: reviews
      trafficRouting:
        istio:
          virtualService:
            name: reviews
            routes: [primary]
          destinationRule:
            name: reviews
            canarySubsetName: canary
            stableSubsetName: stable
      steps:
      - setWeight: 10
      - pause: {duration: 1h}
      - setWeight: 50
      - pause: {}
status:
  phase: Healthy
"""

VIRTUAL_SERVICE = """
apiVersion: networking.istio.io/{version}
kind: VirtualService
metadata:
  name: reviews
spec:
  hosts: [reviews]
  gateways: [mesh]
  http:
  - name: primary
    match:
    - uri: {{prefix: /api}}
      headers:
        x-canary: {{exact: "true"}}
    route:
    - destination: {{host: reviews, subset: stable, port: {{number: 9080}}}}
      weight: 100
    - destination: {{host: reviews, subset: canary}}
      weight: 0
    timeout: 10s
    retries: {{attempts: 3, perTryTimeout: 2s}}
"""

DESTINATION_RULE = """
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: reviews
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
    connectionPool:
      tcp: {maxConnections: 100}
  subsets:
  - name: stable
    labels: {app: reviews}
  - name: canary
    labels: {app: reviews}
"""

ANALYSIS_TEMPLATE = """
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: success-rate
spec:
  args:
  - name: service-name
  - name: threshold
    value: "0.95"
  metrics:
  - name: success-rate
    interval: 1m
    count: 5
    successCondition: result[0] >= 0.95
    failureLimit: 3
    provider:
      prometheus:
        address: http://prometheus.istio-system:9090
        query: |
          sum(rate(istio_requests_total{destination_service=~"{{args.service-name}}",response_code!~"5.*"}[5m]))
"""

APPLICATION = """
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: bookinfo
  namespace: argocd
  finalizers: [resources-finalizer.argocd.argoproj.io]
spec:
  project: default
  source:
    repoURL: https://github.com/example/gitops.git
    targetRevision: HEAD
    path: apps/bookinfo
    helm:
      valuesObject: {anything: {goes: [1, 2]}}
  destination:
    server: https://kubernetes.default.svc
    namespace: bookinfo
  syncPolicy:
    automated: {prune: true, selfHeal: true}
    syncOptions: [CreateNamespace=true]
"""

SERVICE = """
apiVersion: v1
kind: Service
metadata:
  name: reviews
  labels: {app: reviews}
spec:
  selector: {app: reviews}
  ports:
  - name: http
    port: 9080
    targetPort: http
  sessionAffinity: None
"""

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ratings
spec:
  replicas: 1
  selector:
    matchLabels: {app: ratings}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 1, maxUnavailable: "25%"}
  template:
    metadata:
      labels: {app: ratings}
    spec:
      serviceAccountName: ratings
      containers:
      - name: ratings
        image: ratings:1.0
        ports: [{containerPort: 9080}]
"""

NAMESPACE = """
apiVersion: v1
kind: Namespace
metadata:
  name: bookinfo
  labels: {istio-injection: enabled}
"""


def load(text: str) -> dict:
    return yaml.safe_load(text)


def check(doc: dict) -> list[SchemaProblem]:
    return validate(doc["apiVersion"], doc["kind"], doc)


def rollout() -> dict:
    return load(ROLLOUT)


def istio_dr(doc: dict) -> dict:
    return doc["spec"]["strategy"]["canary"]["trafficRouting"]["istio"]["destinationRule"]


# ---------------------------------------------------------------- valid documents


@pytest.mark.parametrize("text", [
    ROLLOUT,
    VIRTUAL_SERVICE.format(version="v1alpha3"),
    VIRTUAL_SERVICE.format(version="v1beta1"),
    VIRTUAL_SERVICE.format(version="v1"),
    DESTINATION_RULE,
    ANALYSIS_TEMPLATE,
    APPLICATION,
    SERVICE,
    DEPLOYMENT,
    NAMESPACE,
], ids=["rollout", "vs-v1alpha3", "vs-v1beta1", "vs-v1", "destinationrule", "analysistemplate",
        "application", "service", "deployment", "namespace"])
def test_valid_documents_have_no_problems(text: str) -> None:
    doc = load(text)
    assert has_schema(doc["apiVersion"], doc["kind"])
    assert check(doc) == []


# ---------------------------------------------------------------- problems


def test_unknown_field_with_suggestion() -> None:
    doc = rollout()
    dr = istio_dr(doc)
    dr["canarySubsetname"] = dr.pop("canarySubsetName")
    problems = [p for p in check(doc) if p.kind == "unknown-field"]
    assert len(problems) == 1
    p = problems[0]
    assert p.path == ("spec", "strategy", "canary", "trafficRouting", "istio", "destinationRule",
                      "canarySubsetname")
    assert p.key is True
    assert p.suggestion == "canarySubsetName"
    assert p.message == 'unknown field "canarySubsetname" (did you mean "canarySubsetName"?)'
    # the renamed key also leaves the required one missing, reported on the parent mapping
    missing = [p for p in check(doc) if p.kind == "required"]
    assert [(m.path[-1], m.message) for m in missing] == [
        ("destinationRule", 'missing required field "canarySubsetName"')]


def test_each_unknown_key_gets_its_own_problem() -> None:
    doc = rollout()
    doc["metdata"] = {}
    doc["spec"]["strategy"]["canary"]["stepz"] = []
    doc["spec"]["strategy"]["canary"]["zzzqqq"] = 1
    got = {p.path: p.suggestion for p in check(doc) if p.kind == "unknown-field"}
    assert got == {
        ("metdata",): "metadata",
        ("spec", "strategy", "canary", "stepz"): "steps",
        ("spec", "strategy", "canary", "zzzqqq"): None,
    }


def test_wrong_type() -> None:
    doc = rollout()
    doc["spec"]["replicas"] = "3"
    (p,) = check(doc)
    assert (p.path, p.kind, p.key) == (("spec", "replicas"), "type", False)
    assert p.message == "spec.replicas: expected integer, got string"


def test_bad_enum() -> None:
    doc = load(DESTINATION_RULE)
    doc["spec"]["trafficPolicy"]["loadBalancer"]["simple"] = "ROUND_ROBINS"
    (p,) = check(doc)
    assert p.kind == "enum"
    assert p.path == ("spec", "trafficPolicy", "loadBalancer", "simple")
    assert '"ROUND_ROBINS"' in p.message and '"ROUND_ROBIN"' in p.message


def test_missing_required() -> None:
    doc = rollout()
    del doc["spec"]["strategy"]["canary"]["trafficRouting"]["istio"]["virtualService"]["name"]
    (p,) = check(doc)
    assert p.kind == "required"
    assert p.path == ("spec", "strategy", "canary", "trafficRouting", "istio", "virtualService")
    assert p.message == 'missing required field "name"'


def test_top_level_requires_apiversion_and_kind() -> None:
    doc = load(SERVICE)
    del doc["kind"]
    assert [p.message for p in validate("v1", "Service", doc)] == ['missing required field "kind"']


@pytest.mark.parametrize("value", [1, "25%", 0, "1"])
def test_int_or_string_accepts_both(value: object) -> None:
    doc = rollout()
    doc["spec"]["strategy"]["canary"]["maxSurge"] = value
    assert check(doc) == []


def test_int_or_string_rejects_other_types() -> None:
    doc = rollout()
    doc["spec"]["strategy"]["canary"]["maxSurge"] = True
    (p,) = check(doc)
    assert p.kind == "type" and p.message.endswith("expected integer or string, got boolean")


def test_mutually_exclusive_fields() -> None:
    doc = load(VIRTUAL_SERVICE.format(version="v1"))
    doc["spec"]["http"][0]["match"][0]["uri"]["exact"] = "/api"
    (p,) = check(doc)
    assert p.kind == "other"
    assert p.path == ("spec", "http", 0, "match", 0, "uri")
    assert '"exact"' in p.message and '"prefix"' in p.message


def test_preserve_unknown_fields_is_open() -> None:
    doc = load(APPLICATION)
    doc["spec"]["source"]["helm"]["valuesObject"] = {"whatever": {"deep": True}}
    assert check(doc) == []


def test_null_fields_are_unset_not_type_errors() -> None:
    doc = rollout()
    doc["spec"]["strategy"]["canary"]["analysis"] = None
    doc["spec"]["strategy"]["canary"]["steps"][1]["pause"] = None
    doc["metadata"]["annotations"] = None
    assert check(doc) == []
    doc["spec"]["strategy"]["canary"]["steps"].append(None)  # null list item: not pruned
    (p,) = check(doc)
    assert p.kind == "type" and p.path == ("spec", "strategy", "canary", "steps", 4)


def test_metadata_is_open_but_typed() -> None:
    doc = rollout()
    doc["metadata"]["managedFields"] = [{"manager": "kubectl"}]
    assert check(doc) == []
    doc["metadata"]["labels"]["version"] = 2
    (p,) = check(doc)
    assert p.path == ("metadata", "labels", "version") and p.kind == "type"


def test_core_kinds_are_open() -> None:
    doc = load(DEPLOYMENT)
    doc["spec"]["progressDeadlineSeconds"] = 600
    doc["spec"]["template"]["spec"]["containers"][0]["livenessProbe"] = {"httpGet": {"path": "/"}}
    assert check(doc) == []


def test_problems_are_sorted_by_path() -> None:
    doc = rollout()
    doc["spec"]["replicas"] = "x"
    doc["spec"]["strategy"]["canary"]["steps"][0]["setWeight"] = "ten"
    doc["metadata"]["name"] = 1
    paths = [p.path for p in check(doc)]
    assert paths == [("metadata", "name"), ("spec", "replicas"),
                     ("spec", "strategy", "canary", "steps", 0, "setWeight")]


def test_unknown_apiversion_or_kind_returns_nothing() -> None:
    assert validate("example.com/v1", "Widget", {"spec": {"x": 1}}) == []
    assert validate("argoproj.io/v1alpha1", "Widget", {}) == []
    assert not has_schema("example.com/v1", "Widget")
    assert validate(None, None, {}) == []  # type: ignore[arg-type]


def test_never_raises_on_yaml_oddities() -> None:
    doc = rollout()
    doc["metadata"]["annotations"]["deployed"] = datetime.date(2024, 1, 2)
    doc["metadata"]["annotations"][1] = "x"
    assert check(doc) == []
    assert all(isinstance(p, SchemaProblem) for p in validate("argoproj.io/v1alpha1", "Rollout", [1]))


# ---------------------------------------------------------------- generated files


def catalog() -> dict:
    return json.loads((schema_dir() / "catalog.json").read_text(encoding="utf-8"))


def test_catalog_hashes_match_files() -> None:
    entries = catalog()["schemas"]
    assert {(e["apiVersion"], e["kind"]) for e in entries} >= {
        ("argoproj.io/v1alpha1", k) for k in
        ("Rollout", "AnalysisTemplate", "ClusterAnalysisTemplate", "AnalysisRun", "Experiment", "Application")
    } | {(f"networking.istio.io/{v}", k) for v in ("v1alpha3", "v1beta1", "v1")
         for k in ("VirtualService", "DestinationRule", "Gateway", "ServiceEntry")} | {
        ("v1", "Service"), ("apps/v1", "Deployment"), ("v1", "Namespace")}
    for e in entries:
        data = (schema_dir() / e["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == e["sha256"], e["file"]


def _keys(node: object) -> set[str]:
    if isinstance(node, dict):
        found = set()
        for k, v in node.items():
            found.add(k)
            found |= _keys(v) if k != "properties" else set().union(*(_keys(x) for x in v.values()))
        return found
    if isinstance(node, list):
        return set().union(set(), *(_keys(x) for x in node))
    return set()


def test_generated_schemas_are_stripped() -> None:
    for e in catalog()["schemas"]:
        keywords = _keys(json.loads((schema_dir() / e["file"]).read_text(encoding="utf-8")))
        assert "description" not in keywords, e["file"]
        assert not any(k.startswith("x-kubernetes") for k in keywords), e["file"]
        assert not {"format", "default", "nullable"} & keywords, e["file"]


def test_schema_dir_is_the_repo_schemas_in_a_checkout() -> None:
    assert (schema_dir() / "catalog.json").is_file()


# ---------------------------------------------------------------- upstream (skipped without ../shared)

needs_upstream = pytest.mark.skipif(not UPSTREAM.is_dir(), reason="../shared/upstream not available")


def _generate(out: Path) -> dict[str, bytes]:
    subprocess.run([sys.executable, str(REPO / "scripts" / "gen_schemas.py"), "--upstream", str(UPSTREAM),
                    "--out", str(out)], check=True, capture_output=True)
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@needs_upstream
def test_generator_is_deterministic_and_committed_schemas_are_fresh(tmp_path: Path) -> None:
    first = _generate(tmp_path / "a")
    second = _generate(tmp_path / "b")
    assert first == second
    committed = REPO / "schemas"
    stale = [rel for rel, data in first.items()
             if not (committed / rel).is_file() or (committed / rel).read_bytes() != data]
    assert stale == [], "schemas/ is stale: run scripts/gen_schemas.py"


UPSTREAM_KINDS = {"Rollout", "VirtualService", "DestinationRule", "AnalysisTemplate"}


def _upstream_valid_docs() -> list[tuple[str, dict]]:
    base = UPSTREAM / "argo-rollouts"
    files = sorted((base / "examples").rglob("*.yaml")) + sorted((base / "lint-testdata").glob("valid-*.yml"))
    docs = []
    for f in files:
        try:
            loaded = list(yaml.safe_load_all(f.read_text(encoding="utf-8")))
        except yaml.YAMLError:
            continue  # e.g. unquoted {{args.x}} templating: not YAML a cluster would accept either
        docs += [(f"{f.relative_to(base)}:{d['kind']}", d) for d in loaded
                 if isinstance(d, dict) and d.get("kind") in UPSTREAM_KINDS]
    return docs


@needs_upstream
def test_upstream_examples_validate() -> None:
    docs = _upstream_valid_docs()
    assert len(docs) > 20
    bad = [(name, p) for name, doc in docs for p in validate(doc["apiVersion"], doc["kind"], doc)
           if p.kind in ("unknown-field", "type")]
    assert bad == []


@needs_upstream
def test_upstream_unknown_field_fixture_is_caught() -> None:
    doc = yaml.safe_load((UPSTREAM / "argo-rollouts/lint-testdata/invalid-unknown-field.yml").read_text())
    problems = check(doc)
    assert [(p.kind, p.path[-1]) for p in problems] == [("unknown-field", "unknown-strategy")]


def test_module_does_not_import_jsonschema_rs_eagerly() -> None:
    code = "import sys, rolloutlint.views.schemas; print('jsonschema_rs' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=REPO)
    assert out.stdout.strip() == "False"
    assert schemas.__name__ == "rolloutlint.views.schemas"
