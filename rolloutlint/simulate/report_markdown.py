"""Markdown view of reviewed simulations (pull-request comments, GitHub step summaries).

Per Rollout: a step table (weights, pods, expected time, elapsed time), the Istio rejections and problems, and two
Mermaid ``xychart-beta`` charts GitHub renders itself: traffic weight and pods per step.
"""

from __future__ import annotations

from typing import Any

from rolloutlint.simulate.durations import format_seconds
from rolloutlint.simulate.render import describe_step, traffic_shares

MERMAID_FENCE = "```mermaid"


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _cell(value: Any) -> str:
    text = "-" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def rollout_title(result: dict[str, Any]) -> str:
    res = as_dict(result.get("resource"))
    name = res.get("name") or "?"
    return f"{res['namespace']}/{name}" if res.get("namespace") else str(name)


def _rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Chart/table rows: every step, the state past the last step (when it differs), then the promoted end state."""
    times = (result.get("durations") or {}).get("steps") or []
    rows = []
    for i, step in enumerate(result.get("steps") or []):
        t = times[i] if i < len(times) else {}
        rows.append({"label": f"{step.get('index')}", "action": describe_step(step.get("step")),
                     "weight": step.get("weight") or {}, "replicas": step.get("replicas") or {},
                     "time": t, "analysis": step.get("analysis") or []})
    if isinstance(result.get("endOfSteps"), dict):
        e = result["endOfSteps"]
        rows.append({"label": "end", "action": "end of steps", "weight": e.get("weight") or {},
                     "replicas": e.get("replicas") or {}, "time": {}, "analysis": []})
    if isinstance(result.get("promoted"), dict):
        p = result["promoted"]
        rows.append({"label": "promoted", "action": "promoted", "weight": p.get("weight") or {},
                     "replicas": p.get("replicas") or {}, "time": {}, "analysis": []})
    return rows


def _time_cell(t: dict[str, Any]) -> str:
    if not t:
        return "-"
    text = format_seconds(t.get("seconds"), bool(t.get("indefinite")))
    return f"{text} ({t['basis']})" if t.get("basis") and t.get("seconds") != 0 else text


def _elapsed_cell(t: dict[str, Any]) -> str:
    if not t or t.get("start") is None:
        return "-"
    return format_seconds(t["start"])


def step_table(result: dict[str, Any]) -> list[str]:
    lines = [("| step | action | canary % | stable % | canary pods | stable pods | expected time | starts after |"
              " analyses |"),
             "|---|---|---:|---:|---:|---:|---|---|---|"]
    for row in _rows(result):
        (cw, sw), r = traffic_shares(row["weight"]), row["replicas"]
        lines.append("| " + " | ".join(_cell(x) for x in (
            row["label"], row["action"], cw, sw, r.get("canary"), r.get("stable"),
            _time_cell(row["time"]), _elapsed_cell(row["time"]), ", ".join(row["analysis"]) or "-")) + " |")
    aborted = result.get("aborted")
    if isinstance(aborted, dict):
        w, r = aborted.get("weight") or {}, aborted.get("replicas") or {}
        lines.append("| " + " | ".join(_cell(x) for x in (
            "aborted", "abort (any step)", w.get("canary"), w.get("stable"), r.get("canary"), r.get("stable"),
            "-", "-", "-")) + " |")
    return lines


def _xlabel(row: dict[str, Any]) -> str:
    text = row["label"] if row["label"] == "promoted" else f"{row['label']} {row['action']}"
    return '"' + text.replace('"', "'")[:28] + '"'


def _num(value: Any) -> str:
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else "0"


def mermaid_charts(result: dict[str, Any]) -> list[str]:
    """Two Mermaid xychart-beta blocks: canary/stable weight (lines) and canary/stable pods (bars)."""
    rows = _rows(result)
    if not rows:
        return []
    xs = ", ".join(_xlabel(r) for r in rows)
    canary_w = ", ".join(_num(traffic_shares(r["weight"])[0]) for r in rows)
    stable_w = ", ".join(_num(traffic_shares(r["weight"])[1]) for r in rows)
    canary_p = [r["replicas"].get("canary") for r in rows]
    stable_p = [r["replicas"].get("stable") for r in rows]
    top = max([p for p in canary_p + stable_p if isinstance(p, int)] + [1])
    title = rollout_title(result).replace('"', "'")
    return [
        MERMAID_FENCE,
        "xychart-beta",
        f'    title "{title}: traffic weight per step (canary, stable)"',
        f"    x-axis [{xs}]",
        '    y-axis "weight %" 0 --> 100',
        f"    line [{canary_w}]",
        f"    line [{stable_w}]",
        "```",
        "",
        MERMAID_FENCE,
        "xychart-beta",
        f'    title "{title}: pods per step (canary, stable)"',
        f"    x-axis [{xs}]",
        f'    y-axis "pods" 0 --> {top}',
        f"    bar [{', '.join(_num(p) for p in stable_p)}]",
        f"    bar [{', '.join(_num(p) for p in canary_p)}]",
        "```",
    ]


def rollout_section(result: dict[str, Any], heading: str = "###") -> list[str]:
    res = as_dict(result.get("resource"))
    where = f" (`{res['file']}:{res.get('line', 1)}`)" if res.get("file") else ""
    details = ", ".join(str(x) for x in (result.get("strategy"), result.get("trafficRouting")) if x)
    lines = [f"{heading} Rollout `{rollout_title(result)}`{where}", "",
             f"{details or 'unknown strategy'}, {result.get('replicas')} replicas."]
    durations = result.get("durations") or {}
    if durations:
        total = format_seconds(durations.get("totalSeconds"), bool(durations.get("indefinite")))
        if durations.get("indefinite"):
            total = "indefinite (needs a manual promotion or an open-ended wait)"
        lines += ["", (f"**Time to full promotion:** {total} (pod start-up not included; progressDeadlineSeconds "
                       f"{durations.get('progressDeadlineSeconds')})")]
    lines += ["", *step_table(result), ""]
    for warning in durations.get("warnings") or []:
        lines.append(f"> [!WARNING]\n> {warning}\n")
    for rej in result.get("rejections") or []:
        lines.append(f"> [!CAUTION]\n> At {rej['state']}, Istio would reject {rej['object']}: {rej['message']}\n")
    for problem in result.get("problems") or []:
        lines.append(f"- {problem}")
    if result.get("problems"):
        lines.append("")
    lines += mermaid_charts(result)
    return lines


def render_markdown(results: list[dict[str, Any]]) -> str:
    """``rolloutlint simulate --format markdown``."""
    if not results:
        return "## rolloutlint simulate\n\nNo Rollouts found.\n"
    lines = ["## rolloutlint simulate", ""]
    for result in results:
        lines += rollout_section(result) + [""]
    return "\n".join(lines).rstrip() + "\n"
