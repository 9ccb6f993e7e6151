"""Non-predicate builtins of expr v1.17.8 and Argo's extra condition functions.

Builtins raise :class:`Fail` with expr-style text; the evaluator attaches the
call's source offset. Predicate builtins (all, map, reduce, ...) live in the
evaluator because they need closures.
"""

from __future__ import annotations

import base64
import json
import math
import re
from typing import Any, Callable

from .values import (
    INT64_MIN, equal, expr_type, format_value, go_type, is_int, is_number, wrap_int64,
)


class Fail(Exception):
    """Raised by builtins; converted to ExprRuntimeError at the call site."""


# name -> (min args, max args or None for variadic). Predicate builtins included
# so the checker has a single table.
ARITY: dict[str, tuple[int, int | None]] = {
    "len": (1, 1), "type": (1, 1), "abs": (1, 1), "ceil": (1, 1), "floor": (1, 1), "round": (1, 1),
    "int": (1, 1), "float": (1, 1), "string": (1, 1), "max": (1, None), "min": (1, None),
    "mean": (1, None), "median": (1, None), "trim": (1, 2), "trimPrefix": (1, 2), "trimSuffix": (1, 2),
    "upper": (1, 1), "lower": (1, 1), "split": (2, 3), "splitAfter": (2, 3), "replace": (3, 3),
    "repeat": (2, 2), "join": (1, 2), "indexOf": (2, 2), "lastIndexOf": (2, 2), "hasPrefix": (2, 2),
    "hasSuffix": (2, 2), "toJSON": (1, 1), "fromJSON": (1, 1), "toBase64": (1, 1), "fromBase64": (1, 1),
    "now": (0, 0), "duration": (1, 1), "date": (1, 3), "timezone": (1, 1), "first": (1, 1),
    "last": (1, 1), "get": (2, 2), "take": (2, 2), "keys": (1, 1), "values": (1, 1), "toPairs": (1, 1),
    "fromPairs": (1, 1), "reverse": (1, 1), "uniq": (1, 1), "concat": (1, None), "flatten": (1, 1),
    "sort": (1, 2), "bitand": (2, 2), "bitor": (2, 2), "bitxor": (2, 2), "bitnand": (2, 2),
    "bitshl": (2, 2), "bitshr": (2, 2), "bitushr": (2, 2), "bitnot": (1, 1),
    # predicate builtins (arity also enforced by the parser)
    "all": (2, 2), "none": (2, 2), "any": (2, 2), "one": (2, 2), "filter": (2, 2), "map": (2, 2),
    "count": (1, 2), "sum": (1, 2), "find": (2, 2), "findIndex": (2, 2), "findLast": (2, 2),
    "findLastIndex": (2, 2), "groupBy": (2, 2), "sortBy": (2, 3), "reduce": (2, 3),
}

# Time builtins need Go's time/duration model; we know the names but don't evaluate them.
UNSUPPORTED = frozenset({"now", "duration", "date", "timezone"})

_GO_INT_RE = re.compile(r"[+-]?[0-9]+\Z")
_GO_FLOAT_RE = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)\Z", re.IGNORECASE
)


def parse_go_int(s: str) -> int | None:
    """strconv.ParseInt(s, 10, 64): no spaces, no underscores, must fit int64."""
    if not _GO_INT_RE.match(s):
        return None
    v = int(s)
    return v if INT64_MIN <= v <= 2**63 - 1 else None


def parse_go_float(s: str) -> float | None:
    """strconv.ParseFloat(s, 64) for decimal input (Go also takes hex floats; rare in metrics)."""
    if not _GO_FLOAT_RE.match(s):
        return None
    return float(s)


def float_to_int(f: float) -> int:
    # Go's int64(NaN/±Inf) is implementation-defined; amd64 yields MinInt64.
    if math.isnan(f) or math.isinf(f):
        return INT64_MIN
    return wrap_int64(int(f))


def _num(name: str, v: Any) -> float | int:
    if not is_number(v):
        raise Fail(f"invalid argument for {name} (type {go_type(v)})")
    return v


def _str(name: str, v: Any) -> str:
    if not isinstance(v, str):
        raise Fail(f"invalid argument for {name} (type {go_type(v)})")
    return v


def _arr(name: str, v: Any) -> list:
    if not isinstance(v, (list, tuple)):
        raise Fail(f"invalid argument for {name} (type {go_type(v)})")
    return list(v)


def _map(name: str, v: Any) -> dict:
    if not isinstance(v, dict):
        raise Fail(f"invalid argument for {name} (type {go_type(v)})")
    return v


