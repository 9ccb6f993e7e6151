"""Where each rendered node came from: its nodes carry the origin file's marks.

A rendered object is composed from the engine's output, then every node's marks are replaced by those
of the node that set it in a source file: for kustomize, the patch that set a scalar (when its value
is the rendered one), else the base file the object came from; for Helm, the values file a template's
`.Values.x.y` reference reads (when the value there is the rendered one), else the template line that
writes the key, else the object's head in its template. A mark's `name` is the file's display path, so
positions (`rolloutlint.positions.locate`) work unchanged and `file_at` says which file a path is in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from rolloutlint.core.model import as_dict, as_list, as_str
from rolloutlint.core.positions import _child

STRIP = ("config.kubernetes.io/origin", "alpha.config.kubernetes.io/transformations")


@dataclass
class Layer:
    """A source document that may have set nodes of a rendered object."""

    display: str
    root: Node  # the node whose paths match the rendered object's
    patch: bool = False  # a patch: only its scalars with the rendered value count


def mark(display: str, line: int, column: int) -> Mark:
    """A mark in `display` (0-based line and column, as yaml marks are)."""
    return Mark(display, 0, line, column, None, 0)


def strip_annotations(value: dict[str, Any], node: Node | None) -> dict[str, str]:
    """Remove kustomize's build metadata from the object (value and node alike); return it."""
    meta = value.get("metadata")
    ann = meta.get("annotations") if isinstance(meta, dict) else None
    found: dict[str, str] = {}
    if not isinstance(ann, dict):
        return found
    for key in STRIP:
        if key in ann:
            found[key] = str(ann.pop(key))
    meta_node, _ = _child(node, "metadata") if node is not None else (None, None)
    ann_node, _ = _child(meta_node, "annotations") if meta_node is not None else (None, None)
    if isinstance(ann_node, MappingNode):
        ann_node.value = [(k, v) for k, v in ann_node.value if not (isinstance(k, ScalarNode) and k.value in STRIP)]
    if not ann and isinstance(meta, dict):
        meta.pop("annotations")
        if isinstance(meta_node, MappingNode):
            meta_node.value = [(k, v) for k, v in meta_node.value if not (isinstance(k, ScalarNode) and k.value == "annotations")]
    return found


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=4096)
def _load_annotation(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError:
        return None


def parse_origin(annotations: dict[str, str]) -> tuple[str | None, list[str]]:
    """kustomize's origin path and the kustomization files whose patches touched the object."""
    origin = annotations.get(STRIP[0])
    path = as_str(as_dict(_load_annotation(origin)).get("path")) if origin else None
    patched_in: list[str] = []
    trans = annotations.get(STRIP[1])
    if trans:
        entries = as_list(_load_annotation(trans))
        for entry in entries:
            entry = as_dict(entry)
            kind = as_str(as_dict(entry.get("configuredBy")).get("kind")) or ""
            where = as_str(entry.get("configuredIn"))
            if where and kind.startswith("Patch") and where not in patched_in:
                patched_in.append(where)
    return path, patched_in


def remap(root: Node, layers: list[Layer], head: tuple[str, int, int]) -> None:
    """Give every node of `root` the marks of the layer node that set it (patches first for scalars, the
    base first for collections), else the object's head."""
    display, line, col = head
    fallback = (mark(display, line, col), mark(display, line, col + 1))
    _remap(root, (), layers, fallback, None)


def _remap(node: Node, path: tuple[Any, ...], layers: list[Layer], fallback: tuple[Mark, Mark],
           key_node: Node | None) -> tuple[Mark, Mark]:
    found = _source(node, path, layers)
    if found is not None:
        src_node, src_key, display = found
        start, end = _named(src_node.start_mark, display), _named(src_node.end_mark, display)
        if key_node is not None:
            km = src_key if src_key is not None else src_node
            key_node.start_mark, key_node.end_mark = _named(km.start_mark, display), _named(km.end_mark, display)
    else:
        start, end = fallback
        if key_node is not None:
            key_node.start_mark, key_node.end_mark = fallback
    node.start_mark, node.end_mark = start, end
    here = (start, end) if found is not None else fallback
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode):
                _remap(v, path + (k.value,), layers, here, k)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            _remap(item, path + (i,), layers, here, None)
    return start, end


def _named(m: Mark, display: str) -> Mark:
    return Mark(display, m.index, m.line, m.column, None, 0)


def _source(node: Node, path: tuple[Any, ...], layers: list[Layer]) -> tuple[Node, Node | None, str] | None:
    scalar = isinstance(node, ScalarNode)
    ordered = layers if scalar else [la for la in layers if not la.patch] + [la for la in layers if la.patch]
    for layer in ordered:
        src, key = _at(layer.root, path)
        if src is None:
            continue
        if scalar:
            if not isinstance(src, ScalarNode) or src.value != node.value:
                continue
        elif type(src) is not type(node):
            continue
        return src, key, layer.display
    return None


