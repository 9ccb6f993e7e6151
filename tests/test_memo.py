"""The one memo API (core.memo) and its contract for views and rules (docs/writing-rules.md, "Caching")."""

from __future__ import annotations

import ast
from pathlib import Path

from rolloutlint.core import memo
from rolloutlint.core.index import ResourceIndex
from rolloutlint.core.model import Resource

PACKAGE = Path(__file__).resolve().parents[1] / "rolloutlint"


def _res(name: str) -> Resource:
    return Resource("v1", "Service", name, {"metadata": {"name": name}}, None, 0, None)


def test_per_resource_computes_once_per_object() -> None:
    calls: list[str] = []

    @memo.per_resource
    def view(res: Resource) -> str:
        calls.append(str(res.name))
        return f"view of {res.name}"

    a, b = _res("a"), _res("b")
    assert [view(a), view(a), view(b), view(a)] == ["view of a", "view of a", "view of b", "view of a"]
    assert calls == ["a", "b"]


def test_views_with_the_same_short_name_in_two_modules_do_not_share_entries() -> None:
    def first(res: Resource) -> int:
        return 1

    def second(res: Resource) -> int:
        return 2

    first.__module__, second.__module__ = "one", "two"
    second.__qualname__ = first.__qualname__
    a = _res("a")
    assert (memo.per_resource(first)(a), memo.per_resource(second)(a)) == (1, 2)


def test_per_resource_in_index_is_keyed_by_the_index() -> None:
    calls: list[int] = []

    @memo.per_resource_in_index
    def view(res: Resource, index: ResourceIndex) -> int:
        calls.append(id(index))
        return len(index.resources)

    a = _res("a")
    one, two = ResourceIndex(Path(".")), ResourceIndex(Path("."))
    two.add(_res("b"))
    assert (view(a, one), view(a, one), view(a, two)) == (0, 0, 1)
    assert len(calls) == 2


def test_for_resource_is_keyed_by_name_and_argument() -> None:
    calls: list[tuple[str, int]] = []

    def compute(name: str, k: int) -> str:
        calls.append((name, k))
        return f"{name}:{k}"

    a = _res("a")
    for name, k in [("m.v", 1), ("m.v", 1), ("m.v", 2), ("m.w", 1), ("m.v", 2)]:
        assert memo.for_resource(a, name, k, lambda name=name, k=k: compute(name, k)) == f"{name}:{k}"
    assert calls == [("m.v", 1), ("m.v", 2), ("m.w", 1)]
    assert memo.for_resource(_res("b"), "m.v", 1, lambda: "b's own") == "b's own"


def test_per_run_builds_each_table_once_per_index() -> None:
    calls: list[str] = []
    index, other = ResourceIndex(Path(".")), ResourceIndex(Path("."))

    def table() -> dict[str, int]:
        calls.append("built")
        return {"n": len(calls)}

    assert memo.per_run(index, ("test", "t"), table) is memo.per_run(index, ("test", "t"), table)
    assert memo.per_run(other, ("test", "t"), table) == {"n": 2}
    assert calls == ["built", "built"]


_OBJECT_PARAMS = {"res", "resource", "ro", "tmpl", "svc", "vs", "dr", "ctx", "index", "usage", "owner"}
_OBJECT_TYPES = ("Resource", "ResourceIndex", "Context", "Usage")


def _violations(path: Path, root: Path = PACKAGE) -> list[str]:
    """Caching done outside the memo API in a view or rule module."""
    out: list[str] = []
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        where = f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Attribute) and node.attr in ("derived", "_memo", "memo") and \
                not (isinstance(node.value, ast.Name) and node.value.id == "memo"):
            out.append(f"{where}: .{node.attr} (use rolloutlint.core.memo)")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "setdefault" \
                and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "extra":
            out.append(f"{where}: a cache in Resource.extra")
        if isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Attribute) and t.value.attr == "extra":
                    out.append(f"{where}: writes Resource.extra (loader facts only)")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            cached = any("cache" in ast.unparse(d) for d in node.decorator_list)
            params = [a for a in node.args.args + node.args.kwonlyargs]
            takes_object = any(a.arg in _OBJECT_PARAMS or (a.annotation is not None and
                               any(t in ast.unparse(a.annotation) for t in _OBJECT_TYPES)) for a in params)
            if cached and takes_object:
                out.append(f"{where}: functools cache on {node.name}, which takes a project object")
    for node in tree.body:  # module-global caches outlive the run
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if any("CACHE" in n.upper() or "MEMO" in n.upper() for n in names):
                out.append(f"{path.relative_to(root)}:{node.lineno}: module-global cache {names}")
    return out


def test_views_and_rules_cache_only_through_the_memo_api() -> None:
    files = sorted((PACKAGE / "views").glob("*.py")) + sorted((PACKAGE / "checks").glob("*.py"))
    assert len(files) > 20
    found = [v for f in files for v in _violations(f)]
    assert found == []


def test_the_contract_check_catches_each_idiom(tmp_path: Path) -> None:
    bad = tmp_path / "probe.py"
    bad.write_text(
        "import functools\n"
        "_CACHE = {}\n"
        "def a(res):\n    res.derived['x'] = 1\n"
        "def b(tmpl):\n    tmpl.extra.setdefault('k', {})\n"
        "def c(ro):\n    ro.extra['k'] = 1\n"
        "def d(ctx):\n    return ctx.index.memo(('x',), dict)\n"
        "@functools.lru_cache\ndef e(res):\n    return 1\n"
        "@functools.lru_cache\ndef f(host: str):\n    return host\n")
    found = _violations(bad, tmp_path)
    assert len(found) == 6, found
