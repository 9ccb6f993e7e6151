"""The cost of rendering deployment units: 50 kustomize overlays and 20 Helm charts, each an Argo CD
Application (benchmarks/generate_rendered.py), linted cold (every unit rendered), warm (every render from
the content cache) and raw (`--no-render`), through the CLI as users run it.

    python benchmarks/run_rendered.py [--repeat 3]

Numbers go in docs, never in test assertions.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_rendered import generate


def lint(root: Path, cache: Path, *extra: str) -> tuple[float, dict[str, object]]:
    env = {**os.environ, "ROLLOUTLINT_RENDER_CACHE": str(cache)}
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "rolloutlint", "lint", "-f", "json", *extra, "."], cwd=root, env=env,
                          capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t0
    return elapsed, json.loads(proc.stdout)["summary"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        generate(root)
        cold, warm, raw = [], [], []
        summary: dict[str, object] = {}
        for i in range(args.repeat):
            cache = Path(tmp) / f"cache-{i}"
            t, summary = lint(root, cache)
            cold.append(t)
            warm.append(lint(root, cache)[0])
            raw.append(lint(root, cache, "--no-render")[0])
        print(f"units: {summary.get('units')} ({summary.get('unitsNotRendered')} not rendered); engines: {summary.get('engines')}")
        for name, runs in (("cold (render every unit)", cold), ("warm (renders from cache)", warm), ("raw (--no-render)", raw)):
            print(f"{name:28} median {statistics.median(runs):.2f} s  (runs: {', '.join(f'{r:.2f}' for r in runs)})")


if __name__ == "__main__":
    main()
