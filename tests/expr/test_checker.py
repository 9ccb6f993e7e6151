import pytest

from rolloutlint.expr import ExprCheckError, ExprError, check, names_used, parse, result_paths

APDEX_SHAPE = {"service_apdex": {"values": {"values": [{"id": "string", "value": "int"}]}}}
MQE_SHAPE = {"service_apdex": {"values": {"values": [{"id": "string", "value": "string"}]}}}


def msgs(findings):
    return [f.message for f in findings]


# -- names_used -----------------------------------------------------------------------

@pytest.mark.parametrize(
    "src, names",
    [
        ("result[0] >= 0.95", {"result"}),
        ("a + b * c", {"a", "b", "c"}),
        ("let x = 1; x + y", {"y"}),
        ("all(xs, {.value > limit})", {"xs", "limit"}),
        ("map(xs, #index) | len()", {"xs"}),
        ("asInt(result.x) > isNaN(q)", {"result", "q"}),
        ("$env.result", set()),
        ("1 + 2", set()),
        ("let a = b; let b = 1; a + b", {"b"}),
    ],
)
def test_names_used(src, names):
    assert names_used(parse(src)) == names


# -- result_paths ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "src, paths",
    [
        ("result[0] >= 0.95", [((0,), 6)]),
        ("result", [((), 0)]),
        ("len(result) == 0 || result[0] < 0.01", [((), 4), ((0,), 26)]),
        ("all(result.service_apdex.values.values, {asInt(.value) >= 9900})",
         [(("service_apdex", "values", "values"), 32)]),
        ("result.successRate >= 0.95 && result.latency < 200",
         [(("successRate",), 7), (("latency",), 37)]),
        ("result['a'][-1]", [(("a", -1), 11)]),
        ("result.a[i].b", [(("a",), 7)]),
        ("result?.a?.b", [(("a", "b"), 11)]),
        ("result[1:2]", [((), 0)]),
        ("let result = 1; result", []),
        ("let r = result.x; r.y", [(("x",), 15)]),
        ("1 + 2", []),
        ("result.ok ?: false", [(("ok",), 7)]),  # elvis shares the condition node
    ],
)
def test_result_paths(src, paths):
    assert result_paths(parse(src)) == paths


# -- check --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "src",
    [
        "result[0] >= 0.95",
        "len(result) == 0 || result[0] < 0.01",
        "all(result.service_apdex.values.values, {asInt(.value) >= 9900})",
        "result.successRate >= 0.95 && result.latency < 200",
        "isNaN(result) || result >= 0.95",
        "default(result, 0) < 0.05",
        "isNil(result) || result == nil",
        "let x = result; x > 1",
        "map(result, #index) | len() > 0",
        "reduce(result, #acc + #, 0) > 1",
        "$env.result > 1",
        "true",
    ],
)
def test_clean_conditions(src):
    assert check(src) == []


def test_syntax_error_is_reported_not_raised():
    findings = check("len(result) > 0 &&")
    assert len(findings) == 1
    f = findings[0]
    assert isinstance(f, ExprError) and isinstance(f, ExprCheckError)
    assert f.code == "syntax" and f.pos == 18 and "unexpected token EOF" in f.message


