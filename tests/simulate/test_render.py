"""Text table and per-step YAML views of simulation results."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from rolloutlint.simulate import render_step_yaml, render_text, simulate_rollout

VS = {"apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
      "metadata": {"name": "reviews", "namespace": "bookinfo"},
      "spec": {"hosts": ["reviews"], "http": [{"name": "primary", "route": [
          {"destination": {"host": "reviews", "subset": "stable"}, "weight": 100},
          {"destination": {"host": "reviews", "subset": "canary"}, "weight": 0}]}]}}
DR = {"apiVersion": "networking.istio.io/v1beta1", "kind": "DestinationRule",
      "metadata": {"name": "reviews", "namespace": "bookinfo"},
      "spec": {"host": "reviews", "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}},
               "subsets": [{"name": "stable", "labels": {"app": "reviews"}},
                           {"name": "canary", "labels": {"app": "reviews"}}]}}
ROLLOUT = {"metadata": {"name": "reviews-rollout", "namespace": "bookinfo"},
           "spec": {"replicas": 5, "strategy": {"canary": {
               "analysis": {"templates": [{"templateName": "apdex"}]},
               "trafficRouting": {"istio": {
                   "virtualService": {"name": "reviews", "routes": ["primary"]},
                   "destinationRule": {"name": "reviews", "canarySubsetName": "canary",
                                       "stableSubsetName": "stable"}}},
               "steps": [{"setWeight": 10}, {"pause": {"duration": "10m"}}, {"setWeight": 60}, {"pause": {}}]}}}}


def _result() -> dict[str, Any]:
    return simulate_rollout(ROLLOUT, virtual_services={"bookinfo/reviews": VS}, destination_rule=DR)


def test_render_text_table() -> None:
    result = dict(_result(), resource={"kind": "Rollout", "namespace": "bookinfo", "name": "reviews-rollout",
                                       "file": "rollout.yaml", "line": 1})
    text = render_text([result])
    lines = text.splitlines()
    assert lines[0] == "Rollout bookinfo/reviews-rollout (rollout.yaml:1): canary, istio, 5 replicas"
    assert lines[1].split() [:2] == ["step", "action"]
    assert set(lines[2].replace(" ", "")) == {"-"}
    row0 = lines[3].split()
    assert row0 == ["0", "setWeight", "10", "10", "90", "1", "5", "-", "apdex"]
    assert "10m" in lines[4] and "manual" in lines[6]
    # Past the last step (setWeight 40 here) the controller sends everything to the canary at full size,
    # until it promotes (reconcile research §4, Example A's "end of steps" row).
    assert lines[7].split()[:7] == ["-", "end", "of", "steps", "100", "0", "5"]
    assert lines[8].split()[:6] == ["-", "promoted", "0", "100", "0", "5"]
    assert lines[9].split()[:6] == ["-", "aborted", "0", "100", "0", "5"]
    assert text.endswith("\n")


def test_render_text_lists_problems_and_several_rollouts() -> None:
    text = render_text([_result(), simulate_rollout({"spec": {}})])
    assert text.count("\n\nRollout") == 1
    assert "! spec.strategy is missing" in text
    assert render_text([]) == ""


def test_render_step_yaml_full_documents() -> None:
    docs = list(yaml.safe_load_all(render_step_yaml(_result(), 2)))
    vs, dr = docs
    assert vs["kind"] == "VirtualService" and vs["spec"]["hosts"] == ["reviews"]
    assert [d["weight"] for d in vs["spec"]["http"][0]["route"]] == [40, 60]
    assert dr["spec"]["trafficPolicy"] == {"tls": {"mode": "ISTIO_MUTUAL"}}  # untouched fields survive
    assert [s["labels"]["rollouts-pod-template-hash"] for s in dr["spec"]["subsets"]] == ["<stable>", "<canary>"]


def test_render_step_yaml_keeps_key_order() -> None:
    text = render_step_yaml(_result(), 0)
    assert text.index("apiVersion") < text.index("kind") < text.index("metadata") < text.index("spec")


def test_render_step_yaml_from_json_summary() -> None:
    result = json.loads(json.dumps(_result()))  # documents are not part of the JSON contract
    vs, dr = yaml.safe_load_all(render_step_yaml(result, 0))
    assert vs["metadata"] == {"name": "reviews", "namespace": "bookinfo"}
    assert vs["spec"]["http"] == [{"name": "primary", "route": [
        {"destination": {"host": "reviews", "subset": "stable"}, "weight": 90},
        {"destination": {"host": "reviews", "subset": "canary"}, "weight": 10}]}]
    assert dr["spec"]["subsets"][1]["labels"]["rollouts-pod-template-hash"] == "<canary>"


def test_render_step_yaml_without_traffic_routing_and_bad_step() -> None:
    basic = simulate_rollout({"spec": {"replicas": 2, "strategy": {"canary": {"steps": [{"setWeight": 50}]}}}})
    assert render_step_yaml(basic, 0).startswith("# step 0: no VirtualService")
    with pytest.raises(ValueError, match="no step 7"):
        render_step_yaml(basic, 7)


def test_results_dump_as_plain_yaml() -> None:
    result = _result()
    for dumper in (yaml.SafeDumper, getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
        assert yaml.safe_load(yaml.dump(result, Dumper=dumper)) == json.loads(json.dumps(result))
