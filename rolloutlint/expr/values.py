"""Helpers describing runtime values the way Go/expr would.

Values are plain Python data: None (nil), bool, int (Go int), float (float64),
str, bytes, list ([]any) and dict (map[string]any). ``bool`` is a subclass of
``int`` in Python, so every numeric test below excludes it explicitly.
"""

from __future__ import annotations

import math
from typing import Any

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v: object) -> bool:
    return (isinstance(v, (int, float))) and not isinstance(v, bool)


def wrap_int64(v: int) -> int:
    """Go int arithmetic wraps on overflow instead of growing."""
    return ((v - INT64_MIN) % 2**64) + INT64_MIN


def go_type(v: object) -> str:
    """Go ``%T`` spelling of a value, as used in expr's runtime messages."""
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float64"
    if isinstance(v, str):
        return "string"
    if isinstance(v, (bytes, bytearray)):
        return "[]uint8"
    if isinstance(v, (list, tuple)):
        return "[]interface {}"
    if isinstance(v, dict):
        return "map[string]interface {}"
    if callable(v):
        return "func"
    return type(v).__name__


def expr_type(v: object) -> str:
    """Result of expr's ``type()`` builtin."""
    if v is None:
        return "nil"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "string"
    if isinstance(v, (list, tuple, bytes)):
        return "array"
    if isinstance(v, dict):
        return "map"
    if callable(v):
        return "func"
    return "unknown"


def format_float(f: float) -> str:
    """Go's ``%v`` for float64: shortest digits, %e form when exponent < -4 or >= 6."""
    if math.isnan(f):
        return "NaN"
    if math.isinf(f):
        return "+Inf" if f > 0 else "-Inf"
    if f == 0:
        return "-0" if math.copysign(1.0, f) < 0 else "0"
    digits, exp = _shortest(f)
    sign = "-" if f < 0 else ""
    if exp < -4 or exp >= 6:
        mant = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mant}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if exp < 0:
        return f"{sign}0.{'0' * (-exp - 1)}{digits}"
    if len(digits) <= exp + 1:
        return sign + digits + "0" * (exp + 1 - len(digits))
    return f"{sign}{digits[:exp + 1]}.{digits[exp + 1:]}"


def _shortest(f: float) -> tuple[str, int]:
    # repr() gives the shortest round-tripping digits, like Go's strconv.
    r = repr(abs(f))
    if "e" in r:
        m, _, e = r.partition("e")
        digits, exponent = m.replace(".", ""), int(e)
        return digits.rstrip("0") or "0", exponent
    whole, _, frac = r.partition(".")
    frac = frac.rstrip("0")
    if whole != "0":
        digits = (whole + frac).rstrip("0") or "0"
        return digits, len(whole) - 1
    stripped = frac.lstrip("0")
    return stripped, -(len(frac) - len(stripped)) - 1


def format_value(v: Any) -> str:
    """Go ``%v`` formatting (used by ``string()`` and error messages)."""
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return format_float(v)
    if isinstance(v, (list, tuple)):
        return "[" + " ".join(format_value(x) for x in v) + "]"
    if isinstance(v, dict):
        items = sorted(v.items(), key=lambda kv: str(kv[0]))
        return "map[" + " ".join(f"{format_value(k)}:{format_value(x)}" for k, x in items) + "]"
    if isinstance(v, (bytes, bytearray)):
        return "[" + " ".join(str(b) for b in v) + "]"
    return str(v)


def equal(a: Any, b: Any, *, top: bool = True) -> bool:
    """expr's ``==``.

    ``top`` = expr's runtime.Equal: int/float compare numerically and arrays compare
    element-wise with the same rule. Maps (and anything nested in them) fall back
    to reflect.DeepEqual (``top=False``), where int 1 and float64 1 differ.
    """
    if is_number(a) and is_number(b):
        return a == b if top or is_int(a) == is_int(b) else False
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(equal(x, y, top=top) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal(a[k], b[k], top=False) for k in a)
    if type(a) is not type(b):
        return False
    return bool(a == b)
