"""Checks for Argo Rollouts' Prometheus metric provider (research/promql.md).

promql-parser (a binding of GreptimeTeam's Rust parser) is imported lazily.
Its errors carry no position, so a small lexical scan locates the usual
culprits (unclosed quotes and brackets, unknown function names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rolloutlint.providers import placeholders as ph
from rolloutlint.providers.skywalking import ProviderProblem

__all__ = ["ProviderProblem", "validate_query", "result_kind", "validate_address"]

# A string literal whose text ends like the start of the next matcher
# ("...,response_code=~") swallowed it: its closing quote is missing.
_SWALLOWED = re.compile(r",\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*$")
_PAIRS = {"(": ")", "[": "]", "{": "}"}


@dataclass
class _Lex:
    strings: list[tuple[int, int, str]]  # (start offset of the opening quote, end offset, quote char)
    unterminated: int | None  # opening quote of a string that never closes
    unclosed: list[tuple[int, str]]  # bracket openers never closed
    stray: list[tuple[int, str]]  # closers without opener (or of the wrong kind)


def _lex(text: str) -> _Lex:
    strings: list[tuple[int, int, str]] = []
    stack: list[tuple[int, str]] = []
    stray: list[tuple[int, str]] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            nl = text.find("\n", i)
            i = n if nl < 0 else nl
            continue
        if ch in "\"'`":
            j = i + 1
            while j < n and text[j] != ch:
                j += 2 if text[j] == "\\" and ch != "`" else 1
            if j >= n:
                return _Lex(strings, i, stack, stray)
            strings.append((i, j + 1, ch))
            i = j + 1
            continue
        if ch in _PAIRS:
            stack.append((i, ch))
        elif ch in ")]}":
            if stack and _PAIRS[stack[-1][1]] == ch:
                stack.pop()
            else:
                stray.append((i, ch))
        i += 1
    return _Lex(strings, None, stack, stray)


def _quote_problem(text: str, lex: _Lex) -> tuple[int, str] | None:
    for start, end, quote in lex.strings:
        m = _SWALLOWED.search(text[start + 1 : end - 1])
        if quote == '"' and m:
            return start, (
                f"unclosed quote: the string starting here runs into the next matcher '{m.group(1)}{m.group(2)}'; "
                f"a closing \" is probably missing before the ','"
            )
    if lex.unterminated is not None:
        return lex.unterminated, f"unclosed quote: the string starting with {text[lex.unterminated]} is never closed"
    return None


def _locate(text: str, message: str, lex: _Lex) -> int | None:
    """Best-effort offset for a promql-parser message (which has no position)."""
    if "left parenthesis" in message or "unclosed" in message:
        opener = next((pos for pos, ch in reversed(lex.unclosed) if ch == "("), None)
        return opener if opener is not None else (lex.unclosed[-1][0] if lex.unclosed else None)
    if "right parenthesis" in message or "unexpected right" in message:
        return lex.stray[0][0] if lex.stray else None
    m = re.search(r"function with name '([^']+)'", message) or re.search(r"in call to function '([^']+)'", message)
    if m:
        hit = re.search(rf"(?<![A-Za-z0-9_:]){re.escape(m.group(1))}\s*\(", text)
        return hit.start() if hit else None
    m = re.search(r"(?:duration syntax|illegal regex for):? (.+)$", message)
    if m:
        pos = text.find(m.group(1))
        return pos if pos >= 0 else None
    m = re.search(r"unexpected identifier '([^']+)'", message)
    if m:
        hit = re.search(rf"(?<![A-Za-z0-9_:\"]){re.escape(m.group(1))}(?![A-Za-z0-9_:])", text)
        return hit.start() if hit else None
    return None


def _parse(text: str):
    import promql_parser

    return promql_parser.parse(text)


@lru_cache(maxsize=1024)  # copies of a template (one per namespace or team) share their query text
def _parse_error(text: str) -> str | None:
    """The parser's message for `text`, None when it parses."""
    try:
        _parse(text)
    except ValueError as exc:
        return str(exc).strip()
    return None


