"""The query parsed once per template, argument values filled in per Rollout, finds exactly what a full
parse per argument set finds (same names, same positions, same order)."""

from __future__ import annotations

import itertools
import random

import pytest

from rolloutlint.providers import skywalking as sw
from tests.providers.test_skywalking import MQE, SCALAR, SEED, TSB_NAME

QUERIES = [
    SEED,
    MQE,
    SCALAR,
    # two tags in one literal, a literal tag outside strings, a tag in a block string and a comment
    ('query q($duration: Duration!) {\n  a: execExpression(expression: "avg(x)", entity: {serviceName: '
    '"{{args.subset}}|{{ args.service-name }}|ns|c|-", normal: true}, duration: $duration) { type }\n}'),
    ('query q($duration: Duration!) {\n  a: readMetricsValue(condition: {name: "{{args.metric}}", entity: '
    '{serviceName: "{{args.service-name}}", normal: {{args.normal}}}}, duration: $duration)\n}'),
    ('query q($duration: Duration!) {\n  # measured for {{args.service-name}}\n  a: execExpression(expression: '
    '"""avg({{args.service-name}})""", entity: {serviceName: "{{args.service-name}}", normal: true, '
    'destServiceName: "x\\\\y{{args.subset}}", destNormal: true}, duration: $duration) { type }\n}'),
    ('query q($duration: Duration!) {\n  a: execExpression(expression: "x", entity: {serviceName: "fixed", '
    'normal: true, destServiceName: "{{args.subset}}", destNormal: true}, duration: $duration) { type }\n}'),
    "{ broken {{args.service-name}}",
    '{ a: readMetricsValue(condition: {name: "m", entity: {serviceName: "{{args.service-name}"}}) }',
    '{ a: readMetricsValue(condition: {name: "m", entity: {serviceName: ""}}, duration: $d) }',
]

VALUES = [None, TSB_NAME, "", "plain", 'has "quotes"', "back\\slash", "tab\there", "new\nline", "ünïcode",
          "{{args.other}}", "a}}b", "\u2028", "x" * 80, 7, "-", '"', "${x}"]


@pytest.mark.parametrize("query", QUERIES)
def test_filled_in_sites_match_a_parse_per_argument_set(query: str) -> None:
    sites = sw.service_name_sites(query)
    names = ("service-name", "subset", "metric", "normal")
    rng = random.Random(20)
    combos = [dict(zip(names, vs)) for vs in itertools.product(VALUES[:4], repeat=2)]
    combos += [{n: rng.choice(VALUES) for n in names} for _ in range(200)]
    for combo in combos:
        args = {k: v for k, v in combo.items() if v is not None}
        assert sw.service_names_with_args(sites, args) == sw.service_names_in_query(query, args), args


def test_parsed_once_per_query_text(monkeypatch: pytest.MonkeyPatch) -> None:
    sites = sw.service_name_sites(SEED)
    monkeypatch.setattr(sw, "service_names_in_query", lambda *a: pytest.fail("parsed again"))
    assert sw.service_name_sites(SEED) is sites
    assert sites.sites is not None and len(sites.sites) == 1
    assert sw.service_names_with_args(sites, {"service-name": TSB_NAME}) == [
        (TSB_NAME, 3, SEED.splitlines()[2].index('"{{') + 1)]
