"""Time the whole lint against the libyaml compose floor on the same files, in the same run.

    python benchmarks/run.py [--apps 2000] [--repeat 3]

Prints the floor (read + libyaml `compose_all` of every file), the whole lint in-process (load, index,
schemas, every rule), the ratio, and the one-file lint wall time through the CLI (start-up included).
Numbers go in docs/benchmarks.md, never in test assertions.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_corpus import generate


def compose_floor(root: Path) -> float:
    import yaml

    t0 = time.perf_counter()
    for p in sorted(root.rglob("*.yaml")):
        if p.name.startswith("."):
            continue
        for _ in yaml.compose_all(p.read_bytes().decode("utf-8"), Loader=yaml.CSafeLoader):
            pass
    return time.perf_counter() - t0


def whole_lint(root: Path) -> tuple[float, int, int]:
    """The CLI as users run it (start-up included), JSON out so the corpus size can be checked."""
    import json

    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "rolloutlint", "lint", "-f", "json", "."], cwd=root,
                          capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t0
    doc = json.loads(proc.stdout)
    return elapsed, doc["summary"]["documents"], len(doc["findings"])


def one_file(root: Path) -> float:
    target = next(iter(sorted(root.rglob("app-*.yaml"))))
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rolloutlint", "lint", str(target)], cwd=root, capture_output=True, check=False)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--apps", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "corpus"
        files = generate(root, args.apps)
        floors, lints, ones = [], [], []
        docs = findings = 0
        for _ in range(args.repeat):
            floors.append(compose_floor(root))
            t, docs, findings = whole_lint(root)
            lints.append(t)
            ones.append(one_file(root))
        floor, lint, one = min(floors), min(lints), statistics.median(ones)
        # Each round times the floor and the lint back to back: their ratio is robust to the machine's
        # speed drifting between rounds (shared hosts), which the two minimums alone are not.
        paired = statistics.median(t / f for t, f in zip(lints, floors))
        print(f"corpus: {args.apps} apps, {files} files, {docs} documents, {findings} findings")
        print(f"libyaml compose floor: {floor:.3f} s")
        print(f"whole lint (CLI):      {lint:.3f} s  ({lint / floor:.2f}x the floor; median of per-round ratios {paired:.2f}x)")
        print(f"one-file lint (CLI):   {one * 1000:.0f} ms")


if __name__ == "__main__":
    main()
