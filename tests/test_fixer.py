"""The fixer's pitfalls: layout preservation, refusals, atomic writes, --diff and the CLI contract.

Most cases use RL010 (unknown field, renamed to its one close valid name): its fix is a single key rename,
so any other byte that changes is the fixer's fault.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from rolloutlint.pipeline import lint_project, load_project
from rolloutlint.cli import cli
from rolloutlint.fix.fixer import run_fixes
from rolloutlint.fix.yamlio import detect_indent, document_regions, splice

ROLLOUT = """\
# Rollout for the reviews service
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: reviews  # owned by team-a
spec:
  replicas: 3
  selector:
    matchLabels: {app: reviews}
  template:
    metadata:
      labels: {app: reviews}
    spec:
      containers:
        - name: reviews
          image: "reviews:v2"
  strategy:
    canary:
      steps:
        - setWeight: 20
        # hold for an hour
        - pause: {duraton: 1h}
"""
FIXED = ROLLOUT.replace("duraton", "duration")


def _repo(tmp_path: Path, files: dict[str, str | bytes], config: str = "select: [RL010]\n") -> Path:
    (tmp_path / ".rolloutlint.yaml").write_text(config)
    for name, content in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_bytes(content.encode("utf-8"))
    return tmp_path


def _fix(root: Path, *, write: bool = True, unsafe: bool = False, select: tuple[str, ...] = ()) -> tuple[list[str], object]:
    out: list[str] = []
    project = load_project([str(root)], cwd=root)
    fixed = run_fixes(project, select=select, write=write, unsafe=unsafe, echo=out.append)
    return out, fixed


def test_rename_keeps_everything_else(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"ro.yaml": ROLLOUT})
    messages, project = _fix(root)
    assert (root / "ro.yaml").read_text() == FIXED
    assert any("fixed 1 finding" in m and "RL010" in m for m in messages)
    assert not [f for f in lint_project(project).findings if f.rule == "RL010"]  # type: ignore[arg-type]


def test_crlf_line_endings_kept(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"ro.yaml": ROLLOUT.replace("\n", "\r\n").encode()})
    _fix(root)
    assert (root / "ro.yaml").read_bytes() == FIXED.replace("\n", "\r\n").encode()


def test_missing_final_newline_kept(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"ro.yaml": ROLLOUT.rstrip("\n")})
    _fix(root)
    assert (root / "ro.yaml").read_text() == FIXED.rstrip("\n")


def test_crlf_without_final_newline(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"ro.yaml": ROLLOUT.rstrip("\n").replace("\n", "\r\n").encode()})
    _fix(root)
    assert (root / "ro.yaml").read_bytes() == FIXED.rstrip("\n").replace("\n", "\r\n").encode()


def test_utf8_bom_kept(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"ro.yaml": b"\xef\xbb\xbf" + ROLLOUT.encode()})
    _fix(root)
    assert (root / "ro.yaml").read_bytes() == b"\xef\xbb\xbf" + FIXED.encode()


def test_flow_style_mapping_edited_in_place(tmp_path: Path) -> None:
    text = ROLLOUT.replace("- pause: {duraton: 1h}", "- {pause: {duraton: 1h}}   # flow")
    root = _repo(tmp_path, {"ro.yaml": text})
    _fix(root)
    assert (root / "ro.yaml").read_text() == text.replace("duraton", "duration")


def test_indentation_styles_kept(tmp_path: Path) -> None:
    # Four-space mappings, sequences indented under their key.
    text = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
    name: reviews
spec:
    selector:
        matchLabels:
            app: reviews
    template:
        metadata:
            labels:
                app: reviews
        spec:
            containers:
              - name: reviews
                image: reviews:v2
    strategy:
        canary:
            steps:
              - setWeight: 20
              - pause:
                    duraton: 1h
"""
    root = _repo(tmp_path, {"ro.yaml": text})
    _fix(root)
    assert (root / "ro.yaml").read_text() == text.replace("duraton", "duration")


def test_quoting_kept_on_set(tmp_path: Path) -> None:
    # RL215 writes a full host; the value keeps its double quotes.
    text = """\
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: checkout
  namespace: frontend
spec:
  host: "checkout.shop.svc"   # the shop service
---
apiVersion: v1
kind: Service
metadata:
  name: checkout
  namespace: shop
spec:
  ports:
  - port: 80
"""
    root = _repo(tmp_path, {"dr.yaml": text}, config="select: [RL215]\n")
    _fix(root)
    assert (root / "dr.yaml").read_text() == text.replace('"checkout.shop.svc"', '"checkout.shop.svc.cluster.local"')