def _int(name: str, v: Any) -> int:
    if not is_int(v):
        raise Fail(f"invalid argument for {name} (type {go_type(v)})")
    return v


def _len(v: Any) -> int:
    if isinstance(v, str):
        return len(v.encode("utf-8"))  # Go strings are byte sequences
    if isinstance(v, (list, tuple, dict, bytes)):
        return len(v)
    raise Fail(f"invalid argument for len (type {go_type(v)})")


def _go_round(v: Any) -> float:
    x = float(_num("round", v))
    if math.isnan(x) or math.isinf(x):
        return x
    # Go math.Round: half away from zero (Python's round() is banker's rounding).
    return math.copysign(math.floor(abs(x) + 0.5), x)


def _to_int(v: Any) -> int:
    if is_int(v):
        return v
    if isinstance(v, float):
        return float_to_int(v)
    if isinstance(v, str):
        parsed = parse_go_int(v)
        if parsed is None:
            raise Fail(f"invalid operation: int({v})")
        return parsed
    raise Fail(f"invalid operation: int({go_type(v)})")


def _to_float(v: Any) -> float:
    if is_number(v):
        return float(v)
    if isinstance(v, str):
        parsed = parse_go_float(v)
        if parsed is None:
            raise Fail(f"invalid operation: float({v})")
        return parsed
    raise Fail(f"invalid operation: float({go_type(v)})")


def _numbers(name: str, args: tuple | list, depth: int = 0) -> list:
    """Flatten nested arrays (max([1, [2]]) == max(1, 2)) and require numbers."""
    if depth > 10_000:
        raise Fail("max depth exceeded")
    out: list = []
    for a in args:
        if isinstance(a, (list, tuple)):
            out.extend(_numbers(name, a, depth + 1))
        else:
            out.append(_num(name, a))
    return out


def _extreme(name: str, pick: Callable[[Any, Any], bool]) -> Callable[..., Any]:
    def fn(*args: Any) -> Any:
        if len(args) == 1 and not isinstance(args[0], (list, tuple)) and not is_number(args[0]):
            return args[0]  # expr quirk: a single non-numeric argument is returned as-is
        nums = _numbers(name, args)
        if not nums:
            return None  # max([]) is nil in expr
        best = nums[0]
        for x in nums[1:]:
            if pick(x, best):
                best = x
        return best
    return fn


def _mean(*args: Any) -> float:
    nums = _numbers("mean", args)
    return float(sum(nums)) / len(nums) if nums else 0.0


def _median(*args: Any) -> float:
    nums = sorted(float(x) for x in _numbers("median", args))
    if not nums:
        return 0.0
    mid = len(nums) // 2
    return nums[mid] if len(nums) % 2 else (nums[mid - 1] + nums[mid]) / 2.0


def sum_values(values: list) -> Any:
    total: Any = 0
    for x in values:
        if not is_number(x):
            raise Fail(f"invalid argument for sum (type {go_type(x)})")
        total = total + x
    return wrap_int64(total) if is_int(total) else total


def _split(after: bool) -> Callable[..., list]:
    name = "splitAfter" if after else "split"

    def fn(s: Any, sep: Any, n: Any = -1) -> list:
        s, sep, n = _str(name, s), _str(name, sep), _int(name, n)
        if n == 0:
            return []
        if sep == "":
            parts = list(s)
            if n > 0 and len(parts) > n:
                parts = parts[: n - 1] + ["".join(parts[n - 1:])]
            return parts
        parts = s.split(sep, n - 1) if n > 0 else s.split(sep)
        if after:
            parts = [p + sep for p in parts[:-1]] + parts[-1:]
        return parts
    return fn


def _trim(s: Any, cutset: Any = None) -> str:
    s = _str("trim", s)
    return s.strip() if cutset is None else s.strip(_str("trim", cutset))


def _trim_prefix(s: Any, prefix: Any = " ") -> str:
    return _str("trimPrefix", s).removeprefix(_str("trimPrefix", prefix))


def _trim_suffix(s: Any, suffix: Any = " ") -> str:
    return _str("trimSuffix", s).removesuffix(_str("trimSuffix", suffix))


def _repeat(s: Any, n: Any) -> str:
    s, n = _str("repeat", s), _int("repeat", n)
    if n < 0:
        raise Fail("strings: negative Repeat count")
    return s * n


def _join(arr: Any, sep: Any = "") -> str:
    items = _arr("join", arr)
    for x in items:
        _str("join", x)
    return _str("join", sep).join(items)


