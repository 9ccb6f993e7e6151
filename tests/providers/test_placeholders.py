from __future__ import annotations

import pytest

from rolloutlint.providers import placeholders as ph
from rolloutlint.providers.placeholders import substitute


def test_resolves_args_with_and_without_spaces():
    text, missing = substitute('a="{{args.svc}}" b="{{ args.svc }}" c="{{  args.svc\t}}"', {"svc": "reviews"})
    assert text == 'a="reviews" b="reviews" c="reviews"'
    assert missing == []


def test_arg_names_with_dashes_and_dots():
    text, missing = substitute("{{args.service-name}}/{{ args.restarts.max-restarts }}", {"service-name": "s", "restarts.max-restarts": "3"})
    assert text == "s/3"
    assert missing == []


def test_values_are_go_quoted_without_outer_quotes():
    text, _ = substitute('x="{{args.v}}"', {"v": 'a"b\\c\nd\te\x07'})
    assert text == 'x="a\\"b\\\\c\\nd\\te\\a"'


def test_go_quote_non_printable():
    assert ph.go_quote("\x01é\u200b") == '"\\x01é\\u200b"'


def test_missing_arg_in_string_gets_plain_dummy_and_is_reported():
    text, missing = substitute('rate(x{svc="{{args.service-name}}"}[1m])', {})
    assert text == f'rate(x{{svc="{ph.DUMMY_STRING}"}}[1m])'
    assert missing == ["args.service-name"]


def test_args_none_means_nothing_known():
    _, missing = substitute("{{args.a}} {{args.b}} {{args.a}}")
    assert missing == ["args.a", "args.b"]  # each reported once, in order


def test_value_none_counts_as_missing():
    _, missing = substitute('"{{args.a}}"', {"a": None})
    assert missing == ["args.a"]


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('x{a="{{args.v}}"}', 'x{a="dummy"}'),  # label value
        ("x{a=~'{{args.v}}'}", "x{a=~'dummy'}"),  # single-quoted string
        ("rate(x[{{args.v}}])", "rate(x[5m])"),  # range
        ("x offset {{args.v}}", "x offset 5m"),
        ("sum(x) > {{ args.v }}", "sum(x) > 1"),  # number
        ('{{args.v}}{job="a"}', 'dummy{job="a"}'),  # metric name
        ("foo_{{args.v}}_total", "foo_dummy_total"),  # part of an identifier
        ("{ a(n: {{args.v}}) }", "{ a(n: 1) }"),  # GraphQL argument outside strings
    ],
)
def test_dummy_fits_the_syntactic_context(template, expected):
    assert substitute(template)[0] == expected


def test_non_args_tags_are_unresolved():
    text, missing = substitute('"{{templates.baseline.podTemplateHash}}" "{{experiment.availableAt}}" "{{ foo }}"', {"foo": "x"})
    assert missing == ["templates.baseline.podTemplateHash", "experiment.availableAt", "foo"]
    assert text == '"dummy" "dummy" "dummy"'


def test_first_closing_braces_end_the_tag():
    # fasttemplate semantics: the tag ends at the first "}}".
    text, missing = substitute("{{args.a}}}", {"a": "v"})
    assert text == "v}"
    assert missing == []


def test_unclosed_tag():
    assert ph.unclosed_tag('x{a="{{args.v"}') == 5
    assert ph.unclosed_tag('x{a="{{args.v}}"}') is None
    assert ph.unclosed_tag("{{a}} then {{b") == 11


def test_offset_mapping_back_to_original():
    original = 'ab{{args.long-name}}cd\nef'
    text, reps = ph.substitute_detailed(original, {"long-name": "X"})
    assert text == "abXcd\nef"
    assert ph.original_offset(reps, text.index("c")) == original.index("c")
    assert ph.original_offset(reps, text.index("X")) == original.index("{{")
    assert ph.original_offset(reps, 0) == 0
    assert ph.line_col(original, original.index("f")) == (2, 2)
    assert ph.offset_of(original, 2, 2) == original.index("f")


def test_comments_do_not_open_strings():
    # A quote inside a comment must not make the later tag look like it sits in a string.
    text, _ = substitute("# it's\nsum(x) > {{args.t}}")
    assert text.endswith("> 1")
