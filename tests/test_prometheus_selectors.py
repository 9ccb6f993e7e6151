"""The parse-once path for Istio selectors gives what parsing each Rollout's query directly gives."""

from __future__ import annotations

import pytest

from rolloutlint.checks.analysis_prometheus import _istio_selectors, _parse_selectors

QUERIES = [
    'sum(rate(istio_requests_total{destination_service_name="{{args.svc}}",destination_version="canary"}[2m]))',
    'sum(rate(istio_requests_total{destination_service=~"{{args.svc}}.{{args.ns}}.svc.cluster.local"}[{{args.window}}]))',
    'sum(irate(istio_requests_total{reporter="source",destination_service=~"{{args.svc}}",response_code!~"5.*"}[5m]))',
    '{{args.metric}}{destination_service_name="{{args.svc}}"}',
    'istio_request_duration_milliseconds_bucket{destination_workload="{{ args.svc }}-canary"}',
]
ARGS = [{"svc": "reviews", "ns": "bookinfo", "window": "5m", "metric": "istio_requests_total"},
        {"svc": "ratings-v2", "ns": "shop", "window": "1m", "metric": "up"},
        {"svc": "a|b", "ns": "x", "window": "30s", "metric": "istio_tcp_sent_bytes_total"}]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("args", ARGS)
def test_parse_once_matches_direct_parse(query: str, args: dict[str, str]) -> None:
    assert _istio_selectors(query, args) == _parse_selectors(query, args)
