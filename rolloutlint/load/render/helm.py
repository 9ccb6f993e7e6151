"""Helm units: values in Argo CD's precedence, rendering with `helm template` or the in-process SDK.

Argo CD passes `valueFiles` in order, then `values`/`valuesObject` (as one more values file), then
`parameters` as `--set` (`forceString`: `--set-string`), with the Application name as release name and
the destination namespace as `--namespace`. Charts from repositories, remote value files and
dependencies not vendored under `charts/` need the network: they are reported, never fetched; `file://`
dependencies are copied in from the repository, as Argo CD's `helm dependency build` does.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from rolloutlint.core.model import as_dict, as_list, as_str
from rolloutlint.load.render.engines import EngineError, Helm, run, run_bytes
from rolloutlint.load.render.kustomize import OfflineError

_ERROR_AT = re.compile(r"(?:^|template: |parse error at \(|YAML parse error on |error calling include: template: )"
                       r"([\w./-]+?\.(?:ya?ml|tpl|txt|json))(?::(\d+))?")
_SOURCE = re.compile(r"^# Source: (.+)$", re.MULTILINE)


@dataclass
class ValuesLayer:
    """One place values come from, for tracing a rendered value back: highest precedence first."""

    file: Path
    prefix: tuple[Any, ...] = ()  # where the values start inside that file's document (inline Application values)
    parameters: dict[str, tuple[int, int]] = field(default_factory=dict)  # --set name -> (line, column) in file


@dataclass
class HelmInputs:
    chart: Path
    release: str
    namespace: str | None
    value_files: list[Path]
    inline: dict[str, Any] | None  # values / valuesObject
    set_values: list[tuple[str, str, bool]]  # (name, value, force string)
    layers: list[ValuesLayer]

    def key(self) -> str:
        return json.dumps([str(self.chart), self.release, self.namespace, [str(p) for p in self.value_files],
                           self.inline, self.set_values], sort_keys=True, default=str)


def inputs(chart: Path, options: dict[str, Any], release: str, namespace: str | None, refs: dict[str, Path],
           app_file: Path | None, app_source_path: tuple[Any, ...], app_line: Any) -> HelmInputs:
    """The render's inputs from an Application source (`options` is the source; its `helm:` block)."""
    helm = as_dict(options.get("helm"))
    release = as_str(helm.get("releaseName")) or release
    value_files: list[Path] = []
    ignore_missing = helm.get("ignoreMissingValueFiles") is True
    for i, entry in enumerate(as_list(helm.get("valueFiles"))):
        if not isinstance(entry, str):
            continue
        if re.match(r"^[a-z]+://", entry):
            raise OfflineError(f"cannot render offline: value file {entry!r} is fetched from the network",
                               app_file or chart, app_line(app_source_path + ("helm", "valueFiles", i)))
        if entry.startswith("$"):
            name, _, rest = entry[1:].partition("/")
            root = refs.get(name)
            if root is None:
                raise OfflineError(f"cannot render offline: value file {entry!r} comes from source ref ${name}, "
                                   "which is not this repository", app_file or chart,
                                   app_line(app_source_path + ("helm", "valueFiles", i)))
            path = (root / rest).resolve()
        else:
            path = (chart / entry).resolve()
        if not path.is_file():
            if ignore_missing:
                continue
            raise EngineError(f"value file {entry!r} does not exist ({path})")
        value_files.append(path)
    inline: dict[str, Any] | None = None
    layers: list[ValuesLayer] = []
    if isinstance(helm.get("valuesObject"), dict):
        inline = helm["valuesObject"]
        if app_file is not None:
            layers.append(ValuesLayer(app_file, tuple(app_source_path) + ("helm", "valuesObject")))
    elif isinstance(helm.get("values"), str):
        try:
            parsed = yaml.safe_load(helm["values"])
        except yaml.YAMLError as exc:
            raise EngineError(f"helm.values is not valid YAML: {exc}") from None
        inline = parsed if isinstance(parsed, dict) else None
    set_values: list[tuple[str, str, bool]] = []
    params: dict[str, tuple[int, int]] = {}
    for i, entry in enumerate(as_list(helm.get("parameters"))):
        param = as_dict(entry)
        pname, value = as_str(param.get("name")), param.get("value")
        if pname and value is not None:
            set_values.append((pname, str(value), param.get("forceString") is True))
            params[pname] = (app_line(app_source_path + ("helm", "parameters", i, "value")), 1)
    if app_file is not None and params:
        layers.insert(0, ValuesLayer(app_file, parameters=params))
    layers.extend(ValuesLayer(f) for f in reversed(value_files))
    if (chart / "values.yaml").is_file():
        layers.append(ValuesLayer(chart / "values.yaml"))
    return HelmInputs(chart, release, namespace, value_files, inline, set_values, layers)


