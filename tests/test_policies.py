"""Project policies (`policies:` in .rolloutlint.yaml): matching, reporting, configuration errors, packs,
and the integrations that share the CLI/api path (pre-commit and the GitHub Action run `rolloutlint lint`;
the Argo CD plugin calls api directly and is exercised here)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from rolloutlint.api import lint_paths
from rolloutlint.run.registry import get_rule
from tests.cli_run import run

REPO = Path(__file__).resolve().parents[1]
PACKS = REPO / "examples" / "policies"


def rollout(name: str = "reviews", namespace: str | None = "prod", labels: str = "{app: reviews}",
            annotations: str = "{}", steps: str = "[{setWeight: 20}, {pause: {}}]", extra_spec: str = "") -> str:
    ns = f"\n  namespace: {namespace}" if namespace else ""
    return (f"apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: {name}{ns}\n"
            f"  labels: {labels}\n  annotations: {annotations}\nspec:\n  replicas: 2{extra_spec}\n"
            f"  strategy:\n    canary:\n      steps: {steps}\n")


HISTORY = """\
  - id: {id}
    severity: {severity}
    message: "{message}"
    match: {match}
    assert:
      properties:
        spec: {{required: [revisionHistoryLimit]}}
"""


def config(*policies: str, extra: str = "") -> str:
    return extra + "policies:\n" + "".join(policies)


def history(id: str = "ACME001", match: str = "{kinds: [Rollout]}", severity: str = "error",
            message: str = "{error}") -> str:
    return HISTORY.format(id=id, match=match, severity=severity, message=message)


def project(tmp: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        p = tmp / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp


def lint(root: Path, **kwargs: object) -> list:  # type: ignore[type-arg]
    result = lint_paths([str(root)], cwd=root, **kwargs)
    return [f for f in result.findings if f.suppressed is None]


def ids(findings: list) -> list[tuple[str, str | None]]:  # type: ignore[type-arg]
    return sorted((f.rule, f.resource.name if f.resource else None) for f in findings)


# ---------------------------------------------------------------- matching


@pytest.mark.parametrize(("match", "expected"), [
    ("{}", {"a", "b", "c", "d"}),
    ("{kinds: [Rollout]}", {"a", "b", "c", "d"}),
    ("{kinds: [Deployment]}", set()),
    ("{kinds: ['Roll*']}", {"a", "b", "c", "d"}),
    ("{namespaces: ['prod-*']}", {"b"}),
    ("{namespaces: [prod, 'prod-*']}", {"a", "b"}),
    ("{names: ['c*', d]}", {"c", "d"}),
    ("{labels: {tier: front}}", {"a"}),
    ("{labels: {tier: 'back*'}}", {"b"}),
    ("{labels: {tier: '*'}}", {"a", "b"}),
    ("{annotations: {owner: team-*}}", {"c"}),
    ("{kinds: [Rollout], namespaces: [prod], labels: {tier: front}}", {"a"}),
])
def test_match_selectors(tmp_path: Path, match: str, expected: set[str]) -> None:
    root = project(tmp_path, {
        ".rolloutlint.yaml": config(history(match=match), extra="select: [ACME001]\n"),
        "a.yaml": rollout("a", "prod", labels="{tier: front}"),
        "b.yaml": rollout("b", "prod-eu", labels="{tier: backend}"),
        "c.yaml": rollout("c", "staging", annotations="{owner: team-x}"),
        "d.yaml": rollout("d", None),  # namespace unknown: never matches a namespace selector
    })
    assert {f.resource.name for f in lint(root)} == expected


def test_unknown_namespace_never_matches_but_config_namespace_does(tmp_path: Path) -> None:
    root = project(tmp_path, {".rolloutlint.yaml": config(history(match="{namespaces: [prod]}")),
                              "d.yaml": rollout("d", None)})
    assert lint(root, select=["ACME001"]) == []
    assert ids(lint(root, select=["ACME001"], namespace="prod")) == [("ACME001", "d")]


# ---------------------------------------------------------------- reporting


STEPS_POLICY = """\
  - id: STEPS
    severity: warning
    message: "{kind} {namespace}/{name}: {path}: {error}"
    match: {kinds: [Rollout]}
    assert:
      properties:
        spec:
          required: [revisionHistoryLimit]
          properties:
            strategy:
              properties:
                canary:
                  properties:
                    steps:
                      items:
                        properties:
                          setWeight: {maximum: 25}
