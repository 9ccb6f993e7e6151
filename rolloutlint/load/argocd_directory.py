"""What an Argo CD directory source deploys (decided in `core.argocd_source`), and the documents' text as
written. The Config Management Plugin takes the directory source's three settings as parameters, so
moving an application to the plugin deploys the same files.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rolloutlint.core.argocd_source import directory_deploys


def deployed(paths: Iterable[Path], app_dir: Path, *, recurse: bool, include: str = "",
             exclude: str = "") -> set[Path]:
    """The files of `paths` that Argo CD would apply from directory source `app_dir`."""
    out = set()
    for path in paths:
        try:
            rel = path.relative_to(app_dir)
        except ValueError:
            continue
        if directory_deploys(rel.as_posix(), recurse=recurse, include=include, exclude=exclude):
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
