"""Before a release: mutation-fuzz the example and rule-fixture manifests (tests/fuzzing.py) at length.

    python scripts/fuzz.py --cases 3000 --seed 1

Prints progress, then a summary line; exit status 1 if any case failed (each failure is printed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fuzzing import Outcome, fuzz


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=8, help="mutated files per linted repository")
    parser.add_argument("--keep", type=Path, default=None, help="copy each failing batch into this directory")
    args = parser.parse_args()
    start = time.monotonic()
    shown = [0]

    def progress(outcome: Outcome) -> None:
        for failure in outcome.failures[shown[0]:]:
            print(f"FAIL: {failure}", flush=True)
        shown[0] = len(outcome.failures)
        if outcome.cases % 200 < args.batch:
            print(f"{outcome.cases} cases, {outcome.runs} runs, {len(outcome.failures)} failures, "
                  f"{time.monotonic() - start:.0f} s", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        outcome = fuzz(args.cases, args.seed, Path(tmp), args.batch, progress, args.keep)
    print(f"fuzz: {outcome.cases} cases, {outcome.runs} runs of lint/simulate/--fix, {len(outcome.failures)} "
          f"failures, seed {args.seed}, {time.monotonic() - start:.0f} s")
    return 1 if outcome.failures else 0


if __name__ == "__main__":
    sys.exit(main())