def test_multi_document_edits_the_right_document(tmp_path: Path) -> None:
    other = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c   # keep\ndata:\n  a: 'b'\n"
    text = ("# leading comment\n---\n" + other + "...\n---\n---\n" + ROLLOUT + "---\n# trailer\n" + other)
    root = _repo(tmp_path, {"all.yaml": text})
    project = load_project([str(root)], cwd=root)
    doc = [d.index for f in project.files for d in f.documents if isinstance(d.value, dict) and d.value.get("kind") == "Rollout"]
    assert doc == [2]  # the empty document between the markers is counted
    _fix(root)
    assert (root / "all.yaml").read_text() == text.replace("duraton", "duration")


def test_document_regions_count_empty_documents() -> None:
    text = "a: 1\n---\n---\n# c\nb: 2\n...\n---\nc: 3\n"
    regions = document_regions(text)
    assert [(r.start, r.end) for r in regions] == [(0, 1), (2, 2), (3, 5), (7, 8)]


def test_list_items_use_item_path(tmp_path: Path) -> None:
    body = "\n".join("    " + line if line else line for line in ROLLOUT.split("\n")[1:])
    text = ("apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: x}\n"
            "  -\n" + body.rstrip(" ") )
    # the second item is the Rollout, indented under its dash
    text = text.replace("  -\n    apiVersion: argoproj.io", "  - apiVersion: argoproj.io")
    root = _repo(tmp_path, {"list.yaml": text})
    _fix(root)
    assert (root / "list.yaml").read_text() == text.replace("duraton", "duration")


def test_anchor_and_alias_refused(tmp_path: Path) -> None:
    text = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: reviews
spec:
  selector:
    matchLabels: {app: reviews}
  template:
    metadata:
      labels: {app: reviews}
    spec:
      containers:
        - name: reviews
          image: reviews:v2
  strategy:
    canary:
      steps:
        - pause: &hold {duraton: 1h}
        - setWeight: 20
        - pause: *hold
"""
    root = _repo(tmp_path, {"ro.yaml": text})
    messages, _ = _fix(root)
    assert (root / "ro.yaml").read_text() == text
    assert any("anchor" in m for m in messages)


def test_unparseable_file_untouched(tmp_path: Path) -> None:
    broken = ROLLOUT + "  bad: [unclosed\n"
    root = _repo(tmp_path, {"broken.yaml": broken, "ro.yaml": ROLLOUT})
    _fix(root)
    assert (root / "broken.yaml").read_text() == broken
    assert (root / "ro.yaml").read_text() == FIXED


def test_fixed_text_that_would_not_parse_is_not_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rolloutlint.fix import yamlio

    root = _repo(tmp_path, {"ro.yaml": ROLLOUT})
    monkeypatch.setattr(yamlio, "splice", lambda original, before, after: original + "  bad: [unclosed\n")
    messages, _ = _fix(root)
    assert (root / "ro.yaml").read_text() == ROLLOUT
    assert any("would not parse" in m for m in messages)


def test_write_is_atomic_and_keeps_mode(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"ro.yaml": ROLLOUT})
    path = root / "ro.yaml"
    os.chmod(path, 0o640)
    before = os.stat(path).st_ino
    _fix(root)
    assert path.read_text() == FIXED
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert os.stat(path).st_ino != before  # replaced, not rewritten in place
    assert sorted(p.name for p in root.iterdir()) == [".rolloutlint.yaml", "ro.yaml"]  # no temp files left


def test_diff_writes_nothing(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"ro.yaml": ROLLOUT})
    out, project = _fix(root, write=False)
    assert (root / "ro.yaml").read_text() == ROLLOUT
    diff = "\n".join(out)
    assert "--- a/ro.yaml" in diff and "+++ b/ro.yaml" in diff
    assert "-        - pause: {duraton: 1h}" in diff and "+        - pause: {duration: 1h}" in diff
    # The project to lint is still the one on disk.
    assert [f.rule for f in lint_project(project).findings] == ["RL010"]  # type: ignore[arg-type]


def test_unsafe_fixes_need_opt_in(tmp_path: Path) -> None:
    text = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: reviews
spec:
  selector:
    matchLabels: {app: reviews}
  workloadRef: {apiVersion: apps/v1, kind: Deployment, name: reviews}
  template:
    metadata:
      labels: {app: reviews}
    spec:
      containers:
        - name: reviews
          image: reviews:v2
"""
    from rolloutlint.run.registry import get_rule

    rule = get_rule("RL110")
    if rule is None or not rule.fixable:
        pytest.skip("RL110 offers no fix")
    root = _repo(tmp_path, {"ro.yaml": text}, config="select: [RL110]\n")
    messages, _ = _fix(root)
    assert (root / "ro.yaml").read_text() == text
    assert any("--unsafe-fixes" in m for m in messages)
    _fix(root, unsafe=True)
    assert "template" not in (root / "ro.yaml").read_text()