"""


def test_deepest_path_position_placeholders_and_related(tmp_path: Path) -> None:
    root = project(tmp_path, {".rolloutlint.yaml": config(STEPS_POLICY),
                              "r.yaml": rollout(steps="\n        - setWeight: 20\n        - setWeight: 50\n"
                                                      "        - setWeight: 80\n")})
    text = (root / "r.yaml").read_text().splitlines()
    found = lint(root, select=["STEPS"])
    assert len(found) == 1  # one finding per resource and policy
    f = found[0]
    assert f.rule == "STEPS" and f.name == "STEPS" and f.severity.label == "warning"
    assert f.path == "spec.strategy.canary.steps[1].setWeight"
    assert (f.location.line, f.location.column) == (text.index("        - setWeight: 50") + 1, 22)
    assert f.message == ("Rollout prod/reviews: spec.strategy.canary.steps[1].setWeight: "
                         "must be less than or equal to 25")
    # The other failures are related locations, in document order.
    assert [r.location.line for r in f.related] == [8, text.index("        - setWeight: 80") + 1]
    assert "revisionHistoryLimit" in f.related[0].message


def test_missing_field_points_at_the_parent_and_names_the_field(tmp_path: Path) -> None:
    root = project(tmp_path, {".rolloutlint.yaml": config(history(message="history: {error} ({path})")),
                              "r.yaml": rollout()})
    (f,) = lint(root, select=["ACME001"])
    assert f.message == 'history: missing required field "revisionHistoryLimit" (spec)'
    assert f.path == "spec" and f.location.line == 8


def test_passing_resource_and_other_kinds_give_nothing(tmp_path: Path) -> None:
    root = project(tmp_path, {".rolloutlint.yaml": config(history()),
                              "r.yaml": rollout(extra_spec="\n  revisionHistoryLimit: 3"),
                              "svc.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"})
    assert lint(root, select=["ACME001"]) == []


def test_severity_default_and_config_override(tmp_path: Path) -> None:
    pol = "  - id: ACME001\n    message: m\n    match: {}\n    assert: {required: [nope]}\n"
    root = project(tmp_path, {".rolloutlint.yaml": config(pol), "r.yaml": rollout()})
    assert [f.severity.label for f in lint(root, select=["ACME001"])] == ["error"]
    (root / ".rolloutlint.yaml").write_text("severity: {ACME001: info}\n" + config(pol))
    assert [f.severity.label for f in lint(root, select=["ACME001"])] == ["info"]


def test_select_and_ignore_by_policy_id(tmp_path: Path) -> None:
    root = project(tmp_path, {".rolloutlint.yaml": config(history("ACME001"), history("prod-must-keep-history")),
                              "r.yaml": rollout()})
    everything = {f.rule for f in lint(root)}
    assert {"ACME001", "prod-must-keep-history"} <= everything  # `all` includes policies
    assert {f.rule for f in lint(root, select=["ACME001"])} == {"ACME001"}
    assert {f.rule for f in lint(root, select=["acme"])} == {"ACME001"}  # id prefix, case-insensitive
    (root / ".rolloutlint.yaml").write_text(config(history("ACME1"), history("ACME10")))
    assert {f.rule for f in lint(root, select=["ACME1"])} == {"ACME1"}  # an exact id is not a prefix
    assert {f.rule for f in lint(root, select=["ACME"])} == {"ACME1", "ACME10"}
    (root / ".rolloutlint.yaml").write_text(config(history("ACME001"), history("prod-must-keep-history")))
    assert {f.rule for f in lint(root, select=["ACME001", "prod-must-keep-history"], ignore=["ACME001"])} == \
        {"prod-must-keep-history"}
    (root / ".rolloutlint.yaml").write_text("select: [prod-must-keep-history]\n" + config(
        history("ACME001"), history("prod-must-keep-history")))
    assert {f.rule for f in lint(root)} == {"prod-must-keep-history"}


def test_cli_select_ignore_and_json(tmp_path: Path) -> None:
    root = project(tmp_path, {".rolloutlint.yaml": config(history()), "r.yaml": rollout()})
    code, out, _ = run(["lint", "--select", "ACME001", "--format", "json", "."], root)
    assert code == 1
    (f,) = json.loads(out)["findings"]
    assert (f["rule"], f["name"], f["severity"], f["path"], f["line"]) == ("ACME001", "ACME001", "error", "spec", 8)
    assert run(["lint", "--select", "ACME001", "--ignore", "ACME001", "."], root)[0] == 0


def test_inline_and_annotation_suppression_by_policy_id(tmp_path: Path) -> None:
    suppressed = rollout().replace("spec:\n", "spec:  # rolloutlint: disable=ACME001 -- legacy app\n")
    annotated = rollout("other", annotations='{rolloutlint.io/ignore: "ACME001 -- migrating"}')
    root = project(tmp_path, {".rolloutlint.yaml": config(history()), "a.yaml": suppressed, "b.yaml": annotated,
                              "c.yaml": rollout("third")})
    result = lint_paths([str(root)], cwd=root, select=["ACME001"])
    by_name = {f.resource.name: f for f in result.findings}
    assert by_name["reviews"].suppressed == "legacy app"
    assert by_name["other"].suppressed == "migrating"
    assert by_name["third"].suppressed is None
    assert not [f for f in result.findings if f.rule == "RL006"]  # the policy id is a known rule


def test_unknown_id_in_suppression_is_still_reported(tmp_path: Path) -> None:
    text = rollout().replace("spec:\n", "spec:  # rolloutlint: disable=ACME002\n")
    root = project(tmp_path, {".rolloutlint.yaml": config(history()), "a.yaml": text})
    found = lint(root, select=["RL006", "ACME001"])
    assert [f.rule for f in found if f.rule == "RL006"] == ["RL006"]
    assert "ACME002" in next(f.message for f in found if f.rule == "RL006")


def test_sarif_lists_policy_rules(tmp_path: Path) -> None:
    root = project(tmp_path, {".rolloutlint.yaml": config(history(message="history is required: {error}")),
                              "r.yaml": rollout()})
    _, out, _ = run(["lint", "--select", "ACME001", "--format", "sarif", "."], root)
    run_ = json.loads(out)["runs"][0]
    rule = next(r for r in run_["tool"]["driver"]["rules"] if r["id"] == "ACME001")
    assert rule["shortDescription"]["text"] == "history is required: <error>"
    (res,) = run_["results"]
    assert res["ruleId"] == "ACME001" and run_["tool"]["driver"]["rules"][res["ruleIndex"]]["id"] == "ACME001"


def test_policies_do_not_leak_between_projects(tmp_path: Path) -> None:
    a = project(tmp_path / "a", {".rolloutlint.yaml": config(history()), "r.yaml": rollout()})
    b = project(tmp_path / "b", {".rolloutlint.yaml": "{}\n", "r.yaml": rollout()})
    c = project(tmp_path / "c", {".rolloutlint.yaml": config(history(match="{kinds: [Deployment]}")),
                                 "r.yaml": rollout()})
    assert [f.rule for f in lint(a) if f.rule == "ACME001"] == ["ACME001"]
    assert not [f for f in lint(b) if f.rule == "ACME001"]
    assert get_rule("ACME001") is None
    assert not [f for f in lint(c) if f.rule == "ACME001"]  # same id, this project's own definition
    assert [f.rule for f in lint(a) if f.rule == "ACME001"] == ["ACME001"]


def test_non_json_values_are_validated_as_kubernetes_sees_them(tmp_path: Path) -> None:
    pol = ("  - id: DATES\n    message: '{error}'\n    match: {}\n"
           "    assert: {properties: {metadata: {properties: {annotations: {additionalProperties: {type: string}}}}}}\n")
    root = project(tmp_path, {".rolloutlint.yaml": config(pol),
                              "r.yaml": rollout(annotations="{released: 2024-01-02, count: 3}")})
    (f,) = lint(root, select=["DATES"])
    assert f.path == "metadata.annotations.count" and "expected string" in f.message


# ---------------------------------------------------------------- invalid policies: exit 2 with a position


def config_error(tmp_path: Path, cfg: str, files: dict[str, str] | None = None) -> str:
    root = project(tmp_path, {".rolloutlint.yaml": cfg, "r.yaml": rollout(), **(files or {})})
    code, out, err = run(["lint", "."], root)
    assert code == 2, (out, err)
    assert out == ""
    return err


def test_bad_json_schema(tmp_path: Path) -> None:
    cfg = config("  - id: ACME001\n    message: m\n    match: {}\n    assert:\n      properties:\n"
                 "        spec: {type: strin}\n")
    err = config_error(tmp_path, cfg)
    assert ".rolloutlint.yaml:7:22: policy ACME001: invalid JSON Schema at properties.spec.type" in err
    assert "not a JSON type" in err


def test_bad_regex_in_schema(tmp_path: Path) -> None:
    cfg = config("  - id: ACME001\n    message: m\n    match: {}\n    assert: {pattern: '('}\n")
    err = config_error(tmp_path, cfg)
    assert ".rolloutlint.yaml:5:23: policy ACME001: invalid JSON Schema" in err and "regex" in err


def test_unknown_schema_keyword_with_suggestion(tmp_path: Path) -> None:
    cfg = config("  - id: ACME001\n    message: m\n    match: {}\n    assert:\n      properties:\n"
                 "        spec: {requird: [x]}\n")
    err = config_error(tmp_path, cfg)
    assert ".rolloutlint.yaml:7:16: policy ACME001: unknown JSON Schema keyword 'requird'" in err
    assert "did you mean 'required'?" in err


def test_unresolvable_ref_and_foreign_dialect(tmp_path: Path) -> None:
    cfg = config("  - id: A1\n    message: m\n    match: {}\n    assert: {$ref: '#/$defs/nope'}\n"
                 "  - id: A2\n    message: m\n    match: {}\n    assert: {$schema: 'http://json-schema.org/draft-07/schema#'}\n")
    err = config_error(tmp_path, cfg)
    assert ".rolloutlint.yaml:5:20: policy A1: invalid JSON Schema" in err
    assert ".rolloutlint.yaml:9:14: policy A2: policies use JSON Schema draft 2020-12" in err


def test_unknown_key_with_suggestion(tmp_path: Path) -> None:
    cfg = config("  - id: ACME001\n    message: m\n    match: {kind: [Rollout]}\n    assert: {}\n    severty: info\n")
    err = config_error(tmp_path, cfg)
    assert ".rolloutlint.yaml:4:13: policy ACME001: unknown match selector 'kind' (did you mean 'kinds'?)" in err
    assert ".rolloutlint.yaml:6:5: policy ACME001: unknown policy key 'severty' (did you mean 'severity'?)" in err


@pytest.mark.parametrize(("body", "where", "text"), [
    ("    severity: fatal\n    message: m\n    match: {}\n    assert: {}\n", "3:15", "'fatal' is not one of error, warning, info"),
    ("    message: m\n    match: {names: reviews}\n    assert: {}\n", "4:20", "match.names: expected array, got string"),
    ("    message: m\n    match: {labels: {a: [x]}}\n    assert: {}\n", "4:25", "match.labels.a: expected string, got array"),
    ("    message: m\n    match: {}\n    assert: [required]\n", "5:13", "assert: expected boolean or object, got array"),
    ("    message: m\n    assert: {}\n", "2:5", "missing required key 'match'"),
    ("    message: 'at {where}'\n    match: {}\n    assert: {}\n", "3:14", "unknown placeholder {where}"),
])
def test_wrong_types_and_missing_keys(tmp_path: Path, body: str, where: str, text: str) -> None:
    err = config_error(tmp_path, config("  - id: ACME001\n" + body))
    assert f".rolloutlint.yaml:{where}: policy ACME001: " in err and text in err, err


def test_policy_entry_of_the_wrong_type(tmp_path: Path) -> None:
    err = config_error(tmp_path, "policies:\n  - 3\n")
    assert ".rolloutlint.yaml:2:5: policies[0]: expected a policy (mapping) or a policy pack path" in err


def test_duplicate_id(tmp_path: Path) -> None:
    err = config_error(tmp_path, config(history("ACME001"), history("acme001")))
    assert ".rolloutlint.yaml:9:9: duplicate policy id 'acme001' (already defined at .rolloutlint.yaml:2)" in err


@pytest.mark.parametrize(("pid", "text"), [
    ("RL301", "looks like a built-in rule id"),
    ("rl777", "looks like a built-in rule id"),
    ("virtualservice-not-found", "is already the name of built-in rule RL301"),
    ("all", "reserved"),
    ("bad id!", "must start with a letter"),
])
def test_id_collides_with_builtin_or_is_invalid(tmp_path: Path, pid: str, text: str) -> None:
    err = config_error(tmp_path, config(history(f"'{pid}'")))
    assert ".rolloutlint.yaml:2:9: policy id" in err and text in err, err


def test_selector_naming_no_rule_or_policy_is_still_an_error(tmp_path: Path) -> None:
    err = config_error(tmp_path, "select: [ACME002]\n" + config(history("ACME001")))
    assert ".rolloutlint.yaml:1:10: select: 'ACME002' matches no rule (did you mean 'ACME001'?)" in err


def test_missing_pack(tmp_path: Path) -> None:
    err = config_error(tmp_path, "policies:\n  - packs/nope.yaml\n")
    assert ".rolloutlint.yaml:2:5: policy pack not found: packs/nope.yaml" in err


# ---------------------------------------------------------------- packs


def test_pack_relative_to_config_with_errors_in_the_pack(tmp_path: Path) -> None:
    pack = "policies:\n" + history("PACK1") + "  - id: PACK2\n    message: m\n    match: {}\n    asert: {}\n"
    root = project(tmp_path, {"conf/lint.yaml": "policies:\n  - policies/team.yaml\n",
                              "conf/policies/team.yaml": pack, "r.yaml": rollout()})
    code, _, err = run(["lint", "--config", "conf/lint.yaml", "."], root)
    assert code == 2
    assert "conf/policies/team.yaml:9:5: policy PACK2: missing required key 'assert'" in err
    assert "conf/policies/team.yaml:12:5: policy PACK2: unknown policy key 'asert' (did you mean 'assert'?)" in err


def test_pack_shape_errors(tmp_path: Path) -> None:
    err = config_error(tmp_path, "policies: [p.yaml, q.yaml, r.yaml]\n",
                       {"p.yaml": "polices: []\n", "q.yaml": "- 1\n", "r.yaml": "policies:\n  - other.yaml\n"})
    assert "p.yaml:1:1: unknown policy pack key 'polices' (did you mean 'policies'?)" in err
    assert "q.yaml:1:1: a policy pack must be a mapping" in err
    assert "r.yaml:2:5: policies[0]: expected a policy (mapping), got string (packs cannot include other packs)" in err


def test_pack_and_inline_policies_together(tmp_path: Path) -> None:
    root = project(tmp_path, {".rolloutlint.yaml": "policies:\n  - team.yaml\n" + history("ACME001"),
                              "team.yaml": "policies:\n" + history("TEAM1", severity="warning"),
                              "r.yaml": rollout()})
    assert ids(lint(root, select=["ACME001", "TEAM1"])) == [("ACME001", "reviews"), ("TEAM1", "reviews")]
    # A pack is tool configuration: it is not reported as a document that is not a Kubernetes object (RL004).
    assert not [f for f in lint(root) if f.location.file == "team.yaml"]
    (root / "other.yaml").write_text("policies: []\n")
    assert [f.rule for f in lint(root) if f.location.file == "other.yaml"] == ["RL004"]


EXAMPLE_MANIFESTS = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: reviews
  namespace: prod-eu
spec:
  revisionHistoryLimit: 0
  template:
    spec:
      containers:
        - name: reviews
          resources: {requests: {cpu: 100m}}
  strategy:
    canary:
      steps:
        - setWeight: 20
        - setWeight: 40
        - setWeight: 100
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: reviews
  namespace: prod-eu
  labels: {istio.io/rev: default}
  annotations: {tsb.tetrate.io/organization: acme, tsb.tetrate.io/tenant: shop, tsb.tetrate.io/workspace: ws}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: not-istio, namespace: prod-eu}
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: reviews
  namespace: prod-eu
  labels: {istio.io/rev: tsb}
  annotations: {tsb.tetrate.io/organization: acme, tsb.tetrate.io/tenant: shop, tsb.tetrate.io/workspace: ws,
                tsb.tetrate.io/trafficGroup: tg}
"""