@pytest.mark.parametrize(
    "src, pos, fragment, code",
    [
        ("invalidVariable > 1", 0, "unknown name invalidVariable", "unknown-variable"),
        ("result > threshold", 9, "unknown name threshold", "unknown-variable"),
        ("foo(result)", 0, "unknown function foo", "unknown-function"),
        ("asInteger(result) > 1", 0, "unknown function asInteger", "unknown-function"),
        ("asInt() > 1", 0, "not enough arguments to call asInt", "arity"),
        ("asInt(result, 1) > 1", 0, "too many arguments to call asInt", "arity"),
        ("default(result) > 1", 0, "not enough arguments to call default", "arity"),
        ("isInf(result, 1)", 0, "too many arguments to call isInf", "arity"),
        ("len(result, 1) > 1", 0, "invalid number of arguments for len (expected 1, got 2)", "arity"),
        ("abs() > 1", 0, "invalid number of arguments for abs", "arity"),
        ("all(result, # > #index)", 16, "unknown pointer #index", "pointer-scope"),
        ("filter(result, #acc) != nil", 15, "unknown pointer #acc", "pointer-scope"),
        ("1", 0, "expected bool, but got int", "not-bool"),
        ("1 + 2", 2, "expected bool, but got int", "not-bool"),
        ("'a' > 1", 4, "invalid operation: > (mismatched types string and int)", "type-mismatch"),
        ("1 + true", 2, "invalid operation: + (mismatched types int and bool)", "type-mismatch"),
        ("1.5..3 == []", 3, "invalid operation: .. (mismatched types float64 and int)", "type-mismatch"),
        ("7 % 2.0 == 1", 2, "invalid operation: % (mismatched types int and float64)", "type-mismatch"),
        ("isNaN('x')", 0, "cannot use string as argument (type float64) to call isNaN", "type-mismatch"),
        ("{a: 1}[0] == 1", 7, "cannot use int to get an element from map[string]interface {}", "unknown-field"),
        ("[1].a == 1", 4, "array elements can only be selected using an integer (got string)", "unknown-field"),
        ("1 && true", 2, "invalid operation: && (mismatched types int and bool)", "type-mismatch"),
        ("result || 'x'", 7, "invalid operation: || (mismatched types interface {} and string)", "type-mismatch"),
        ("!1", 0, "invalid operation: ! (mismatched type int)", "type-mismatch"),
        ("-'x' < 1", 0, "invalid operation: - (mismatched type string)", "type-mismatch"),
        ("1 in {a: 1}", 2, "cannot use int as type string in map key", "type-mismatch"),
        ("len(1) > 0", 0, "invalid argument for len (type int)", "type-mismatch"),
        ("1 in 2", 2, "invalid operation: in (mismatched types int and int)", "type-mismatch"),
        ("filter([1], # + 1) == nil", 12, "predicate should return boolean (got int)", "type-mismatch"),
        ("1 ? true : false", 0, "non-bool expression (type int) used as condition", "type-mismatch"),
        ("if 'x' { true } else { false }", 3, "non-bool expression (type string) used as condition", "type-mismatch"),
        ("(nil).a == 1", 6, "type nil has no field a", "nil-access"),
    ],
)
def test_check_findings(src, pos, fragment, code):
    findings = check(src)
    match = [f for f in findings if fragment in f.message]
    assert match, msgs(findings)
    assert match[0].pos == pos
    assert match[0].code == code
    assert match[0].severity == "error"
    # expr.Compile rejects all of these except the post-run bool check and the
    # predicate result (array literal elements are `any` to expr's checker).
    assert match[0].compile_time is (code != "not-bool" and "predicate" not in fragment)


def test_not_bool_needs_known_type():
    # Without a shape the type of result[0] is unknown, so this is only caught at runtime.
    assert check("result[0] + 1") == []
    assert [f.code for f in check("result[0] + 1", result_shape=["float"])] == ["not-bool"]


def test_isnil_default_argument_warnings():
    findings = check("isNil(result.x) || default(result.y, 0) > 1")
    warnings = [f for f in findings if f.code == "argo-ignored-arg"]
    assert [w.pos for w in warnings] == [13, 34]  # offsets of the member names
    assert all(w.severity == "warning" for w in warnings)
    assert check("isNil(result) || default(result, 0) > 1") == []


# -- shape checks ---------------------------------------------------------------------

def test_shape_unknown_field():
    findings = check("result.foo > 1", result_shape={"bar": "float"})
    assert msgs(findings) == ["result has no field 'foo'"]
    assert findings[0].pos == 7 and findings[0].code == "unknown-field"


def test_shape_nested_and_predicate_fields():
    assert check("all(result.service_apdex.values.values, {asInt(.value) >= 9900})", result_shape=APDEX_SHAPE) == []
    findings = check("all(result.service_apdex.values.valuez, {asInt(.value) >= 9900})", result_shape=APDEX_SHAPE)
    assert msgs(findings) == ["result.service_apdex.values has no field 'valuez'"]
    findings = check("all(result.service_apdex.values.values, {asInt(.vlaue) >= 9900})", result_shape=APDEX_SHAPE)
    assert msgs(findings) == ["# has no field 'vlaue'"]
    assert findings[0].pos == 48


def test_shape_string_value_without_conversion():
    findings = check("all(result.service_apdex.values.values, {.value >= 9900})", result_shape=MQE_SHAPE)
    assert len(findings) == 1
    assert "invalid operation: string >= int" in findings[0].message
    assert "asFloat" in findings[0].message
    assert check("all(result.service_apdex.values.values, {asFloat(.value) >= 9900})", result_shape=MQE_SHAPE) == []


def test_shape_prometheus_scalar_vs_vector():
    assert check("result[0] <= 0.05", result_shape=["float"]) == []
    assert check("len(result) > 0 && result[0] >= 0.95", result_shape=["float"]) == []
    scalar = check("result[0] <= 0.05", result_shape="float")
    assert [f.code for f in scalar] == ["unknown-field"]
    assert "type float64[int] is undefined" in scalar[0].message
    assert "type float64 has no field x" in check("result.x > 1", result_shape="float")[0].message
    vector = check("result > 0.9", result_shape=["float"])
    assert "invalid operation: > (mismatched types []interface {} and float64)" in vector[0].message
    assert check("all(result, # < 1000)", result_shape=["float"]) == []
    length = check("len(result) > 0", result_shape="float")
    assert "invalid argument for len (type float64)" in length[0].message
    assert check("isNaN(result) || result >= 0.95", result_shape="float") == []
    pred = check("all(result, # > 1)", result_shape="float")
    assert "builtin all takes only array (got float64)" in pred[0].message
    assert pred[0].pos == 4


