"""What the CLI and tests call: load a project, index it, lint it.

Named paths limit what is reported, never what is known: the index covers the whole project root.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rolloutlint.config import Config, find_config, load_config
from rolloutlint.discovery import find_root, known_non_manifest, walk
from rolloutlint.findings import Finding
from rolloutlint.index import ResourceIndex, build_index, resources_from
from rolloutlint.infile import not_regular, read_stdin
from rolloutlint.fastparse import quiet_stderr
from rolloutlint.loader import SourceFile, gc_paused, load_file
from rolloutlint.model import Resource

STDIN = "-"


@dataclass
class Project:
    root: Path
    config: Config
    files: list[SourceFile]
    index: ResourceIndex
    report_files: set[Path] | None  # None: report on everything loaded
    rendered: Any = None  # rolloutlint.render.build.Rendered: the deployment units and their engines


@dataclass
class LintResult:
    findings: list[Finding]
    project: Project
    summary: dict[str, int] = field(default_factory=dict)


def _path_order(path: Path) -> tuple[str, ...]:
    """Path order without pathlib's per-comparison overhead (thousands of files are sorted twice)."""
    return path.parts


def display_path(path: Path, cwd: Path) -> str:
    """`path` relative to `cwd` (both absolute and resolved) in POSIX form, else as it is; bytes of a
    non-UTF-8 file name shown as `\\xff` (the name itself cannot be printed, written to JSON or SARIF)."""
    text = _display(path, cwd)
    return text if text.isprintable() or text.isascii() else _printable(text)