def test_suppressed_findings_are_not_fixed(tmp_path: Path) -> None:
    text = ROLLOUT.replace("- pause: {duraton: 1h}", "- pause: {duraton: 1h}  # rolloutlint: disable-line=RL010 kept on purpose")
    root = _repo(tmp_path, {"ro.yaml": text})
    _fix(root)
    assert (root / "ro.yaml").read_text() == text


def test_fixes_only_named_paths(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"a/ro.yaml": ROLLOUT, "b/ro.yaml": ROLLOUT})
    project = load_project([str(root / "a")], cwd=root)
    run_fixes(project, write=True, echo=lambda s: None)
    assert (root / "a" / "ro.yaml").read_text() == FIXED
    assert (root / "b" / "ro.yaml").read_text() == ROLLOUT


def test_several_passes_until_clean(tmp_path: Path) -> None:
    text = ROLLOUT.replace("  replicas: 3\n", "  replicas: 3\n  replicas: 3  # twice\n  replicas: 3\n")
    root = _repo(tmp_path, {"ro.yaml": text}, config="select: [RL003, RL010]\n")
    messages, _ = _fix(root)
    assert (root / "ro.yaml").read_text() == FIXED
    assert any("RL003 ×2" in m and "RL010 ×1" in m for m in messages)


def test_second_run_changes_nothing(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"ro.yaml": ROLLOUT})
    _fix(root)
    messages, _ = _fix(root)
    assert (root / "ro.yaml").read_text() == FIXED
    assert messages[0] == "rolloutlint: nothing to fix"


def test_duplicate_with_different_value_blocks_other_edits(tmp_path: Path) -> None:
    text = ROLLOUT.replace("  replicas: 3\n", "  replicas: 3\n  replicas: 4\n")
    root = _repo(tmp_path, {"ro.yaml": text}, config="select: [RL003, RL010]\n")
    messages, _ = _fix(root)
    assert (root / "ro.yaml").read_text() == text
    assert any("duplicate-key" in m for m in messages)


def test_detect_indent() -> None:
    assert detect_indent("a:\n  b:\n    - c\n") == (2, 4, 2)
    assert detect_indent("a:\n    b:\n    - c\n") == (4, 2, 0)
    assert detect_indent("a:\n  - b: 1\n    c: 2\n") == (2, 4, 2)
    assert detect_indent("a:\n- b: 1\n  c: 2\n") == (2, 2, 0)


def test_splice_refuses_changes_it_cannot_place() -> None:
    # ruamel's rendering differs from the original exactly where the change is: refuse.
    assert splice("a:   [1, 2]\n", "a: [1, 2]\n", "a: [1, 3]\n") is None
    assert splice("a: 1\nb: 2\n", "a: 1\nb: 2\n", "a: 1\nb: 3\n") == "a: 1\nb: 3\n"


# --- CLI ---------------------------------------------------------------------------------------------

def test_cli_fix_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unfixable = ROLLOUT.replace("        - setWeight: 20\n", "        - setWeight: 20\n          frobnicate: yes\n")
    root = _repo(tmp_path, {"ro.yaml": ROLLOUT, "other.yaml": unfixable})
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["lint", "--fix", "."])
    assert (root / "ro.yaml").read_text() == FIXED
    assert "frobnicate" in (root / "other.yaml").read_text()
    assert result.exit_code == 1, result.output  # the unfixable finding remains
    assert "fixed 2 finding(s) in 2 file(s)" in result.stderr
    assert "frobnicate" in result.stdout and "duraton" not in result.stdout

    (root / "other.yaml").write_text(ROLLOUT)
    result = CliRunner().invoke(cli, ["lint", "--fix", "."])
    assert result.exit_code == 0, result.output
    assert (root / "other.yaml").read_text() == FIXED


