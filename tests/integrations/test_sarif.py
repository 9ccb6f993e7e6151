"""SARIF 2.1.0 output: valid against the OASIS schema (when the shared copy is present) and structurally
what github/codeql-action/upload-sarif needs (always)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rolloutlint.cli import cli
from rolloutlint.core.findings import Finding, Fix, Location, Related, Severity
from rolloutlint.core.model import ResourceRef
from rolloutlint.run.registry import all_rules
from rolloutlint.report import ReportOptions
from rolloutlint.report.sarif import FINGERPRINT_KEY, render
from tests.integrations.helpers import rollout, write_tree

SCHEMA = Path("/work/shared/upstream/sarif/sarif-schema-2.1.0.json")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    files = {
        "apps/reviews/rollout.yaml": rollout(extra="bogus: 1\nother: 2  # rolloutlint: disable=RL010 -- accepted in OPS-7\n"),
        "apps/ratings/rollout.yaml": rollout(name="ratings").replace("replicas: 5", 'replicas: "5"'),
        "broken.yaml": "key: [unclosed\n",
    }
    root = write_tree(tmp_path, files)
    monkeypatch.chdir(root)
    return root


def sarif_of(args: list[str]) -> tuple[int, dict]:  # type: ignore[type-arg]
    res = CliRunner().invoke(cli, ["lint", "-f", "sarif", *args])
    return res.exit_code, json.loads(res.output)


def synthetic() -> list[Finding]:
    ref = ResourceRef("argoproj.io/v1alpha1", "Rollout", "bookinfo", "reviews")
    return [Finding(rule="RL010", name="unknown-field", severity=Severity.WARNING, message='unknown field "x"',
                    location=Location("apps/r.yaml", 3, 5, 3, 5), path="spec.x", resource=ref,
                    related=(Related(Location("apps/dr.yaml", 9, 7, 9, 20), "DestinationRule reviews defines subsets: stable"),
                             Related(None, "declared nowhere")),
                    fix=Fix("rename", (), True)),
            Finding(rule="RL004", name="not-a-kubernetes-object", severity=Severity.INFO, message="m",
                    location=Location("/abs/path/x.yaml", 1, 1, 1, 1))]


def check_structure(doc: dict) -> None:  # type: ignore[type-arg]
    """What GitHub requires (docs: "Supported SARIF output file properties"), checked without the schema."""
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    (run,) = doc["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "rolloutlint" and driver["semanticVersion"]
    rules = driver["rules"]
    assert [r["id"] for r in rules] == [r.id for r in all_rules()]
    for r in rules:
        assert r["name"] and r["shortDescription"]["text"] and r["fullDescription"]["text"] and r["help"]["text"]
        assert len(r["shortDescription"]["text"]) <= 1024 and len(r["fullDescription"]["text"]) <= 1024
        assert r["helpUri"].endswith("#" + r["id"].lower()) and r["defaultConfiguration"]["level"] in ("error", "warning", "note")
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["level"] in ("error", "warning", "note") and res["message"]["text"]
        loc = res["locations"][0]["physicalLocation"]
        region = loc["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert (region["endLine"], region["endColumn"]) > (region["startLine"], region["startColumn"]) or region["endLine"] > region["startLine"]
        art = loc["artifactLocation"]
        assert not art["uri"].startswith("/")
        if "uriBaseId" in art:
            assert art["uriBaseId"] == "SRCROOT" and not art["uri"].startswith("file:")
        assert res["partialFingerprints"][FINGERPRINT_KEY]
        for s in res.get("suppressions", []):
            assert s["kind"] == "inSource" and s["justification"]


def test_structure_of_a_real_run(repo: Path) -> None:
    code, doc = sarif_of(["."])
    assert code == 1
    check_structure(doc)
    results = doc["runs"][0]["results"]
    by_msg = {r["message"]["text"]: r for r in results}
    sup = [r for r in results if "suppressions" in r]
    assert len(sup) == 1 and sup[0]["suppressions"][0]["justification"] == "accepted in OPS-7"
    bogus = next(r for m, r in by_msg.items() if m.startswith('unknown field "bogus"'))
    loc = bogus["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"] == {"uri": "apps/reviews/rollout.yaml", "uriBaseId": "SRCROOT"}
    assert loc["physicalLocation"]["region"]["startLine"] == 20
    assert loc["logicalLocations"][0]["fullyQualifiedName"].startswith("Rollout/reviews")
    assert any(r["ruleId"] == "RL001" for r in results)
    assert doc["runs"][0]["originalUriBaseIds"]["SRCROOT"]["uri"].startswith("file:///")


def test_synthetic_related_fix_and_absolute_paths() -> None:
    doc = json.loads(render(synthetic(), {"errors": 0}, ReportOptions()))
    check_structure(doc)
    first, second = doc["runs"][0]["results"]
    assert [r["id"] for r in first["relatedLocations"]] == [1, 2]
    assert first["relatedLocations"][0]["physicalLocation"]["region"]["startLine"] == 9
    assert "physicalLocation" not in first["relatedLocations"][1]
    assert first["locations"][0]["physicalLocation"]["region"]["endColumn"] == 6  # zero-width widened to one
    assert second["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "file:///abs/path/x.yaml"}
    assert second["level"] == "note"


def test_rule_help_comes_from_rule_docs() -> None:
    doc = json.loads(render([], {}, ReportOptions()))
    rule = next(r for r in doc["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "RL006")
    assert rule["name"] == "invalid-suppression"
    assert "## Why it matters" in rule["help"]["markdown"] and "Why it matters" in rule["help"]["text"]
    assert rule["helpUri"] == "https://github.com/rolloutlint/rolloutlint/blob/main/docs/rules.md#rl006"
    assert rule["defaultConfiguration"]["level"] == "warning"


@pytest.mark.skipif(not SCHEMA.is_file(), reason="shared SARIF schema copy not present (/work/shared)")
def test_valid_against_the_oasis_schema(repo: Path) -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft4Validator(schema)
    _, doc = sarif_of(["."])
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    synth = json.loads(render(synthetic(), {}, ReportOptions()))
    errors = list(validator.iter_errors(synth))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_sarif_and_text_in_one_run(repo: Path) -> None:
    res = CliRunner().invoke(cli, ["lint", "-f", "text", "-f", "sarif", "-o", "-", "-o", "out.sarif", "."])
    assert res.exit_code == 1
    assert "RL010" in res.output
    check_structure(json.loads((repo / "out.sarif").read_text()))


def test_uris_are_relative_to_the_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sub = tmp_path / "deploy"
    sub.mkdir()
    monkeypatch.chdir(sub)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    f = synthetic()[0]
    run = json.loads(render([f], {}, ReportOptions()))["runs"][0]
    assert run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "deploy/apps/r.yaml", "uriBaseId": "SRCROOT"}
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == tmp_path.resolve().as_uri() + "/"
