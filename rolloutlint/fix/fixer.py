"""`lint --fix` / `--diff`: apply the fixes rules attach to findings, pass after pass.

Each pass lints, takes the fixable findings (safe ones unless `unsafe`), applies at most one edit per
path, re-loads the changed files and lints again, until nothing fixable is left or `MAX_PASSES` have
run. Edits go through `yamlio` (ruamel.yaml round-trip, spliced into the original text). A file that
does not parse, or whose fixed text would not parse, is never written; writes are atomic.
"""

from __future__ import annotations

import codecs
import dataclasses
import difflib
import os
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rolloutlint.core.findings import Edit, Finding, Fix, Report
from rolloutlint.core.positions import Path as DocPath
from rolloutlint.core.source import Document, SourceFile
from rolloutlint.load.loader import load_file
from rolloutlint import pipeline
from rolloutlint.fix.yamlio import odd_line_breaks
from rolloutlint.fix import yamlio
from yaml.nodes import MappingNode, ScalarNode
from rolloutlint.core.positions import subnode
from yaml.nodes import SequenceNode
import copy
from rolloutlint.load.loader import _same
from rolloutlint.core.project import Project
from rolloutlint.load.namespaces import build_index
from rolloutlint.core import outfile

if TYPE_CHECKING:
    from rolloutlint.core.project import Project

MAX_PASSES = 10  # a fix that keeps re-appearing must not loop forever
UNPARSEABLE = frozenset({"RL001", "RL002", "RL005"})


@dataclass
class _Planned:
    finding: Finding
    fix: Fix
    src: SourceFile
    doc: Document
    edits: list[tuple[DocPath, Edit]]

    @property
    def key(self) -> tuple[Path, int]:
        return self.src.path, self.doc.index


@dataclass
class _State:
    originals: dict[Path, SourceFile] = field(default_factory=dict)  # first-seen version of changed files
    texts: dict[Path, str] = field(default_factory=dict)  # current text of changed files
    fixed: Counter[str] = field(default_factory=Counter)
    fixed_in: dict[Path, Counter[str]] = field(default_factory=dict)  # per file, to take back unwritten ones
    notes: dict[str, None] = field(default_factory=dict)  # ordered set of messages
    not_written: int = 0  # findings whose fix was made but could not be written
    write: bool = True

    def note(self, msg: str) -> None:
        self.notes.setdefault(msg, None)


def run_fixes(project: "Project", *, select: Sequence[str] = (), ignore: Sequence[str] = (), write: bool = False,
              unsafe: bool = False, debug: bool = False, echo: Callable[[str], Any] = print) -> "Project":
    """Fix what can be fixed; write it (`write`) or print it as a unified diff. Returns the project to lint:
    the re-loaded fixed project when writing, the unchanged one for a diff (nothing on disk changed)."""
    state = _State(write=write)
    if write:  # temp files of a run killed mid-write (SIGKILL) in the directories this run may write

        dirs = {Path(os.path.realpath(f.path)).parent for f in project.files
                if f.display != "<stdin>" and (project.report_files is None or f.path in project.report_files)}
        for stale in outfile.clean_stale_temps(sorted(dirs)):
            state.note(f"removed {stale.name}, left by an interrupted run")
    current = project
    passes = 0
    pending: list[tuple[Finding, Report]] = []
    seen: set[tuple[Path, str]] = {(f.path, f.text or "") for f in project.files}
    while True:
        pending = _fixable(current, select, ignore, debug)
        todo = [(f, r) for f, r in pending if r.fix is not None and (r.fix.safe or unsafe)]
        if not todo:
            break
        if passes == MAX_PASSES:
            state.note(f"stopped after {MAX_PASSES} passes; some fixes keep re-appearing")
            break
        passes += 1
        changed = _run_pass(current, todo, state)
        if not changed:
            break
        if all((p, text) in seen for p, text in changed.items()):
            state.note("stopped: the fixes undo each other")
            break
        seen.update(changed.items())
        current = _reload(current, changed)

    changed_paths = [p for p, text in state.texts.items() if text != state.originals[p].text]
    say = echo if write else (lambda s: print(s, file=sys.stderr))
    if write:
        written = [p for p in changed_paths if _write(state.originals[p], state.texts[p], state)]
        for p in set(changed_paths) - set(written):  # reported as not written: not fixed either
            state.fixed -= state.fixed_in.get(p, Counter())
            state.not_written += sum(state.fixed_in.get(p, Counter()).values())
    else:
        for p in changed_paths:
            diff = unified_diff(state.originals[p].text or "", state.texts[p], state.originals[p].display)
            if diff:
                echo(diff.rstrip("\n"))
        written = changed_paths
    _summary(state, pending, unsafe, write, len(written), say)
    if not write:
        return project
    failed = set(changed_paths) - set(written)
    return _reload(current, {p: state.originals[p].text or "" for p in failed}) if failed else current


