"""Round-trip editing of one YAML document inside a file, for the fixer.

The file is never re-serialised as a whole. Each document's region of lines is found with libyaml's
events; only a document that is edited goes through ruamel.yaml, and only the lines ruamel's output
changes because of the edits are spliced back into the original text. Everything else (other documents,
`---` / `...` markers, comments ruamel would move, CRLF endings, a missing final newline) stays byte for
byte as it was.

ruamel.yaml is imported lazily: linting never needs it, and the fixer only for files it changes.
"""

from __future__ import annotations

import difflib
import io
import re
from collections import Counter
from itertools import pairwise
from dataclasses import dataclass
from typing import Any

import yaml

from rolloutlint.core.findings import Edit
from rolloutlint.core.positions import Path as DocPath
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from rolloutlint.core.findings import format_path
from ruamel.yaml.scalarstring import ScalarString
from ruamel.yaml.scalarstring import SingleQuotedScalarString
from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken
import copy
from yaml.nodes import MappingNode, ScalarNode
from rolloutlint.core.positions import _child
from yaml.nodes import SequenceNode
import json

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class EditError(Exception):
    """An edit that cannot be applied safely (missing path, alias/anchor, wrong type...)."""


@dataclass(frozen=True)
class Region:
    """Lines [start, end) of a document's content, markers excluded."""

    start: int
    end: int
    editable: bool  # False: content shares a line with `---`, or the stream has directives


