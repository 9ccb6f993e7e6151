"""The rule catalog: every built-in rule is listed by `rolloutlint rules --format json` with complete docs
(the template sections and metadata), and `explain` shows a rule's docs and examples.

Pass/fail examples themselves are run by tests/test_rule_examples.py; here only their presence in the
catalog is checked.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rolloutlint.run.registry import all_rules
from rolloutlint.ruledocs import EXPECT_RE, missing_sections
from tests.cli_run import run

REQUIRED = ("What it checks", "Why it matters", "How to fix")
NO_EXAMPLES = {"RL999"}  # internal-error cannot be triggered by a manifest
RULE_KEYS = {"id", "name", "severity", "summary", "fixable", "upstream", "kinds", "options", "source", "url",
             "docs", "examples", "fix"}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:  # type: ignore[type-arg]
    code, out, err = run(["rules", "--format", "json"], tmp_path_factory.mktemp("empty"))
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


def test_every_builtin_rule_is_listed(catalog: list[dict]) -> None:  # type: ignore[type-arg]
    assert [r["id"] for r in catalog] == [r.id for r in all_rules()]
    assert len({r["name"] for r in catalog}) == len(catalog)


def test_json_shape(catalog: list[dict]) -> None:  # type: ignore[type-arg]
    for r in catalog:
        assert set(r) == RULE_KEYS, r["id"]
        assert r["severity"] in ("error", "warning", "info")
        assert isinstance(r["fixable"], bool) and isinstance(r["kinds"], list) and isinstance(r["options"], dict)
        assert r["source"] == "builtin" and r["url"].endswith("#" + r["id"].lower())
        assert r["summary"] and not r["summary"].endswith(".")
        assert isinstance(r["docs"]["summary"], str) and isinstance(r["docs"]["sections"], dict)
        for ex in r["examples"]:
            assert ex["kind"] in ("pass", "fail") and ex["files"]
            for f in ex["files"]:
                assert set(f) == {"path", "text", "reportedLines", "truncated"}
                assert not EXPECT_RE.search(f["text"]), f"{r['id']} {f['path']}: `# expect:` marker not stripped"


def test_docs_are_complete(catalog: list[dict]) -> None:  # type: ignore[type-arg]
    bad = []
    for r in catalog:
        for section in REQUIRED:
            if not r["docs"]["sections"].get(section, "").strip():
                bad.append(f"{r['id']}: empty or missing '## {section}'")
        if r["options"] and "Options" not in r["docs"]["sections"]:
            bad.append(f"{r['id']}: has options but no '## Options' section")
    assert not bad, "\n".join(bad)


def test_rules_with_examples_have_both_kinds(catalog: list[dict]) -> None:  # type: ignore[type-arg]
    bad = [r["id"] for r in catalog if r["id"] not in NO_EXAMPLES
           and {e["kind"] for e in r["examples"]} != {"pass", "fail"}]
    assert not bad, f"rules without a pass and a fail example in the catalog: {bad}"
    failing = [r for r in catalog if r["examples"] and r["examples"][0]["kind"] == "fail"]
    assert all(any(f["reportedLines"] for f in r["examples"][0]["files"]) for r in failing)


def test_upstream_template_section() -> None:
    """`## Upstream` is part of the template: every rule says which upstream check it mirrors (or none)."""
    lacking = sorted(r.id for r in all_rules() if "Upstream" in missing_sections(r))
    assert not lacking, lacking


def test_rules_text_and_markdown(tmp_path: Path) -> None:
    code, out, _ = run(["rules"], tmp_path)
    assert code == 0
    assert out.splitlines()[0].split() == ["ID", "NAME", "SEVERITY", "FIX", "UPSTREAM", "SUMMARY"]
    assert any(line.startswith("RL301  virtualservice-not-found") and "Argo Rollouts" in line
               for line in out.splitlines())
    code, out, _ = run(["rules", "--format", "markdown"], tmp_path)
    assert code == 0 and '<a id="rl301"></a>' in out and "| [RL301](#rl301) |" in out


def test_explain_by_id_and_name(tmp_path: Path) -> None:
    code, by_id, _ = run(["explain", "RL301"], tmp_path)
    assert code == 0
    _, by_name, _ = run(["explain", "virtualservice-not-found"], tmp_path)
    assert by_id == by_name
    for heading in ("WHAT IT CHECKS", "WHY IT MATTERS", "HOW TO FIX", "UPSTREAM", "EXAMPLES"):
        assert heading in by_id
    assert "Fails: fail.yaml (reported at line" in by_id and "Passes: pass.yaml" in by_id
    assert "expect:" not in by_id
    code, md, _ = run(["explain", "RL301", "--format", "markdown"], tmp_path)
    assert code == 0 and md.startswith('<a id="rl301"></a>') and "```yaml" in md


def test_explain_unknown_rule(tmp_path: Path) -> None:
    code, out, err = run(["explain", "virtualservice-not-foun"], tmp_path)
    assert code == 2 and out == ""
    assert "did you mean 'virtualservice-not-found'?" in err


POLICY_CONFIG = """\
policies:
  - id: ACME001
    severity: warning
    message: "Rollouts must keep history ({path})"
    description: Rollbacks need old ReplicaSets.
    match: {kinds: [Rollout], namespaces: ["prod-*"]}
    assert: {properties: {spec: {required: [revisionHistoryLimit]}}}
"""


def test_project_policies_are_listed_and_explained(tmp_path: Path) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text(POLICY_CONFIG)
    code, out, _ = run(["rules", "--format", "json"], tmp_path)
    assert code == 0
    pol = json.loads(out)[-1]
    assert (pol["id"], pol["source"], pol["severity"], pol["summary"]) == \
        ("ACME001", "policy", "warning", "Rollouts must keep history (<path>)")
    assert pol["policy"]["assert"] == {"properties": {"spec": {"required": ["revisionHistoryLimit"]}}}
    assert pol["docs"]["sections"]["Why it matters"] == "Rollbacks need old ReplicaSets."
    assert "ACME001" not in run(["rules", "--no-config"], tmp_path)[1]
    code, text, _ = run(["explain", "acme001"], tmp_path)
    assert code == 0 and "kind `Rollout`, namespace `prod-*`" in text and "revisionHistoryLimit" in text
    # --config names a configuration outside the project
    other = tmp_path / "elsewhere"
    (other / ".git").mkdir(parents=True)  # its own project root, without a configuration
    assert "ACME001" not in run(["rules"], other)[1]
    assert "ACME001" in run(["rules", "--config", str(tmp_path / ".rolloutlint.yaml")], other)[1]


def test_rules_with_invalid_config_exits_2(tmp_path: Path) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text(POLICY_CONFIG.replace("ACME001", "RL301"))
    code, _, err = run(["rules"], tmp_path)
    assert code == 2 and "looks like a built-in rule id" in err
