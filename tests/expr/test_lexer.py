import pytest

from rolloutlint.expr import ExprSyntaxError
from rolloutlint.expr.lexer import tokenize


def kinds(src):
    return [(t.kind, t.value) for t in tokenize(src)][:-1]


def test_eof_token_at_end():
    toks = tokenize("a ")
    assert toks[-1].kind == "EOF" and toks[-1].pos == 2


@pytest.mark.parametrize(
    "src, expected",
    [
        ("a && b", [("Identifier", "a"), ("Operator", "&&"), ("Identifier", "b")]),
        ("a ?? b", [("Identifier", "a"), ("Operator", "??"), ("Identifier", "b")]),
        ("a?.b", [("Identifier", "a"), ("Operator", "?."), ("Identifier", "b")]),
        ("a ?: b", [("Identifier", "a"), ("Operator", "?"), ("Operator", ":"), ("Identifier", "b")]),
        ("1..3", [("Number", "1"), ("Operator", ".."), ("Number", "3")]),
        ("2 ** 3", [("Number", "2"), ("Operator", "**"), ("Number", "3")]),
        ("a || b | f()", [("Identifier", "a"), ("Operator", "||"), ("Identifier", "b"), ("Operator", "|"),
                          ("Identifier", "f"), ("Bracket", "("), ("Bracket", ")")]),
        ("::len", [("Operator", "::"), ("Identifier", "len")]),
        ("#index", [("Operator", "#"), ("Identifier", "index")]),
        ("$env", [("Identifier", "$env")]),
        ("x not in y", [("Identifier", "x"), ("Operator", "not"), ("Operator", "in"), ("Identifier", "y")]),
        ("not x", [("Operator", "not"), ("Identifier", "x")]),
        ("a startsWith b", [("Identifier", "a"), ("Operator", "startsWith"), ("Identifier", "b")]),
        ("a <= b != c", [("Identifier", "a"), ("Operator", "<="), ("Identifier", "b"), ("Operator", "!="),
                         ("Identifier", "c")]),
        (".5 + 1e3", [("Number", ".5"), ("Operator", "+"), ("Number", "1e3")]),
        ("a // comment\n+ /* block */ b", [("Identifier", "a"), ("Operator", "+"), ("Identifier", "b")]),
        ("1_000 0x1F 0o17 0b101", [("Number", "1_000"), ("Number", "0x1F"), ("Number", "0o17"), ("Number", "0b101")]),
    ],
)
def test_tokens(src, expected):
    assert kinds(src) == expected


@pytest.mark.parametrize(
    "src, value",
    [
        (r'"a\nb"', "a\nb"),
        (r"'it\'s'", "it's"),
        (r'"\x41\u00e9\U0001F600"', "A\u00e9\U0001F600"),
        (r'"\u{1F600}"', "\U0001F600"),
        (r'"\101"', "A"),
        (r'"tab\there"', "tab\there"),
        ("`raw \\n`", "raw \\n"),
        ("`a``b`", "a`b"),
        (r'"say \"hi\""', 'say "hi"'),
    ],
)
def test_strings(src, value):
    toks = tokenize(src)
    assert toks[0].kind == "String" and toks[0].value == value


def test_bytes_literal():
    toks = tokenize('b"hi" B\'x\'')
    assert [(t.kind, t.value) for t in toks[:2]] == [("Bytes", "hi"), ("Bytes", "x")]


@pytest.mark.parametrize(
    "src, pos, fragment",
    [
        ('a == "abc', 5, "literal not terminated"),
        ("'abc\n'", 0, "literal not terminated"),
        ("`abc", 0, "literal not terminated"),
        (r'"\q"', 1, "invalid char escape"),
        (r'"it\'s"', 3, "invalid char escape"),  # \' only valid inside '...'
        (r'"\x4"', 1, "invalid char escape"),
        (r'"\u{}"', 1, "invalid char escape"),
        (r'"\777"', 1, "unable to unescape string"),
        ("1 + 12abc", 4, "bad number syntax"),
        ("a @ b", 2, "unrecognized character"),
        ("a /* never closed", 2, "unclosed comment"),
    ],
)
def test_lex_errors(src, pos, fragment):
    with pytest.raises(ExprSyntaxError) as ei:
        tokenize(src)
    assert ei.value.pos == pos
    assert fragment in ei.value.message
