"""Time the whole lint against the libyaml compose floor, per repository shape and size, in one run.

    python benchmarks/run.py [--shapes clean,tsb,findings,rendered] [--scales 1,10] [--apps 2000]
                             [--repeat 3] [--before SRC] [--no-one-file]

For every shape (see generate_corpus.py) and scale (1 = 2,000 apps, 10 = 20,000) it generates the corpus,
then in each round times, back to back:

- the floor: read every file and run PyYAML + libyaml ``compose_all`` on it (one process);
- the whole lint through the CLI as users run it (``python -m rolloutlint lint -f json .``), with its
  CPU time (user + sys of the whole process tree, from ``wait4``) and its peak memory: the largest sum of
  RSS and of PSS over the process tree (the lint forks workers, which share pages copy-on-write: RSS counts
  shared pages once per process, PSS splits them), sampled every 10 ms from /proc;
- with ``--before SRC``, the same lint run from another source tree (``PYTHONPATH=SRC``, e.g. an export
  of the starting commit), in alternating order (ABBA...), so both versions see the same machine speed.

It prints medians (and minimums) of wall and CPU time, the median of the per-round lint/floor ratios, the
paired before/after ratio, peak memory, the CPU other processes used meanwhile (in cores; rounds where
another process competed for the cores are flagged: their times are not comparable) and, across scales,
the time growth and the memory growth per byte of YAML. Numbers go in docs/benchmarks.md, never in test
assertions.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate_corpus import SHAPES, generate


def yaml_files(root: Path) -> list[Path]:
    return [p for p in sorted(root.rglob("*.yaml")) if not p.name.startswith(".")]


def compose_floor(root: Path) -> float:
    import yaml

    t0 = time.perf_counter()
    for p in yaml_files(root):
        try:
            for _ in yaml.compose_all(p.read_bytes().decode("utf-8"), Loader=yaml.CSafeLoader):
                pass
        except yaml.YAMLError:
            pass  # Helm templates are not YAML; the lint reports them, the floor skips the rest of the file
    return time.perf_counter() - t0


def _busy() -> float | None:
    """CPU seconds every process on the machine has used since boot (/proc/stat); None off Linux."""
    try:
        with open("/proc/stat") as fh:
            fields = [int(x) for x in fh.readline().split()[1:9]]  # user nice system idle iowait irq softirq steal
    except (OSError, ValueError):
        return None
    return (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def _own() -> float:
    """CPU seconds of this process and every child it has waited for (the lints and their workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out.extend(int(c) for c in fh.read().split())
    except OSError:
        pass
    return out


def _memory(pid: int) -> tuple[int, int]:
    """(RSS, PSS) in bytes of one process, from smaps_rollup; (0, 0) once it is gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss, pss


class TreeMemory(threading.Thread):
    """Samples the summed RSS and PSS of a process and all its descendants until stopped."""

    def __init__(self, pid: int, interval: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            todo, rss, pss = [self.pid], 0, 0
            while todo:
                p = todo.pop()
                r, s = _memory(p)
                rss, pss = rss + r, pss + s
                todo.extend(_children(p))
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


@dataclass
class Run:
    wall: float
    cpu: float
    peak_rss: int
    peak_pss: int
    documents: int
    findings: int


def whole_lint(root: Path, src: Path | None = None) -> Run:
    """The CLI as users run it (start-up included), JSON out so the corpus size can be checked."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "rolloutlint", "lint", "-f", "json", "."], cwd=root,
                                stdout=out, stderr=subprocess.DEVNULL, env=env)
        mem = TreeMemory(proc.pid)
        mem.start()
        # wait4 reports the child's rusage including its waited-for descendants (the lint's workers).
        _, _, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = 0
        mem.stop()
        out.seek(0)
        doc = json.loads(out.read())
    return Run(wall, usage.ru_utime + usage.ru_stime, mem.peak_rss, mem.peak_pss,
               doc["summary"]["documents"], len(doc["findings"]))


def compile_sources(before: Path | None) -> None:
    """Write the bytecode caches of both versions first, as any installed copy has them: with
    PYTHONDONTWRITEBYTECODE set (or an unwritable tree) every lint would otherwise compile ~130 modules
    again (~0.3 s of CPU)."""
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("rolloutlint")
    trees = [Path(spec.origin).parent] if spec is not None and spec.origin else []
    if before is not None:
        trees.append(before / "rolloutlint")
    for tree in trees:
        compileall.compile_dir(str(tree), quiet=1)


def one_file(root: Path, src: Path | None = None) -> float:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    target = next(iter(sorted(root.rglob("app-*.yaml"))))
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "rolloutlint", "lint", str(target)], cwd=root, capture_output=True,
                   check=False, env=env)
    return time.perf_counter() - t0


@dataclass
class Result:
    shape: str
    scale: int
    files: int
    yaml_bytes: int
    floors: list[float] = field(default_factory=list)
    after: list[Run] = field(default_factory=list)
    before: list[Run] = field(default_factory=list)
    ones: list[float] = field(default_factory=list)
    others: list[float] = field(default_factory=list)  # per round: cores other processes kept busy


