"""Recursive-descent / precedence-climbing parser for expr-lang v1.17.

Structure follows expr's own parser so that precedence, comparison chaining,
``not in`` handling, pipes and predicate parsing agree with what Argo compiles.
"""

from __future__ import annotations

from collections.abc import Callable

from .errors import ExprSyntaxError
from .lexer import BRACKET, BYTES, EOF, IDENTIFIER, NUMBER, OPERATOR, STRING, NEGATABLE, Token, tokenize
from .nodes import (
    ArrayLit, Bool, Builtin, Bytes, Call, Chain, Conditional, Float, Ident, Int, Let, MapLit,
    Member, Nil, Node, Pair, Pointer, Predicate, Sequence, Slice, Str, Unary, Binary,
)

# (precedence, right_associative). Higher binds tighter.
BINARY_OPS: dict[str, tuple[int, bool]] = {
    "|": (0, False),
    "or": (10, False), "||": (10, False),
    "and": (15, False), "&&": (15, False),
    "==": (20, False), "!=": (20, False), "<": (20, False), ">": (20, False),
    "<=": (20, False), ">=": (20, False), "in": (20, False), "matches": (20, False),
    "contains": (20, False), "startsWith": (20, False), "endsWith": (20, False),
    "..": (25, False),
    "+": (30, False), "-": (30, False),
    "*": (60, False), "/": (60, False), "%": (60, False),
    "**": (100, True), "^": (100, True),
    "??": (500, False),
}
UNARY_OPS: dict[str, int] = {"not": 50, "!": 50, "-": 90, "+": 90}
# Only these chain: a < b < c == (a < b) && (b < c).
CHAINED_COMPARISONS = frozenset({"<", ">", "<=", ">="})

# Predicate builtins and their argument layout: "e" expression, "p" predicate,
# a trailing "?" marks an optional argument.
PREDICATES: dict[str, tuple[str, ...]] = {
    "all": ("e", "p"), "none": ("e", "p"), "any": ("e", "p"), "one": ("e", "p"),
    "filter": ("e", "p"), "map": ("e", "p"), "count": ("e", "p?"), "sum": ("e", "p?"),
    "find": ("e", "p"), "findIndex": ("e", "p"), "findLast": ("e", "p"),
    "findLastIndex": ("e", "p"), "groupBy": ("e", "p"), "sortBy": ("e", "p", "e?"),
    "reduce": ("e", "p", "e?"),
}

# Non-predicate builtins of expr v1.17.8 (builtin/builtin.go); parsed as Builtin nodes.
BUILTIN_NAMES = frozenset({
    "len", "type", "abs", "ceil", "floor", "round", "int", "float", "string", "max", "min",
    "mean", "median", "trim", "trimPrefix", "trimSuffix", "upper", "lower", "split", "splitAfter",
    "replace", "repeat", "join", "indexOf", "lastIndexOf", "hasPrefix", "hasSuffix", "toJSON",
    "fromJSON", "toBase64", "fromBase64", "now", "duration", "date", "timezone", "first", "last",
    "get", "take", "keys", "values", "toPairs", "fromPairs", "reverse", "uniq", "concat",
    "flatten", "sort", "bitand", "bitor", "bitxor", "bitnand", "bitshl", "bitshr", "bitushr",
    "bitnot",
})

_MAX_INT = 2**63 - 1