# --- finding the fixes -----------------------------------------------------------------------------

def _fixable(project: "Project", select: Sequence[str], ignore: Sequence[str], debug: bool) -> list[tuple[Finding, Report]]:
    """Lint through the pipeline (no baseline: a fix applies to every finding), keeping for each
    unsuppressed finding with a fix the report behind it."""

    result = pipeline.lint_project(project, select=select, ignore=ignore, debug=debug, use_baseline=False, keep_fixes=True)
    return [(f, result.fixes[id(f)]) for f in result.findings if f.suppressed is None and id(f) in result.fixes]


def _plan(project: "Project", finding: Finding, rep: Report, state: _State, by_display: dict[str, SourceFile],
          refused: dict[Path, str | None]) -> _Planned | None:
    fix = rep.fix
    assert fix is not None
    targets: list[tuple[SourceFile, Document, DocPath, Edit]] = []
    for edit in fix.edits:
        res = edit.target if edit.target is not None else rep.resource
        if res is not None:
            src: SourceFile | None = res.file
            doc = next((d for d in src.documents if d.index == res.doc_index), None) if src else None
            full = tuple(res.item_path) + tuple(edit.path)
        else:
            src = by_display.get(rep.file or "")
            doc = _doc_at(src, rep.position[0]) if src is not None and rep.position else None
            full = tuple(edit.path)
        if src is None or doc is None:
            state.note(f"{finding.location.file}: {finding.rule}: cannot find the document to edit")
            return None
        targets.append((src, doc, full, edit))
    if not targets:
        return None
    src, doc = targets[0][0], targets[0][1]
    if any(t[0] is not src or t[1] is not doc for t in targets):
        state.note(f"{finding.location.file}: {finding.rule}: the fix spans several documents; not applied")
        return None
    if src.path not in refused:
        refused[src.path] = _refuse_file(project, src, state.write)
    reason = refused[src.path]
    if reason:
        state.note(f"{src.display}: not fixed: {reason}")
        return None
    return _Planned(finding, fix, src, doc, [(t[2], t[3]) for t in targets])


def _doc_at(src: SourceFile, line: int) -> Document | None:
    best = None
    for doc in src.documents:
        if doc.node is not None and doc.node.start_mark.line + 1 <= line:
            best = doc
    return best


