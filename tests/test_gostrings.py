"""Go string quoting: the shortcut for strings with nothing to escape gives what the escaping loop gives."""

from __future__ import annotations

import random

from rolloutlint.core.gostrings import _escape_each as _escaped, go_quote, go_quote_inner


def test_known_spellings() -> None:
    assert go_quote_inner("canary|reviews|bookinfo|c1|prod") == "canary|reviews|bookinfo|c1|prod"
    assert go_quote_inner("") == ""
    assert go_quote('a"b\\c') == '"a\\"b\\\\c"'
    assert go_quote_inner("tab\there\n") == "tab\\there\\n"
    assert go_quote_inner("\x01é\u2028😀") == "\\x01é\\u2028😀"


def test_shortcut_matches_the_loop_on_random_strings() -> None:
    alphabet = 'ab|{} "\\\t\n\r\x00\x7f\u00a0\u2028é😀\U000e0001'
    rnd = random.Random(20)
    for _ in range(5000):
        value = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 10)))
        assert go_quote_inner(value) == _escaped(value), repr(value)
