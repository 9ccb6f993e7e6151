"""Expected time of each simulated step, the total to full promotion, and the progress deadline.

Times are estimates of what the controller waits for, with pods assumed ready at once:

* ``pause`` — its ``duration`` (``RolloutPause.DurationSeconds``); ``pause: {}`` needs a manual promote (indefinite);
* ``analysis`` — the AnalysisRun ends when every metric has taken ``count`` measurements: the first after
  ``initialDelay``, then one per ``interval`` (``initialDelay + interval × (count − 1)``); metrics run in parallel, so
  the run takes as long as its slowest metric. A metric with an ``interval`` and no ``count`` measures until it
  fails: indefinite. Values that are still ``{{args...}}`` placeholders make the time unknown;
* ``experiment`` — its ``duration``; without one it lasts as long as its analyses (indefinite without them);
* blueGreen — ``autoPromotionSeconds`` (or a manual promote when ``autoPromotionEnabled: false``) plus the
  pre-promotion analysis, then the post-promotion analysis.

Progress deadline (``rollout/sync.go`` ``calculateRolloutConditions``): the controller marks the update timed out
(and aborts it with ``progressDeadlineAbort``) when ``progressDeadlineSeconds`` (default 600) pass without progress
(a step index change, replicas updated/ready/available) — except while paused (pause conditions or ``spec.paused``)
and while the current canary step is a pause, analysis or experiment (``isIndefiniteStep``). So a canary's waits
never count; what counts is the pod start-up of scaling steps (each pod becoming available after
``minReadySeconds`` is progress) and, for blueGreen (which has no steps), an analysis that runs while the Rollout is
not paused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rolloutlint.views.rollout import go_duration_seconds
from rolloutlint.simulate.steps import (
    as_int,
    dig,
    pause_duration_seconds,
)

DEFAULT_PROGRESS_DEADLINE = 600

# (kind, name, cluster) -> AnalysisTemplate body or None
TemplateLookup = Callable[[str, bool], "dict[str, Any] | None"]


def _seconds(value: Any) -> float | None:
    """A Go duration string or integer seconds; None when unknown (templated or invalid)."""
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return float(value)
    if isinstance(value, str):
        return go_duration_seconds(value) if "{{" not in value else None
    return None


def metric_seconds(metric: dict[str, Any]) -> tuple[float | None, bool]:
    """(seconds, indefinite) of one metric's measurements."""
    delay = _seconds(metric.get("initialDelay"))
    interval_raw = metric.get("interval")
    interval = _seconds(interval_raw)
    count_raw = metric.get("count")
    if count_raw is None:
        if interval_raw is not None:
            return None, True  # measures every interval until it fails
        count: int | None = 1
    elif isinstance(count_raw, str) and count_raw.strip().isdigit():
        count = int(count_raw)
    else:
        count = as_int(count_raw)
    if delay is None or interval is None or count is None:
        return None, False
    return delay + interval * max(count - 1, 0), False


def analysis_seconds(refs: Any, lookup: TemplateLookup | None) -> tuple[float | None, bool, list[str]]:
    """(seconds, indefinite, notes) of one AnalysisRun made from ``templates`` entries."""
    notes: list[str] = []
    longest: float | None = 0.0
    indefinite = False
    for ref in refs if isinstance(refs, list) else []:
        if not isinstance(ref, dict):
            continue
        name = ref.get("templateName")
        cluster = bool(ref.get("clusterScope"))
        body = lookup(name, cluster) if lookup and isinstance(name, str) else None
        if body is None:
            notes.append(f"{'ClusterAnalysisTemplate' if cluster else 'AnalysisTemplate'} {name} not found: "
                         f"its duration is unknown")
            longest = None
            continue
        for metric in dig(body, "spec", "metrics") or []:
            if not isinstance(metric, dict):
                continue
            secs, forever = metric_seconds(metric)
            if forever:
                indefinite = True
            elif secs is None:
                longest = None
                notes.append(f"{name}/{metric.get('name')}: interval, count or initialDelay is templated: "
                             f"duration unknown")
            elif longest is not None:
                longest = max(longest, secs)
    return longest, indefinite, notes


def _step_time(step: dict[str, Any], lookup: TemplateLookup | None) -> dict[str, Any]:
    out: dict[str, Any] = {"seconds": 0.0, "indefinite": False, "basis": None, "notes": []}
    if "pause" in step:
        duration = dig(step, "pause", "duration")
        if duration is None:
            out.update(seconds=None, indefinite=True, basis="manual promote")
        else:
            pause_s = pause_duration_seconds(duration)
            out.update(seconds=float(pause_s) if pause_s >= 0 else None, basis=f"pause {duration}")
    elif isinstance(step.get("analysis"), dict):
        secs, forever, notes = analysis_seconds(step["analysis"].get("templates"), lookup)
        out.update(seconds=secs, indefinite=forever, basis="analysis", notes=notes)
        if forever:
            out["seconds"] = None
            out["basis"] = "analysis without count (runs until it fails)"
    elif isinstance(step.get("experiment"), dict):
        exp = step["experiment"]
        if exp.get("duration") is not None:
            out.update(seconds=_seconds(exp.get("duration")), basis=f"experiment {exp.get('duration')}")
        else:
            refs = [a for a in exp.get("analyses") or [] if isinstance(a, dict)]
            if refs:
                secs, forever, notes = analysis_seconds(refs, lookup)
                out.update(seconds=None if forever else secs, indefinite=forever, basis="experiment analyses",
                           notes=notes)
            else:
                out.update(seconds=None, indefinite=True, basis="experiment without duration")
    elif "plugin" in step:
        out.update(seconds=None, basis="plugin (the plugin decides)")
    return out


