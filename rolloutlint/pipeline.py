"""The one pipeline: paths → files → index → rules → suppressions → baseline → findings.

`rolloutlint lint`, `--fix` (between its passes), the Argo CD plugin (`cmp generate`) and `simulate`
(which stops after the index) all go through here. Named paths limit what is reported, never what is
known: the index covers the whole project root.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rolloutlint.config import find_config, load_config
from rolloutlint.core.config import Config
from rolloutlint.core.index import KUSTOMIZATION_FILES
from rolloutlint.core.model import Resource
from rolloutlint.core.project import LintResult, Project
from rolloutlint.core.source import SourceFile, gc_paused
from rolloutlint.load.discovery import (VALUES_FILE, display_path, find_root, known_non_manifest, printable, walk,
                                        walk_names)
from rolloutlint.core.infile import not_regular, read_stdin
from rolloutlint.load.fastparse import quiet_stderr
from rolloutlint.load.loader import load_file
from rolloutlint.load.namespaces import build_index, resources_from

STDIN = "-"


def _path_order(path: Path) -> tuple[str, ...]:
    """Path order without pathlib's per-comparison overhead (thousands of files are sorted twice)."""
    return path.parts


def _prepare_lint() -> None:
    """Import what linting a large repository needs after loading (rule dependencies, the engine,
    suppressions, the rule split's pickling), while the load worker shares the cost."""
    import pickle  # noqa: F401

    import rolloutlint.run.engine
    import rolloutlint.run.suppress  # noqa: F401
    from rolloutlint.run.registry import prepare_rules

    prepare_rules()


