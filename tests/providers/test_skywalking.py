from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rolloutlint.providers import ProviderProblem
from rolloutlint.providers import skywalking as sw

REPO = Path(__file__).resolve().parents[2]

# The query of the Argo docs / Tetrate demo AnalysisTemplate (seed 001 shape).
SEED = """query queryData($duration: Duration!) {
  service_apdex: readMetricsValues(
    condition: { name: "service_apdex", entity: { scope: Service, serviceName: "{{ args.service-name }}", normal: true } },
    duration: $duration) {
      label values { values { value } }
    }
}"""

TSB_NAME = "canary|reviews|bookinfo|cp-cluster-1|-"

MQE = """query q($duration: Duration!) {
  apdex: execExpression(expression: "avg(service_apdex)",
    entity: {serviceName: "{{ args.service-name }}", normal: true}, duration: $duration) {
    type error results { values { value } }
  }
}"""

SCALAR = """query q($duration: Duration!) {
  apdex: readMetricsValue(condition: {name: "service_apdex", entity: {serviceName: "{{args.service-name}}", normal: true}}, duration: $duration)
}"""


def codes(problems: list[ProviderProblem], severity: str | None = None) -> list[str]:
    return [p.code for p in problems if severity is None or p.severity == severity]


def errors(problems: list[ProviderProblem]) -> list[ProviderProblem]:
    return [p for p in problems if p.severity == "error"]


# --------------------------------------------------------------------- schema artifact


def test_shipped_schema_has_no_descriptions_or_comments():
    text = (REPO / "schemas/skywalking/query-protocol.graphql").read_text(encoding="utf-8")
    assert '"""' not in text and "#" not in text
    assert "readMetricsValues(" in text and "execExpression(" in text


def test_source_json_records_upstream_and_hashes():
    source = json.loads((REPO / "schemas/skywalking/SOURCE.json").read_text(encoding="utf-8"))
    assert len(source["commit"]) == 40
    assert len(source["inputs"]) == 24
    assert all(len(i["sha256"]) == 64 for i in source["inputs"])


