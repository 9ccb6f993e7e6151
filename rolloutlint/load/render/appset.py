"""The Applications an ApplicationSet generates from this working tree: list and git directory/file
generators, and matrix/merge combinations of them. Cluster, SCM, pull-request and plugin generators need a
cluster or an API: `skipped_generators` names them (from the spec alone), and the render reports their Applications as not checked (RL008).

Parameters follow Argo CD's ApplicationSet controller: `path`, `path.basename`, `path.basenameNormalized`,
`path[N]`, and for git files the file's flattened keys; fasttemplate `{{key}}` by default, Go templates
(`{{.path.basename}}`) with `goTemplate: true` (only plain field references are substituted).
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from rolloutlint.core.model import as_dict, as_list, as_str

MAX_GENERATED = 500  # per ApplicationSet: a glob over a huge tree must not make thousands of renders
_FAST = re.compile(r"\{\{\s*([\w.\[\]-]+)\s*\}\}")
_GO = re.compile(r"\{\{-?\s*(?:\.([\w.]+)|index\s+\.path\.segments\s+(\d+))\s*-?\}\}")


def generated_applications(appset: dict[str, Any], root: Path) -> list[dict[str, Any]]:
    return expand(appset, root)[0]


def expand(appset: dict[str, Any], root: Path) -> tuple[list[dict[str, Any]], list[tuple[int, str]]]:
    """(the Applications generated from this working tree, `skipped_generators`: their Applications are not
    generated, and the caller says so)."""
    spec = as_dict(appset.get("spec"))
    template = as_dict(spec.get("template"))
    if not template:
        return [], []
    go = spec.get("goTemplate") is True
    out: list[dict[str, Any]] = []
    skipped = skipped_generators(appset)
    blocked = {i for i, _ in skipped}
    # The controller creates every Application in its ApplicationSet's namespace, whatever the template says.
    namespace = as_str(as_dict(appset.get("metadata")).get("namespace"))
    for i, gen in enumerate(as_list(spec.get("generators"))):
        if i in blocked:
            continue
        for params in _params(as_dict(gen), root, go):
            app = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", **_substitute(copy.deepcopy(template), params, go)}
            if namespace is not None:
                meta = app.get("metadata")
                app["metadata"] = {**meta, "namespace": namespace} if isinstance(meta, dict) else {"namespace": namespace}
            out.append(app)
            if len(out) >= MAX_GENERATED:
                return out, skipped
    return out, skipped


def skipped_generators(appset: dict[str, Any]) -> list[tuple[int, str]]:
    """(index, kind) of each generator that cannot be expanded offline, read from the spec alone."""
    spec = as_dict(appset.get("spec"))
    if not as_dict(spec.get("template")):
        return []
    return [(i, kind) for i, gen in enumerate(as_list(spec.get("generators"))) if (kind := _blocker(as_dict(gen)))]


def _blocker(gen: dict[str, Any], depth: int = 0) -> str | None:
    """The kind of generator that keeps `gen` from being expanded here (one that needs a cluster or an API, or a
    combination Argo CD refuses), or None."""
    for kind in ("matrix", "merge"):
        if kind in gen:
            block = as_dict(gen[kind])
            children = [as_dict(g) for g in as_list(block.get("generators"))]
            if depth >= 2 or not children:  # Argo CD nests combining generators two levels deep at most
                return kind
            if kind == "matrix" and len(children) != 2:  # exactly two children
                return kind
            if kind == "merge" and not [k for k in as_list(block.get("mergeKeys")) if isinstance(k, str)]:
                return kind  # a merge needs mergeKeys
            return next((b for child in children if (b := _blocker(child, depth + 1))), None)
    if "list" in gen or as_dict(gen.get("git")):
        return None
    return next((k for k in gen if k not in ("selector", "values", "template")), "generator")


def _params(gen: dict[str, Any], root: Path, go: bool = False, depth: int = 0) -> list[dict[str, Any]]:
    """The parameter sets of a generator `_blocker` lets through."""
    if "list" in gen:
        return [e for e in as_list(as_dict(gen["list"]).get("elements")) if isinstance(e, dict)]
    if "matrix" in gen:
        return _matrix([as_dict(g) for g in as_list(as_dict(gen["matrix"]).get("generators"))], root, go, depth)
    if "merge" in gen:
        block = as_dict(gen["merge"])
        return _merge([as_dict(g) for g in as_list(block.get("generators"))],
                      [k for k in as_list(block.get("mergeKeys")) if isinstance(k, str)], root, go, depth)
    git = as_dict(gen.get("git"))
    out: list[dict[str, Any]] = []
    dirs = [as_dict(d) for d in as_list(git.get("directories"))]
    if dirs:
        include = [as_str(d.get("path")) for d in dirs if not d.get("exclude") and as_str(d.get("path"))]
        exclude = [as_str(d.get("path")) for d in dirs if d.get("exclude") and as_str(d.get("path"))]
        for rel in _all_dirs(root):
            if any(_match(rel, p) for p in include if p) and not any(_match(rel, p) for p in exclude if p):
                out.append(_path_params(rel))
    for f in as_list(git.get("files")):
        pattern = as_str(as_dict(f).get("path"))
        if not pattern:
            continue
        for file in sorted(root.glob(pattern)):
            if not file.is_file():
                continue
            rel = PurePosixPath(file.relative_to(root).as_posix())
            for content in _file_params(file):
                out.append({**content, **_path_params(rel.parent, file=rel)})
    return out


def _combined(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    out = {**first, **second}
    if "__go" in first or "__go" in second:
        out["__go"] = {**as_dict(first.get("__go")), **as_dict(second.get("__go"))}
    return out


def _matrix(children: list[dict[str, Any]], root: Path, go: bool, depth: int) -> list[dict[str, Any]]:
    """Argo CD's matrix: every combination of the two child generators' parameters; the second child may use
    the first's (its fields are templated with them first)."""
    out: list[dict[str, Any]] = []
    for first in _params(children[0], root, go, depth + 1):
        for second in _params(_substitute(copy.deepcopy(children[1]), first, go), root, go, depth + 1):
            out.append(_combined(first, second))
            if len(out) >= MAX_GENERATED:
                return out
    return out


