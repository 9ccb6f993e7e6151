"""`cmp generate` on a plain directory deploys what Argo CD's directory source would, printed as written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rolloutlint.core.argocd_source import glob_match
from rolloutlint.load.argocd_directory import deployed
from tests.integrations.helpers import CONFIG, write_tree
from tests.integrations.test_cmp import argocd_env, generate

CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
data:
  k: v
"""

TEMPLATE = """\
# The canary's apdex, from SkyWalking.
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: apdex
spec:
  args:
    - name: service-name
  metrics:
    - name: apdex
      successCondition: "result.apdex.error == nil"   # quoted, with a comment
      provider:
        skywalking:
          address: http://oap.istio-system:12800
          interval: 3m
          query: |
            query CanaryApdex($duration: Duration!) {
              apdex: execExpression(
                expression: "service_apdex"
                entity: {serviceName: "{{args.service-name}}", normal: true}
                duration: $duration
              ) {
                type
                error
                results { values { value } }
              }
            }
"""


@pytest.fixture
def app(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "repo", {
        "apps/web/.rolloutlint.yaml": CONFIG,
        "apps/web/a.yaml": CONFIGMAP.format(name="a"),
        "apps/web/b.json": '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}\n',
        "apps/web/old/c.yaml": CONFIGMAP.format(name="c"),
        "apps/web/tests/d.yaml": CONFIGMAP.format(name="d"),
    })
    return root / "apps/web"


def _names(proc: object) -> list[str]:
    return sorted(d["metadata"]["name"] for d in yaml.safe_load_all(proc.stdout))  # type: ignore[attr-defined]


def test_subdirectories_are_not_deployed_by_default(app: Path) -> None:
    proc = generate(app, argocd_env("apps/web"))
    assert proc.returncode == 0, proc.stderr.decode()
    assert _names(proc) == ["a", "b"]


def test_recurse_include_exclude_as_parameters(app: Path) -> None:
    assert _names(generate(app, argocd_env("apps/web", PARAM_RECURSE="true"))) == ["a", "b", "c", "d"]
    assert _names(generate(app, argocd_env("apps/web", PARAM_RECURSE="true", PARAM_EXCLUDE="{old,tests}/*"))) == \
        ["a", "b"]
    assert _names(generate(app, argocd_env("apps/web", PARAM_RECURSE="true", PARAM_INCLUDE="*.yaml"))) == \
        ["a", "c", "d"]
    assert _names(generate(app, argocd_env("apps/web"), "--recurse", "true", "--include", "old/*")) == ["c"]
    bad = generate(app, argocd_env("apps/web", PARAM_RECURSE="yes"))
    assert bad.returncode == 2 and b"true, false" in bad.stderr


def test_findings_in_undeployed_folders_do_not_fail_generation(app: Path) -> None:
    (app / "old/broken.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: [\n")
    assert generate(app, argocd_env("apps/web")).returncode == 0
    assert generate(app, argocd_env("apps/web", PARAM_RECURSE="true")).returncode == 1


def test_documents_are_printed_as_written(app: Path) -> None:
    (app / "analysis.yaml").write_text(TEMPLATE)
    (app / "multi.yaml").write_text("---\n" + CONFIGMAP.format(name="m1") + "---\n  # indented comment\n"
                                    + CONFIGMAP.format(name="m2") + "...\n")
    proc = generate(app, argocd_env("apps/web"))
    assert proc.returncode == 0, proc.stderr.decode()
    out = proc.stdout.decode()
    body = TEMPLATE.split("\n", 1)[1]  # the leading comment is outside the document's content
    assert body in out  # the block scalar, the quoting and the trailing comment, verbatim
    assert _names(proc) == ["a", "apdex", "b", "m1", "m2"]
    assert out.count("---\n") == 5


@pytest.mark.parametrize(("pattern", "path", "expected"), [
    ("*.yaml", "a.yaml", True), ("*.yaml", "old/a.yaml", True),  # no separators: * crosses /
    ("old/*", "old/a.yaml", True), ("old/*", "a.yaml", False),
    ("{a,b}.yaml", "b.yaml", True), ("{a,b}.yaml", "c.yaml", False),
    ("?.json", "b.json", True), ("[ab].json", "c.json", False), ("[!a].json", "c.json", True),
])
def test_glob_semantics(pattern: str, path: str, expected: bool) -> None:
    assert glob_match(pattern, path) is expected


def test_deployed_without_recurse(tmp_path: Path) -> None:
    files = [tmp_path / "a.yaml", tmp_path / "sub" / "b.yaml", tmp_path.parent / "c.yaml"]
    assert deployed(files, tmp_path, recurse=False) == {tmp_path / "a.yaml"}
    assert deployed(files, tmp_path, recurse=True) == {tmp_path / "a.yaml", tmp_path / "sub" / "b.yaml"}