def _to_json(v: Any) -> str:
    def conv(x: Any) -> Any:
        if isinstance(x, float) and (math.isnan(x) or math.isinf(x)):
            raise Fail(f"json: unsupported value: {format_value(x)}")
        if isinstance(x, float) and x.is_integer() and abs(x) < 1e21:
            return int(x)  # Go encodes 2.0 as "2"
        if isinstance(x, (list, tuple)):
            return [conv(y) for y in x]
        if isinstance(x, dict):
            return {str(k): conv(y) for k, y in x.items()}
        return x
    return json.dumps(conv(v), indent=2, sort_keys=True, ensure_ascii=False)


def _from_json(s: Any) -> Any:
    try:
        # encoding/json decodes every number into float64.
        return json.loads(_str("fromJSON", s), parse_int=float)
    except ValueError as e:
        raise Fail(str(e)) from None


def _from_base64(s: Any) -> str:
    try:
        return base64.b64decode(_str("fromBase64", s), validate=True).decode("utf-8", "replace")
    except ValueError as e:
        raise Fail(f"illegal base64 data: {e}") from None


def _first(v: Any) -> Any:
    # expr recovers from any panic here and returns nil.
    return v[0] if isinstance(v, (list, tuple)) and v else None


def _last(v: Any) -> Any:
    return v[-1] if isinstance(v, (list, tuple)) and v else None


def _get(obj: Any, key: Any) -> Any:
    if isinstance(obj, dict):
        return obj.get(key) if isinstance(key, str) else None
    if isinstance(obj, (list, tuple)) and is_int(key):
        i = key + len(obj) if key < 0 else key
        return obj[i] if 0 <= i < len(obj) else None
    return None


def _take(arr: Any, n: Any) -> list:
    items, n = _arr("take", arr), _int("take", n)
    return items[: max(n, 0)]


def _uniq(arr: Any) -> list:
    out: list = []
    for x in _arr("uniq", arr):
        if not any(equal(x, y) for y in out):
            out.append(x)
    return out


def _concat(*arrs: Any) -> list:
    out: list = []
    for a in arrs:
        out.extend(_arr("concat", a))
    return out


def _flatten(arr: Any) -> list:
    out: list = []
    for x in _arr("flatten", arr):
        out.extend(_flatten(x) if isinstance(x, (list, tuple)) else [x])
    return out


def sort_key_values(name: str, items: list, keys: list, order: Any) -> list:
    if order not in ("asc", "desc"):
        raise Fail("unknown order, use asc or desc")
    if keys and not (all(is_number(k) for k in keys) or all(isinstance(k, str) for k in keys)):
        raise Fail(f"{name}: cannot sort values of mixed or unsortable types")
    pairs = sorted(zip(keys, range(len(items))), key=lambda p: p[0], reverse=order == "desc")
    return [items[i] for _, i in pairs]


def _sort(arr: Any, order: Any = "asc") -> list:
    items = _arr("sort", arr)
    return sort_key_values("sort", items, items, order)


def _to_pairs(m: Any) -> list:
    return [[k, v] for k, v in _map("toPairs", m).items()]


def _from_pairs(arr: Any) -> dict:
    out: dict = {}
    for p in _arr("fromPairs", arr):
        if not isinstance(p, (list, tuple)) or len(p) != 2:
            raise Fail(f"invalid pair {format_value(p)}")
        out[p[0]] = p[1]
    return out


def _bit(name: str, op: Callable[[int, int], int]) -> Callable[[Any, Any], int]:
    def fn(a: Any, b: Any) -> int:
        return wrap_int64(op(_int(name, a), _int(name, b)))
    return fn


def _shift_check(name: str, b: int) -> int:
    if b < 0:
        raise Fail("invalid operation: negative shift count")
    return b


