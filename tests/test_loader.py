"""Loader: positions, encodings, duplicate keys, List expansion and hostile input (never a traceback)."""

from __future__ import annotations

import codecs
from pathlib import Path

from rolloutlint.load.namespaces import resources_from
from rolloutlint.load.loader import MAX_FILE_BYTES, load_file
from rolloutlint.core.positions import locate

ROLLOUT = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: r\nspec:\n  replicas: 3\n"


def _load(tmp_path: Path, data: bytes | str, name: str = "f.yaml"):
    p = tmp_path / name
    p.write_bytes(data.encode() if isinstance(data, str) else data)
    return load_file(p, name)


def test_positions_for_keys_and_values(tmp_path: Path) -> None:
    src = _load(tmp_path, ROLLOUT)
    node = src.documents[0].node
    assert locate(node, ("spec", "replicas"))[:2] == (6, 13)
    assert locate(node, ("spec", "replicas"), key=True)[:2] == (6, 3)
    # A missing leaf points at its parent's key, where the user would add it.
    assert locate(node, ("spec", "strategy", "canary"))[:2] == (5, 1)


def test_yaml_11_scalars_like_kubernetes(tmp_path: Path) -> None:
    src = _load(tmp_path, "a: yes\nb: on\nc: 1.0\nd: 0x10\ne: 2024-01-01\nf: ~\ng: '1'\n")
    assert src.documents[0].value == {"a": True, "b": True, "c": 1.0, "d": 16, "e": "2024-01-01", "f": None, "g": "1"}


def test_multi_document_and_empty_documents(tmp_path: Path) -> None:
    src = _load(tmp_path, "---\n---\n" + ROLLOUT + "---\n# only a comment\n---\n" + ROLLOUT)
    assert [d.index for d in src.documents] == [1, 3]
    assert len(list(resources_from(src))) == 2
    assert not src.problems


def test_list_items_expanded_with_own_positions(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Service\n    metadata: {name: a}\n  - apiVersion: v1\n    kind: Service\n    metadata:\n      name: b\n"
    src = _load(tmp_path, text)
    res = list(resources_from(src))
    assert [r.name for r in res] == ["a", "b"]
    assert locate(res[1].node, ("metadata", "name"))[:2] == (10, 13)


def test_duplicate_keys_recorded(tmp_path: Path) -> None:
    src = _load(tmp_path, "a: 1\nb:\n  c: 1\n  c: 2\n")
    dups = src.documents[0].duplicates
    assert [(d.path, d.first_line) for d in dups] == [(("b", "c"), 3)]
    assert src.documents[0].value["b"]["c"] == 2


def test_keys_spelled_differently_with_one_meaning_are_duplicates(tmp_path: Path) -> None:
    # `true` and `True` are both the key "true"; the first one is found by meaning, not by spelling.
    src = _load(tmp_path, "a: 0\ntrue: 1\nTrue: 2\n")
    assert [(d.key, d.first_line) for d in src.documents[0].duplicates] == [("True", 2)]
    assert src.documents[0].value == {"a": 0, "true": 2}


def test_boms_and_utf16(tmp_path: Path) -> None:
    for data in (codecs.BOM_UTF8 + ROLLOUT.encode(), codecs.BOM_UTF16_LE + ROLLOUT.encode("utf-16-le"),
                 codecs.BOM_UTF16_BE + ROLLOUT.encode("utf-16-be")):
        src = _load(tmp_path, data)
        assert not src.problems, src.problems
        assert src.documents[0].value["kind"] == "Rollout"


def test_invalid_utf8_is_a_finding(tmp_path: Path) -> None:
    src = _load(tmp_path, b"a: \xff\xfe\xfa\n")
    assert [p.rule_id for p in src.problems] == ["RL002"]


def test_binary_file_named_yaml(tmp_path: Path) -> None:
    src = _load(tmp_path, bytes(range(256)) * 4)
    assert [p.rule_id for p in src.problems] == ["RL002"]
    assert "binary" in src.problems[0].message


def test_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, cur in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    src = _load(tmp_path, "\n".join(lines) + "\n")
    assert [p.rule_id for p in src.problems] == ["RL002"]
    assert "aliases" in src.problems[0].message


def test_small_alias_use_is_fine(tmp_path: Path) -> None:
    src = _load(tmp_path, "base: &b {app: x}\nother: *b\nmerged:\n  <<: *b\n  extra: 1\n")
    assert not src.problems
    assert src.documents[0].value["merged"] == {"app": "x", "extra": 1}


def test_deep_nesting(tmp_path: Path) -> None:
    src = _load(tmp_path, "[" * 10000 + "]" * 10000)
    assert [p.rule_id for p in src.problems] == ["RL002"]
    block = "".join("  " * i + f"k{i}:\n" for i in range(400)) + "  " * 400 + "v: 1\n"
    src = _load(tmp_path, block, "block.yaml")
    assert [p.rule_id for p in src.problems] == ["RL002"]


def test_huge_file_is_refused_without_reading(tmp_path: Path) -> None:
    p = tmp_path / "huge.yaml"
    with p.open("wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)
    src = load_file(p, "huge.yaml")
    assert [pr.rule_id for pr in src.problems] == ["RL002"]


def test_helm_template_is_an_info_not_a_syntax_error(tmp_path: Path) -> None:
    src = _load(tmp_path, "metadata:\n  name: {{ .Values.name }}\n{{- if .Values.x }}\n  labels: {}\n{{- end }}\n")
    assert [p.rule_id for p in src.problems] == ["RL005"]


def test_syntax_error_position(tmp_path: Path) -> None:
    src = _load(tmp_path, "a: 1\nb: [1, 2\nc: 3\n")
    assert src.problems[0].rule_id == "RL001"
    assert src.problems[0].line >= 2


def test_json_with_positions_and_tabs(tmp_path: Path) -> None:
    src = _load(tmp_path, '{\n\t"apiVersion": "v1",\n\t"kind": "Service",\n\t"metadata": {"name": "s"}\n}\n', "s.json")
    assert not src.problems
    assert src.documents[0].value["metadata"]["name"] == "s"


def test_non_mapping_and_kindless_documents_reported_once(tmp_path: Path) -> None:
    src = _load(tmp_path, "- a\n- b\n---\nfoo: bar\n---\nbaz: 1\n")
    list(resources_from(src))
    assert [p.rule_id for p in src.problems] == ["RL004"]


def test_fast_resolver_agrees_with_pyyaml() -> None:
    import yaml

    from rolloutlint.core.source import NodeLoader as _Loader

    values = ["yes", "No", "on", "OFF", "y", "n", "true", "False", "~", "null", "", "1.0", "1e3", ".5", "-1", "+2",
              "0x1F", "0o17", "017", "1_000", "12:30:00", "2024-01-01", "2024-01-01T10:00:00Z", ".inf", "-.Inf",
              ".nan", "<<", "=", "reviews", "app-00001", "canary", "Yes please", "nginx:1.25", "10%", "25%", "1h"]
    text = "\n".join(f"k{i}: {v}" for i, v in enumerate(values)) + "\nlist: [" + ", ".join(v or "''" for v in values) + "]\n"
    ours = yaml.serialize(yaml.compose(text, Loader=_Loader))
    theirs = yaml.serialize(yaml.compose(text, Loader=yaml.CSafeLoader))
    assert ours == theirs
