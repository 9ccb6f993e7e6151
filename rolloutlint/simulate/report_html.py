"""One self-contained HTML page (no network, no external assets) with an SVG timeline per reviewed Rollout.

The timeline lays the steps out on estimated time: a step's width is proportional to its expected duration, with a
minimum width for instantaneous steps and a fixed, hatched width for indefinite waits (manual promotion, analyses
without a count). The upper band draws the canary and stable traffic weights, the lower band the pods of each
ReplicaSet; analyses, experiments and pauses are marked on their steps, and the promoted and aborted end states
close the chart. A small inline script only records how many step groups the browser laid out (``data-rendered-
steps`` on each chart), which the browser test reads back.
"""

from __future__ import annotations

import html
from typing import Any

from rolloutlint.simulate.durations import format_seconds
from rolloutlint.simulate.render import describe_step, traffic_shares
from rolloutlint.simulate.report_markdown import as_dict, rollout_title, step_table

WIDTH, LEFT, RIGHT = 960, 60, 20
TOP, WEIGHT_H, GAP, PODS_H, BOTTOM = 30, 140, 40, 110, 60
MIN_W, OPEN_W, END_W = 44.0, 90.0, 70.0
CANARY, STABLE, ABORT = "#e8590c", "#1c7ed6", "#c92a2a"

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#212529;background:#fff}
h1{font-size:20px} h2{font-size:17px;margin-top:32px} .meta{color:#495057;font-size:13px}
table{border-collapse:collapse;font-size:12px;margin:8px 0} td,th{border:1px solid #dee2e6;padding:2px 6px}
.warn{background:#fff3bf;padding:6px 10px;border-left:4px solid #f08c00;margin:6px 0;font-size:13px}
.reject{background:#ffe3e3;padding:6px 10px;border-left:4px solid #c92a2a;margin:6px 0;font-size:13px}
.problem{color:#862e9c;font-size:13px} svg text{font-size:11px;fill:#343a40}
.legend span{display:inline-block;margin-right:14px;font-size:12px}
.sw{display:inline-block;width:12px;height:12px;vertical-align:middle;margin-right:4px}
"""

_SCRIPT = """
document.querySelectorAll('svg.timeline').forEach(function (svg) {
  var laid = 0;
  svg.querySelectorAll('g.step').forEach(function (g) {
    var b = g.getBBox();
    if (b.width > 0 && b.height > 0) { laid += 1; }
  });
  svg.setAttribute('data-rendered-steps', String(laid));
});
"""


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _segments(result: dict[str, Any]) -> list[dict[str, Any]]:
    times = (result.get("durations") or {}).get("steps") or []
    segs = []
    for i, step in enumerate(result.get("steps") or []):
        t = times[i] if i < len(times) else {}
        segs.append({"row": step, "time": t, "label": f"{step.get('index')}: {describe_step(step.get('step'))}"})
    return segs


def _widths(segs: list[dict[str, Any]], span: float) -> list[float]:
    fixed = [OPEN_W if s["time"].get("seconds") is None else MIN_W for s in segs]
    known = [s["time"].get("seconds") or 0.0 for s in segs]
    total = sum(k for k, s in zip(known, segs) if s["time"].get("seconds") is not None)
    free = max(span - sum(fixed), 0.0)
    return [f + (free * k / total if total and s["time"].get("seconds") is not None else 0.0)
            for f, k, s in zip(fixed, known, segs)]


def timeline_svg(result: dict[str, Any], chart_id: int) -> str:
    segs = _segments(result)
    replicas = result.get("replicas") if isinstance(result.get("replicas"), int) else 1
    pods_all: list[int] = [v for s in segs for v in (s["row"].get("replicas") or {}).values() if isinstance(v, int)]
    pod_top = max([*pods_all, replicas if isinstance(replicas, int) else 1, 1])
    ends = [(key, label, color) for key, label, color in (("endOfSteps", "end of steps", CANARY), ("promoted", "promoted", "#2b8a3e"),
                                                           ("aborted", "aborted", ABORT)) if isinstance(result.get(key), dict)]
    span = WIDTH - LEFT - RIGHT - len(ends) * END_W
    widths = _widths(segs, span)
    height = TOP + WEIGHT_H + GAP + PODS_H + BOTTOM
    py0 = TOP + WEIGHT_H + GAP + PODS_H

    def wy(weight: int) -> float:
        return TOP + WEIGHT_H - WEIGHT_H * max(0, min(100, weight)) / 100

    def ph(pods: int) -> float:
        return PODS_H * pods / pod_top

    out = [(f'<svg class="timeline" id="timeline-{chart_id}" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
            f'height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" data-steps="{len(segs)}" '
            f'aria-label="{_e(rollout_title(result))} timeline">'),
           (f'<defs><pattern id="hatch-{chart_id}" width="8" height="8" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="8" height="8" fill="#f1f3f5"/>'
            f'<line x1="0" y1="0" x2="0" y2="8" stroke="#adb5bd" stroke-width="3"/></pattern></defs>')]
    for frac in (0, 50, 100):
        y = wy(frac)
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e9ecef"/>'
                   f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{frac}%</text>')
    out.append(f'<text x="{LEFT - 6}" y="{py0 + 4}" text-anchor="end">0</text>'
               f'<text x="{LEFT - 6}" y="{py0 - PODS_H + 4}" text-anchor="end">{pod_top} pods</text>')
    x = float(LEFT)
    canary_pts: list[str] = []
    stable_pts: list[str] = []
    for seg, w in zip(segs, widths):
        row, t = seg["row"], seg["time"]
        weight = row.get("weight") or {}
        reps = row.get("replicas") or {}
        cw, sw = (_int(x) for x in traffic_shares(weight))
        step = row.get("step") if isinstance(row.get("step"), dict) else {}
        open_ended = t.get("seconds") is None
        fill = f"url(#hatch-{chart_id})" if open_ended else "#f8f9fa"
        tip = (f"{seg['label']} | canary {cw}% / stable {sw}% | pods {reps.get('canary')} canary, "
               f"{reps.get('stable')} stable | {format_seconds(t.get('seconds'), bool(t.get('indefinite')))}")
        out.append(f'<g class="step" data-index="{_e(row.get("index"))}"><title>{_e(tip)}</title>'
                   f'<rect x="{x:.1f}" y="{TOP}" width="{w - 2:.1f}" height="{WEIGHT_H}" fill="{fill}"/>')
        cp, sp = reps.get("canary") or 0, reps.get("stable") or 0
        bw = min(max((w - 8) / 2, 2), 18)
        out.append(f'<rect class="pods-stable" x="{x + 2:.1f}" y="{py0 - ph(sp):.1f}" width="{bw:.1f}" '
                   f'height="{ph(sp):.1f}" fill="{STABLE}" opacity="0.75"/>'
                   f'<rect class="pods-canary" x="{x + 4 + bw:.1f}" y="{py0 - ph(cp):.1f}" width="{bw:.1f}" '
                   f'height="{ph(cp):.1f}" fill="{CANARY}" opacity="0.85"/>')
        marks = []
        if "pause" in step:
            marks.append("∞ manual" if open_ended else f"pause {format_seconds(t.get('seconds'))}")
        if "analysis" in step or row.get("analysis"):
            marks.append("A")
        if "experiment" in step:
            marks.append("E")
        if marks:
            out.append(f'<text x="{x + 4:.1f}" y="{TOP + 14}">{_e(" ".join(marks))}</text>')
        out.append(f'<text x="{x + 2:.1f}" y="{py0 + 14}">{_e(row.get("index"))}</text></g>')
        canary_pts += [f"{x:.1f},{wy(cw):.1f}", f"{x + w:.1f},{wy(cw):.1f}"]
        stable_pts += [f"{x:.1f},{wy(sw):.1f}", f"{x + w:.1f},{wy(sw):.1f}"]
        start = t.get("start")
        if start is not None:
            out.append(f'<text x="{x:.1f}" y="{py0 + 30}" fill="#868e96">{_e(format_seconds(start))}</text>')
        x += w
    for key, label, color in ends:
        state = result[key]
        weight, reps = state.get("weight") or {}, state.get("replicas") or {}
        cw, sw = (_int(x) for x in traffic_shares(weight))
        cp, sp = reps.get("canary") or 0, reps.get("stable") or 0
        bw = (END_W - 10) / 2
        out.append(f'<g class="end-state {key}"><title>{_e(f"{label}: canary {cw}% / stable {sw}%, pods {cp} canary, {sp} stable")}</title>'
                   f'<rect x="{x + 4:.1f}" y="{TOP}" width="{END_W - 6:.1f}" height="{WEIGHT_H}" fill="none" '
                   f'stroke="{color}" stroke-dasharray="4 3"/>'
                   f'<line x1="{x + 4:.1f}" x2="{x + END_W - 2:.1f}" y1="{wy(cw):.1f}" y2="{wy(cw):.1f}" '
                   f'stroke="{CANARY}" stroke-width="3"/>'
                   f'<line x1="{x + 4:.1f}" x2="{x + END_W - 2:.1f}" y1="{wy(sw):.1f}" y2="{wy(sw):.1f}" '
                   f'stroke="{STABLE}" stroke-width="3" stroke-dasharray="6 3"/>'
                   f'<rect x="{x + 4:.1f}" y="{py0 - ph(sp):.1f}" width="{bw:.1f}" height="{ph(sp):.1f}" '
                   f'fill="{STABLE}" opacity="0.75"/>'
                   f'<rect x="{x + 6 + bw:.1f}" y="{py0 - ph(cp):.1f}" width="{bw:.1f}" height="{ph(cp):.1f}" '
                   f'fill="{CANARY}" opacity="0.85"/>'
                   f'<text x="{x + 6:.1f}" y="{py0 + 14}" fill="{color}">{label}</text></g>')
        x += END_W
    if canary_pts:
        out.append(f'<polyline class="weight-stable" points="{" ".join(stable_pts)}" fill="none" stroke="{STABLE}" '
                   f'stroke-width="2.5" stroke-dasharray="6 3"/>')
        out.append(f'<polyline class="weight-canary" points="{" ".join(canary_pts)}" fill="none" stroke="{CANARY}" '
                   f'stroke-width="2.5"/>')
    out.append(f'<text x="{LEFT}" y="{TOP - 10}">traffic weight</text>'
               f'<text x="{LEFT}" y="{py0 - PODS_H - 6}">pods</text>'
               f'<text x="{LEFT}" y="{height - 8}" fill="#868e96">estimated elapsed time at the start of each step '
               f'(pod start-up not included)</text></svg>')
    return "".join(out)


def _table_html(result: dict[str, Any]) -> str:
    rows = [line.strip("|").split(" | ") for line in step_table(result) if not line.startswith("|---")]
    head = "".join(f"<th>{_e(c.strip())}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{_e(c.strip().replace(chr(92) + '|', '|'))}</td>" for c in r) + "</tr>"
                   for r in rows[1:])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def rollout_html(result: dict[str, Any], chart_id: int) -> str:
    res = as_dict(result.get("resource"))
    durations = result.get("durations") or {}
    total = format_seconds(durations.get("totalSeconds"), bool(durations.get("indefinite")))
    meta = (f"<p class=\"meta\">{_e(res.get('file', ''))}:{_e(res.get('line', 1))} · {_e(result.get('strategy'))}"
            f" {_e(result.get('trafficRouting') or '')} · {_e(result.get('replicas'))} replicas · time to full "
            f"promotion: <b>{_e(total)}</b> · progressDeadlineSeconds "
            f"{_e(durations.get('progressDeadlineSeconds'))}</p>")
    parts = [f"<section class=\"rollout\"><h2>Rollout {_e(rollout_title(result))}</h2>", meta]
    for warning in durations.get("warnings") or []:
        parts.append(f'<div class="warn">{_e(warning)}</div>')
    for rej in result.get("rejections") or []:
        parts.append(f'<div class="reject">At {_e(rej["state"])}, Istio would reject {_e(rej["object"])}: '
                     f'{_e(rej["message"])}</div>')
    parts.append(timeline_svg(result, chart_id))
    parts.append(_table_html(result))
    for problem in result.get("problems") or []:
        parts.append(f'<p class="problem">! {_e(problem)}</p>')
    parts.append("</section>")
    return "".join(parts)


def page(title: str, body: str) -> str:
    """A whole self-contained page around ``body`` (its charts laid out and counted by the inline script)."""
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "script-src 'unsafe-inline'; img-src data:\">"
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body><h1>{_e(title)}</h1>{body}"
            f"<script>{_SCRIPT}</script></body></html>\n")


def legend() -> str:
    return (f'<p class="legend"><span><i class="sw" style="background:{CANARY}"></i>canary</span>'
            f'<span><i class="sw" style="background:{STABLE}"></i>stable</span>'
            f'<span><i class="sw" style="background:#adb5bd"></i>hatched: indefinite wait</span>'
            f'<span>A analysis · E experiment · ∞ manual promotion</span></p>')


def render_html(results: list[dict[str, Any]], title: str = "rolloutlint simulate") -> str:
    """``rolloutlint simulate --format html``: the whole page."""
    body = "".join(rollout_html(r, i) for i, r in enumerate(results)) or "<p>No Rollouts found.</p>"
    return page(title, legend() + body)
