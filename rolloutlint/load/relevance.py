"""Which other project files a partial lint must load so the index knows everything it needs.

When only some files are named (pre-commit, an editor, `rolloutlint lint rollout.yaml`), parsing the whole
repository for the index would dominate the run. Instead: load the named files, then every file whose raw
text mentions a name they define or refer to (repeated until nothing new turns up), plus the files that
decide namespaces (kustomizations, ApplicationSets, Namespaces) and the named files' directories.
A file that mentions none of those names cannot hold anything a rule would look up for the named files,
because every cross-resource lookup is by name.

Argo CD Applications are loaded when they deploy a loaded file (they decide its namespace, and their rules
look at what they deploy), when their source is a kustomization or a chart (the tool reads whatever it
includes, outside its directory too) or when they share a loaded Application's name; an Application that
deploys a file loaded for what it holds (a named one, one found by name, a context file) has everything
it deploys loaded as well, and a named Application's files are searched for names like the named files.
An app-of-apps repository has thousands of Applications: their `path:` values are read from the text and
only those that can name a directory above a loaded file are parsed (`_Held`).

`tests/test_relevance.py` checks that a partial lint reports exactly what the full lint reports for the
same files.
"""

from __future__ import annotations

import bisect
import os
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from rolloutlint.core.argocd_source import Coverage, directory_deploys, source_directory
from rolloutlint.core.index import KUSTOMIZATION_NAMES
from rolloutlint.load.namespaces import resources_from
from rolloutlint.core.source import SourceFile
from rolloutlint.core.model import as_dict, as_list, as_str, dig
from rolloutlint.load.discovery import SKIP_DIRS, VALUES_FILE

# Keys whose string values name other objects (Services, VirtualServices, templates, hosts, gateways...).
REF_KEYS = frozenset({"host", "hosts", "templateName", "canaryService", "stableService", "activeService",
                      "previewService", "pingService", "pongService", "gateways", "serviceName", "service",
                      "rootService", "stableIngress", "stableIngresses", "ingress", "ingresses", "mappings"})
# `name` is everywhere (ports, containers, routes, subsets, metrics); it names another object only here.
NAME_PARENTS = frozenset({"virtualService", "virtualServices", "destinationRule", "workloadRef", "scaleTargetRef",
                          "delegate", "configMapKeyRef", "secretKeyRef", "serviceAccountName", "ref"})
# Files that can change any resource's namespace or that rules consult project-wide.
ALWAYS_RE = re.compile(rb"^\s*kind:\s*[\"']?(Application|ApplicationSet|Namespace|Kustomization)\b", re.MULTILINE)
KIND_RE = re.compile(rb"^\s*kind:\s*[\"']?([^\s\"'#]*)", re.MULTILINE)
MAX_ROUNDS = 4
MAX_TOKEN_LEN = 253
FEW_TOKENS = 24  # up to this many, substring tests first (memchr-fast) and a pattern only for the hits
READ_CHUNK = 1 << 16