def _refuse_file(project: "Project", src: SourceFile, write: bool) -> str | None:
    if project.report_files is not None and src.path not in project.report_files:
        return "the file is not among the paths being linted"
    if src.text is None or any(p.rule_id in UNPARSEABLE for p in src.problems):
        return "the file does not parse"

    if odd_line_breaks(src.text):
        return "the file has unusual line breaks (a lone CR, NEL or LS)"
    if src.display == "<stdin>":
        return "standard input cannot be fixed in place; use --diff" if write else None
    if write:  # checked before anything is written, so a run never stops half-way through the files

        problem = outfile.writable_dir_problem(src.path)
        if problem:
            return f"cannot be rewritten: {problem}"
    try:
        with open(src.path, "rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        return f"cannot read the file ({exc.strerror or exc})"
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "only UTF-8 files are fixed"
    return None


def _claims(planned: _Planned) -> list[DocPath]:
    out = []
    for path, edit in planned.edits:
        # A list insert or delete shifts its siblings: it claims the whole list.
        structural = bool(path) and isinstance(path[-1], int) and edit.op in ("insert", "delete")
        out.append(path[:-1] if structural else path)
    return out


def _overlaps(a: DocPath, b: DocPath) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


# --- one pass --------------------------------------------------------------------------------------

def _run_pass(project: "Project", todo: list[tuple[Finding, Report]], state: _State) -> dict[Path, str]:

    accepted: dict[tuple[Path, int], list[_Planned]] = defaultdict(list)
    claimed: dict[tuple[Path, int], list[DocPath]] = defaultdict(list)
    by_display = {s.display: s for s in project.files}
    refused: dict[Path, str | None] = {}
    for finding, rep in todo:
        planned = _plan(project, finding, rep, state, by_display, refused)
        if planned is None:
            continue
        mine = _claims(planned)
        if any(_overlaps(a, b) for a in mine for b in claimed[planned.key]):
            continue  # another fix edits this path: next pass
        claimed[planned.key].extend(mine)
        accepted[planned.key].append(planned)

    by_file: dict[Path, list[tuple[Document, list[_Planned]]]] = defaultdict(list)
    for (path, _), group in accepted.items():
        by_file[path].append((group[0].doc, group))
    changed: dict[Path, str] = {}
    for path, docs in by_file.items():
        src = docs[0][1][0].src
        text = src.text or ""
        try:
            regions = yamlio.document_regions(text)
        except Exception:  # noqa: BLE001 - libyaml read it before; be safe anyway
            state.note(f"{src.display}: not fixed: the file does not parse")
            continue
        if any(d.index >= len(regions) for d, _ in docs):
            state.note(f"{src.display}: not fixed: cannot match its documents")
            continue
        lines = yamlio.split_lines(text)
        done: list[_Planned] = []
        is_json = src.path.suffix.lower() == ".json"
        # Later documents first, so earlier line numbers stay valid.
        for doc, group in sorted(docs, key=lambda d: d[0].index, reverse=True):
            region = regions[doc.index]
            reasons: list[str] = []
            if doc.duplicates:
                body = "".join(lines[region.start:region.end])
                new_body, applied = _drop_duplicates(src, doc, body, region.start, group, state)
                if applied:
                    lines[region.start:region.end] = yamlio.split_lines(new_body)
                    done.extend(applied)
                continue
            if is_json:
                reasons.append("JSON is only edited in place (key renames and scalar values)")
            elif not region.editable:
                reasons.append(f"document {doc.index + 1} has content on its `---` line or the file has %directives")
            else:
                body = "".join(lines[region.start:region.end])
                new_body, applied, reasons = _edit_doc(src, doc, body, group)
                if applied:
                    lines[region.start:region.end] = yamlio.split_lines(new_body)
                    done.extend(applied)
                    group = []
                    for r in reasons:
                        state.note(f"{src.display}: not fixed: {r}")
            # What the round-trip could not place may still be a rename or scalar change made where it stands.
            for planned in group:
                try:
                    yamlio.apply_in_place(lines, yamlio.edit_in_place(lines, doc.node, planned.edits, is_json))
                except yamlio.EditError as exc:
                    for r in reasons or [str(exc)]:
                        state.note(f"{src.display}: not fixed: {r}")
                    continue
                done.append(planned)
        if not done:
            continue
        new_text = "".join(lines)
        if text and not text.endswith("\n") and new_text.endswith("\n"):
            new_text = new_text.rstrip("\r\n")
        problem = _verify(src, new_text, done)
        if problem:
            state.note(f"{src.display}: not fixed: {problem}")
            continue
        if new_text == text:
            continue
        state.originals.setdefault(path, src)
        state.texts[path] = new_text
        changed[path] = new_text
        for p in done:
            state.fixed[p.finding.rule] += 1
            state.fixed_in.setdefault(path, Counter())[p.finding.rule] += 1
    return changed


def _edit_doc(src: SourceFile, doc: Document, body: str, group: list[_Planned]) -> tuple[str, list[_Planned], list[str]]:

    try:
        indent = yamlio.detect_indent(body, src.text or "")
        new_body, ok, reasons = yamlio.check_edits(body, [p.edits for p in group], indent)
    except Exception as exc:  # noqa: BLE001 - ruamel reads some YAML differently from libyaml: leave the document alone
        return body, [], [f"cannot round-trip document {doc.index + 1} ({type(exc).__name__})"]
    return new_body, [group[i] for i in ok], reasons


def _drop_duplicates(src: SourceFile, doc: Document, body: str, start_line: int, group: list[_Planned],
                     state: _State) -> tuple[str, list[_Planned]]:
    # ruamel cannot represent a repeated key: only the textual duplicate removal runs on such a document.
    # Every repeat of the key must set the same value: all repeats after the first are deleted in this one
    # pass (one per pass would need as many passes as repeats, and stop half-way at MAX_PASSES).
    same: dict[DocPath, bool] = {}
    for d in doc.duplicates:
        same[d.path] = same.get(d.path, True) and d.same_value
    ranges: list[tuple[int, int]] = []
    applied: list[_Planned] = []
    done_paths: dict[DocPath, bool] = {}
    for planned in group:
        if planned.finding.rule != "RL003" or not all(e.op == "delete" and same.get(p, False) for p, e in planned.edits):
            continue
        path = planned.edits[0][0]
        if path in done_paths:
            continue
        found = _duplicate_ranges(doc, start_line, path, src)
        done_paths[path] = found is not None
        if found is not None:
            ranges.extend(found)
            applied.extend([planned] * len(found))  # each repeat was a finding of its own
    if not applied:
        state.note(f"{src.display}: not fixed in document {doc.index + 1}: it repeats a key; fix duplicate-key first")
        return body, []

    lines = yamlio.split_lines(body)
    # Outermost ranges only (a repeated key inside a deleted value goes with it), deleted bottom-up.
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    if any(not 0 <= lo < hi <= len(lines) for lo, hi in merged):
        state.note(f"{src.display}: not fixed in document {doc.index + 1}: cannot place its repeated keys")
        return body, []
    for lo, hi in reversed(merged):
        del lines[lo:hi]
    return "".join(lines), applied


def _duplicate_ranges(doc: Document, start_line: int, path: DocPath, src: SourceFile) -> list[tuple[int, int]] | None:
    """Line ranges (relative to the document body) of every repeat of a key after its first occurrence
    (block style only), or None when one of them cannot be deleted as whole lines."""


    parent = subnode(doc.node, path[:-1]) if path[:-1] else doc.node
    if not isinstance(parent, MappingNode) or parent.flow_style:
        return None
    pairs = [(k, v) for k, v in parent.value if isinstance(k, ScalarNode) and k.value == path[-1]]
    if len(pairs) < 2:
        return None
    all_lines = yamlio.split_lines(src.text or "")
    out = []
    for key, value in pairs[1:]:
        first_line = key.start_mark.line
        if all_lines[first_line][: key.start_mark.column].strip():
            return None  # something else precedes the key on its line
        last = _last_content(value)
        end = last.end_mark.line if (last.end_mark.column == 0 and last.end_mark.line > first_line) else last.end_mark.line + 1
        if last.end_mark.column:
            rest = all_lines[last.end_mark.line][last.end_mark.column:].strip()
            if rest and not rest.startswith("#"):
                return None  # something else follows the value on its line
        out.append((first_line - start_line, end - start_line))
    return out


def _last_content(node: Any) -> Any:
    """The node whose end is the end of `node`'s text (block collections end at the next token)."""

    while isinstance(node, (MappingNode, SequenceNode)) and not node.flow_style and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, MappingNode) else last
    return node