def test_example_packs(tmp_path: Path) -> None:
    for pack in PACKS.glob("*.yaml"):
        shutil.copy(pack, tmp_path / pack.name)
    packs = sorted(p.name for p in PACKS.glob("*.yaml"))
    assert packs == ["production-hardening.yaml", "step-limits.yaml", "tsb-conventions.yaml"]
    root = project(tmp_path, {".rolloutlint.yaml": "select: [PROD, STEP, TSB]\npolicies: [" + ", ".join(packs) + "]\n",
                              "m.yaml": EXAMPLE_MANIFESTS})
    got = {(f.rule, f.resource.kind, f.path) for f in lint(root)}
    assert got == {
        ("PROD001", "Rollout", "spec.strategy.canary.steps"),  # no analysis anywhere
        ("PROD002", "Rollout", "spec.revisionHistoryLimit"),
        ("PROD003", "Rollout", "spec.template.spec.containers[0].resources.requests"),  # no memory
        ("STEP001", "Rollout", "spec.strategy.canary.steps[1].setWeight"),  # 40: neither <= 25 nor a milestone
        ("STEP002", "Rollout", "spec.strategy.canary.steps[0].setWeight"),  # first exposure 20 > 10
        ("STEP003", "Rollout", "spec.strategy.canary.steps"),  # no pause
        ("TSB001", "VirtualService", "metadata.labels.istio.io/rev"),
        ("TSB002", "VirtualService", "metadata.annotations"),  # no group annotation
    }


