"""Renders cached by content: the hash of every input file, the unit's options and the engine version.

Repeated runs (pre-commit, an editor) render only units whose inputs changed. Entries are small JSON
files under the XDG cache directory (`$XDG_CACHE_HOME/rolloutlint/render`), or `render.cache-dir`.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def default_dir() -> Path:
    env = os.environ.get("ROLLOUTLINT_RENDER_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rolloutlint" / "render"


def key(parts: list[Any], files: list[Path]) -> str:
    h = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode("utf-8"))
    for f in sorted(set(files)):
        h.update(str(f).encode("utf-8") + b"\0")
        try:
            h.update(hashlib.sha256(f.read_bytes()).digest())
        except OSError:
            h.update(b"<missing>")
    return h.hexdigest()


class Cache:
    def __init__(self, directory: Path | None, memory: dict[str, Any] | None = None) -> None:
        self.directory = directory
        self.hits = 0  # found on disk: rendered by an earlier run
        self.misses = 0
        # Renders made earlier in this run (`prefetch`), shared between two caches; not counted as hits.
        self.memory = memory

    def get(self, k: str) -> Any:
        if self.memory is not None and k in self.memory:
            return self.memory[k]
        if self.directory is None:
            return None
        try:
            value = json.loads((self.directory / k[:2] / f"{k}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, k: str, value: Any) -> None:
        if self.memory is not None:
            self.memory[k] = value
        if self.directory is None:
            return
        target = self.directory / k[:2]
        try:
            target.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(value, fh)
            os.replace(tmp, target / f"{k}.json")
        except OSError:
            pass  # a read-only or full cache directory only costs the next run a render