BUILTINS: dict[str, Callable[..., Any]] = {
    "len": _len,
    "type": expr_type,
    "abs": lambda v: abs(_num("abs", v)),
    "ceil": lambda v: float(math.ceil(_num("ceil", v))) if math.isfinite(_num("ceil", v)) else float(v),
    "floor": lambda v: float(math.floor(_num("floor", v))) if math.isfinite(_num("floor", v)) else float(v),
    "round": _go_round,
    "int": _to_int,
    "float": _to_float,
    "string": format_value,
    "max": _extreme("max", lambda x, best: x > best),
    "min": _extreme("min", lambda x, best: x < best),
    "mean": _mean,
    "median": _median,
    "trim": _trim,
    "trimPrefix": _trim_prefix,
    "trimSuffix": _trim_suffix,
    "upper": lambda s: _str("upper", s).upper(),
    "lower": lambda s: _str("lower", s).lower(),
    "split": _split(False),
    "splitAfter": _split(True),
    "replace": lambda s, old, new: _str("replace", s).replace(_str("replace", old), _str("replace", new)),
    "repeat": _repeat,
    "join": _join,
    # Go's strings.Index returns byte offsets.
    "indexOf": lambda s, sub: _str("indexOf", s).encode().find(_str("indexOf", sub).encode()),
    "lastIndexOf": lambda s, sub: _str("lastIndexOf", s).encode().rfind(_str("lastIndexOf", sub).encode()),
    "hasPrefix": lambda s, p: _str("hasPrefix", s).startswith(_str("hasPrefix", p)),
    "hasSuffix": lambda s, p: _str("hasSuffix", s).endswith(_str("hasSuffix", p)),
    "toJSON": _to_json,
    "fromJSON": _from_json,
    "toBase64": lambda s: base64.b64encode(_str("toBase64", s).encode()).decode(),
    "fromBase64": _from_base64,
    "first": _first,
    "last": _last,
    "get": _get,
    "take": _take,
    "keys": lambda m: list(_map("keys", m).keys()),
    "values": lambda m: list(_map("values", m).values()),
    "toPairs": _to_pairs,
    "fromPairs": _from_pairs,
    "reverse": lambda a: _arr("reverse", a)[::-1],
    "uniq": _uniq,
    "concat": _concat,
    "flatten": _flatten,
    "sort": _sort,
    "sum": lambda a: sum_values(_arr("sum", a)),
    "bitand": _bit("bitand", lambda a, b: a & b),
    "bitor": _bit("bitor", lambda a, b: a | b),
    "bitxor": _bit("bitxor", lambda a, b: a ^ b),
    "bitnand": _bit("bitnand", lambda a, b: a & ~b),
    "bitshl": _bit("bitshl", lambda a, b: a << _shift_check("bitshl", b) if b < 64 else 0),
    "bitshr": _bit("bitshr", lambda a, b: a >> min(_shift_check("bitshr", b), 63)),
    "bitushr": _bit("bitushr", lambda a, b: (a % 2**64) >> _shift_check("bitushr", b)),
    "bitnot": lambda a: ~_int("bitnot", a),
}


# --- Argo Rollouts condition functions (utils/evaluate/evaluate.go) -----------

def argo_as_int(v: Any) -> int:
    if isinstance(v, float):
        return float_to_int(v)
    if is_int(v):
        return v
    if isinstance(v, str):
        parsed = parse_go_int(v)
        if parsed is None:
            raise Fail(f'strconv.ParseInt: parsing "{v}": invalid syntax')
        return parsed
    raise Fail(f"asInt() not supported on {go_type(v)} {format_value(v)}")


def argo_as_float(v: Any) -> float:
    if is_number(v):
        return float(v)
    if isinstance(v, str):
        parsed = parse_go_float(v)
        if parsed is None:
            raise Fail(f'strconv.ParseFloat: parsing "{v}": invalid syntax')
        return parsed
    raise Fail(f"asFloat() not supported on {go_type(v)} {format_value(v)}")


def _float_param(fn: str, v: Any) -> float:
    # The Go functions take float64; a nil argument becomes the zero value.
    if v is None:
        return 0.0
    if is_number(v):
        return float(v)
    raise Fail(f"reflect: Call using {go_type(v)} as type float64")


def argo_functions(result: Any) -> dict[str, Callable[..., Any]]:
    """The functions Argo puts next to ``result`` in the condition env."""

    def is_nil(_ignored: Any) -> bool:
        # Argo's isNil ignores its argument and tests the whole result.
        return result is None

    def default(_ignored: Any, fallback: Any) -> Any:
        # Argo's default ignores its first argument: result if non-nil, else fallback.
        return fallback if result is None else result

    return {
        "asInt": argo_as_int,
        "asFloat": argo_as_float,
        "isNaN": lambda v: math.isnan(_float_param("isNaN", v)),
        "isInf": lambda v: math.isinf(_float_param("isInf", v)),
        "isNil": is_nil,
        "default": default,
    }


# Arity of the Argo functions (checker use).
ARGO_ARITY: dict[str, tuple[int, int]] = {
    "asInt": (1, 1), "asFloat": (1, 1), "isNaN": (1, 1), "isInf": (1, 1), "isNil": (1, 1), "default": (2, 2),
}