def select_files(named: list[SourceFile], candidates: Iterable[str | Path],
                 load: Callable[[Path, bytes], SourceFile], root: Path | None = None,
                 whole_tree: Iterable[Path] = (), detours: Iterable[tuple[str, bool]] = ()) -> list[SourceFile]:
    """Load, from `candidates` (the project's other files), those the named files' checks may need.

    `root`: the project root (Application source paths are relative to it; without it, no Application is
    held back). `whole_tree`: kustomization and Chart.yaml files the walk passed. `detours`: (path, is a
    symlink) for symlinks the walk followed and directories it excluded."""
    pending: dict[str, bytes] = {}
    for name in candidates:
        data = _read(str(name))
        if data is not None:
            pending[str(name)] = data
    named_dirs = {str(src.path.parent) for src in named}
    loaded: list[SourceFile] = []
    held: dict[str, bytes] = {}  # files of Applications only: loaded when something loaded needs them

    def take(name: str, src: SourceFile | None = None) -> SourceFile:
        held.pop(name, None)
        data = pending.pop(name)
        src = load(Path(name), data) if src is None else src
        loaded.append(src)
        return src

    for name, data in list(pending.items()):
        kinds = _always_kinds(data)
        here, _, base = name.rpartition(os.sep)  # walked names are normalised: os.path.split, faster
        if kinds and kinds != {b"Application"}:
            take(name)  # Namespaces, kustomizations and ApplicationSets (their generators may cover anything)
        elif kinds:
            if root is not None and (here not in named_dirs or _only_applications(data)):
                held[name] = data
            else:
                take(name)
        elif here in named_dirs or base in KUSTOMIZATION_NAMES:
            take(name)
    apps = _Apps(root, list(pending) + [str(src.path) for src in named])
    # Only names reachable from the named files (and what named Applications deploy) drive the closure;
    # directory and namespace context files are loaded for what they are, not for what they mention. A chart's
    # values files name what its templates render (`stableIngress: {{ .Values.ingress }}`): their names count.
    frontier = list(named) + [take(n) for n in apps.deployed_by(named) if n in pending]
    seen_tokens: set[str] = _chart_value_names(named, root)
    if seen_tokens and pending:
        frontier += [take(p) for p in _mentioning(pending, seen_tokens)]
    for _ in range(MAX_ROUNDS):
        tokens = {t for src in frontier for t in tokens_of(src)} - seen_tokens
        seen_tokens |= tokens
        if not tokens or not pending:
            break
        frontier = [take(p) for p in _mentioning(pending, tokens)]
        if not frontier:
            break
    # Every Application loaded so far has what it deploys loaded too (its rules look at it).
    content = named + loaded
    for name in apps.deployed_by(loaded):
        if name in pending:
            take(name)
    if held and root is not None:
        _Closure(_Held(held, root, load, whole_tree, detours), apps, take, pending).run(content, loaded[len(content) - len(named):])
    return loaded


_VALUE_NAME = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*")
_NOT_NAMES = frozenset({"true", "false", "null", "latest", "always", "never", "none", "default", "enabled", "disabled"})


def _chart_value_names(named: list[SourceFile], root: Path | None) -> set[str]:
    """Name-like strings in the values files (`values*.yaml` beside Chart.yaml) of the charts the named files lie
    in: what the charts' templates may render into references."""
    import yaml

    charts: set[Path] = set()
    for src in named:
        for parent in src.path.parents:
            if (parent / "Chart.yaml").is_file():
                charts.add(parent)
                break
            if root is None or parent == root or root not in parent.parents:
                break
    out: set[str] = set()
    for chart in sorted(charts):
        for path in sorted(chart.iterdir()):
            data = _read(str(path)) if VALUES_FILE.match(path.name) and path.is_file() else None
            try:
                docs = list(yaml.safe_load_all(data)) if data is not None else []
            except yaml.YAMLError:
                continue
            for doc in docs:
                _strings(doc, out, 0)
    return {t for t in out if 3 <= len(t) <= MAX_TOKEN_LEN and t not in _NOT_NAMES and _VALUE_NAME.fullmatch(t)
            and not t.replace(".", "").isdigit()}


def _strings(value: Any, out: set[str], depth: int) -> None:
    if depth > 64:
        return
    if isinstance(value, str):
        out.add(value)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out, depth + 1)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out, depth + 1)


class _Apps:
    """The files Applications deploy, from the walked tree (exactly as `core.argocd_source` decides it)."""

    def __init__(self, root: Path | None, names: list[str]) -> None:
        self.root = root
        self.names = names
        self._walked: list[str] | None = None
        self._by_dir: dict[str, list[str]] | None = None

    @property
    def walked(self) -> list[str]:
        if self._walked is None:
            self._walked = sorted(self.names)
        return self._walked

    @property
    def by_dir(self) -> dict[str, list[str]]:
        if self._by_dir is None:  # most repositories have no Application: built on first use
            self._by_dir = {}
            for name in self.names:
                self._by_dir.setdefault(name.rpartition(os.sep)[0], []).append(name)
        return self._by_dir

    def coverages(self, src: SourceFile) -> list[Coverage]:
        if self.root is None:
            return []
        out = []
        for path, source in _sources(src):
            directory = source_directory(self.root, src.path, path)
            if directory is not None:
                out.append(Coverage(directory, source))
        return out

    def deployed(self, coverage: Coverage) -> Iterator[str]:
        top = str(coverage.directory)
        names: Iterable[str]
        if coverage.whole or coverage.recurse:
            prefix = top.rstrip(os.sep) + os.sep
            start = bisect.bisect_left(self.walked, prefix)
            names = self.walked[start:bisect.bisect_left(self.walked, prefix[:-1] + chr(ord(os.sep) + 1), start)]
        else:
            names = self.by_dir.get(top, ())
        return (name for name in names if _covers(coverage, name))

    def deployed_by(self, files: Iterable[SourceFile]) -> list[str]:
        return [name for src in files for cov in self.coverages(src) for name in self.deployed(cov)]


