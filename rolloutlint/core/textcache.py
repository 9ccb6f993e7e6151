"""What a slow parser derives from one text, kept on disk by the text's hash and the hash of the code that
derived it, so repeated runs (pre-commit, an editor) neither parse nor import the parser again.

A one-file lint in a repository of SkyWalking templates would otherwise import graphql-core (~0.1 s with
asyncio) to find the service names in a query it parsed on the previous run. Entries are small JSON files
under `$XDG_CACHE_HOME/rolloutlint/derived` (`ROLLOUTLINT_DERIVED_CACHE` names another directory, `off`
keeps nothing). A key covers the text and the bytes of every file of the deriving code (the parser
package's version included), so an entry is never read by other code than the one that wrote it; an
unreadable or malformed entry is derived again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def default_dir() -> Path | None:
    env = os.environ.get("ROLLOUTLINT_DERIVED_CACHE")
    if env == "off":
        return None
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rolloutlint" / "derived"


@lru_cache(maxsize=32)
def code_hash(files: tuple[str, ...]) -> str:
    """The hash of the deriving code: these files' bytes (a missing one counts as missing)."""
    h = hashlib.sha256()
    for name in files:
        h.update(name.encode("utf-8", "surrogateescape") + b"\0")
        try:
            with open(name, "rb") as fh:
                h.update(hashlib.sha256(fh.read()).digest())
        except OSError:
            h.update(b"<missing>")
    return h.hexdigest()


def package_version_file(package: str, name: str = "version.py") -> str:
    """A file of an installed package that changes with its version, found without importing it."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    return os.path.join(locations[0], name) if locations else f"<no {package}>"


def derived(kind: str, code: Iterable[str], text: str, compute: Callable[[], T], encode: Callable[[T], Any],
            decode: Callable[[Any], T]) -> T:
    """`compute()`, or what it returned for the same `text` with the same `code` (file paths) before.
    `encode` turns the value into JSON data, `decode` back (raising KeyError, TypeError or ValueError on
    data it does not recognise)."""
    directory = default_dir()
    if directory is None:
        return compute()
    h = hashlib.sha256(f"{kind}\0{code_hash(tuple(code))}\0".encode())
    h.update(text.encode("utf-8", "surrogatepass"))
    key = h.hexdigest()
    entry = directory / key[:2] / f"{key}.json"
    try:
        with open(entry, encoding="utf-8") as fh:
            return decode(json.load(fh))
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        pass
    value = compute()
    tmp = None
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(encode(value), fh)
        os.replace(tmp, entry)
    except (OSError, TypeError, ValueError):  # a read-only or full cache directory costs the next run a parse
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return value
