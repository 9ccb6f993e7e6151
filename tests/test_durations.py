"""Go durations are parsed once (core/goduration.py): lint (RL143) and simulate must read every pause duration
the same way, and both must read it as the controller does (`RolloutPause.DurationSeconds`: a plain number is
seconds, else Go's `time.ParseDuration`, truncated to int32 seconds; anything invalid or out of range is -1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolloutlint import pipeline
from rolloutlint.core import goduration
from rolloutlint.simulate.steps import pause_duration_seconds as simulate_seconds
from rolloutlint.views.rollout import pause_duration_seconds as lint_seconds

MAX_NS = (1 << 63) - 1

# (text, Go's nanoseconds or None for a Go error)
GO_CASES = [
    ("0", 0), ("-0", 0), ("+0", 0), ("1.5h", 5_400_000_000_000), ("-1s", -1_000_000_000),
    ("1h2m3s4ms5us6ns", 3_723_004_005_006), (".5s", 500_000_000), ("5.s", 5_000_000_000),
    ("1µs", 1_000), ("1μs", 1_000), ("1us", 1_000), ("2562047h47m16.854775807s", MAX_NS),
    ("2562047h47m16.854775808s", None), ("9223372036854775807ns", MAX_NS), ("9223372036854775808ns", None),
    ("-9223372036854775808ns", -(1 << 63)), ("1000000h", 3_600_000_000_000_000_000),
    ("", None), ("5", None), ("1d", None), ("1 h", None), (".s", None), ("1h-5m", None), ("s", None),
]


@pytest.mark.parametrize(("text", "ns"), GO_CASES)
def test_go_duration_grammar_and_range(text: str, ns: int | None) -> None:
    if ns is None:
        with pytest.raises(goduration.GoDurationError):
            goduration.parse_ns(text)
    else:
        assert goduration.parse_ns(text) == ns


def test_go_error_texts() -> None:
    assert goduration.error("5") == 'time: missing unit in duration "5"'
    assert goduration.error("1d") == 'time: unknown unit "d" in duration "1d"'
    assert goduration.error("2562047h47m16.854775808s") == 'time: invalid duration "2562047h47m16.854775808s"'


# (pause.duration as written, the controller's DurationSeconds)
PAUSE_CASES = [
    (30, 30), ("30", 30), ("30s", 30), ("1.9s", 1), ("-5", -5), ("1h", 3600), ("0", 0), ("2147483647", 2**31 - 1),
    ("2147483648", -1), ("596523h14m7s", 2**31 - 1), ("596523h14m8s", -1), ("1000000h", -1), ("1d", -1),
    ("5min", -1), ("", -1), (2**31, -1),
]


@pytest.mark.parametrize(("value", "seconds"), PAUSE_CASES)
def test_lint_and_simulate_read_pause_durations_alike(value: object, seconds: int) -> None:
    assert simulate_seconds(value) == seconds
    lint = lint_seconds(value)
    assert (-1 if lint is None else lint) == seconds


def _rollout(duration: str) -> str:
    return f"""apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {{name: r, namespace: ns}}
spec:
  selector: {{matchLabels: {{app: r}}}}
  template:
    metadata: {{labels: {{app: r}}}}
    spec: {{containers: [{{name: r, image: r:1}}]}}
  strategy:
    canary:
      steps:
        - setWeight: 50
        - pause: {{duration: {duration}}}
"""


@pytest.mark.parametrize(("duration", "valid"), [("1000000h", False), ("596523h14m7s", True), ("2m", True)])
def test_lint_and_simulate_agree_on_a_whole_rollout(tmp_path: Path, duration: str, valid: bool) -> None:
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    (tmp_path / "r.yaml").write_text(_rollout(duration))
    project = pipeline.load_project(["."], cwd=tmp_path)
    rl143 = [f for f in pipeline.lint_project(project).findings if f.rule == "RL143"]
    from rolloutlint.plan.simulation import simulate_project

    (result,) = simulate_project(project)
    problems = " ".join(result["problems"])
    assert (rl143 == []) == valid
    assert ("pause" in problems.lower() and "duration" in problems.lower()) != valid, problems
    if not valid:  # the message says why: the range, not a missing unit
        assert "int32" in rl143[0].message and "unit" not in rl143[0].message
