"""Positions read from libyaml's parse events (core.event_positions) are those read from composed nodes
(core.positions): for every node of every document of every YAML file under ../shared and examples/, for
its key, for paths that do not exist, for List-item roots and for scalars inside strings; walked for all
paths of a document at once and for a few paths alone (where the walk stops early); and the engine's
findings are the same whether positions come from walking or from composing."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from rolloutlint.core.event_positions import PathIndex, Unsupported
from rolloutlint.core.positions import inner_span, locate, locate_inner, subnode
from rolloutlint.core.positions import Path as DocPath
from rolloutlint.core.source import NodeLoader
from rolloutlint.load.loader import load_file

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
MAX_PATHS = 300  # per document (a few CRD schemas have tens of thousands of nodes): a seeded sample beyond


def _paths(node: Node, prefix: DocPath = ()) -> list[DocPath]:
    """Every node's path, plus paths that do not exist below and beside it."""
    out = [prefix]
    if isinstance(node, MappingNode):
        out.append(prefix + ("no-such-key",))
        out.append(prefix + (0,))
        for k, v in node.value:
            if isinstance(k, ScalarNode):
                out.extend(_paths(v, prefix + (k.value,)))
                if k.value.isdigit():
                    out.append(prefix + (int(k.value),))  # an int segment matches the key "0"
    elif isinstance(node, SequenceNode):
        out += [prefix + (len(node.value),), prefix + ("0",), prefix + (-1,), prefix + ("x", "y")]
        for i, v in enumerate(node.value):
            out.extend(_paths(v, prefix + (i,)))
    else:
        out += [prefix + ("below-a-scalar",), prefix + (0, "deeper")]
    return out


def _sample(paths: list[DocPath], seed: str) -> list[DocPath]:
    paths = list(dict.fromkeys(paths))
    if len(paths) <= MAX_PATHS:
        return paths
    return random.Random(seed).sample(paths, MAX_PATHS)


def _scalar_at(root: Node | None, path: DocPath) -> Any:
    node = subnode(root, path)
    if not isinstance(node, ScalarNode):
        return None
    return node.style, node.start_mark.line, node.start_mark.column, node.end_mark.line


def _check(root: Node, index: PathIndex, paths: list[DocPath], text: str, what: str) -> None:
    for path in paths:
        for key in (False, True):
            assert index.span(path, key) == locate(root, path, key=key), (what, path, key)
        assert index.scalar(path) == _scalar_at(root, path), (what, path)
        for inner in ((1, 1), (1, 3), (2, 2)):
            got = index.scalar(path)
            assert (inner_span(got, inner, text) if got is not None else None) == \
                locate_inner(root, path, inner, text), (what, path, inner)
        if path and isinstance(path[-1], int) and path[-1] >= 0:  # a List item's own root
            for sub in (("metadata", "name"), (), ("spec",), ("no-such-key",)):
                full = path + sub
                if full in index.trie_of:
                    assert index.span(sub, False, root=path) == locate(subnode(root, path), sub), (what, path, sub)


def _compare_stream(text: str, what: str, unique: bool = False) -> int:
    """Compare on every document of `text`; returns how many paths were checked."""
    nodes = list(yaml.compose_all(text, Loader=NodeLoader))
    checked = 0
    for i, root in enumerate(nodes):
        paths = _sample(_paths(root), f"{what}:{i}")
        for item in [p for p in paths if p and isinstance(p[-1], int) and p[-1] >= 0]:
            paths += [item + ("metadata", "name"), item + ("spec",), item + ("no-such-key",)]
        index = PathIndex(paths)
        index.walk(text, i, unique=unique)
        _check(root, index, paths, text, f"{what} document {i}")
        # Alone, each path stops the walk as early as it can.
        for path in random.Random(what).sample(paths, min(len(paths), 4)):
            alone = PathIndex([path])
            alone.walk(text, i, unique=unique)
            _check(root, alone, [path], text, f"{what} document {i} alone")
        checked += len(paths)
    return checked


