"""Argo Rollouts EvalCondition behaviour (utils/evaluate/evaluate.go and docs examples)."""

import math

import pytest

from rolloutlint.expr import ExprRuntimeError, ExprTypeError, argo_env, evaluate_condition, evaluate_result

APDEX = {"service_apdex": {"values": {"values": [{"id": "a", "value": 9950.0}, {"id": "b", "value": 9990.0}]}}}
APDEX_LOW = {"service_apdex": {"values": {"values": [{"id": "a", "value": 9950.0}, {"id": "b", "value": 9890.0}]}}}
APDEX_STR = {"service_apdex": {"values": {"values": [{"id": "a", "value": "9950"}, {"id": "b", "value": "9990"}]}}}


@pytest.mark.parametrize(
    "condition, result, expected",
    [
        # docs/analysis/prometheus.md and docs/features/analysis.md
        ("result[0] >= 0.95", [0.97], True),
        ("result[0] >= 0.95", [0.90], False),
        ("result[0] <= 0.05", [0.01], True),
        ("len(result) == 0 || result[0] < 0.01", [], True),
        ("len(result) == 0 || result[0] < 0.01", [0.5], False),
        ("len(result) > 0 && result[0] >= 0.95", [0.97], True),
        ("len(result) > 0 && result[0] >= 0.95", [], False),
        ("len(result) == 0 || result[0] >= 0.95", [], True),
        ("isNaN(result) || result >= 0.95", math.nan, True),
        ("isNaN(result) || result >= 0.95", 0.5, False),
        ("isInf(result)", math.inf, True),
        ("isInf(result)", -math.inf, True),
        ("isInf(result)", 1.0, False),
        ("default(result, 0) < 0.05", None, True),
        ("default(result, 0) < 0.05", 0.5, False),
        ("isNil(result)", None, True),
        ("isNil(result)", [], False),
        ("result.successRate >= 0.95 && result.latency < 200", {"successRate": 0.99, "latency": 120.0}, True),
        ("result.successRate >= 0.95 && result.latency < 200", {"successRate": 0.99, "latency": 250.0}, False),
        # SkyWalking examples
        ("all(result.service_apdex.values.values, {asInt(.value) >= 9900})", APDEX, True),
        ("all(result.service_apdex.values.values, {asInt(.value) >= 9900})", APDEX_LOW, False),
        ("all(result.service_apdex.values.values, {asFloat(.value) >= 9900})", APDEX_STR, True),
        ("all(result.service_apdex.values.values, {asInt(.value) >= 9900})", APDEX_STR, True),
        # evaluate_test.go
        ("result == true", True, True),
        ("result == true", False, False),
        ("2 in result", [1.0, 2.0], True),
        ("result > 1", 5.0, True),
        ("all(result.service_apdex.values.values, {# > 1})",
         {"service_apdex": {"values": {"values": [2.0, 2.0]}}}, True),
        ("asInt(result) == 1", "1", True),
        ("asFloat(result) == 1.1", "1.1", True),
        ("asInt(result) == 2", 2.9, True),
        ("asFloat(result) > 1", 2, True),
    ],
)
def test_conditions(condition, result, expected):
    assert evaluate_condition(condition, result) is expected


@pytest.mark.parametrize(
    "condition, result, fragment",
    [
        ("1", None, "expected bool, but got int"),
        ("result", 1.5, "expected bool, but got float64"),
        ("'x'", None, "expected bool, but got string"),
        ("nil", None, "expected bool, but got <nil>"),
        ("true && result.x", {"x": 5.0}, "expected bool, but got float64"),
        ("true && 5", None, "invalid operation: && (mismatched types bool and int)"),
        ("result", [True], "expected bool, but got []interface {}"),
        ("invalidVariable", 1.0, "unknown name invalidVariable"),
        ("asInt(result) == 1.1", "1.1", 'strconv.ParseInt: parsing "1.1": invalid syntax'),
        ("asFloat(result) > 1", "abc", 'strconv.ParseFloat: parsing "abc": invalid syntax'),
        ("asFloat(result) > 1", None, "asFloat() not supported on <nil> <nil>"),
        ("asInt(result) > 1", True, "asInt() not supported on bool true"),
        ("result[0] >= 0.95", [], "index out of range: 0 (array length is 0)"),
        ("result[0] >= 0.95", 0.5, "type float64[int] is undefined"),  # Prometheus scalar()
        ("len(result) > 0", 0.5, "invalid argument for len (type float64)"),
        ("asFloat(result) == \"1.1\"", "1.1", "invalid operation: == (mismatched types float64 and string)"),
        ("false && result > 'a'", 1.0, "invalid operation: > (mismatched types float64 and string)"),
        ("result > 0.9", [0.5], "invalid operation: > (mismatched types"),
        ("result.x()", {"x": 1.0}, "cannot call non-function of type float64"),
        ("result.missing()", {}, "cannot call nil"),
        ("result.nope.deeper == nil", {}, "cannot fetch deeper from <nil>"),
        ("result.value >= 9900", {"value": "9950"}, "invalid operation: string >= int"),
        ("isNaN(result)", "NaN", "cannot use string as argument (type float64) to call isNaN"),
        ("isNaN(result.v)", {"v": "NaN"}, "reflect: Call using string as type float64"),
        ("isNaN(nil)", 1.0, "cannot use nil as argument (type float64) to call isNaN"),
        ("asInt()", 1, "not enough arguments to call asInt"),
        ("default(result)", 1, "not enough arguments to call default"),
        ("isInf(result, 1)", 1.0, "too many arguments to call isInf"),
    ],
)
def test_condition_errors(condition, result, fragment):
    with pytest.raises(ExprRuntimeError) as ei:
        evaluate_condition(condition, result)
    assert fragment in ei.value.message


