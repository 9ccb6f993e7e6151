"""Composing one document of a fast-parsed file gives the same nodes, at the same lines and columns, as
composing the whole file (which is what positions were read from before)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rolloutlint.core.source import SourceFile, document_starts
from rolloutlint.load.loader import load_file

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def _shape(node: Any) -> Any:
    if node is None:
        return None
    marks = (node.start_mark.line, node.start_mark.column, node.end_mark.line, node.end_mark.column)
    if isinstance(node, yaml.MappingNode):
        return ("map", node.tag, marks, [(_shape(k), _shape(v)) for k, v in node.value])
    if isinstance(node, yaml.SequenceNode):
        return ("seq", node.tag, marks, [_shape(v) for v in node.value])
    return ("scalar", node.tag, marks, node.value, node.style)


def _one_by_one_and_whole(path: Path, data: bytes | None = None) -> tuple[list[Any], list[Any], SourceFile]:
    single = load_file(path, path.name, data)
    whole = load_file(path, path.name, data)
    whole.compose_nodes()
    return [_shape(d.node) for d in reversed(single.documents)][::-1], [_shape(d.composed) for d in whole.documents], single


TEXTS = [
    "a: 1\n---\nb: 2\n",
    "# head comment\n---\nkind: A\n---\nkind: B\n",
    "---\n---\nkind: A\n--- |\n  text\n---\nkind: C\nx: [1, 2,\n  3]\n",
    "kind: A\nv: |\n  ---not a marker\n  ---\n  body\n---\nkind: B\n",
    "\ufeffkind: A\n---   # comment\nkind: B\n...\n---\nkind: C\n",
    "kind: A\r\n---\r\nkind: B\r\n",
    "kind: A\ns: 'multi\n  line'\n---\n\n\n# gap\n\nkind: B\nlist:\n- a\n- b\n",
    "---\nkind: A\n---",
]


@pytest.mark.parametrize("text", TEXTS)
def test_one_document_composed_alone_matches_the_whole_file(tmp_path: Path, text: str) -> None:
    p = tmp_path / "f.yaml"
    p.write_bytes(text.encode())
    alone, whole, _ = _one_by_one_and_whole(p)
    assert alone == whole


def test_document_starts() -> None:
    assert document_starts("a: 1\n---\nb: 2\n") == [(0, 0), (1, 5)]
    assert document_starts("# c\n---\nb: 2\n---\n") == [(1, 4), (3, 13)]
    assert document_starts("a: 1\n...\n") is None
    assert document_starts("a: 1\r\n") is None
    assert document_starts("a: |\n  ---\n---x: 1\n") == [(0, 0)]
    # Blank and comment lines (after a byte order mark, with any white space) make no document of their own.
    assert document_starts("\ufeff# c\n---\na: 1\n") == [(1, 5)]
    assert document_starts("\ufeffa: 1\n---\nb: 1\n") == [(0, 0), (1, 6)]
    assert document_starts("  \n\x0c\n  # x\n---\na\n") == [(3, 11)]
    assert document_starts("\ufeff\ufeff\n \ufeff\n---\n") == [(0, 0), (2, 6)]


def _corpus() -> list[Path]:
    files = sorted(p for p in (ROOT / "examples").rglob("*.yaml"))
    if SHARED.is_dir():
        files += sorted(p for p in SHARED.rglob("*") if p.suffix.lower() in (".yaml", ".yml") and p.is_file())
    return files


def test_every_shared_and_example_file() -> None:
    checked = 0
    for path in _corpus():
        alone, whole, single = _one_by_one_and_whole(path)
        assert alone == whole, path
        checked += single.document_starts is not None and len(single.documents) > 1
    assert checked > 20  # the split path, not only the whole-file fallback, was exercised


def _locations(tmp_path: Path) -> tuple[list[Any], list[Any]]:
    from rolloutlint.api import lint_paths

    result = lint_paths(["."], cwd=tmp_path)
    kept = [d for f in result.project.files for d in f.documents if d.source is not None and d.composed is not None]
    return [(f.rule, f.location, f.related) for f in result.findings], kept


def test_nodes_are_dropped_after_locating_and_recomposed_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Findings in more files than stay remembered: every position is the same whether a file's walked
    paths (or composed nodes) are kept throughout or dropped and found again, and no fast-path document
    keeps nodes after."""
    from rolloutlint.run import locate

    for i in range(6):
        (tmp_path / f"app{i}.yaml").write_text(
            f"apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {{name: r{i}}}\nspec:\n  bogus: 1\n"
            f"  replicas: 'x'\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s{i}\nspec:\n  oops: 2\n")
    monkeypatch.setattr(locate, "KEEP_COMPOSED", 1000)
    monkeypatch.setattr(locate, "KEEP_WALKED", 1000)
    kept_all, left = _locations(tmp_path)
    assert not left and len(kept_all) >= 12
    monkeypatch.setattr(locate, "KEEP_COMPOSED", 1)
    monkeypatch.setattr(locate, "KEEP_WALKED", 1)
    assert _locations(tmp_path) == (kept_all, [])
    monkeypatch.setattr(locate, "_walkable", lambda res, path: None)  # composed, and dropped after
    assert _locations(tmp_path) == (kept_all, [])
