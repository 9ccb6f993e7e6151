"""Find the files to lint: directories walked in sorted order, noise directories skipped, loops survived."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
SKIP_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".nox",
                       ".mypy_cache", ".pytest_cache", ".ruff_cache", ".terraform", ".idea", ".vscode"})
# Tool configuration that is YAML but never a manifest: not worth a "not a Kubernetes resource" note.
NON_MANIFEST_NAMES = frozenset({".rolloutlint.yaml", ".rolloutlint.yml", ".pre-commit-config.yaml",
                                ".pre-commit-hooks.yaml", "Chart.yaml", "Chart.lock", "values.yaml", "values.yml",
                                ".yamllint", ".yamllint.yaml", "mkdocs.yml", "codecov.yml", ".goreleaser.yml",
                                ".goreleaser.yaml", "docker-compose.yml", "docker-compose.yaml", "package.json",
                                "package-lock.json", "tsconfig.json", "action.yml", "action.yaml", "plugin.yaml",
                                ".golangci.yml", ".golangci.yaml", "renovate.json", ".markdownlint.yaml",
                                ".rolloutlint-baseline.json"})

# Helm values files in every common spelling (`values.yaml`, `values-prod.yaml`, `prod-values.yaml`,
# `values.prod.yaml`) are treated alike: configuration, not manifests.
VALUES_FILE = re.compile(r"^(?:values(?:[-._][\w.-]+)?|[\w.-]+[-_.]values)\.ya?ml$", re.IGNORECASE)

# Files of CI systems that are YAML but never manifests, wherever they are named from.
NON_MANIFEST_DIRS = frozenset({".github", ".gitlab", ".circleci", ".buildkite"})


def known_non_manifest(path: Path) -> bool:
    """A file a directory walk skips by name (tool configuration, CI workflows): named ones are skipped too,
    so that a pre-commit hook passing every changed YAML file reports what a directory lint reports."""
    return path.name in NON_MANIFEST_NAMES or path.name == ".gitlab-ci.yml" or bool(VALUES_FILE.match(path.name)) or \
        any(part in NON_MANIFEST_DIRS for part in path.parts[:-1])


def find_root(paths: Iterable[Path], cwd: Path) -> Path:
    """The project root: nearest ancestor of the first path with `.rolloutlint.yaml` or `.git`.

    Without one: the current directory when the path is under it, else the path's own directory (a
    path outside the working tree must not pull the working tree into its index).
    """
    cwd = cwd.resolve()
    first = next(iter(paths), cwd).resolve()
    here = first if first.is_dir() else first.parent
    for cand in (here, *here.parents):
        if has_project_config(cand) or (cand / ".git").exists():
            return cand
    return cwd if here == cwd or cwd in here.parents else here


def has_project_config(directory: Path) -> bool:
    return (directory / ".rolloutlint.yaml").is_file() or (directory / ".rolloutlint.yml").is_file()


@lru_cache(maxsize=256)
def glob_to_regex(pattern: str) -> re.Pattern[str]:
    """gitignore-style globs: `**` spans directories, `*` and `?` stay within one, a leading `/` anchors."""
    anchored = pattern.startswith("/")
    pat = pattern.strip("/")
    out = []
    i = 0
    while i < len(pat):
        c = pat[i]
        if pat.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pat.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        out.append("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c))
        i += 1
    body = "".join(out)
    prefix = "" if anchored or "/" in pat else "(?:.*/)?"
    return re.compile(f"^{prefix}{body}(?:/.*)?$")


def is_excluded(rel_posix: str, patterns: Iterable[str]) -> bool:
    return any(glob_to_regex(p).match(rel_posix) for p in patterns)


# Directories `walk` could not list (path, reason), since the last `unreadable_dirs()` call: reported as
# findings by the loader instead of being skipped silently.
_unreadable: list[tuple[Path, str]] = []


def unreadable_dirs() -> list[tuple[Path, str]]:
    out = list(_unreadable)
    _unreadable.clear()
    return out


# What makes a directory a deployment unit's source (load.render): noted while walking, so that a lint of a
# repository without any never imports the renderers.
UNIT_MARKERS = frozenset({"kustomization.yaml", "kustomization.yml", "Kustomization", "Chart.yaml"})
_unit_markers: list[Path] = []


def unit_markers(keep: bool = False) -> list[Path]:
    """The kustomization files and Chart.yaml files walks have passed since the last call (`keep`: the last
    call that did not keep them)."""
    out = list(_unit_markers)
    if not keep:
        _unit_markers.clear()
    return out


# (path, is a symlink) for symlinks walks followed and directories they left out for `exclude`, since the last
# `detours()` call: where a path written in a manifest may resolve to something other than what its text says
# (`load.relevance`).
_detours: list[tuple[str, bool]] = []


def detours() -> list[tuple[str, bool]]:
    out = list(_detours)
    _detours.clear()
    return out


def walk(root: Path, base: Path, exclude: tuple[str, ...] = ()) -> Iterator[Path]:
    """Manifest files under `root` (a directory), sorted, skipping noise and excluded paths.

    Uses `os.scandir` entries' own file types, so a regular file costs no `stat` call (a large repo is
    thousands of files); symlinks are followed, and each directory is entered once (loops end there).
    """
    return map(Path, walk_names(root, base, exclude))


def walk_names(root: Path, base: Path, exclude: tuple[str, ...] = ()) -> Iterator[str]:
    """`walk` as path strings (a partial lint reads thousands of files it never loads: no `Path` for them)."""
    try:
        st = os.stat(root)
    except OSError:
        return
    seen: set[tuple[int, int]] = {(st.st_dev, st.st_ino)}
    yield from _walk_dir(str(root), base, exclude, seen)


def _walk_dir(directory: str, base: Path, exclude: tuple[str, ...], seen: set[tuple[int, int]]) -> Iterator[str]:
    try:
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        _unreadable.append((Path(directory), exc.strerror or str(exc)))
        return
    subdirs = []
    for entry in entries:
        name = entry.name
        if name in UNIT_MARKERS:
            _unit_markers.append(Path(entry.path))
        try:
            is_dir = entry.is_dir()
        except OSError:
            continue
        if is_dir:
            if name in SKIP_DIRS or (name.startswith(".") and name != ".argocd"):
                continue
            if exclude and is_excluded(_rel(Path(entry.path), base), exclude):
                _detours.append((entry.path, False))
                continue
            if entry.is_symlink():
                _detours.append((entry.path, True))
            subdirs.append(entry)
        elif name.lower().endswith(MANIFEST_SUFFIXES) and name not in NON_MANIFEST_NAMES and not VALUES_FILE.match(name):
            if exclude and is_excluded(_rel(Path(entry.path), base), exclude):
                continue
            try:
                if entry.is_file():  # not a broken link, socket or fifo
                    if entry.is_symlink():
                        _detours.append((entry.path, True))
                    yield entry.path
            except OSError:
                continue
    for entry in subdirs:
        try:
            st = entry.stat()
        except OSError:
            continue
        ident = (st.st_dev, st.st_ino)
        if ident in seen:  # a symlink loop or a second link to the same directory
            continue
        seen.add(ident)
        yield from _walk_dir(entry.path, base, exclude, seen)


def _rel(path: Path, base: Path) -> str:
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


def display_path(path: Path, cwd: Path, root: Path | None = None) -> str:
    """`path` relative to `cwd` (both absolute and resolved) in POSIX form, else as it is; bytes of a
    non-UTF-8 file name shown as `\\xff` (the name itself cannot be printed, written to JSON or SARIF).

    `root`, the project root: when both `cwd` and `path` lie under it, `path` is relative to `cwd` even
    outside it (`../apps/app.yaml`), so a finding and its related locations, whichever file of the project
    they are in, are shown in one form (linting from a subdirectory)."""
    text = _display(path, cwd)
    if text is None:
        outside = root is None or not (_under(path, root) and _under(cwd, root))
        text = str(path) if outside else os.path.relpath(path, cwd).replace(os.sep, "/")
    return text if text.isprintable() or text.isascii() else printable(text)


def printable(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: undecodable bytes of the file name (surrogateescape)
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text


def _under(path: Path, base: Path) -> bool:
    text, prefix = str(path), str(base)
    return text == prefix or text.startswith(prefix if prefix.endswith(os.sep) else prefix + os.sep)


def _display(path: Path, cwd: Path) -> str | None:
    """`path` relative to `cwd`, None when it is not under it."""
    text, base = str(path), str(cwd)
    prefix = base if base.endswith(os.sep) else base + os.sep
    if text.startswith(prefix) and len(text) > len(prefix):  # string work: pathlib's relative_to is slow
        return text[len(prefix):].replace(os.sep, "/")
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return None
