"""Static analysis: free names, ``result`` access paths and lint checks.

``check`` approximates what ``expr.Compile`` with Argo's env rejects, plus
runtime failures that are certain given a provider's result shape (for example a
string metric value compared with a number without ``asFloat``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .builtins import ARGO_ARITY, ARITY
from .errors import ExprCheckError, ExprError, ExprSyntaxError
from .goregex import RegexError, RegexUnsupported, compile_go_regex
from .nodes import (
    ArrayLit, Binary, Bool, Builtin, Bytes, Call, Chain, Conditional, Float, Ident, Int, Let, MapLit,
    Member, Nil, Node, Pointer, Predicate, Sequence, Slice, Str, Unary, children,
)
from .parser import parse

# Pointer names each predicate builtin provides (expr: #index only in map/reduce).
_POINTERS = {"map": {"", "index"}, "reduce": {"", "index", "acc"}}
# Leaf type names accepted in a result shape. Besides our own names, GraphQL scalar
# names (from SkyWalking query shapes) and Go names are normalised.
_SHAPE_ALIASES = {
    "int": "int", "long": "int", "short": "int", "int64": "int", "integer": "int",
    "float": "float", "double": "float", "float64": "float", "number": "float",
    "string": "string", "id": "string", "str": "string",
    "bool": "bool", "boolean": "bool",
    "any": "any",
}
_GO_NAMES = {"int": "int", "float": "float64", "string": "string", "bool": "bool", "nil": "<nil>",
             "array": "[]interface {}", "map": "map[string]interface {}"}

# Static result kinds of builtins / Argo functions ("any" when it depends on input).
_RESULT_KIND = {
    **dict.fromkeys(["len", "count", "findIndex", "findLastIndex", "indexOf", "lastIndexOf", "int",
                     "asInt", "bitand", "bitor", "bitxor", "bitnand", "bitshl", "bitshr", "bitushr",
                     "bitnot"], "int"),
    **dict.fromkeys(["float", "ceil", "floor", "round", "mean", "median", "asFloat"], "float"),
    **dict.fromkeys(["all", "any", "none", "one", "hasPrefix", "hasSuffix", "isNaN", "isInf", "isNil"], "bool"),
    **dict.fromkeys(["string", "upper", "lower", "trim", "trimPrefix", "trimSuffix", "join", "replace",
                     "repeat", "toJSON", "toBase64", "fromBase64", "type"], "string"),
    **dict.fromkeys(["filter", "map", "sortBy", "keys", "values", "split", "splitAfter", "toPairs",
                     "reverse", "uniq", "concat", "flatten", "sort", "take"], "array"),
    **dict.fromkeys(["groupBy", "fromPairs"], "map"),
}
# Builtins whose argument kinds we can validate cheaply.
_ARG_KINDS = {
    "len": {"string", "array", "map"},
    "abs": {"int", "float"}, "ceil": {"int", "float"}, "floor": {"int", "float"}, "round": {"int", "float"},
    "upper": {"string"}, "lower": {"string"}, "trim": {"string"}, "keys": {"map"}, "values": {"map"},
    "isNaN": {"int", "float"}, "isInf": {"int", "float"},
    "asInt": {"int", "float", "string"}, "asFloat": {"int", "float", "string"},
}
_PREDICATE_NAMES = {"all", "none", "any", "one", "filter", "map", "count", "sum", "find", "findIndex",
                    "findLast", "findLastIndex", "groupBy", "sortBy", "reduce"}


# -- names_used / result_paths ------------------------------------------------------

def names_used(node: Node) -> set[str]:
    """Free identifiers used as values (not let-bound, not called functions, not ``$env``)."""
    found: set[str] = set()

    def walk(n: Node, bound: frozenset[str]) -> None:
        if isinstance(n, Ident):
            if n.name not in bound and n.name != "$env":
                found.add(n.name)
            return
        if isinstance(n, Let):
            walk(n.value, bound)
            walk(n.body, bound | {n.name})
            return
        if isinstance(n, Call) and isinstance(n.callee, Ident):
            for a in n.args:
                walk(a, bound)
            return
        for c in children(n):
            walk(c, bound)

    walk(node, frozenset())
    return found


def _static_key(n: Node) -> str | int | None:
    if isinstance(n, Str):
        return n.value
    if isinstance(n, Int):
        return n.value
    if isinstance(n, Unary) and n.op == "-" and isinstance(n.operand, Int):
        return -n.operand.value
    return None


def _static_path(n: Node, bound: frozenset[str]) -> tuple[tuple[Any, ...], int] | None:
    if isinstance(n, Ident):
        return ((), n.pos) if n.name == "result" and "result" not in bound else None
    if isinstance(n, Chain):
        return _static_path(n.node, bound)
    if isinstance(n, Member):
        key = _static_key(n.prop)
        base = _static_path(n.obj, bound)
        if key is None or base is None:
            return None
        return (base[0] + (key,), n.pos)
    return None


def result_paths(node: Node) -> list[tuple[tuple[str | int, ...], int]]:
    """Maximal static access paths rooted at ``result``, in source order.

    A bare ``result`` gives ``((), pos)``; ``result[i].x`` with dynamic ``i``
    gives the prefix ``((), pos)``. ``pos`` is the offset of the last segment.
    """
    out: list[tuple[tuple[str | int, ...], int]] = []

    def walk(n: Node, bound: frozenset[str], extended: bool) -> None:
        if isinstance(n, Let):
            walk(n.value, bound, False)
            walk(n.body, bound | {n.name}, False)
            return
        if isinstance(n, (Ident, Member, Chain)):
            sp = _static_path(n, bound)
            if sp is not None and not extended:
                out.append(sp)
            if isinstance(n, Member):
                walk(n.obj, bound, sp is not None)
                walk(n.prop, bound, False)
            elif isinstance(n, Chain):
                walk(n.node, bound, extended or sp is not None)
            return
        for c in children(n):
            walk(c, bound, False)

    walk(node, frozenset(), False)
    return out


# -- check ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Info:
    """Static knowledge about a sub-expression."""

    kind: str = "any"  # int float string bool nil array map any
    shape: Any = None  # slice of result_shape this value corresponds to (None = unknown)
    label: str = ""  # human path such as result.a[0], for messages
    static: bool = False  # kind is known to expr's compiler (literals), not just from the shape sample


_ANY = _Info()


def _static(kind: str) -> _Info:
    """Info for a value whose type expr's compiler knows (operator/builtin results)."""
    return _Info(kind, static=kind != "any")


