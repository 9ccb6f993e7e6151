"""`analysis eval` says which field the response has when it lacks the one the condition reads."""

from __future__ import annotations

from pathlib import Path

from rolloutlint.analysis_eval import missing_field_hints
from tests.cli_run import run

ROOT = Path(__file__).resolve().parents[1]
MQE = {"apdex": {"type": "TIME_SERIES_VALUES", "error": None, "results": [{"values": [{"value": "9950"}]}]}}
V2 = {"service_apdex": {"label": None, "values": {"values": [{"value": 9950.0}]}}}


def test_other_alias_is_named() -> None:
    (hint,) = missing_field_hints("result.apdex.results[0].values[0].value != nil", V2)
    assert "result.apdex is not in the response" in hint and "result.service_apdex" in hint


def test_other_api_shape_is_named() -> None:
    mqe_under_v2_alias = {"service_apdex": MQE["apdex"]}
    (hint,) = missing_field_hints("all(result.service_apdex.values.values, {.value > 0})", mqe_under_v2_alias)
    assert "execExpression (MQE)" in hint and "readMetricsValues" in hint
    v2_under_mqe_alias = {"apdex": V2["service_apdex"]}
    (hint,) = missing_field_hints("len(result.apdex.results) > 0", v2_under_mqe_alias)
    assert "shape of readMetricsValues output" in hint


def test_typo_gets_a_close_match_and_present_fields_none() -> None:
    (hint,) = missing_field_hints("result.apdex.reslts == nil", MQE)
    assert "did you mean result.apdex.results?" in hint
    assert missing_field_hints("len(result.apdex.results) > 0", MQE) == []
    assert missing_field_hints("result > 1", 3.0) == []


def test_cli_prints_the_hint() -> None:
    code, out, _ = run(["analysis", "eval", "apdex", "examples/bookinfo", "--result",
                        "examples/responses/bookinfo-apdex-readmetricsvalues.json"], ROOT)
    assert code == 1 and "has result.service_apdex" in out
    code, out, _ = run(["analysis", "eval", "apdex", "examples/bookinfo", "--result",
                        "examples/responses/bookinfo-apdex.json"], ROOT)
    assert code == 0 and "Successful" in out and "not in the response" not in out
