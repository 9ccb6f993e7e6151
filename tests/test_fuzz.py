"""Hypothesis-driven mutation fuzzing of the example and rule-fixture manifests (see tests/fuzzing.py).

Bounded to a few dozen cases so the suite stays fast; `scripts/fuzz.py` runs thousands before a release.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzzing import Outcome, check_batch, make_batch, seeds

POOL = seeds()


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.integers(min_value=0, max_value=2**32 - 1))
def test_mutated_manifests_lint_simulate_and_fix_safely(seed: int) -> None:
    outcome = Outcome()
    with tempfile.TemporaryDirectory() as tmp:
        check_batch(Path(tmp), make_batch(random.Random(seed), POOL, 3), outcome)
    assert outcome.failures == []


def test_the_pool_is_the_shipped_manifests() -> None:
    assert len(POOL) > 100
    assert any("examples" in p.parts for p in POOL) and any("rules" in p.parts for p in POOL)
