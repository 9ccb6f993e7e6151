import math

import pytest

from rolloutlint.expr import ExprRuntimeError, ExprSyntaxError, evaluate, parse

ENV = {
    "i": 7,
    "f": 2.5,
    "s": "hello",
    "t": True,
    "n": None,
    "xs": [1, 2, 3],
    "fs": [1.5, 2.5],
    "m": {"a": 1, "b": {"c": "deep"}, "nil": None},
    "users": [
        {"name": "ann", "age": 30, "ok": True},
        {"name": "bob", "age": 20, "ok": False},
        {"name": "cid", "age": 40, "ok": True},
    ],
}


def ev(src, env=None):
    return evaluate(src, ENV if env is None else env)


def same(a, b):
    """Equality that also distinguishes int from float and bool from int."""
    return type(a) is type(b) and (a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b)))


@pytest.mark.parametrize(
    "src, expected",
    [
        # arithmetic: int/float typing
        ("1 + 2", 3),
        ("1 + 2.0", 3.0),
        ("i - 10", -3),
        ("3 * 4", 12),
        ("3 * 0.5", 1.5),
        ("5 / 2", 2.5),
        ("4 / 2", 2.0),
        ("7 % 3", 1),
        ("-7 % 3", -1),
        ("7 % -3", 1),
        ("2 ** 3", 8.0),
        ("2 ^ 3", 8.0),
        ("2 ** -1", 0.5),
        ("-2 ** 2", -4.0),
        ("(-2) ** 2", 4.0),
        ("2 ** 3 ** 2", 512.0),
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 2 - 3", 5),
        ("-i", -7),
        ("+f", 2.5),
        ("-f", -2.5),
        ("9223372036854775807 + 1", -9223372036854775808),
        ("1_000 + 0x10 + 0o10 + 0b11", 1027),
        (".5 + 1e1", 10.5),
        # strings
        ("'a' + \"b\"", "ab"),
        ("s + ' world'", "hello world"),
        ("`raw\\n`", "raw\\n"),
        # comparisons
        ("1 == 1.0", True),
        ("1 != 1.0", False),
        ("1 < 2.5", True),
        ("2.5 <= 2", False),
        ("3 > 2", True),
        ("3 >= 3.0", True),
        ("'abc' < 'abd'", True),
        ("'b' > 'a'", True),
        ("1 < 2 < 3", True),
        ("1 < 3 < 2", False),
        ("'a' == 'a'", True),
        ("'1' == 1", False),
        ("true == 1", False),
        ("nil == nil", True),
        ("n == nil", True),
        ("xs == [1, 2, 3]", True),
        ("xs == [1, 2]", False),
        ("[1] == [1.0]", True),  # runtime.Equal recurses into arrays numerically
        ("{a: 1} == {a: 1.0}", False),  # maps use reflect.DeepEqual
        ("{a: [1]} == {a: [1]}", True),
        ("m.b == {c: 'deep'}", True),
        ("true == true", True),
        ("true != false", True),
        # logic
        ("true && false", False),
        ("true and true", True),
        ("false || true", True),
        ("false or false", False),
        ("!true", False),
        ("not false", True),
        ("not (1 > 2)", True),
        ("false && (1 / 0 > 'x')", False),
        ("true || xs[10] == 1", True),
        # membership and string operators
        ("2 in xs", True),
        ("2.0 in xs", True),
        ("5 in xs", False),
        ("5 not in xs", True),
        ("'a' in m", True),
        ("'zz' in m", False),
        ("'zz' not in m", True),
        ("1 in nil", False),
        ("'ann' in map(users, .name)", True),
        ("s contains 'ell'", True),
        ("s not contains 'z'", True),
        ("s startsWith 'he'", True),
        ("s not startsWith 'he'", False),
        ("s endsWith 'lo'", True),
        ("s not endsWith 'lo'", False),
        ("s matches '^h.*o$'", True),
        ("s matches 'ELL'", False),
        ("s matches 'l+'", True),
        ("s not matches '^x'", True),
        # ranges
        ("1..3", [1, 2, 3]),
        ("3..1", []),
        ("-1..1", [-1, 0, 1]),
        ("len(1..10)", 10),
        ("f..4", [2, 3, 4]),  # runtime ToInt truncates floats
        # only the left operand of && / || is asserted bool (expr VM behaviour)
        ("true && 1", 1),
        ("false || 's'", "s"),
        ("false && 1", False),
        # string operators short-cut nil operands to false
        ("n contains 'a'", False),
        ("s startsWith nil", False),
        ("n matches '('", False),
        ("n endsWith n", False),
        # ternary / elvis / if
        ("t ? 'y' : 'n'", "y"),
        ("!t ? 'y' : 'n'", "n"),
        ("false ? 1 : true ? 2 : 3", 2),
        ("t ?: false", True),
        ("false ?: 'fallback'", "fallback"),
        ("if i > 5 { 'big' } else { 'small' }", "big"),
        ("if i > 10 { 'big' } else if i > 5 { 'mid' } else { 'small' }", "mid"),
        # nil coalescing and optional chaining
        ("n ?? 5", 5),
        ("i ?? 5", 7),
        ("1 + nil ?? 2", 3),
        ("m.missing ?? 'dflt'", "dflt"),
        ("n?.a", None),
        ("n?.a.b.c", None),
        ("n?.[0]", None),
        ("m?.b.c", "deep"),
        ("m.missing?.deeper == nil", True),
        ("(n?.a ?? 1) + 1", 2),
        # member / index / slices
        ("m.a", 1),
        ("m['a']", 1),
        ("m.b.c", "deep"),
        ("m['b']['c']", "deep"),
        ("m.missing", None),
        ("m.nil", None),
        ("m.missing == nil", True),
        ("xs[0]", 1),
        ("xs[-1]", 3),
        ("xs[-3]", 1),
        ("xs[1.0]", 2),
        ("xs[1:]", [2, 3]),
        ("xs[:2]", [1, 2]),
        ("xs[1:2]", [2]),
        ("xs[:]", [1, 2, 3]),
        ("xs[-2:]", [2, 3]),
        ("xs[:-1]", [1, 2]),
        ("xs[2:1]", []),
        ("xs[0:99]", [1, 2, 3]),
        ("s[1:3]", "el"),
        ("s[0]", 104),  # Go yields the byte value
        ("users[1].name", "bob"),
        ("[10, 20][1]", 20),
        ("{a: {b: 3}}.a.b", 3),
    ],
)
def test_operators(src, expected):
    assert same(ev(src), expected)