def _merge(children: list[dict[str, Any]], keys: list[str], root: Path, go: bool, depth: int) -> list[dict[str, Any]]:
    """Argo CD's merge: the first child's parameter sets, each updated by the later children's sets that agree
    with it on every merge key."""
    base = [dict(p) for p in _params(children[0], root, go, depth + 1)]
    for child in children[1:]:
        for other in _params(child, root, go, depth + 1):
            for i, params in enumerate(base):
                if all(k in params and params.get(k) == other.get(k) for k in keys):
                    base[i] = _combined(params, other)
    return base


def _match(rel: PurePosixPath, pattern: str) -> bool:
    """Argo CD matches directory globs segment by segment (`*` stays within one directory)."""
    parts, pats = rel.parts, PurePosixPath(pattern.strip("/")).parts
    return len(parts) == len(pats) and all(fnmatch.fnmatchcase(a, b) for a, b in zip(parts, pats))


def _all_dirs(root: Path) -> list[PurePosixPath]:
    out = []
    for p in sorted(root.rglob("*")):
        if p.is_dir() and not any(part.startswith(".") for part in p.relative_to(root).parts):
            out.append(PurePosixPath(p.relative_to(root).as_posix()))
    return out


def _path_params(rel: PurePosixPath, file: PurePosixPath | None = None) -> dict[str, Any]:
    text = rel.as_posix()
    base = rel.name
    flat: dict[str, Any] = {"path": text, "path.basename": base,
                            "path.basenameNormalized": re.sub(r"[^a-z0-9-]", "-", base.lower())}
    for i, seg in enumerate(rel.parts):
        flat[f"path[{i}]"] = seg
    if file is not None:
        flat["path.filename"] = file.name
        flat["path.filenameNormalized"] = re.sub(r"[^a-z0-9-.]", "-", file.name.lower())
    flat["__go_path"] = {"path": text, "basename": base, "segments": list(rel.parts),
                         "basenameNormalized": flat["path.basenameNormalized"]}
    return flat


def _file_params(file: Path) -> list[dict[str, Any]]:
    try:
        text = file.read_text(encoding="utf-8")
        value = json.loads(text) if file.suffix == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError):
        return []
    items = value if isinstance(value, list) else [value]
    return [_flatten(v) | {"__go": v} for v in items if isinstance(v, dict)]


def _flatten(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in value.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _substitute(value: Any, params: dict[str, Any], go: bool) -> Any:
    if isinstance(value, dict):
        return {_substitute(k, params, go): _substitute(v, params, go) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, params, go) for v in value]
    if isinstance(value, str) and "{{" in value:
        return _go(value, params) if go else _FAST.sub(lambda m: _text(params.get(m.group(1)), m.group(0)), value)
    return value


def _go(text: str, params: dict[str, Any]) -> str:
    tree: dict[str, Any] = {k: v for k, v in params.items() if "." not in k and "[" not in k and not k.startswith("__")}
    tree.update(as_dict(params.get("__go")))
    if "__go_path" in params:
        tree["path"] = params["__go_path"]

    def repl(m: re.Match[str]) -> str:
        if m.group(2) is not None:
            segs = as_list(as_dict(tree.get("path")).get("segments"))
            i = int(m.group(2))
            return str(segs[i]) if i < len(segs) else m.group(0)
        cur: Any = tree
        for part in m.group(1).split("."):
            if not isinstance(cur, dict) or part not in cur:
                return m.group(0)
            cur = cur[part]
        return _text(cur, m.group(0))

    return _GO.sub(repl, text)


def _text(value: Any, default: str) -> str:
    if value is None or isinstance(value, (dict, list)):
        return default
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