def load_project(paths: Sequence[str], *, config_path: str | None = None, namespace: str | None = None,
                 cwd: Path | None = None, stdin: bytes | None = None, whole_root: bool = True,
                 render: bool = True, debug_log: Any = None, focus: Any = None) -> Project:
    """Discover and load files. `whole_root`: also load the rest of the project root for the index.
    `render`: render deployment units (Applications, kustomizations, charts) as Argo CD would.
    `focus`: the deployment unit the Argo CD plugin generates (a `load.render.units.Unit`): always rendered, in
    place of any discovered unit of the same directory; without `whole_root`, the only unit rendered."""
    from rolloutlint.core.config import ConfigError

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

    from rolloutlint.load.discovery import detours, unit_markers, unreadable_dirs

    unreadable_dirs()  # forget what an earlier load in this process could not list
    unit_markers()
    detours()
    report: set[Path] = set()
    named_values: set[Path] = set()  # Helm values files named (a pre-commit run after editing one)
    for p in named_paths:
        if p.is_dir():
            report.update(walk(p, root, config.exclude))
        elif VALUES_FILE.match(p.name):
            named_values.add(p)  # not a manifest: what the charts reading it render is reported where it points
        elif not known_non_manifest(p):
            report.add(p)  # an explicitly named file is linted even when excluded or oddly named
    from rolloutlint.run.parallel import load_split
    from rolloutlint.run.registry import load_builtin_rules

    made: dict[int, list[Resource]] = {}  # each file's objects, made as soon as the file is here

    def adopt(src: SourceFile) -> None:
        made[id(src)] = list(resources_from(src))

    prefetch: list[Any] = []

    def meanwhile() -> None:
        # Started here, after the load worker is forked: kustomize builds in a thread while the files load.
        markers = unit_markers(keep=True)
        if render and whole_root and focus is None and any(m.name in KUSTOMIZATION_FILES for m in markers) \
                and _render_enabled(config):
            from rolloutlint.load.render.build import RenderSettings, start_prefetch

            settings = RenderSettings.from_config(config.raw.get("render"), root)
            prefetch.append(start_prefetch(root, settings, config.exclude, markers))
        load_builtin_rules()

    with gc_paused(), quiet_stderr():
        # While a worker loads, this process first imports the rule modules it will need next.
        files = load_split(sorted(report, key=_path_order), lambda p: load_file(p, display_path(p, cwd, root)),
                           meanwhile=meanwhile, prepare=_prepare_lint, adopt=adopt)
        named_count = len(files)  # one per path in `report`
        partial = False  # some files of the repository named, not all: report only what touches them
        if whole_root and root not in named_paths:  # a named root: everything is loaded already
            reported = {str(p) for p in report}
            others = [p for p in walk_names(root, root, config.exclude) if p not in reported]
            if others and (report or named_values):
                partial = True
                # Only some files named: load what their checks can look up, not the whole repository. A named
                # values file takes part as a path only: the Applications deploying or reading it are loaded.
                from rolloutlint.load.relevance import select_files

                stubs = [SourceFile(path=v, display=display_path(v, cwd, root)) for v in sorted(named_values)]
                files += select_files(files + stubs, others,
                                      lambda p, data: load_file(p, display_path(p, cwd, root), data=data),
                                      root, whole_tree=unit_markers(keep=True), detours=detours())
                report.update(named_values)
            elif others and not named_paths:  # stdin alone: its references resolve against the repository
                files += load_split([Path(p) for p in others], lambda p: load_file(p, display_path(p, cwd, root)))
        for directory, reason in dict(unreadable_dirs()).items():
            from rolloutlint.core.source import Problem

            files.append(SourceFile(path=directory, display=display_path(directory, cwd, root), problems=[
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
    rendered = _render(files, root, cwd, config, made, debug_log, focus, whole_root, prefetch[0] if prefetch else None) \
        if (render and whole_root and _has_units(files)) or focus is not None else None
    if prefetch and prefetch[0] is not None and rendered is None:
        prefetch[0].wait()  # never leave a thread building while the rules fork a worker
    if rendered is not None:  # files loaded for render findings (Chart.yaml, a values file): reported when
        # everything is, or when they lie under a named directory
        if not partial and len(files) - len(rendered.extra_files) == named_count:
            named_count += len(rendered.extra_files)
        for extra in rendered.extra_files:
            if any(p.is_dir() and p in extra.path.parents for p in named_paths):
                report.add(extra.path)
    index = build_index(files, root, config.namespace, config.external, made=made,
                        extra=rendered.resources if rendered is not None else ())
    # Nothing loaded beyond the named files (a named root, say): say so with None, which spares each
    # consumer a membership test per file.
    everything = not partial and len(files) == named_count
    return Project(root=root, config=config, files=files, index=index, report_files=None if everything else report,
                   rendered=rendered)


def _has_units(files: list[SourceFile]) -> bool:
    """Whether the walks passed a kustomization or a chart, or an Argo CD Application or ApplicationSet was
    loaded: without one there is nothing to render, and the renderers are not even imported."""
    from rolloutlint.load.discovery import unit_markers

    if unit_markers():
        return True
    for src in files:
        for doc in src.documents:
            value = doc.value
            if isinstance(value, dict) and value.get("kind") in ("Application", "ApplicationSet") and \
                    str(value.get("apiVersion", "")).startswith("argoproj.io/"):
                return True
    return False


def _render_enabled(config: Config) -> bool:
    render = config.raw.get("render")
    return not (isinstance(render, dict) and render.get("enabled", True) is False) and \
        os.environ.get("ROLLOUTLINT_NO_RENDER") != "1"


def _render(files: list[SourceFile], root: Path, cwd: Path, config: Config, made: dict[int, list[Resource]],
            debug_log: Any, focus: Any = None, discover: bool = True, prefetch: Any = None) -> Any:
    """Render the deployment units; files they consume (bases, patches, values, templates) give no raw
    objects (and no "not an object"/"template" notes), the rendered objects stand in for them."""
    from rolloutlint.load.render.build import RenderSettings, render_project

    settings = RenderSettings.from_config(config.raw.get("render"), root)
    if not _render_enabled(config):
        if prefetch is not None:
            prefetch.wait()
        if focus is None:
            return None
        discover = False  # the plugin's unit is what Argo CD applies: it is rendered whatever lint's setting
    rendered = render_project(files, root, cwd, settings, debug=debug_log, exclude=config.exclude, focus=focus,
                              discover=discover, prefetch=prefetch)
    files.extend(rendered.extra_files)
    for src in files:
        if src.path in rendered.consumed:
            made[id(src)] = []
            src.problems = [p for p in src.problems if p.rule_id not in ("RL004", "RL005")]
    return rendered


def _resolve_named(cwd: Path, name: str) -> Path:
    from rolloutlint.core.config import ConfigError

    try:
        return (cwd / name).resolve() if not os.path.isabs(name) else Path(name).resolve()
    except (RuntimeError, OSError) as exc:  # Python < 3.13 raises RuntimeError for a loop, later ones OSError
        import errno

        if isinstance(exc, RuntimeError) or exc.errno == errno.ELOOP:
            raise ConfigError(f"{printable(name)} is a symlink loop") from None
        raise ConfigError(f"cannot resolve {printable(name)}: {exc.strerror or exc}") from None


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
        from rolloutlint.run.touching import units_named

        units = units_named(project.rendered.units, project.report_files) if project.rendered is not None else set()
        findings = engine.run(project.report_files, units)
        findings = apply_suppressions(findings, project, rule_ids)
    baseline_path = (baseline or project.config.baseline) if use_baseline else None
    if baseline_path:
        from rolloutlint.run.baseline import filter_baseline

        findings = filter_baseline(baseline_path, findings, project.root)
    reported = [f for f in project.files if project.report_files is None or f.path in project.report_files]
    docs = sum(len(f.documents) for f in reported)
    ids = reported_files(project.files, project.report_files)
    resources = sum(1 for r in project.index.resources if ids is None or id(r.file) in ids)
    summary: dict[str, Any] = {"files": len(reported), "documents": docs, "resources": resources, **count(findings)}
    foreign = sum(1 for f in reported if f.path in engine.foreign) if "RL004" in rule_ids else 0
    if foreign:
        summary["notKubernetes"] = foreign
    if project.rendered is not None and project.rendered.units:
        summary["units"] = len(project.rendered.units)
        summary["unitsNotRendered"] = project.rendered.failed_units
        summary["engines"] = project.rendered.summary()["engines"]
    return LintResult(findings=findings, project=project, summary=summary, fixes=engine.fixes)
