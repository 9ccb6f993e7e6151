"""Resources: one Kubernetes object each, with where it came from and what namespace it lands in."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from yaml.nodes import Node

from rolloutlint.core.positions import Path, subnode

# Kinds whose objects are cluster-scoped: they never take a namespace from context.
CLUSTER_SCOPED = frozenset(
    {"Namespace", "ClusterAnalysisTemplate", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
     "PersistentVolume", "StorageClass", "MutatingWebhookConfiguration", "ValidatingWebhookConfiguration",
     "PriorityClass", "IngressClass", "Node"}
)


@dataclass(frozen=True, slots=True)
class ResourceRef:
    api_version: str
    kind: str
    namespace: str | None
    name: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"apiVersion": self.api_version, "kind": self.kind, "namespace": self.namespace, "name": self.name}

    def label(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind} {ns}{self.name or '<unnamed>'}"


V = TypeVar("V")


class cached_property(Generic[V]):  # lower case: used like functools.cached_property
    """functools.cached_property without its per-access lock (Python 3.11 takes one on every first
    access; thousands of resources each read their spec, labels and group)."""

    def __init__(self, fn: Callable[[Any], V]) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> V:
        if obj is None:
            return self  # type: ignore[return-value]
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


@dataclass(eq=False, slots=True)
class Resource:
    # Slots, and the derived fields below computed once at creation: tens of thousands of resources each
    # kept a per-instance dict that lost CPython's key sharing as lazily cached attributes were added in
    # differing orders (~800 bytes per resource).
    api_version: str
    kind: str
    name: str | None
    body: dict[str, Any]
    file: Any  # loader.SourceFile (kept loose to avoid an import cycle)
    doc_index: int
    doc: Any  # loader.Document this object came from (its node is composed on demand)
    item_path: Path = ()  # path of a List item inside its document
    namespace: str | None = None  # resolved namespace (None: unknown or cluster-scoped)
    namespace_source: str = "unknown"  # metadata | kustomization | application | config | unknown
    extra: dict[str, Any] = field(default_factory=dict)
    derived: dict[Hashable, Any] = field(default_factory=dict, repr=False)  # core.memo's per-object store
    group: str = field(init=False, repr=False)
    version: str = field(init=False, repr=False)
    labels: dict[str, Any] = field(init=False, repr=False)
    annotations: dict[str, Any] = field(init=False, repr=False)
    spec: dict[str, Any] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        api_version = self.api_version
        self.group = api_version.rpartition("/")[0] if "/" in api_version else ""
        self.version = api_version.rpartition("/")[2]
        body = self.body
        labels = dig(body, "metadata", "labels")
        self.labels = labels if isinstance(labels, dict) else {}
        ann = dig(body, "metadata", "annotations")
        self.annotations = ann if isinstance(ann, dict) else {}
        spec = body.get("spec")
        self.spec = spec if isinstance(spec, dict) else {}

    @property
    def node(self) -> Node | None:
        """This object's node (a List item's own node), for positions; composing it is deferred until a
        finding needs it."""
        node = self.doc.node if self.doc is not None else None
        if node is not None and self.item_path:
            node = subnode(node, self.item_path)
        return node

    @property
    def ref(self) -> ResourceRef:
        return ResourceRef(self.api_version, self.kind, self.namespace, self.name)

    def label(self) -> str:
        return self.ref.label()

    def __repr__(self) -> str:
        return f"<{self.label()} @ {getattr(self.file, 'display', '?')}>"


def dig(obj: Any, *path: str | int, default: Any = None) -> Any:
    """Safe nested access: any missing key, wrong type or out-of-range index gives `default`.

    Rules read manifests that may be schema-invalid; they must never raise on them.
    """
    cur = obj
    for part in path:
        if cur.__class__ is dict and part.__class__ is str:  # the common case, checked cheaply first
            cur = cur.get(part)
            if cur is None:
                return default
        elif isinstance(part, int):
            if isinstance(cur, list) and -len(cur) <= part < len(cur):
                cur = cur[part]
            else:
                return default
        elif isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            return default
    return default if cur is None else cur


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None