def _at(root: Node, path: tuple[Any, ...]) -> tuple[Node | None, Node | None]:
    node: Node | None = root
    key: Node | None = None
    for part in path:
        if node is None:
            return None, None
        node, key = _child(node, part)
    return node, key


def file_at(root: Node | None, path: tuple[Any, ...], key: bool = False) -> str | None:
    """The file (mark name) of the node `rolloutlint.positions.locate` would point at."""
    if root is None:
        return None
    node: Node = root
    key_node: Node | None = None
    for i, part in enumerate(path):
        child, child_key = _child(node, part)
        if child is None:
            return (key_node if key_node is not None else node).start_mark.name
        if i == len(path) - 1 and key and child_key is not None:
            return child_key.start_mark.name
        node, key_node = child, child_key
    return node.start_mark.name


def find_object(docs: list[tuple[Any, Node | None]], kind: str, name: str | None) -> tuple[Any, Node | None] | None:
    """The document in an origin file that an object (possibly renamed by a prefix/suffix) came from."""
    same_kind = [(v, n) for v, n in docs if isinstance(v, dict) and v.get("kind") == kind]
    for v, n in same_kind:
        own = as_str(as_dict(v.get("metadata")).get("name"))
        if own and name and (own == name or own in name):
            return v, n
    return same_kind[0] if same_kind else None


# --- Helm: values traced through the template text ---------------------------------------------------

_VALUES_REF = re.compile(r"\.Values((?:\.[A-Za-z_][\w-]*)+)")


def helm_layers(template_text: str, display: str, values: list[tuple[str, Node | None, tuple[str, ...], dict[str, tuple[int, int]]]],
                root: Node, head_line: int) -> None:
    """Remap a rendered Helm document: each scalar whose key's template line reads `.Values.a.b` goes to
    the first values source (highest precedence first) that sets `a.b` to the rendered value; else the
    template line that writes the key; else the object's head."""
    lines = template_text.splitlines()
    head = (mark(display, head_line, 0), mark(display, head_line, 0))
    _helm_walk(root, lines, display, values, head, None, head_line, head_line)


def _helm_walk(node: Node, lines: list[str], display: str,
               values: list[tuple[str, Node | None, tuple[str, ...], dict[str, tuple[int, int]]]],
               parent: tuple[Mark, Mark], key_node: Node | None, after: int, fallback: int) -> int:
    """Place `node` (and its key) on template lines; returns the last template line placed in its subtree.

    Keys are looked for from `after`, the line where the previous sibling's subtree ended (a list's items
    follow one another in the template), then from `fallback`, where the list starts (the items of a
    `range` loop share the loop's lines)."""
    start, end = parent
    last = after
    key = key_node.value if isinstance(key_node, ScalarNode) else None
    if key is not None:
        hit = _template_line(lines, key, after)
        if hit is None and fallback < after:
            hit = _template_line(lines, key, fallback)
        if hit is not None:
            ln, col = hit
            start, end = mark(display, ln, col), mark(display, ln, len(lines[ln]))
            key_node.start_mark, key_node.end_mark = start, mark(display, ln, col + len(key))  # type: ignore[union-attr]
            if isinstance(node, ScalarNode):
                traced = _trace(lines[ln], node.value, values)
                if traced is not None:
                    start, end = traced
            else:
                inserted = _inserted(lines, ln, col)
                if inserted is not None:  # `{{ toYaml .Values.a.b | nindent N }}`: the subtree is the values'
                    node.start_mark, node.end_mark = start, end
                    _map_values(node, inserted, values)
                    return ln + 1
            after = fallback = last = ln
        else:
            key_node.start_mark, key_node.end_mark = parent  # type: ignore[union-attr]
    node.start_mark, node.end_mark = start, end
    if isinstance(node, MappingNode):
        for k, v in node.value:
            last = max(last, _helm_walk(v, lines, display, values, (start, end), k, after, fallback))
    elif isinstance(node, SequenceNode):
        cursor = after
        for item in node.value:
            placed = _helm_walk(item, lines, display, values, (start, end), None, cursor, after)
            if placed > cursor:
                cursor = placed + 1  # the next item starts below this one's last line
            last = max(last, placed)
    return last


_TO_YAML = re.compile(r"\{\{-?\s*(?:toYaml\s+\.Values((?:\.[A-Za-z_][\w-]*)+)|\.Values((?:\.[A-Za-z_][\w-]*)+)\s*\|\s*toYaml)\b")