def test_map_literal_forms():
    assert ev("{a: 1, 'b': 2, 3: 'x', ('k' + 'y'): i}") == {"a": 1, "b": 2, "3": "x", "ky": 7}
    assert ev("{}") == {}
    assert ev("[]") == []
    assert ev("[1, 'a', nil, [2]]") == [1, "a", None, [2]]


def test_division_by_zero_follows_float64():
    assert ev("1 / 0") == math.inf
    assert ev("-1 / 0") == -math.inf
    assert math.isnan(ev("0 / 0"))
    assert ev("0 ** -1") == math.inf
    assert math.isnan(ev("(-8) ** 0.5"))


def test_nan_comparisons_are_false():
    env = {"x": math.nan}
    assert ev("x > 0", env) is False
    assert ev("x <= 0", env) is False
    assert ev("x == x", env) is False
    assert ev("x != x", env) is True


def test_let_and_sequence():
    assert ev("let x = 2; let y = x * 3; y + 1") == 7
    assert ev("let i = 100; i") == 100  # shadows env
    assert ev("1; 2; 3") == 3
    assert ev("(1; 2)") == 2
    assert ev("filter(users, { let a = .age; a > 25 }) | map(.name)") == ["ann", "cid"]


def test_env_special_variable():
    assert ev("$env.i") == 7
    assert ev("$env['s']") == "hello"


def test_evaluate_accepts_node():
    node = parse("i * 2")
    assert evaluate(node, {"i": 21}) == 42
    assert evaluate(node, {"i": 1.5}) == 3.0


