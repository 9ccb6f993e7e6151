"""Exception types for the expr-lang subset.

All errors carry a 0-based character offset so callers can map them back into
the YAML source of a ``successCondition`` / ``failureCondition``.
"""

from __future__ import annotations


class ExprError(Exception):
    """Base class: ``message`` is the bare text, ``pos`` a best-effort 0-based offset."""

    def __init__(self, message: str, pos: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos

    def __str__(self) -> str:
        return f"{self.message} (at offset {self.pos})"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, pos={self.pos})"


class ExprSyntaxError(ExprError):
    """Lexing / parsing failure (expr's compile-time syntax errors)."""


class ExprRuntimeError(ExprError):
    """Evaluation failure (what expr reports from ``expr.Run``)."""


class ExprCheckError(ExprError):
    """A static finding from :func:`rolloutlint.expr.check`.

    ``code`` is a stable machine-readable category; ``severity`` is ``"error"``
    for things that fail in Argo and ``"warning"`` for legal-but-suspicious code;
    ``compile_time`` is True when expr.Compile itself rejects the expression
    (otherwise the failure happens when the measurement is evaluated).
    """

    def __init__(
        self, message: str, pos: int = 0, *, code: str = "error", severity: str = "error", compile_time: bool = False
    ) -> None:
        super().__init__(message, pos)
        self.code = code
        self.severity = severity
        self.compile_time = compile_time

    def __repr__(self) -> str:
        return (
            f"ExprCheckError({self.message!r}, pos={self.pos}, code={self.code!r}, "
            f"severity={self.severity!r}, compile_time={self.compile_time})"
        )


class ExprTypeError(ExprRuntimeError):
    """A type error expr.Compile reports before running (e.g. ``1.0 == "a"``).

    Subclasses ExprRuntimeError because Argo surfaces both the same way: the
    measurement errors with the bare message.
    """
