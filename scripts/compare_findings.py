"""Snapshot `lint --format json` and `simulate --format json` over the fixtures, or compare with a snapshot.

    python scripts/compare_findings.py record  /tmp/before   # before a refactor
    python scripts/compare_findings.py compare /tmp/before   # after it: exit 1 on any difference

Targets: ../shared/upstream (whole, each top-level directory, each corpus repository), examples/ (whole
and each directory) and every rules/<id>-<name>/ example folder. Each target is copied to a fixed scratch
directory and linted as its own project from there (a rules folder's config.yaml becomes its
.rolloutlint.yaml), so displayed paths are the same on every run. The snapshot holds each command's
stdout byte for byte, with its exit code and stderr.
"""

from __future__ import annotations

import argparse
import difflib
import json
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
UPSTREAM = REPO.parent / "shared" / "upstream"
SCRATCH = Path("/tmp/rolloutlint-compare-scratch")
COMMANDS = {"lint": ["lint", "--format", "json", "."], "simulate": ["simulate", "--format", "json", "."]}


def targets(upstream: Path) -> dict[str, tuple[Path, Path | None]]:
    """name -> (source directory, config file to use as .rolloutlint.yaml or None)."""
    out: dict[str, tuple[Path, Path | None]] = {}
    if upstream.is_dir():
        out["upstream"] = (upstream, None)
        for child in sorted(p for p in upstream.iterdir() if p.is_dir()):
            out[f"upstream.{child.name}"] = (child, None)
        corpus = upstream / "corpus"
        if corpus.is_dir():
            for repo in sorted(p for p in corpus.iterdir() if p.is_dir()):
                out[f"upstream.corpus.{repo.name}"] = (repo, None)
    examples = REPO / "examples"
    out["examples"] = (examples, None)
    for child in sorted(p for p in examples.iterdir() if p.is_dir()):
        out[f"examples.{child.name}"] = (child, None)
    for folder in sorted(p for p in (REPO / "rules").iterdir() if p.is_dir()):
        cfg = folder / "config.yaml"
        out[f"rules.{folder.name}"] = (folder, cfg if cfg.is_file() else None)
    return out


def run_target(name: str, src: Path, cfg: Path | None) -> dict[str, object]:
    work = SCRATCH / name
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(src, work, symlinks=True)
    if cfg is not None:
        shutil.copy(cfg, work / ".rolloutlint.yaml")
    elif not (work / ".rolloutlint.yaml").exists():
        (work / ".rolloutlint.yaml").write_text("{}\n")  # its own project root, never the repository's
    out: dict[str, object] = {}
    for cmd, args in COMMANDS.items():
        proc = subprocess.run([sys.executable, "-m", "rolloutlint", *args], cwd=work, capture_output=True,
                              text=True, check=False)
        out[cmd] = {"exit": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}
    return out


def snapshot(upstream: Path, jobs: int) -> dict[str, object]:
    found = targets(upstream)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = pool.map(lambda item: (item[0], run_target(item[0], *item[1])), found.items())
        return dict(results)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["record", "compare"])
    ap.add_argument("snapshot_dir", type=Path)
    ap.add_argument("--upstream", type=Path, default=UPSTREAM)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    snap = snapshot(args.upstream, args.jobs)
    path = args.snapshot_dir / "snapshot.json"
    if args.mode == "record":
        args.snapshot_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(snap, indent=1, sort_keys=True), encoding="utf-8")
        count = sum(len(json.loads(r["lint"]["stdout"] or '{"findings": []}')["findings"])  # type: ignore[index]
                    for r in snap.values())
        print(f"recorded {len(snap)} targets, {count} findings, in {path}")
        return 0
    before = json.loads(path.read_text(encoding="utf-8"))
    differ = 0
    for name in sorted(set(before) | set(snap)):
        if name not in before or name not in snap:
            print(f"{name}: only in {'the snapshot' if name in before else 'this run'}")
            differ += 1
            continue
        for cmd in COMMANDS:
            old, new = before[name][cmd], snap[name][cmd]  # type: ignore[index]
            if old == new:
                continue
            differ += 1
            print(f"== {name} {cmd}: exit {old['exit']} -> {new['exit']}")
            for field in ("stdout", "stderr"):
                if old[field] != new[field]:
                    sys.stdout.writelines(difflib.unified_diff(old[field].splitlines(True), new[field].splitlines(True),
                                                               f"before/{field}", f"after/{field}", n=2))
    print(f"{len(snap)} targets compared, {differ} difference(s)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