def _is_identifier_word(value: str) -> bool:
    return bool(value) and (value[0].isalpha() or value[0] in "_$") and all(
        c.isalnum() or c in "_$" for c in value
    )


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.idx = 0
        self.depth = 0  # >0 while inside a predicate body

    @property
    def cur(self) -> Token:
        return self.tokens[self.idx]

    def next(self) -> None:
        if self.idx < len(self.tokens) - 1:
            self.idx += 1

    def error(self, message: str, tok: Token | None = None) -> ExprSyntaxError:
        return ExprSyntaxError(message, (tok or self.cur).pos)

    def unexpected(self, tok: Token | None = None) -> ExprSyntaxError:
        tok = tok or self.cur
        return ExprSyntaxError(f"unexpected token {tok}", tok.pos)

    def expect(self, kind: str, value: str | None = None) -> Token:
        tok = self.cur
        if not tok.is_(kind, value):
            raise self.unexpected(tok)
        self.next()
        return tok

    # -- program structure -------------------------------------------------

    def parse_program(self) -> Node:
        node = self.parse_sequence()
        if not self.cur.is_(EOF):
            raise self.unexpected()
        return node

    def parse_sequence(self) -> Node:
        first = self.cur
        nodes = [self.parse_expression(0)]
        while self.cur.is_(OPERATOR, ";"):
            self.next()
            if self.cur.is_(EOF) or self.cur.is_(BRACKET, ")") or self.cur.is_(BRACKET, "}"):
                break  # trailing semicolon
            nodes.append(self.parse_expression(0))
        if len(nodes) == 1:
            return nodes[0]
        return Sequence(tuple(nodes), first.pos)

    def parse_expression(self, precedence: int) -> Node:
        if precedence == 0 and self.cur.is_(OPERATOR, "let"):
            return self.parse_let()
        if precedence == 0 and self.cur.is_(OPERATOR, "if"):
            return self.parse_if()
        left = self.parse_primary()
        prev_op = ""
        op_tok = self.cur
        while op_tok.is_(OPERATOR):
            negate_tok: Token | None = None
            if op_tok.value == "not":
                save = self.idx
                self.next()
                if self.cur.kind == OPERATOR and self.cur.value in NEGATABLE:
                    if BINARY_OPS[self.cur.value][0] >= precedence:
                        negate_tok = op_tok
                        op_tok = self.cur
                    else:
                        self.idx = save
                        break
                else:
                    raise self.unexpected()
            info = BINARY_OPS.get(op_tok.value)
            if info is None or info[0] < precedence:
                break
            prec, right_assoc = info
            self.next()
            if op_tok.value == "|":
                name = self.expect(IDENTIFIER)
                left = self.parse_call(name, [left])
            else:
                if prev_op == "??" and op_tok.value != "??":
                    raise self.error(
                        f"Operator ({op_tok.value}) and coalesce expressions (??) cannot be mixed. "
                        "Wrap either by parentheses.",
                        op_tok,
                    )
                if op_tok.value in CHAINED_COMPARISONS:
                    left = self.parse_comparison(left, op_tok, prec)
                else:
                    right = self.parse_expression(prec if right_assoc else prec + 1)
                    left = Binary(op_tok.value, left, right, op_tok.pos)
                    if negate_tok is not None:
                        left = Unary("not", left, op_tok.pos)  # expr locates it at the "in"/"matches" token
            prev_op = op_tok.value
            op_tok = self.cur
        if precedence == 0:
            left = self.parse_ternary(left)
        return left

    def parse_comparison(self, left: Node, tok: Token, prec: int) -> Node:
        root: Node | None = None
        while True:
            right = self.parse_expression(prec + 1)
            cmp = Binary(tok.value, left, right, tok.pos)
            root = cmp if root is None else Binary("&&", root, cmp, tok.pos)
            left = right
            tok = self.cur
            if not (tok.kind == OPERATOR and tok.value in CHAINED_COMPARISONS):
                return root
            self.next()

    def parse_ternary(self, node: Node) -> Node:
        while self.cur.is_(OPERATOR, "?"):
            q = self.cur
            self.next()
            if self.cur.is_(OPERATOR, ":"):
                # Elvis "a ?: b" == "a ? a : b".
                self.next()
                then, other = node, self.parse_expression(0)
            else:
                then = self.parse_expression(0)
                self.expect(OPERATOR, ":")
                other = self.parse_expression(0)
            node = Conditional(node, then, other, q.pos)
        return node

    def parse_let(self) -> Node:
        let_tok = self.cur
        self.next()
        name = self.expect(IDENTIFIER)
        self.expect(OPERATOR, "=")
        value = self.parse_expression(0)
        self.expect(OPERATOR, ";")
        body = self.parse_sequence()
        return Let(name.value, value, body, let_tok.pos)

    def parse_if(self) -> Node:
        if_tok = self.cur
        self.next()
        cond = self.parse_expression(0)
        self.expect(BRACKET, "{")
        then = self.parse_sequence()
        self.expect(BRACKET, "}")
        self.expect(OPERATOR, "else")
        if self.cur.is_(OPERATOR, "if"):
            other = self.parse_if()
        else:
            self.expect(BRACKET, "{")
            other = self.parse_sequence()
            self.expect(BRACKET, "}")
        return Conditional(cond, then, other, if_tok.pos)

    # -- primaries ------------------------------------------------------------

    def parse_primary(self) -> Node:
        tok = self.cur
        if tok.kind == OPERATOR and tok.value in UNARY_OPS:
            self.next()
            operand = self.parse_expression(UNARY_OPS[tok.value])
            return self.parse_postfix(Unary(tok.value, operand, tok.pos))
        if tok.is_(BRACKET, "("):
            self.next()
            inner = self.parse_sequence()
            self.expect(BRACKET, ")")
            return self.parse_postfix(inner)
        if (tok.is_(OPERATOR, "#") or tok.is_(OPERATOR, ".")) and self.depth > 0:
            name = ""
            if tok.value == "#":
                self.next()
                if self.cur.is_(IDENTIFIER):
                    name = self.cur.value
                    self.next()
            # For ".field" the "." is left in place so the postfix loop reads it as #.field.
            return self.parse_postfix(Pointer(name, tok.pos))
        if tok.is_(OPERATOR, "::"):
            self.next()
            ident = self.expect(IDENTIFIER)
            return self.parse_postfix(self.parse_call(ident, []))
        return self.parse_secondary()

    def parse_secondary(self) -> Node:
        tok = self.cur
        node: Node
        if tok.kind == IDENTIFIER:
            self.next()
            # Like expr, literals (true/false/nil/numbers) take no postfix: `true.x` is a syntax error.
            if tok.value == "true":
                return Bool(True, tok.pos)
            if tok.value == "false":
                return Bool(False, tok.pos)
            if tok.value == "nil":
                return Nil(tok.pos)
            if self.cur.is_(BRACKET, "("):
                node = self.parse_call(tok, [])
            else:
                node = Ident(tok.value, tok.pos)
        elif tok.kind == NUMBER:
            self.next()
            return self.parse_number(tok)
        elif tok.kind == STRING:
            self.next()
            node = Str(tok.value, tok.pos)
        elif tok.kind == BYTES:
            self.next()
            node = Bytes(tok.value.encode("utf-8"), tok.pos)
        elif tok.is_(BRACKET, "["):
            node = self.parse_array()
        elif tok.is_(BRACKET, "{"):
            node = self.parse_map()
        else:
            raise self.unexpected(tok)
        return self.parse_postfix(node)

    def parse_number(self, tok: Token) -> Node:
        text = tok.value.replace("_", "")
        low = text.lower()
        fn: Callable[[], int | float]
        # Same case order and messages as expr (which wraps strconv's errors).
        if low.startswith("0x"):
            kind, parse_fn, fn = "hex", "ParseInt", lambda: int(text, 16)
        elif "." in low or "e" in low:
            kind, parse_fn, fn = "float", "ParseFloat", lambda: float(text)
        elif low.startswith("0b"):
            kind, parse_fn, fn = "binary", "ParseInt", lambda: int(text, 0)
        elif low.startswith("0o"):
            kind, parse_fn, fn = "octal", "ParseInt", lambda: int(text, 0)
        else:
            kind, parse_fn, fn = "integer", "ParseInt", lambda: int(text, 10)
        try:
            value = fn()
        except ValueError:
            raise self.error(f'invalid {kind} literal: strconv.{parse_fn}: parsing "{text}": invalid syntax', tok) from None
        if isinstance(value, float):
            if value in (float("inf"), float("-inf")):
                raise self.error(f'invalid float literal: strconv.ParseFloat: parsing "{text}": value out of range', tok)
            return Float(value, tok.pos)
        if value > _MAX_INT:
            raise self.error(f'invalid {kind} literal: strconv.ParseInt: parsing "{text}": value out of range', tok)
        return Int(value, tok.pos)

    def parse_array(self) -> Node:
        start = self.expect(BRACKET, "[")
        items: list[Node] = []
        while not self.cur.is_(BRACKET, "]"):
            if items:
                self.expect(OPERATOR, ",")
                if self.cur.is_(BRACKET, "]"):
                    break
            items.append(self.parse_expression(0))
        self.expect(BRACKET, "]")
        return ArrayLit(tuple(items), start.pos)

    def parse_map(self) -> Node:
        start = self.expect(BRACKET, "{")
        pairs: list[Pair] = []
        while not self.cur.is_(BRACKET, "}"):
            if pairs:
                self.expect(OPERATOR, ",")
                if self.cur.is_(BRACKET, "}"):
                    break
                if self.cur.is_(OPERATOR, ","):
                    raise self.unexpected()
            key_tok = self.cur
            key: Node
            if key_tok.kind in (NUMBER, STRING, IDENTIFIER):
                # Number and bare-word keys are strings, as in expr.
                key = Str(key_tok.value, key_tok.pos)
                self.next()
            elif key_tok.is_(BRACKET, "("):
                key = self.parse_expression(0)
            else:
                raise self.error(
                    "a map key must be a quoted string, a number, a identifier, or an expression "
                    f"enclosed in parentheses (unclosed parenthesis?), but got {key_tok}",
                    key_tok,
                )
            self.expect(OPERATOR, ":")
            value = self.parse_expression(0)
            pairs.append(Pair(key, value, key_tok.pos))
        self.expect(BRACKET, "}")
        return MapLit(tuple(pairs), start.pos)

    # -- calls ----------------------------------------------------------------

    def parse_call(self, name: Token, args: list[Node]) -> Node:
        """Parse ``name(...)``; ``args`` already holds a piped-in first argument."""
        layout = PREDICATES.get(name.value)
        if layout is not None:
            self.expect(BRACKET, "(")
            remaining = layout[len(args):]
            for i, kind in enumerate(remaining):
                if kind.endswith("?"):
                    if self.cur.is_(BRACKET, ")"):
                        break
                elif self.cur.is_(BRACKET, ")"):
                    raise self.error(f"expected at least {len(remaining)} arguments")
                if i > 0:
                    self.expect(OPERATOR, ",")
                args.append(self.parse_predicate() if kind.startswith("p") else self.parse_expression(0))
            if self.cur.is_(OPERATOR, ","):
                self.next()
            self.expect(BRACKET, ")")
            return Builtin(name.value, tuple(args), name.pos)
        args = self.parse_arguments(args)
        if name.value in BUILTIN_NAMES:
            return Builtin(name.value, tuple(args), name.pos)
        return Call(Ident(name.value, name.pos), tuple(args), name.pos)

    def parse_arguments(self, args: list[Node]) -> list[Node]:
        offset = len(args)
        self.expect(BRACKET, "(")
        while not self.cur.is_(BRACKET, ")"):
            if len(args) > offset:
                self.expect(OPERATOR, ",")
            if self.cur.is_(BRACKET, ")"):
                break
            args.append(self.parse_expression(0))
        self.expect(BRACKET, ")")
        return args

    def parse_predicate(self) -> Node:
        start = self.cur
        braces = start.is_(BRACKET, "{")
        if braces:
            self.next()
        self.depth += 1
        try:
            if braces:
                body = self.parse_sequence()
            else:
                body = self.parse_expression(0)
                if self.cur.is_(OPERATOR, ";"):
                    raise self.error("wrap predicate with brackets { and }")
        finally:
            self.depth -= 1
        if braces:
            self.expect(BRACKET, "}")
        return Predicate(body, start.pos)

    # -- postfix --------------------------------------------------------------

    def parse_postfix(self, node: Node) -> Node:
        while True:
            tok = self.cur
            optional = tok.is_(OPERATOR, "?.")
            if tok.is_(OPERATOR, ".") or optional:
                self.next()
                prop = self.cur
                if optional and prop.is_(BRACKET, "["):
                    node = self.parse_index(node, prop, optional=True)
                    continue
                self.next()
                # Operator words ("not", "matches", ...) are valid property names.
                if prop.kind != IDENTIFIER and not (prop.kind == OPERATOR and _is_identifier_word(prop.value)):
                    raise self.error("expected name", prop)
                in_chain = isinstance(node, Chain)
                target = node.node if isinstance(node, Chain) else node
                member = Member(target, Str(prop.value, prop.pos), optional, prop.pos)
                new: Node = member
                if self.cur.is_(BRACKET, "("):
                    new = Call(member, tuple(self.parse_arguments([])), prop.pos)
                node = Chain(new, new.pos) if (in_chain or optional) else new
            elif tok.is_(BRACKET, "["):
                node = self.parse_index(node, tok, optional=False)
            else:
                return node

    def parse_index(self, node: Node, bracket: Token, *, optional: bool) -> Node:
        self.expect(BRACKET, "[")
        if self.cur.is_(OPERATOR, ":"):
            self.next()
            stop = None if self.cur.is_(BRACKET, "]") else self.parse_expression(0)
            self.expect(BRACKET, "]")
            return Slice(node, None, stop, bracket.pos)
        start = self.parse_expression(0)
        if self.cur.is_(OPERATOR, ":"):
            self.next()
            stop = None if self.cur.is_(BRACKET, "]") else self.parse_expression(0)
            self.expect(BRACKET, "]")
            return Slice(node, start, stop, bracket.pos)
        self.expect(BRACKET, "]")
        in_chain = isinstance(node, Chain)
        target = node.node if isinstance(node, Chain) else node
        member = Member(target, start, optional, bracket.pos)
        return Chain(member, member.pos) if (in_chain or optional) else member


def parse(source: str) -> Node:
    """Parse expr source into an AST; raises ExprSyntaxError with the offending offset."""
    if not isinstance(source, str):
        raise ExprSyntaxError(f"expression must be a string, got {type(source).__name__}", 0)
    try:
        return _Parser(tokenize(source)).parse_program()
    except RecursionError:
        raise ExprSyntaxError("expression is too deeply nested", 0) from None