def _mb(n: float) -> str:
    return f"{n / 1e6:.0f} MB"


def report(r: Result) -> None:
    med = statistics.median
    a = r.after
    print(f"\n== {r.shape} x{r.scale}: {r.files} files, {r.yaml_bytes / 1e6:.1f} MB of YAML, "
          f"{a[0].documents} documents, {a[0].findings} findings, {len(a)} rounds")
    print(f"  floor (libyaml compose):  median {med(r.floors):.3f} s  min {min(r.floors):.3f} s")
    for label, runs in (("lint", a), ("lint before", r.before)):
        if not runs:
            continue
        ratio = med(x.wall / f for x, f in zip(runs, r.floors))
        print(f"  {label + ':':25} median {med(x.wall for x in runs):.3f} s  min {min(x.wall for x in runs):.3f} s  "
              f"({ratio:.2f}x the floor, median per round)  cpu median {med(x.cpu for x in runs):.2f} s  "
              f"peak RSS {_mb(max(x.peak_rss for x in runs))}  PSS {_mb(max(x.peak_pss for x in runs))}")
    if r.before:
        print(f"  after/before (paired, median): wall {med(x.wall / y.wall for x, y in zip(a, r.before)):.3f}  "
              f"cpu {med(x.cpu / y.cpu for x, y in zip(a, r.before)):.3f}")
        if (a[0].documents, a[0].findings) != (r.before[0].documents, r.before[0].findings):
            print(f"  NOTE: before reports {r.before[0].documents} documents, {r.before[0].findings} findings")
    if r.ones:
        print(f"  one-file lint (CLI):      median {med(r.ones) * 1000:.0f} ms")
    if r.others:
        busy = max(r.others)
        note = "  CONTENDED: another process competed for the cores; times are not comparable" if busy > 0.15 else ""
        print(f"  other processes' CPU:     up to {busy:.2f} cores on average in a round{note}")


def growth(small: Result, big: Result) -> None:
    med = statistics.median
    for label, pick in (("lint", lambda r: r.after), ("lint before", lambda r: r.before)):
        s, b = pick(small), pick(big)
        if not s or not b:
            continue
        wall = med(x.wall for x in b) / med(x.wall for x in s)
        cpu = med(x.cpu for x in b) / med(x.cpu for x in s)
        dbytes = big.yaml_bytes - small.yaml_bytes
        rss = (max(x.peak_rss for x in b) - max(x.peak_rss for x in s)) / dbytes
        pss = (max(x.peak_pss for x in b) - max(x.peak_pss for x in s)) / dbytes
        print(f"  {small.shape} x{big.scale}/x{small.scale} {label}: wall {wall:.2f}x, cpu {cpu:.2f}x, "
              f"floor {med(big.floors) / med(small.floors):.2f}x; memory growth {rss:.1f} bytes (RSS) / "
              f"{pss:.1f} bytes (PSS) per byte of YAML")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shapes", default="clean,tsb,findings,rendered")
    ap.add_argument("--scales", default="1,10")
    ap.add_argument("--apps", type=int, default=2000, help="apps at scale 1")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--before", type=Path, help="source tree of the version to compare with (interleaved)")
    ap.add_argument("--no-one-file", action="store_true")
    args = ap.parse_args()
    shapes = [s for s in args.shapes.split(",") if s]
    for s in shapes:
        if s not in SHAPES:
            ap.error(f"unknown shape {s!r}; one of {', '.join(SHAPES)}")
    scales = [int(s) for s in args.scales.split(",") if s]
    before = args.before.resolve() if args.before else None
    compile_sources(before)
    results: list[Result] = []
    with tempfile.TemporaryDirectory() as tmp:
        for shape in shapes:
            for scale in scales:
                root = Path(tmp) / f"{shape}-{scale}"
                files = generate(root, args.apps * scale, shape)
                r = Result(shape, scale, files, sum(p.stat().st_size for p in yaml_files(root)))
                for i in range(args.repeat):
                    # Another process on the cores slows the lint (two processes) more than the floor (one):
                    # each round measures what the rest of the machine used meanwhile.
                    busy0, own0, t0 = _busy(), _own(), time.perf_counter()
                    r.floors.append(compose_floor(root))
                    # ABBA: alternate which version goes first, so neither always follows the floor.
                    order: list[Path | None] = [None] if before is None else [None, before] if i % 2 == 0 else [before, None]
                    for src in order:
                        (r.before if src is not None else r.after).append(whole_lint(root, src))
                    if scale == 1 and not args.no_one_file and shape != "rendered":
                        r.ones.append(one_file(root))
                    busy1 = _busy()
                    if busy0 is not None and busy1 is not None:
                        r.others.append(max(0.0, busy1 - busy0 - (_own() - own0)) / (time.perf_counter() - t0))
                report(r)
                results.append(r)
                sys.stdout.flush()
                import shutil

                shutil.rmtree(root)
    print()
    for shape in shapes:
        rs = sorted((r for r in results if r.shape == shape), key=lambda r: r.scale)
        for small, big in itertools.pairwise(rs):
            growth(small, big)


if __name__ == "__main__":
    main()
