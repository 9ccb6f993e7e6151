"""Property: a fix changes what it names and nothing else.

Hypothesis writes Rollouts and VirtualServices with random extra labels/annotations, comments in random
places, random quoting, indentation styles, CRLF endings and final newlines, plus one misspelled field
that has exactly one close valid name (RL010), alone, among other documents (empty ones, `...` markers)
or as an item of a `kind: List`. After `--fix`, the YAML values must equal the original
ones with that key renamed in place, every comment must still be there, and exactly one line changes.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rolloutlint.pipeline import load_project
from rolloutlint.fix.fixer import run_fixes

WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8).map(lambda s: "v" + s)
COMMENT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ,.:#-'\"", min_size=0, max_size=20).map(lambda s: ("# " + s).rstrip())

ROLLOUT_TYPOS = [
    (("spec",), "minReadySecnds", "minReadySeconds", 3),
    (("spec",), "revisionHistoryLimt", "revisionHistoryLimit", 2),
    (("spec", "template", "spec", "containers", 0), "imagePullPolicys", "imagePullPolicy", "Always"),
    (("spec", "strategy", "canary"), "maxSurg", "maxSurge", 1),
]
VS_TYPOS = [
    (("spec",), "gateway", "gateways", ["mesh"]),
    (("spec", "http", 0), "timout", "timeout", "1s"),
]


def rollout(labels: dict[str, str], annotations: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
        "metadata": {"name": "reviews", "labels": {"app": "reviews", **labels}, "annotations": annotations},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "reviews"}},
            "template": {"metadata": {"labels": {"app": "reviews"}},
                         "spec": {"containers": [{"name": "reviews", "image": "reviews:v2"}]}},
            "strategy": {"canary": {"steps": [{"setWeight": 20}, {"pause": {"duration": "1h"}}]}},
        },
    }


def virtual_service(labels: dict[str, str], annotations: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
        "metadata": {"name": "reviews", "labels": labels, "annotations": annotations},
        "spec": {"hosts": ["reviews"],
                 "http": [{"name": "primary", "route": [{"destination": {"host": "reviews"}, "weight": 100}]}]},
    }


class Writer:
    """Block-style YAML with random comments and quoting, drawn from hypothesis as it goes."""

    def __init__(self, draw: Any, indent: int, offset: int) -> None:
        self.draw, self.indent, self.offset = draw, indent, offset
        self.lines: list[str] = []
        self.comments: list[str] = []

    def maybe_comment(self, col: int) -> None:
        if self.draw(st.integers(0, 4)) == 0:
            c = self.draw(COMMENT)
            self.comments.append(c)
            self.lines.append(" " * col + c)

    def eol(self, line: str) -> str:
        if self.draw(st.integers(0, 4)) == 0:
            c = self.draw(COMMENT)
            self.comments.append(c)
            return line + " " * self.draw(st.integers(1, 3)) + c
        return line

    def scalar(self, value: Any) -> str:
        if isinstance(value, str):
            style = self.draw(st.sampled_from(["plain", "single", "double"]))
            if style == "single":
                return "'" + value.replace("'", "''") + "'"
            if style == "double":
                return json.dumps(value)
        return json.dumps(value)

    def mapping(self, value: dict[str, Any], col: int, first_prefix: str | None = None) -> None:
        if not value:
            self.lines.append((first_prefix or " " * col) + "{}")
            return
        for i, (k, v) in enumerate(value.items()):
            prefix = first_prefix if (i == 0 and first_prefix is not None) else " " * col
            if i > 0 or first_prefix is None:
                self.maybe_comment(col)
            self.entry(prefix + k + ":", v, col)

    def entry(self, head: str, v: Any, col: int) -> None:
        if isinstance(v, dict):
            if not v:
                self.lines.append(self.eol(head + " {}"))
            elif all(not isinstance(x, (dict, list)) for x in v.values()) and self.draw(st.booleans()):
                flow = ", ".join(f"{k}: {self.scalar(x)}" for k, x in v.items())
                self.lines.append(self.eol(head + " {" + flow + "}"))
            else:
                self.lines.append(self.eol(head))
                self.mapping(v, col + self.indent)
        elif isinstance(v, list):
            self.lines.append(self.eol(head))
            self.sequence(v, col + self.offset)
        else:
            self.lines.append(self.eol(head + " " + self.scalar(v)))

    def sequence(self, value: list[Any], dash_col: int) -> None:
        for item in value:
            self.maybe_comment(dash_col)
            prefix = " " * dash_col + "- "
            if isinstance(item, dict):
                self.mapping(item, dash_col + 2, first_prefix=prefix)
            else:
                self.lines.append(self.eol(prefix + self.scalar(item)))


def _insert(doc: dict[str, Any], path: tuple[Any, ...], key: str, value: Any, pos: int) -> None:
    parent: Any = doc
    for part in path:
        parent = parent[part]
    items = list(parent.items())
    items.insert(min(pos, len(items)), (key, value))
    parent.clear()
    parent.update(items)


def _renamed(doc: Any, old: str, new: str) -> Any:
    if isinstance(doc, dict):
        return {(new if k == old else k): _renamed(v, old, new) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_renamed(x, old, new) for x in doc]
    return doc


@st.composite
def manifests(draw: Any) -> dict[str, Any]:
    labels = draw(st.dictionaries(WORDS.map(lambda s: "k" + s), WORDS, max_size=3))
    annotations = draw(st.dictionaries(WORDS.map(lambda s: "a" + s), WORDS, max_size=2))
    kind = draw(st.sampled_from(["Rollout", "VirtualService"]))
    doc = rollout(labels, annotations) if kind == "Rollout" else virtual_service(labels, annotations)
    path, typo, right, value = draw(st.sampled_from(ROLLOUT_TYPOS if kind == "Rollout" else VS_TYPOS))
    _insert(doc, path, typo, value, draw(st.integers(0, 6)))
    w = Writer(draw, indent=draw(st.sampled_from([2, 4])), offset=draw(st.sampled_from([0, 2])))
    layout = draw(st.sampled_from(["single", "multi", "list"]))
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"mode": "fast"}}
    if layout == "list":
        docs: list[Any] = [{"apiVersion": "v1", "kind": "List", "items": [cm, doc]}]
    elif layout == "multi":
        docs = [cm, None, doc, cm] if draw(st.booleans()) else [doc, cm]
    else:
        docs = [doc]
    for n, d in enumerate(docs):
        if n or draw(st.booleans()):
            w.lines.append(draw(st.sampled_from(["---", "--- # next"])))
        w.maybe_comment(0)
        if d is not None:
            w.mapping(d, 0)
        if draw(st.integers(0, 3)) == 0:
            w.lines.append("...")
    w.maybe_comment(0)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = newline.join(w.lines) + (newline if draw(st.booleans()) else "")
    return {"text": text, "docs": docs, "typo": typo, "right": right, "comments": w.comments}


def _fixed(tmp_path_factory: Any, name: str, text: str) -> str:
    """`text` as file `name` of a fresh repository that selects only RL010, after `--fix`; bytes in and out,
    so line endings are compared as written."""
    root: Path = tmp_path_factory.mktemp("prop")
    (root / ".rolloutlint.yaml").write_text("select: [RL010]\n")
    path = root / name
    path.write_bytes(text.encode())
    run_fixes(load_project([str(root)], cwd=root), write=True, echo=lambda s: None)
    return path.read_bytes().decode()


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=manifests())
def test_fix_changes_only_the_named_key(case: dict[str, Any], tmp_path_factory: Any) -> None:
    assert list(yaml.safe_load_all(case["text"])) == case["docs"], "generator wrote YAML that does not read back"
    new = _fixed(tmp_path_factory, "m.yaml", case["text"])

    expected = _renamed(case["docs"], case["typo"], case["right"])
    got = list(yaml.safe_load_all(new))
    assert got == expected
    assert json.dumps(got) == json.dumps(expected), "key order changed"
    for c in case["comments"]:
        assert c in new, f"comment lost: {c!r}"
    old_lines, new_lines = case["text"].splitlines(keepends=True), new.splitlines(keepends=True)
    changed = [op for op in difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False).get_opcodes() if op[0] != "equal"]
    assert len(changed) == 1 and changed[0][0] == "replace", changed
    _, i1, i2, j1, j2 = changed[0]
    assert (i2 - i1, j2 - j1) == (1, 1)
    assert re.sub(re.escape(case["typo"]), case["right"], old_lines[i1], count=1) == new_lines[j1]
    assert new.endswith("\n") == case["text"].endswith("\n")


@st.composite
def json_manifests(draw: Any) -> dict[str, Any]:
    labels = draw(st.dictionaries(WORDS.map(lambda s: "k" + s), WORDS, max_size=3))
    kind = draw(st.sampled_from(["Rollout", "VirtualService"]))
    doc = rollout(labels, {}) if kind == "Rollout" else virtual_service(labels, {})
    path, typo, right, value = draw(st.sampled_from(ROLLOUT_TYPOS if kind == "Rollout" else VS_TYPOS))
    _insert(doc, path, typo, value, draw(st.integers(0, 6)))
    indent = draw(st.sampled_from([None, 2, 4]))
    text = json.dumps(doc, indent=indent) + ("\n" if draw(st.booleans()) else "")
    return {"text": text, "doc": doc, "typo": typo, "right": right}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=json_manifests())
def test_json_fix_changes_only_the_named_key(case: dict[str, Any], tmp_path_factory: Any) -> None:
    new = _fixed(tmp_path_factory, "m.json", case["text"])
    assert json.loads(new) == _renamed(case["doc"], case["typo"], case["right"])
    assert new == case["text"].replace(json.dumps(case["typo"]), json.dumps(case["right"]), 1)