def test_cli_diff_end_to_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _repo(tmp_path, {"ro.yaml": ROLLOUT})
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["lint", "--diff", "."])
    assert (root / "ro.yaml").read_text() == ROLLOUT
    assert "+++ b/ro.yaml" in result.stdout
    assert result.exit_code == 1  # nothing was written: the finding is still there


def test_new_strings_are_quoted_for_yaml_1_1_readers() -> None:
    from rolloutlint.core.findings import Edit
    from rolloutlint.fix.yamlio import check_edits

    body = "a: 1\nb:\n  c: x\n"
    new, applied, _ = check_edits(body, [[(("b", "c"), Edit("set", ("b", "c"), "on")),
                                          (("b", "d"), Edit("set", ("b", "d"), ["yes", "1.5", "plain"]))]], (2, 2, 0))
    assert applied == [0]
    assert new == "a: 1\nb:\n  c: 'on'\n  d:\n  - 'yes'\n  - '1.5'\n  - plain\n"


def test_edit_groups_are_all_or_nothing() -> None:
    from rolloutlint.core.findings import Edit
    from rolloutlint.fix.yamlio import check_edits

    body = "a: 1\nb: 2\n"
    new, applied, reasons = check_edits(body, [[(("a",), Edit("set", ("a",), 5)), (("zz", "q"), Edit("delete", ("zz", "q")))],
                                               [(("b",), Edit("set", ("b",), 3))]], (2, 2, 0))
    assert applied == [1] and new == "a: 1\nb: 3\n"
    assert reasons and "does not exist" in reasons[0]


def test_json_renames_and_scalars_in_place(tmp_path: Path) -> None:
    text = ('{\n  "apiVersion": "argoproj.io/v1alpha1",\n  "kind": "Rollout",\n  "metadata": {"name": "r", "ä": "ö"},\n'
            '  "spec": {\n    "minReadySecnds": 3, "paused": false\n  }\n}')
    root = _repo(tmp_path, {"ro.json": text})
    _fix(root)
    assert (root / "ro.json").read_text() == text.replace("minReadySecnds", "minReadySeconds")


def test_json_structural_edits_refused(tmp_path: Path) -> None:
    # RL003 is fixed by deleting lines, which JSON does not allow on one line: nothing is written.
    text = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "name": "a"}}\n'
    root = _repo(tmp_path, {"cm.json": text}, config="select: [RL003]\n")
    messages, _ = _fix(root)
    assert (root / "cm.json").read_text() == text
    assert any("cm.json: not fixed" in m for m in messages)


def test_content_on_the_marker_line_edited_in_place(tmp_path: Path) -> None:
    text = "--- !!map\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: x}\nspec:\n  minReadySecnds: 3\n"
    root = _repo(tmp_path, {"ro.yaml": text})
    _fix(root)
    assert (root / "ro.yaml").read_text() == text.replace("minReadySecnds", "minReadySeconds")


def test_sequence_style_taken_from_the_rest_of_the_file() -> None:
    assert detect_indent("a:\n  b: 1\n", whole="x:\n  - 1\n") == (2, 4, 2)


@pytest.mark.parametrize(("body", "path", "op", "value", "expected"), [
    # A comment after a deleted value is about what follows: it stays.
    ("spec:\n  a: 1\n  # about b\n  b: 2\n", ("spec", "a"), "delete", None, "spec:\n  # about b\n  b: 2\n"),
    ("spec:\n  x: 1\n  y:\n    - 1  # e\n  # about z\n  z: 3\n", ("spec", "y"), "delete", None,
     "spec:\n  x: 1\n  # about z\n  z: 3\n"),
    ("l:\n  - a  # ea\n  # about b\n  - b\n  - c\n", ("l", 1), "delete", None, "l:\n  - a  # ea\n  # about b\n  - c\n"),
    # A key appended to a mapping goes before the comments that close it, not after them.
    ("spec:\n  x:\n    a: 1\n  # end of spec\n# about next\nnext: 1\n", ("spec", "z"), "set", 5,
     "spec:\n  x:\n    a: 1\n  z: 5\n  # end of spec\n# about next\nnext: 1\n"),
    ("l:\n  - a\n  # end of list\nnext: 1\n", ("l", 1), "insert", "b", "l:\n  - a\n  - b\n  # end of list\nnext: 1\n"),
    # Emptying a mapping keeps the comments that closed it.
    ("spec:\n  x: 1\n# about next\nnext: 1\n", ("spec", "x"), "delete", None, "spec: {}\n# about next\nnext: 1\n"),
    # The gap before an end-of-line comment is kept when the value's length changes.
    ("a:\n  b: short   # c\n", ("a", "b"), "set", "much-longer", "a:\n  b: much-longer   # c\n"),
])
def test_comments_around_edits(body: str, path: tuple, op: str, value: object, expected: str) -> None:  # type: ignore[type-arg]
    from rolloutlint.core.findings import Edit
    from rolloutlint.fix.yamlio import check_edits

    new, applied, reasons = check_edits(body, [[(path, Edit(op, path, value))]], detect_indent(body))
    assert applied == [0], reasons
    assert new == expected