def validate_query(query: str, args: dict[str, str] | None = None) -> list[ProviderProblem]:
    """Validate provider.prometheus.query after Argo-style ``{{args.*}}`` substitution."""
    if not isinstance(query, str) or not query.strip():
        return [ProviderProblem("error", "promql-syntax", "query is empty")]
    problems: list[ProviderProblem] = []
    unclosed = ph.unclosed_tag(query)
    if unclosed is not None:
        tag_line, tag_col = ph.line_col(query, unclosed)
        problems.append(ProviderProblem("error", "placeholder-unclosed", "'{{' has no closing '}}'; Argo cannot resolve the template", tag_line, tag_col))

    text, reps = ph.substitute_detailed(query, args)

    def pos(offset: int | None) -> tuple[int | None, int | None]:
        if offset is None:
            return None, None
        return ph.line_col(query, ph.original_offset(reps, offset))

    message = _parse_error(text)
    if message is None:
        return problems

    lex = _lex(text)
    quote = _quote_problem(text, lex)
    if quote is not None:
        line, col = pos(quote[0])
        problems.append(ProviderProblem("error", "promql-unclosed-quote", f"{quote[1]} (parser: {message})", line, col))
        return problems
    if message.startswith("illegal regex"):
        # Rust regex and Prometheus' Go RE2 disagree at the edges (promql.md §3).
        line, col = pos(_locate(text, message, lex))
        problems.append(ProviderProblem("warning", "promql-regex", f"{message} (checked with Rust regex; Prometheus uses Go RE2)", line, col))
        return problems
    line, col = pos(_locate(text, message, lex))
    problems.append(ProviderProblem("error", "promql-syntax", message, line, col))
    return problems


def _kind(expr) -> str | None:
    import promql_parser as pp

    if isinstance(expr, pp.NumberLiteral):
        return "scalar"
    if isinstance(expr, pp.StringLiteral):
        return "string"
    if isinstance(expr, (pp.VectorSelector, pp.AggregateExpr)):
        return "vector"
    if isinstance(expr, (pp.MatrixSelector, pp.SubqueryExpr)):
        return "matrix"
    if isinstance(expr, (pp.ParenExpr, pp.UnaryExpr)):
        return _kind(expr.expr)
    if isinstance(expr, pp.Call):
        # ValueType is not hashable, so compare instead of looking it up.
        rtype = expr.func.return_type
        for vtype, kind in ((pp.ValueType.Scalar, "scalar"), (pp.ValueType.Vector, "vector"),
                            (pp.ValueType.Matrix, "matrix"), (pp.ValueType.String, "string")):
            if rtype == vtype:
                return kind
        return None
    if isinstance(expr, pp.BinaryExpr):
        return "scalar" if _kind(expr.lhs) == _kind(expr.rhs) == "scalar" else "vector"
    return None


def result_kind(query: str, args: dict[str, str] | None = None) -> str | None:
    """Top-level PromQL type of an instant query: "scalar" | "vector" | "matrix" | "string".

    Argo hands a scalar to the condition as one float (`result`), a vector as a
    list of floats (`result[0]`); other types fail the measurement with
    "Prometheus metric type not supported" (promql.md §5). None if unparseable.
    """
    if not isinstance(query, str):
        return None
    text, _ = ph.substitute(query, args)
    return _text_kind(text)


@lru_cache(maxsize=1024)
def _text_kind(text: str) -> str | None:
    try:
        return _kind(_parse(text))
    except ValueError:
        return None


def validate_address(value: object) -> list[ProviderProblem]:
    """provider.prometheus.address (Argo: NewPrometheusAPI / IsUrl)."""
    if value is None or value == "":
        return [ProviderProblem(
            "warning", "address-missing",
            "address is empty; Argo falls back to ARGO_ROLLOUTS_PROMETHEUS_ADDRESS on the controller "
            "and fails with 'prometheus address is not configured' when that is unset")]
    if not isinstance(value, str):
        return [ProviderProblem("error", "address-invalid", f"address must be a string URL, got {type(value).__name__}")]
    parts, problem = ph.split_url(value)
    if parts is None:
        return [ProviderProblem("error", "address-invalid", problem)] if problem else []
    if not parts.scheme or not parts.netloc:
        # Argo's own message for this case: "prometheus address is not is url format".
        return [ProviderProblem("error", "address-invalid", f"address {value!r} is not a URL with scheme and host, e.g. http://prometheus.monitoring:9090")]
    if parts.scheme not in ("http", "https"):
        return [ProviderProblem("error", "address-invalid", f"address {value!r} must use http or https")]
    out: list[ProviderProblem] = []
    if re.search(r"/api/v1(/query(_range)?)?/?$", parts.path):
        out.append(ProviderProblem("warning", "address-path", "address ends with an API path; the Prometheus client appends /api/v1/query itself"))
    if parts.query or parts.fragment:
        out.append(ProviderProblem("warning", "address-path", "address has a query string or fragment; the client builds API URLs from the base and may drop it"))
    return out
