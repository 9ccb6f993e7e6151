"""Tree-walking evaluator with expr v1.17 runtime semantics over JSON-like data."""

from __future__ import annotations

import inspect
import math
from typing import Any, Callable

from .builtins import (
    ARITY, BUILTINS, UNSUPPORTED, Fail, argo_functions, float_to_int, sort_key_values, sum_values,
)
from .errors import ExprError, ExprRuntimeError, ExprTypeError
from .goregex import RegexError, go_match
from .nodes import (
    ArrayLit, Binary, Bool, Builtin, Bytes, Call, Chain, Conditional, Float, Ident, Int, Let, MapLit,
    Member, Nil, Node, Pointer, Predicate, Sequence, Slice, Str, Unary,
)
from .parser import parse
from .values import equal, format_value, go_type, is_int, is_number, wrap_int64


class _ShortCircuit(Exception):
    """Raised by ``?.`` on nil; caught by the enclosing Chain node."""


class _Frame:
    """Predicate scope: current element plus #index / #acc, and the owning builtin."""

    __slots__ = ("builtin", "item", "index", "acc", "has_acc")

    def __init__(self, builtin: str, item: Any, index: int, acc: Any = None, has_acc: bool = False) -> None:
        self.builtin, self.item, self.index, self.acc, self.has_acc = builtin, item, index, acc, has_acc


