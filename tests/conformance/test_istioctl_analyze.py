"""Conformance with `istioctl analyze`: the RL2xx Istio rules against Istio's own analyzer fixtures.

Data: /work/shared/upstream/istio/analyzer-testdata/ (fixtures + expected.json transcribed from Istio's
`analyzers_test.go`). Each Istio test case runs ONE analyzer over its input files; here every case's input
files are copied into a fresh directory (so fixtures never see each other) and linted with the RL2 rules.

Measured: recall of the expected (kind, namespace, name) origins, per IST code, counting an origin as found
when any RL2 rule reports on that object at warning severity or above. Asserted: overall recall ≥ 0.90 over
the codes below, and no RL2 *error* on any fixture whose Istio case expects no message at all.

Every expected message of the codes below is measured, each (case, object) once: IST0101 on
VirtualServices (host, mirror host, host:port, host+subset, gateway), Gateways (`selector`, RL219) and
Sidecars (`workloadSelector`, RL220), and IST0123 (NamespaceMultipleInjectionLabels) through the revision
rule RL504. Measured 59/59 expected messages (58 distinct (case, object) origins).
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

import pytest

from rolloutlint.api import lint_paths
from rolloutlint.core.findings import Severity

ROOT = Path(__file__).resolve().parents[2]  # the repository
SHARED = ROOT.parent / "shared"
DATA = SHARED / "upstream" / "istio" / "analyzer-testdata"

# IST code -> the rolloutlint rules that mirror it
CODE_TO_RULES: dict[str, tuple[str, ...]] = {
    "IST0101": ("RL200", "RL201", "RL207", "RL219", "RL220"),  # VS host(+subset/port) / gateway; Gateway/Sidecar selector
    "IST0109": ("RL204",),
    "IST0131": ("RL206",),
    "IST0132": ("RL208", "RL207"),  # istioctl also emits IST0132 for a missing gateway; RL207 covers that
    "IST0140": ("RL209",),
    "IST0123": ("RL504",),
}
EXCLUDED: dict[str, str] = {}
MIN_RECALL = 1.0

pytestmark = pytest.mark.skipif(not (DATA / "expected.json").is_file(), reason="shared upstream data not available")


def _cases() -> list[dict]:
    return json.loads((DATA / "expected.json").read_text(encoding="utf-8"))["cases"]


def _lint_case(case: dict, tmp: Path) -> list:
    work = tmp / f"case{case['id']}"
    work.mkdir()
    for rel in case["inputFiles"]:
        dst = work / rel.replace("/", "__")
        shutil.copy(DATA / rel, dst)
    (work / ".rolloutlint.yaml").write_text("{}\n")
    return lint_paths([str(work)], cwd=work, select=["RL2", "RL504"]).findings


def _measured(entry: dict) -> bool:
    return entry["code"] in CODE_TO_RULES


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("istio")
    out = {}
    for case in _cases():
        out[case["id"]] = (case, _lint_case(case, tmp))
    return out


def _flagged(findings: list, rules: tuple[str, ...]) -> set[tuple[str, str | None, str | None]]:
    return {(f.resource.kind, f.resource.namespace, f.resource.name) for f in findings
            if f.resource is not None and f.rule in rules and f.severity >= Severity.WARNING and f.suppressed is None}


def test_recall_per_code(results: dict, record_property) -> None:  # type: ignore[no-untyped-def]
    hit: dict[str, set] = defaultdict(set)
    want: dict[str, set] = defaultdict(set)
    missed: list[str] = []
    for case, findings in results.values():
        for e in case["expected"]:
            if not _measured(e):
                continue
            key = (e["kind"], e["namespace"], e["name"])
            want[e["code"]].add((case["id"], key))
            if key in _flagged(findings, CODE_TO_RULES[e["code"]]):
                hit[e["code"]].add((case["id"], key))
            else:
                missed.append(f"{e['code']} case {case['id']} {key}")
    lines = []
    for code in sorted(want):
        r = len(hit[code]) / len(want[code])
        lines.append(f"{code}: {len(hit[code])}/{len(want[code])} = {r:.2f}")
        record_property(f"recall_{code}", round(r, 3))
    total_hit = sum(len(v) for v in hit.values())
    total = sum(len(v) for v in want.values())
    overall = total_hit / total
    record_property("recall_overall", round(overall, 3))
    print("\nistioctl analyze conformance (recall of expected origins):\n  " + "\n  ".join(lines)
          + f"\n  overall: {total_hit}/{total} = {overall:.2f}\n  excluded: {EXCLUDED}")
    if missed:
        print("  missed:\n    " + "\n    ".join(missed))
    assert set(want) == set(CODE_TO_RULES), f"codes without fixtures: {set(CODE_TO_RULES) - set(want)}"
    assert overall >= MIN_RECALL, f"recall {overall:.2f} < {MIN_RECALL}; missed: {missed}"


def test_clean_fixtures_have_no_errors(results: dict) -> None:
    bad = []
    for case, findings in results.values():
        if case["expected"]:
            continue
        for f in findings:
            if f.severity >= Severity.ERROR and f.suppressed is None:
                bad.append(f"case {case['id']} ({case['name']}): {f.location.file}:{f.location.line} {f.rule} {f.message}")
    assert not bad, "\n".join(bad)


def test_mirrored_codes_are_declared() -> None:
    from rolloutlint.run.registry import get_rule

    for rules in CODE_TO_RULES.values():
        for rid in rules:
            rule = get_rule(rid)
            assert rule is not None, rid
    for code in ("IST0101", "IST0109", "IST0131", "IST0132", "IST0140", "IST0123"):
        assert any(code in (get_rule(r).mirrors or "") for r in CODE_TO_RULES[code]), code  # type: ignore[union-attr]


def test_no_error_on_objects_istio_does_not_flag(results: dict) -> None:
    """An RL2 error on an object for which the case expects no message at all is a false error (e.g. the
    internal gateway reference Istio only warns about, IST0165). Each Istio case runs one analyzer, so only
    the reference rules (IST0101's) are held to the case's expectations."""
    reference_rules = {"RL200", "RL201", "RL207", "RL219", "RL220"}
    bad = []
    for case, findings in results.values():
        flagged = {(e["kind"], e["namespace"], e["name"]) for e in case["expected"]}
        for f in findings:
            if f.resource is None or f.severity < Severity.ERROR or f.suppressed is not None or f.rule not in reference_rules:
                continue
            if (f.resource.kind, f.resource.namespace, f.resource.name) not in flagged and case["analyzer"].startswith(
                    ("virtualservice.", "gateway.", "sidecar.")):
                bad.append(f"case {case['id']} ({case['name']}): {f.rule} on {f.resource.kind} {f.resource.name}: {f.message}")
    assert not bad, "\n".join(bad)