_ODD_BREAK = re.compile("\r(?!\n)|[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def odd_line_breaks(text: str) -> bool:
    """Characters libyaml or Python count as line breaks where the other does not (a lone CR, NEL, LS...):
    line numbers would not agree, so such files are not edited."""
    return _ODD_BREAK.search(text) is not None


def split_lines(text: str) -> list[str]:
    """Lines with their endings (`\\n` or `\\r\\n`; none on a last line without a final newline)."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def newline_of(text: str) -> str:
    crlf = text.count("\r\n")
    return "\r\n" if crlf and crlf * 2 >= text.count("\n") else "\n"


def document_regions(text: str) -> list[Region]:
    """One region per document of the stream, counted the way the loader counts them (empty ones too)."""
    regions: list[Region] = []
    n_lines = len(split_lines(text))
    has_directives = any(line.startswith("%") for line in text.splitlines())
    pending: tuple[int, bool] | None = None  # (start line, editable) of the open document
    boundary = 0  # first line after the previous document's `...`
    first_content: int | None = None
    start_marker: int | None = None
    for ev in yaml.parse(text, Loader=_Loader):
        if isinstance(ev, yaml.DocumentStartEvent):
            start_marker = _line(ev) if ev.explicit else None
            start = (start_marker + 1) if start_marker is not None else boundary
            if regions and start_marker is not None and regions[-1].end > start_marker:
                last = regions[-1]
                regions[-1] = Region(last.start, start_marker, last.editable)
            pending = (start, not has_directives)
            first_content = None
        elif isinstance(ev, yaml.DocumentEndEvent):
            assert pending is not None
            start, editable = pending
            if start_marker is not None and first_content is not None and first_content <= start_marker:
                editable = False  # `--- {a: 1}` or `--- !tag`: content on the marker line
            if ev.explicit:
                end = _line(ev)
                boundary = end + 1
            else:
                end = n_lines
            regions.append(Region(start, max(start, end), editable))
            pending = None
        elif isinstance(ev, yaml.NodeEvent) and first_content is None:
            first_content = _line(ev)
    return regions


def _line(ev: yaml.Event) -> int:
    mark = ev.start_mark
    assert mark is not None  # the parser sets marks on every event; the stubs allow None for hand-made ones
    return mark.line


# --- indentation -----------------------------------------------------------------------------------

_KEY_ONLY = re.compile(r"^( *)(?:[^#\s-][^#]*?|-\s+[^#]*?|'[^']*'|\"[^\"]*\"):\s*(?:#.*)?$")
_DASH = re.compile(r"^( *)-( +)\S")
_KEY = re.compile(r"^( *)[^\s#-][^:#]*:(?:\s|$)")


def detect_indent(text: str, whole: str = "") -> tuple[int, int, int]:
    """(mapping, sequence, offset) as ruamel's `YAML.indent()` takes them, from the document's own layout;
    what the document does not show (a document without lists) comes from the `whole` file."""
    maps, seqs = _indent_votes(text)
    if whole and (not maps or not seqs):
        more_maps, more_seqs = _indent_votes(whole)
        maps = maps or more_maps
        seqs = seqs or more_seqs
    mapping = maps.most_common(1)[0][0] if maps else 2
    sequence, offset = seqs.most_common(1)[0][0] if seqs else (mapping, 0)
    return mapping, max(sequence, offset + 2), offset


def _indent_votes(text: str) -> tuple[Counter[int], Counter[tuple[int, int]]]:
    maps: Counter[int] = Counter()
    seqs: Counter[tuple[int, int]] = Counter()
    lines = [ln.rstrip("\r\n") for ln in text.split("\n")]
    for i, line in enumerate(lines[:-1]):
        parent = _KEY_ONLY.match(line)
        if not parent:
            continue
        pcol = len(parent.group(1))
        if line.lstrip().startswith("- "):
            m = re.match(r"^( *)-( +)", line)
            pcol = len(m.group(1)) + len(m.group(2)) if m else pcol
        nxt = next((ln for ln in lines[i + 1:] if ln.strip() and not ln.lstrip().startswith("#")), None)
        if nxt is None:
            continue
        dash = _DASH.match(nxt)
        if dash:
            d = len(dash.group(1))
            if d >= pcol:
                seqs[(d - pcol + 1 + len(dash.group(2)), d - pcol)] += 1
            continue
        key = _KEY.match(nxt)
        if key and len(key.group(1)) > pcol:
            maps[len(key.group(1)) - pcol] += 1
    return maps, seqs


# --- ruamel ------------------------------------------------------------------------------------------

def _yaml(indent: tuple[int, int, int]) -> Any:

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.allow_duplicate_keys = False  # documents with a repeated key never get here (see fixer)
    y.width = 1 << 30  # never re-wrap long lines
    y.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    return y


def check_edits(body: str, groups: list[list[tuple[DocPath, Edit]]], indent: tuple[int, int, int]) -> tuple[str, list[int], list[str]]:
    """Apply groups of edits (one group per fix, all or nothing) to one document.

    Returns (new body, indexes of the groups applied, reasons for the groups refused).
    """
    y = _yaml(indent)
    source = body.replace("\r\n", "\n")
    data = y.load(source)
    before = _dump(y, data)
    applied: list[int] = []
    reasons: list[str] = []
    for gi, group in enumerate(groups):
        # Applied in place; a group that fails half-way is undone by re-loading and re-applying the groups
        # before it. (A trial deep copy per group cost O(n^2) on long lists: ruamel's CommentedSeq copies
        # its comment attributes once per item.)
        try:
            for path, edit in group:
                apply_edit(data, path, edit)
        except EditError as exc:
            reasons.append(str(exc))
            data = y.load(source)
            for done in applied:
                for path, edit in groups[done]:
                    apply_edit(data, path, edit)
            continue
        applied.append(gi)
    if not applied:
        return body, applied, reasons
    after = _dump(y, data)
    new = splice(body, before, after)
    if new is None:
        return body, [], reasons + ["the edit could not be placed without reformatting the document"]
    return new, applied, reasons


def _dump(y: Any, data: Any) -> str:
    out = io.StringIO()
    y.dump(data, out)
    return out.getvalue()


def _is_anchored(obj: Any) -> bool:
    anchor = getattr(obj, "anchor", None)
    return bool(anchor is not None and getattr(anchor, "value", None))


def _has_merge(obj: Any) -> bool:
    return bool(getattr(obj, "merge", None))


def _walk(data: Any, path: DocPath, create: bool) -> Any:

    node = data
    if _is_anchored(node):
        raise EditError("refusing to edit through an anchor/alias")
    for i, part in enumerate(path):
        if isinstance(node, dict):
            if _has_merge(node):
                raise EditError("refusing to edit a mapping that uses merge keys (<<)")
            if part not in node or node[part] is None:
                if not create or not isinstance(part, str):
                    raise EditError(f"path {_fmt(path[:i + 1])} does not exist")
                node[part] = CommentedMap()
            node = node[part]
        elif isinstance(node, list):
            if not isinstance(part, int) or not -len(node) <= part < len(node):
                raise EditError(f"path {_fmt(path[:i + 1])} does not exist")
            node = node[part]
        else:
            raise EditError(f"path {_fmt(path[:i])} is not a mapping or list")
        if _is_anchored(node):
            raise EditError(f"refusing to edit through the anchor/alias at {_fmt(path[:i + 1])}")
    return node


def _fmt(path: DocPath) -> str:

    return format_path(path) or "<document>"


def _styled(old: Any, new: Any) -> Any:
    """Keep a replaced scalar's quoting style for a new string value."""

    if isinstance(new, str) and isinstance(old, ScalarString) and type(old) is not ScalarString:
        return type(old)(new)
    return protect(new)


_RESOLVER = yaml.resolver.Resolver()


def protect(value: Any) -> Any:
    """Quote new strings that a YAML 1.1 reader (Kubernetes, libyaml) would not read as strings.

    ruamel writes YAML 1.2, where `yes`, `on` or `0o7` are plain strings; Kubernetes would read them as
    booleans or numbers.
    """

    if isinstance(value, str) and not isinstance(value, ScalarString):
        tag = _RESOLVER.resolve(yaml.ScalarNode, value, (True, False))
        return SingleQuotedScalarString(value) if tag != "tag:yaml.org,2002:str" else value
    if isinstance(value, dict):
        return {k: protect(v) for k, v in value.items()}
    if isinstance(value, list):
        return [protect(v) for v in value]
    return value


def apply_edit(data: Any, path: DocPath, edit: Edit) -> None:
    if not path:
        raise EditError("cannot replace a whole document")
    parent = _walk(data, path[:-1], create=edit.op in ("set",))
    last = path[-1]
    op = edit.op
    if isinstance(parent, dict):
        if _has_merge(parent):
            raise EditError("refusing to edit a mapping that uses merge keys (<<)")
        if op == "set":
            if last in parent:
                if _is_anchored(parent[last]):
                    raise EditError(f"refusing to replace the anchored value at {_fmt(path)}")
                parent[last] = _commented(_styled(parent[last], edit.value))
            else:
                _append_key(parent, last, edit.value)
        elif op == "insert":
            if last in parent:
                raise EditError(f"{_fmt(path)} already exists")
            _append_key(parent, last, edit.value)
        elif op == "delete":
            if last not in parent:
                raise EditError(f"path {_fmt(path)} does not exist")
            if _is_anchored(parent[last]):
                raise EditError(f"refusing to delete the anchored value at {_fmt(path)}")
            _delete_key(parent, last)
        elif op == "rename":
            new = edit.value
            if last not in parent:
                raise EditError(f"path {_fmt(path)} does not exist")
            if not isinstance(new, str) or new in parent:
                raise EditError(f"cannot rename {_fmt(path)} to {new!r}")
            _rename_key(parent, last, new)
        else:
            raise EditError(f"unknown edit op {op!r}")
    elif isinstance(parent, list):
        if not isinstance(last, int):
            raise EditError(f"{_fmt(path[:-1])} is a list")
        if op == "insert":
            if not 0 <= last <= len(parent):
                raise EditError(f"index {last} is out of range for {_fmt(path[:-1])}")
            if last == len(parent):
                _append_item(parent, edit.value)
            else:
                parent.insert(last, _commented(protect(edit.value)))
        elif op in ("set", "delete"):
            if not 0 <= last < len(parent):
                raise EditError(f"path {_fmt(path)} does not exist")
            if _is_anchored(parent[last]):
                raise EditError(f"refusing to edit the anchored value at {_fmt(path)}")
            if op == "set":
                parent[last] = _commented(_styled(parent[last], edit.value))
            else:
                _delete_item(parent, last)
        else:
            raise EditError(f"cannot {op} a list item")
    else:
        raise EditError(f"{_fmt(path[:-1])} is not a mapping or list")


def _append_key(mapping: Any, key: str | int, value: Any) -> None:
    # Comments after the mapping's last value describe what follows the mapping: keep them after the new key.
    rest = _take_following(mapping)
    mapping[key] = _commented(protect(value))
    _give_following(mapping, rest)


def _append_item(seq: Any, value: Any) -> None:
    rest = _take_following(seq)
    seq.append(_commented(protect(value)))
    _give_following(seq, rest)


def _delete_key(mapping: Any, key: Any) -> None:
    # ruamel keeps the full-line comments that follow a value with that value (or its last nested item);
    # they describe what comes next, so they move to the item before.
    keys = list(mapping.keys())
    pos = keys.index(key)
    rest = _take_following(mapping, only=key)
    mapping.ca.items.pop(key, None)
    del mapping[key]
    if pos > 0:
        _give_following(mapping, rest, only=keys[pos - 1])
    # As the first key, the comments stay in the text: `splice` keeps the comment lines a deletion removes.


def _delete_item(seq: Any, idx: int) -> None:
    rest = _take_following(seq, only=idx)
    del seq[idx]  # ruamel moves the later items' comments down
    if idx > 0:
        _give_following(seq, rest, only=idx - 1)


def _commented(value: Any) -> Any:

    if isinstance(value, dict) and not isinstance(value, CommentedMap):
        return CommentedMap((k, _commented(v)) for k, v in value.items())
    if isinstance(value, list) and not isinstance(value, CommentedSeq):
        return CommentedSeq(_commented(v) for v in value)
    return value


def _last_slot(container: Any, only: Any = None) -> tuple[Any, Any, int] | None:
    """(container, key or index, comment slot) of the last item under `container` (under its item `only`),
    where ruamel keeps the comments that follow it."""

    first = True
    while True:
        if isinstance(container, CommentedMap) and len(container):
            key = only if (first and only is not None) else list(container.keys())[-1]
            slot = 2
        elif isinstance(container, CommentedSeq) and len(container):
            key = only if (first and only is not None) else len(container) - 1
            slot = 0
        else:
            return None
        first = False
        value = container[key]
        if isinstance(value, (CommentedMap, CommentedSeq)) and len(value) and not value.fa.flow_style():
            container = value
            continue
        return container, key, slot


def _take_following(container: Any, only: Any = None) -> str:
    """Remove and return the full-line comments after the last item's end-of-line part."""
    found = _last_slot(container, only)
    if found is None:
        return ""
    owner, key, slot = found
    items = owner.ca.items.get(key)
    if not items or len(items) <= slot or items[slot] is None or "\n" not in items[slot].value:
        return ""
    eol, rest = items[slot].value.split("\n", 1)
    if eol.strip():
        items[slot].value = eol + "\n"
    else:
        items[slot] = None
    return rest


def _give_following(container: Any, text: str, only: Any = None) -> None:
    if not text:
        return

    found = _last_slot(container, only)
    if found is None:
        return
    owner, key, slot = found
    items = owner.ca.items.setdefault(key, [None, None, None, None] if slot == 2 else [None, None])
    while len(items) <= slot:
        items.append(None)
    tok = items[slot]
    if tok is None:
        items[slot] = CommentToken("\n" + text, CommentMark(0), None)
    else:
        if not tok.value.endswith("\n"):
            tok.value += "\n"
        tok.value += text


def _rename_key(mapping: Any, old: Any, new: str) -> None:
    keys = list(mapping.keys())
    pos = keys.index(old)
    value = mapping[old]
    ca = mapping.ca.items.pop(old, None)
    del mapping[old]
    mapping.insert(pos, new, value)
    if ca is not None:
        mapping.ca.items[new] = ca


# --- splicing -----------------------------------------------------------------------------------------

def splice(original: str, before: str, after: str) -> str | None:
    """Apply the line changes between ruamel's dumps `before` and `after` to the original text.

    `before` is ruamel's rendering of the unedited document. Where it matches the original line for line
    (the usual case) the changes land exactly; where ruamel would have reformatted something, only
    changes inside lines it reproduced faithfully are accepted. None: a change cannot be placed.
    """
    orig_lines = split_lines(original)
    nl = newline_of(original) if original else "\n"
    orig_cmp = [ln.rstrip("\r\n") for ln in orig_lines]
    b_lines = before.split("\n")[:-1] if before.endswith("\n") else before.split("\n")
    a_lines = after.split("\n")[:-1] if after.endswith("\n") else after.split("\n")
    # before line index -> original line index, for lines ruamel reproduced as they were
    mapping: dict[int, int] = {}
    for tag, i1, i2, j1, _ in difflib.SequenceMatcher(None, orig_cmp, b_lines, autojunk=False).get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                mapping[j1 + k] = i1 + k
    out = list(orig_lines)
    changes = [op for op in difflib.SequenceMatcher(None, b_lines, a_lines, autojunk=False).get_opcodes() if op[0] != "equal"]
    for tag, i1, i2, j1, j2 in reversed(changes):
        new = [ln + nl for ln in a_lines[j1:j2]]
        if i2 > i1:
            idx = [mapping[k] for k in range(i1, i2) if k in mapping]
            if len(idx) != i2 - i1 or idx != list(range(idx[0], idx[0] + len(idx))):
                return None  # some replaced line is not the original's, or they are not contiguous there
            lo, hi = idx[0], idx[-1] + 1
            if tag == "delete":
                new = _keep_trailing_comments(out[lo:hi])
            else:
                new = [_keep_comment_gap(o, n) for o, n in zip(out[lo:hi], new)] + new[hi - lo:]
                kept = {n.strip() for n in new}
                new += [c for c in _keep_trailing_comments(out[lo:hi]) if c.strip() not in kept]
        else:
            if i1 in mapping:
                lo = hi = mapping[i1]
            elif i1 > 0 and (i1 - 1) in mapping:
                lo = hi = mapping[i1 - 1] + 1
            elif i1 == 0:
                lo = hi = 0
            else:
                return None
        if hi > lo and not out[hi - 1].endswith("\n") and new:
            new[-1] = new[-1][: -len(nl)]  # the file had no final newline: keep it that way
        out[lo:hi] = new
    return "".join(out)


def _keep_trailing_comments(removed: list[str]) -> list[str]:
    """Of lines removed with a deleted value, keep the full-line comments after its last content line."""
    last = max((i for i, ln in enumerate(removed) if ln.strip() and not ln.lstrip().startswith("#")), default=-1)
    return removed[last + 1:] if last >= 0 else []


def _keep_comment_gap(old: str, new: str) -> str:
    """ruamel keeps an end-of-line comment at its column; keep its distance from the content instead."""
    body_old, body_new = old.rstrip("\r\n"), new.rstrip("\r\n")
    for k in range(1, len(body_old)):
        if body_old[k] != "#" or body_old[k - 1] not in " \t":
            continue
        comment = body_old[k:]
        if not body_new.endswith(comment) or len(body_new) <= len(comment):
            continue
        content_old = body_old[:k].rstrip(" \t")
        content_new = body_new[: len(body_new) - len(comment)].rstrip(" \t")
        if not content_new:
            return new
        gap = body_old[len(content_old):k]
        return content_new + gap + comment + new[len(body_new):]
    return new


def apply_plain(data: Any, path: DocPath, edit: Edit) -> None:
    """What `apply_edit` does, on plain loaded values: the fixer checks the re-read text against it."""

    node = data
    for part in path[:-1]:
        if isinstance(node, dict):
            if node.get(part) is None and edit.op == "set":
                node[part] = {}
            node = node[part]
        else:
            node = node[part]
    last = path[-1]
    value = copy.deepcopy(edit.value)
    if edit.op == "set":
        node[last] = value
    elif edit.op == "insert":
        if isinstance(node, list) and isinstance(last, int):
            node.insert(last, value)
        else:
            node[last] = value
    elif edit.op == "delete":
        del node[last]
    elif edit.op == "rename":
        if edit.value != last and edit.value in node:
            raise EditError(f"renaming {last!r} to {edit.value!r} would replace the existing {edit.value!r}")
        node[edit.value] = node.pop(last)


# --- in-place scalar edits (JSON files, layouts ruamel would reformat) -----------------------------------

_PLAIN_OK = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_./@+-]*$")


