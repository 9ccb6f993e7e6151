"""kustomize units: the files a kustomization reads, remote references, and the origin-tracking build.

The build goes through a temporary wrapper kustomization that includes the unit's directory and asks
kustomize for `buildMetadata: [originAnnotations, transformerAnnotations]`, so every object says which
file it came from. The Application's `kustomize:` block goes into the wrapper, as Argo CD's
`kustomize edit set ...` would put it into the unit's own kustomization.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.nodes import MappingNode

from rolloutlint.core.index import KUSTOMIZATION_FILES
from rolloutlint.core.model import as_dict, as_list, as_str

if TYPE_CHECKING:  # unit discovery reads kustomizations without running anything: engines load on a build
    from rolloutlint.load.render.engines import Kustomize

ORIGIN = "config.kubernetes.io/origin"
TRANSFORMATIONS = "alpha.config.kubernetes.io/transformations"
# kustomize's remote forms: URLs, git::/ssh forms, host/org/repo paths, `?ref=` queries.
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git::|git@|ssh:|github\.com/|gitlab\.com/|bitbucket\.org/)|[?&](?:ref|version|submodules|timeout)=",
                     re.IGNORECASE)


class OfflineError(Exception):
    """A reference kustomize or Helm would fetch from the network."""

    def __init__(self, message: str, file: Path, line: int = 1) -> None:
        super().__init__(message)
        self.file = file
        self.line = line
        self.partial: Reads | None = None  # from `reads`: what the walk had read when it met the reference


def kustomization_file(directory: Path) -> Path | None:
    for name in KUSTOMIZATION_FILES:
        if (directory / name).is_file():
            return directory / name
    return None


def is_remote(ref: str) -> bool:
    return bool(_REMOTE.search(ref.strip()))


@dataclass
class Reads:
    """What building a kustomization reads: files (manifests, patches, generator inputs), the
    kustomization directories it includes, and the kustomization files themselves."""

    files: set[Path] = field(default_factory=set)
    directories: set[Path] = field(default_factory=set)
    kustomizations: set[Path] = field(default_factory=set)
    as_patch: set[Path] = field(default_factory=set)  # files read only as patches


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(path: Path) -> tuple[dict[str, Any], Any]:
    """A kustomization's value and node, read once per run and file version (units share bases)."""
    try:
        st = path.stat()
    except OSError:
        return {}, None
    return _load_cached(path, st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=4096)
def _load_cached(path: Path, mtime: int, size: int) -> tuple[dict[str, Any], Any]:
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=_LOADER)
        value = yaml.load(text, Loader=_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}, None
    return as_dict(value), node


def load_kustomization(path: Path) -> dict[str, Any]:
    return _load(path)[0]


def kustomization_node(path: Path) -> Any:
    """The kustomization's composed node (positions of inline patches); None when it cannot be read."""
    return _load(path)[1]


def _line_of(node: Any, section: str, ref: str) -> int:
    """1-based line of `ref` in a kustomization's `section` list (for offline findings)."""
    if node is None or not hasattr(node, "value") or not isinstance(node.value, list):
        return 1
    for key, value in node.value:
        if getattr(key, "value", None) != section:
            continue
        if isinstance(value, MappingNode):  # `openapi: {path: x}`
            return next((int(v.start_mark.line) + 1 for _k, v in value.value if getattr(v, "value", None) == ref),
                        int(key.start_mark.line) + 1)
        for item in value.value if isinstance(value.value, list) else []:
            if getattr(item, "value", None) == ref:
                return int(item.start_mark.line) + 1
            if isinstance(item.value, list):  # `- path: x` / `- repo: ...`
                for _k, v in item.value:
                    if getattr(v, "value", None) == ref:
                        return int(v.start_mark.line) + 1
        return int(key.start_mark.line) + 1
    return 1


# What one render run has learnt about the tree (between `new_run` and `end_run`): unit discovery, each unit's
# cache key and its inputs walk the same kustomizations, and a base shared by fifty overlays is walked once, not
# fifty times (resolving paths is the costly part: a `realpath` system call per path component). Outside a run
# nothing is remembered.
_run: dict[tuple[str, Path], Any] | None = None


def new_run() -> None:
    global _run
    _run = {}


def end_run() -> None:
    global _run
    _run = None


def resolved(path: Path) -> Path:
    memo = _run
    if memo is None:
        return path.resolve()
    hit = memo.get(("resolve", path))
    if hit is None:
        hit = memo[("resolve", path)] = path.resolve()
    return hit


