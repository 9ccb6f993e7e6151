"""Read-only access to Git revisions: resolve a revision, export its tree into a scratch directory, read old
versions of one file. Only local plumbing commands run (``rev-parse``, ``ls-tree``, ``cat-file``, ``log``,
``show``); nothing touches the network, the index or the working tree."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class GitError(Exception):
    """A revision that cannot be read (the message is shown to the user)."""


def _git(root: Path, *args: str) -> bytes:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, env=env, check=False)
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}") from exc
    if proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git {args[0]} failed")
    return proc.stdout


def repo_root(start: Path) -> Path:
    try:
        return Path(_git(start, "rev-parse", "--show-toplevel").decode().strip()).resolve()
    except GitError as exc:
        raise GitError(f"{start} is not inside a Git repository ({exc})") from exc


def resolve(root: Path, rev: str) -> str:
    """The commit id of ``rev``; GitError when it names no commit."""
    if not rev or rev.startswith("-"):
        raise GitError(f"not a revision: {rev!r}")
    try:
        return _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}").decode().strip()
    except GitError:
        raise GitError(f"unknown revision {rev!r}") from None


def export(root: Path, commit: str, dest: Path) -> None:
    """The tree of ``commit`` written under ``dest``: regular files only, byte for byte as committed.

    Read with ``ls-tree`` and ``cat-file`` rather than ``git archive``, which would apply ``export-ignore`` and
    ``export-subst`` attributes and so make the base differ from what the commit holds. Symbolic links and
    submodules are left out (nothing outside the scratch directory is written or read).
    """
    listing = _git(root, "ls-tree", "-r", "-z", "--full-tree", commit).split(b"\0")
    blobs: list[tuple[str, str]] = []
    for entry in listing:
        if not entry:
            continue
        meta, _, path = entry.partition(b"\t")
        mode, kind, sha = meta.split(b" ")
        if kind == b"blob" and mode in (b"100644", b"100755"):
            blobs.append((sha.decode(), path.decode("utf-8", "surrogateescape")))
    if not blobs:
        return
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    proc = subprocess.run(["git", "-C", str(root), "cat-file", "--batch"], input="".join(f"{sha}\n" for sha, _ in blobs)
                          .encode(), capture_output=True, env=env, check=False)
    if proc.returncode != 0:
        raise GitError(proc.stderr.decode("utf-8", "replace").strip() or "git cat-file failed")
    data, pos = proc.stdout, 0
    base = dest.resolve()
    for _sha, rel in blobs:
        header_end = data.index(b"\n", pos)
        size = int(data[pos:header_end].split(b" ")[2])
        content = data[header_end + 1:header_end + 1 + size]
        pos = header_end + 1 + size + 1  # the content is followed by a newline
        target = (base / rel).resolve()
        if base not in target.parents:
            continue  # a path that would leave the scratch directory
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def file_versions(root: Path, commit: str, relpath: str, limit: int) -> list[tuple[str, str]]:
    """(commit, text) of the versions of ``relpath`` in the history of ``commit``, newest first, ``commit``'s
    own version excluded; at most ``limit``."""
    try:
        log = _git(root, "log", "--format=%H", f"-n{limit + 1}", commit, "--", relpath).decode().split()
    except GitError:
        return []
    out: list[tuple[str, str]] = []
    for rev in log:
        if rev == commit:
            continue
        try:
            out.append((rev, _git(root, "show", f"{rev}:{relpath}").decode("utf-8", "replace")))
        except GitError:
            continue  # deleted in that commit
    return out[:limit]
