"""Document values without positions, several times faster than composing nodes with libyaml.

Most files in a healthy repository produce no finding, so the positions libyaml's composer records for
every node are rarely read. Here libyaml stays the judge of what is valid YAML (its parser runs over the
text without building Python objects), rapidyaml builds the values (through its JSON emitter and the C
JSON decoder), and `loader` composes positions only for the files a finding points into.

The two parsers must agree on what a document means, so this path declines (returns None, and the file
takes the libyaml path) whenever agreement is not certain: anchors, aliases, tags, merge keys, directives,
complex keys, tabs, duplicate keys, documents nested deeper than the loader allows, and any scalar that
YAML 1.1 (as Kubernetes reads it) could resolve differently from rapidyaml's JSON (`yes`, `~`, `0777`,
`1e3`, ...). `tests/test_fastparse.py` checks both paths agree on every file under ../shared/upstream and
on mutated documents.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml

try:
    import ryml
    from yaml._yaml import CParser
except ImportError:  # no rapidyaml wheel or no libyaml: every file takes the libyaml compose path
    ryml = None
    CParser = None  # type: ignore[misc,assignment]  # the optional C extension: callers check `ryml is None` first

# libyaml's parser judges the syntax; these are valid constructs that need the loader's own handling or
# that the two parsers could read differently: node properties (`&a`, `*a`, `!tag`, even `!=tag`) and
# complex keys (`? `) at the start of a token, checked only when a character that can start one is
# present. Expression operators (` * 100`, ` && `, ` != `) do not match; other matches inside quoted
# strings only cost speed (the file takes the libyaml path).
_PROPERTY_CHARS = "&*!?"
_PROPERTY = re.compile(r"(?:^|[\s\[{,:])(?:&[^\s&]|\*\S|![^\s=]|!=\S|\?(?:\s|$))", re.MULTILINE)
_SIGNED_DOT = re.compile(r"(?:^|[\s\[{,:])[-+]\.[0-9]", re.MULTILINE)
_BLOCK_SCALAR = re.compile(r"[|>][-+0-9]*[ ]*(?:#.*)?$", re.MULTILINE)

# Quoted tokens in rapidyaml's JSON that a plain YAML 1.1 scalar could have produced while meaning a
# bool, int, float or null: a cheap superset (the lookahead skips almost every token at its first
# character), each candidate then judged against PyYAML's own resolver patterns.
_CANDIDATE = re.compile(r'"(?=[-+.~0-9yYnNtTfFoO])([-+.~0-9][-+.0-9_:xXa-fA-FinINA]*|yes|Yes|YES|no|No|NO|'
                        r'true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)"(:?)')
_NON_STR_TAGS = ("bool", "null", "int", "float")
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_YAML11_FLOAT_EXP = re.compile(r"-?[0-9]+\.[0-9]*[eE][-+][0-9]+")


def _non_str_pattern() -> re.Pattern[str]:
    patterns: list[str] = []
    for resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.values():
        for tag, regexp in resolvers:
            if tag.rsplit(":", 1)[-1] in _NON_STR_TAGS and regexp.pattern not in patterns:
                patterns.append(regexp.pattern)
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.VERBOSE)


_NON_STR = _non_str_pattern()  # PyYAML's bool/null/int/float patterns, anchored


def _unsure_text(text: str) -> bool:
    if "\t" in text or "<<" in text or "\n..." in text or "\n%" in text or text.startswith(("%", "...")):
        return True  # tabs, merge keys, document end markers, directives
    if ("-." in text or "+." in text) and _SIGNED_DOT.search(text):
        return True  # rapidyaml writes `-.5` as -0.5; YAML 1.1 reads it as a string
    if any(c in text for c in _PROPERTY_CHARS):
        return _PROPERTY.search(text) is not None
    return False


class _Disagree(Exception):
    pass


_intern = sys.intern


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Keys and string values interned: the JSON decoder shares equal keys only within one file, and the
    # same names, kinds and labels recur across thousands of files (a third of the values' memory, for ~10%
    # more decoding time). `marshal` keeps them interned on the way back from the load worker.
    out = {_intern(k): (_intern(v) if v.__class__ is str else v) for k, v in pairs}
    if len(out) != len(pairs):
        raise _Disagree()  # a repeated key: the libyaml path reports each one with its position
    return out


def _float(token: str) -> float:
    if ("e" in token or "E" in token) and not _YAML11_FLOAT_EXP.fullmatch(token):
        raise _Disagree()  # YAML 1.1 reads `1e3` (no dot, no exponent sign) as a string, JSON as a float
    return float(token)


def _constant(token: str) -> Any:
    raise _Disagree()  # NaN / Infinity are not JSON; YAML 1.1 spells them .nan / .inf


# One decoder for every document (json.loads with hooks builds a new one per call).
_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_float=_float, parse_constant=_constant)


def available() -> bool:
    return ryml is not None


def documents(text: str, data: bytes, max_depth: int) -> list[tuple[int, Any]] | None:
    """(stream index, value) of each document, as the libyaml path builds them; None: take that path.

    `data` is `text` as UTF-8 bytes.
    """
    if ryml is None or _unsure_text(text):
        return None
    if not _quiet:
        with quiet_stderr():
            return _documents(text, data, max_depth)
    return _documents(text, data, max_depth)


def _documents(text: str, data: bytes, max_depth: int) -> list[tuple[int, Any]] | None:
    if text and not text.endswith("\n") and _BLOCK_SCALAR.search(text):
        return None  # a block scalar ending the file without a line break: rapidyaml adds one
    try:
        CParser(data).raw_parse()  # libyaml's verdict on the syntax, without building any objects
    except yaml.YAMLError:
        return None
    try:
        tree = ryml.parse_in_arena(data)
    except Exception:  # noqa: BLE001 - rapidyaml refuses a few valid forms (e.g. container keys): libyaml path
        return None
    root = tree.root_id()
    if tree.is_stream(root):
        ids = list(ryml.children(tree, root))
    elif tree.num_children(root) or tree.has_val(root) or tree.is_container(root):
        ids = [root]
    else:
        return []  # comments or nothing at all: no documents on either path
    if len(ids) > 1:
        # Several documents: rapidyaml emits the stream as one JSON array of them, so one emission and
        # one decoding serve the whole file. The depth bound counts openers, so summed over many
        # documents it can refuse a file each of whose documents is shallow: then go document by document.
        try:
            js = ryml.emit_json_malloc(tree, root)
        except Exception:  # noqa: BLE001 - something JSON cannot spell (rapidyaml refuses to emit it)
            return None
        if _depth_within(js, max_depth):
            values = _decode(js)
            if not isinstance(values, list) or len(values) != len(ids):
                return None
            return list(enumerate(values))
    out: list[tuple[int, Any]] = []
    for i, node_id in enumerate(ids):
        try:
            js = ryml.emit_json_malloc(tree, node_id)
        except Exception:  # noqa: BLE001 - something JSON cannot spell (rapidyaml refuses to emit it)
            return None
        if not _depth_within(js, max_depth):
            return None
        value = _decode(js)
        if value is _DECLINE:
            return None
        out.append((i, value))
    return out


_DECLINE = object()


def _decode(js: str) -> Any:
    """The value of rapidyaml's JSON, or _DECLINE where the two readings could differ."""
    if not _scalars_agree(js):
        return _DECLINE
    try:
        return _DECODER.decode(js)
    except (ValueError, _Disagree, RecursionError):
        return _DECLINE  # not JSON after all (`+1`), or a value the two readings disagree on