def test_env_functions_and_methods():
    env = {"f": lambda a, b: a * b, "o": {"g": lambda: "called"}}
    assert evaluate("f(3, 4)", env) == 12
    assert evaluate("o.g()", env) == "called"
    with pytest.raises(ExprRuntimeError, match="not enough arguments to call f"):
        evaluate("f(1)", env)
    with pytest.raises(ExprRuntimeError, match="too many arguments to call f"):
        evaluate("f(1, 2, 3)", env)
    with pytest.raises(ExprRuntimeError, match="cannot call non-function of type int"):
        evaluate("x(1)", {"x": 3})


# -- predicates ----------------------------------------------------------------------

@pytest.mark.parametrize(
    "src, expected",
    [
        ("all(xs, # > 0)", True),
        ("all(xs, {# > 1})", False),
        ("all([], false)", True),
        ("any(xs, # == 2)", True),
        ("any([], true)", False),
        ("none(xs, # > 5)", True),
        ("none(xs, # > 2)", False),
        ("none([], true)", True),
        ("one(xs, # == 2)", True),
        ("one(xs, # > 1)", False),
        ("one([], true)", False),
        ("filter(xs, # % 2 == 1)", [1, 3]),
        ("filter(users, .ok) | map(.name)", ["ann", "cid"]),
        ("map(xs, # * 10)", [10, 20, 30]),
        ("map(xs, #index)", [0, 1, 2]),
        ("map(xs, # + #index)", [1, 3, 5]),
        ("count(xs, # > 1)", 2),
        ("count([true, false, true])", 2),
        ("sum(xs)", 6),
        ("sum(fs)", 4.0),
        ("sum([])", 0),
        ("sum(users, .age)", 90),
        ("sum(xs, # * 0.5)", 3.0),
        ("find(xs, # > 1)", 2),
        ("find(xs, # > 5)", None),
        ("findIndex(xs, # > 1)", 1),
        ("findIndex(xs, # > 5)", -1),
        ("findLast(xs, # < 3)", 2),
        ("findLast(xs, # > 5)", None),
        ("findLastIndex(xs, # < 3)", 1),
        ("findLastIndex(xs, # > 5)", -1),
        ("groupBy(users, .ok)", {True: [{"name": "ann", "age": 30, "ok": True}, {"name": "cid", "age": 40, "ok": True}],
                                 False: [{"name": "bob", "age": 20, "ok": False}]}),
        ("groupBy(xs, # % 2)[1]", None),  # expr map keys are not coerced; int key on a map -> lookup
        ("sortBy(users, .age) | map(.name)", ["bob", "ann", "cid"]),
        ("sortBy(users, .age, 'desc') | map(.name)", ["cid", "ann", "bob"]),
        ("sortBy(users, .name, 'asc') | map(.age)", [30, 20, 40]),
        ("reduce(xs, #acc + #)", 6),
        ("reduce(xs, #acc + #, 10)", 16),
        ("reduce(xs, #acc + #index, 0)", 3),
        ("reduce([], #acc + #, 0)", 0),
        ("reduce(xs, #acc * #, 1)", 6),
        ("all(map(users, .age), # >= 20)", True),
        ("any(users, .name == 'bob' && !.ok)", True),
        ("all(users, { .age > 10; .age < 50 })", True),
        ("map([[1, 2], [3]], len(#))", [2, 1]),
        ("map([[1, 2], [3]], sum(#))", [3, 3]),
        ("map([[1, 2], [3]], map(#, # * 2))", [[2, 4], [6]]),
        ("xs | map(# * 2) | filter(# > 2) | sum()", 10),
        ("xs | reduce(#acc + #, 100)", 106),
    ],
)
def test_predicates(src, expected):
    if src == "groupBy(xs, # % 2)[1]":
        assert ev("groupBy(xs, # % 2)") == {1: [1, 3], 0: [2]}
        return
    got = ev(src)
    assert got == expected
    assert type(got) is type(expected)


