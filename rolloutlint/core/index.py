"""The resource index: every object in the project, by kind, namespace and name, namespaces resolved.

Built once, before any rule runs, from the whole project, even when only some files are named.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from rolloutlint.core.model import CLUSTER_SCOPED, Resource

T = TypeVar("T")
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")  # kustomize looks them up in this order
KUSTOMIZATION_NAMES = frozenset(KUSTOMIZATION_FILES)


@dataclass(frozen=True)
class ExternalRef:
    kind: str
    name: str  # glob-free exact name, or "*" for any
    namespace: str | None = None


@dataclass
class ResourceIndex:
    root: Path
    resources: list[Resource] = field(default_factory=list)
    external: tuple[ExternalRef, ...] = ()
    _by_kind: dict[str, list[Resource]] = field(default_factory=lambda: defaultdict(list))
    _by_name: dict[tuple[str, str | None], list[Resource]] = field(default_factory=lambda: defaultdict(list))
    _memo: dict[Any, Any] = field(default_factory=dict)
    _found: dict[tuple[str, str, str | None], tuple[Resource, ...]] = field(default_factory=dict)

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """Compute a derived lookup table once per run (rules run per resource; tables must not be
        rebuilt per resource, or a project-wide lookup turns the lint quadratic)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]  # type: ignore[no-any-return]

    def add(self, res: Resource) -> None:
        self.resources.append(res)
        self._by_kind[res.kind].append(res)
        self._by_name[(res.kind, res.name)].append(res)
        if self._found:  # answers given before this object was added may now be incomplete
            self._found.clear()

    def of_kind(self, *kinds: str) -> Iterator[Resource]:
        for kind in kinds:
            yield from self._by_kind.get(kind, ())

    def named(self, kind: str, name: str) -> Sequence[Resource]:
        """Objects of `kind` named `name` in any namespace (for hints: "one exists in namespace x")."""
        return self._by_name.get((kind, name), ())

    def find(self, kind: str, name: str | None, namespace: str | None) -> tuple[Resource, ...]:
        """Objects of `kind` named `name` that could live in `namespace`.

        An unknown namespace on either side matches: a check never reports a mismatch it cannot know.
        Exact-namespace matches come first.
        """
        if not name:
            return ()
        key = (kind, name, namespace)
        found = self._found.get(key)
        if found is None:  # rules ask the same question many times (every Rollout rule for its VirtualService)
            hits = self._by_name.get((kind, name), [])
            if kind in CLUSTER_SCOPED:
                found = tuple(hits)
            else:
                found = tuple([r for r in hits if r.namespace == namespace] +
                              [r for r in hits if r.namespace != namespace and (r.namespace is None or namespace is None)])
            self._found[key] = found
        return found

    def find_one(self, kind: str, name: str | None, namespace: str | None, near: Resource | None = None) -> Resource | None:
        """The object a reference means; with `near` (the referring object), ambiguity resolves like `closest`."""
        return closest(self.find(kind, name, namespace), near, namespace)

    def is_external(self, kind: str, name: str | None, namespace: str | None) -> bool:
        for ext in self.external:
            if ext.kind == kind and ext.name in ("*", name) and (ext.namespace in (None, namespace) or namespace is None):
                return True
        return False


@dataclass(frozen=True)
class Resolution:
    """What a reference resolves to: the object drawn, and when nothing tells its candidates apart, all of them."""

    chosen: Resource | None
    tied: tuple[Resource, ...] = ()  # the equally near candidates (`chosen` first) when the choice is arbitrary

    @property
    def ambiguous(self) -> bool:
        return len(self.tied) > 1


def closest(candidates: Sequence[Resource], near: Resource | None, namespace: str | None) -> Resource | None:
    """The candidate an ambiguous lookup most likely means (see `resolve`)."""
    return resolve(candidates, near, namespace).chosen


def resolve(candidates: Sequence[Resource], near: Resource | None, namespace: str | None) -> Resolution:
    """The candidate a reference from `near` means: exact namespace first, then the same file, then the
    deepest shared directory. Repositories often hold several self-contained examples that reuse names
    without namespaces; a reference resolves to the one next to the referring object.

    Within deployment units (rolloutlint.render) never an object another destination deploys; the unit's own
    objects first, then those of units with the same destination (`core.scope`). Candidates that remain equally
    near in different files (outside the referrer's own unit, whose duplicates are another finding) are `tied`:
    which one is meant is arbitrary, and lint, simulate and the plugin all draw the first, in file order."""
    if not candidates:
        return Resolution(None)
    if near is not None and near.extra.get("unit"):
        from rolloutlint.core.scope import in_scope

        candidates = in_scope(candidates, near)
        if not candidates:
            return Resolution(None)
    if near is None or len(candidates) == 1:
        return Resolution(candidates[0])
    here = near.file.path
    here_parts = near.file.directory.parts

    unit = near.extra.get("unit")

    def rank(res: Resource) -> tuple[int, int, int, int, int]:
        there = res.file.path
        parts = res.file.directory.parts
        shared = 0
        for a, b in zip(here_parts, parts):
            if a != b:
                break
            shared += 1
        # nearest directory: the deepest shared ancestor, then the fewest steps down from it (this directory
        # before its subdirectories, a parent's objects before a sibling's)
        return (0 if unit is None or res.extra.get("unit") == unit else 1, 0 if res.namespace == namespace else 1,
                0 if there == here else 1, -shared, len(parts) - shared)

    ranks = [rank(r) for r in candidates]
    best = min(ranks)
    chosen = candidates[ranks.index(best)]
    tied = tuple(r for r, k in zip(candidates, ranks) if k == best)
    # Not ambiguous: copies in one file or one unit (duplicates, reported as such), or identical copies (either
    # gives the same checks and simulation).
    if len(tied) > 1 and len({r.file.path for r in tied}) > 1 and not (unit and best[0] == 0) \
            and any(r.body != chosen.body for r in tied):
        return Resolution(chosen, tied)
    return Resolution(chosen)
