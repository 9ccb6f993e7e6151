"""Unit tests for the controller semantics the RL1xx rules reproduce (durations, int-or-percent, selectors)."""

from __future__ import annotations

import pytest

from rolloutlint.views import rollout as rc
from rolloutlint.checks.rollout_canary import _int_or_percent_value
from rolloutlint.run.registry import all_rules


@pytest.mark.parametrize("value, seconds", [
    (30, 30), ("30", 30), ("+30", 30), ("0", 0), (0, 0), ("30s", 30), ("10m", 600), ("1h30m", 5400),
    ("1.5h", 5400), ("500ms", 0), ("1m30.9s", 90), (".5m", 30), ("5.s", 5), ("-30", -30), ("-5s", -5),
    ("2562047h", 2562047 * 3600 if 2562047 * 3600 < 2**31 else None),
    ("1d", None), ("30 s", None), ("", None), ("1h30", None), ("10 minutes", None), (" 30", None),
    ("abc", None), (True, None), ("99999999999", None),
])
def test_pause_duration_seconds(value, seconds):
    assert rc.pause_duration_seconds(value) == seconds


@pytest.mark.parametrize("text, hint", [("1d", "24h"), ("2days", "48h"), ("5 min", "5m"), ("10 seconds", "10s"),
                                        ("1h30", None), (" 30s", "30s")])
def test_duration_hint(text, hint):
    assert rc.duration_hint(text) == hint


@pytest.mark.parametrize("value, number", [
    (0, 0), ("0", 0), ("0%", 0), ("25", 25), ("25%", 25), ("abc", 0), ("-1%", 0), (3, 3), ("5 %", 0),
])
def test_int_or_percent_value_matches_validation(value, number):
    # getIntOrPercentValue: valid percent -> its number, else IntOrString.IntValue() (Atoi errors -> 0)
    assert _int_or_percent_value(value) == number


def test_selector_matches():
    labels = {"app": "reviews", "version": "v2"}
    assert rc.selector_matches({"matchLabels": {"app": "reviews"}}, labels) is True
    assert rc.selector_matches({"matchLabels": {"app": "ratings"}}, labels) is False
    assert rc.selector_matches({"matchExpressions": [{"key": "version", "operator": "In", "values": ["v1", "v2"]}]},
                               labels) is True
    assert rc.selector_matches({"matchExpressions": [{"key": "version", "operator": "NotIn", "values": ["v2"]}]},
                               labels) is False
    assert rc.selector_matches({"matchExpressions": [{"key": "tier", "operator": "DoesNotExist"}]}, labels) is True
    assert rc.selector_matches({"matchExpressions": [{"key": "tier", "operator": "Exists"}]}, labels) is False
    assert rc.selector_matches({"matchExpressions": [{"key": "tier", "operator": "Equals"}]}, labels) is None
    assert rc.selector_matches({"matchLabels": {"enabled": True}}, {"enabled": "true"}) is True


def test_selector_problems():
    assert rc.selector_problems({"matchLabels": {"app": "reviews"}}) == []
    probs = rc.selector_problems({"matchLabels": {"bad key": "x", "ok": "-bad-"},
                                  "matchExpressions": [{"key": "a", "operator": "In"}]})
    assert len(probs) == 3


def test_rl1_rules_document_upstream():
    for rule in all_rules():
        if rule.id.startswith("RL1"):
            doc = rule.docs()
            for section in ("## What it checks", "## Why it matters", "## How to fix", "## Upstream"):
                assert section in doc, f"{rule.id} lacks {section}"
            assert rule.kinds == ("Rollout",)
            assert rule.mirrors
