"""`simulate` options and table: --step validation, clamped weights, units, experiment pods, the JSON schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from rolloutlint.core.resources import data_dir
from tests.cli_run import run

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

EXPERIMENT = """apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: shop}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "web:1"}]}
  strategy:
    canary:
      canaryService: web-canary
      stableService: web-stable
      trafficRouting:
        istio:
          virtualService: {name: web, routes: [primary]}
      steps:
      - setWeight: 90
      - experiment:
          templates:
          - {name: baseline, specRef: stable, replicas: 2, weight: 20}
          - {name: candidate, specRef: canary, weight: 20}
      - pause: {duration: 300}
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: web, namespace: shop}
spec:
  hosts: [web]
  http:
  - name: primary
    route:
    - destination: {host: web-stable}
      weight: 100
    - destination: {host: web-canary}
      weight: 0
"""


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    (tmp_path / "web.yaml").write_text(EXPERIMENT)
    return tmp_path


def _rows(out: str) -> dict[str, list[str]]:
    lines = out.splitlines()
    header = lines[1]
    starts = [header.index(h) for h in ("action", "canary %", "stable %", "canary pods", "stable pods", "pause")]
    rows = {}
    for line in lines[3:]:
        cells = [line[a:b].strip() for a, b in zip([0, *starts], [*starts, len(line)])]
        rows[cells[0]] = cells[1:]
    return rows


def test_table_clamps_stable_weight_and_shows_units_and_experiment_pods(repo: Path) -> None:
    code, out, _ = run(["simulate", "."], repo)
    assert code == 0
    rows = _rows(out)
    action, _canary, stable, *_ = rows["1"]
    assert stable == "0"  # 100 - 90 - 20 - 20 = -30 in the status; the VirtualService gets 0
    assert "baseline (2 stable pods)" in action and "candidate (1 canary pod)" in action
    assert rows["2"][0] == "pause 300s" and rows["2"][-1].split()[0] == "300s"
    _, yaml_out, _ = run(["simulate", ".", "-f", "yaml", "--step", "1"], repo)
    assert "weight: -" not in yaml_out


@pytest.mark.parametrize("args", [["--step", "1"], ["-f", "json", "--step", "0"], ["-f", "yaml", "--step", "-1"],
                                  ["-f", "yaml", "--step", "7"], ["-f", "yaml"]])
def test_step_misuse_is_a_usage_error(repo: Path, args: list[str]) -> None:
    code, out, err = run(["simulate", ".", *args], repo)
    assert code == 2 and out == "" and err


def test_help_has_no_internal_jargon(repo: Path) -> None:
    out = run(["simulate", "--help"], repo)[1]
    assert "DESIGN" not in out and "rolloutlint-simulate.schema.json" in " ".join(out.split())


def _schema() -> dict:
    return json.loads((data_dir("schemas") / "rolloutlint-simulate.schema.json").read_text())


def test_json_output_matches_the_schema(repo: Path) -> None:
    for where in (repo, ROOT / "examples" / "bookinfo"):
        code, out, _ = run(["simulate", str(where), "-f", "json"], repo)
        assert code == 0
        jsonschema.validate(json.loads(out), _schema())


def test_schema_rejects_a_malformed_document() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": 1, "rollouts": [{"resource": {}}]}, _schema())


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is absent")
def test_upstream_examples_match_the_schema(tmp_path: Path) -> None:
    code, out, _ = run(["simulate", str(SHARED / "upstream/argo-rollouts/examples"), "-f", "json"], tmp_path)
    assert code == 0
    doc = json.loads(out)
    assert doc["rollouts"]
    jsonschema.validate(doc, _schema())