def edit_in_place(lines: list[str], root: Any, edits: list[tuple[DocPath, Edit]], json_style: bool) -> list[tuple[int, int, int, str]]:
    """Replacements (line, start column, end column, text) that rename a key or replace a scalar with a
    scalar right where it is written, for any layout (JSON, flow style). Raises EditError for anything
    else: structural edits need `check_edits`."""


    shared = _shared_nodes(root)
    out: list[tuple[int, int, int, str]] = []
    for path, edit in edits:
        if not path or edit.op not in ("rename", "set"):
            raise EditError(f"cannot {edit.op} in place")
        node, key = root, None
        for part in path:
            if id(node) in shared:
                raise EditError("refusing to edit through an anchor/alias")
            if isinstance(node, MappingNode) and any(k.tag == "tag:yaml.org,2002:merge" for k, _ in node.value):
                raise EditError("refusing to edit a mapping that uses merge keys (<<)")
            node, key = _child(node, part)
            if node is None:
                raise EditError(f"path {_fmt(path)} does not exist")
        if id(node) in shared:
            raise EditError(f"refusing to edit the anchored value at {_fmt(path)}")
        if edit.op == "rename":
            if key is None or not isinstance(edit.value, str):
                raise EditError(f"cannot rename {_fmt(path)}")
            out.append(_replace_scalar(lines, key, edit.value, json_style))
        else:
            if not isinstance(node, ScalarNode) or isinstance(edit.value, (dict, list, tuple)):
                raise EditError(f"cannot set {_fmt(path)} in place")
            out.append(_replace_scalar(lines, node, edit.value, json_style))
    spans = sorted(out)
    if any(a[0] == b[0] and a[2] > b[1] for a, b in pairwise(spans)):
        raise EditError("overlapping edits")
    return out