def _inserted(lines: list[str], ln: int, col: int) -> tuple[str, ...] | None:
    """The values path whose YAML the template inserts as this key's value: `toYaml .Values.a.b` on the key's
    line, or opening the next line (`indent`/`nindent` place it, so the action may start at any column)."""
    found = _TO_YAML.search(lines[ln], col)
    if found is None and ln + 1 < len(lines):
        found = _TO_YAML.match(lines[ln + 1].strip())
    if found is None:
        return None
    return tuple((found.group(1) or found.group(2)).lstrip(".").split("."))


def _map_values(node: Node, path: tuple[Any, ...],
                values: list[tuple[str, Node | None, tuple[str, ...], dict[str, tuple[int, int]]]]) -> None:
    """Place an inserted subtree on the values that wrote it: each node (and key) on the first values source, by
    precedence, that holds the same path (scalars: with the rendered value); what none holds keeps its place."""
    for display, root, prefix, _ in values:
        if root is None:
            continue
        found, _ = _at(root, prefix + path)
        if found is None or (isinstance(node, ScalarNode) and not (isinstance(found, ScalarNode) and found.value == node.value)):
            continue
        node.start_mark, node.end_mark = _named(found.start_mark, display), _named(found.end_mark, display)
        break
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode):
                _map_values(v, path + (k.value,), values)
                k.start_mark, k.end_mark = _key_marks(path + (k.value,), values) or (v.start_mark, v.start_mark)
    elif isinstance(node, SequenceNode):
        for i, item in enumerate(node.value):
            _map_values(item, path + (i,), values)


def _key_marks(path: tuple[Any, ...], values: list[tuple[str, Node | None, tuple[str, ...], dict[str, tuple[int, int]]]]
               ) -> tuple[Mark, Mark] | None:
    for display, root, prefix, _ in values:
        if root is not None:
            _, key = _at(root, prefix + path)
            if key is not None:
                return _named(key.start_mark, display), _named(key.end_mark, display)
    return None


def _template_line(lines: list[str], key: str, after: int) -> tuple[int, int] | None:
    pattern = re.compile(rf"^(\s*(?:-\s+)?)['\"]?{re.escape(key)}['\"]?\s*:")
    for i in range(max(after, 0), len(lines)):
        m = pattern.match(lines[i])
        if m:
            return i, len(m.group(1))
    return None


def _trace(line: str, rendered: str, values: list[tuple[str, Node | None, tuple[str, ...], dict[str, tuple[int, int]]]]) -> tuple[Mark, Mark] | None:
    for m in _VALUES_REF.finditer(line):
        dotted = m.group(1).lstrip(".")
        keys = tuple(dotted.split("."))
        for display, root, prefix, params in values:
            if dotted in params:
                ln, col = params[dotted]
                return mark(display, ln - 1, col - 1), mark(display, ln - 1, col)
            if root is None:
                continue
            node, _ = _at(root, prefix + keys)
            if isinstance(node, ScalarNode) and node.value == rendered:
                return _named(node.start_mark, display), _named(node.end_mark, display)
    return None


def head_line(template_text: str, kind: str | None) -> int:
    """0-based line of `kind: <Kind>` in a template (else its first line)."""
    found = find_head(template_text, kind)
    return found if found is not None else 0


def find_head(template_text: str, kind: str | None) -> int | None:
    """0-based line of `kind: <Kind>` in a template; None when it writes no such line."""
    if kind:
        for i, line in enumerate(template_text.splitlines()):
            if re.match(rf"^kind:\s*['\"]?{re.escape(kind)}['\"]?\s*$", line.strip()) or line.strip() == f"kind: {kind}":
                return i
    return None


_INCLUDE = re.compile(r'\b(?:include|template)\s+"([^"]+)"')
_DEFINE = re.compile(r'\{\{-?\s*define\s+"([^"]+)"\s*-?\}\}')


def defining_template(template_text: str, kind: str, sources: list[tuple[Any, str]]) -> tuple[Any, str] | None:
    """For an object whose template writes no `kind: <Kind>` line because it includes a named template (a
    library chart's `{{ include "lib.rollout" . }}`): the source `(file, text)` defining an included template
    that writes it, with the text outside that definition blanked (line numbers kept), so the template walk
    finds the object's keys in the definition."""
    wanted = set(_INCLUDE.findall(template_text))
    for file, text in sources:
        if "define" not in text:
            continue
        lines = text.splitlines()
        starts = [(i, m.group(1)) for i, line in enumerate(lines) for m in [_DEFINE.search(line)] if m]
        for n, (start, name) in enumerate(starts):
            if name not in wanted:
                continue
            end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
            block = "\n".join(lines[i] if start <= i < end else "" for i in range(len(lines)))
            if find_head(block, kind) is not None:
                return file, block
    return None

