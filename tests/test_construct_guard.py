"""One document whose scalars cannot be built (a tag its text does not match, a number out of range) is a
finding on that document; every other file is still linted, simulated, fixed and generated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_run import run

ODD = {
    "bool": "!!bool maybe",
    "int": '!!int ""',
    "float": '!!float ""',
    "sexagesimal": ":".join(["59"] * 200) + ".5",
    "hexint": "0x" + "f" * 4000,
    "key": "{" + ":".join(["1"] * 200) + ".5: x}",
}

ROLLOUT = """apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: good
spec:
  replicas: 3
  revisionHistoryLimt: 2
  selector: {matchLabels: {app: good}}
  template:
    metadata: {labels: {app: good}}
    spec:
      containers:
      - {name: good, image: "good:1"}
  strategy:
    canary:
      steps:
      - setWeight: 20
"""


def _repo(tmp_path: Path, kind: str) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".rolloutlint.yaml").write_text("{}\n")
    (repo / "odd.yaml").write_text(f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: odd\ndata:\n  x: {ODD[kind]}\n"
                                   "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\n")
    (repo / "good.yaml").write_text(ROLLOUT)
    return repo


@pytest.fixture(params=["fast", "libyaml"])
def parse_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ROLLOUTLINT_FAST_PARSE", "1" if request.param == "fast" else "0")
    return str(request.param)


@pytest.mark.parametrize("kind", sorted(ODD))
def test_lint_reports_the_document_and_lints_the_rest(tmp_path: Path, kind: str, parse_path: str) -> None:
    repo = _repo(tmp_path, kind)
    code, out, err = run(["lint", "-f", "json", "."], repo)
    assert code == 1, err
    found = {(f["file"], f["rule"]) for f in json.loads(out)["findings"]}
    assert ("odd.yaml", "RL001") in found
    assert ("good.yaml", "RL010") in found  # the misspelled key in the other file is still reported
    line = next(f for f in json.loads(out)["findings"] if f["rule"] == "RL001")["line"]
    assert line == 6  # at the scalar, not the document start


@pytest.mark.parametrize("kind", ["bool", "sexagesimal", "hexint"])
def test_simulate_fix_and_cmp_go_on(tmp_path: Path, kind: str, parse_path: str) -> None:
    repo = _repo(tmp_path, kind)
    code, out, err = run(["simulate", "-f", "json", "."], repo)
    assert code in (0, 1), err
    assert [r["resource"]["name"] for r in json.loads(out)["rollouts"]] == ["good"]
    code, out, err = run(["cmp", "generate", "--mode", "warn"], repo)
    # An unreadable document fails generation (the output would be incomplete), naming every finding.
    assert code == 1 and out == "", err
    assert "odd.yaml:6:6: error RL001" in err and "good.yaml:7:3: error RL010" in err
    code, _, err = run(["lint", "--fix", "."], repo)
    assert code == 1, err  # RL001 stays
    assert "revisionHistoryLimit: 2" in (repo / "good.yaml").read_text()
    assert "internal error" not in err
