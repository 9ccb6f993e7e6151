"""Loaded files and documents: what loading produces and every later layer reads.

A document's node (for positions) is composed on demand with libyaml when its values came from the fast
path; `NodeLoader` is the loader both the load layer and that on-demand composition use.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import Node, ScalarNode

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


@dataclass
class Document:
    index: int  # 0-based position in the file's stream (empty documents count, as ruamel sees them)
    value: Any
    duplicates: list[DuplicateKey] = field(default_factory=list)
    composed: Node | None = field(default=None, repr=False)
    source: SourceFile | None = field(default=None, repr=False, compare=False)  # set while nodes are pending

    @property
    def node(self) -> Node | None:
        """The composed node (positions). Fast-parsed files compose theirs on first use."""
        if self.composed is None and self.source is not None:
            self.source.compose_nodes()
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

    def compose_nodes(self) -> None:
        """Positions for a file whose values came from the fast path: compose it with libyaml now.

        The fast path only accepts text libyaml parses and whose values both paths agree on, so the
        stream indexes line up; a document whose node cannot be found keeps positions at line 1.
        """
        pending = [doc for doc in self.documents if doc.source is not None]
        for doc in pending:
            doc.source = None
        if not pending or self.text is None:
            return
        try:
            with gc_paused():
                nodes = list(yaml.compose_all(self.text, Loader=NodeLoader))
        except (yaml.YAMLError, RecursionError):
            return
        for doc in pending:
            if doc.index < len(nodes):
                doc.composed = nodes[doc.index]


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
