"""The fast path (libyaml checks syntax, rapidyaml builds values) must agree with the libyaml compose path
on every document it accepts: same documents, same values (types included), same problems.

Where agreement is not certain the fast path declines and the file takes the compose path, so each case
here passes either way; the checks that the fast path is really taken keep the tests from passing
vacuously.
"""

from __future__ import annotations

import math
import random
from pathlib import Path
from typing import Any

import pytest

from rolloutlint.load import fastparse, loader

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
needs_ryml = pytest.mark.skipif(not fastparse.available(), reason="rapidyaml is not installed")


def load_both(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[loader.SourceFile, loader.SourceFile]:
    data = text.encode("utf-8")
    fast = loader.load_file(Path("/x.yaml"), "x.yaml", data=data)
    with monkeypatch.context() as m:
        m.setenv("ROLLOUTLINT_FAST_PARSE", "0")
        slow = loader.load_file(Path("/x.yaml"), "x.yaml", data=data)
    return fast, slow


def same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def assert_agree(fast: loader.SourceFile, slow: loader.SourceFile, what: str) -> None:
    fv = [(d.index, d.value) for d in fast.documents]
    sv = [(d.index, d.value) for d in slow.documents]
    assert len(fv) == len(sv) and all(a[0] == b[0] and same(a[1], b[1]) for a, b in zip(fv, sv)), \
        f"{what!r}: fast {fv!r} != libyaml {sv!r}"
    assert [(p.rule_id, p.message, p.line) for p in fast.problems] == [(p.rule_id, p.message, p.line) for p in slow.problems], what
    assert [d.duplicates for d in fast.documents] == [d.duplicates for d in slow.documents], what


def took_fast_path(src: loader.SourceFile) -> bool:
    return any(d.source is not None for d in src.documents)


# Plain scalars YAML 1.1 and JSON can read differently, and ordinary ones that must stay on the fast path.
SCALARS = """0 -0 +0 00 007 08 0x1F 0X1f 0b101 -0x1 +12 12 -12 1_000 1,000 1:30 190:20:30 -1:30 1:30.5 1.5 -1.5
+1.5 .5 -.5 +.5 1. -1. 0.50 00.5 1e3 1E3 1e+3 1.0e3 1.0e+3 1.0E-3 -1.0e+3 .1e+3 1.e+3 1.5e 1e 0e0 .inf -.inf
+.inf .Inf .INF .nan .NaN .NAN inf nan NaN Infinity -Infinity true True TRUE false False FALSE yes Yes YES no
No NO on On ON off Off OFF y Y n N null Null NULL ~ nil None 2001-12-14 2001-12-14t21:59:43.10-05:00 1.2.3
v1 1h 5m 50% 123456789012345678901234567890 0.1e-5 5e-324 1e309 = - 0_1 ._5 0x_ 0.0 -0.0 1.0e+03""".split()  # noqa: SIM905 - a table of scalars, space-separated as YAML would read them
CONTEXTS = ["k: {s}\n", "{s}: v\n", "- {s}\n", "k: [{s}, x]\n", "k: {{a: {s}}}\n", "{s}\n",
            "k:\n  - {s}\n  - '{s}'\n  - \"{s}\"\n", "'{s}': 1\n\"{s}\": 2\n", "k: {s}\n---\nj: {s}\n"]

STRUCTURES = [
    "k: a #c\n", "k: a#b\n", "k: 'a\n  b'\n", 'k: "a\n\n  b \\\n  c"\n', "k: a\n  b\n\n  c\n", "k: |2\n   x\n  y\n",
    "k: |-\n  x\n\n", "k: |+\n  x\n\n\nj: 1\n", "k: >\n  a\n  b\n\n  c\n   d\n", "k: >+\n  a\n\n", "k: |\n  x",
    "k: >-\n  x", "k: 'x'", "k: x  \n", 'k: "a\\x41\\u00e9\\U0001F600\\0\\a\\b\\e\\f\\v\\ \\_\\N\\L\\P\\/"\n',
    "k: 'it''s'\n", 'k: a"b\n', "k: a\\b\n", "k: é ü 日本 😀\n", "k: v\r\nj: w\r\n", "\ufeffk: v\n",
    "k: {a: 1, b: [1, 2, {c: d}]}\n", "k: []\nj: {}\n", "k:\nj: ~\n", "- - a\n  - b\n- c\n", "k:\n- a\n- b\n",
    "? a\n: b\n", "a: 1\n...\n---\nb: 2\n", "--- >\n  folded\n", "--- |\n  lit\n", "---\n", "--- \n---\n",
    "# c\n---\n# d\n", "", "# only a comment\n", "k: !!str 1\n", "k: &a 1\nj: *a\n", "base: &b {x: 1}\nk:\n  <<: *b\n",
    '{"a": 1, "b": [true, null, 1.5]}\n', "[1, 2]\n", "k: -\n", "k: a: b\n", "[a, b]: c\n", "k: \"\"\nj: ''\n",
    "'': 1\n", 'k: "\\t"\n', "k:\ttab\n", "k: x\n  # comment\n  y\n", "k: |\n  # not a comment\n", "k: |1\n  a\n",
    "k: 1\nk: 1\n", "k: 1\nk: 2\n", "true: 1\nTrue: 2\n", "1: a\n'1': b\n", "a:\n  b: 1\n  b: 2\n", "k: @x\n",
    "k: " + "[" * 70 + "]" * 70 + "\n", "%YAML 1.1\n---\nk: v\n", "k: `x\n", "k: 'unclosed\n",
    "k: !=odd 12\n", "a: &&x 1\nb: *&x\n", "k: !<tag:yaml.org,2002:str> 12\n", "- *a\n", "q: rate(x) != 1 && y\n",
]


@needs_ryml
@pytest.mark.parametrize("scalar", SCALARS)
def test_scalars_read_the_same(scalar: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for context in CONTEXTS:
        text = context.format(s=scalar)
        fast, slow = load_both(text, monkeypatch)
        assert_agree(fast, slow, text)


@needs_ryml
@pytest.mark.parametrize("text", STRUCTURES)
def test_structures_read_the_same(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = load_both(text, monkeypatch)
    assert_agree(fast, slow, text)


@needs_ryml
@pytest.mark.parametrize("text", [
    "k: 1.5\nj: [1, -2, 0.25]\n", "k: 'true'\nj: \"80\"\n", "k: |\n  block\n", "apiVersion: v1\nkind: Service\n",
    "a: 1\n---\nb: 2\n", "k: rate(x[5m]) * 100 != 1 && y\n", "k: http://x/y?a=1&b=2\n", "k: true\nj: null\nl:\n",
])
def test_ordinary_documents_take_the_fast_path(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, slow = load_both(text, monkeypatch)
    assert took_fast_path(fast), text
    assert_agree(fast, slow, text)


@needs_ryml
@pytest.mark.parametrize("text", ["k: yes\n", "k: 0777\n", "k: ~\n", "k: 1e3\n", "k: -.5\n", "0.50: x\n", "k: 1\nk: 2\n",
                                  "k: &a 1\n", "k: !!str 1\n", "k: !=odd 12\n", "k: **a\n", "k: |\n  x", "k: " + "[" * 70 + "]" * 70 + "\n"])
def test_uncertain_documents_take_the_libyaml_path(text: str) -> None:
    assert fastparse.documents(text, text.encode(), loader.MAX_DEPTH) is None


@needs_ryml
def test_positions_are_composed_on_demand(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "a: 1\n---\nkind: Rollout\nspec:\n  replicas: 3\n"
    fast, slow = load_both(text, monkeypatch)
    assert took_fast_path(fast)
    assert all(doc.composed is None for doc in fast.documents)  # nothing composed until asked
    node = fast.documents[1].node
    assert node is not None and node.start_mark.line == slow.documents[1].node.start_mark.line == 2
    assert fast.documents[0].composed is None  # only the document asked for is composed
    assert fast.documents[0].node is not None and fast.documents[0].node.start_mark.line == 0


@needs_ryml
def test_rapidyaml_errors_never_reach_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    text = "[a, b]: c\n"  # valid YAML that rapidyaml refuses (container keys)
    assert fastparse.documents(text, text.encode(), loader.MAX_DEPTH) is None
    assert capfd.readouterr().err == ""


def _random_scalar(r: random.Random) -> str:
    atom = r.choice(SCALARS + ["a", "b c", "x: y", "a#b", "http://x/y?z=1&w=2", "rate(x[5m]) * 100", "a, b", "é",
                               "a'b", 'a"b', "a\\b", "", " ", "-a", ":a", "name"])
    style = r.random()
    if style < 0.5:
        return atom
    if style < 0.75:
        return "'" + atom.replace("'", "''") + "'"
    return '"' + atom.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _random_node(r: random.Random, depth: int, indent: int, flow: bool = False) -> str:
    k = r.random()
    if depth > 3 or k < 0.4:
        return _random_scalar(r)
    if flow or k < 0.55:
        if r.random() < 0.5:
            return "[" + ", ".join(_random_node(r, depth + 1, indent, True) for _ in range(r.randint(0, 3))) + "]"
        return "{" + ", ".join(f"{_random_scalar(r)}: {_random_node(r, depth + 1, indent, True)}"
                               for _ in range(r.randint(0, 3))) + "}"
    pad = " " * (indent + 2)
    if k < 0.8:
        body = "".join(f"{pad}{_random_scalar(r)}: {_random_node(r, depth + 1, indent + 2)}\n" for _ in range(r.randint(1, 4)))
    else:
        body = "".join(f"{pad}- {_random_node(r, depth + 1, indent + 2)}\n" for _ in range(r.randint(1, 4)))
    return "\n" + body.rstrip("\n")


def _mutate(r: random.Random, text: str) -> str:
    for _ in range(r.randint(1, 3)):
        if not text:
            break
        i, op = r.randrange(len(text)), r.random()
        lines = text.split("\n")
        j = r.randrange(len(lines))
        if op < 0.3:
            text = text[:i] + text[i + 1:]
        elif op < 0.6:
            text = text[:i] + r.choice(" \n:-'\"#[]{},|>&*!?%@`\\.0yx") + text[i:]
        elif op < 0.8:
            lines.insert(j, lines[j])
            text = "\n".join(lines)
        else:
            lines[j] = " " + lines[j]
            text = "\n".join(lines)
    return text


@needs_ryml
@pytest.mark.parametrize("seed", range(4))
def test_random_and_mutated_documents_read_the_same(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Seeded, so a failure reproduces; thousands more cases were run while building the fast path."""
    r = random.Random(seed)
    examples = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "rules").rglob("*.yaml"))]
    fast_count = 0
    for i in range(300):
        if i % 2:
            text = _mutate(r, r.choice(examples))
        else:
            text = "".join(f"{_random_scalar(r)}: {_random_node(r, 0, 0)}\n" for _ in range(r.randint(1, 5)))
        fast, slow = load_both(text, monkeypatch)
        fast_count += took_fast_path(fast)
        assert_agree(fast, slow, text)
    assert fast_count > 30  # the comparison must exercise the fast path, not only its refusals


def _upstream_files() -> list[Path]:
    if not SHARED.is_dir():
        return []
    return sorted(p for p in SHARED.rglob("*") if p.suffix.lower() in (".yaml", ".yml", ".json") and p.is_file())


@needs_ryml
@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is absent")
def test_every_upstream_file_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    fast_count = 0
    files = _upstream_files()
    for path in files:
        data = path.read_bytes()
        fast = loader.load_file(path, path.name, data=data)
        with monkeypatch.context() as m:
            m.setenv("ROLLOUTLINT_FAST_PARSE", "0")
            slow = loader.load_file(path, path.name, data=data)
        fast_count += took_fast_path(fast)
        assert_agree(fast, slow, str(path))
    assert fast_count > len(files) // 2


@needs_ryml
@pytest.mark.parametrize("docs", [4, 60])
def test_multi_document_files_read_the_same_either_way(docs: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # A few documents are emitted as one JSON array; sixty with six openers each exceed the depth bound
    # summed over the file (256), so each document is emitted on its own. Empty and scalar documents
    # keep their stream index on both paths.
    doc = "apiVersion: v1\nkind: Service\nmetadata: {name: s, labels: {a: b}}\nspec: {ports: [{port: 80}], x: [[1]]}\n"
    text = "---\n".join([doc] * docs) + "---\n---\nplain\n---\n" + doc
    assert (text.count("{") + text.count("[") > loader.MAX_DEPTH) == (docs == 60)
    fast, slow = load_both(text, monkeypatch)
    assert took_fast_path(fast)
    assert_agree(fast, slow, f"{docs} documents")
    assert [d.index for d in fast.documents][-3:] == [docs - 1, docs + 1, docs + 2]  # the empty one is skipped
