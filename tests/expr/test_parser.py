import pytest

from rolloutlint.expr import ExprSyntaxError, parse
from rolloutlint.expr.nodes import (
    ArrayLit, Binary, Bool, Builtin, Call, Chain, Conditional, Float, Ident, Int, Let, MapLit, Member,
    Nil, Pointer, Predicate, Sequence, Slice, Str, Unary,
)


def sexpr(n):
    """Compact rendering of an AST for precedence assertions."""
    if isinstance(n, Binary):
        return f"({n.op} {sexpr(n.left)} {sexpr(n.right)})"
    if isinstance(n, Unary):
        return f"({n.op} {sexpr(n.operand)})"
    if isinstance(n, (Int, Float)):
        return repr(n.value)
    if isinstance(n, Str):
        return repr(n.value)
    if isinstance(n, Bool):
        return str(n.value).lower()
    if isinstance(n, Nil):
        return "nil"
    if isinstance(n, Ident):
        return n.name
    if isinstance(n, Pointer):
        return "#" + n.name
    if isinstance(n, Member):
        return f"{sexpr(n.obj)}{'?' if n.optional else ''}[{sexpr(n.prop)}]"
    if isinstance(n, Chain):
        return f"chain({sexpr(n.node)})"
    if isinstance(n, Conditional):
        return f"(? {sexpr(n.cond)} {sexpr(n.then)} {sexpr(n.else_)})"
    if isinstance(n, (Builtin, Call)):
        name = n.name if isinstance(n, Builtin) else sexpr(n.callee)
        return f"{name}({', '.join(sexpr(a) for a in n.args)})"
    if isinstance(n, Predicate):
        return "{" + sexpr(n.body) + "}"
    if isinstance(n, Slice):
        return f"{sexpr(n.obj)}[{sexpr(n.start) if n.start else ''}:{sexpr(n.stop) if n.stop else ''}]"
    if isinstance(n, ArrayLit):
        return "[" + ", ".join(sexpr(x) for x in n.items) + "]"
    if isinstance(n, MapLit):
        return "{" + ", ".join(f"{sexpr(p.key)}: {sexpr(p.value)}" for p in n.pairs) + "}"
    if isinstance(n, Sequence):
        return "(seq " + " ".join(sexpr(x) for x in n.nodes) + ")"
    if isinstance(n, Let):
        return f"(let {n.name} {sexpr(n.value)} {sexpr(n.body)})"
    raise AssertionError(type(n))


@pytest.mark.parametrize(
    "src, tree",
    [
        # every precedence level against its neighbours
        ("a || b && c", "(|| a (&& b c))"),
        ("a or b and c", "(or a (and b c))"),
        ("a && b == c", "(&& a (== b c))"),
        ("a == 1..3", "(== a (.. 1 3))"),
        ("1..2 + 3", "(.. 1 (+ 2 3))"),
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("1 - 2 - 3", "(- (- 1 2) 3)"),
        ("8 / 4 % 3", "(% (/ 8 4) 3)"),
        ("2 * 3 ** 2", "(* 2 (** 3 2))"),
        ("2 ** 3 ** 2", "(** 2 (** 3 2))"),
        ("2 ^ 3 ^ 2", "(^ 2 (^ 3 2))"),
        ("-2 ** 2", "(- (** 2 2))"),
        ("-a * b", "(* (- a) b)"),
        ("!a == b", "(== (! a) b)"),
        ("not a * b", "(not (* a b))"),
        ("not a == b", "(== (not a) b)"),
        ("1 + nil ?? 2", "(+ 1 (?? nil 2))"),
        ("a ?? b ?? c", "(?? (?? a b) c)"),
        ("a < b < c", "(&& (< a b) (< b c))"),
        ("a <= b > c >= d", "(&& (&& (<= a b) (> b c)) (>= c d))"),
        ("a == b == c", "(== (== a b) c)"),
        ("x not in y", "(not (in x y))"),
        ("x not matches '^a'", "(not (matches x '^a'))"),
        ("a in b || c", "(|| (in a b) c)"),
        ("a ? b : c ? d : e", "(? a b (? c d e))"),
        ("a || b ? 1 : 2", "(? (|| a b) 1 2)"),
        ("a ?: b", "(? a a b)"),
        ("+a", "(+ a)"),
        ("(1 + 2) * 3", "(* (+ 1 2) 3)"),
        ("a.b[0].c", "a['b'][0]['c']"),
        ("a?.b.c", "chain(a?['b']['c'])"),
        ("a?.[0]", "chain(a?[0])"),
        ("a[1:2]", "a[1:2]"),
        ("a[:2]", "a[:2]"),
        ("a[1:]", "a[1:]"),
        ("a[:]", "a[:]"),
        ("a[-1]", "a[(- 1)]"),
        ("true && false || nil == nil", "(|| (&& true false) (== nil nil))"),
        ("[1, 'x', 2.5,]", "[1, 'x', 2.5]"),
        ("{a: 1, 'b': 2, 3: 4, (k): 5}", "{'a': 1, 'b': 2, '3': 4, k: 5}"),
        ("all(xs, {# > 1})", "all(xs, {(> # 1)})"),
        ("all(xs, # > 1)", "all(xs, {(> # 1)})"),
        ("map(xs, .a.b)", "map(xs, {#['a']['b']})"),
        ("reduce(xs, #acc + #, 0)", "reduce(xs, {(+ #acc #)}, 0)"),
        ("count(xs)", "count(xs)"),
        ("xs | filter(# > 1) | len()", "len(filter(xs, {(> # 1)}))"),
        ("s | split(',')", "split(s, ',')"),
        ("asInt(x)", "asInt(x)"),
        ("x.f(1)", "x['f'](1)"),
        ("let x = 1; x + 1", "(let x 1 (+ x 1))"),
        ("1; 2", "(seq 1 2)"),
        ("if a { 1 } else if b { 2 } else { 3 }", "(? a 1 (? b 2 3))"),
        ("0x10 + 0o10 + 0b10 + 1_000", "(+ (+ (+ 16 8) 2) 1000)"),
        ("1.5e3", "1500.0"),
        ("a.not", "a['not']"),
    ],
)
def test_precedence_and_shapes(src, tree):
    assert sexpr(parse(src)) == tree


