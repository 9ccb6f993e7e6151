"""The JSON reporter's own indented writer spells exactly what `json.dumps(indent=2)` spells."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from rolloutlint.report.json_out import dumps_indented

CASES: list[Any] = [
    {}, [], "", 0, None, True, {"a": []}, {"a": {}}, [[]], [{}],
    [None, True, False, 0, -5, 10**30, "é\u2028\x00\"\\\n\t/<>", "\U0001f600"],
    {"k": {"x": [1, {"y": None, "z": [[], {}]}]}, "": "empty key", "ü": "ä"},
]


def _random(rng: random.Random, depth: int) -> Any:
    pick = rng.randrange(8 if depth < 4 else 5)
    if pick == 0:
        return rng.choice([None, True, False])
    if pick == 1:
        return rng.randint(-10**6, 10**6)
    if pick in (2, 3, 4):
        return "".join(chr(rng.choice([rng.randrange(32, 127), rng.randrange(0, 0x3000)])) for _ in range(rng.randrange(6)))
    if pick in (5, 6):
        return {str(rng.random()): _random(rng, depth + 1) for _ in range(rng.randrange(4))}
    return [_random(rng, depth + 1) for _ in range(rng.randrange(4))]


@pytest.mark.parametrize("value", CASES)
def test_same_text_as_json(value: Any) -> None:
    assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_random_values() -> None:
    rng = random.Random(20)
    for _ in range(500):
        value = _random(rng, 0)
        assert dumps_indented(value) == json.dumps(value, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("value", [1.5, {1: 2}, (1,), {"a": float("nan")}, [object()]])
def test_refuses_what_it_does_not_spell(value: Any) -> None:
    with pytest.raises(TypeError):
        dumps_indented(value)


def test_report_is_json_dumps_of_the_document(tmp_path: Any) -> None:
    from rolloutlint.api import lint_paths
    from rolloutlint.report import ReportOptions
    from rolloutlint.report.json_out import finding_dict, render

    (tmp_path / "r.yaml").write_text("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\n"
                                     "spec:\n  replicas: 'x'\n  bogus: 1\n")
    result = lint_paths(["."], cwd=tmp_path)
    assert len(result.findings) >= 2
    for findings, summary in ((result.findings, result.summary), ([], result.summary),
                              (result.findings, {"files": 1, "engines": {"helm": {"v": 1}, "x": []}}),
                              (result.findings, {"files": 1, "ratio": 0.5, "nested": {"f": [1.25]}})):
        doc = {"version": 1, "findings": [finding_dict(f) for f in findings], "summary": summary}
        assert render(findings, summary, ReportOptions()) == json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def test_leaves_nothing_behind_with_the_collector_off() -> None:
    """The lint runs with gc disabled: a writer in a reference cycle would keep every call's pieces."""
    import gc

    value = {"a": [1, "x", {"b": None}], "c": {}}
    enabled = gc.isenabled()
    gc.disable()
    try:
        before = len(gc.get_objects())
        for _ in range(200):
            dumps_indented(value)
        assert len(gc.get_objects()) - before < 50
    finally:
        if enabled:
            gc.enable()


def test_report_comes_in_pieces_one_per_finding(tmp_path: Any) -> None:
    """What the CLI writes as it goes: the same text as the whole report, never held whole."""
    from rolloutlint.api import lint_paths
    from rolloutlint.report import ReportOptions
    from rolloutlint.report.json_out import chunks, render

    (tmp_path / "r.yaml").write_text("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\n"
                                     "spec:\n  replicas: 'x'\n  bogus: 1\n")
    result = lint_paths(["."], cwd=tmp_path)
    pieces = list(chunks(result.findings, result.summary, ReportOptions()))
    assert len(pieces) == len(result.findings) + 3
    assert "".join(pieces) == render(result.findings, result.summary, ReportOptions())
