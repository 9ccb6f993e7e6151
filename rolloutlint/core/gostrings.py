"""Go's `strconv.Quote`, as Go tools print values in their error messages (written once)."""

from __future__ import annotations

_GO_ESCAPES = {"\a": r"\a", "\b": r"\b", "\f": r"\f", "\n": r"\n", "\r": r"\r", "\t": r"\t", "\v": r"\v", "\\": r"\\", '"': r"\""}


def go_quote_inner(value: str) -> str:
    """Go ``strconv.Quote(value)`` without the surrounding quotes (close approximation)."""
    if value.isprintable() and "\\" not in value and '"' not in value:
        return value  # nothing to escape (the usual argument value): as `_escape_each` would give it
    return _escape_each(value)


def _escape_each(value: str) -> str:
    out = []
    for ch in value:
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return "".join(out)


def go_quote(value: str) -> str:
    return f'"{go_quote_inner(value)}"'