def _covers(coverage: Coverage, name: str) -> bool:
    top = str(coverage.directory).rstrip(os.sep) + os.sep
    if not name.startswith(top):
        return False
    rel = name[len(top):].replace(os.sep, "/")
    return coverage.whole or directory_deploys(rel, recurse=coverage.recurse, include=coverage.include,
                                               exclude=coverage.exclude)


def _sources(src: SourceFile) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, source) of every Application (or plain ApplicationSet template) source with a string path."""
    for doc in src.documents:
        body = doc.value
        if not isinstance(body, dict) or body.get("kind") not in ("Application", "ApplicationSet"):
            continue
        spec = as_dict(body.get("spec"))
        if body.get("kind") == "ApplicationSet":
            spec = as_dict(dig(spec, "template", "spec"))
        for source in [as_dict(spec.get("source"))] + [as_dict(s) for s in as_list(spec.get("sources"))]:
            path = as_str(source.get("path"))
            if path is not None:
                yield path, source


def _app_names(src: SourceFile) -> set[str]:
    out = set()
    for doc in src.documents:
        body = doc.value
        if isinstance(body, dict) and body.get("kind") == "Application":
            name = as_str(dig(body, "metadata", "name"))
            if name:
                out.add(name)
    return out


def _holds_objects(src: SourceFile) -> bool:
    """Does the file hold anything besides Applications (what an Application's rules look at)?"""
    return any(not (isinstance(doc.value, dict) and doc.value.get("kind") == "Application") for doc in src.documents)


class _Closure:
    """Loads the held Applications that deploy a loaded file, whose source a tool renders whole (it may read
    files outside its directory) or that share a loaded Application's name (units are told apart by file
    then). Those that deploy a file loaded for its content (named, found by name, context) get what they
    deploy loaded too. Until nothing changes: a loaded Application's own file has deployers (app of apps),
    and so does every file loaded for an Application."""

    def __init__(self, held: "_Held", apps: _Apps, take: Callable[[str, SourceFile | None], SourceFile],
                 pending: dict[str, bytes]) -> None:
        self.held, self.apps, self.take, self.pending = held, apps, take, pending
        self.queue: list[str] = []  # loaded files whose deployers are not looked for yet
        self.content: list[str] = []  # loaded for what they hold, besides Applications
        self.names: set[str] = set()
        self.new_names: set[str] = set()

    def run(self, content: list[SourceFile], others: list[SourceFile]) -> None:
        self.content = [str(src.path) for src in content if _holds_objects(src)]
        self.queue = [str(src.path) for src in content + others]
        self.new_names = {n for src in content + others for n in _app_names(src)}
        for name in self.held.must_parse():
            src = self.held.parse(name)
            if src is not None and any(cov.whole for cov in self.apps.coverages(src)):
                self.keep(name)
        while self.queue or self.new_names:
            while self.queue:
                path = self.queue.pop()
                for name in self.held.may_deploy(path):
                    src = self.held.parse(name)
                    if src is not None and any(_covers(cov, path) for cov in self.apps.coverages(src)):
                        self.keep(name)
            fresh, self.new_names = self.new_names - self.names, set()
            self.names |= fresh
            if fresh and self.held.texts:
                for name in _mentioning(self.held.texts, fresh):
                    src = self.held.parse(name)
                    if src is not None and _app_names(src) & self.names:
                        self.keep(name)

    def keep(self, name: str) -> None:
        src = self.take(name, self.held.pop(name))
        self.queue.append(name)
        self.new_names |= _app_names(src)
        coverages = self.apps.coverages(src)
        if any(_covers(cov, path) for cov in coverages for path in self.content):
            for deployed in [n for cov in coverages for n in self.apps.deployed(cov)]:
                if deployed in self.pending:
                    self.keep(deployed)


class _Held:
    """Files holding only Applications, not loaded yet: their text says which directories their `path:` values
    can name, so that a file is parsed only when one of those lies above a loaded file."""

    def __init__(self, texts: dict[str, bytes], root: Path, load: Callable[[Path, bytes], SourceFile],
                 whole_tree: Iterable[Path], detours: Iterable[tuple[str, bool]]) -> None:
        self.texts = dict(texts)
        self.load = load
        self.parsed: dict[str, SourceFile] = {}
        self.root = str(root)
        self.whole = {str(p.parent) for p in whole_tree}
        self.unsure: list[str] = []  # files parsed for every loaded file
        self.exact: dict[str, list[str]] = {}  # directory -> held files that may deploy the files in it
        self.below: dict[str, list[str]] = {}  # directory -> held files that may deploy files below it too
        detours = list(detours)
        linked = any(is_link for _, is_link in detours)  # a file's real place may differ from its walked path
        excluded = [path.rstrip(os.sep) + os.sep for path, is_link in detours if not is_link]
        for name, data in self.texts.items():
            dirs = None if linked else _named_dirs(data, name, self.root)
            if dirs is None or any(d.startswith(x) or d + os.sep == x for d in dirs for x in excluded):
                self.unsure.append(name)
                continue
            deep = b"recurse" in data
            for d in dirs:
                (self.below if deep or d in self.whole else self.exact).setdefault(d, []).append(name)

    def must_parse(self) -> list[str]:
        """Files whose directories are unknown, or that may name a kustomization's or a chart's."""
        out = set(self.unsure)
        for d in self.whole:
            out.update(self.exact.get(d, ()))
            out.update(self.below.get(d, ()))
        return sorted(out)

    def may_deploy(self, path: str) -> list[str]:
        here = os.path.dirname(path)
        out = [n for n in self.exact.get(here, ()) if n in self.texts]
        d = here
        while True:
            out += [n for n in self.below.get(d, ()) if n in self.texts]
            parent = os.path.dirname(d)
            if d == self.root or len(parent) < len(self.root) or parent == d:
                break
            d = parent
        return out + [n for n in self.unsure if n in self.texts]

    def parse(self, name: str) -> SourceFile | None:
        """The file parsed (once), without loading it."""
        if name not in self.texts:
            return None
        if name not in self.parsed:
            self.parsed[name] = self.load(Path(name), self.texts[name])
        return self.parsed[name]

    def pop(self, name: str) -> SourceFile | None:
        self.texts.pop(name, None)
        return self.parsed.pop(name, None)


def _named_dirs(data: bytes, name: str, root: str) -> list[str] | None:
    """Every directory an Application source `path:` in this text can resolve to (`source_directory`: under
    the root, else under an ancestor of the file), or None when the text does not say it plainly."""
    values = _path_values(data)
    if not values:
        return values
    inside = root + os.sep
    bases = [root]
    d = os.path.dirname(name)
    while d.startswith(inside):
        bases.append(d)
        d = os.path.dirname(d)
    out = []
    for value in values:
        target = value.strip().strip("/")
        if target in ("", "."):
            out.append(root)
            continue
        for base in bases:
            found = posixpath.normpath(base + "/" + target)
            if found.startswith(inside):
                if "/." in found[len(root):] or any(p in SKIP_DIRS for p in found[len(inside):].split(os.sep)):
                    return None  # a directory walks do not enter: symlinks there are not known
                out.append(found)
            elif found == root:
                out.append(found)
    return out


_EXPLICIT_KEY = re.compile(rb"(?:^|[\s\[{,])\?(?:\s|$)", re.MULTILINE)
_UNSURE_VALUE_START = frozenset("|>*&!{[%@`#")
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.")


def _path_values(data: bytes) -> list[str] | None:
    """The values of every `path:` key in the text (and of `path:` inside other values or comments: a few too
    many do no harm), or None when one is not written on its key's line as a plain or quoted string
    (block scalars, aliases, flow collections, escapes, continuation lines, explicit keys, tabs)."""
    if b"path" not in data:
        return []
    if b"\\" in data or b"\t" in data or b"\r" in data or (b"?" in data and _EXPLICIT_KEY.search(data)):
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    out: list[str] = []
    at = text.find("path")
    while at != -1:
        end = at + 4
        before = text[at - 1] if at else " "
        at = text.find("path", end)
        if before in _NAME_CHARS or text[end:end + 1] in _NAME_CHARS:
            continue  # part of a longer word (`contextPath`, `paths`, `path.x`)
        line_end = text.find("\n", end)
        line_end = len(text) if line_end == -1 else line_end
        rest = text[end:line_end]
        if rest[:1] in ("'", '"'):
            rest = rest[1:]
        rest = rest.lstrip(" ")
        if not rest.startswith(":"):
            continue  # not a key (a word in a value or a comment)
        rest = rest[1:]
        if rest and rest[0] not in " \"'":
            continue  # `path:x` is one plain scalar, not a key
        value = rest.strip(" ")
        if not value or value[0] in _UNSURE_VALUE_START:
            return None  # on the following lines, a block scalar, an alias, a collection...
        if value[0] in "\"'":
            quote = value[0]
            close = value.find(quote, 1)
            while quote == "'" and close != -1 and value[close + 1:close + 2] == "'":
                close = value.find("'", close + 2)
            if close == -1:
                return None  # continues on the next line
            out.append(value[1:close].replace("''", "'") if quote == "'" else value[1:close])
            continue
        cut = value.find(" #")
        value = (value if cut == -1 else value[:cut]).rstrip(" ")
        if any(c in value for c in ",[]{}"):
            return None  # perhaps inside a flow collection, where these end the scalar
        if _continued(text, text.rfind("\n", 0, end) + 1, line_end):
            return None
        out.append(value)
    return out


def _continued(text: str, start: int, end: int) -> bool:
    """Is the next content line after text[start:end] indented deeper (a plain scalar may continue there)?"""
    indent = end - start - len(text[start:end].lstrip(" "))
    while end < len(text):
        nxt = text.find("\n", end + 1)
        nxt = len(text) if nxt == -1 else nxt
        line = text[end + 1:nxt]
        stripped = line.lstrip(" ")
        if stripped and not stripped.startswith("#"):
            return len(line) - len(stripped) > indent
        end = nxt
    return False


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


def _read(name: str) -> bytes | None:
    """A file's bytes with as few system calls as Python allows (a partial lint reads every file once)."""
    try:
        fd = os.open(name, os.O_RDONLY)
    except OSError:
        return None
    try:
        data = os.read(fd, READ_CHUNK)
        if len(data) < READ_CHUNK:
            return data
        chunks = [data]
        while data:
            data = os.read(fd, READ_CHUNK)
            chunks.append(data)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _always_kinds(data: bytes) -> set[bytes]:
    # Substring tests first: they are memchr-fast, the anchored regex only confirms the rare hits.
    if b"Application" in data or b"Namespace" in data or b"Kustomization" in data:
        return set(ALWAYS_RE.findall(data))
    return set()


def _only_applications(data: bytes) -> bool:
    return all(kind == b"Application" for kind in KIND_RE.findall(data))


def _mentioning(pending: dict[str, bytes], tokens: set[str]) -> list[str]:
    """Files whose text contains one of `tokens` as a whole name (not inside a longer name)."""
    encoded = sorted(t.encode("utf-8") for t in tokens)
    if len(encoded) > FEW_TOKENS:  # one scan of each file beats a substring search per token
        pattern = _token_pattern(frozenset(encoded))
        return [path for path, data in pending.items() if _mentions(pattern, data)]
    hits: list[str] = []
    for path, data in pending.items():
        candidates = [t for t in encoded if t in data]
        if candidates and _mentions(_token_pattern(frozenset(candidates)), data):
            hits.append(path)
    return hits


_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def _mentions(pattern: re.Pattern[bytes], data: bytes) -> bool:
    # The pattern checks the end of a name; the start is checked here: a lookbehind in front would keep the
    # regex engine from skipping to the tokens' first characters.
    found = pattern.search(data)
    while found is not None:
        start = found.start()
        if not start or data[start - 1] not in _WORD_BYTES:
            return True
        found = pattern.search(data, start + 1)
    return False


@lru_cache(maxsize=1024)
def _token_pattern(tokens: frozenset[bytes]) -> re.Pattern[bytes]:
    return re.compile(_alternatives(sorted(tokens)) + rb"(?![\w-])")


def _alternatives(tokens: list[bytes]) -> bytes:
    """A regular expression matching exactly `tokens` (sorted, distinct), shaped as a trie: the regex engine
    then tries one branch per character instead of every token at every position."""
    if tokens == [b""]:
        return b""
    groups: dict[int, list[bytes]] = {}
    ends = False
    for t in tokens:
        if t:
            groups.setdefault(t[0], []).append(t[1:])
        else:
            ends = True
    branches = [re.escape(bytes([c])) + _alternatives(rest) for c, rest in groups.items()]
    body = branches[0] if len(branches) == 1 else b"(?:" + b"|".join(branches) + b")"
    return b"(?:" + body + b")?" if ends else body