def _printable(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: undecodable bytes of the file name (surrogateescape)
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text


def _display(path: Path, cwd: Path) -> str:
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

    import rolloutlint.engine
    import rolloutlint.suppress  # noqa: F401
    from rolloutlint.registry import prepare_rules

    prepare_rules()


def load_project(paths: Sequence[str], *, config_path: str | None = None, namespace: str | None = None,
                 cwd: Path | None = None, stdin: bytes | None = None, whole_root: bool = True,
                 render: bool = True, debug_log: Any = None) -> Project:
    """Discover and load files. `whole_root`: also load the rest of the project root for the index.
    `render`: render deployment units (Applications, kustomizations, charts) as Argo CD would."""
    from rolloutlint.config import ConfigError

    if cwd is None:
        try:
            cwd = Path.cwd()
        except FileNotFoundError:
            raise ConfigError("the current working directory no longer exists; cd somewhere else") from None
    cwd = cwd.resolve()
    named = [p for p in paths if p != STDIN] or ([] if STDIN in paths else ["."])
    named_paths = [_resolve_named(cwd, p) for p in named]
    for p in named_paths:
        if not p.exists():
            raise ConfigError(f"path does not exist: {display_path(p, cwd)}")
        odd = None if p.is_dir() else not_regular(p)
        if odd:
            raise ConfigError(f"{display_path(p, cwd)} is {odd}; name files or directories (pipe text into `-`)")
    root = find_root(named_paths, cwd)
    cfg_file = Path(config_path).resolve() if config_path else find_config(root)
    config = load_config(cfg_file)
    if namespace:
        config.namespace = namespace

    from rolloutlint.discovery import unreadable_dirs

    unreadable_dirs()  # forget what an earlier load in this process could not list
    report: set[Path] = set()
    for p in named_paths:
        if p.is_dir():
            report.update(walk(p, root, config.exclude))
        elif not known_non_manifest(p):
            report.add(p)  # an explicitly named file is linted even when excluded or oddly named
    from rolloutlint.parallel import load_split
    from rolloutlint.registry import load_builtin_rules

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
                from rolloutlint.relevance import select_files

                files += select_files(files, others, lambda p, data: load_file(p, display_path(p, cwd), data=data))
            elif others and not named_paths:  # stdin alone: its references resolve against the repository
                files += load_split(others, lambda p: load_file(p, display_path(p, cwd)))
        for directory, reason in dict(unreadable_dirs()).items():
            from rolloutlint.loader import Problem

            files.append(SourceFile(path=directory, display=display_path(directory, cwd), problems=[
                Problem("RL002", f"cannot read directory: {reason}; the files in it are not linted")]))
            report.add(directory)
            named_count += 1
        files.sort(key=lambda f: _path_order(f.path))
    if STDIN in paths:
        data = stdin if stdin is not None else read_stdin()
        stdin_path = cwd / "<stdin>"
        files.append(load_file(stdin_path, "<stdin>", data=data))
        report.add(stdin_path)
        named_count += 1
    rendered = _render(files, root, cwd, config, made, debug_log) if render and whole_root else None
    if rendered is not None:  # files loaded for render findings (Chart.yaml, a values file): reported when
        # everything is, or when they lie under a named directory
        if len(files) - len(rendered.extra_files) == named_count:
            named_count += len(rendered.extra_files)
        for extra in rendered.extra_files:
            if any(p.is_dir() and p in extra.path.parents for p in named_paths):
                report.add(extra.path)
    index = build_index(files, root, config.namespace, config.external, made=made,
                        extra=rendered.resources if rendered is not None else ())
    # Nothing loaded beyond the named files (a named root, say): say so with None, which spares each
    # consumer a membership test per file.
    everything = len(files) == named_count
    return Project(root=root, config=config, files=files, index=index, report_files=None if everything else report,
                   rendered=rendered)


def _render(files: list[SourceFile], root: Path, cwd: Path, config: Config, made: dict[int, list[Resource]],
            debug_log: Any) -> Any:
    """Render the deployment units; files they consume (bases, patches, values, templates) give no raw
    objects (and no "not an object"/"template" notes), the rendered objects stand in for them."""
    from rolloutlint.render.build import RenderSettings, render_project

    settings = RenderSettings.from_config(config.raw.get("render"), root)
    if not settings.enabled or os.environ.get("ROLLOUTLINT_NO_RENDER") == "1":
        return None
    rendered = render_project(files, root, cwd, settings, debug=debug_log, exclude=config.exclude)
    files.extend(rendered.extra_files)
    for src in files:
        if src.path in rendered.consumed:
            made[id(src)] = []
            src.problems = [p for p in src.problems if p.rule_id not in ("RL004", "RL005")]
    return rendered


def _resolve_named(cwd: Path, name: str) -> Path:
    from rolloutlint.config import ConfigError

    try:
        return (cwd / name).resolve() if not os.path.isabs(name) else Path(name).resolve()
    except (RuntimeError, OSError) as exc:  # Python < 3.13 raises RuntimeError for a loop, later ones OSError
        import errno

        if isinstance(exc, RuntimeError) or exc.errno == errno.ELOOP:
            raise ConfigError(f"{_printable(name)} is a symlink loop") from None
        raise ConfigError(f"cannot resolve {_printable(name)}: {exc.strerror or exc}") from None


def lint_project(project: Project, *, select: Sequence[str] = (), ignore: Sequence[str] = (),
                 debug: bool = False) -> LintResult:
    from rolloutlint.engine import Context, Engine, count, reported_files, selected_rule_ids

    rule_ids = selected_rule_ids(project.config, select, ignore)
    ctx = Context(index=project.index, config=project.config, files=project.files)
    from rolloutlint.suppress import apply_suppressions

    with gc_paused():  # the loaded project is large and acyclic: collections would only rescan it
        findings = Engine(ctx, rule_ids, debug=debug).run(project.report_files)
        findings = apply_suppressions(findings, project, rule_ids)
    reported = [f for f in project.files if project.report_files is None or f.path in project.report_files]
    docs = sum(len(f.documents) for f in reported)
    ids = reported_files(project.files, project.report_files)
    resources = sum(1 for r in project.index.resources if ids is None or id(r.file) in ids)
    summary = {"files": len(reported), "documents": docs, "resources": resources, **count(findings)}
    if project.rendered is not None and project.rendered.units:
        summary["units"] = len(project.rendered.units)
        summary["unitsNotRendered"] = project.rendered.failed_units
        summary["engines"] = project.rendered.summary()["engines"]
    return LintResult(findings=findings, project=project, summary=summary)


def lint_paths(paths: Sequence[str], **kwargs: object) -> LintResult:
    """Convenience for tests and library users: load and lint in one call."""
    load_keys = {"config_path", "namespace", "cwd", "stdin", "whole_root"}
    load_kwargs = {k: v for k, v in kwargs.items() if k in load_keys}
    lint_kwargs = {k: v for k, v in kwargs.items() if k not in load_keys}
    project = load_project(paths, **load_kwargs)  # type: ignore[arg-type]
    return lint_project(project, **lint_kwargs)  # type: ignore[arg-type]
