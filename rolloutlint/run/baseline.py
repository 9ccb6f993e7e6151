"""Baselines: record today's findings once, then report only new ones (gradual adoption).

The file is JSON:

    {"version": 1, "tool": {"name": "rolloutlint", "version": "0.1.0"},
     "entries": [{"fingerprint": "…", "rule": "RL301", "file": "apps/reviews/rollout.yaml", "message": "…"}]}

Fingerprints leave line and column numbers out (rule, file, resource, path inside the resource, message),
so edits that move lines keep a recorded finding recorded. File paths are stored relative to the
directory holding the baseline file, so the baseline works from any working directory. A fingerprint
recorded N times absorbs at most N current findings with that fingerprint: a second copy of a recorded
problem is new. Suppressed findings are never recorded and pass through unchanged.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rolloutlint.core.config import ConfigError
from rolloutlint.core.findings import Finding
from rolloutlint import __version__
from rolloutlint.core.outfile import WriteError, write_text
from rolloutlint.core.infile import MAX_INPUT_BYTES, read_capped

VERSION = 1
_LINE_IN_MESSAGE = re.compile(r"\b(lines?) \d+(?:-\d+)?")


def _rel_file(file: str, base: Path) -> str:
    """A finding's display path (cwd-relative or absolute) made relative to `base`, POSIX style."""
    if not file or file.startswith("<"):
        return file  # <stdin>
    absolute = Path(file) if os.path.isabs(file) else Path.cwd() / file
    try:
        rel = os.path.relpath(os.path.abspath(absolute), os.path.abspath(base))
    except ValueError:  # another drive on Windows
        return Path(absolute).as_posix()
    return Path(rel).as_posix()


def fingerprint(f: Finding, base: Path) -> str:
    """Line-free identity of a finding, with its file relative to `base`."""
    res = f.resource.label() if f.resource is not None else ""
    # Findings without a resource or path (parse problems) only have their column to tell them apart.
    anchor = f.path if (f.path or f.resource is not None) else f"col {f.location.column}"
    # Line numbers inside a message (RL003's "first at line 12") move with edits like the finding's own.
    message = _LINE_IN_MESSAGE.sub(r"\1 N", f.message)
    raw = "\x1f".join((f.rule, _rel_file(f.location.file, base), res, anchor, message))
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def _base(path: str | os.PathLike[str]) -> Path:
    return Path(os.path.abspath(path)).parent


def _is_baseline_file(f: Finding, path: str | os.PathLike[str]) -> bool:
    """The baseline is JSON in the repository, so discovery lints it (RL004); it is never a finding to keep."""
    file = f.location.file
    if not file or file.startswith("<"):
        return False
    return os.path.abspath(file) == os.path.abspath(path)


def write_baseline(path: str | os.PathLike[str], findings: Iterable[Finding]) -> None:

    base = _base(path)
    entries = [
        {"fingerprint": fingerprint(f, base), "rule": f.rule, "file": _rel_file(f.location.file, base), "message": f.message}
        for f in findings if f.suppressed is None and not _is_baseline_file(f, path)
    ]
    entries.sort(key=lambda e: (e["file"], e["rule"], e["message"], e["fingerprint"]))
    doc = {"version": VERSION, "tool": {"name": "rolloutlint", "version": __version__}, "entries": entries}
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        write_text(path, text)
    except OSError as exc:
        raise ConfigError(f"cannot write baseline {path}: {exc.strerror or exc}") from None
    except WriteError as exc:
        raise ConfigError(f"baseline: {exc}") from None


def read_baseline(path: str | os.PathLike[str]) -> Counter[str]:

    try:
        data = read_capped(path)
        if len(data) > MAX_INPUT_BYTES:
            raise ConfigError(f"baseline {path} is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MiB")
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"baseline file not found: {path} (create it with --write-baseline {path})") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read baseline {path}: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        doc: Any = json.loads(text)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than json's recursion allows
        raise ConfigError(f"baseline {path} is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("entries"), list):
        raise ConfigError(f"baseline {path} is not a rolloutlint baseline (expected an object with `entries`)")
    if doc.get("version") != VERSION:
        raise ConfigError(f"baseline {path} has version {doc.get('version')!r}; this rolloutlint reads version {VERSION}; "
                          f"regenerate it with --write-baseline")
    counts: Counter[str] = Counter()
    for i, entry in enumerate(doc["entries"]):
        fp = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(fp, str) or not fp:
            raise ConfigError(f"baseline {path}: entry {i} has no fingerprint")
        counts[fp] += 1
    return counts


def filter_baseline(path: str | os.PathLike[str], findings: list[Finding], root: Path | None = None) -> list[Finding]:
    """Findings not recorded in the baseline at `path` (a relative `path` is tried against `root` too)."""
    p = Path(path)
    if not p.is_absolute() and not p.exists() and root is not None and (Path(root) / p).exists():
        p = Path(root) / p
    remaining = read_baseline(p)
    base = _base(p)
    out: list[Finding] = []
    for f in findings:
        if _is_baseline_file(f, p):
            continue
        if f.suppressed is None:
            fp = fingerprint(f, base)
            if remaining[fp] > 0:
                remaining[fp] -= 1
                continue
        out.append(f)
    return out
