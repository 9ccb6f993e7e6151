"""Loaded files and documents: what loading produces and every later layer reads.

A document's node (for positions) is composed on demand with libyaml when its values came from the fast
path; `NodeLoader` is the loader both the load layer and that on-demand composition use.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from rolloutlint.core.model import cached_property
from rolloutlint.core.positions import Path as DocPath

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_SCALAR_STR = "tag:yaml.org,2002:str"


class NodeLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """libyaml's composer calls back into Python to resolve every scalar's tag and to track path
    resolvers (which the safe loader never has). The tag table is keyed by first character, so a plain
    scalar whose first character starts no implicit pattern (most names, images, labels) is a string;
    answer that without the table walk, and hand everything else to PyYAML's own resolver unchanged."""

    _first_chars = frozenset(k for k in _BaseLoader.yaml_implicit_resolvers if k)
    _exact = None not in _BaseLoader.yaml_implicit_resolvers and not _BaseLoader.yaml_path_resolvers

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if self._exact and kind is ScalarNode and implicit[0] and value and value[0] not in self._first_chars:
            return _SCALAR_STR
        return _BaseLoader.resolve(self, kind, value, implicit)

    if not _BaseLoader.yaml_path_resolvers:
        def descend_resolver(self, current_node: Any, current_index: Any) -> None:
            return None

        def ascend_resolver(self) -> None:
            return None


@dataclass
class Problem:
    """A file- or document-level problem found while loading (turned into RL0xx findings)."""

    rule_id: str
    message: str
    line: int = 1
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None


@dataclass
class DuplicateKey:
    path: DocPath  # path of the duplicated key
    key: str
    first_line: int
    same_value: bool = False  # the repeated key sets the same value as before (safe to drop)


@dataclass(slots=True)  # one per document of the repository
class Document:
    index: int  # 0-based position in the file's stream (empty documents count, as ruamel sees them)
    value: Any
    duplicates: list[DuplicateKey] = field(default_factory=list)
    composed: Node | None = field(default=None, repr=False)
    # The file of a fast-path document, whose nodes are composed on demand (and can be dropped again with
    # `SourceFile.release_nodes`); None for documents composed while loading, or when composing failed.
    source: SourceFile | None = field(default=None, repr=False, compare=False)

    @property
    def start_line(self) -> int:
        """1-based line of the document's root, without composing (and keeping) a fast-parsed file's nodes:
        a report that names every object's line must not cost every file's node tree."""
        if self.composed is not None or self.source is None or self.source.text is None:
            node = self.node
            return node.start_mark.line + 1 if node is not None else 1
        return _root_line(self.source.text, self.index)

    @property
    def node(self) -> Node | None:
        """The composed node (positions). Fast-parsed files compose theirs on first use."""
        if self.composed is None and self.source is not None:
            self.source.compose_document(self)
        return self.composed


