"""Read files into documents: libyaml composes nodes (positions kept), we build plain values ourselves.

PyYAML's constructor is slower than walking the composed nodes directly, and walking them ourselves
lets us bound hostile input (nesting, alias expansion) and report duplicate keys the way Kubernetes'
strict decoder does instead of silently keeping the last one.
"""

from __future__ import annotations

import base64
import codecs
import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from rolloutlint.core.positions import Path as DocPath
from rolloutlint.core.infile import MAX_INPUT_BYTES, read_capped
from rolloutlint.core.source import Document, DuplicateKey, NodeLoader, Problem, SourceFile
from rolloutlint.load.template_kind import JINJA_PATTERNS, looks_like_jinja, only_in_block_scalars, template_message

TEMPLATE_MESSAGE = ("file is a Helm/Go template, not plain YAML; render it first "
                    "(e.g. `helm template . | rolloutlint lint -`)")
MAX_FILE_BYTES = MAX_INPUT_BYTES
MAX_DEPTH = 256  # Kubernetes manifests nest a few dozen levels; deeper means generated or hostile input
MAX_EXPANDED_NODES = 1_000_000  # bounds alias ("billion laughs") expansion per document


_TEMPLATE_RE = re.compile(r"\{\{-?\s*[.$\w(\"'/-]")
# Go-template actions only Helm (or another chart renderer) would write; Argo's own `{{args.x}}`,
# `{{templates.x}}` placeholders inside manifests do not match.
_HELM_RE = re.compile(r"\{\{-|-\}\}|\{\{\s*(?:\.Values|\.Release|\.Chart|\.Capabilities|\.Files|\$\.|"
                      r"(?:include|template|toYaml|tpl|if|else|end|range|with|define|block)\b)")
_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"


class _TooDeep(Exception):
    def __init__(self, node: Node) -> None:
        self.node = node


class _TooLarge(Exception):
    pass


class _BadScalar(Exception):
    """A scalar whose tag's constructor failed; carries the node so the finding points at it."""

    def __init__(self, node: Node, error: Exception) -> None:
        super().__init__(str(error))
        self.node = node
        self.error = error


_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)  # UTF-32 LE starts like UTF-16 LE


def decode(data: bytes) -> str:
    """UTF-8 (with or without BOM) or UTF-16/32 with BOM, as YAML 1.2 allows."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8")
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return data.decode("utf-32")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    return data.decode("utf-8")


def looks_like_template(text: str) -> bool:
    return _TEMPLATE_RE.search(text) is not None


def is_helm_template(text: str) -> bool:
    """Chart templates can parse as YAML by accident (`{{ .Values.x }}` reads as a flow mapping); they are
    never linted raw."""
    return "{{" in text and _HELM_RE.search(text) is not None


def load_file(path: Path, display: str, data: bytes | None = None) -> SourceFile:
    src = SourceFile(path=path, display=display)
    try:
        if data is None:
            data = read_capped(path, MAX_FILE_BYTES)
    except OSError as exc:
        src.problems.append(Problem("RL002", f"cannot read file: {exc.strerror or exc}"))
        return src
    if len(data) > MAX_FILE_BYTES:
        src.problems.append(Problem("RL002", f"input is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; not linted"))
        return src
    if b"\x00" in data[:8192] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        src.problems.append(Problem("RL002", "file is binary, not YAML or JSON text; not linted"))
        return src
    try:
        text = decode(data)
    except UnicodeDecodeError as exc:
        src.problems.append(Problem("RL002", f"file is not valid UTF-8 (byte offset {exc.start}); save it as UTF-8"))
        return src
    src.text = text
    if (is_helm_template(text) or looks_like_jinja(text)) and \
            not only_in_block_scalars(text, (_HELM_RE, *JINJA_PATTERNS)):
        src.is_template = True
        src.problems.append(Problem("RL005", template_message(text)))
        return src
    parse_text(src, text, None if data.startswith(_BOMS) else data)
    return src


def parse_text(src: SourceFile, text: str, utf8: bytes | None = None) -> None:
    """`utf8`: the text's bytes when the file was plain UTF-8 (saves encoding it again)."""
    if _fast_path_on():
        from rolloutlint.load import fastparse

        values = fastparse.documents(text, utf8 if utf8 is not None else text.encode("utf-8"), MAX_DEPTH)
        if values is not None:
            src.documents = [Document(index=i, value=v, source=src) for i, v in values if v is not None]
            return
    json_value: Any = None
    if path_is_json(src.path) and "\t" in text:
        # JSON is YAML, except that PyYAML rejects some tab layouts; keep json's reading as a fallback.
        try:
            json_value = json.loads(text)
        except ValueError:
            json_value = None
    _compose(src, text, json_value)


def path_is_json(path: Path) -> bool:
    return path.suffix.lower() == ".json"


