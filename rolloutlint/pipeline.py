"""The one pipeline: paths → files → index → rules → suppressions → baseline → findings.

`rolloutlint lint`, `--fix` (between its passes), the Argo CD plugin (`cmp generate`) and `simulate`
(which stops after the index) all go through here. Named paths limit what is reported, never what is
known: the index covers the whole project root.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from rolloutlint.config import find_config, load_config
from rolloutlint.core.model import Resource
from rolloutlint.core.project import LintResult, Project
from rolloutlint.core.source import SourceFile, gc_paused
from rolloutlint.load.discovery import find_root, walk
from rolloutlint.load.fastparse import quiet_stderr
from rolloutlint.load.loader import load_file
from rolloutlint.load.namespaces import build_index, resources_from

STDIN = "-"


def _path_order(path: Path) -> tuple[str, ...]:
    """Path order without pathlib's per-comparison overhead (thousands of files are sorted twice)."""
    return path.parts


def display_path(path: Path, cwd: Path) -> str:
    """`path` relative to `cwd` (both absolute and resolved) in POSIX form, else as it is."""
    text, base = str(path), str(cwd)
    prefix = base if base.endswith(os.sep) else base + os.sep
    if text.startswith(prefix) and len(text) > len(prefix):  # string work: pathlib's relative_to is slow
        return text[len(prefix):].replace(os.sep, "/")
    try:
        return path.relative_to(cwd).as_posix()
    except ValueError:
        return str(path)


def _prepare_lint() -> None:
    """Import what linting a large repository needs after loading (rule dependencies, the engine,
    suppressions, the rule split's pickling), while the load worker shares the cost."""
    import pickle  # noqa: F401

    import rolloutlint.run.engine  # noqa: F401
    import rolloutlint.run.suppress  # noqa: F401
    from rolloutlint.run.registry import prepare_rules

    prepare_rules()


def load_project(paths: Sequence[str], *, config_path: str | None = None, namespace: str | None = None,
                 cwd: Path | None = None, stdin: bytes | None = None, whole_root: bool = True) -> Project:
    """Discover and load files. `whole_root`: also load the rest of the project root for the index."""
    cwd = (cwd or Path.cwd()).resolve()
    named = [p for p in paths if p != STDIN] or ([] if STDIN in paths else ["."])
    named_paths = [(cwd / p).resolve() if not os.path.isabs(p) else Path(p).resolve() for p in named]
    for p in named_paths:
        if not p.exists():
            from rolloutlint.core.config import ConfigError

            raise ConfigError(f"path does not exist: {display_path(p, cwd)}")
    root = find_root(named_paths, cwd)
    cfg_file = Path(config_path).resolve() if config_path else find_config(root)
    config = load_config(cfg_file)
    if namespace:
        config.namespace = namespace

    report: set[Path] = set()
    for p in named_paths:
        if p.is_dir():
            report.update(walk(p, root, config.exclude))
        else:
            report.add(p)  # an explicitly named file is linted even when excluded or oddly named
    from rolloutlint.run.parallel import load_split
    from rolloutlint.run.registry import load_builtin_rules

    made: dict[int, list[Resource]] = {}  # each file's objects, made as soon as the file is here

    def adopt(src: SourceFile) -> None:
        made[id(src)] = list(resources_from(src))

    with gc_paused(), quiet_stderr():
        # While a worker loads, this process first imports the rule modules it will need next.
        files = load_split(sorted(report, key=_path_order), lambda p: load_file(p, display_path(p, cwd)),
                           meanwhile=load_builtin_rules, prepare=_prepare_lint, adopt=adopt)
        named_count = len(files)  # one per path in `report`
        if whole_root and root not in named_paths:  # a named root: everything is loaded already
            others = [p for p in walk(root, root, config.exclude) if p not in report]
            if others and report:
                # Only some files named: load what their checks can look up, not the whole repository.
                from rolloutlint.load.relevance import select_files

                files += select_files(files, others, lambda p, data: load_file(p, display_path(p, cwd), data=data))
            elif others:
                files += load_split(others, lambda p: load_file(p, display_path(p, cwd)))
        files.sort(key=lambda f: _path_order(f.path))
    if STDIN in paths:
        data = stdin if stdin is not None else sys.stdin.buffer.read()
        stdin_path = cwd / "<stdin>"
        files.append(load_file(stdin_path, "<stdin>", data=data))
        report.add(stdin_path)
        named_count += 1
    index = build_index(files, root, config.namespace, config.external, made=made)
    # Nothing loaded beyond the named files (a named root, say): say so with None, which spares each
    # consumer a membership test per file.
    everything = len(files) == named_count
    return Project(root=root, config=config, files=files, index=index, report_files=None if everything else report)


def lint_project(project: Project, *, select: Sequence[str] = (), ignore: Sequence[str] = (),
                 debug: bool = False, baseline: str | None = None, use_baseline: bool = True,
                 keep_fixes: bool = False) -> LintResult:
    """Run the selected rules, apply suppressions, then the baseline (`baseline`, else the config's;
    none with `use_baseline=False`). `keep_fixes`: also return, for each finding with a fix, the report
    behind it (what `--fix` edits)."""
    from rolloutlint.core.rule import Context
    from rolloutlint.run.engine import Engine, count, reported_files, selected_rule_ids
    from rolloutlint.run.suppress import apply_suppressions

    rule_ids = selected_rule_ids(project.config, select, ignore)
    ctx = Context(index=project.index, config=project.config, files=project.files)
    with gc_paused():  # the loaded project is large and acyclic: collections would only rescan it
        engine = Engine(ctx, rule_ids, debug=debug, keep_fixes=keep_fixes)
        findings = engine.run(project.report_files)
        findings = apply_suppressions(findings, project, rule_ids)
    baseline_path = (baseline or project.config.baseline) if use_baseline else None
    if baseline_path:
        from rolloutlint.run.baseline import filter_baseline

        findings = filter_baseline(baseline_path, findings, project.root)
    reported = [f for f in project.files if project.report_files is None or f.path in project.report_files]
    docs = sum(len(f.documents) for f in reported)
    ids = reported_files(project.files, project.report_files)
    resources = sum(1 for r in project.index.resources if ids is None or id(r.file) in ids)
    summary = {"files": len(reported), "documents": docs, "resources": resources, **count(findings)}
    return LintResult(findings=findings, project=project, summary=summary, fixes=engine.fixes)
