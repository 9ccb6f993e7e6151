"""Positions of the paths findings point at.

A fast-parsed document has no nodes: every path findings point into it (primary and related locations)
is collected first, then answered by one walk over libyaml's parse events of that document alone
(`core.event_positions`), which stops as soon as all are known. Documents that already have nodes
(composed while loading, rendered objects), and the rare document the walk cannot answer like the
composer, are located on composed nodes as before.
"""

from __future__ import annotations

import yaml

from rolloutlint.core.event_positions import PathIndex, Unsupported
from rolloutlint.core.model import Resource
from rolloutlint.core.positions import Path, Span, inner_span, locate, locate_inner
from rolloutlint.core.source import Document, SourceFile

KEEP_COMPOSED = 32  # files whose node trees stay composed while findings are located (LRU)
KEEP_WALKED = 256  # documents whose walked paths are remembered (LRU): a shared template's stay answered


class _Composed:
    """The files whose nodes findings are being located in. Node trees take ~40 times the memory of their
    text, so only the most recently used few stay composed (files that many findings relate to, such as a
    shared template, stay hot); the rest are dropped and composed again if needed later."""

    def __init__(self) -> None:
        self.live: dict[int, SourceFile] = {}

    def touch(self, src: SourceFile) -> None:
        key = id(src)
        if self.live.pop(key, None) is None and len(self.live) >= KEEP_COMPOSED:
            self.live.pop(next(iter(self.live))).release_nodes()
        self.live[key] = src

    def release(self) -> None:
        for src in self.live.values():
            src.release_nodes()
        self.live.clear()


def _walkable(res: Resource, path: Path) -> Document | None:
    """The document to walk for `path` of `res`, or None where composed nodes answer."""
    doc = res.doc
    if doc is None or doc.composed is not None or doc.source is None or doc.source.text is None \
            or res.extra.get("rendered") or not PathIndex.supports(res.item_path) or not PathIndex.supports(path):
        return None
    return doc  # type: ignore[no-any-return]


class Locator:
    """Spans of paths in resources, for the engine: `need` every path of a batch of findings, then `span`
    and `inner` answer them (a path not asked for first is walked on its own)."""

    def __init__(self) -> None:
        self.composed = _Composed()
        self.walked: dict[int, tuple[Document, PathIndex | None]] = {}  # None: the walk could not tell
        self.wanted: dict[int, tuple[Document, list[Path]]] = {}

    def need(self, res: Resource, path: Path) -> None:
        doc = _walkable(res, path)
        if doc is None:
            return
        full = res.item_path + path
        done = self.walked.get(id(doc))
        if done is not None and (done[1] is None or full in done[1].trie_of):
            return
        self.wanted.setdefault(id(doc), (doc, []))[1].append(full)

    def flush(self) -> None:
        """Walk every document some needed path lies in, once for all of them."""
        wanted, self.wanted = self.wanted, {}
        for key, (doc, paths) in wanted.items():
            done = self.walked.pop(key, None)
            if done is not None and done[1] is not None:
                paths = [*done[1].trie_of, *paths]  # walked before for other paths: walk again for all
            self.walked[key] = (doc, _walk(doc, paths))
            if len(self.walked) > KEEP_WALKED:
                self.walked.pop(next(iter(self.walked)))

    def _index(self, res: Resource, path: Path) -> PathIndex | None:
        doc = _walkable(res, path)
        if doc is None:
            return None
        full = res.item_path + path
        done = self.walked.get(id(doc))
        if done is None or (done[1] is not None and full not in done[1].trie_of):
            self.need(res, path)
            self.flush()
            done = self.walked[id(doc)]
        return done[1]

    def span(self, res: Resource, path: Path, key: bool = False) -> Span:
        """`positions.locate(res.node, path, key)`."""
        doc = res.doc
        done = self.walked.get(id(doc)) if doc is not None else None
        if done is not None and done[1] is not None:  # the common case: walked for this path (or not)
            root = res.item_path
            if (root + path if root else path) in done[1].trie_of:
                return done[1].span(path, key, root)
        index = self._index(res, path)
        if index is None:
            self.composed.touch(res.file)
            return locate(res.node, path, key=key)
        return index.span(path, key, root=res.item_path)

    def inner(self, res: Resource, path: Path, inner: tuple[int, int]) -> Span | None:
        """`positions.locate_inner(res.node, path, inner, text)`."""
        index = self._index(res, path)
        if index is None:
            self.composed.touch(res.file)
            return locate_inner(res.node, path, inner, res.file.text)
        scalar = index.scalar(res.item_path + path)
        return inner_span(scalar, inner, res.file.text) if scalar is not None else None

    def release(self) -> None:
        self.composed.release()
        self.walked.clear()
        self.wanted.clear()


def _walk(doc: Document, paths: list[Path]) -> PathIndex | None:
    src = doc.source
    assert src is not None and src.text is not None
    index = PathIndex(paths)
    alone = src.document_text(doc)
    try:
        if alone is not None:
            index.walk(alone, 0, expect=doc.value)
        else:
            index.walk(src.text, doc.index)
    except (Unsupported, yaml.YAMLError, RecursionError):
        return None  # composed instead
    return index