def test_shape_accepts_graphql_and_go_type_names():
    shape = {"service_apdex": {"label": "String", "values": {"values": [{"value": "Long", "id": "ID"}]}}}
    assert check("all(result.service_apdex.values.values, {.value >= 9900})", result_shape=shape) == []
    findings = check("all(result.service_apdex.values.values, {.id >= 9900})", result_shape=shape)
    assert "invalid operation: string >= int" in findings[0].message
    assert check("result.x.y > 1", result_shape={"x": "float64"})[0].message.startswith("cannot fetch y from result.x")
    assert check("result.x.y > 1", result_shape={"x": "SomeObject"}) == []  # unknown names mean "any"


def test_shape_array_field_and_map_index():
    findings = check("result.value > 1", result_shape=["float"])
    assert msgs(findings) == [
        "array elements can only be selected using an integer (got string) (result is an array; it has no field 'value')"
    ]
    findings = check("result[0] > 1", result_shape={"a": "float"})
    assert "cannot use int to get an element from map[string]interface {} (result[0])" == findings[0].message
    findings = check("result.a.b > 1", result_shape={"a": ["float"]})
    assert msgs(findings) == ["result.a is an array; it has no field 'b'"]
    assert findings[0].compile_time is False  # members of JSON results are `any` to expr


def test_shape_any_and_optional_paths():
    assert check("result.a.b.c > 1", result_shape={"a": "any"}) == []
    assert check("result?.a?.b == nil", result_shape={"a": {"b": "int"}}) == []
    findings = check("result?.a?.c == nil", result_shape={"a": {"b": "int"}})
    assert msgs(findings) == ["result.a has no field 'c'"]
    assert check("first(result.xs).v > 1", result_shape={"xs": [{"v": "float"}]}) == []
    assert msgs(check("first(result.xs).w > 1", result_shape={"xs": [{"v": "float"}]})) == [
        "result.xs[] has no field 'w'"
    ]
    assert msgs(check("filter(result.xs, .v > 1)[0].w > 1", result_shape={"xs": [{"v": "float"}]})) == [
        "result.xs[0] has no field 'w'"
    ]


def test_shape_leaf_type_mismatch_reported():
    findings = check("result.name > 1", result_shape={"name": "string"})
    assert findings and findings[0].code == "type-mismatch"
    assert check("result.name == 'x'", result_shape={"name": "string"}) == []
    assert check("result.name contains 'x'", result_shape={"name": "string"}) == []


@pytest.mark.parametrize("src", ["", "(((", "a ?? b + c", "\x00", "'" * 3, "{" * 50, "#", "result." + "a." * 30])
def test_check_never_raises(src):
    findings = check(src, result_shape={"a": "int"})
    assert isinstance(findings, list)
    assert all(isinstance(f, ExprError) for f in findings)


def test_check_deep_nesting_does_not_raise():
    findings = check("(" * 5000 + "1" + ")" * 5000)
    assert isinstance(findings, list)


def test_static_equality_mismatch_is_compile_error():
    findings = check('"a" == 1')
    assert msgs(findings) == ["invalid operation: == (mismatched types string and int)"]
    assert findings[0].pos == 4 and findings[0].severity == "error"
    assert "mismatched types int and string" in msgs(check('len(result) == "a"'))[0]
    assert "mismatched types bool and string" in msgs(check('(result > 1) == "yes"'))[0]
    assert check("1 == 1.0 && nil == 1 && result == 'x'") == []


def test_shape_equality_mismatch_is_warning():
    findings = check("result.name == 1", result_shape={"name": "string"})
    assert [(f.severity, f.code) for f in findings] == [("warning", "type-mismatch")]
    assert "always false" in findings[0].message
    assert "always true" in check("result.name != 1", result_shape={"name": "string"})[0].message


@pytest.mark.parametrize(
    "pattern, ok",
    [("^ok$", True), ("a+b*", True), ("(?i)err", True), ("(?=x)", False), ("(a)\\\\1", False),
     ("a++", False), ("(", False), ("\\\\pL", True)],
)
def test_literal_regex_validated(pattern, ok):
    findings = check(f'result.s matches "{pattern}"')
    assert (findings == []) is ok, msgs(findings)
    if not ok:
        assert findings[0].code == "regex" and findings[0].pos == 17


def test_let_bound_values_keep_their_shape():
    shape = {"a": {"b": "float"}}
    assert check("let x = result.a; x.b > 1", result_shape=shape) == []
    assert msgs(check("let x = result.a; x.c > 1", result_shape=shape)) == ["result.a has no field 'c'"]
    assert msgs(check("let n = 1; n && true")) == ["invalid operation: && (mismatched types int and bool)"]


def test_elvis_reports_once():
    assert msgs(check("nope ?: true")) == ["unknown name nope"]