def _shape_kind(shape: Any) -> str:
    if isinstance(shape, dict):
        return "map"
    if isinstance(shape, list):
        return "array"
    if isinstance(shape, str):
        return _SHAPE_ALIASES.get(shape.lower(), "any")
    return "any"


def _shape_info(shape: Any, label: str) -> _Info:
    kind = _shape_kind(shape)
    return _Info(kind, shape if kind != "any" else None, label)


def _go(kind: str) -> str:
    """Go spelling of a static kind ("any" is an empty interface)."""
    return _GO_NAMES.get(kind, "interface {}")


def _go_type(info: _Info) -> str:
    """Go spelling of a value's type: `_go` of its kind, except a provider's typed slice, which a shape spells
    with Go's element name (Prometheus' `["float64"]`: expr names the type `[]float64`, where a JSON array
    from SkyWalking or a web metric is `[]interface {}`)."""
    shape = info.shape
    if info.kind == "array" and isinstance(shape, list) and len(shape) == 1 and shape[0] == "float64":
        return "[]float64"
    return _go(info.kind)


def _is_num(kind: str) -> bool:
    return kind in ("int", "float")


_Lets = dict  # let-bound name -> _Info (a plain dict; copied on each `let`)


class _Checker:
    def __init__(self, result_shape: Any, *, result_kind: str | None = None, compile_only: bool = False) -> None:
        self.result_shape = result_shape
        self.result_kind = result_kind  # static kind of result when only its Go type is known
        self.compile_only = compile_only  # keep only findings expr.Compile itself would raise
        self.errors: list[ExprCheckError] = []

    def report(self, pos: int, message: str, code: str, severity: str = "error", *, static: bool = False) -> None:
        """Record a finding; ``static`` marks errors that expr.Compile (not just Run) raises."""
        if self.compile_only and not (static and severity == "error"):
            return
        self.errors.append(ExprCheckError(message, pos, code=code, severity=severity, compile_time=static))

    def visit(self, n: Node, lets: _Lets, preds: tuple[tuple[str, _Info], ...]) -> _Info:
        if isinstance(n, (Nil,)):
            return _Info("nil", static=True)
        if isinstance(n, Bool):
            return _Info("bool", static=True)
        if isinstance(n, Int):
            return _Info("int", static=True)
        if isinstance(n, Float):
            return _Info("float", static=True)
        if isinstance(n, Str):
            return _Info("string", static=True)
        if isinstance(n, Bytes):
            return _Info("array", static=True)
        if isinstance(n, Ident):
            return self.ident(n, lets)
        if isinstance(n, Pointer):
            return self.pointer(n, preds)
        if isinstance(n, Let):
            value = self.visit(n.value, lets, preds)
            return self.visit(n.body, {**lets, n.name: value}, preds)
        if isinstance(n, Member):
            return self.member(n, lets, preds)
        if isinstance(n, Chain):
            return self.visit(n.node, lets, preds)
        if isinstance(n, Slice):
            base = self.visit(n.obj, lets, preds)
            for bound in (n.start, n.stop):
                if bound is not None:
                    self.visit(bound, lets, preds)
            return base if base.kind in ("array", "string") else _ANY
        if isinstance(n, Call):
            return self.call(n, lets, preds)
        if isinstance(n, Builtin):
            return self.builtin(n, lets, preds)
        if isinstance(n, Unary):
            return self.unary(n, lets, preds)
        if isinstance(n, Binary):
            return self.binary(n, lets, preds)
        if isinstance(n, Conditional):
            cond = self.visit(n.cond, lets, preds)
            if cond.kind not in ("bool", "any"):
                self.report(n.cond.pos, f"non-bool expression (type {_go(cond.kind)}) used as condition", "type-mismatch", static=cond.static)
            # Elvis (a ?: b) reuses the condition node as the "then" branch: don't visit it twice.
            a = cond if n.then is n.cond else self.visit(n.then, lets, preds)
            b = self.visit(n.else_, lets, preds)
            return _Info(a.kind) if a.kind == b.kind else _ANY
        if isinstance(n, ArrayLit):
            kinds = {self.visit(x, lets, preds).kind for x in n.items}
            # A homogeneous scalar literal gets a synthetic shape so predicates see "#" typed.
            if len(kinds) == 1 and next(iter(kinds)) in ("int", "float", "string", "bool"):
                return _Info("array", [next(iter(kinds))], static=True)
            return _Info("array", static=True)
        if isinstance(n, MapLit):
            for p in n.pairs:
                self.visit(p.key, lets, preds)
                self.visit(p.value, lets, preds)
            return _Info("map", static=True)
        if isinstance(n, Sequence):
            info = _ANY
            for x in n.nodes:
                info = self.visit(x, lets, preds)
            return info
        for c in children(n):  # Predicate / Pair reached directly: just descend
            self.visit(c, lets, preds)
        return _ANY

    def ident(self, n: Ident, lets: _Lets) -> _Info:
        if n.name in lets:
            return lets[n.name]
        if n.name == "result":
            if self.result_kind is not None:
                return _Info(self.result_kind, None, "result", static=self.result_kind != "any")
            if self.result_shape is None:
                return _Info(label="result")
            # Argo builds the env from the concrete value, so result's own type is
            # known at compile time (its JSON members are not).
            info = _shape_info(self.result_shape, "result")
            return _Info(info.kind, info.shape, info.label, static=info.kind != "any")
        if n.name == "$env":
            return _Info("map")
        if n.name in ARGO_ARITY:
            return _ANY  # a function value; legal in expr
        self.report(n.pos, f"unknown name {n.name}", "unknown-variable", static=True)
        return _ANY

    def pointer(self, n: Pointer, preds: tuple[tuple[str, _Info], ...]) -> _Info:
        if not preds:
            self.report(n.pos, "cannot use pointer accessor outside predicate", "pointer-scope", static=True)
            return _ANY
        name, elem = preds[-1]
        if n.name not in _POINTERS.get(name, {""}):
            self.report(n.pos, f"unknown pointer #{n.name}", "pointer-scope", static=True)
            return _ANY
        if n.name == "index":
            return _Info("int")
        return elem if n.name == "" else _ANY

    def member(self, n: Member, lets: _Lets, preds: tuple[tuple[str, _Info], ...]) -> _Info:
        base = self.visit(n.obj, lets, preds)
        key = _static_key(n.prop)
        if key is None:
            prop = self.visit(n.prop, lets, preds)
            if base.kind == "array" and prop.kind not in ("int", "any"):
                self.report(n.pos, f"array elements can only be selected using an integer (got {_GO_NAMES.get(prop.kind, prop.kind)})", "type-mismatch", static=base.static and prop.static)
            elem = base.shape[0] if base.kind == "array" and base.shape else None
            return _shape_info(elem, base.label + "[]") if elem is not None else _ANY
        seg = f".{key}" if isinstance(key, str) else f"[{key}]"
        label = (base.label or "value") + seg
        if base.kind == "nil":
            self.report(n.pos, f"type nil has no field {key}", "nil-access", static=True)
            return _ANY
        if base.kind in ("int", "float", "bool", "string") and not (base.kind == "string" and isinstance(key, int)):
            where = base.label or "value"
            go = _GO_NAMES[base.kind]
            if base.static:  # expr compile error wording
                what = f"type {go}[int] is undefined" if isinstance(key, int) else f"type {go} has no field {key}"
                self.report(n.pos, what + ("" if self.compile_only else f" ({where} is {go})"), "unknown-field", static=True)
            else:  # runtime error wording
                self.report(n.pos, f"cannot fetch {key} from {where} (type {go})", "unknown-field")
            return _ANY
        if base.kind == "map":
            if not isinstance(key, str):
                if base.static:
                    msg = f"cannot use int to get an element from {_GO_NAMES['map']}"
                    ctx = "" if self.compile_only else f" ({base.label or 'map'}[{key}])"
                    self.report(n.prop.pos, msg + ctx, "unknown-field", static=True)
                else:
                    self.report(n.pos, f"{base.label or 'map'} is a map; it cannot be indexed with {key}", "unknown-field")
                return _ANY
            if base.shape is None:
                return _Info(label=label)
            if key not in base.shape:
                self.report(n.pos, f"{base.label} has no field '{key}'", "unknown-field")
                return _ANY
            return _shape_info(base.shape[key], label)
        if base.kind == "array":
            if isinstance(key, str):
                if base.static:
                    msg = "array elements can only be selected using an integer (got string)"
                    ctx = "" if self.compile_only else f" ({base.label or 'value'} is an array; it has no field '{key}')"
                    self.report(n.prop.pos, msg + ctx, "unknown-field", static=True)
                else:
                    self.report(n.pos, f"{base.label or 'value'} is an array; it has no field '{key}'", "unknown-field")
                return _ANY
            elem = base.shape[0] if base.shape else None
            return _shape_info(elem, label) if elem is not None else _Info(label=label)
        return _Info(label=label if base.label else "")

    def call(self, n: Call, lets: _Lets, preds: tuple[tuple[str, _Info], ...]) -> _Info:
        args = [self.visit(a, lets, preds) for a in n.args]
        if not isinstance(n.callee, Ident):
            self.visit(n.callee, lets, preds)
            return _ANY
        name = n.callee.name
        if name in lets:
            return _ANY
        if name not in ARGO_ARITY:
            if name == "result" or name == "$env":
                self.report(n.pos, f"{name} is not a function", "unknown-function", static=True)
            else:
                self.report(n.pos, f"unknown function {name}", "unknown-function", static=True)
            return _ANY
        lo, hi = ARGO_ARITY[name]
        if len(args) < lo:
            self.report(n.pos, f"not enough arguments to call {name}", "arity", static=True)
        elif len(args) > hi:
            self.report(n.pos, f"too many arguments to call {name}", "arity", static=True)
        self.check_arg_kinds(n, name, args)
        if name in ("isNil", "default") and n.args and not (
            isinstance(n.args[0], Ident) and n.args[0].name == "result" and "result" not in lets
        ):
            self.report(
                n.args[0].pos,
                f"Argo's {name}() ignores its first argument and uses the whole result",
                "argo-ignored-arg", "warning",
            )
        if name == "default":
            return _ANY
        return _static(_RESULT_KIND.get(name, "any"))

    def where(self, *infos: _Info) -> str:
        """" (result.a)"-style context for lint messages; omitted when mimicking expr exactly."""
        labels = [i.label for i in infos if i.label]
        return "" if self.compile_only or not labels else f" ({', '.join(labels)})"

    def check_arg_kinds(self, n: Node, name: str, args: list[_Info]) -> None:
        allowed = _ARG_KINDS.get(name)
        if not (allowed and args and args[0].kind != "any" and args[0].kind not in allowed):
            return
        arg, go = args[0], _GO_NAMES.get(args[0].kind, args[0].kind)
        if name in ("isNaN", "isInf"):
            # Go-typed float64 parameter: the compiler rejects known non-numbers,
            # reflect rejects them at run time.
            if arg.static:
                go = "nil" if arg.kind == "nil" else go
                self.report(n.pos, f"cannot use {go} as argument (type float64) to call {name}", "type-mismatch", static=True)
            else:
                self.report(n.pos, f"reflect: Call using {go} as type float64{self.where(arg)}", "type-mismatch")
            return
        if name in ("asInt", "asFloat"):  # `any` parameter: only a run-time panic
            self.report(n.pos, f"{name}() not supported on {go}{self.where(arg)}", "type-mismatch")
            return
        self.report(n.pos, f"invalid argument for {name} (type {go}){self.where(arg)}", "type-mismatch", static=arg.static)

    def builtin(self, n: Builtin, lets: _Lets, preds: tuple[tuple[str, _Info], ...]) -> _Info:
        lo, hi = ARITY.get(n.name, (0, None))
        if len(n.args) < lo or (hi is not None and len(n.args) > hi):
            want = str(lo) if lo == hi else f"{lo}..{hi if hi is not None else 'N'}"
            self.report(n.pos, f"invalid number of arguments for {n.name} (expected {want}, got {len(n.args)})", "arity", static=True)
        if n.name in _PREDICATE_NAMES and n.args:
            seq = self.visit(n.args[0], lets, preds)
            if seq.kind not in ("array", "any"):
                self.report(n.args[0].pos, f"builtin {n.name} takes only array (got {_GO_NAMES.get(seq.kind, seq.kind)}){self.where(seq)}", "type-mismatch", static=seq.static)
            elem = _ANY
            if seq.kind == "array" and seq.shape:
                elem = _shape_info(seq.shape[0], "#")
            inner = preds + ((n.name, elem),)
            for a in n.args[1:]:
                if isinstance(a, Predicate):
                    body = self.visit(a.body, lets, inner)
                    if n.name in ("all", "any", "none", "one", "filter", "find", "findIndex", "findLast",
                                  "findLastIndex", "count") and body.kind not in ("bool", "any"):
                        self.report(a.pos, f"predicate should return boolean (got {_GO_NAMES.get(body.kind, body.kind)})", "type-mismatch", static=body.static)
                else:
                    self.visit(a, lets, preds)
            if n.name in ("filter", "sortBy"):
                return seq if seq.kind == "array" else _Info("array")
            if n.name in ("find", "findLast"):
                return elem
            return _static(_RESULT_KIND.get(n.name, "any"))
        args = [self.visit(a, lets, preds) for a in n.args]
        self.check_arg_kinds(n, n.name, args)
        if n.name in ("first", "last") and args and args[0].kind == "array" and args[0].shape:
            return _shape_info(args[0].shape[0], args[0].label + "[]")
        return _static(_RESULT_KIND.get(n.name, "any"))

    def unary(self, n: Unary, lets: _Lets, preds: tuple[tuple[str, _Info], ...]) -> _Info:
        v = self.visit(n.operand, lets, preds)
        ok = ("bool", "any") if n.op in ("not", "!") else ("int", "float", "any")
        if v.kind not in ok:
            if v.static:  # expr.Compile wording
                self.report(n.pos, f"invalid operation: {n.op} (mismatched type {_go_type(v)})", "type-mismatch", static=True)
            else:
                self.report(n.pos, f"invalid operation: {n.op} {_go_type(v)}{self.where(v)}", "type-mismatch")
            return _static("bool") if n.op in ("not", "!") else _ANY
        if n.op in ("not", "!"):
            return _static("bool")
        return _Info(v.kind, static=v.static)

    def binary(self, n: Binary, lets: _Lets, preds: tuple[tuple[str, _Info], ...]) -> _Info:
        a = self.visit(n.left, lets, preds)
        b = self.visit(n.right, lets, preds)
        op, ka, kb = n.op, a.kind, b.kind
        known = ka != "any" and kb != "any"

        def mismatch() -> _Info:
            if a.static and b.static:  # expr.Compile wording
                self.report(n.pos, f"invalid operation: {op} (mismatched types {_go_type(a)} and {_go_type(b)})",
                            "type-mismatch", static=True)
                return _ANY
            labels = ", ".join(x.label for x in (a, b) if x.label and x.label != "result")
            hint = ""
            if "string" in (ka, kb) and (_is_num(ka) or _is_num(kb)):
                hint = " (convert with asFloat()/asInt())"
            where = f" [{labels}]" if labels else ""
            self.report(n.pos, f"invalid operation: {_go_type(a)} {op} {_go_type(b)}{where}{hint}", "type-mismatch")
            return _ANY

        if op in ("&&", "and", "||", "or"):
            bad = [side for side in (a, b) if side.kind not in ("bool", "any")]
            if any(side.static for side in bad):
                self.report(n.pos, f"invalid operation: {op} (mismatched types {_go_type(a)} and {_go_type(b)})", "type-mismatch", static=True)
            elif bad:
                self.report(n.pos, f"invalid operation: non-bool operand ({_go_type(bad[0])}) in {op}{self.where(bad[0])}", "type-mismatch")
            return _static("bool")
        if op == "??":
            return a if kb == ka else _ANY
        if op in ("==", "!="):
            comparable = ka == kb or (_is_num(ka) and _is_num(kb)) or "nil" in (ka, kb)
            if known and not comparable:
                if a.static and b.static:
                    # expr's compiler rejects this outright.
                    self.report(n.pos, f"invalid operation: {op} (mismatched types {_go_type(a)} and {_go_type(b)})", "type-mismatch", static=True)
                else:
                    # JSON values are `any` at compile time: legal, but never equal.
                    labels = ", ".join(x.label for x in (a, b) if x.label)
                    where = f" [{labels}]" if labels else ""
                    verdict = "false" if op == "==" else "true"
                    self.report(n.pos, f"comparison of {_GO_NAMES[ka]} with {_GO_NAMES[kb]} is always {verdict}{where}",
                                "type-mismatch", "warning")
            return _static("bool")
        if op in ("<", ">", "<=", ">="):
            if known and not ((_is_num(ka) and _is_num(kb)) or (ka == kb == "string")):
                mismatch()
            return _static("bool")
        if op in ("matches", "contains", "startsWith", "endsWith"):
            if known and not (ka == kb == "string"):
                mismatch()
            if op == "matches" and isinstance(n.right, Str):
                try:
                    compile_go_regex(n.right.value)
                except RegexUnsupported:
                    pass  # valid RE2 we merely can't evaluate
                except RegexError as e:
                    self.report(n.right.pos, f"error parsing regexp: {e}", "regex", static=True)
            return _static("bool")
        if op == "in":
            if kb not in ("array", "map", "nil", "any"):
                if b.static:
                    self.report(n.pos, f"invalid operation: in (mismatched types {_go_type(a)} and {_go_type(b)})", "type-mismatch", static=True)
                else:
                    self.report(n.pos, f'operator "in" not defined on {_go_type(b)}{self.where(b)}', "type-mismatch")
            elif kb == "map" and b.static and a.static and ka not in ("string", "any", "nil"):
                self.report(n.pos, f"cannot use {_go_type(a)} as type string in map key", "type-mismatch", static=True)
            return _static("bool")
        if op == "..":
            # Non-literal floats are truncated at run time; only static kinds are checked strictly.
            if known and not (ka == kb == "int") and (a.static and b.static or not (_is_num(ka) and _is_num(kb))):
                mismatch()
            return _Info("array")
        both = a.static and b.static
        if op == "+" and ka == kb == "string":
            return _Info("string", static=both)
        # arithmetic
        if (ka != "any" and not _is_num(ka)) or (kb != "any" and not _is_num(kb)):
            if known:
                return mismatch()
            return _ANY
        if op == "%":
            if known and not (ka == kb == "int"):
                return mismatch()
            return _Info("int", static=both)
        if op in ("/", "**", "^"):
            return _static("float")  # always float64 in expr
        if known:
            return _Info("int" if ka == kb == "int" else "float", static=both)
        return _ANY


