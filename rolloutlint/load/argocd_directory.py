"""What an Argo CD directory source deploys, and the documents' text as written.

Argo CD's repo-server (`findManifests` in reposerver/repository) reads a plain directory source's
`.yaml`/`.yml`/`.json` files directly in the application directory, entering subdirectories only with
`directory.recurse: true`; `directory.exclude` then `directory.include` are globs matched against each
file's path relative to the application directory (gobwas/glob without separators: `*` also crosses `/`;
`{a,b}` alternatives). The Config Management Plugin takes the same three settings as parameters, so
moving an application to the plugin deploys the same files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any


@lru_cache(maxsize=32)
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
    return _glob(pattern).match(rel_path) is not None


def deployed(paths: Iterable[Path], app_dir: Path, *, recurse: bool, include: str = "",
             exclude: str = "") -> set[Path]:
    """The files of `paths` that Argo CD would apply from directory source `app_dir`."""
    out = set()
    for path in paths:
        try:
            rel = path.relative_to(app_dir)
        except ValueError:
            continue
        if not recurse and len(rel.parts) > 1:
            continue
        text = rel.as_posix()
        if exclude and glob_match(exclude, text):
            continue
        if include and not glob_match(include, text):
            continue
        out.add(path)
    return out


def document_text(src: Any, doc: Any) -> str | None:
    """The document exactly as written in its file (comments inside it and block scalars included), from
    the start of its first content line to the end of its content; None when its position is unknown."""
    node = doc.node
    text = src.text
    if node is None or text is None:
        return None
    start = node.start_mark.index - node.start_mark.column
    if text[start:node.start_mark.index].strip():  # content before it on its line (`--- {…}`): start there
        start = node.start_mark.index
    return str(text[start:node.end_mark.index]).rstrip() + "\n"