def _verify(src: SourceFile, new_text: str, done: list[_Planned]) -> str | None:
    """Re-read the fixed text as the linter (and Kubernetes) will: it must parse, and every document must
    hold exactly the original values with the edits applied, nothing else."""


    fresh = load_file(src.path, src.display, data=new_text.encode("utf-8"))
    bad = [p for p in fresh.problems if p.rule_id in UNPARSEABLE]
    if bad:
        return f"the fixed text would not parse ({bad[0].message})"
    expected = {d.index: d.value for d in src.documents}
    got = {d.index: d.value for d in fresh.documents}
    if expected.keys() != got.keys():
        return "the fix would change the file's documents"
    # Checked on the composed nodes, where a rename onto an existing key is a second key, not an overwrite.
    before = {(d.index, dup.path) for d in src.documents for dup in d.duplicates}
    added = [dup for d in fresh.documents for dup in d.duplicates if (d.index, dup.path) not in before]
    if added:
        return f"the fix would repeat the key {added[0].key!r} (line {added[0].first_line})"
    for planned in done:
        i = planned.doc.index
        if planned.doc.duplicates:
            continue  # a dropped duplicate of equal value reads the same
        if expected[i] is planned.doc.value:
            expected[i] = copy.deepcopy(expected[i])
        for path, edit in planned.edits:
            try:
                yamlio.apply_plain(expected[i], path, edit)
            except yamlio.EditError as exc:
                return str(exc)
            except (KeyError, IndexError, TypeError):
                return "the fix does not apply to the values the linter read"
    for i, value in expected.items():
        if not _same(value, got[i]):
            return "the fixed text would not read back as intended; nothing was changed"
    return None


