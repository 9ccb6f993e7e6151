"""The package's shape (docs/architecture.md): no import cycles, and each layer imports only what lies below.

Every import counts: module level, inside functions (lazy imports) and under `TYPE_CHECKING`, because
each of them is a dependency a reader (and mypy) must follow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rolloutlint"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """rolloutlint modules `path` imports (`from pkg import sub` counts as importing `pkg.sub`)."""
    me = module_name(path)
    is_package = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.split(".")[0] == "rolloutlint")
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import
                base = me.split(".") if is_package else me.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "rolloutlint":
                continue
            subs = [f"{target}.{a.name}" for a in node.names if f"{target}.{a.name}" in modules]
            if subs:
                out.update(subs)
            if len(subs) < len(node.names):
                out.add(target)
    return {m for m in out if m in modules and m != me}


def graph() -> dict[str, set[str]]:
    modules = all_modules()
    return {name: imports_of(path, modules) for name, path in modules.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    assert cycles(graph()) == []


def test_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


# layer -> the layers (besides itself) it may import.
ALLOWED: dict[str, set[str]] = {
    "core": set(),
    "load": {"core"},
    "expr": set(),
    "providers": {"core"},
    "views": {"core", "expr", "providers"},
    "simulate": {"core", "views"},
    "checks": {"core", "views", "expr", "providers"},
    # above the rules ("" is the package itself: its version)
    "run": {"", "core", "load", "checks"},
    "policies": {"core", "load", "views", "run"},
    "config": {"core", "load", "views", "run", "policies"},
    "pipeline": {"core", "load", "run", "config"},
    "report": {"", "core", "load", "run"},
    "fix": {"core", "load", "pipeline"},
    "plan": {"core", "views", "simulate", "run", "pipeline"},  # never the command line above it
}


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_lies_below(layer: str) -> None:
    wrong = sorted(f"{mod} imports {dep}" for mod, deps in graph().items() if layer_of(mod) == layer
                   for dep in deps if layer_of(dep) not in ALLOWED[layer] | {layer})
    assert wrong == []


def test_every_layer_exists() -> None:
    layers = {layer_of(m) for m in all_modules()}
    assert set(ALLOWED) <= layers