def apply_in_place(lines: list[str], replacements: list[tuple[int, int, int, str]]) -> None:
    for line, c1, c2, text in sorted(replacements, reverse=True):
        lines[line] = lines[line][:c1] + text + lines[line][c2:]


def _shared_nodes(root: Any) -> set[int]:

    seen: set[int] = set()
    shared: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            shared.add(id(node))
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for k, v in node.value:
                stack.extend((k, v))
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return shared


def _replace_scalar(lines: list[str], node: Any, value: Any, json_style: bool) -> tuple[int, int, int, str]:


    start, end = node.start_mark, node.end_mark
    if not isinstance(node, ScalarNode) or start.line != end.line or start.line >= len(lines):
        raise EditError("only single-line scalars are edited in place")
    written = lines[start.line][start.column:end.column]
    style = node.style or ""
    old = node.value
    if style == '"':
        ok = _loads_or_none(written) == old
    elif style == "'":
        ok = written == "'" + old.replace("'", "''") + "'"
    else:
        ok = style == "" and written == old
    if not ok:
        raise EditError("the scalar is not written the way it reads (tag, anchor or escape)")
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    elif isinstance(value, (int, float)):
        text = json.dumps(value)
    elif isinstance(value, str):
        plain_ok = _PLAIN_OK.match(value) and _RESOLVER.resolve(yaml.ScalarNode, value, (True, False)) == "tag:yaml.org,2002:str"
        if style == "'" and not json_style:
            text = "'" + value.replace("'", "''") + "'"
        elif style == "" and plain_ok and not json_style:
            text = value
        else:
            text = json.dumps(value, ensure_ascii=False)
    else:
        raise EditError(f"cannot write a {type(value).__name__} in place")
    return start.line, start.column, end.column, text


def _loads_or_none(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except Exception:  # noqa: BLE001 - a syntax error or a scalar its tag rejects (`!!int ""`)
        return None