def test_compile_time_errors_are_type_errors():
    # expr.Compile rejects these before running, even in a short-circuited branch.
    with pytest.raises(ExprTypeError):
        evaluate_condition("true || asFloat(result) == '1.1'", "1.1")
    with pytest.raises(ExprTypeError, match="unknown name nope"):
        evaluate_condition("true || nope", 1.0)
    # JSON members are `any` for the compiler: mismatches are only runtime (here: never reached / false).
    assert evaluate_condition("true || result.x > 'a'", {"x": 1.0}) is True
    assert evaluate_condition("result.x == 'a'", {"x": 1.0}) is False


def test_optional_chaining_avoids_nil_error():
    assert evaluate_condition("result?.nope?.deeper == nil", {}) is True


def test_isnil_and_default_ignore_their_argument():
    # Argo quirk: isNil(x) tests the whole result, default(x, d) returns the whole result.
    assert evaluate_condition("isNil(result.missing)", {"a": 1}) is False
    assert evaluate_condition("default(result.missing, 5) == 5", {"a": 1}) is False
    assert evaluate_condition("default(result.a, 5).a == 1", {"a": 1}) is True
    assert evaluate_condition("default(nil, 5) == 5", None) is True


def test_as_int_and_as_float_conversions():
    env = argo_env(None)
    assert env["asInt"](3.99) == 3 and env["asInt"](-3.99) == -3
    assert env["asInt"]("-42") == -42
    assert env["asFloat"]("1e-3") == 0.001
    assert math.isnan(env["asFloat"]("NaN"))
    assert env["asFloat"]("+Inf") == math.inf
    assert env["asInt"](math.nan) == -(2**63)  # Go amd64 conversion of NaN


def test_nan_from_prometheus_is_not_successful():
    # NaN compares false, so a plain threshold fails rather than erroring.
    assert evaluate_condition("result[0] >= 0.95", [math.nan]) is False
    assert evaluate_condition("result[0] < 0.95", [math.nan]) is False
    assert evaluate_condition("isNaN(result[0]) || result[0] >= 0.95", [math.nan]) is True


def test_isnan_of_nil_is_zero_value():
    assert evaluate_condition("isNaN(result)", None) is False


def test_env_contains_argo_functions_and_result():
    env = argo_env([1.0])
    assert set(env) == {"result", "asInt", "asFloat", "isNaN", "isInf", "isNil", "default"}
    assert env["result"] == [1.0]


@pytest.mark.parametrize(
    "success, failure, result, phase",
    [
        ("", "", [0.1], "Successful"),
        ("result[0] >= 0.95", "", [0.97], "Successful"),
        ("result[0] >= 0.95", "", [0.5], "Failed"),
        ("", "result[0] > 0.05", [0.5], "Failed"),
        ("", "result[0] > 0.05", [0.01], "Successful"),
        ("result[0] >= 0.95", "result[0] < 0.5", [0.97], "Successful"),
        ("result[0] >= 0.95", "result[0] < 0.5", [0.7], "Inconclusive"),
        ("result[0] >= 0.95", "result[0] < 0.5", [0.3], "Failed"),
        ("result[0] > 0", "result[0] > 0", [1.0], "Failed"),  # failure wins
    ],
)
def test_evaluate_result_phases(success, failure, result, phase):
    assert evaluate_result(result, success, failure) == (phase, None)


def test_evaluate_result_error_messages():
    phase, msg = evaluate_result(1.0, "invalidVariable", "")
    assert phase == "Error"
    assert msg == 'could not evaluate successCondition "invalidVariable": unknown name invalidVariable'
    phase, msg = evaluate_result([], "result[0] >= 0.95", "")
    assert phase == "Error"
    assert msg == (
        'could not evaluate successCondition "result[0] >= 0.95": '
        "metric result is nil or empty: no data returned from the metric provider"
    )
    assert evaluate_result({"a": True}, "", "result.a") == ("Failed", None)
    phase, msg = evaluate_result({"a": 1.0}, "", "result.a")
    assert (phase, msg) == ("Error", 'could not evaluate failureCondition "result.a": expected bool, but got float64')
    phase, msg = evaluate_result({"a": "x"}, "", "result.a > 1")
    assert phase == "Error" and msg.startswith('could not evaluate failureCondition "result.a > 1": invalid operation')