@dataclass
class SourceFile:
    path: Path  # absolute
    display: str  # as shown in findings
    text: str | None = None
    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    is_template: bool = False

    @cached_property
    def directory(self) -> Path:
        """The folder holding the file (rules compare folders of many resources; `Path.parent` builds a new
        path on every call)."""
        return self.path.parent

    @cached_property
    def document_starts(self) -> list[tuple[int, int]] | None:
        """(0-based line, offset) where each document of the stream starts, from a line index of its `---`
        markers; None where markers alone cannot tell (see `document_starts`)."""
        return document_starts(self.text) if self.text is not None else None

    def document_text(self, doc: Document) -> str | None:
        """The text of one document alone, behind as many blank lines as precede it in the file (so libyaml
        reports the file's own line numbers); None where the markers cannot tell where it lies."""
        starts = self.document_starts
        if starts is None or self.text is None or doc.index >= len(starts):
            return None
        line, begin = starts[doc.index]
        end = starts[doc.index + 1][1] if doc.index + 1 < len(starts) else len(self.text)
        return "\n" * line + self.text[begin:end]

    def compose_document(self, doc: Document) -> None:
        """Positions for one fast-path document: compose only its own lines with libyaml (blank lines in
        front keep its line numbers), not the whole file. Whatever does not line up composes the file."""
        text = self.document_text(doc)
        if text is None:
            self.compose_nodes()
            return
        try:
            with gc_paused():
                nodes = list(yaml.compose_all(text, Loader=NodeLoader))
        except (yaml.YAMLError, RecursionError):
            nodes = []
        if len(nodes) == 1 and _agrees(nodes[0], doc.value):
            doc.composed = nodes[0]
        else:
            self.compose_nodes()

    def compose_nodes(self) -> None:
        """Positions for a file whose values came from the fast path: compose it with libyaml now.

        The fast path only accepts text libyaml parses and whose values both paths agree on, so the
        stream indexes line up; a document whose node cannot be found keeps positions at line 1.
        """
        pending = [doc for doc in self.documents if doc.source is not None and doc.composed is None]
        if not pending:
            return
        nodes: list[Node] = []
        if self.text is not None:
            try:
                with gc_paused():
                    nodes = list(yaml.compose_all(self.text, Loader=NodeLoader))
            except (yaml.YAMLError, RecursionError):
                pass
        for doc in pending:
            if doc.index < len(nodes):
                doc.composed = nodes[doc.index]
            else:
                doc.source = None  # no node to be had: positions at line 1, and no second attempt

    def release_nodes(self) -> None:
        """Drop the nodes composed on demand (a node tree takes ~40 times the memory of its text); a later
        position composes them again. Documents composed while loading keep theirs."""
        for doc in self.documents:
            if doc.source is not None:
                doc.composed = None


def _root_line(text: str, index: int) -> int:
    """Line of the root node of document `index`, from libyaml's parse events (no nodes built)."""
    seen = -1
    after_start = False
    try:
        for event in yaml.parse(text, Loader=NodeLoader):
            if isinstance(event, yaml.DocumentStartEvent):
                seen += 1
                after_start = seen == index
            elif after_start:
                return int(event.start_mark.line) + 1 if event.start_mark is not None else 1
    except (yaml.YAMLError, RecursionError):
        pass
    return 1


_DOCUMENT_MARKER = re.compile(r"^---(?=[ \t\n]|\Z)", re.MULTILINE)
_UNSPLITTABLE = re.compile(r"^(?:\.\.\.|%)", re.MULTILINE)
# A line with something other than blanks and a comment (`\s` is `str.isspace`, as `str.strip` uses).
_CONTENT_LINE = re.compile(r"^\s*[^\s#]", re.MULTILINE)


def document_starts(text: str) -> list[tuple[int, int]] | None:
    """(0-based line, offset) of each document in a stream libyaml parsed without error, by its markers.

    At column 0, `---` followed by a blank or the end of the line always starts a document (libyaml's
    scanner checks for it before anything else there, inside scalars too), and a first document exists
    without one when anything but comments comes before the first marker. End markers, directives and
    carriage returns make the count uncertain: None, so the caller composes the whole file."""
    if "\r" in text or _UNSPLITTABLE.search(text):
        return None
    markers = [m.start() for m in _DOCUMENT_MARKER.finditer(text)]
    end = markers[0] if markers else len(text)
    starts: list[tuple[int, int]] = []
    bom = 0
    while text.startswith("\ufeff", bom):
        bom += 1
    if (_CONTENT_LINE.search(text[bom:end]) if bom else _CONTENT_LINE.search(text, 0, end)):
        starts.append((0, 0))
    line = pos = 0
    for offset in markers:
        line += text.count("\n", pos, offset)
        pos = offset
        starts.append((line, offset))
    return starts


def _agrees(node: Node, value: Any) -> bool:
    """A cheap check that a document composed alone is the one whose value we hold."""
    if isinstance(value, dict):
        if not isinstance(node, MappingNode) or len(node.value) != len(value):
            return False
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.value in ("apiVersion", "kind", "name") and \
                    (not isinstance(v, ScalarNode) or v.value != str(value.get(k.value))):
                return False
        return True
    if isinstance(value, list):
        return isinstance(node, SequenceNode) and len(node.value) == len(value)
    return isinstance(node, ScalarNode)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Loading creates millions of long-lived nodes; generational GC rescanning them costs ~6x the parse.

    Callers wrap a whole load in this (not each file: re-enabling per file just moves the collections).
    Nothing here creates reference cycles, so collection can safely wait until the load is done.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
