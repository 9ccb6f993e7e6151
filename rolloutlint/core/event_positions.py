"""Positions of a few paths in a document, read from libyaml's parse events without composing nodes.

Composing a document makes a node and two marks per YAML node and calls the tag resolver from C into
Python for every one; a finding needs the marks of one node. Here the parser's events are walked once per
document for every path asked of it: only the nodes on those paths are looked at, every other subtree is
skipped by counting its start and end events, and the walk stops once every path is answered (when keys
are known to be unique). An event carries the same marks the composer gives the node it becomes (a
collection ends where its end event does), so `PathIndex.span` returns exactly what `positions.locate`
returns on the composed node (tests/test_positions_events.py compares both on every node of real files).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from yaml.events import (AliasEvent, DocumentStartEvent, MappingEndEvent, MappingStartEvent, ScalarEvent, SequenceEndEvent,
                         SequenceStartEvent)

from rolloutlint.core.positions import Path, ScalarAt, Span

# Root keys compared with the value held, as `source._agrees` does for a document parsed on its own.
_AGREE_KEYS = frozenset({"apiVersion", "kind", "name"})
_NOT_CHECKED = object()


class Unsupported(Exception):
    """The walk cannot answer like the composer (an alias on a requested path, a document missing, a
    document that does not agree with the value held): compose instead."""


class _Done(Exception):
    """Every requested path is answered."""


class _Target:
    """A node on a requested path (a trie over the paths asked of one document)."""

    __slots__ = ("children", "names", "wanted", "below", "found", "start", "end", "scalar", "style", "key")

    def __init__(self) -> None:
        self.children: dict[str | int, _Target] = {}  # by path segment: sequence items match int segments
        self.names: dict[str, _Target] = {}  # by the text of the segment: mapping keys match it
        self.wanted = False  # a requested path ends here
        self.below = 0  # requested paths ending in this subtree
        self.found = False
        self.start: Any = None  # marks (yaml.error.Mark) of the node
        self.end: Any = None
        self.scalar = False
        self.style: str | None = None
        self.key: Any = None  # the key's ScalarEvent, for a mapping value

    def reset(self) -> None:
        """Forget what an earlier, duplicated key's value gave (the last one wins, as in the value)."""
        self.found = self.scalar = False
        self.key = self.start = self.end = self.style = None
        for child in self.children.values():
            if child.found:
                child.reset()


def _span(start: Any, end: Any, scalar: bool) -> Span:
    """`positions._span` from a node's marks."""
    if end.line > start.line and end.column == 0 and not scalar:
        return start.line + 1, start.column + 1, end.line, start.column + 1
    return start.line + 1, start.column + 1, end.line + 1, end.column + 1


class PathIndex:
    """The requested paths of one document; `walk` reads their nodes' marks, then `span` and `scalar`
    answer as `positions.locate` and `positions.locate_inner` would on the composed document."""

    def __init__(self, paths: Iterable[Path]) -> None:
        # Segments 0 and "0" are different paths that both match a mapping key "0": such paths cannot share
        # one trie node, so a path that clashes with another goes into a trie of its own (one more walk).
        self.roots: list[_Target] = []
        self.trie_of: dict[Path, _Target] = {}
        for path in paths:
            self.add(path)

    @staticmethod
    def supports(path: Path) -> bool:
        """Segments are text or (not boolean) integers."""
        for part in path:
            if part.__class__ is not str and part.__class__ is not int:
                return False
        return True

    def add(self, path: Path) -> None:
        if path in self.trie_of:
            return
        root = None
        for candidate in self.roots:
            if _fits(candidate, path):
                root = candidate
                break
        if root is None:
            root = _Target()
            self.roots.append(root)
        node = root
        node.below += 1
        for part in path:
            child = node.children.get(part)
            if child is None:
                child = node.children[part] = _Target()
                node.names[part if part.__class__ is str else str(part)] = child
            node = child
            node.below += 1
        node.wanted = True
        self.trie_of[path] = root

    def walk(self, text: str, index: int = 0, unique: bool = True, expect: Any = _NOT_CHECKED) -> None:
        """Read the marks of every requested node of document `index` of `text`. With `unique` (no
        mapping repeats a key, as in every fast-parsed file) the walk stops as soon as all are known.
        `expect`: the value the document must agree with (as `source._agrees` checks), when it was cut
        out of its file. Raises Unsupported or yaml.YAMLError."""
        for root in self.roots:
            _walk(text, index, root, unique, expect)

    def span(self, path: Path, key: bool = False, root: Path = ()) -> Span:
        """`positions.locate(subnode(document, root), path, key)`; `root + path` must have been added."""
        node = self.trie_of[root + path if root else path]
        for part in root:
            node = node.children[part]
            if not node.found:
                return 1, 1, 1, 1  # no such node: `locate(None, ...)`
        key_node: Any = None
        for part in path:
            child = node.children[part]
            if not child.found:  # the deepest node that exists: its key if it has one
                if key_node is not None:
                    return _span(key_node.start_mark, key_node.end_mark, True)
                return _span(node.start, node.end, node.scalar)
            node, key_node = child, child.key
        if key and key_node is not None and path:
            return _span(key_node.start_mark, key_node.end_mark, True)
        return _span(node.start, node.end, node.scalar)

    def scalar(self, path: Path) -> ScalarAt | None:
        """Style and marks of the scalar at `path` (for `positions.inner_span`); None if there is none."""
        node: _Target | None = self.trie_of[path]
        for part in path:
            node = node.children[part] if node is not None else None
            if node is None or not node.found:
                return None
        if node is None or not node.found or not node.scalar:
            return None
        return node.style, node.start.line, node.start.column, node.end.line