# ---------------------------------------------------------------- the Argo CD plugin (api path, no subprocess)


def test_cmp_plugin_applies_policies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path / "repo", {"apps/reviews/.rolloutlint.yaml": config(history(), extra="select: [ACME001]\n"),
                                       "apps/reviews/rollout.yaml": rollout()})
    app = root / "apps/reviews"
    for var in [v for v in os.environ if v.startswith(("ARGOCD_", "PARAM_", "ROLLOUTLINT_"))]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("ARGOCD_APP_SOURCE_PATH", "apps/reviews")
    monkeypatch.setenv("ARGOCD_APP_NAME", "reviews")
    code, out, err = run(["cmp", "generate", "--index", "app"], app)
    assert code == 1 and out == ""
    assert "ACME001" in err and 'missing required field "revisionHistoryLimit"' in err
    code, out, err = run(["cmp", "generate", "--index", "app", "--mode", "warn"], app)
    assert code == 0 and "kind: Rollout" in out and "ACME001" in err
    (app / "rollout.yaml").write_text(rollout(extra_spec="\n  revisionHistoryLimit: 3"))
    code, out, err = run(["cmp", "generate", "--index", "app"], app)
    assert code == 0 and "ACME001" not in err


def test_cmp_plugin_invalid_policy_is_a_config_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path / "repo", {"apps/reviews/.rolloutlint.yaml": config(history("RL301")),
                                       "apps/reviews/rollout.yaml": rollout()})
    monkeypatch.setenv("ARGOCD_APP_SOURCE_PATH", "apps/reviews")
    code, out, err = run(["cmp", "generate"], root / "apps/reviews")
    assert code == 2 and out == "" and "looks like a built-in rule id" in err


def test_named_files_as_pre_commit_and_the_action_pass_them(tmp_path: Path) -> None:
    """pre-commit and the GitHub Action run `rolloutlint lint <files>` from the repository root."""
    root = project(tmp_path, {".rolloutlint.yaml": "select: [TEAM1]\npolicies: [policies/team.yaml]\n",
                              "policies/team.yaml": "policies:\n" + history("TEAM1"),
                              "apps/a.yaml": rollout("a"), "apps/b.yaml": rollout("b")})
    code, out, _ = run(["lint", "apps/a.yaml", "policies/team.yaml", "--format", "json"], root)
    assert code == 1
    assert [(f["rule"], f["file"]) for f in json.loads(out)["findings"]] == [("TEAM1", "apps/a.yaml")]
