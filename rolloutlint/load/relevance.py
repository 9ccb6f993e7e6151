"""Which other project files a partial lint must load so the index knows everything it needs.

When only some files are named (pre-commit, an editor, `rolloutlint lint rollout.yaml`), parsing the whole
repository for the index would dominate the run. Instead: load the named files, then every file whose raw
text mentions a name they define or refer to (repeated until nothing new turns up), plus the files that
decide namespaces (kustomizations, Argo CD Applications, Namespaces) and the named files' directories.
A file that mentions none of those names cannot hold anything a rule would look up for the named files,
because every cross-resource lookup is by name. `tests/test_relevance.py` checks that a partial lint
reports exactly what the full lint reports for the same files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from rolloutlint.core.index import KUSTOMIZATION_NAMES
from rolloutlint.load.namespaces import resources_from
from rolloutlint.core.source import SourceFile
from rolloutlint.core.model import as_dict, as_list, as_str, dig

# Keys whose string values name other objects (Services, VirtualServices, templates, hosts, gateways...).
REF_KEYS = frozenset({"host", "hosts", "templateName", "canaryService", "stableService", "activeService",
                      "previewService", "pingService", "pongService", "gateways", "serviceName", "service",
                      "rootService", "stableIngress", "stableIngresses", "ingress", "ingresses", "mappings"})
# `name` is everywhere (ports, containers, routes, subsets, metrics); it names another object only here.
NAME_PARENTS = frozenset({"virtualService", "virtualServices", "destinationRule", "workloadRef", "scaleTargetRef",
                          "delegate", "configMapKeyRef", "secretKeyRef", "serviceAccountName", "ref"})
# Files that can change any resource's namespace or that rules consult project-wide.
ALWAYS_RE = re.compile(rb"^\s*kind:\s*[\"']?(Application|ApplicationSet|Namespace|Kustomization)\b", re.MULTILINE)
MAX_ROUNDS = 4
MAX_TOKEN_LEN = 253


def select_files(named: list[SourceFile], candidates: Iterable[Path],
                 load: Callable[[Path, bytes], SourceFile]) -> list[SourceFile]:
    """Load, from `candidates` (the project's other files), those the named files' checks may need."""
    pending: dict[Path, bytes] = {}
    for path in candidates:
        try:
            pending[path] = path.read_bytes()
        except OSError:
            continue
    named_dirs = {src.path.parent for src in named}
    loaded: list[SourceFile] = []
    for path in [p for p, data in pending.items()
                 if p.parent in named_dirs or p.name in KUSTOMIZATION_NAMES or _always_load(data)]:
        loaded.append(load(path, pending.pop(path)))
    # Only names reachable from the named files drive the closure; directory and namespace context files
    # are loaded for what they are, not for what they mention.
    frontier = list(named)
    seen_tokens: set[str] = set()
    for _ in range(MAX_ROUNDS):
        tokens = {t for src in frontier for t in tokens_of(src)} - seen_tokens
        seen_tokens |= tokens
        if not tokens or not pending:
            break
        hits = _mentioning(pending, tokens)
        frontier = [load(p, pending.pop(p)) for p in hits]
        loaded.extend(frontier)
        if not frontier:
            break
    # An Application's files are what its rules look at. Files are found by their ancestors, not by asking
    # every pending file about every Application (app-of-apps repositories have thousands of both).
    extras = [extra for src in named + loaded for extra in _application_dirs(src)]
    if extras and pending:
        under: dict[Path, list[Path]] = {}
        for path in pending:
            for parent in path.parents:
                under.setdefault(parent, []).append(path)
        for extra in extras:
            for path in under.get(extra, ()):
                if path in pending:
                    loaded.append(load(path, pending.pop(path)))
    return loaded


def tokens_of(src: SourceFile) -> set[str]:
    out: set[str] = set()
    for res in resources_from(_shallow_copy(src)):
        if res.name:
            out.add(res.name)
        _collect(res.body, out, 0)
    return {t for t in out if 0 < len(t) <= MAX_TOKEN_LEN}


def _shallow_copy(src: SourceFile) -> SourceFile:
    # resources_from records "not a Kubernetes object" problems; keep those off the real file.
    return SourceFile(path=src.path, display=src.display, text=None, documents=src.documents)


def _collect(value: Any, out: set[str], depth: int, parent: str = "") -> None:
    if depth > 64:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if k in REF_KEYS or (k == "name" and parent in NAME_PARENTS):
                for s in (v if isinstance(v, list) else [v]):
                    if isinstance(s, str):
                        out.add(s)
                        out.add(s.split(".", 1)[0])  # hosts and `name.namespace` refer by their first label
                        out.add(s.rsplit("/", 1)[-1])  # gateways may be `namespace/name`
            if isinstance(v, (dict, list)):
                _collect(v, out, depth + 1, k)
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, (dict, list)):
                _collect(v, out, depth + 1, parent)  # list items keep their list's key as parent


def _always_load(data: bytes) -> bool:
    # Substring tests first: they are memchr-fast, the anchored regex only confirms the rare hits.
    return (b"Application" in data or b"Namespace" in data or b"Kustomization" in data) and bool(ALWAYS_RE.search(data))


def _mentioning(pending: dict[Path, bytes], tokens: set[str]) -> list[Path]:
    """Files whose text contains one of `tokens` as a whole name (not inside a longer name)."""
    hits: list[Path] = []
    encoded = [t.encode("utf-8") for t in tokens]
    for path, data in pending.items():
        candidates = [t for t in encoded if t in data]
        if candidates and _token_pattern(frozenset(candidates)).search(data):
            hits.append(path)
    return hits


@lru_cache(maxsize=1024)
def _token_pattern(tokens: frozenset[bytes]) -> re.Pattern[bytes]:
    alternatives = b"|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True))
    return re.compile(rb"(?<![\w-])(?:" + alternatives + rb")(?![\w-])")


def _application_dirs(src: SourceFile) -> list[Path]:
    out = []
    for doc in src.documents:
        body = doc.value
        if not isinstance(body, dict) or body.get("kind") not in ("Application", "ApplicationSet"):
            continue
        spec = as_dict(body.get("spec"))
        if body.get("kind") == "ApplicationSet":
            spec = as_dict(dig(spec, "template", "spec"))
        for source in [as_dict(spec.get("source"))] + [as_dict(s) for s in as_list(spec.get("sources"))]:
            path = as_str(source.get("path"))
            if path and "{{" not in path:
                out.append(path)
    root_guess = src.path.parent
    return [(root_guess / p).resolve() for p in out]