def reads(directory: Path, out: Reads | None = None, stack: tuple[Path, ...] = ()) -> Reads:
    """Walk a kustomization and everything it includes (raises OfflineError on a remote reference). During a
    run a whole walk is remembered; callers only read the result."""
    memo = _run
    if out is not None:
        return _reads(directory, out, stack)
    hit = memo.get(("reads", directory)) if memo is not None else None
    if hit is None:
        partial = Reads()
        try:
            hit = _reads(directory, partial, ())
        except OfflineError as exc:
            exc.partial = partial  # the bases it includes are still bases (never units of their own)
            hit = exc
        if memo is not None:
            memo[("reads", directory)] = hit
    if isinstance(hit, OfflineError):
        raise hit
    return hit


def _vendor_hint(ref: str) -> str:
    if ref.rstrip("/").endswith("rollout-transform.yaml"):
        return ("; commit a copy of Argo Rollouts' kustomize configuration (rollout-transform.yaml) beside the "
                "kustomization and name that file instead, so the overlay renders without the network")
    if ref.rstrip("/").endswith(".json"):
        return ("; commit a copy of the schema (for Argo Rollouts: argo_all_k8s_kustomize_schema.json) beside the "
                "kustomization and point `openapi.path` at it, so the overlay renders without the network")
    return "; commit a copy beside the kustomization and name that file instead"


def _reads(directory: Path, out: Reads, stack: tuple[Path, ...]) -> Reads:
    directory = resolved(directory)
    kfile = kustomization_file(directory)
    if kfile is None or directory in stack or kfile in out.kustomizations:
        return out
    out.kustomizations.add(kfile)
    out.directories.add(directory)
    body, node = _load(kfile)

    def entries(section: str) -> list[str]:
        return [e for e in as_list(body.get(section)) if isinstance(e, str)]

    for section in ("resources", "bases", "components", "crds"):
        for ref in entries(section):
            if is_remote(ref):
                raise OfflineError(f"cannot render offline: {kfile.name} `{section}` names the remote {ref!r}, which "
                                   "kustomize would fetch from the network", kfile, _line_of(node, section, ref))
            target = resolved(directory / ref)
            if target.is_dir():
                _reads(target, out, stack + (directory,))
            elif target.is_file():
                out.files.add(target)
    for ref in entries("patchesStrategicMerge"):
        target = resolved(directory / ref)
        if target.is_file():
            out.files.add(target)
            out.as_patch.add(target)
    for section in ("patches", "patchesJson6902", "replacements"):
        for entry in as_list(body.get(section)):
            path = as_str(as_dict(entry).get("path")) if isinstance(entry, dict) else None
            if path:
                target = resolved(directory / path)
                if target.is_file():
                    out.files.add(target)
                    out.as_patch.add(target)
    for section in ("configMapGenerator", "secretGenerator"):
        for gen in as_list(body.get(section)):
            for key in ("files", "envs"):
                for ref in as_list(as_dict(gen).get(key)):
                    if isinstance(ref, str):
                        target = resolved(directory / ref.split("=", 1)[-1])
                        if target.is_file():
                            out.files.add(target)
            env = as_str(as_dict(gen).get("env"))
            if env and (directory / env).is_file():
                out.files.add(resolved(directory / env))
    for chart in as_list(body.get("helmCharts")):
        repo = as_str(as_dict(chart).get("repo"))
        if repo:
            raise OfflineError(f"cannot render offline: {kfile.name} `helmCharts` pulls chart "
                               f"{as_str(as_dict(chart).get('name'))!r} from {repo}", kfile, _line_of(node, "helmCharts", repo))
    openapi = as_str(as_dict(body.get("openapi")).get("path"))
    crds = [c for c in as_list(body.get("crds")) if isinstance(c, str)]
    for schema, section in [(openapi, "openapi"), *((c, "crds") for c in crds)]:
        if schema is None:
            continue
        if is_remote(schema):  # the schema Argo Rollouts' kustomize docs point `openapi.path` at, for one
            raise OfflineError(f"cannot render offline: {kfile.name} `{section}` names the remote {schema!r}, which "
                               f"kustomize would fetch from the network{_vendor_hint(schema)}", kfile,
                               _line_of(node, section, schema))
        target = resolved(directory / schema)
        if target.is_file():
            out.files.add(target)
            out.as_patch.add(target)  # a schema, never an object to lint
    for section in ("configurations", "transformers", "generators", "validators"):
        for ref in entries(section):
            if is_remote(ref):
                raise OfflineError(f"cannot render offline: {kfile.name} `{section}` names the remote {ref!r}, which "
                                   f"kustomize would fetch from the network{_vendor_hint(ref)}", kfile,
                                   _line_of(node, section, ref))
            target = resolved(directory / ref)
            if target.is_dir():
                _reads(target, out, stack + (directory,))
            elif target.is_file():
                out.files.add(target)
                out.as_patch.add(target)  # plugin configuration, never an object to lint
    return out


