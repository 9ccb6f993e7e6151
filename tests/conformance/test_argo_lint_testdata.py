"""Conformance with `kubectl argo rollouts lint`: its own testdata, linted one file at a time.

The files and their expected verdicts come from argo-rollouts `pkg/kubectl-argo-rollouts/cmd/lint/testdata`
(copied under /work/shared, see its README). Every `valid-*` file must give no error and every `invalid-*`
file at least one, from any rule.

Argo's lint command resolves references only inside the linted file and skips references it cannot find
(RO702): a Rollout naming a Service, AnalysisTemplate or Deployment that is not in the file still passes.
rolloutlint indexes a whole project and reports absent objects, so the verdicts are compared in the
equivalent configuration: every referenced kind declared `external` (name `*`), which is how a rolloutlint
user says "these objects live elsewhere". `test_default_mode_only_reports_absent_objects` checks that,
without that configuration, the only extra errors on valid files are the missing-object rules.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from rolloutlint.api import lint_paths
from rolloutlint.core.findings import Severity

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
TESTDATA = SHARED / "upstream" / "argo-rollouts" / "lint-testdata"

pytestmark = pytest.mark.skipif(not TESTDATA.is_dir(), reason=f"Argo lint testdata not available ({TESTDATA})")

# Kinds a Rollout (or its Services/Ingresses) can reference by name.
REFERENCED_KINDS = ("Service", "VirtualService", "DestinationRule", "Ingress", "Deployment", "ReplicaSet",
                    "PodTemplate", "AnalysisTemplate", "ClusterAnalysisTemplate", "TrafficSplit", "Gateway")
ARGO_LINT_CONFIG = "external:\n" + "".join(f"  - {{kind: {k}, name: '*'}}\n" for k in REFERENCED_KINDS)

# Rules whose only job is to report an object that is not in the project.
MISSING_OBJECT_RULES = {"RL112", "RL207", "RL301", "RL309", "RL320", "RL323", "RL325", "RL401"}

# invalid-* files whose error needs a check that does not exist yet: file -> reason (none at the moment).
XFAIL_INVALID: dict[str, str] = {}

# valid-* files the controller rejects although Argo's lint passes them: file -> (rule, why). Argo's lint ties an
# Ingress to a Rollout only when it already routes to the Rollout's stable Service (`setIngressManagedAnnotation`),
# so it can never report RO407; the controller looks the Ingress up by name and runs `ValidateIngress`.
CONTROLLER_REJECTS = {
    "valid-nginx-canary.yml": ("RL324", ("the stable Ingress routes to nginx-rollout-root, not the stable Service "
                                        "nginx-rollout-stable: ingress `nginx-rollout-ingress` has no rules using "
                                        "service nginx-rollout-stable backend")),
}


def _expected(src: Path, errors: list) -> list:  # type: ignore[type-arg]
    """The errors left once the controller's rejection of a file Argo's lint passes is accounted for."""
    known = CONTROLLER_REJECTS.get(src.name)
    return [f for f in errors if known is None or f.rule != known[0]]


def _files() -> list[Path]:
    if not TESTDATA.is_dir():
        return []
    return sorted(p for p in TESTDATA.iterdir()
                  if p.is_file() and p.suffix in (".yml", ".yaml", ".json") and p.name.startswith(("valid", "invalid")))


FILES = _files()


def _lint_alone(src: Path, tmp_path: Path, config: str) -> list:  # type: ignore[type-arg]
    """Lint one testdata file as its own project (a copy in an empty directory, with its own config)."""
    root = tmp_path / "project"
    root.mkdir()
    copy = root / src.name
    shutil.copy(src, copy)
    (root / ".rolloutlint.yaml").write_text(config, encoding="utf-8")
    result = lint_paths([str(copy)], cwd=copy.parent)
    return [f for f in result.findings if f.suppressed is None]


def _errors(findings: list) -> list:  # type: ignore[type-arg]
    return [f for f in findings if f.severity == Severity.ERROR]


def _show(findings: list) -> str:  # type: ignore[type-arg]
    return "\n".join(f"  {f.location.line}:{f.location.column} {f.rule} {f.severity.label}: {f.message}" for f in findings)


def test_readme_lists_every_file() -> None:
    readme = (TESTDATA / "README.md").read_text(encoding="utf-8")
    passing = set(re.findall(r"\b(valid[\w.-]*\.(?:yml|yaml|json))", readme.split("## Expected to FAIL")[0]))
    failing = set(re.findall(r"\|\s*(invalid[\w.-]*\.(?:yml|yaml|json))\s*\|", readme))
    names = {p.name for p in FILES}
    assert passing == {n for n in names if n.startswith("valid")}
    assert failing == {n for n in names if n.startswith("invalid")}


@pytest.mark.parametrize("src", FILES, ids=[p.name for p in FILES])
def test_verdict_matches_argo_lint(src: Path, tmp_path: Path) -> None:
    findings = _lint_alone(src, tmp_path, ARGO_LINT_CONFIG)
    errors = _errors(findings)
    if src.name.startswith("valid"):
        if src.name in CONTROLLER_REJECTS:  # and the rule that mirrors the controller does report it
            assert any(f.rule == CONTROLLER_REJECTS[src.name][0] for f in errors), _show(findings)
        errors = _expected(src, errors)
        assert not errors, f"{src.name} passes `kubectl argo rollouts lint` but rolloutlint reports:\n{_show(errors)}"
    else:
        if src.name in XFAIL_INVALID and not errors:
            pytest.xfail(XFAIL_INVALID[src.name])
        assert errors, f"{src.name} fails `kubectl argo rollouts lint` but rolloutlint reports no error:\n{_show(findings)}"


@pytest.mark.parametrize("src", [p for p in FILES if p.name.startswith("valid")],
                         ids=[p.name for p in FILES if p.name.startswith("valid")])
def test_default_mode_only_reports_absent_objects(src: Path, tmp_path: Path) -> None:
    """Without `external`, a valid file may only fail because an object it names is not in the project."""
    errors = _expected(src, _errors(_lint_alone(src, tmp_path, "{}\n")))
    other = [f for f in errors if f.rule not in MISSING_OBJECT_RULES]
    assert not other, f"{src.name}: errors other than absent objects:\n{_show(other)}"