def _scalars_agree(js: str) -> bool:
    for match in _CANDIDATE.finditer(js):
        content, is_key = match.group(1), match.group(2)
        if not _NON_STR.fullmatch(content):
            continue
        if is_key:
            if key_text(content) != content:
                return False
        elif content not in ("true", "false", "null") and not _JSON_NUMBER.fullmatch(content):
            return False  # a plain `yes`/`~`/`0777` would have been emitted as this string
    return True


def _depth_within(js: str, limit: int) -> bool:
    # Every opener counted, even inside strings: an upper bound on the depth. Larger documents are rare
    # enough to leave to the libyaml path, which measures depth exactly.
    return js.count("[") + js.count("{") <= limit


_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()


def key_text(text: str) -> str:
    """What a plain mapping key `text` becomes: JSON object keys are strings, so `true` stays `true`,
    `0.50` becomes `0.5` and `~` becomes `None` (as the libyaml path converts them)."""
    tag = _resolver.resolve(yaml.ScalarNode, text, (True, False))  # type: ignore[no-untyped-call]  # unannotated in types-PyYAML
    if tag.rsplit(":", 1)[-1] not in _NON_STR_TAGS:
        return text
    try:
        value = _constructor.construct_object(yaml.ScalarNode(tag, text), deep=True)
    except Exception:  # noqa: BLE001 - `0x_`, a 200-part sexagesimal: the libyaml path reports it
        return ""  # never equal to a key's text
    return str(value).lower() if isinstance(value, bool) else str(value)


_quiet = 0  # >0 while a caller holds quiet_stderr() around a batch of files


@contextmanager
def quiet_stderr() -> Iterator[None]:
    """rapidyaml prints its errors to the process's stderr before raising them; here they only mean
    "take the libyaml path", so they are not the user's to read. Loading a project holds this once
    around all its files; a lone call to `documents` holds it for itself."""
    global _quiet
    if ryml is None or _quiet:
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError, AttributeError):
        yield
        return
    _quiet += 1
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
        _quiet -= 1