def _corpus() -> list[Path]:
    files = sorted(p for p in (ROOT / "examples").rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    if SHARED.is_dir():
        files += sorted(p for p in SHARED.rglob("*") if p.suffix.lower() in (".yaml", ".yml") and p.is_file())
    return files


def test_every_node_of_every_example_and_shared_file() -> None:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    files = checked = fast_docs = 0
    for path in _corpus():
        try:
            text = path.read_text(encoding="utf-8")
            nodes = list(yaml.compose_all(text, Loader=NodeLoader))
        except (yaml.YAMLError, UnicodeDecodeError, RecursionError):
            continue
        if not nodes:
            continue
        files += 1
        checked += _compare_stream(text, str(path))
        # As the engine walks a fast-parsed document: cut out of its file, keys unique, checked against
        # its value, stopping early.
        src = load_file(path, path.name)
        for doc in src.documents:
            if doc.source is None or doc.index >= len(nodes):
                continue
            alone = src.document_text(doc)
            paths = _sample(_paths(nodes[doc.index]), f"{path}:{doc.index}:fast")
            for subset in (paths, paths[len(paths) // 2:len(paths) // 2 + 3], paths[-2:]):
                index = PathIndex(subset)
                if alone is not None:
                    index.walk(alone, 0, expect=doc.value)
                else:
                    index.walk(text, doc.index)
                _check(nodes[doc.index], index, subset, text, f"{path} fast document {doc.index}")
            fast_docs += 1
    assert files > 500 and fast_docs > 500 and checked > 40_000


EDGE_STREAMS = [
    "a: 1\n---\nb: 2\n",
    "kind: A\nspec: {x: [1, 2, {y: z}], 'q': \"w\"}\nlist: [a, [b, c], {}]\nempty: []\n",
    "kind: A\nplain: one\n  two\n  three\nsq: 'multi\n  line'\ndq: \"a\\\n  b\"\nnext: 1\n",
    "kind: A\nlit: |\n  line 1\n   line 2\n\nfold: >-\n  a\n  b\nkeep: |+\n  x\n\n\nafter: [1]\n",
    "# head\nkind: A  # trailing\n# between\nspec:\n  # inside\n  a: 1 # c\n\n  b:\n    - 1\n    # c\n    - 2\n# tail\n",
    "a: 1\n...\n---\nb: 2\n...\n",
    "%YAML 1.1\n%TAG !e! tag:example.com,2000:\n---\na: !e!x 1\n",
    "a: 1\r\nb:\r\n  - x\r\n  - y\r\nc: {d: e}\r\n",
    "---\n---\na: 1\n---\n# only a comment\n---\n",
    "1: one\ntrue: yes\n~: null\n2.5: x\n[a, b]: complex\n{k: v}: map\n? long key\n: value\n",
    "a: 1\nb: 2\na: 3\nc:\n  x: 1\n  x: {y: 2}\n",
    "a: &anchor {x: 1}\nb: *anchor\nc: [*anchor, 2]\n*anchor : 3\n",
    "seq:\n- a\n- b:\n    c: 1\n  d: 2\n- - x\n  - y\n-\n- ''\nnext: 1\n",
    "k:\n  - - - deep\n      - x\n    - y\n  -\n    z: 1\n",
    "empty:\nnull_value: ~\nk: \n  \n",
    "- a\n- b: 1\n  c: [1,\n    2]\n- {x: 1,\n   y: 2}\n",
    "\ufeffa: 1\nb: 2\n",
    "a: \"x\ny\"\nb: 'p\n\n  q'\n",
    "top:\n  mid:\n    leaf: 1\n  other: 2\nlast: 3",
    "just a scalar\n",
    "[1, 2, 3]\n",
    "",
    "items:\n- apiVersion: v1\n  kind: A\n  metadata: {name: a}\n- apiVersion: v1\n  kind: B\n  metadata:\n    name: b\n  spec:\n    x: 1\n",
]


@pytest.mark.parametrize("text", EDGE_STREAMS)
def test_edge_case_streams(text: str) -> None:
    try:
        nodes = list(yaml.compose_all(text, Loader=NodeLoader))
    except yaml.YAMLError:
        pytest.fail("edge case must be valid YAML")
    for i, root in enumerate(nodes):
        paths = list(dict.fromkeys(_paths(root)))
        try:
            index = PathIndex(paths)
            index.walk(text, i, unique=False)
        except Unsupported:
            assert "*" in text  # only an alias on a requested path is declined
            # The paths that avoid aliases are answered alike.
            paths = [p for p in paths if not p or p[0] not in ("b", "c")]
            index = PathIndex(paths)
            try:
                index.walk(text, i, unique=False)
            except Unsupported:
                continue
        _check(root, index, paths, text, f"{text!r} document {i}")


def test_duplicate_keys_last_wins_and_the_unique_walk_declines() -> None:
    text = "a: 1\nb: {x: 1}\na: [2, 3]\nb: 4\n"
    root = yaml.compose(text, Loader=NodeLoader)
    paths: list[DocPath] = [("a",), ("a", 1), ("b",), ("b", "x"), ("a", 5)]
    index = PathIndex(paths)
    index.walk(text, 0, unique=False)
    for path in paths:
        assert index.span(path) == locate(root, path)
        assert index.span(path, key=True) == locate(root, path, key=True)
    assert index.span(("a",)) == (3, 4, 3, 10)
    # A walk promised unique keys declines when it meets a requested key again before it is done.
    with pytest.raises(Unsupported):
        PathIndex([("a",), ("z",)]).walk(text, 0, unique=True)


def test_clashing_segments_get_their_own_walk() -> None:
    text = "m: {'0': a, '1': b}\ns: [x, y]\n"
    root = yaml.compose(text, Loader=NodeLoader)
    paths: list[DocPath] = [("m", 0), ("m", "0"), ("s", 1), ("s", "1"), ("m", 1)]
    index = PathIndex(paths)
    assert len(index.roots) == 2
    index.walk(text, 0)
    for path in paths:
        assert index.span(path) == locate(root, path), path


def test_a_document_that_does_not_agree_is_declined() -> None:
    with pytest.raises(Unsupported):
        PathIndex([("kind",)]).walk("kind: A\nspec: 1\n", 0, expect={"kind": "B", "spec": 1})
    with pytest.raises(Unsupported):
        PathIndex([("x",), ("no-such-key",)]).walk("kind: A\nx: 1\n", 0, expect={"kind": "A", "x": 1, "y": 2})
    with pytest.raises(Unsupported):
        PathIndex([("x",)]).walk("- 1\n", 0, expect={"x": 1})
    with pytest.raises(Unsupported):
        PathIndex([("x",)]).walk("a: 1\n", 3)  # no such document
    index = PathIndex([("kind",)])
    index.walk("kind: A\nspec: 1\n", 0, expect={"kind": "A", "spec": 1})
    assert index.span(("kind",)) == (1, 7, 1, 8)


def _findings(where: Path) -> list[Any]:
    from rolloutlint.api import lint_paths

    return [(f.rule, f.location, f.related, f.message, f.path, f.fingerprint, f.suppressed)
            for f in lint_paths(["."], cwd=where).findings]


@pytest.mark.parametrize("where", ["examples", "shared-upstream", "generated"])
def test_findings_are_the_same_walked_or_composed(where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rolloutlint.run import locate as locating

    if where == "examples":
        target = ROOT / "examples"
    elif where == "shared-upstream":
        target = SHARED / "upstream"
        if not target.is_dir():
            pytest.skip("../shared is not present")
    else:
        target = tmp_path
        for i in range(4):
            (tmp_path / f"app{i}.yaml").write_text(
                f"apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {{name: r{i}}}\nspec:\n  bogus: 1\n"
                f"  replicas: 'x'\n  strategy:\n    canary:\n      steps:\n      - setWeight: 150\n      - pause: {{duration: 1q}}\n"
                f"---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata:\n    name: s{i}\n"
                f"  spec:\n    oops: 2\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: c{i}}}\n  data: 3\n")
    walked = _findings(target)
    calls: list[int] = []
    real = locating._walk

    def counting(doc: Any, paths: Any) -> Any:
        calls.append(1)
        return real(doc, paths)

    monkeypatch.setattr(locating, "_walk", counting)
    assert _findings(target) == walked
    assert calls or where == "examples"  # the walk really answered (examples' findings may not need positions)
    monkeypatch.setattr(locating, "_walkable", lambda res, path: None)  # every position from composed nodes
    composed = _findings(target)
    assert composed == walked
    assert len(walked) > 0