class _Evaluator:
    def __init__(self, env: dict[str, Any]) -> None:
        self.env = env
        self.lets: list[tuple[str, Any]] = []  # let-bound names, innermost last
        self.frames: list[_Frame] = []
        self.builtins: list[str] = []  # predicate builtins being evaluated, innermost last

    def fail(self, node: Node, message: str) -> ExprRuntimeError:
        return ExprRuntimeError(message, node.pos)

    # -- dispatch --------------------------------------------------------------

    def eval(self, node: Node) -> Any:
        method = getattr(self, "_" + type(node).__name__)
        return method(node)

    def _Nil(self, node: Nil) -> Any:
        return None

    def _Bool(self, node: Bool) -> Any:
        return node.value

    def _Int(self, node: Int) -> Any:
        return node.value

    def _Float(self, node: Float) -> Any:
        return node.value

    def _Str(self, node: Str) -> Any:
        return node.value

    def _Bytes(self, node: Bytes) -> Any:
        return node.value

    def _ArrayLit(self, node: ArrayLit) -> Any:
        return [self.eval(x) for x in node.items]

    def _MapLit(self, node: MapLit) -> Any:
        out: dict = {}
        for pair in node.pairs:
            key = self.eval(pair.key)
            if isinstance(key, (list, dict)):
                raise self.fail(pair, f"invalid map key type {go_type(key)}")
            out[key] = self.eval(pair.value)
        return out

    def _Ident(self, node: Ident) -> Any:
        for name, value in reversed(self.lets):
            if name == node.name:
                return value
        if node.name in self.env:
            return self.env[node.name]
        if node.name == "$env":
            return dict(self.env)
        raise self.fail(node, f"unknown name {node.name}")

    def _Pointer(self, node: Pointer) -> Any:
        if not self.frames:
            raise self.fail(node, "cannot use pointer accessor outside predicate")
        frame = self.frames[-1]
        if node.name == "":
            return frame.item
        if node.name == "index" and frame.builtin in ("map", "reduce"):  # expr scopes #index to these
            return frame.index
        if node.name == "acc" and frame.has_acc:
            return frame.acc
        raise self.fail(node, f"unknown pointer #{node.name}")

    def _Sequence(self, node: Sequence) -> Any:
        value = None
        for n in node.nodes:
            value = self.eval(n)
        return value

    def _Let(self, node: Let) -> Any:
        self.lets.append((node.name, self.eval(node.value)))
        try:
            return self.eval(node.body)
        finally:
            self.lets.pop()

    def _Conditional(self, node: Conditional) -> Any:
        cond = self.eval(node.cond)
        if not isinstance(cond, bool):
            raise self.fail(node, f"non-bool expression (type {go_type(cond)}) used as condition")
        return self.eval(node.then if cond else node.else_)

    def _Chain(self, node: Chain) -> Any:
        try:
            return self.eval(node.node)
        except _ShortCircuit:
            return None

    def _Predicate(self, node: Predicate) -> Any:
        raise self.fail(node, "predicate used outside a predicate builtin")

    # -- member access -----------------------------------------------------------

    def _Member(self, node: Member) -> Any:
        obj = self.eval(node.obj)
        if obj is None and node.optional:
            raise _ShortCircuit
        key = self.eval(node.prop)
        return self.fetch(node, obj, key)

    def fetch(self, node: Node, obj: Any, key: Any) -> Any:
        if isinstance(obj, dict):
            if key is not None and not isinstance(key, str) and not any(type(k) is type(key) for k in obj):
                raise self.fail(node, f"cannot use {go_type(key)} as index to {go_type(obj)}")
            # A missing map key is nil, not an error.
            return obj.get(key) if not isinstance(key, (list, dict)) else None
        if isinstance(obj, str):
            obj = obj.encode("utf-8")  # Go indexes strings by byte and yields the byte value
        if isinstance(obj, (list, tuple, bytes)):
            if isinstance(key, str):
                raise self.fail(node, f"cannot fetch {key} from {go_type(obj)}")
            if isinstance(key, float) and key.is_integer():
                key = int(key)  # expr's ToInt accepts float64 at runtime
            if not is_int(key):
                raise self.fail(node, f"array elements can only be selected using an integer (got {go_type(key)})")
            index = key + len(obj) if key < 0 else key
            if not 0 <= index < len(obj):
                raise self.fail(node, f"index out of range: {index} (array length is {len(obj)})")
            return obj[index]
        raise self.fail(node, f"cannot fetch {format_value(key)} from {go_type(obj)}")

    def _Slice(self, node: Slice) -> Any:
        obj = self.eval(node.obj)
        if not isinstance(obj, (list, tuple, str, bytes)):
            raise self.fail(node, f"cannot slice {go_type(obj)}")
        n = len(obj.encode("utf-8")) if isinstance(obj, str) else len(obj)
        lo = self._slice_bound(node.start, 0)
        hi = self._slice_bound(node.stop, n)
        lo = max(lo + n if lo < 0 else lo, 0)
        hi = min(max(hi + n if hi < 0 else hi, 0), n)
        lo = min(lo, hi)
        if isinstance(obj, str):
            # Go slices strings by byte offsets; identical to code points for ASCII.
            return obj.encode("utf-8")[lo:hi].decode("utf-8", "replace")
        return list(obj[lo:hi]) if isinstance(obj, tuple) else obj[lo:hi]

    def _slice_bound(self, node: Node | None, default: int) -> int:
        if node is None:
            return default
        v = self.eval(node)
        if not is_int(v):
            raise self.fail(node, f"non-integer slice index (type {go_type(v)})")
        return v

    # -- calls -----------------------------------------------------------------

    def _Call(self, node: Call) -> Any:
        if isinstance(node.callee, Member):
            fn = self._Member(node.callee)
            label = format_value(self.eval(node.callee.prop))
        else:
            fn = self.eval(node.callee)
            label = node.callee.name if isinstance(node.callee, Ident) else "value"
        args = [self.eval(a) for a in node.args]
        if not callable(fn):
            if fn is None:
                raise self.fail(node, "invalid operation: cannot call nil")
            raise self.fail(node, f"invalid operation: cannot call non-function of type {go_type(fn)}")
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError):
            sig = None
        if sig is not None:
            try:
                sig.bind(*args)
            except TypeError:
                params = [p for p in sig.parameters.values() if p.default is inspect.Parameter.empty
                          and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
                word = "not enough" if len(args) < len(params) else "too many"
                raise self.fail(node, f"{word} arguments to call {label}") from None
        try:
            return fn(*args)
        except Fail as e:
            raise self.fail(node, str(e)) from None
        except ExprError:
            raise
        except Exception as e:  # noqa: BLE001 - expr turns panics in env functions into errors
            raise self.fail(node, f"{label}: {e}") from None

    def _Builtin(self, node: Builtin) -> Any:
        handler = _PREDICATE_HANDLERS.get(node.name)
        # sum(xs) without a predicate is a plain builtin; count(xs) still iterates.
        if handler is not None and (len(node.args) > 1 or node.name == "count"):
            self.builtins.append(node.name)
            try:
                return handler(self, node)
            finally:
                self.builtins.pop()
        if node.name in UNSUPPORTED:
            raise self.fail(node, f"builtin {node.name}() is not supported by rolloutlint's evaluator")
        fn = BUILTINS.get(node.name)
        if fn is None:
            raise self.fail(node, f"unknown builtin {node.name}")
        lo, hi = ARITY[node.name]
        if len(node.args) < lo or (hi is not None and len(node.args) > hi):
            want = str(lo) if lo == hi else f"{lo}..{hi if hi is not None else 'N'}"
            raise self.fail(node, f"invalid number of arguments for {node.name} (expected {want}, got {len(node.args)})")
        args = [self.eval(a) for a in node.args]
        try:
            return fn(*args)
        except Fail as e:
            raise self.fail(node, str(e)) from None

    # -- predicates --------------------------------------------------------------

    def iterable(self, node: Builtin) -> list:
        seq = self.eval(node.args[0])
        if not isinstance(seq, (list, tuple)):
            raise self.fail(node.args[0], f"builtin {node.name} takes only array (got {go_type(seq)})")
        return list(seq)

    def call_pred(self, pred: Node, item: Any, index: int, acc: Any = None, has_acc: bool = False) -> Any:
        body = pred.body if isinstance(pred, Predicate) else pred
        self.frames.append(_Frame(self.builtins[-1], item, index, acc, has_acc))
        try:
            return self.eval(body)
        finally:
            self.frames.pop()

    def bool_pred(self, node: Builtin, pred: Node, item: Any, index: int) -> bool:
        v = self.call_pred(pred, item, index)
        if not isinstance(v, bool):
            raise self.fail(pred, f"predicate should return boolean (got {go_type(v)})")
        return v

    # -- binary / unary ------------------------------------------------------------

    def _Unary(self, node: Unary) -> Any:
        v = self.eval(node.operand)
        if node.op in ("not", "!"):
            if not isinstance(v, bool):
                raise self.fail(node, f"invalid operation: {node.op} {go_type(v)}")
            return not v
        if not is_number(v):
            raise self.fail(node, f"invalid operation: {node.op} {go_type(v)}")
        if node.op == "-":
            return wrap_int64(-v) if is_int(v) else -v
        return v

    def _Binary(self, node: Binary) -> Any:
        op = node.op
        if op in ("&&", "and", "||", "or"):
            return self._logical(node)
        if op == "??":
            left = self.eval(node.left)
            return self.eval(node.right) if left is None else left
        a = self.eval(node.left)
        b = self.eval(node.right)
        try:
            return _BINARY[op](a, b)
        except _TypeMismatch:
            raise self.fail(node, f"invalid operation: {go_type(a)} {op} {go_type(b)}") from None
        except Fail as e:
            raise self.fail(node, str(e)) from None

    def _logical(self, node: Binary) -> Any:
        is_and = node.op in ("&&", "and")
        left = self.eval(node.left)
        if not isinstance(left, bool):
            raise self.fail(node, f"invalid operation: {go_type(left)} {node.op} bool (non-bool operand)")
        if left != is_and:  # short-circuit: false && _, true || _
            return left
        # Like expr's VM, only the left operand is asserted to be bool; the right one
        # is returned as-is (Argo then reports "expected bool, but got ...").
        return self.eval(node.right)


# -- predicate builtins -------------------------------------------------------------

def _p_all(ev: _Evaluator, node: Builtin) -> Any:
    return all(ev.bool_pred(node, node.args[1], x, i) for i, x in enumerate(ev.iterable(node)))


def _p_any(ev: _Evaluator, node: Builtin) -> Any:
    return any(ev.bool_pred(node, node.args[1], x, i) for i, x in enumerate(ev.iterable(node)))


def _p_none(ev: _Evaluator, node: Builtin) -> Any:
    return not _p_any(ev, node)


def _p_one(ev: _Evaluator, node: Builtin) -> Any:
    hits = 0
    for i, x in enumerate(ev.iterable(node)):
        if ev.bool_pred(node, node.args[1], x, i):
            hits += 1
            if hits > 1:
                return False
    return hits == 1


def _p_filter(ev: _Evaluator, node: Builtin) -> Any:
    return [x for i, x in enumerate(ev.iterable(node)) if ev.bool_pred(node, node.args[1], x, i)]


def _p_map(ev: _Evaluator, node: Builtin) -> Any:
    return [ev.call_pred(node.args[1], x, i) for i, x in enumerate(ev.iterable(node))]


def _p_count(ev: _Evaluator, node: Builtin) -> Any:
    items = ev.iterable(node)
    if len(node.args) < 2:
        # count(xs) without a predicate counts the elements that are true.
        for x in items:
            if not isinstance(x, bool):
                raise ev.fail(node, f"predicate should return boolean (got {go_type(x)})")
        return sum(1 for x in items if x)
    return sum(1 for i, x in enumerate(items) if ev.bool_pred(node, node.args[1], x, i))


def _p_sum(ev: _Evaluator, node: Builtin) -> Any:
    items = ev.iterable(node)
    values = [ev.call_pred(node.args[1], x, i) for i, x in enumerate(items)]
    try:
        return sum_values(values)
    except Fail as e:
        raise ev.fail(node, str(e)) from None


def _finder(last: bool, want_index: bool) -> Callable[[_Evaluator, Builtin], Any]:
    def fn(ev: _Evaluator, node: Builtin) -> Any:
        items = ev.iterable(node)
        order = range(len(items) - 1, -1, -1) if last else range(len(items))
        for i in order:
            if ev.bool_pred(node, node.args[1], items[i], i):
                return i if want_index else items[i]
        return -1 if want_index else None
    return fn


def _p_group_by(ev: _Evaluator, node: Builtin) -> Any:
    groups: dict = {}
    for i, x in enumerate(ev.iterable(node)):
        key = ev.call_pred(node.args[1], x, i)
        if isinstance(key, (list, dict)):
            raise ev.fail(node, f"cannot group by {go_type(key)}")
        groups.setdefault(key, []).append(x)
    return groups


def _p_sort_by(ev: _Evaluator, node: Builtin) -> Any:
    items = ev.iterable(node)
    keys = [ev.call_pred(node.args[1], x, i) for i, x in enumerate(items)]
    order = ev.eval(node.args[2]) if len(node.args) > 2 else "asc"
    try:
        return sort_key_values("sortBy", items, keys, order)
    except Fail as e:
        raise ev.fail(node, str(e)) from None


def _p_reduce(ev: _Evaluator, node: Builtin) -> Any:
    items = ev.iterable(node)
    if len(node.args) > 2:
        acc, start = ev.eval(node.args[2]), 0
    elif items:
        acc, start = items[0], 1
    else:
        raise ev.fail(node, "reduce of empty array with no initial value")
    for i in range(start, len(items)):
        acc = ev.call_pred(node.args[1], items[i], i, acc, True)
    return acc


_PREDICATE_HANDLERS: dict[str, Callable[[_Evaluator, Builtin], Any]] = {
    "all": _p_all, "any": _p_any, "none": _p_none, "one": _p_one, "filter": _p_filter,
    "map": _p_map, "count": _p_count, "sum": _p_sum, "find": _finder(False, False),
    "findIndex": _finder(False, True), "findLast": _finder(True, False),
    "findLastIndex": _finder(True, True), "groupBy": _p_group_by, "sortBy": _p_sort_by,
    "reduce": _p_reduce,
}


# -- binary operator semantics --------------------------------------------------------

class _TypeMismatch(Exception):
    """Operands of the wrong kinds: reported as "invalid operation: T1 op T2"."""


def _arith(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def fn(a: Any, b: Any) -> Any:
        if not (is_number(a) and is_number(b)):
            raise _TypeMismatch
        r = op(a, b)
        return wrap_int64(r) if is_int(r) else r
    return fn


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, str) and isinstance(b, str):
        return a + b
    return _arith(lambda x, y: x + y)(a, b)


def _div(a: Any, b: Any) -> float:
    # expr's "/" always converts to float64; x/0 gives ±Inf or NaN, not an error.
    if not (is_number(a) and is_number(b)):
        raise _TypeMismatch
    x, y = float(a), float(b)
    if y == 0.0:
        if x == 0.0 or math.isnan(x):
            return math.nan
        return math.copysign(math.inf, x) * math.copysign(1.0, y)
    return x / y


def _mod(a: Any, b: Any) -> int:
    if not (is_int(a) and is_int(b)):
        raise _TypeMismatch
    if b == 0:
        raise Fail("integer divide by zero")
    # Go's % truncates toward zero (sign follows the dividend).
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def _pow(a: Any, b: Any) -> float:
    if not (is_number(a) and is_number(b)):
        raise _TypeMismatch
    x, y = float(a), float(b)
    if x == 0.0 and y < 0:  # Go: Pow(±0, y<0) is ±Inf, Python raises
        return math.copysign(math.inf, x) if y.is_integer() and int(y) % 2 else math.inf
    try:
        return math.pow(x, y)
    except ValueError:  # negative base, fractional exponent
        return math.nan
    except OverflowError:
        return -math.inf if x < 0 and y.is_integer() and int(y) % 2 else math.inf


def _compare(op: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def fn(a: Any, b: Any) -> bool:
        if (is_number(a) and is_number(b)) or (isinstance(a, str) and isinstance(b, str)):
            return op(a, b)
        raise _TypeMismatch
    return fn


def _in(a: Any, b: Any) -> bool:
    if b is None:
        return False
    if isinstance(b, (list, tuple)):
        return any(equal(a, x) for x in b)
    if isinstance(b, dict):
        if a is not None and not isinstance(a, str) and not any(type(k) is type(a) for k in b):
            raise Fail(f"cannot use {go_type(a)} as index to {go_type(b)}")
        return not isinstance(a, (list, dict)) and a in b
    raise Fail(f'operator "in" not defined on {go_type(b)}')


def _strings(op: Callable[[str, str], bool]) -> Callable[[Any, Any], bool]:
    def fn(a: Any, b: Any) -> bool:
        if a is None or b is None:
            return False  # expr's VM short-cuts nil operands of string operators to false
        if not (isinstance(a, str) and isinstance(b, str)):
            raise _TypeMismatch
        return op(a, b)
    return fn


def _matches(s: str, pattern: str) -> bool:
    try:
        return go_match(pattern, s)
    except RegexError as e:
        raise Fail(f"error parsing regexp: {e}") from None


def _range(a: Any, b: Any) -> list:
    # Runtime ToInt: floats truncate (the compiler only rejects float *literals*).
    for v in (a, b):
        if not is_number(v):
            raise Fail(f"invalid operation: int({go_type(v)})")
    a, b = float_to_int(a) if isinstance(a, float) else a, float_to_int(b) if isinstance(b, float) else b
    if b - a > 10_000_000:
        raise Fail("range too large")
    return list(range(a, b + 1))


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": _add,
    "-": _arith(lambda x, y: x - y),
    "*": _arith(lambda x, y: x * y),
    "/": _div,
    "%": _mod,
    "**": _pow,
    "^": _pow,
    "==": lambda a, b: equal(a, b),
    "!=": lambda a, b: not equal(a, b),
    "<": _compare(lambda x, y: x < y),
    ">": _compare(lambda x, y: x > y),
    "<=": _compare(lambda x, y: x <= y),
    ">=": _compare(lambda x, y: x >= y),
    "in": _in,
    "matches": _strings(_matches),
    "contains": _strings(lambda s, sub: sub in s),
    "startsWith": _strings(lambda s, p: s.startswith(p)),
    "endsWith": _strings(lambda s, p: s.endswith(p)),
    "..": _range,
}


# -- public entry points ----------------------------------------------------------------

def evaluate(source_or_node: str | Node, env: dict[str, Any]) -> object:
    """Evaluate an expression (source or parsed AST) against ``env``.

    Raises ExprSyntaxError for unparsable source and ExprRuntimeError for runtime failures.
    """
    node = parse(source_or_node) if isinstance(source_or_node, str) else source_or_node
    try:
        return _Evaluator(dict(env)).eval(node)
    except RecursionError:
        raise ExprRuntimeError("expression too deeply nested", getattr(node, "pos", 0)) from None


def argo_env(result: Any) -> dict[str, Any]:
    """The env Argo's EvalCondition builds: ``result`` plus its helper functions."""
    return {"result": result, **argo_functions(result)}


def evaluate_condition(source: str, result: object) -> bool:
    """Mirror Argo's EvalCondition: evaluate with Argo's env and require a bool outcome.

    Like expr.Compile(condition, expr.Env(env)), statically certain type errors
    (``asFloat(result) == "1.1"``, unknown names, ...) are raised before running,
    as ExprTypeError, even if the offending branch would be short-circuited.
    """
    from .checker import compile_errors  # local import: checker imports the parser too

    node = parse(source)
    errors = compile_errors(node, result)
    if errors:
        raise ExprTypeError(errors[0].message, errors[0].pos)
    value = evaluate(node, argo_env(result))
    if not isinstance(value, bool):
        raise ExprRuntimeError(f"expected bool, but got {go_type(value)}", 0)
    return value


def evaluate_result(result: object, success_condition: str = "", failure_condition: str = "") -> tuple[str, str | None]:
    """Mirror Argo's EvaluateResult: ``(phase, error message or None)``.

    Phases are "Successful", "Failed", "Inconclusive" and "Error". With only one
    condition the other is its negation; with both, failure wins and "neither
    true" is Inconclusive; with none the measurement is Successful.
    """
    outcomes: dict[str, bool] = {}
    for kind, condition in (("successCondition", success_condition), ("failureCondition", failure_condition)):
        if not condition:
            continue
        try:
            outcomes[kind] = evaluate_condition(condition, result)
        except ExprError as e:
            if result is None or (isinstance(result, (list, tuple, str)) and len(result) == 0):
                detail = "metric result is nil or empty: no data returned from the metric provider"
            else:
                detail = e.message
            return "Error", f'could not evaluate {kind} "{condition}": {detail}'
    if not outcomes:
        return "Successful", None
    success = outcomes.get("successCondition", not outcomes.get("failureCondition", False))
    failure = outcomes.get("failureCondition", not success)
    if failure:
        return "Failed", None
    return ("Successful" if success else "Inconclusive"), None
