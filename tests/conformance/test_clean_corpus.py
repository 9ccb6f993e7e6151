"""Clean, real-world configurations get no errors. Every error rolloutlint reports on ../shared/upstream/corpus
and ../shared/upstream/argo-rollouts/examples is listed here with the real bug in that file; anything
else is a false positive and fails this test."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolloutlint.api import lint_paths
from rolloutlint.core.findings import Severity

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
LINT_TESTDATA = "pkg/kubectl-argo-rollouts/cmd/lint/testdata/"
MISSING_TEMPLATE = "references AnalysisTemplate 'integrationtests', which Argo's lint fixtures never define"

# (project, file, rule) -> the real problem in that file.
KNOWN_BUGS: dict[tuple[str, str, str], str] = {
    ("argo-rollouts/examples", "appmesh/canary-rollout.yaml", "RL320"):
        "canaryService/stableService name Services that live in examples/appmesh/canary-service.yaml upstream, "
        "a file not copied here: in this project they really are missing",
    ("argo-rollouts/examples", "traffic-management/rollout-linkerd.yaml", "RL011"):
        "`linkerd.io/inject: {{args.linkerd-enabled}}` is unquoted, so YAML reads a mapping; the API server "
        "rejects a non-string annotation",
    ("corpus/argoproj__argo-rollouts", "examples/traffic-management/rollout-linkerd.yaml", "RL011"):
        "same unquoted `{{args.linkerd-enabled}}` annotation as the upstream example",
    ("corpus/argoproj__argo-rollouts", "test/e2e/expectedfailures/analysis-run-failfast.yaml", "RL001"):
        "a mis-indented `restartPolicy` makes the file invalid YAML",
    ("corpus/argoproj__argo-rollouts", "test/e2e/expectedfailures/experiment-error-template-missing.yaml", "RL401"):
        "an e2e fixture that deliberately names the missing template 'does-not-exist'",
    ("corpus/argoproj__argo-rollouts", "test/e2e/step-plugin/template-rollout.yaml", "RL104"):
        "label value `step-plugin-e2e-$$name$$` is an unrendered e2e placeholder, invalid as written",
    ("corpus/balucm999__canary-istio-argo-rollouts", "Advance traffic management using Istio/istio-canary.yaml", "RL204"):
        "two mesh VirtualServices in itm-demo declare the same host (IST0109): the tutorial's alternative steps "
        "conflict when applied together",
    ("corpus/balucm999__canary-istio-argo-rollouts", "Advance traffic management using Istio/istio-fault-injection.yaml", "RL204"):
        "the other side of the IST0109 conflict above",
    ("corpus/argoproj__argo-rollouts", LINT_TESTDATA + "valid.yml", "RL401"): MISSING_TEMPLATE,
    ("corpus/argoproj__argo-rollouts", LINT_TESTDATA + "valid-nginx-canary.yml", "RL324"):
        "the stable Ingress routes to nginx-rollout-root, not the stable Service: the controller's ValidateIngress "
        "rejects it; Argo's lint passes it because it only ties Ingresses that route to the stable Service",
    ("corpus/argoproj__argo-rollouts", LINT_TESTDATA + "invalid-nginx-canary.yml", "RL324"):
        "the same Ingress as valid-nginx-canary.yml (routes to nginx-rollout-root)",
    ("corpus/argoproj__argo-rollouts", LINT_TESTDATA + "valid-nginx-smi-with-vsvc.yaml", "RL324"):
        "this fixture holds no Ingress; linted with the other fixtures, its stableIngress finds "
        "valid-nginx-canary.yml's, which routes to nginx-rollout-root",
    ("corpus/argoproj__argo-rollouts", "test/e2e/functional/alb-canary-multi-ingress-rollout.yaml", "RL324"):
        "rootService is alb-canary-root but both Ingresses route to alb-canary-multi-ingress-root: ValidateIngress "
        "rejects them (the AWS e2e suite using it is skipped unless ALB annotations are configured)",
}
# Argo's own lint fixtures named invalid-* are meant to fail (their README gives each verdict).
INVALID_FIXTURE_RULES = {"RL010", "RL011", "RL100", "RL102", "RL130", "RL136", "RL321", "RL401"}

PROJECTS = ["argo-rollouts/examples", "corpus/argoproj__argo-rollouts", "corpus/balucm999__canary-istio-argo-rollouts",
            "corpus/adventurewave-labs__gitops-progressive-delivery-demo", "corpus/ams0__pd-argo-rollouts-istio-gateway-api"]


def _explained(project: str, file: str, rule: str) -> bool:
    if (project, file, rule) in KNOWN_BUGS:
        return True
    name = file.rsplit("/", 1)[-1]
    return file.startswith(LINT_TESTDATA) and name.startswith("invalid") and rule in INVALID_FIXTURE_RULES


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is absent")
@pytest.mark.parametrize("project", PROJECTS)
def test_no_unexplained_errors(project: str) -> None:
    root = SHARED / "upstream" / project
    result = lint_paths([str(root)], cwd=root)
    unexplained = [f"{f.location.file}:{f.location.line} {f.rule} {f.message}" for f in result.findings
                   if f.severity is Severity.ERROR and not _explained(project, f.location.file, f.rule)]
    assert not unexplained, "errors on clean upstream configurations (false positives?):\n" + "\n".join(unexplained)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is absent")
def test_known_bugs_are_still_found() -> None:
    """The list above must not go stale: each listed bug is still reported."""
    found: set[tuple[str, str, str]] = set()
    for project in {p for p, _, _ in KNOWN_BUGS}:
        root = SHARED / "upstream" / project
        found |= {(project, f.location.file, f.rule) for f in lint_paths([str(root)], cwd=root).findings}
    assert set(KNOWN_BUGS) <= found, sorted(set(KNOWN_BUGS) - found)