# -- builtins --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "src, expected",
    [
        ("len(xs)", 3),
        ("len(s)", 5),
        ("len('héllo')", 6),  # bytes, like Go
        ("len(m)", 3),
        ("len([])", 0),
        ("type(1)", "int"),
        ("type(1.5)", "float"),
        ("type('s')", "string"),
        ("type(true)", "bool"),
        ("type(nil)", "nil"),
        ("type(xs)", "array"),
        ("type(m)", "map"),
        ("abs(-3)", 3),
        ("abs(-2.5)", 2.5),
        ("abs(4)", 4),
        ("ceil(1.2)", 2.0),
        ("ceil(-1.2)", -1.0),
        ("floor(1.8)", 1.0),
        ("floor(-1.2)", -2.0),
        ("round(2.5)", 3.0),
        ("round(-2.5)", -3.0),
        ("round(1.4)", 1.0),
        ("ceil(3)", 3.0),
        ("int(2.9)", 2),
        ("int(-2.9)", -2),
        ("int('42')", 42),
        ("int(7)", 7),
        ("float(2)", 2.0),
        ("float('1.5')", 1.5),
        ("float('1e3')", 1000.0),
        ("string(1)", "1"),
        ("string(2.0)", "2"),
        ("string(2.5)", "2.5"),
        ("string(1e6)", "1e+06"),
        ("string(true)", "true"),
        ("string(nil)", "<nil>"),
        ("string([1, 'a'])", "[1 a]"),
        ("string({b: 1, a: 2})", "map[a:2 b:1]"),
        ("max(1, 5, 3)", 5),
        ("max(1, 2.5)", 2.5),
        ("max(xs)", 3),
        ("min(4, 2, 8)", 2),
        ("min(fs)", 1.5),
        ("min(3, 1.5)", 1.5),
        ("max([1, [7, 2]], 3)", 7),
        ("max([])", None),
        ("max('a')", "a"),
        ("mean([1, [2, 3]])", 2.0),
        ("median(1, [5, 3])", 3.0),
        ("mean(xs)", 2.0),
        ("mean([1, 2, 3, 4])", 2.5),
        ("mean(1, 2)", 1.5),
        ("mean([])", 0.0),
        ("median([3, 1, 2])", 2.0),
        ("median([4, 1, 3, 2])", 2.5),
        ("median([])", 0.0),
        ("trim('  x  ')", "x"),
        ("trim('__x__', '_')", "x"),
        ("trimPrefix('prefix-x', 'prefix-')", "x"),
        ("trimSuffix('x.yaml', '.yaml')", "x"),
        ("upper('abc')", "ABC"),
        ("lower('ABC')", "abc"),
        ("split('a,b,c', ',')", ["a", "b", "c"]),
        ("split('a,b,c', ',', 2)", ["a", "b,c"]),
        ("split('abc', '')", ["a", "b", "c"]),
        ("splitAfter('a,b,c', ',')", ["a,", "b,", "c"]),
        ("replace('a-b-c', '-', '+')", "a+b+c"),
        ("repeat('ab', 3)", "ababab"),
        ("join(['a', 'b'], '-')", "a-b"),
        ("join(['a', 'b'])", "ab"),
        ("indexOf('hello', 'l')", 2),
        ("indexOf('hello', 'z')", -1),
        ("lastIndexOf('hello', 'l')", 3),
        ("indexOf('héllo', 'l')", 3),  # byte offset, like Go
        ("hasPrefix('hello', 'he')", True),
        ("hasSuffix('hello', 'lo')", True),
        ("hasSuffix('hello', 'he')", False),
        ("toJSON({b: [1, 2.0], a: 'x'})", '{\n  "a": "x",\n  "b": [\n    1,\n    2\n  ]\n}'),
        ("fromJSON('{\"a\": [1, 2.5]}')", {"a": [1.0, 2.5]}),
        ("type(fromJSON('1'))", "float"),
        ("toBase64('hi')", "aGk="),
        ("fromBase64('aGk=')", "hi"),
        ("first(xs)", 1),
        ("first([])", None),
        ("last(xs)", 3),
        ("last([])", None),
        ("get(xs, 1)", 2),
        ("get(xs, 10)", None),
        ("get(xs, -1)", 3),
        ("get(m, 'a')", 1),
        ("get(m, 'zz')", None),
        ("take(xs, 2)", [1, 2]),
        ("take(xs, 10)", [1, 2, 3]),
        ("keys({a: 1, b: 2})", ["a", "b"]),
        ("values({a: 1, b: 2})", [1, 2]),
        ("toPairs({a: 1})", [["a", 1]]),
        ("fromPairs([['a', 1], ['b', 2]])", {"a": 1, "b": 2}),
        ("reverse(xs)", [3, 2, 1]),
        ("uniq([1, 2, 1, 3, 2])", [1, 2, 3]),
        ("concat([1], [2, 3], [])", [1, 2, 3]),
        ("flatten([1, [2, [3]]])", [1, 2, 3]),
        ("sort([3, 1, 2])", [1, 2, 3]),
        ("sort([3, 1, 2], 'desc')", [3, 2, 1]),
        ("sort(['b', 'a'])", ["a", "b"]),
        ("bitand(12, 10)", 8),
        ("bitor(12, 10)", 14),
        ("bitxor(12, 10)", 6),
        ("bitnand(12, 10)", 4),
        ("bitshl(1, 4)", 16),
        ("bitshr(-16, 2)", -4),
        ("bitushr(-1, 60)", 15),
        ("bitnot(0)", -1),
        ("::len(xs)", 3),
    ],
)
def test_builtins(src, expected):
    got = ev(src)
    assert got == expected
    assert type(got) is type(expected)


