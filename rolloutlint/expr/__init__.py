"""Pure-Python implementation of the expr-lang (v1.17) subset used by Argo Rollouts
AnalysisTemplate ``successCondition`` / ``failureCondition``.

Public API: :func:`parse` (AST node classes live in ``rolloutlint.expr.nodes``),
:func:`evaluate`, :func:`evaluate_condition` / :func:`evaluate_result` (Argo's
EvalCondition / EvaluateResult), :func:`names_used`, :func:`result_paths`,
:func:`check` / :func:`compile_errors` (static analysis) and the error classes.
"""

from .checker import check, compile_errors, names_used, result_paths
from .errors import ExprCheckError, ExprError, ExprRuntimeError, ExprSyntaxError, ExprTypeError
from .evaluator import argo_env, evaluate, evaluate_condition, evaluate_result
from .nodes import Node
from .parser import parse

__all__ = [
    "ExprError", "ExprSyntaxError", "ExprRuntimeError", "ExprTypeError", "ExprCheckError", "Node",
    "parse", "evaluate", "evaluate_condition", "evaluate_result", "argo_env", "names_used", "result_paths", "check",
    "compile_errors",
]