def estimate(result: dict[str, Any], rollout: dict[str, Any], lookup: TemplateLookup | None = None) -> dict[str, Any]:
    """Per-step times (same order as ``result['steps']``), total and progress-deadline warnings."""
    raw_spec = rollout.get("spec")
    spec: dict[str, Any] = raw_spec if isinstance(raw_spec, dict) else {}
    deadline = as_int(spec.get("progressDeadlineSeconds"))
    deadline = DEFAULT_PROGRESS_DEADLINE if deadline is None else deadline
    abort = spec.get("progressDeadlineAbort") is True
    min_ready = as_int(spec.get("minReadySeconds")) or 0
    consequence = "aborts the update (progressDeadlineAbort)" if abort else "marks the Rollout Degraded"
    warnings: list[str] = []
    times: list[dict[str, Any]] = []
    if result.get("strategy") == "blueGreen":
        times = _blue_green_times(spec, lookup)
        bg = dig(spec, "strategy", "blueGreen") or {}
        paused = bg.get("autoPromotionEnabled") is False or bool(as_int(bg.get("autoPromotionSeconds")))
        pre = times[0].get("analysisSeconds") if times else None
        if not paused and pre is not None and pre > deadline:
            warnings.append(f"pre-promotion analysis takes about {format_seconds(pre)} while the Rollout is not paused: "
                            f"longer than progressDeadlineSeconds {deadline}s, so the controller {consequence}")
    else:
        for row in result.get("steps") or []:
            step = row.get("step") if isinstance(row.get("step"), dict) else {}
            times.append(_step_time(step, lookup))
    scaling = [i for i, row in enumerate(result.get("steps") or []) if isinstance(row.get("step"), dict)
               and ("setWeight" in row["step"] or "setCanaryScale" in row["step"])]
    if min_ready and min_ready >= deadline and (scaling or result.get("strategy") == "blueGreen"):
        warnings.append(f"minReadySeconds {min_ready} ≥ progressDeadlineSeconds {deadline}: no new pod becomes "
                        f"available before the deadline, so the controller {consequence} at the first scale-up")
    total: float | None = 0.0
    indefinite = False
    elapsed: float | None = 0.0
    for t in times:
        t["start"] = elapsed
        if t["indefinite"]:
            indefinite = True
        if t["seconds"] is None:
            total = None
            elapsed = None
        else:
            total = None if total is None else total + t["seconds"]
            elapsed = None if elapsed is None else elapsed + t["seconds"]
    return {"steps": times, "totalSeconds": None if indefinite else total, "indefinite": indefinite,
            "progressDeadlineSeconds": deadline, "warnings": warnings}


def _blue_green_times(spec: dict[str, Any], lookup: TemplateLookup | None) -> list[dict[str, Any]]:
    bg = dig(spec, "strategy", "blueGreen") or {}
    pre_s, pre_forever, pre_notes = analysis_seconds(dig(bg, "prePromotionAnalysis", "templates"), lookup)
    post_s, post_forever, post_notes = analysis_seconds(dig(bg, "postPromotionAnalysis", "templates"), lookup)
    deploy: dict[str, Any] = {"seconds": pre_s, "indefinite": pre_forever, "basis": "pre-promotion analysis",
                              "notes": pre_notes, "analysisSeconds": pre_s}
    if bg.get("autoPromotionEnabled") is False:
        deploy.update(seconds=None, indefinite=True, basis="manual promote")
    else:
        auto = as_int(bg.get("autoPromotionSeconds"))
        if auto and deploy["seconds"] is not None:
            deploy["seconds"] = max(float(auto), deploy["seconds"])
            deploy["basis"] = f"autoPromotionSeconds {auto}"
    if pre_forever:
        deploy["seconds"] = None
    promote = {"seconds": None if post_forever else post_s, "indefinite": post_forever,
               "basis": "post-promotion analysis", "notes": post_notes}
    return [deploy, promote]


def format_seconds(seconds: float | None, indefinite: bool = False) -> str:
    """``1h 5m``, ``30s``, ``0s``; "indefinite" / "unknown" when there is no number."""
    if seconds is None:
        return "indefinite" if indefinite else "unknown"
    s = round(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if s >= size:
            parts.append(f"{s // size}{unit}")
            s %= size
    if s or not parts:
        parts.append(f"{s}s")
    return " ".join(parts)
