"""`rolloutlint simulate` against the project index: text, json (DESIGN contract) and yaml output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from rolloutlint.cli import cli

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "bookinfo"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def invoke(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(cli, ["simulate", *args], catch_exceptions=False)
    return res.exit_code, res.stdout


def test_json_contract_for_example() -> None:
    code, out = invoke(str(EXAMPLE), "-f", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["version"] == 1
    (ro,) = doc["rollouts"]
    assert ro["resource"]["name"] == "reviews" and ro["resource"]["namespace"] == "bookinfo"
    assert (ro["strategy"], ro["trafficRouting"], ro["replicas"]) == ("canary", "istio", 5)
    weights = [(s["weight"]["canary"], s["weight"]["stable"]) for s in ro["steps"] if "setWeight" in s["step"]]
    assert weights == [(10, 90), (25, 75), (50, 50), (80, 20)]
    # Traffic-routed canary: the stable side keeps all 5 pods until promotion.
    assert {s["replicas"]["stable"] for s in ro["steps"]} == {5}
    step0 = ro["steps"][0]
    route = step0["virtualServices"][0]["routes"][0]
    assert [(d["subset"], d["weight"]) for d in route["destinations"]] == [("stable", 90), ("canary", 10)]
    assert ro["promoted"]["weight"] == {"canary": 0, "stable": 100}
    assert ro["aborted"]["replicas"]["stable"] == 5


def test_yaml_step_is_rewritten_virtualservice() -> None:
    code, out = invoke(str(EXAMPLE), "-f", "yaml", "--step", "4")
    assert code == 0
    docs = {d["kind"]: d for d in yaml.safe_load_all(out)}
    weights = [r["weight"] for r in docs["VirtualService"]["spec"]["http"][0]["route"]]
    assert weights == [50, 50]
    labels = {s["name"]: s["labels"] for s in docs["DestinationRule"]["spec"]["subsets"]}
    assert labels["canary"]["rollouts-pod-template-hash"] != labels["stable"]["rollouts-pod-template-hash"]


def test_text_table_and_rollout_filter() -> None:
    code, out = invoke(str(EXAMPLE), "--rollout", "bookinfo/reviews")
    assert code == 0 and "setWeight 50" in out and "promoted" in out and "aborted" in out
    code, _ = invoke(str(EXAMPLE), "--rollout", "nope")
    assert code == 2


def test_yaml_needs_step() -> None:
    assert invoke(str(EXAMPLE), "-f", "yaml")[0] == 2


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is absent")
@pytest.mark.parametrize("sub", ["upstream/argo-rollouts/examples", "upstream/corpus"])
def test_every_upstream_rollout_simulates(sub: str) -> None:
    code, out = invoke(str(SHARED / sub), "-f", "json")
    assert code == 0
    rollouts = json.loads(out)["rollouts"]
    assert rollouts, "expected Rollouts in the upstream directory"
    crashed = [r["resource"] for r in rollouts if any("internal error" in p for p in r.get("problems", []))]
    assert not crashed


def test_basic_canary_traffic_follows_the_pods(tmp_path: Path) -> None:
    """No traffic router: setWeight 20 on 3 replicas runs 1 canary pod beside 3 stable ones (maxSurge 25%), so the
    canary gets a quarter of the requests (Argo's CLI shows ActualWeight 25); the set weight stays in JSON."""
    (tmp_path / "r.yaml").write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: basic}\nspec:\n  replicas: 3\n"
        "  selector: {matchLabels: {app: basic}}\n  template:\n    metadata: {labels: {app: basic}}\n"
        "    spec: {containers: [{name: c, image: nginx}]}\n"
        "  strategy:\n    canary:\n      steps: [{setWeight: 20}, {pause: {}}, {setWeight: 50}]\n")
    code, out = invoke(str(tmp_path / "r.yaml"), "-f", "json")
    steps = json.loads(out)["rollouts"][0]["steps"]
    assert code == 0 and [(s["weight"]["canary"], s["weight"]["actual"], s["replicas"]["canary"], s["replicas"]["stable"])
                          for s in steps] == [(20, 25, 1, 3), (20, 25, 1, 3), (50, 50, 2, 2)]
    code, text = invoke(str(tmp_path / "r.yaml"))
    assert "no traffic routing: traffic follows the pods" in text
    assert [line.split()[3:5] for line in text.splitlines() if line.startswith(("0 ", "2 "))] == [["25", "75"], ["50", "50"]]