def _reload(project: "Project", changed: dict[Path, str]) -> "Project":

    files: list[SourceFile] = []
    for src in project.files:
        if src.path in changed:
            files.append(load_file(src.path, src.display, data=changed[src.path].encode("utf-8")))
        else:
            # The index adds RL004 problems to the files it reads; start from the loader's own ones.
            files.append(dataclasses.replace(src, problems=[p for p in src.problems if p.rule_id != "RL004"]))
    index = build_index(files, project.root, project.config.namespace, project.config.external)
    return Project(root=project.root, config=project.config, files=files, index=index, report_files=project.report_files)


# --- output ----------------------------------------------------------------------------------------

def _write(src: SourceFile, text: str, state: _State) -> bool:
    """Replace the file through `outfile` (atomic, mode and owner kept, a symlink's target replaced)."""
    path = Path(os.path.realpath(src.path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        state.note(f"{src.display}: not written: {exc.strerror or exc}")
        return False
    bom = codecs.BOM_UTF8 if data.startswith(codecs.BOM_UTF8) else b""
    try:
        on_disk = data[len(bom):].decode("utf-8")
    except UnicodeDecodeError:
        on_disk = None
    if on_disk != src.text:
        state.note(f"{src.display}: not written: it changed on disk while fixing")
        return False

    try:
        outfile.write_bytes(path, bom + text.encode("utf-8"), keep_owner=True, expect=data)
    except outfile.WriteError as exc:
        state.note(f"{src.display}: {exc}")
        return False
    return True


def unified_diff(old: str, new: str, display: str) -> str:
    out = []
    for line in difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                     fromfile=f"a/{display}", tofile=f"b/{display}"):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _summary(state: _State, pending: list[tuple[Finding, Report]], unsafe: bool, write: bool, files: int,
             say: Callable[[str], Any]) -> None:
    verb = "fixed" if write else "would fix"
    total = sum(state.fixed.values())
    hidden = sum(1 for _, r in pending if r.fix is not None and not r.fix.safe and not unsafe)
    left = sum(1 for _, r in pending if r.fix is not None and (r.fix.safe or unsafe))
    if total:
        rules = ", ".join(f"{rid} ×{n}" for rid, n in sorted(state.fixed.items()))
        say(f"rolloutlint: {verb} {total} finding(s) in {files} file(s) ({rules})")
    elif left:
        say("rolloutlint: no fix could be applied")
    else:
        say("rolloutlint: nothing to fix")
    if hidden:
        say(f"rolloutlint: {hidden} more finding(s) have unsafe fixes; review them and rerun with --unsafe-fixes")
    if left:
        say(f"rolloutlint: {left} fixable finding(s) could not be fixed automatically")
    if state.not_written:
        say(f"rolloutlint: {state.not_written} fix(es) were made but could not be written (see below)")
    for msg in state.notes:
        say(f"rolloutlint: {msg}")