def _flaky_rule(monkeypatch: pytest.MonkeyPatch, new_value: object) -> None:
    """Make RL010 offer a fix that never settles: `new_value(current)` is the next metadata.name."""
    from rolloutlint.checks.core import UnknownField
    from rolloutlint.core.findings import Edit, Fix

    def check(self, res, ctx):  # type: ignore[no-untyped-def]
        name = res.body["metadata"]["name"]
        yield self.report(res, ("metadata", "name"), "unsettled",
                          fix=Fix("flip", (Edit("set", ("metadata", "name"), new_value(name)),)))  # type: ignore[operator]

    monkeypatch.setattr(UnknownField, "check", check)


def test_fixes_that_undo_each_other_stop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _flaky_rule(monkeypatch, lambda n: "b" if n == "a" else "a")
    root = _repo(tmp_path, {"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"})
    messages, _ = _fix(root)
    assert any("undo each other" in m for m in messages)


def test_runaway_fixes_stop_after_ten_passes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _flaky_rule(monkeypatch, lambda n: n + "x")
    root = _repo(tmp_path, {"cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"})
    messages, _ = _fix(root)
    assert any("stopped after 10 passes" in m for m in messages)
    assert "name: a" + "x" * 10 + "\n" in (root / "cm.yaml").read_text()


def test_fix_in_another_file_needs_that_file_named(tmp_path: Path) -> None:
    # RL308 is reported at the VirtualService weight (the Rollout is related, so linting apps/ reports it) and
    # its fix edits the VirtualService, which is not among the paths being linted.
    case = (Path(__file__).resolve().parents[1] / "rules" / "RL308-managed-route-initial-weights" / "fix.yaml").read_text()
    docs = case.split("\n---\n")
    rollout_docs, vs_doc = "\n---\n".join(docs[:-1]) + "\n", docs[-1]
    root = _repo(tmp_path, {"apps/ro.yaml": rollout_docs, "mesh/vs.yaml": vs_doc}, config="select: [RL308]\n")
    project = load_project([str(root / "apps")], cwd=root)
    messages: list[str] = []
    run_fixes(project, write=True, echo=messages.append)
    assert (root / "mesh" / "vs.yaml").read_text() == vs_doc
    assert any("not among the paths being linted" in m for m in messages)

    _fix(root)
    text = (root / "mesh" / "vs.yaml").read_text()
    assert "weight: 100  # was a manual 10% test" in text and "weight: 0  # expect: RL308\n" in text


def test_duplicate_deleted_only_when_every_repeat_is_equal(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: '1'\n  k: '1'\n  k: '2'\n"
    root = _repo(tmp_path, {"cm.yaml": text}, config="select: [RL003]\n")
    _fix(root)
    assert (root / "cm.yaml").read_text() == text
    text3 = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: '1'  # one\n  k: '1'\n  k: \"1\"\n"
    (root / "cm.yaml").write_text(text3)
    _fix(root)
    assert (root / "cm.yaml").read_text() == "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: '1'  # one\n"


def test_symlinked_file_keeps_its_link(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"real/ro.yaml": ROLLOUT})
    (root / "linked").mkdir()
    os.symlink(root / "real" / "ro.yaml", root / "linked" / "ro.yaml")
    project = load_project([str(root / "linked" / "ro.yaml")], cwd=root)
    run_fixes(project, write=True, echo=lambda s: None)
    assert (root / "linked" / "ro.yaml").is_symlink()
    assert (root / "real" / "ro.yaml").read_text() == FIXED