# -- runtime errors --------------------------------------------------------------------

@pytest.mark.parametrize(
    "src, pos, fragment",
    [
        ("xs[5]", 2, "index out of range: 5 (array length is 3)"),
        ("xs[-4]", 2, "index out of range: -1 (array length is 3)"),
        ("n.a", 2, "cannot fetch a from <nil>"),
        ("m.missing.deeper", 10, "cannot fetch deeper from <nil>"),
        ("i.b", 2, "cannot fetch b from int"),
        ("f.b", 2, "cannot fetch b from float64"),
        ("xs.a", 3, "cannot fetch a from []interface {}"),
        ("xs['a']", 2, "cannot fetch a from []interface {}"),
        ("xs[true]", 2, "array elements can only be selected using an integer (got bool)"),
        ("m[1]", 1, "cannot use int as index to map[string]interface {}"),
        ("i > 'a'", 2, "invalid operation: int > string"),
        ("'a' >= 1", 4, "invalid operation: string >= int"),
        ("s + 1", 2, "invalid operation: string + int"),
        ("1 - 'a'", 2, "invalid operation: int - string"),
        ("1 * nil", 2, "invalid operation: int * <nil>"),
        ("xs / 2", 3, "invalid operation: []interface {} / int"),
        ("7 % 2.0", 2, "invalid operation: int % float64"),
        ("7 % 0", 2, "integer divide by zero"),
        ("'a' ** 2", 4, "invalid operation: string ** int"),
        ("true < false", 5, "invalid operation: bool < bool"),
        ("'a'..3", 3, "invalid operation: int(string)"),
        ("1 && true", 2, "non-bool"),
        ("nil || true", 4, "non-bool"),
        ("!1", 0, "invalid operation: ! int"),
        ("not 'x'", 0, "invalid operation: not string"),
        ("-'x'", 0, "invalid operation: - string"),
        ("1 ? 2 : 3", 2, "non-bool expression (type int) used as condition"),
        ("n ?: 1", 2, "non-bool expression"),
        ("1 in 5", 2, 'operator "in" not defined on int'),
        ("'a' in 'abc'", 4, 'operator "in" not defined on string'),
        ("1 in m", 2, "cannot use int as index"),
        ("1 contains 'a'", 2, "invalid operation: int contains string"),
        ("s startsWith 1", 2, "invalid operation: string startsWith int"),
        ("s matches '('", 2, "error parsing regexp"),
        ("unknownVar > 1", 0, "unknown name unknownVar"),
        ("len(1)", 0, "invalid argument for len (type int)"),
        ("len(nil)", 0, "invalid argument for len (type <nil>)"),
        ("abs('x')", 0, "invalid argument for abs (type string)"),
        ("int('1.5')", 0, "invalid operation: int(1.5)"),
        ("int(nil)", 0, "invalid operation: int(<nil>)"),
        ("float('abc')", 0, "invalid operation: float(abc)"),
        ("float(' 1')", 0, "invalid operation: float( 1)"),
        ("max()", 0, "invalid number of arguments for max"),
        ("max('a', 1)", 0, "invalid argument for max (type string)"),
        ("len(xs, 1)", 0, "invalid number of arguments for len (expected 1, got 2)"),
        ("upper(1)", 0, "invalid argument for upper (type int)"),
        ("join([1])", 0, "invalid argument for join (type int)"),
        ("repeat('a', -1)", 0, "negative Repeat count"),
        ("keys(xs)", 0, "invalid argument for keys"),
        ("sort([1, 'a'])", 0, "cannot sort"),
        ("sort(xs, 'up')", 0, "unknown order"),
        ("fromJSON('{')", 0, ""),
        ("toJSON(0 / 0)", 0, "unsupported value: NaN"),
        ("now()", 0, "not supported"),
        ("all(m, true)", 4, "builtin all takes only array (got map[string]interface {})"),
        ("map(n, #)", 4, "builtin map takes only array (got <nil>)"),
        ("filter(xs, # + 1)", 11, "predicate should return boolean (got int)"),
        ("any(xs, 'x')", 8, "predicate should return boolean (got string)"),
        ("count(xs)", 0, "predicate should return boolean (got int)"),
        ("reduce([], #acc + #)", 0, "reduce of empty array with no initial value"),
        ("sum(['a'])", 0, "invalid argument for sum (type string)"),
        ("sortBy(users, .age, 'sideways')", 0, "unknown order"),
        ("xs[1:'a']", 5, "non-integer slice index"),
        ("i[1:2]", 1, "cannot slice int"),
        ("map(xs, #acc)", 8, "unknown pointer #acc"),
        ("filter(xs, #index > 0)", 11, "unknown pointer #index"),
        ("map(xs, all([1], #index == 0))", 17, "unknown pointer #index"),
    ],
)
def test_runtime_errors(src, pos, fragment):
    with pytest.raises(ExprRuntimeError) as ei:
        ev(src)
    assert fragment in ei.value.message
    assert ei.value.pos == pos


