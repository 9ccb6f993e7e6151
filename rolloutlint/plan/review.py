"""What the review formats (markdown, HTML, ``plan``) add to a simulation: step times and Istio rejections."""

from __future__ import annotations

from typing import Any

from rolloutlint.simulate.durations import estimate
from rolloutlint.plan.states import lint_states
from rolloutlint.views import refs


def template_lookup(index: Any, namespace: str | None) -> Any:
    """AnalysisTemplate (namespace of the Rollout) or ClusterAnalysisTemplate bodies by name, from the index."""

    def lookup(name: str, cluster: bool) -> dict[str, Any] | None:
        res = index.find_one("ClusterAnalysisTemplate" if cluster else "AnalysisTemplate", name,
                             None if cluster else namespace)
        return res.body if res is not None else None

    return lookup


def rewritten_originals(index: Any, ro: Any) -> list[dict[str, Any]]:
    """The Git versions of the VirtualServices and DestinationRule the controller rewrites for ``ro``."""

    out: list[dict[str, Any]] = []
    for ref in refs.virtual_service_refs(ro):
        vs = index.find_one("VirtualService", ref.name, ref.namespace)
        if vs is not None and vs.body not in out:
            out.append(vs.body)
    dr_ref = refs.destination_rule_ref(ro)
    dr = index.find_one("DestinationRule", dr_ref.name, ro.namespace) if dr_ref else None
    if dr is not None:
        out.append(dr.body)
    return out


def add_durations(index: Any, ro: Any, result: dict[str, Any]) -> dict[str, Any]:
    """``result`` with ``durations`` added (in place; cheap: no linting)."""
    result["durations"] = estimate(result, ro.body, template_lookup(index, ro.namespace))
    return result


def review(index: Any, ro: Any, result: dict[str, Any]) -> dict[str, Any]:
    """``result`` with ``durations`` and ``rejections`` added (in place; returned for chaining)."""
    add_durations(index, ro, result)
    result["rejections"] = lint_states(result, rewritten_originals(index, ro))
    return result
