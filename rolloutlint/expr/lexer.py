"""Tokenizer for expr-lang v1.17 source text.

Token kinds and their spelling in error messages follow expr
(``unexpected token Operator("+")``) so messages look familiar to Argo users.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ExprSyntaxError

IDENTIFIER = "Identifier"
NUMBER = "Number"
STRING = "String"
BYTES = "Bytes"
OPERATOR = "Operator"
BRACKET = "Bracket"
EOF = "EOF"

# Words lexed as operators rather than identifiers.
KEYWORD_OPERATORS = frozenset(
    {"in", "or", "and", "matches", "contains", "startsWith", "endsWith", "let", "if", "else"}
)
# Words that may follow ``not`` to form a negated binary operator (``not in``).
NEGATABLE = frozenset({"in", "matches", "contains", "startsWith", "endsWith"})


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    value: str
    pos: int

    def is_(self, kind: str, value: str | None = None) -> bool:
        return self.kind == kind and (value is None or self.value == value)

    def __str__(self) -> str:
        if self.kind == EOF:
            return "EOF"
        return f'{self.kind}("{self.value}")'


def is_alnum(ch: str) -> bool:
    # Mirrors expr's IsAlphaNumeric: letters, decimal digits, '_' and '$'.
    return ch == "_" or ch == "$" or ch.isalpha() or ch.isdecimal()


# Escapes expr's scanner accepts; the string's own quote character is added per string
# (so \' is only valid inside '...').
_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\",
}
_HEX = "0123456789abcdefABCDEF"


def unescape(body: str, start: int, quote: str = '"') -> str:
    """Decode escapes in a quoted string body; ``start`` is the body's offset (for errors)."""
    out: list[str] = []
    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        esc_pos = start + i
        if i + 1 >= n:
            raise ExprSyntaxError("invalid char escape", esc_pos)
        c = body[i + 1]
        if c in _SIMPLE_ESCAPES or c == quote:
            out.append(_SIMPLE_ESCAPES.get(c, c))
            i += 2
        elif c in "xuU":
            if c == "u" and i + 2 < n and body[i + 2] == "{":
                close = body.find("}", i + 3)
                digits = body[i + 3:close] if close != -1 else ""
                if close == -1 or not 1 <= len(digits) <= 6 or any(d not in _HEX for d in digits):
                    raise ExprSyntaxError("invalid char escape", esc_pos)
                end = close + 1
            else:
                width = {"x": 2, "u": 4, "U": 8}[c]
                digits = body[i + 2:i + 2 + width]
                if len(digits) != width or any(d not in _HEX for d in digits):
                    raise ExprSyntaxError("invalid char escape", esc_pos)
                end = i + 2 + width
            code = int(digits, 16)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                raise ExprSyntaxError("unable to unescape string", esc_pos)
            out.append(chr(code))
            i = end
        elif c in "01234567":
            digits = body[i + 1:i + 4]
            if len(digits) != 3 or any(d not in "01234567" for d in digits):
                raise ExprSyntaxError("invalid char escape", esc_pos)
            if c not in "0123":  # scans fine but exceeds a byte
                raise ExprSyntaxError("unable to unescape string", esc_pos)
            out.append(chr(int(digits, 8)))
            i += 4
        else:
            raise ExprSyntaxError("invalid char escape", esc_pos)
    return "".join(out)


