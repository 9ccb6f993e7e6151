"""Go's `time.ParseDuration`, written once: pause durations (lint and simulate), SkyWalking intervals,
AnalysisTemplate intervals and timeouts all go through here, so no two commands can disagree on a duration.

Go parses into an int64 of nanoseconds: every number must carry a unit (`ns us µs μs ms s m h`, no `d`), a
bare `0` is the only unitless value, and a value past 2^63-1 ns (2562047h47m16.854775807s) is "invalid
duration". The arithmetic below is integer, as Go's is, so the range boundary is exact.
"""

from __future__ import annotations

from functools import lru_cache

from rolloutlint.core.gostrings import go_quote

UNIT_NS = {"ns": 1, "us": 1_000, "µs": 1_000, "μs": 1_000, "ms": 1_000_000, "s": 1_000_000_000,
           "m": 60_000_000_000, "h": 3_600_000_000_000}
_LIMIT = 1 << 63


class GoDurationError(ValueError):
    """Go's own error text: `time: invalid duration "x"`, `time: missing unit in duration "x"`, `time: unknown
    unit "d" in duration "1d"`."""


@lru_cache(maxsize=4096)  # pure; repositories repeat the same few durations
def parse_ns(text: str) -> int:
    """Nanoseconds of `text`, exactly as Go computes them; raises GoDurationError with Go's message."""
    orig = go_quote(text)
    s, neg = text, False
    if s[:1] in ("-", "+"):
        neg, s = s[0] == "-", s[1:]
    if s == "0":
        return 0
    if not s:
        raise GoDurationError(f"time: invalid duration {orig}")
    total = 0
    while s:
        if not (s[0] == "." or "0" <= s[0] <= "9"):
            raise GoDurationError(f"time: invalid duration {orig}")
        i = 0
        while i < len(s) and "0" <= s[i] <= "9":
            i += 1
        whole, s = s[:i], s[i:]
        value = int(whole) if whole else 0
        if value > _LIMIT:  # Go's leadingInt overflows
            raise GoDurationError(f"time: invalid duration {orig}")
        frac, scale = 0, 1
        post = False
        if s[:1] == ".":
            s = s[1:]
            j = 0
            while j < len(s) and "0" <= s[j] <= "9":
                if frac <= (_LIMIT - 1) // 10:  # leadingFraction stops accumulating, keeps consuming
                    frac, scale = frac * 10 + int(s[j]), scale * 10
                j += 1
            post = j > 0
            s = s[j:]
        if not whole and not post:
            raise GoDurationError(f"time: invalid duration {orig}")
        k = 0
        while k < len(s) and not (s[k] == "." or "0" <= s[k] <= "9"):
            k += 1
        if k == 0:
            raise GoDurationError(f"time: missing unit in duration {orig}")
        unit, s = s[:k], s[k:]
        if unit not in UNIT_NS:
            raise GoDurationError(f"time: unknown unit {go_quote(unit)} in duration {orig}")
        per = UNIT_NS[unit]
        if value > _LIMIT // per:
            raise GoDurationError(f"time: invalid duration {orig}")
        value *= per
        if frac:
            value += int(float(frac) * (float(per) / float(scale)))  # Go: uint64(float64(f) * (unit/scale))
            if value > _LIMIT:
                raise GoDurationError(f"time: invalid duration {orig}")
        total += value
        if total > _LIMIT:
            raise GoDurationError(f"time: invalid duration {orig}")
    if neg:
        return -total
    if total > _LIMIT - 1:
        raise GoDurationError(f"time: invalid duration {orig}")
    return total


def seconds(text: str) -> float | None:
    """Seconds of a Go duration string, or None where Go rejects it."""
    try:
        return parse_ns(text) / 1e9
    except GoDurationError:
        return None


def error(text: str) -> str | None:
    """Go's error text for `text`, or None when it parses."""
    try:
        parse_ns(text)
    except GoDurationError as exc:
        return str(exc)
    return None
