"""The one memo API for views and rules. The contract for rule authors is in docs/writing-rules.md
("Caching"); in short:

- `per_resource` / `per_resource_in_index`: a derived view of one object, computed once per object
  (a hundred rules ask the same Rollout for its canary block).
- `for_resource(res, name, key, compute)`: the same, for a view that also takes a hashable argument
  (the routes a Rollout's reference selects in one VirtualService; a template's filters for a set of args).
- `per_run(index, key, compute)`: a repository-wide lookup table, built once per run (rules run per
  object; a table rebuilt per object turns a lint quadratic).

Values live as long as the run's objects and index do. Manifests are never modified during a lint, and
callers treat every cached value as read-only.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from rolloutlint.core.index import ResourceIndex
from rolloutlint.core.model import Resource

T = TypeVar("T")
F = TypeVar("F", bound=Callable[[Resource], Any])
G = TypeVar("G", bound=Callable[[Resource, ResourceIndex], Any])


def _name(fn: Callable[..., Any]) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"  # two modules may both name a view `steps`


def per_resource(fn: F) -> F:
    """Decorate a view `fn(res)`: computed once per object, stored on the object."""
    key = _name(fn)

    @functools.wraps(fn)
    def wrapper(res: Resource) -> Any:
        cache = res.derived
        try:
            return cache[key]
        except KeyError:
            value = cache[key] = fn(res)
            return value

    return wrapper  # type: ignore[return-value]


def per_resource_in_index(fn: G) -> G:
    """Decorate a view `fn(res, index)` that also looks other objects up in the index the object belongs
    to: computed once per object and index."""
    name = _name(fn)
    keys: dict[int, tuple[str, int]] = {}  # one key per index, shared by every object's entry

    @functools.wraps(fn)
    def wrapper(res: Resource, index: ResourceIndex) -> Any:
        cache = res.derived
        key = keys.get(id(index))
        if key is None:
            if len(keys) > 64:  # indexes of earlier runs in this process (tests, --fix passes)
                keys.clear()
            key = keys[id(index)] = (name, id(index))
        try:
            return cache[key]
        except KeyError:
            value = cache[key] = fn(res, index)
            return value

    return wrapper  # type: ignore[return-value]


def for_resource(res: Resource, name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """A view of `res` that also depends on `key`, computed once per (object, name, key). `name` is the
    view's qualified name (`module.view`), so two views never share an entry."""
    cache = res.derived
    k = (name, key)
    try:
        return cache[k]  # type: ignore[no-any-return]
    except KeyError:
        value = cache[k] = compute()
        return value


def per_run(index: ResourceIndex, key: tuple[str, ...], compute: Callable[[], T]) -> T:
    """A repository-wide table built once per run. `key` starts with the owning module's short name
    (`("istio", "gateways")`), so tables of different modules never collide."""
    return index.memo(key, compute)