_compose_only = False


def _fast_path_on() -> bool:
    """The fast path is on unless ROLLOUTLINT_FAST_PARSE=0 (kept for comparing the two paths) or inside
    `compose_only()`."""
    return not _compose_only and os.environ.get("ROLLOUTLINT_FAST_PARSE", "1") != "0"


@contextmanager
def compose_only() -> Iterator[None]:
    """Load with libyaml alone: used for files a loading worker died on, in case rapidyaml killed it."""
    global _compose_only
    before, _compose_only = _compose_only, True
    try:
        yield
    finally:
        _compose_only = before


def _compose(src: SourceFile, text: str, json_value: Any = None) -> None:
    # JSON is composed as YAML too, so its findings get positions like any other file.
    has_anchors = "&" in text
    try:
        index = 0
        for node in yaml.compose_all(text, Loader=NodeLoader):
            if node is None:
                continue
            doc = Document(index=index, value=None, composed=node)
            index += 1
            try:
                doc.value = _Builder(doc, has_anchors).build(node)
            except _TooDeep as deep:
                mark = deep.node.start_mark
                src.problems.append(Problem("RL002", f"document nests deeper than {MAX_DEPTH} levels; not linted", mark.line + 1, mark.column + 1))
                continue
            except _TooLarge:
                mark = node.start_mark
                src.problems.append(Problem("RL002", f"document expands to more than {MAX_EXPANDED_NODES} nodes through aliases; not linted", mark.line + 1, mark.column + 1))
                continue
            except Exception as exc:  # noqa: BLE001 - one odd scalar (`!!bool maybe`) must not stop the lint
                mark = exc.node.start_mark if isinstance(exc, _BadScalar) else node.start_mark
                exc = exc.error if isinstance(exc, _BadScalar) else exc
                src.problems.append(Problem("RL001", f"cannot build document: {_construct_error(exc)}",
                                            mark.line + 1, mark.column + 1))
                continue
            if doc.value is not None:  # empty documents (`---` alone, comments only) are skipped
                src.documents.append(doc)
    except yaml.YAMLError as exc:
        if json_value is not None:
            src.problems.clear()
            src.documents = [Document(index=0, value=json_value)]
            return
        _yaml_error(src, text, exc)
    except RecursionError:
        src.problems.append(Problem("RL002", "document nests too deeply to parse; not linted"))


def _construct_error(exc: Exception) -> str:
    """What went wrong building a value, for the finding (PyYAML's constructor raises bare KeyError and
    IndexError for `!!bool maybe` and `!!int ""`)."""
    if isinstance(exc, (KeyError, IndexError)):
        return f"a scalar does not match its tag ({type(exc).__name__}: {exc})"
    if isinstance(exc, OverflowError):
        return f"a number is out of range ({exc})"
    return str(exc) or type(exc).__name__


def _int_digit_limit() -> int:
    get = getattr(sys, "get_int_max_str_digits", None)
    limit = get() if get is not None else 0
    return limit if limit else 4300


_INT_DIGITS = _int_digit_limit()
_INT_BOUND = 10 ** _INT_DIGITS


def _yaml_error(src: SourceFile, text: str, exc: yaml.YAMLError) -> None:
    # libyaml 0.2.5+ (PyYAML 6.0.4 wheels) stops at 1,000 levels with a scanner error; older builds recurse
    # until RecursionError. Both mean the same to the user.
    if "maximum nesting depth" in str(getattr(exc, "problem", "") or ""):
        src.problems.append(Problem("RL002", "document nests too deeply to parse; not linted"))
        return
    if looks_like_template(text) or looks_like_jinja(text):
        src.is_template = True
        src.problems.append(Problem("RL005", template_message(text)))
        return
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    msg = f"{context}: {problem}" if context and problem else str(problem)
    if isinstance(exc, yaml.reader.ReaderError):
        msg = f"invalid character in file: {exc.reason}"
        line, col = _offset_to_line_col(text, exc.position)
    src.problems.append(Problem("RL001", f"YAML syntax error: {msg}", line, col))


def _offset_to_line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