def _fits(root: _Target, path: Path) -> bool:
    """Whether `path` can join this trie: no segment of it is new where another segment of the same text
    (0 and "0") already is."""
    node = root
    for part in path:
        child = node.children.get(part)
        if child is None:
            return (part if part.__class__ is str else str(part)) not in node.names
        node = child
    return True


def _parser(text: str) -> Callable[[], Any]:
    try:
        from yaml._yaml import CParser  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:  # pragma: no cover - PyYAML without libyaml: the pure-Python parser's events
        from rolloutlint.core.source import NodeLoader

        pure: Callable[[], Any] = NodeLoader(text).get_event
        return pure
    get: Callable[[], Any] = CParser(text).get_event
    return get


def _walk(text: str, index: int, root: _Target, unique: bool, expect: Any) -> None:
    get = _parser(text)
    get()  # StreamStartEvent
    for _ in range(index):  # the documents before
        event = get()
        if event.__class__ is not DocumentStartEvent:
            raise Unsupported("fewer documents than expected")
        _skip(get, get())
        get()  # DocumentEndEvent
    if get().__class__ is not DocumentStartEvent:
        raise Unsupported("fewer documents than expected")
    walker = _Walker(get, unique)
    walker.pending = root.below
    if not walker.pending:
        return
    first = get()
    if expect is not _NOT_CHECKED and not _kind_agrees(first, expect):
        raise Unsupported("the document does not agree with its value")
    try:
        walker.visit(first, root, expect)
    except _Done:
        return


def _kind_agrees(first: Any, value: Any) -> bool:
    if isinstance(value, dict):
        return first.__class__ is MappingStartEvent
    if isinstance(value, list):
        return first.__class__ is SequenceStartEvent
    return first.__class__ is ScalarEvent


def _skip(get: Callable[[], Any], event: Any) -> None:
    """Consume the rest of the node that `event` starts."""
    cls = event.__class__
    if cls is MappingStartEvent or cls is SequenceStartEvent:
        depth = 1
        while depth:
            cls = get().__class__
            if cls is MappingStartEvent or cls is SequenceStartEvent:
                depth += 1
            elif cls is MappingEndEvent or cls is SequenceEndEvent:
                depth -= 1


class _Walker:
    def __init__(self, get: Callable[[], Any], unique: bool) -> None:
        self.get = get
        self.unique = unique
        self.pending = 0

    def visit(self, event: Any, target: _Target, expect: Any = _NOT_CHECKED) -> None:
        """Record the node `event` starts as `target`, walking into the requested children."""
        target.found = True
        target.start = event.start_mark
        cls = event.__class__
        get = self.get
        if cls is ScalarEvent:
            target.end = event.end_mark
            target.scalar = True
            target.style = event.style
            self.close(target)
            return
        if cls is MappingStartEvent:
            names = target.names
            count = 0
            while True:
                key = get()
                kcls = key.__class__
                if kcls is MappingEndEvent:
                    end = key
                    break
                count += 1
                if kcls is ScalarEvent:
                    child = names.get(key.value)
                    value = get()
                    if expect is not _NOT_CHECKED and key.value in _AGREE_KEYS and (
                            value.__class__ is not ScalarEvent or value.value != str(expect.get(key.value))):
                        raise Unsupported("the document does not agree with its value")
                    if child is None:
                        vcls = value.__class__
                        if vcls is MappingStartEvent or vcls is SequenceStartEvent:
                            _skip(get, value)
                        continue
                    if value.__class__ is AliasEvent:
                        raise Unsupported("alias on a requested path")
                    if child.found:
                        if self.unique:
                            raise Unsupported("a repeated key")
                        child.reset()
                    child.key = key
                    self.visit(value, child)
                elif kcls is AliasEvent:
                    raise Unsupported("alias as a mapping key")  # it may stand for a scalar key
                else:
                    _skip(get, key)  # a collection as key: never matched
                    _skip(get, get())
            if expect is not _NOT_CHECKED and count != len(expect):
                raise Unsupported("the document does not agree with its value")
        elif cls is SequenceStartEvent:
            children = target.children
            i = 0
            while True:
                item = get()
                if item.__class__ is SequenceEndEvent:
                    end = item
                    break
                child = children.get(i)
                if child is None:
                    icls = item.__class__
                    if icls is MappingStartEvent or icls is SequenceStartEvent:
                        _skip(get, item)
                elif item.__class__ is AliasEvent:
                    raise Unsupported("alias on a requested path")
                else:
                    self.visit(item, child)
                i += 1
        else:
            raise Unsupported("alias on a requested path")
        target.end = end.end_mark
        self.close(target)

    def close(self, target: _Target) -> None:
        """`target`'s node is complete: its requested children not seen do not exist."""
        pending = self.pending
        if target.wanted:
            pending -= 1
        for child in target.children.values():
            if not child.found:
                pending -= child.below
        self.pending = pending
        if pending <= 0 and self.unique:
            raise _Done