def compile_errors(node: Node, result: object) -> list[ExprCheckError]:
    """Errors expr.Compile would raise for ``node`` with Argo's env built from ``result``.

    Only ``result``'s own Go type is static in Argo (JSON members are ``any``), so
    just its top-level kind is used.
    """
    if result is None:
        kind = "nil"
    elif isinstance(result, bool):
        kind = "bool"
    elif isinstance(result, int):
        kind = "int"
    elif isinstance(result, float):
        kind = "float"
    elif isinstance(result, str):
        kind = "string"
    elif isinstance(result, (list, tuple)):
        kind = "array"
    elif isinstance(result, dict):
        kind = "map"
    else:
        kind = "any"
    if kind == "nil":
        kind = "any"  # a nil interface value has no usable static type
    checker = _Checker(None, result_kind=kind, compile_only=True)
    try:
        checker.visit(node, {}, ())
    except RecursionError:
        return []
    checker.errors.sort(key=lambda e: e.pos)
    return checker.errors


def check(source: str, *, result_shape: object | None = None, node: Node | None = None) -> list[ExprError]:
    """Static checks for an Argo condition; returns findings (never raises). `node`: the source's AST, when
    the caller parsed it already (the checker only reads it)."""
    try:
        if node is None:
            node = parse(source)
    except ExprSyntaxError as e:
        return [ExprCheckError(e.message, e.pos, code="syntax", compile_time=True)]
    except RecursionError:
        return [ExprCheckError("expression too deeply nested", 0, code="syntax", compile_time=True)]
    except Exception as e:  # noqa: BLE001 - defensive: a linter must report, not crash
        return [ExprCheckError(f"internal parser error: {e}", 0, code="internal")]
    checker = _Checker(result_shape)
    try:
        top = checker.visit(node, {}, ())
        if top.kind not in ("bool", "any"):
            checker.report(node.pos, f"expected bool, but got {_GO_NAMES.get(top.kind, top.kind)}", "not-bool")
    except RecursionError:
        checker.report(0, "expression too deeply nested", "internal")
    except Exception as e:  # noqa: BLE001 - defensive: a linter must report, not crash
        checker.report(0, f"internal checker error: {e}", "internal")
    checker.errors.sort(key=lambda e: e.pos)
    return list(checker.errors)
