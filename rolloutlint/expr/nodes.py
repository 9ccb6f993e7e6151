"""AST node types.

Every node is a small frozen dataclass; ``pos`` is the 0-based offset of the
token expr itself would attach the node to (operator for binary nodes, property
name or ``[`` for member access, function name for calls).
"""

from __future__ import annotations

from dataclasses import dataclass


class Node:
    """Marker base class for all AST nodes."""

    __slots__ = ()
    pos: int


@dataclass(frozen=True, slots=True)
class Nil(Node):
    pos: int


@dataclass(frozen=True, slots=True)
class Bool(Node):
    value: bool
    pos: int


@dataclass(frozen=True, slots=True)
class Int(Node):
    value: int
    pos: int


@dataclass(frozen=True, slots=True)
class Float(Node):
    value: float
    pos: int


@dataclass(frozen=True, slots=True)
class Str(Node):
    value: str
    pos: int


@dataclass(frozen=True, slots=True)
class Bytes(Node):
    value: bytes
    pos: int


@dataclass(frozen=True, slots=True)
class Ident(Node):
    name: str
    pos: int


@dataclass(frozen=True, slots=True)
class Pointer(Node):
    """``#`` (name ""), ``#acc`` or ``#index`` inside a predicate."""

    name: str
    pos: int


@dataclass(frozen=True, slots=True)
class Unary(Node):
    op: str
    operand: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Binary(Node):
    op: str
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Member(Node):
    """``obj.name`` (prop is a Str) or ``obj[expr]``; ``optional`` for ``?.``."""

    obj: Node
    prop: Node
    optional: bool
    pos: int


@dataclass(frozen=True, slots=True)
class Slice(Node):
    obj: Node
    start: Node | None
    stop: Node | None
    pos: int


@dataclass(frozen=True, slots=True)
class Chain(Node):
    """Wraps a postfix chain containing ``?.``: a nil short-circuits the whole chain to nil."""

    node: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Call(Node):
    """Call of an env function (``asInt(x)``) or a method (``a.f(x)``)."""

    callee: Node
    args: tuple[Node, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class Builtin(Node):
    """Call of an expr builtin, including the predicate builtins (all, map, ...)."""

    name: str
    args: tuple[Node, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class Predicate(Node):
    """Closure body passed to a predicate builtin; ``#`` is bound per element."""

    body: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Conditional(Node):
    """``c ? a : b``, ``c ?: b`` (then is c itself) and ``if c {a} else {b}``."""

    cond: Node
    then: Node
    else_: Node
    pos: int


@dataclass(frozen=True, slots=True)
class ArrayLit(Node):
    items: tuple[Node, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class Pair(Node):
    key: Node
    value: Node
    pos: int


@dataclass(frozen=True, slots=True)
class MapLit(Node):
    pairs: tuple[Pair, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class Sequence(Node):
    """``a; b; c`` -- evaluates all, yields the last."""

    nodes: tuple[Node, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class Let(Node):
    """``let name = value; body``."""

    name: str
    value: Node
    body: Node
    pos: int


def children(node: Node) -> list[Node]:
    """Direct child nodes, in source order (used by walkers)."""
    if isinstance(node, (Unary,)):
        return [node.operand]
    if isinstance(node, Binary):
        return [node.left, node.right]
    if isinstance(node, Member):
        return [node.obj, node.prop]
    if isinstance(node, Slice):
        return [n for n in (node.obj, node.start, node.stop) if n is not None]
    if isinstance(node, Chain):
        return [node.node]
    if isinstance(node, Call):
        return [node.callee, *node.args]
    if isinstance(node, Builtin):
        return list(node.args)
    if isinstance(node, Predicate):
        return [node.body]
    if isinstance(node, Conditional):
        # "a ?: b" shares one node as cond and then-branch; report it once.
        return [node.cond, node.else_] if node.then is node.cond else [node.cond, node.then, node.else_]
    if isinstance(node, ArrayLit):
        return list(node.items)
    if isinstance(node, MapLit):
        return list(node.pairs)
    if isinstance(node, Pair):
        return [node.key, node.value]
    if isinstance(node, Sequence):
        return list(node.nodes)
    if isinstance(node, Let):
        return [node.value, node.body]
    return []
