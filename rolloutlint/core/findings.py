"""The finding model: what rules produce and reporters consume.

Rules yield `Report`s (a resource and a path inside it); the engine resolves them into `Finding`s with
file positions. Reporters only ever see `Finding` and `RuleMeta`, never parser objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from rolloutlint.core.model import Resource, ResourceRef
from rolloutlint.core.positions import Path


class Severity(IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (expected error, warning or info)") from None


def format_path(path: Path) -> str:
    """Render a path as `spec.strategy.canary.steps[3].setWeight`."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        else:
            out.append(("." if out else "") + str(part))
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Location:
    file: str  # display path (relative to cwd when under it)
    line: int  # 1-based
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True, slots=True)
class RelatedRef:
    """The other side of a cross-resource finding, resolved to a location by the engine."""

    resource: Resource | None
    path: Path
    message: str
    key: bool = False


@dataclass(frozen=True, slots=True)
class Edit:
    """One change to a document: op is set | delete | insert | rename (fixes are data)."""

    op: str
    path: Path
    value: Any = None
    # The resource to edit when it is not the one the finding is reported on (a Rollout finding that fixes
    # its VirtualService). None: the finding's own resource (or, for file-level findings, its document).
    target: Resource | None = None


@dataclass(frozen=True, slots=True)
class Fix:
    description: str
    edits: tuple[Edit, ...]
    safe: bool = True


@dataclass(frozen=True, slots=True)
class Report:
    """What a rule yields: unresolved, position-free."""

    rule_id: str
    message: str
    resource: Resource | None = None
    path: Path = ()
    key: bool = False  # point at the mapping key rather than its value
    inner: tuple[int, int] | None = None  # (line, column) inside the string value at `path`, 1-based
    related: tuple[RelatedRef, ...] = ()
    fix: Fix | None = None
    severity: Severity | None = None  # overrides the rule's default (used by schema/loader rules)
    # Findings on files that have no resource (parse errors) carry their own position.
    file: str | None = None
    position: tuple[int, int, int, int] | None = None


@dataclass(frozen=True, slots=True)
class Related:
    location: Location | None
    message: str


@dataclass(slots=True)
class Finding:
    rule: str
    name: str
    severity: Severity
    message: str
    location: Location
    path: str = ""
    resource: ResourceRef | None = None
    related: tuple[Related, ...] = ()
    fix: Fix | None = None
    suppressed: str | None = None  # the justification, when an inline directive or annotation suppressed it
    fingerprint: str = field(default="")
    units: tuple[str, ...] = ()  # deployment units whose rendered objects have this defect (rolloutlint.render)

    def __post_init__(self) -> None:
        if not self.fingerprint:
            self.fingerprint = compute_fingerprint(self)

    def sort_key(self) -> tuple[Any, ...]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.rule, self.message)


def compute_fingerprint(f: Finding) -> str:
    # Line numbers are left out so baselines and code scanning survive edits that move lines: a finding on
    # a resource is anchored by the resource and the path inside it, a file-level one by its message.
    res = f.resource.label() if f.resource else ""
    raw = f"{f.rule}\x1f{f.location.file}\x1f{res}\x1f{f.path}\x1f{f.message}"
    import hashlib  # only runs that find something pay for the import

    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]