class _Builder:
    """Turns a composed node tree into plain Python values (YAML 1.1 scalars, like Kubernetes reads them).

    This is the hot loop of the whole lint: no per-node path tuples (duplicate keys, which are rare,
    find their path afterwards) and no memo unless the text has anchors at all.
    """

    _scalar = yaml.constructor.SafeConstructor()

    def __init__(self, doc: Document, has_anchors: bool) -> None:
        self.doc = doc
        self.memo: dict[int, Any] | None = {} if has_anchors else None
        self.expanded = 0
        self.dups: list[tuple[MappingNode, Node, int, bool]] = []

    def build(self, node: Node) -> Any:
        value = self._build(node, 0)
        for mapping, key_node, first_line, same in self.dups:
            path = _path_to(node, mapping) or ()
            self.doc.duplicates.append(DuplicateKey(path + (key_node.value,), key_node.value, first_line, same))
        return value

    def _build(self, node: Node, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise _TooDeep(node)
        memo = self.memo
        if memo is not None:
            cached = memo.get(id(node))
            if cached is not None:
                # An alias: count what it would expand to so a bomb is refused, not materialised.
                self.expanded += cached[1]
                if self.expanded > MAX_EXPANDED_NODES:
                    raise _TooLarge()
                return cached[0]
            before = self.expanded
            self.expanded += 1
        # Exact-class dispatch on a saved `__class__`: cheaper per node than isinstance or repeated type()
        # calls, but mypy does not narrow on it, hence the two ignores.
        cls = node.__class__
        if cls is ScalarNode:
            value = node.value if node.tag == _STR else self._scalar_value(node)  # type: ignore[arg-type]
        elif cls is MappingNode:
            value = self._mapping(node, depth)  # type: ignore[arg-type]
        elif cls is SequenceNode:
            build = self._build
            depth += 1
            value = [build(child, depth) for child in node.value]
        else:  # pragma: no cover - composer yields only these three
            raise TypeError(f"unexpected node {cls.__name__}")
        if memo is not None:
            memo[id(node)] = (value, self.expanded - before)
            if self.expanded > MAX_EXPANDED_NODES:
                raise _TooLarge()
        return value

    def _scalar_value(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag == "tag:yaml.org,2002:timestamp":
            return node.value  # Kubernetes' JSON conversion keeps timestamps as strings
        if tag == "tag:yaml.org,2002:binary":
            return base64.b64encode(self._scalar.construct_yaml_binary(node)).decode("ascii")
        if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"):
            try:
                value = self._scalar.construct_object(node, deep=True)
            except Exception as exc:  # noqa: BLE001 - reported by the loader's guard, at this scalar
                raise _BadScalar(node, exc) from None
            if value.__class__ is int and not -_INT_BOUND < value < _INT_BOUND:
                # `0xfff…` or `1:2:3:…` can build an int Python will not print (reports, JSON, CMP output)
                raise _BadScalar(node, ValueError(f"integer has more than {_INT_DIGITS} digits"))
            return value
        return node.value  # unknown local tags (`!foo`) read as their string

    def _mapping(self, node: MappingNode, depth: int) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        merges: list[Node] | None = None
        build = self._build
        depth += 1
        for key_node, value_node in node.value:
            if key_node.__class__ is ScalarNode and key_node.tag == _STR:
                key: Any = key_node.value
            elif key_node.__class__ is ScalarNode and key_node.tag == _MERGE:
                merges = (merges or []) + [value_node]
                continue
            else:
                key = self._key(key_node)
            if key in out:
                value = build(value_node, depth)
                self._duplicate(node, key_node, key, _same(out[key], value))
                out[key] = value
                continue
            out[key] = build(value_node, depth)
        if merges:  # `<<` merge keys: explicit keys win
            for merge in merges:
                sources = merge.value if merge.__class__ is SequenceNode else [merge]
                for source in sources:
                    merged = build(source, depth)
                    if isinstance(merged, dict):
                        for k, v in merged.items():
                            out.setdefault(k, v)
        return out

    def _key(self, key_node: Node) -> str:
        if key_node.__class__ is not ScalarNode:
            return yaml.serialize(key_node, Dumper=yaml.SafeDumper).strip()  # complex keys: keep text, never crash
        if key_node.tag == _STR:
            return str(key_node.value)
        key = self._scalar_value(key_node)
        if not isinstance(key, str):
            key = str(key).lower() if isinstance(key, bool) else str(key)  # JSON object keys are strings
        return key

    def _duplicate(self, node: MappingNode, key_node: Node, key: Any, same: bool) -> None:
        # The first key with the same meaning, not the same spelling: `true` and `True` collide too.
        first = next((k for k, _ in node.value if not (k.__class__ is ScalarNode and k.tag == _MERGE)
                      and self._key(k) == key), key_node)
        self.dups.append((node, key_node, first.start_mark.line + 1, same))


def _same(a: Any, b: Any) -> bool:
    """Equal as YAML values, types included (`1`, `1.0` and `true` are different values)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def _path_to(root: Node, target: Node) -> DocPath | None:
    """Path of `target` under `root` (only for rare duplicate-key reports)."""
    stack: list[tuple[Node, DocPath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if node is target:
            return path
        if isinstance(node, MappingNode):
            stack.extend((v, path + (k.value,)) for k, v in node.value if isinstance(k, ScalarNode))
        elif isinstance(node, SequenceNode):
            stack.extend((v, path + (i,)) for i, v in enumerate(node.value))
    return None
