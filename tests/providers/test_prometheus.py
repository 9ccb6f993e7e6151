from __future__ import annotations

import pytest

from rolloutlint.providers import prometheus as pr

# Seed-style success-rate query (research/promql.md §2).
GOOD = (
    'scalar(sum(rate(istio_requests_total{destination_service_name="mock-server-canary",response_code=~"2.."}[1m]))'
    ' / sum(rate(istio_requests_total{destination_service_name="mock-server-canary"}[1m])))'
)
# Same query with the closing quote after the service name lost.
UNCLOSED = GOOD.replace('"mock-server-canary",response_code', '"mock-server-canary,response_code', 1)

# Argo docs style, placeholders in a regex matcher, a range and a threshold.
TEMPLATED = """sum(irate(
  istio_requests_total{reporter="source",destination_service=~"{{args.service-name}}",response_code!~"5.*"}[{{ args.window }}]
)) /
sum(irate(
  istio_requests_total{reporter="source",destination_service=~"{{args.service-name}}"}[5m]
)) >= {{args.threshold}}"""


def codes(problems):
    return [(p.severity, p.code) for p in problems]


@pytest.mark.parametrize("args", [None, {}, {"service-name": "reviews-canary.bookinfo.svc.cluster.local", "window": "2m", "threshold": "0.95"}])
def test_templated_query_is_valid(args):
    assert pr.validate_query(TEMPLATED, args) == []


def test_seed_query_is_valid():
    assert pr.validate_query(GOOD) == []


@pytest.mark.parametrize(
    "query",
    [
        'histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{destination_workload="{{args.workload}}"}[5m])))',
        'sum(rate(x{job="a"}[5m] offset 1h)) / count(x) without (pod)',
        "absent(up{job=\"{{ args.job }}\"}) or vector(0)",
        "max_over_time(rate(x[1m])[10m:1m])",
    ],
)
def test_more_good_queries(query):
    assert pr.validate_query(query) == []


def test_unclosed_quote_is_named_and_located():
    problems = pr.validate_query(UNCLOSED)
    assert codes(problems) == [("error", "promql-unclosed-quote")]
    p = problems[0]
    assert "unclosed quote" in p.message and "response_code=~" in p.message
    assert (p.line, p.column) == (1, UNCLOSED.index('"mock') + 1)


def test_unterminated_string_at_end():
    problems = pr.validate_query('up{job="api}')
    assert codes(problems) == [("error", "promql-unclosed-quote")]
    assert problems[0].column == 8


def test_unclosed_quote_position_maps_through_placeholders():
    query = 'x{a="{{args.long-argument-name}}",b="c,d=~"e"}'
    problems = pr.validate_query(query, {"long-argument-name": "v"})
    assert codes(problems) == [("error", "promql-unclosed-quote")]
    assert problems[0].column == query.index('"c,') + 1


def test_unbalanced_parens():
    problems = pr.validate_query("sum(rate(x[1m])")
    assert codes(problems) == [("error", "promql-syntax")]
    assert problems[0].message == "unclosed left parenthesis"
    assert (problems[0].line, problems[0].column) == (1, 4)

    problems = pr.validate_query("sum(x))")
    assert codes(problems) == [("error", "promql-syntax")]
    assert problems[0].column == 7


def test_multiline_position():
    problems = pr.validate_query('sum(\n  ratee(x[1m]))')
    assert problems[0].message == "unknown function with name 'ratee'"
    assert (problems[0].line, problems[0].column) == (2, 3)


def test_bad_duration_and_type_errors():
    assert pr.validate_query("rate(x[1q])")[0].message == "bad number or duration syntax: 1q"
    assert "expected type matrix" in pr.validate_query("rate(x)")[0].message


def test_illegal_regex_is_only_a_warning():
    assert codes(pr.validate_query('x{a=~"("}')) == [("warning", "promql-regex")]


def test_unclosed_placeholder_and_empty_query():
    assert ("error", "placeholder-unclosed") in codes(pr.validate_query('x{a="{{args.v"}'))
    assert codes(pr.validate_query("")) == [("error", "promql-syntax")]


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        (GOOD, "scalar"),
        ("scalar(sum(x))", "scalar"),
        ("1 + time()", "scalar"),
        ("(scalar(x))", "scalar"),
        ("sum(rate(x[5m]))", "vector"),
        ("sum(x) / sum(y)", "vector"),
        ("sum(x) > 0.9", "vector"),
        ("-x", "vector"),
        ("vector(1)", "vector"),
        (TEMPLATED, "vector"),
        ("x[5m]", "matrix"),
        ("rate(x[5m])[10m:1m]", "matrix"),
        ('"s"', "string"),
        ("sum(", None),
        (UNCLOSED, None),
    ],
)
def test_result_kind(query, kind):
    assert pr.result_kind(query) == kind


@pytest.mark.parametrize("value", ["http://prometheus.istio-system:9090", "https://thanos.example.com/prometheus", "http://{{args.prom}}:9090", "{{args.prometheus-address}}"])
def test_good_addresses(value):
    assert pr.validate_address(value) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ("warning", "address-missing")),
        ("", ("warning", "address-missing")),
        ("prometheus:9090", ("error", "address-invalid")),
        ("/api", ("error", "address-invalid")),
        ("tcp://prometheus:9090", ("error", "address-invalid")),
        ("http://prometheus:9090/api/v1", ("warning", "address-path")),
        ("http://prometheus:9090/api/v1/query", ("warning", "address-path")),
        (9090, ("error", "address-invalid")),
    ],
)
def test_bad_addresses(value, expected):
    assert codes(pr.validate_address(value)) == [expected]