class _Lexer:
    def __init__(self, source: str) -> None:
        self.src = source
        self.i = 0
        self.tokens: list[Token] = []

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.src[j] if j < len(self.src) else ""

    def emit(self, kind: str, value: str, pos: int) -> None:
        self.tokens.append(Token(kind, value, pos))

    def run(self) -> list[Token]:
        src = self.src
        while self.i < len(src):
            start = self.i
            ch = src[start]
            if ch.isspace():
                self.i += 1
            elif ch in "'\"":
                self.quoted(STRING, start, start)
            elif ch in "bB" and self.peek(1) in ("'", '"') and self.peek(1) != "":
                self.quoted(BYTES, start, start + 1)
            elif ch == "`":
                self.raw_string(start)
            elif (ch.isdecimal() and ch.isascii()) or (ch == "." and self.peek(1).isdecimal() and self.peek(1).isascii()):
                self.number(start)
            elif ch == "?":
                self.i += 1
                if self.peek() in (".", "?") and self.peek() != "":
                    self.i += 1
                self.emit(OPERATOR, src[start:self.i], start)
            elif ch == "/":
                self.slash(start)
            elif ch == "#":
                # '#' and a directly following name (#acc, #index) are separate tokens,
                # the parser joins them.
                self.i += 1
                self.emit(OPERATOR, "#", start)
            elif ch in "|:":
                self.i += 1
                if self.peek() == ch:
                    self.i += 1
                self.emit(OPERATOR, src[start:self.i], start)
            elif ch == ".":
                self.i += 1
                if self.peek() == ".":
                    self.i += 1
                self.emit(OPERATOR, src[start:self.i], start)
            elif ch in "([{)]}":
                self.i += 1
                self.emit(BRACKET, ch, start)
            elif ch in ",;%+-^":
                self.i += 1
                self.emit(OPERATOR, ch, start)
            elif ch in "&!=*<>":
                # Like expr, any of "&=*" may follow; odd pairs such as "<*" become an
                # operator token the parser later rejects as unexpected.
                self.i += 1
                if self.peek() in ("&", "=", "*") and self.peek() != "":
                    self.i += 1
                self.emit(OPERATOR, src[start:self.i], start)
            elif is_alnum(ch):
                self.word(start)
            else:
                raise ExprSyntaxError(f"unrecognized character: U+{ord(ch):04X} '{ch}'", start)
        self.emit(EOF, "", len(src))
        return self.tokens

    def quoted(self, kind: str, start: int, quote_pos: int) -> None:
        src = self.src
        quote = src[quote_pos]
        j = quote_pos + 1
        while True:
            if j >= len(src) or src[j] == "\n":
                raise ExprSyntaxError("literal not terminated", start)
            if src[j] == "\\":
                j += 2
                continue
            if src[j] == quote:
                break
            j += 1
        value = unescape(src[quote_pos + 1:j], quote_pos + 1, quote)
        self.emit(kind, value, start)
        self.i = j + 1

    def raw_string(self, start: int) -> None:
        # No escapes in `...`, except that a doubled backtick stands for one backtick.
        src = self.src
        parts: list[str] = []
        j = start + 1
        while True:
            end = src.find("`", j)
            if end == -1:
                raise ExprSyntaxError("literal not terminated", start)
            parts.append(src[j:end])
            if src.startswith("``", end):
                parts.append("`")
                j = end + 2
                continue
            break
        self.emit(STRING, "".join(parts), start)
        self.i = end + 1

    def number(self, start: int) -> None:
        src = self.src
        digits = "0123456789_"
        j = start
        if src[j] == "0" and j + 1 < len(src) and src[j + 1] in "xXoObB":
            digits = {"x": "0123456789abcdefABCDEF_", "o": "01234567_", "b": "01_"}[src[j + 1].lower()]
            j += 2
        while j < len(src) and src[j] in digits:
            j += 1
        if j < len(src) and src[j] == ".":
            if j + 1 < len(src) and src[j + 1] == ".":
                # "1..3" is a range: the number stops before "..".
                self.emit(NUMBER, src[start:j], start)
                self.i = j
                return
            j += 1
            while j < len(src) and src[j] in digits:
                j += 1
        if j < len(src) and src[j] in "eE":
            j += 1
            if j < len(src) and src[j] in "+-":
                j += 1
            while j < len(src) and src[j] in digits:
                j += 1
        if j < len(src) and is_alnum(src[j]):
            # expr: an alphanumeric right after a number is "bad number syntax".
            k = j
            while k < len(src) and (is_alnum(src[k]) or src[k] == "."):
                k += 1
            raise ExprSyntaxError(f'bad number syntax: "{src[start:k]}"', start)
        self.emit(NUMBER, src[start:j], start)
        self.i = j

    def slash(self, start: int) -> None:
        src = self.src
        nxt = self.peek(1)
        if nxt == "/":
            end = src.find("\n", start)
            self.i = len(src) if end == -1 else end
        elif nxt == "*":
            end = src.find("*/", start + 2)
            if end == -1:
                raise ExprSyntaxError("unclosed comment", start)
            self.i = end + 2
        else:
            self.i += 1
            self.emit(OPERATOR, "/", start)

    def word(self, start: int) -> None:
        src = self.src
        j = start
        while j < len(src) and is_alnum(src[j]):
            j += 1
        word = src[start:j]
        self.i = j
        if word == "not":
            self.emit(OPERATOR, "not", start)
            # "not in" etc. become two operator tokens; otherwise "not" is unary.
            k = j
            while k < len(src) and src[k].isspace():
                k += 1
            m = k
            while m < len(src) and is_alnum(src[m]):
                m += 1
            if src[k:m] in NEGATABLE:
                self.emit(OPERATOR, src[k:m], k)
                self.i = m
        elif word in KEYWORD_OPERATORS:
            self.emit(OPERATOR, word, start)
        else:
            self.emit(IDENTIFIER, word, start)


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens (always ending with an EOF token)."""
    return _Lexer(source).run()
