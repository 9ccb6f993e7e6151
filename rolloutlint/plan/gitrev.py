"""Read-only access to Git revisions: resolve a revision, export its tree into a scratch directory, read old
versions of one file. Only local plumbing commands run (``rev-parse``, ``archive``, ``log``, ``show``); nothing
touches the network, the index or the working tree."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
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
    """The tree of ``commit`` written under ``dest`` (regular files and directories only)."""
    data = _git(root, "archive", "--format=tar", commit)
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = [m for m in tar.getmembers() if m.isfile() or m.isdir()]  # no links out of the scratch dir
        if hasattr(tarfile, "data_filter"):
            tar.extractall(dest, members=members, filter="data")
        else:  # Python without extraction filters: the member list above already excludes links
            tar.extractall(dest, members=[m for m in members if not m.name.startswith(("/", "..")) and
                                          ".." not in Path(m.name).parts])


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