def test_generator_is_up_to_date():
    upstream = REPO.parent / "shared/upstream/skywalking/query-protocol"
    if not upstream.is_dir():
        pytest.skip("upstream schema files not available")
    run = subprocess.run([sys.executable, str(REPO / "scripts/gen_skywalking_schema.py"), "--check"], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr


def test_shipped_schema_is_valid_sdl():
    # schema() builds with assume_valid_sdl=True; this is the validation it skips.
    from graphql import build_schema

    checked = build_schema(sw._schema_text())
    assert sorted(checked.type_map) == sorted(sw.schema().type_map)
    broken = sw._schema_text().replace("type Query {", "type Query { bogus: NoSuchType", 1)
    with pytest.raises(TypeError):
        build_schema(broken)


def test_schema_is_cached():
    assert sw.schema() is sw.schema()


# --------------------------------------------------------------------- validate_query


@pytest.mark.parametrize("args", [None, {}, {"service-name": TSB_NAME}])
def test_seed_query_is_valid_with_deprecation_warnings(args):
    problems = sw.validate_query(SEED, args)
    assert errors(problems) == []
    deprecated = [p for p in problems if p.code == "graphql-deprecated"]
    assert all(p.severity == "warning" for p in deprecated)
    by_line = {p.line: p for p in deprecated}
    assert "Query.readMetricsValues" in by_line[2].message and "execExpression" in by_line[2].message
    assert (by_line[2].line, by_line[2].column) == (2, 3)
    assert "Entity.scope" in by_line[3].message and "9.4.0" in by_line[3].message
    assert by_line[3].column == SEED.splitlines()[2].index("scope") + 1
    assert not any(p.message.endswith(".") for p in problems)


def test_mqe_query_is_clean():
    assert sw.validate_query(MQE, {"service-name": TSB_NAME}) == []


def test_scalar_read_metrics_value_is_valid_but_deprecated():
    problems = sw.validate_query(SCALAR)
    assert codes(problems) == ["graphql-deprecated"]
    assert "readMetricsValue " in problems[0].message + " "


def test_typo_in_field_is_error_with_graphql_message_and_position():
    problems = errors(sw.validate_query(SEED.replace("readMetricsValues", "readMetricValues")))
    assert len(problems) == 1
    p = problems[0]
    assert p.code == "graphql-invalid"
    assert p.message == "Cannot query field 'readMetricValues' on type 'Query'. Did you mean 'readMetricsValues' or 'readMetricsValue'?"
    assert (p.line, p.column) == (2, 3)


@pytest.mark.parametrize(("bad", "fragment"), [("Services", "'Services' does not exist in 'Scope' enum"), ("service", "'service' does not exist"), ('"Service"', "cannot represent non-enum value")])
def test_bad_scope_enum(bad, fragment):
    query = SEED.replace("scope: Service", f"scope: {bad}")
    problems = errors(sw.validate_query(query))
    assert len(problems) == 1
    assert fragment in problems[0].message
    assert "Did you mean the enum value 'Service'?" in problems[0].message
    assert problems[0].line == 3
    assert problems[0].column == query.splitlines()[2].index("scope: ") + len("scope: ") + 1


def test_positions_are_in_the_original_text_after_long_substitution():
    # The resolved arg is longer than its tag; the error after it must still point at the original column.
    query = SEED.replace("normal: true", 'normal: true, serviceNme: "x"')
    problems = errors(sw.validate_query(query, {"service-name": TSB_NAME * 3}))
    assert len(problems) == 1
    assert "unknown field 'serviceNme'" in problems[0].message or "'serviceNme' is not defined" in problems[0].message
    assert problems[0].line == 3
    assert problems[0].column == query.splitlines()[2].index("serviceNme") + 1


def test_missing_subselection_and_unknown_leaf():
    problems = errors(sw.validate_query(SEED.replace("values { values { value } }", "values { values { val } }")))
    assert [p.message for p in problems] == ["Cannot query field 'val' on type 'KVInt'. Did you mean 'value'?"]
    problems = errors(sw.validate_query(SEED.replace("values { values { value } }", "values")))
    assert "must have a selection of subfields" in problems[0].message


def test_syntax_error_has_position():
    problems = sw.validate_query(SEED[:-2])
    assert codes(problems) == ["graphql-syntax"]
    assert problems[0].message == "Syntax Error: Expected Name, found <EOF>"
    assert problems[0].line is not None


def test_placeholder_outside_string_does_not_cause_false_errors():
    query = SEED.replace("normal: true", "normal: {{ args.normal }}")
    assert errors(sw.validate_query(query)) == []
    # ...but a real value of the wrong type is reported.
    problems = errors(sw.validate_query(query, {"normal": "yes"}))
    assert problems and "Boolean cannot represent" in problems[0].message
    # Argo escapes quotes in values (strconv.Quote), which breaks GraphQL outside a string.
    assert codes(sw.validate_query(query, {"normal": '"true"'})) == ["graphql-syntax"]


def test_unclosed_placeholder():
    problems = sw.validate_query(SEED.replace("{{ args.service-name }}", "{{ args.service-name"))
    assert "placeholder-unclosed" in codes(problems, "error")


def test_duration_variable_checks():
    literal = SCALAR.replace("query q($duration: Duration!)", "query q").replace(
        "duration: $duration", 'duration: {start: "2026-01-01 1000", end: "2026-01-01 1010", step: MINUTE}')
    assert "duration-unused" in codes(sw.validate_query(literal), "warning")

    wrong = SCALAR.replace("$duration: Duration!", "$duration: String!")
    problems = errors(sw.validate_query(wrong))
    assert any("Variable '$duration' of type 'String!'" in p.message for p in problems)

    undeclared = SCALAR.replace("query q($duration: Duration!)", "query q")
    assert any("Variable '$duration' is not defined" in p.message for p in errors(sw.validate_query(undeclared)))


def test_extra_required_variable_is_never_supplied():
    query = SCALAR.replace("($duration: Duration!)", "($duration: Duration!, $svc: String!)").replace('"{{args.service-name}}"', "$svc")
    problems = sw.validate_query(query)
    assert "variable-unsupplied" in codes(problems, "error")


def test_two_operations_and_mutations():
    doubled = SCALAR + "\n" + SCALAR.replace("query q", "query r")
    assert "graphql-operation" in codes(sw.validate_query(doubled), "error")
    assert "graphql-operation" in codes(sw.validate_query(SCALAR.replace("query q", "mutation q")), "error")


def test_entity_without_normal_is_a_warning():
    problems = sw.validate_query(SEED.replace(", normal: true", ""))
    warn = [p for p in problems if p.code == "entity-normal"]
    assert len(warn) == 1 and warn[0].severity == "warning" and warn[0].line == 3


def test_empty_query():
    assert codes(sw.validate_query("  ")) == ["graphql-syntax"]


# --------------------------------------------------------------------- result_shape


def test_result_shape_of_seed():
    assert sw.result_shape(SEED) == {"service_apdex": {"label": "string", "values": {"values": [{"value": "float"}]}}}


def test_result_shape_without_alias_uses_field_name():
    shape = sw.result_shape(SEED.replace("service_apdex: readMetricsValues", "readMetricsValues"))
    assert list(shape) == ["readMetricsValues"]


def test_result_shape_scalar_mqe_and_fragments():
    assert sw.result_shape(SCALAR) == {"apdex": "float"}
    assert sw.result_shape(MQE) == {"apdex": {"type": "string", "error": "string", "results": [{"values": [{"value": "string"}]}]}}
    frag = SEED.replace("values { values { value } }", "values { values { ...kv } }") + "\nfragment kv on KVInt { value isEmptyValue __typename }"
    assert sw.result_shape(frag)["service_apdex"]["values"]["values"] == [{"value": "float", "isEmptyValue": "bool", "__typename": "string"}]


def test_result_shape_unparseable_and_unknown_fields():
    assert sw.result_shape(SEED[:-2]) is None
    assert sw.result_shape("{ nope { x } }") == {"nope": "any"}


# --------------------------------------------------------------------- service names


def test_parse_service_name():
    assert sw.parse_service_name(TSB_NAME) == {"subset": "canary", "service": "reviews", "namespace": "bookinfo", "cluster": "cp-cluster-1", "env": "-"}
    assert sw.parse_service_name("canary|reviews|bookinfo|cp-cluster-1") is None
    assert sw.parse_service_name("reviews.bookinfo") is None


CTX = {"canary_subset": "canary", "service": "reviews", "namespace": "bookinfo", "cluster": "cp-cluster-1"}


def test_good_tsb_name():
    assert sw.check_service_name(TSB_NAME, **CTX, stable_subset="stable") == []
    assert sw.check_service_name(TSB_NAME, canary_subset=None, service=None, namespace=None, cluster=None) == []


def test_fqdn_host_is_shortened():
    assert sw.check_service_name(TSB_NAME, **{**CTX, "service": "reviews.bookinfo.svc.cluster.local"}) == []


def test_four_fields():
    problems = sw.check_service_name("canary|reviews|bookinfo|cp-cluster-1", **CTX)
    assert codes(problems) == ["service-name-format"]
    assert "4" in problems[0].message and problems[0].severity == "error"


def test_empty_field():
    problems = sw.check_service_name("canary|reviews|bookinfo||-", **CTX)
    assert codes(problems) == ["service-name-format"]
    assert "cluster" in problems[0].message


def test_spaces():
    problems = sw.check_service_name("canary|reviews|bookinfo|cp-cluster-1|- ", **CTX)
    assert codes(problems, "error") == ["service-name-format"]
    assert "whitespace" in problems[0].message


def test_too_long():
    name = "canary|reviews|" + "n" * 60 + "|cp-cluster-1|-"
    problems = sw.check_service_name(name, **{**CTX, "namespace": None})
    assert codes(problems) == ["service-name-length"]
    assert problems[0].severity == "warning" and "70" in problems[0].message
    assert sw.check_service_name("c|s|" + "n" * (70 - 8) + "|k|-", canary_subset=None, service=None, namespace=None, cluster=None) == []


def test_wrong_subset():
    problems = sw.check_service_name("stable|reviews|bookinfo|cp-cluster-1|-", **CTX, stable_subset="stable")
    assert codes(problems) == ["service-name-mismatch"]
    assert "stable" in problems[0].message and problems[0].severity == "error"


def test_stable_subset_without_known_canary_is_a_warning():
    problems = sw.check_service_name("stable|reviews|bookinfo|cp-cluster-1|-", canary_subset=None, service=None, namespace=None, cluster=None, stable_subset="stable")
    assert [(p.severity, p.code) for p in problems] == [("warning", "service-name-subset")]


def test_wildcard_subset():
    assert codes(sw.check_service_name("*|reviews|bookinfo|cp-cluster-1|-", **CTX)) == ["service-name-subset"]


def test_service_namespace_cluster_mismatch():
    problems = sw.check_service_name("canary|ratings|default|c2|-", **CTX)
    assert codes(problems) == ["service-name-mismatch"] * 3
    assert [m.message.split()[0] for m in problems] == ["service", "namespace", "cluster"]


@pytest.mark.parametrize(("name", "form"), [("reviews", "'name'"), ("reviews.bookinfo", "'name.namespace'")])
def test_open_source_names_blend_canary_and_stable(name, form):
    problems = sw.check_service_name(name, **CTX)
    assert codes(problems) == ["service-name-blended"]
    assert form in problems[0].message and problems[0].severity == "warning"


def test_service_names_in_query():
    assert sw.service_names_in_query(SEED) == [("{{ args.service-name }}", 3, SEED.splitlines()[2].index('"{{') + 1)]
    resolved = sw.service_names_in_query(SEED, {"service-name": TSB_NAME})
    assert resolved == [(TSB_NAME, 3, SEED.splitlines()[2].index('"{{') + 1)]
    relation = '{ a: execExpression(expression: "x", entity: {serviceName: "a|b|c|d|-", normal: true, destServiceName: "e", destNormal: true}, duration: $d) { type } }'
    assert [n for n, _, _ in sw.service_names_in_query(relation)] == ["a|b|c|d|-", "e"]
    assert sw.service_names_in_query("{ broken") == []


# --------------------------------------------------------------------- interval / address


@pytest.mark.parametrize("value", ["3m", "90s", "1h30m", "1.5h", "5m0s"])
def test_good_intervals(value):
    assert sw.validate_interval(value) == []


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (None, "required"),
        ("", "required"),
        ("3d", 'time: unknown unit "d" in duration "3d"'),
        ("5", 'time: missing unit in duration "5"'),
        ("abc", 'time: invalid duration "abc"'),
        ("5 m", 'unknown unit " m"'),
        ("-5m", "negative"),
        (300, "string"),
    ],
)
def test_bad_intervals(value, fragment):
    problems = sw.validate_interval(value)
    assert [(p.severity, p.code) for p in problems] == [("error", "interval-invalid")]
    assert fragment in problems[0].message


