"""Mutation fuzzing of real manifests: shared by tests/test_fuzz.py (a few seconds) and scripts/fuzz.py
(thousands of cases, before a release).

A case is one mutated copy of an example or rule-fixture manifest. Cases are linted in batches (one
repository of several mutated files), in-process, through the CLI:

- `lint -f json` and `simulate -f json`: exit 0 or 1, valid JSON, never an internal error;
- `lint --fix`: exit 0 or 1; per file, no error finding it did not have before (counted per rule; a
  rename of a misspelt field may reveal what the field was hiding), no comment text gone; a second `--fix`
  changes nothing (idempotent); no temp file left.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HUGE = ["9" * 5000, "0x" + "f" * 4000, ":".join(["59"] * 200) + ".5", "1" + "0" * 400, "-" + "9" * 4400]
SCALARS = ["yes", "no", "~", "null", "0777", "0x1F", "1e3", "1.0e+3", ".inf", "-.nan", '"3"', "'x'", "[]", "{}",
           "-1", "3", "true", "2001-12-14", "1:30", "!!bool maybe", '!!int ""', '!!float ""', "!!binary aGk=",
           "!!str 3", "!foo bar", "|\n  block", ">-\n  folded", *HUGE]
REVEALING = ("RL010", "RL215")  # fixes that make a field or reference take effect
FLIP_CHARS = list(":-# \n\t'\"{}[],&*!?|>%@`\\") + ["\x00", "\r", "\u2028", "\ufeff", "é"]


def seeds() -> list[Path]:
    """Every example and rule-fixture manifest, in a stable order."""
    out = sorted((ROOT / "examples").rglob("*.yaml")) + sorted((ROOT / "rules").rglob("*.yaml"))
    return [p for p in out if p.is_file()]


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True) or [""]


def flip(text: str, rng: random.Random) -> str:
    if not text:
        return rng.choice(FLIP_CHARS)
    i = rng.randrange(len(text))
    return text[:i] + rng.choice(FLIP_CHARS) + text[i + 1:]


def reindent(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    if rng.random() < 0.5:
        lines[i] = " " * rng.choice([1, 2, 4]) + lines[i]
    else:
        lines[i] = lines[i][min(len(lines[i]) - len(lines[i].lstrip(" ")), rng.choice([1, 2])):]
    return "".join(lines)


_VALUE = re.compile(r"^(\s*(?:- )?[\w.\-/]+: )(\S.*)$", re.MULTILINE)


def swap_type(text: str, rng: random.Random) -> str:
    matches = list(_VALUE.finditer(text))
    if not matches:
        return flip(text, rng)
    m = rng.choice(matches)
    return text[:m.start(2)] + rng.choice(SCALARS) + text[m.end(2):]


def tag(text: str, rng: random.Random) -> str:
    matches = list(_VALUE.finditer(text))
    if not matches:
        return flip(text, rng)
    m = rng.choice(matches)
    return text[:m.start(2)] + rng.choice(["!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!map ", "!x "]) + text[m.start(2):]


def anchor(text: str, rng: random.Random) -> str:
    matches = list(_VALUE.finditer(text))
    if len(matches) < 2:
        return flip(text, rng)
    a, b = sorted(rng.sample(matches, 2), key=lambda m: m.start())
    return text[:a.start(2)] + "&a " + text[a.start(2):b.start(2)] + "*a" + text[b.end(2):]


def duplicate_line(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    lines.insert(i, lines[i] if lines[i].endswith("\n") else lines[i] + "\n")
    return "".join(lines)


def delete_line(text: str, rng: random.Random) -> str:
    lines = _lines(text)
    del lines[rng.randrange(len(lines))]
    return "".join(lines)


def huge(text: str, rng: random.Random) -> str:
    matches = list(_VALUE.finditer(text))
    if not matches:
        return text + f"\nx: {rng.choice(HUGE)}\n"
    m = rng.choice(matches)
    return text[:m.start(2)] + rng.choice(HUGE) + text[m.end(2):]


MUTATORS: list[Callable[[str, random.Random], str]] = [flip, reindent, swap_type, tag, anchor, duplicate_line,
                                                        delete_line, huge]


def mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.choice([1, 1, 2, 3])):
        text = rng.choice(MUTATORS)(text, rng)
    return text


_COMMENT = re.compile(r"(?:^|\s)(#.*)$")


def comments(text: str) -> Counter[str]:
    out: Counter[str] = Counter()
    for line in text.splitlines():
        m = _COMMENT.search(line)
        if m:
            out[m.group(1).rstrip()] += 1
    return out


def _eol_comments_of_deleted_lines(old: str, new: str) -> set[str]:
    import difflib

    a, b = old.splitlines(), new.splitlines()
    out: set[str] = set()
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("delete", "replace"):
            for line in a[i1:i2]:
                m = _COMMENT.search(line)
                if m and line.strip() != m.group(1).strip() and tag == "delete":
                    out.add(m.group(1).rstrip())
    return out


@dataclass
class Outcome:
    cases: int = 0
    runs: int = 0
    failures: list[str] = field(default_factory=list)
    keep: Path | None = None  # copy each failing batch here


def _run(args: list[str], cwd: Path) -> tuple[int, str, str]:
    from tests.cli_run import run

    return run(args, cwd)


def _errors_by_file(out: str) -> dict[str, Counter[str]]:
    by: dict[str, Counter[str]] = {}
    for f in json.loads(out)["findings"]:
        # Errors by rule; the revealing rules (often warnings) by their own ids, to see they were fixed.
        if f["severity"] == "error":
            by.setdefault(f["file"], Counter())[f["rule"]] += 1
        if f["rule"] in REVEALING:
            by.setdefault(f["file"], Counter())["fixed?" + f["rule"]] += 1
    return by


def check_batch(workdir: Path, files: dict[str, str], outcome: Outcome) -> None:
    """Write `files` (name -> text) into a fresh repository under `workdir` and check every invariant."""
    repo = workdir / "repo"
    if repo.exists():
        shutil.rmtree(repo)
    repo.mkdir(parents=True)
    (repo / ".rolloutlint.yaml").write_text("{}\n")
    for name, text in files.items():
        (repo / name).write_bytes(text.encode("utf-8", "surrogatepass"))
    outcome.cases += len(files)

    def fail(what: str) -> None:
        outcome.failures.append(f"{what} [files: {', '.join(files)}]")
        if outcome.keep is not None:  # the batch as it was, to reproduce with `rolloutlint lint --fix`
            kept = outcome.keep / str(len(outcome.failures))
            kept.mkdir(parents=True, exist_ok=True)
            for name, text in files.items():
                (kept / name).write_bytes(text.encode("utf-8", "surrogatepass"))

    code, out, err = _run(["lint", "-f", "json", "."], repo)
    outcome.runs += 1
    if code not in (0, 1):
        fail(f"lint exit {code}: {err.strip()[:300]}")
        return
    try:
        before = _errors_by_file(out)
    except ValueError as exc:
        fail(f"lint JSON invalid: {exc}")
        return
    code, out, err = _run(["simulate", "-f", "json", "."], repo)
    outcome.runs += 1
    if code not in (0, 1):
        fail(f"simulate exit {code}: {err.strip()[:300]}")
    else:
        try:
            json.loads(out)
        except ValueError as exc:
            fail(f"simulate JSON invalid: {exc}")
    originals = {name: (repo / name).read_bytes() for name in files}
    code, out, err = _run(["lint", "--fix", "-f", "json", "."], repo)
    outcome.runs += 1
    if code not in (0, 1):
        fail(f"--fix exit {code}: {err.strip()[:300]}")
        return
    after = _errors_by_file(out)
    # Renaming a misspelt field (RL010) or completing a host name (RL215) makes it take effect, which can
    # reveal what it was hiding, in that file or another one (a `previewService` that names no Service,
    # two VirtualServices now claiming one host): the one way a fix may bring a new error to light.
    revealing = any(after.get(n, Counter())["fixed?" + r] < before.get(n, Counter())["fixed?" + r]
                    for n in files for r in REVEALING)
    for name in files:
        new = (repo / name).read_bytes()
        if new == originals[name]:
            continue
        was, now = before.get(name, Counter()), after.get(name, Counter())
        added = Counter({r: n for r, n in (now - was).items() if not r.startswith("fixed?")})
        if added and not revealing:
            fail(f"--fix added error findings to {name}: {dict(added)}")
        # A comment is lost when its text is gone from the file. A fix that deletes a line (a repeated
        # key, a duplicate list item) deletes the comment at the end of that line with it, by design
        # (tests/test_fixer.py::test_comments_around_edits); full-line comments are never deleted.
        old_text, new_text = originals[name].decode("utf-8", "replace"), new.decode("utf-8", "replace")
        lost = set(comments(old_text)) - set(comments(new_text)) - _eol_comments_of_deleted_lines(old_text, new_text)
        if lost:
            fail(f"--fix lost comments in {name}: {list(lost)[:3]}")
    fixed = {name: (repo / name).read_bytes() for name in files}
    code, _, err = _run(["lint", "--fix", "."], repo)
    outcome.runs += 1
    if code not in (0, 1):
        fail(f"second --fix exit {code}: {err.strip()[:300]}")
    for name in files:
        if (repo / name).read_bytes() != fixed[name]:
            fail(f"--fix is not idempotent on {name}")
    leftovers = [p.name for p in repo.iterdir() if p.name.endswith(".rolloutlint-tmp")]
    if leftovers:
        fail(f"temp files left: {leftovers}")


def make_batch(rng: random.Random, pool: list[Path], size: int) -> dict[str, str]:
    out = {}
    for i in range(size):
        seed = rng.choice(pool)
        text = seed.read_text(encoding="utf-8")
        out[f"case{i}-{seed.parent.name}-{seed.name}"] = mutate(text, rng)
    return out


def fuzz(cases: int, seed: int, workdir: Path, batch: int = 8,
         progress: Callable[[Outcome], None] | None = None, keep: Path | None = None) -> Outcome:
    import gc

    rng = random.Random(seed)
    pool = seeds()
    outcome = Outcome(keep=keep)
    while outcome.cases < cases:
        check_batch(workdir, make_batch(rng, pool, min(batch, cases - outcome.cases)), outcome)
        gc.enable()  # the CLI disables collection for its short-lived process; this one lives on
        gc.collect()
        if progress is not None:
            progress(outcome)
    return outcome


__all__ = ["Outcome", "check_batch", "fuzz", "make_batch", "mutate", "seeds"]
