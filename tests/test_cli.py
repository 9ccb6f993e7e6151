"""CLI contract: exit codes, JSON output shape, config errors, stdin, outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rolloutlint.core.resources import data_dir
from tests.cli_run import run

BAD = """apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: reviews
spec:
  replicas: "five"
"""
GOOD = """apiVersion: v1
kind: Service
metadata:
  name: reviews
spec:
  selector: {app: reviews}
  ports: [{port: 9080}]
"""


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    # Only the schema rules: this file tests the CLI contract, not which rules fire.
    (tmp_path / ".rolloutlint.yaml").write_text("select: [RL0]\n")
    (tmp_path / "bad.yaml").write_text(BAD)
    (tmp_path / "good.yaml").write_text(GOOD)
    return tmp_path


def test_exit_codes(repo: Path) -> None:
    assert run(["lint", "good.yaml"], repo)[0] == 0
    assert run(["lint", "bad.yaml"], repo)[0] == 1
    assert run(["lint", "bad.yaml", "--fail-on", "never"], repo)[0] == 0
    assert run(["lint", "--format", "nope", "."], repo)[0] == 2
    assert run(["lint", "missing.yaml"], repo)[0] == 2


def test_text_output_line_format(repo: Path) -> None:
    code, out, _ = run(["lint", "bad.yaml", "--color", "never"], repo)
    assert code == 1
    first = out.splitlines()[0]
    assert first.startswith("bad.yaml:6:13: error RL011 ")
    assert first.endswith("[Rollout reviews]")
    assert "Found 1 error(s)" in out


def test_json_contract(repo: Path) -> None:
    import jsonschema

    code, out, _ = run(["lint", "--format", "json", "."], repo)
    assert code == 1
    doc = json.loads(out)
    schema = json.loads((data_dir("schemas") / "rolloutlint-output.schema.json").read_text())
    jsonschema.validate(doc, schema)
    f = doc["findings"][0]
    assert (f["rule"], f["name"], f["file"], f["line"], f["column"]) == ("RL011", "schema-violation", "bad.yaml", 6, 13)
    assert f["resource"] == {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "namespace": None, "name": "reviews"}
    assert f["path"] == "spec.replicas"
    assert doc["summary"] == {"files": 2, "documents": 2, "resources": 2, "errors": 1, "warnings": 0, "infos": 0}


def test_fingerprint_survives_line_moves(repo: Path) -> None:
    before = json.loads(run(["lint", "-f", "json", "bad.yaml"], repo)[1])["findings"][0]["fingerprint"]
    (repo / "bad.yaml").write_text("# a comment that moves every line\n\n" + BAD)
    after = json.loads(run(["lint", "-f", "json", "bad.yaml"], repo)[1])["findings"][0]
    assert after["line"] == 8 and after["fingerprint"] == before


def test_stdin(repo: Path) -> None:
    code, out, _ = run(["lint", "-f", "json", "-"], repo, input=BAD)
    doc = json.loads(out)
    assert code == 1 and doc["findings"][0]["file"] == "<stdin>"


def test_several_outputs(repo: Path) -> None:
    code, out, _ = run(["lint", "-f", "json", "-o", "out.json", "-f", "text", "."], repo)
    assert code == 1
    assert json.loads((repo / "out.json").read_text())["summary"]["errors"] == 1
    assert "bad.yaml:6:13" in out


def test_unknown_config_key_is_exit_2_with_suggestion(repo: Path) -> None:
    (repo / ".rolloutlint.yaml").write_text("select: [RL0]\nfial-on: warning\n")
    code, _, err = run(["lint", "."], repo)
    assert code == 2
    assert ".rolloutlint.yaml:2:1" in err and "did you mean 'fail-on'" in err


def test_config_selector_must_name_a_rule(repo: Path) -> None:
    (repo / ".rolloutlint.yaml").write_text("ignore: [unknown-fields]\n")
    code, _, err = run(["lint", "."], repo)
    assert code == 2 and "did you mean 'unknown-field'" in err


def test_config_severity_and_ignore(repo: Path) -> None:
    (repo / ".rolloutlint.yaml").write_text("select: [RL0]\nseverity: {schema-violation: warning}\n")
    assert run(["lint", "."], repo)[0] == 0
    assert run(["lint", ".", "--fail-on", "warning"], repo)[0] == 1
    (repo / ".rolloutlint.yaml").write_text("select: [RL0]\nignore: [RL01]\n")
    assert run(["lint", ".", "--fail-on", "info"], repo)[0] == 0


def test_exclude_globs(repo: Path) -> None:
    (repo / ".rolloutlint.yaml").write_text("select: [RL0]\nexclude: ['bad*.yaml']\n")
    assert run(["lint", "."], repo)[0] == 0


def test_internal_error_exit_3_without_traceback(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import rolloutlint.pipeline

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(rolloutlint.pipeline, "lint_project", boom)
    code, _, err = run(["lint", "."], repo)
    assert code == 3 and "internal error" in err and "Traceback" not in err


def test_python_dash_m_and_version(repo: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "rolloutlint", "--version"], capture_output=True, text=True, cwd=repo, check=False)
    assert proc.returncode == 0 and "rolloutlint" in proc.stdout


def test_wrong_type_selector_is_one_error(repo: Path) -> None:
    (repo / ".rolloutlint.yaml").write_text("select: RL1\n")
    code, _, err = run(["lint", "."], repo)
    assert code == 2
    assert err.count(".rolloutlint.yaml:") == 1 and "array" in err