def test_pipe_into_predicate_with_braces():
    assert sexpr(parse("xs | all({.ok})")) == "all(xs, {#['ok']})"


def test_builtin_vs_env_call():
    assert isinstance(parse("len(x)"), Builtin)
    node = parse("asFloat(x)")
    assert isinstance(node, Call) and node.callee == Ident("asFloat", 0)


def test_positions():
    node = parse("result[0] >= 0.95")
    assert node.pos == 10  # the operator
    assert node.left.pos == 6  # the "[" bracket
    assert node.left.obj.pos == 0
    assert node.right.pos == 13
    member = parse("result.service_apdex")
    assert member.pos == 7 and member.prop.pos == 7


def test_doc_example_asts():
    tree = sexpr(parse("all(result.service_apdex.values.values, {asFloat(.value) >= 9900})"))
    assert tree == "all(result['service_apdex']['values']['values'], {(>= asFloat(#['value']) 9900)})"
    assert sexpr(parse("result[0] <= 0.05")) == "(<= result[0] 0.05)"
    assert sexpr(parse("len(result) > 0 && result[0] >= 0.95")) == "(&& (> len(result) 0) (>= result[0] 0.95))"


def test_nodes_are_frozen():
    node = parse("1 + 2")
    with pytest.raises(AttributeError):  # dataclasses.FrozenInstanceError
        node.op = "-"  # type: ignore[misc]


@pytest.mark.parametrize(
    "src, pos, fragment",
    [
        ("(1 + 2", 6, "unexpected token EOF"),
        ("len(result", 10, "unexpected token EOF"),
        ("all(result, {# > 1)", 18, 'unexpected token Bracket(")")'),
        ("len(result) > 0 &&", 18, "unexpected token EOF"),
        ("1 + 2 3", 6, 'unexpected token Number("3")'),
        ("a b", 2, 'unexpected token Identifier("b")'),
        ("1 )", 2, 'unexpected token Bracket(")")'),
        ("a <* b", 2, 'unexpected token Operator("<*")'),
        ("a === b", 4, 'unexpected token Operator("=")'),
        ("a = 1", 2, 'unexpected token Operator("=")'),
        ("", 0, "unexpected token EOF"),
        ("[1, 2", 5, "unexpected token EOF"),
        ("{a 1}", 3, "unexpected token"),
        ("{[1]: 2}", 1, "a map key must be"),
        ("# > 1", 0, 'unexpected token Operator("#")'),
        (".a", 0, 'unexpected token Operator(".")'),
        ("true.a", 4, 'unexpected token Operator(".")'),
        ("1[0]", 1, 'unexpected token Bracket("[")'),
        ("1e400", 0, "invalid float literal"),
        ("all(xs)", 6, "expected at least 2 arguments"),
        ("all(xs, # > 1; true)", 13, "wrap predicate with brackets"),
        ("a ?? b + c", 7, "cannot be mixed"),
        ("a not b", 6, "unexpected token"),
        ("a.1", 1, 'unexpected token Number(".1")'),
        ("a.(b)", 2, "expected name"),
        ("99999999999999999999", 0, 'invalid integer literal: strconv.ParseInt: parsing "99999999999999999999": value out of range'),
        ("0x8000000000000000", 0, "invalid hex literal"),
        ("a ? b", 5, "unexpected token EOF"),
        ("let x = 1 x", 10, "unexpected token"),
        ("if a { 1 }", 10, "unexpected token EOF"),
        ('"abc', 0, "literal not terminated"),
        ("0x", 0, 'invalid hex literal: strconv.ParseInt: parsing "0x": invalid syntax'),
        ("0b", 0, "invalid binary literal"),
        ("0o", 0, "invalid octal literal"),
    ],
)
def test_syntax_errors(src, pos, fragment):
    with pytest.raises(ExprSyntaxError) as ei:
        parse(src)
    assert fragment in ei.value.message
    assert ei.value.pos == pos


def test_parse_rejects_non_string():
    with pytest.raises(ExprSyntaxError):
        parse(None)  # type: ignore[arg-type]
