"""Prove a change leaves the findings alone: lint each directory with this tree and with another source
tree (``PYTHONPATH=SRC``) and compare the JSON outputs byte for byte.

    python benchmarks/same_findings.py SRC DIR [DIR ...]

Exits 1 and prints the first differing lines when any output differs.
"""

from __future__ import annotations

import argparse
import difflib
import os
import subprocess
import sys
from pathlib import Path


def lint(directory: Path, src: Path | None) -> bytes:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    proc = subprocess.run([sys.executable, "-m", "rolloutlint", "lint", "-f", "json", "--fail-on", "never", "."],
                          cwd=directory, capture_output=True, env=env, check=False)
    if proc.returncode != 0:
        sys.exit(f"{directory}: exit {proc.returncode}: {proc.stderr.decode(errors='replace')[-2000:]}")
    return proc.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", type=Path, help="source tree of the other version")
    ap.add_argument("dirs", type=Path, nargs="+")
    args = ap.parse_args()
    differ = False
    for d in args.dirs:
        mine, theirs = lint(d, None), lint(d, args.src.resolve())
        same, count = mine == theirs, mine.count(b'"rule":')
        print(f"{d}: {len(mine)} bytes of JSON, {count} findings: {'identical' if same else 'DIFFERENT'}")
        if not same:
            differ = True
            diff = difflib.unified_diff(theirs.decode().splitlines(), mine.decode().splitlines(), "before", "after",
                                        lineterm="", n=1)
            for line in list(diff)[:40]:
                print("   ", line)
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