def test_short_intervals():
    assert [(p.severity, p.code) for p in sw.validate_interval("30s")] == [("info", "interval-short")]
    assert [(p.severity, p.code) for p in sw.validate_interval("0")] == [("warning", "interval-short")]


def test_parse_go_duration():
    assert sw.parse_go_duration("1h30m") == 5400
    assert sw.parse_go_duration("1.5m") == 90
    assert sw.parse_go_duration("+2s") == 2
    assert sw.parse_go_duration("500ms") == pytest.approx(0.5)
    assert sw.parse_go_duration("3\u00b5s") == pytest.approx(3e-6)


@pytest.mark.parametrize("value", ["http://skywalking-oap.istio-system:12800", "https://oap.example.com", "http://{{args.host}}:12800", "{{ args.address }}"])
def test_good_addresses(value):
    assert sw.validate_address(value) == []


@pytest.mark.parametrize(
    ("value", "severity", "code"),
    [
        (None, "error", "address-invalid"),
        ("oap.istio-system:12800", "error", "address-invalid"),
        ("grpc://oap:12800", "error", "address-invalid"),
        ("http://oap:12800/graphql", "error", "address-invalid"),
        ("http://oap:12800/", "warning", "address-invalid"),
        ("http://oap:11800", "warning", "address-port"),
        ("http://oap:12800?x=1", "error", "address-invalid"),
        ("http://oap :12800", "error", "address-invalid"),
        (12800, "error", "address-invalid"),
    ],
)
def test_bad_addresses(value, severity, code):
    problems = sw.validate_address(value)
    assert [(p.severity, p.code) for p in problems] == [(severity, code)]