def wrapper(target: Path, scratch: Path, options: dict[str, Any]) -> str:
    """The wrapper kustomization's text: include `target` (relative: kustomize refuses absolute roots),
    origin annotations on, and the Application's `kustomize:` options."""
    rel = os.path.relpath(target, scratch)
    body: dict[str, Any] = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                            "resources": [rel], "buildMetadata": ["originAnnotations", "transformerAnnotations"]}
    opts = as_dict(options)
    for src_key, dst_key in (("namePrefix", "namePrefix"), ("nameSuffix", "nameSuffix"), ("namespace", "namespace"),
                             ("commonLabels", "commonLabels"), ("commonAnnotations", "commonAnnotations")):
        if opts.get(src_key):
            body[dst_key] = opts[src_key]
    images = [i for i in as_list(opts.get("images")) if isinstance(i, str)]
    if images:
        body["images"] = [_image(i) for i in images]
    replicas = [r for r in as_list(opts.get("replicas")) if isinstance(r, dict)]
    if replicas:
        body["replicas"] = [{"name": r.get("name"), "count": int(str(r.get("count", 0)))} for r in replicas
                            if str(r.get("count", "")).isdigit()]
    patches = [p for p in as_list(opts.get("patches")) if isinstance(p, dict)]
    if patches:
        body["patches"] = [{**p, "path": os.path.relpath(target / p["path"], scratch)} if isinstance(p.get("path"), str) else p
                           for p in patches]
    components = [c for c in as_list(opts.get("components")) if isinstance(c, str)]
    if components:
        body["components"] = [os.path.relpath((target / c).resolve(), scratch) for c in components]
    return yaml.safe_dump(body, sort_keys=False)


def _image(spec: str) -> dict[str, str]:
    """Argo CD's `images` entries (`kustomize edit set image` syntax): `name=new:tag`, `name:tag`, `name@digest`."""
    name, _, new = spec.partition("=")
    ref = new or name
    out: dict[str, str] = {"name": name.split("@")[0].rsplit(":", 1)[0] if not new else name}
    if "@" in ref:
        image, digest = ref.split("@", 1)
        out["digest"] = digest
    else:
        image, tag = (ref.rsplit(":", 1) + [""])[:2] if ":" in ref.rsplit("/", 1)[-1] else (ref, "")
        if tag:
            out["newTag"] = tag
    if new and image != name:
        out["newName"] = image
    return out


def build(engine: Kustomize, target: Path, options: dict[str, Any]) -> tuple[str, Path]:
    """Rendered YAML and the wrapper directory origin paths are relative to (the directory is gone by
    then; only its path is needed to resolve them)."""
    import tempfile

    from rolloutlint.load.render.engines import EngineError
    with tempfile.TemporaryDirectory(prefix="rolloutlint-kustomize-") as tmp:
        scratch = Path(tmp).resolve()
        (scratch / "kustomization.yaml").write_text(wrapper(target, scratch, options), encoding="utf-8")
        try:
            return engine.build(str(scratch)), scratch
        except EngineError as exc:
            # Drop the wrapper's own accumulation frames: the user's kustomization is where it went wrong.
            message = re.sub(r"^accumulating resources: accumulation err='accumulating resources from '[^']*': '[^']*' "
                             r"must resolve to a file': recursed accumulation of path '[^']*': ", "", str(exc))
            message = message.replace(str(scratch) + "/", "").replace(str(scratch), "<wrapper>")
            raise EngineError(message.replace(str(target.parent) + "/", "")) from None


def build_plain(engine: Kustomize, target: Path) -> bytes:
    """`kustomize build` of the directory itself, as Argo CD runs it for a source without `kustomize:` options:
    no wrapper, so no build metadata in the objects and the directory's own root-only settings (`sortOptions`
    is honoured only in the top kustomization) apply. The bytes the engine wrote, for the plugin to print."""
    from rolloutlint.load.render.engines import EngineError, run_bytes

    try:
        return run_bytes([*engine.command, "."], cwd=str(target))
    except EngineError as exc:
        raise EngineError(str(exc).replace(str(target) + "/", "")) from None
