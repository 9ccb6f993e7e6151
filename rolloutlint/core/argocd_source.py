"""Which files an Argo CD Application source deploys, decided once for lint, namespaces, rendering and
the Config Management Plugin.

Argo CD's repo-server (`findManifests` in reposerver/repository) reads a plain directory source's
`.yaml`/`.yml`/`.json` files directly in the application directory, entering subdirectories only with
`directory.recurse: true`; `directory.exclude` then `directory.include` are globs matched against each
file's path relative to the application directory (gobwas/glob without separators: `*` also crosses `/`;
`{a,b}` alternatives). A directory holding a kustomization or a Helm chart is rendered by that tool, which
reads whatever the tree holds, so such a source takes its whole tree.

A source `path` is relative to the repository root. rolloutlint's project root is normally that root; when
a project holds several repositories side by side (a corpus of examples), the path is also tried under
each ancestor of the Application's own file.
"""

from __future__ import annotations

import bisect
import os
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from rolloutlint.core.index import KUSTOMIZATION_FILES

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
WHOLE_TREE_FILES = KUSTOMIZATION_FILES + ("Chart.yaml",)


@lru_cache(maxsize=64)
def _glob(pattern: str) -> re.Pattern[str]:
    out, i, depth = [], 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "*":
            while i + 1 < len(pattern) and pattern[i + 1] == "*":
                i += 1
            out.append(".*")
        elif c == "?":
            out.append(".")
        elif c == "[":
            end = pattern.find("]", i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1:end]
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
                i = end
        elif c == "{":
            depth += 1
            out.append("(?:")
        elif c == "}" and depth:
            depth -= 1
            out.append(")")
        elif c == "," and depth:
            out.append("|")
        elif c == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out) + r"\Z", re.DOTALL)


def glob_match(pattern: str, rel_path: str) -> bool:
    """Argo CD's include/exclude glob against a path relative to the application directory."""
    return _glob(pattern).match(rel_path) is not None


def directory_options(source: dict[str, Any]) -> tuple[bool, str, str]:
    """(recurse, include, exclude) of a source's `directory:` block (or of the CMP's parameters)."""
    block = source.get("directory")
    block = block if isinstance(block, dict) else {}
    include, exclude = block.get("include"), block.get("exclude")
    return (block.get("recurse") is True, include.strip() if isinstance(include, str) else "",
            exclude.strip() if isinstance(exclude, str) else "")


def directory_deploys(rel: str, *, recurse: bool, include: str = "", exclude: str = "") -> bool:
    """Does a plain directory source deploy the file at `rel` (POSIX, relative to the source directory)?"""
    if not rel.lower().endswith(MANIFEST_SUFFIXES):
        return False
    if not recurse and "/" in rel:
        return False
    if exclude and glob_match(exclude, rel):
        return False
    return not (include and not glob_match(include, rel))


def takes_whole_tree(directory: Path) -> bool:
    """A kustomization or a chart: the tool reads whatever the tree holds."""
    return any((directory / name).is_file() for name in WHOLE_TREE_FILES)


def source_directory(root: Path, app_file: Path | None, path: str) -> Path | None:
    """The directory a source `path` names in this working tree: under the project root, else under the
    nearest ancestor of the Application's file that holds it; None when none exists (or it leaves the root).
    String paths, not pathlib: an app-of-apps repository asks this for thousands of Applications."""
    try:
        top = os.path.realpath(root)
        target = path.strip().strip("/")
        target = "" if target in ("", ".") else target
        inside = top.rstrip(os.sep) + os.sep

        def at(base: str) -> Path | None:
            found = os.path.realpath(os.path.join(base, target)) if target else base
            if (found == top or found.startswith(inside)) and os.path.isdir(found):
                return Path(found)
            return None

        hit = at(top)
        if hit is not None or app_file is None:
            return hit
        base = os.path.dirname(os.path.realpath(app_file))
        while base.startswith(inside):  # the Application file's ancestors inside the root, nearest first
            hit = at(base)
            if hit is not None:
                return hit
            base = os.path.dirname(base)
    except (OSError, ValueError):  # a path the OS refuses (NUL byte, too long): names nothing here
        return None
    return None


class Coverage:
    """One source's coverage: its directory, whether it takes the whole tree, its directory options."""

    __slots__ = ("directory", "whole", "recurse", "include", "exclude")

    def __init__(self, directory: Path, source: dict[str, Any]) -> None:
        self.directory = directory
        self.whole = takes_whole_tree(directory)
        self.recurse, self.include, self.exclude = directory_options(source)

    def covers(self, path: Path) -> bool:
        """Does the source deploy `path` (absolute, resolved)?"""
        try:
            rel = path.relative_to(self.directory).as_posix()
        except ValueError:
            return False
        return self.whole or directory_deploys(rel, recurse=self.recurse, include=self.include, exclude=self.exclude)


class Tree:
    """The project's files by directory, so that a source looks only at the files under its directory (an
    app-of-apps repository has as many sources as directories; scanning every file per source is quadratic)."""

    def __init__(self, files: Iterable[Path]) -> None:
        self.by_dir: dict[Path, list[Path]] = {}
        for path in files:
            self.by_dir.setdefault(path.parent, []).append(path)
        self._dirs = sorted((str(d), d) for d in self.by_dir)
        self._names = [name for name, _ in self._dirs]

    def under(self, directory: Path, recursive: bool) -> Iterator[Path]:
        """The files directly in `directory`, and with `recursive` those in its subdirectories too."""
        yield from self.by_dir.get(directory, ())
        if not recursive:
            return
        prefix = str(directory).rstrip(os.sep) + os.sep  # `a/b/`: its subdirectories sort together
        for name, d in self._dirs[bisect.bisect_left(self._names, prefix):]:
            if not name.startswith(prefix):
                break
            yield from self.by_dir[d]


def deployed_files(directory: Path, source: dict[str, Any], files: Tree | list[Path]) -> set[Path]:
    """The files of `files` (absolute) that a source rooted at `directory` deploys."""
    coverage = Coverage(directory, source)
    tree = files if isinstance(files, Tree) else Tree(files)
    return {path for path in tree.under(directory, coverage.whole or coverage.recurse) if coverage.covers(path)}


def app_identity(doc: Any, name: str | None) -> tuple[int, str]:
    """Which Application deployed a rendered object (its `extra["app"]`), as the Argo CD rules ask it of an
    Application: the document it is written in (an ApplicationSet's, for the Applications it generates) and its
    name. The objects of a rendered Application are those it rendered, not the files under its source path (a
    chart two Applications deploy with different values; an overlay whose bases lie outside it)."""
    return id(doc), name or "<unnamed>"
