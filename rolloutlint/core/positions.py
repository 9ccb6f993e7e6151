"""Turn a path inside a document into a 1-based (line, column, end line, end column).

Only the engine calls this, and only for the few nodes a finding points at: positions are looked up on
demand rather than recorded for every value.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path = tuple[str | int, ...]  # a path inside a document
Span = tuple[int, int, int, int]


def _span(node: Node) -> Span:
    start, end = node.start_mark, node.end_mark
    if end.line > start.line and end.column == 0 and not isinstance(node, ScalarNode):
        # Block collections end at the start of the next line; point at the end of the last content line.
        return start.line + 1, start.column + 1, end.line, start.column + 1
    return start.line + 1, start.column + 1, end.line + 1, end.column + 1


def locate(root: Node | None, path: Path, key: bool = False) -> Span:
    """Position of `path` under `root`; the deepest existing ancestor when the path does not exist.

    With `key`, point at the mapping key of the last segment (unknown fields, duplicate keys). A missing
    last segment points at its parent's key, where the user would add it.
    """
    if root is None:
        return 1, 1, 1, 1
    node: Node = root
    key_node: Node | None = None
    for i, part in enumerate(path):
        child, child_key = _child(node, part)
        if child is None:
            return _span(key_node if key_node is not None else node)
        last = i == len(path) - 1
        if last and key and child_key is not None:
            return _span(child_key)
        node, key_node = child, child_key
    return _span(node)


# Key -> (value, key) node of large mappings, built on their first lookup: a finding per key of a mapping
# with thousands of keys would otherwise scan the whole mapping once per finding.
_BIG_MAPPING = 64
_key_index: WeakKeyDictionary[Node, dict[str, tuple[Node, Node]]] = WeakKeyDictionary()


def _child(node: Node, part: str | int) -> tuple[Node | None, Node | None]:
    if isinstance(node, MappingNode):
        if len(node.value) > _BIG_MAPPING:
            index = _key_index.get(node)
            if index is None:
                # Later pairs overwrite earlier ones: the last one wins, as in the built value.
                index = {k.value: (v, k) for k, v in node.value if isinstance(k, ScalarNode)}
                _key_index[node] = index
            return index.get(str(part), (None, None))
        found: tuple[Node | None, Node | None] = (None, None)
        name = part if part.__class__ is str else str(part)
        for k, v in node.value:
            if k.value == name and isinstance(k, ScalarNode):  # a collection key's value is a list
                found = (v, k)  # the last one wins, as in the built value
        return found
    if isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return node.value[part], None
    return None, None


def subnode(root: Node | None, path: Path) -> Node | None:
    """The node at `path`, or None (used to give List items their own root)."""
    node = root
    for part in path:
        if node is None:
            return None
        node, _ = _child(node, part)
    return node


def locate_inner(root: Node | None, path: Path, inner: tuple[int, int], text: str | None) -> Span | None:
    """Position of (line, column) inside the string value at `path` (both 1-based, as in the string).

    Exact for literal block scalars (`|`, line for line) and for single-line plain or quoted scalars
    (escapes before the column aside); None where YAML folding makes the mapping uncertain, in which
    case the caller points at the value itself.
    """
    node = subnode(root, path)
    if not isinstance(node, ScalarNode):
        return None
    return inner_span((node.style, node.start_mark.line, node.start_mark.column, node.end_mark.line), inner, text)


ScalarAt = tuple[str | None, int, int, int]  # a scalar's style, 0-based start line and column, end line


def inner_span(scalar: ScalarAt, inner: tuple[int, int], text: str | None) -> Span | None:
    """`locate_inner` for a scalar known by its style and marks (from nodes or from parse events)."""
    style, start_line, start_column, end_line = scalar
    line, col = inner
    if style == "|":
        file_line = start_line + 1 + line  # content starts on the line after the `|` indicator
        indent = _content_indent(text, start_line + 1)
        if indent is None:
            return None
        return file_line, indent + col, file_line, indent + col + 1
    if style in (None, "'", '"') and end_line == start_line and line == 1:
        offset = 0 if style is None else 1  # the opening quote
        c = start_column + 1 + offset + col - 1
        return start_line + 1, c, start_line + 1, c + 1
    return None


def _content_indent(text: str | None, first_line: int) -> int | None:
    """Indentation (0-based columns) of a block scalar's content, from its first non-blank line."""
    if text is None:
        return None
    lines = text.splitlines()
    for raw in lines[first_line:first_line + 50]:
        if raw.strip():
            return len(raw) - len(raw.lstrip(" "))
    return None