def test_syntax_error_from_evaluate():
    with pytest.raises(ExprSyntaxError):
        evaluate("1 +", {})


def test_error_str_includes_offset():
    with pytest.raises(ExprRuntimeError) as ei:
        ev("xs[9]")
    assert "offset 2" in str(ei.value)
    assert ei.value.message.startswith("index out of range")


def test_nested_predicate_pointer_is_innermost():
    assert ev("map([[1, 2], [3]], all(#, # > 0))") == [True, True]
    assert ev("filter(users, { let u = #; any(xs, # * 10 < u.age) }) | map(.name)") == ["ann", "bob", "cid"]


@pytest.mark.parametrize(
    "pattern, text, expected",
    [
        ("^a$", "a\n", False),  # Go "$" is end of text without (?m)
        ("(?m)^a$", "a\nb", True),
        ("a\\z", "a", True),
        ("\\d+", "\u0663", False),  # RE2 \d is ASCII-only
        ("(?i)ABC", "xabcx", True),
        ("(?<n>a)b", "ab", True),
        ("[]a]+", "]a", True),
        ("[$]", "$", True),
        ("b", "abc", True),  # unanchored, like MatchString
    ],
)
def test_go_regex_semantics(pattern, text, expected):
    assert evaluate("s matches p", {"s": text, "p": pattern}) is expected


@pytest.mark.parametrize("pattern", ["(?=a)", "(?!a)", "(?<=a)", "(a)\\1", "a++", "\\Z", "(?P=x)", "(?>a)"])
def test_go_regex_rejects_non_re2_syntax(pattern):
    with pytest.raises(ExprRuntimeError, match="error parsing regexp"):
        evaluate("s matches p", {"s": "a", "p": pattern})