def _chart_meta(chart: Path) -> dict[str, Any]:
    """Chart.yaml's value (read-only), parsed once per file version: the offline check, the dependency copy
    and every dependency template's location ask for it."""
    chart_file = chart / "Chart.yaml"
    try:
        st = chart_file.stat()
    except OSError as exc:
        raise EngineError(f"Chart.yaml cannot be read: {exc}") from None
    return _chart_meta_cached(chart_file, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=256)
def _chart_meta_cached(chart_file: Path, mtime: int, size: int) -> dict[str, Any]:
    try:
        return as_dict(yaml.safe_load(chart_file.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise EngineError(f"Chart.yaml cannot be read: {exc}") from None


def _vendored(chart: Path, name: str) -> bool:
    vendored = {p.name for p in (chart / "charts").iterdir()} if (chart / "charts").is_dir() else set()
    return any(v == name or v.startswith(name + "-") for v in vendored)


def local_dependencies(chart: Path) -> dict[str, Path]:
    """Dependency name -> chart directory, for the `file://` dependencies not vendored under charts/: Argo CD's
    `helm dependency build` copies them in from the repository (no network), so the render does the same."""
    out: dict[str, Path] = {}
    for dep in as_list(_chart_meta(chart).get("dependencies")):
        dep = as_dict(dep)
        name = as_str(dep.get("name")) or ""
        repo = as_str(dep.get("repository")) or ""
        if not repo.startswith("file://") or not name or _vendored(chart, name):
            continue
        target = (chart / repo[len("file://"):]).resolve()
        if not (target / "Chart.yaml").is_file():
            raise EngineError(f"chart dependency {name!r} names {repo}, which holds no chart (no {target / 'Chart.yaml'})")
        out[name] = target
    return out


def dependency_files(chart: Path, seen: frozenset[Path] = frozenset()) -> set[Path]:
    """Every file of the `file://` dependencies a render copies in (transitively): inputs of the render."""
    out: set[Path] = set()
    for dep in local_dependencies(chart).values():
        if dep not in seen:
            out |= {p.resolve() for p in dep.rglob("*") if p.is_file()}
            out |= dependency_files(dep, seen | {chart})
    return out


def _assemble(chart: Path, into: Path, stack: tuple[Path, ...] = ()) -> None:
    """Copy `chart` to `into` with its `file://` dependencies under charts/, as `helm dependency build` would
    (unpacked: Helm loads a chart directory under charts/ as it loads an archive)."""
    import shutil

    shutil.copytree(chart, into, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    for name, dep in local_dependencies(chart).items():
        if dep in stack or dep == chart:
            raise EngineError(f"chart dependency {name!r} ({dep}) depends on itself")
        _assemble(dep, into / "charts" / name, stack + (chart,))


@contextmanager
def _assembled(inp: HelmInputs) -> Iterator[HelmInputs]:
    """`inp` itself, or a copy of it rendering a scratch copy of the chart with its local dependencies in place."""
    if not local_dependencies(inp.chart):
        yield inp
        return
    with tempfile.TemporaryDirectory(prefix="rolloutlint-chart-") as tmp:
        scratch = Path(tmp) / inp.chart.name
        _assemble(inp.chart, scratch)
        yield replace(inp, chart=scratch)


_REMOTE_REF = re.compile(r'"\$ref"\s*:\s*"((?:https?|ftp)://[^"]*)"')


def _check_schema_refs(chart: Path) -> None:
    """Helm validates values against `values.schema.json` and fetches the remote `$ref`s it names: never here."""
    for schema in [chart / "values.schema.json", *sorted((chart / "charts").glob("*/values.schema.json"))]:
        try:
            text = schema.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        m = _REMOTE_REF.search(text)
        if m:
            line = text.count("\n", 0, m.start()) + 1
            raise OfflineError(f"cannot render offline: {schema.name} refers to the remote schema {m.group(1)!r}, "
                               "which Helm would fetch from the network to validate the values", schema, line)


def check_offline(chart: Path) -> None:
    """What Helm would download: dependencies declared in Chart.yaml and not present under charts/, remote
    schemas the values are validated against."""
    _check_schema_refs(chart)
    for local in local_dependencies(chart).values():
        _check_schema_refs(local)
    chart_file = chart / "Chart.yaml"
    meta = _chart_meta(chart)
    for dep in as_list(meta.get("dependencies")):
        dep = as_dict(dep)
        name = as_str(dep.get("name")) or ""
        repo = as_str(dep.get("repository")) or ""
        if repo.startswith("file://"):
            continue  # copied in from the repository (`local_dependencies`)
        if not _vendored(chart, name):
            text = chart_file.read_text(encoding="utf-8")
            line = next((i + 1 for i, ln in enumerate(text.splitlines()) if re.search(rf"name:\s*['\"]?{re.escape(name)}\b", ln)), 1)
            raise OfflineError(f"cannot render offline: chart dependency {name!r} from {repo or 'a repository'} is not "
                               "vendored under charts/ (run `helm dependency build` and commit it)", chart_file, line)


def render(engine: Helm, inp: HelmInputs) -> list[tuple[str, str]]:
    """(template path as Helm names it, e.g. `demo/templates/rollout.yaml`; manifest text) per document."""
    check_offline(inp.chart)
    with _assembled(inp) as ready:
        if engine.binary is not None:
            return _render_binary(engine.binary, ready)
        return _render_sdk(ready)


def _binary_argv(binary: str, inp: HelmInputs, tmp: str) -> list[str]:
    argv = [binary, "template", inp.release, str(inp.chart), "--include-crds"]
    if inp.namespace:
        argv += ["--namespace", inp.namespace]
    for f in inp.value_files:
        argv += ["--values", str(f)]
    if inp.inline is not None:
        inline = os.path.join(tmp, "values.yaml")
        with open(inline, "w", encoding="utf-8") as fh:
            json.dump(inp.inline, fh)
        argv += ["--values", inline]
    for name, value, force in inp.set_values:
        argv += ["--set-string" if force else "--set", f"{name}={value}"]
    return argv


def _render_binary(binary: str, inp: HelmInputs) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory(prefix="rolloutlint-helm-") as tmp:
        out = run(_binary_argv(binary, inp, tmp))
    docs: list[tuple[str, str]] = []
    for chunk in re.split(r"^---\s*$", out, flags=re.MULTILINE):
        m = _SOURCE.search(chunk)
        if m and chunk.strip():
            docs.append((m.group(1).strip(), chunk))
    return docs


def stream(engine: Helm, inp: HelmInputs) -> bytes:
    """The chart's manifests as one stream, for the Argo CD plugin to print: `helm template`'s stdout as it wrote
    it; with the in-process SDK, each rendered template's text exactly as the SDK returned it, CRDs first, under a
    `# Source:` header as `helm template` writes one (the SDK has no stream of its own; templates in path order,
    where `helm template` orders them by kind — Argo CD orders what it applies itself)."""
    check_offline(inp.chart)
    with _assembled(inp) as ready:
        if engine.binary is not None:
            with tempfile.TemporaryDirectory(prefix="rolloutlint-helm-") as tmp:
                return run_bytes(_binary_argv(engine.binary, ready, tmp))
        crds, rendered = _sdk_render(ready)
    parts = [(f"{inp.chart.name}/{c.get('name', '')}", str(c.get("data", ""))) for c in crds if isinstance(c, dict)]
    parts += [(t, text) for t, text in sorted(rendered.items()) if t.endswith((".yaml", ".yml", ".json")) and text.strip()]
    return "".join(f"---\n# Source: {t}\n{text}" + ("" if text.endswith("\n") else "\n") for t, text in parts).encode("utf-8")


def _sdk_render(inp: HelmInputs) -> tuple[list[Any], dict[str, str]]:
    """(CRDs, template path -> rendered text) from the in-process SDK."""
    import helm_python

    values: dict[str, Any] = {}
    try:
        for f in inp.value_files:
            _merge(values, as_dict(helm_python.values_from_yaml(f.read_text(encoding="utf-8"))))
        if inp.inline is not None:
            _merge(values, inp.inline)
        for name, value, force in inp.set_values:
            parse = helm_python.parse_set_string_values if force else helm_python.parse_set_string
            _merge(values, parse(f"{name}={value}"))
        chart = helm_python.Chart.load(str(inp.chart))
        try:
            rendered = chart.render(values, name=inp.release, namespace=inp.namespace or "default", is_install=True)
            crds = chart.crds
        finally:
            close = getattr(chart, "close", None)
            if close is not None:
                close()
    except helm_python.HelmError as exc:
        raise EngineError(str(exc)) from None
    except OSError as exc:
        raise EngineError(f"cannot read values: {exc}") from None
    return list(crds), dict(rendered)


def _render_sdk(inp: HelmInputs) -> list[tuple[str, str]]:
    crds, rendered = _sdk_render(inp)
    docs: list[tuple[str, str]] = [(f"{inp.chart.name}/{c.get('name', '')}", c.get("data", "")) for c in crds if isinstance(c, dict)]
    for template, text in sorted(rendered.items()):
        if not template.endswith((".yaml", ".yml", ".json")) or not text.strip():
            continue
        for chunk in re.split(r"^---\s*$", text, flags=re.MULTILINE):
            if chunk.strip():
                docs.append((template, chunk))
    return docs


def _merge(dst: dict[str, Any], src: dict[str, Any]) -> None:
    """Helm's coalescing of user values: maps merge recursively, later wins, `null` removes a key."""
    for k, v in src.items():
        if v is None:
            dst.pop(k, None)
        elif isinstance(v, dict) and isinstance(dst.get(k), dict):
            _merge(dst[k], v)
        else:
            dst[k] = v


def error_location(message: str, chart: Path) -> tuple[Path | None, int]:
    """The template file and line an engine message names (`template: demo/templates/x.yaml:6:14: ...`)."""
    m = _ERROR_AT.search(message)
    if not m:
        return None, 1
    path = template_file(m.group(1), chart)  # Helm names templates `<chart name>/templates/...`
    line = int(m.group(2)) if m.group(2) else 1
    return (path if path is not None and path.is_file() else None), line


def template_sources(chart: Path) -> list[tuple[Path, str]]:
    """(file, text) of every template the chart can include: its own, its vendored subcharts' and its
    `file://` dependencies' (a library chart's named templates)."""
    roots = [chart, *(p for p in (chart / "charts").iterdir() if p.is_dir())] if (chart / "charts").is_dir() else [chart]
    try:
        roots += list(local_dependencies(chart).values())
    except EngineError:
        pass
    out: list[tuple[Path, str]] = []
    for root in roots:
        for path in sorted((root / "templates").rglob("*")) if (root / "templates").is_dir() else ():
            if path.is_file() and path.suffix in (".tpl", ".yaml", ".yml", ".txt"):
                try:
                    out.append((path.resolve(), path.read_text(encoding="utf-8")))
                except (OSError, UnicodeDecodeError):
                    continue
    return out


def template_file(template: str, chart: Path) -> Path:
    """`demo/templates/x.yaml` (or `demo/charts/sub/templates/x.yaml`) → the file under `chart`; a template of
    a `file://` dependency → the file in that dependency's own directory."""
    parts = Path(template).parts
    if len(parts) <= 1:
        return chart / template
    rest = parts[1:]
    while len(rest) > 2 and rest[0] == "charts" and not (chart / "charts" / rest[1]).exists():
        try:
            dep = local_dependencies(chart).get(rest[1])
        except EngineError:
            dep = None
        if dep is None:
            break
        chart, rest = dep, rest[2:]
    return chart.joinpath(*rest)
