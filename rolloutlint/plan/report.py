"""Text and markdown views of a plan (``rolloutlint.plan.build``); JSON is the plan itself."""

from __future__ import annotations

import json
from typing import Any

from rolloutlint.simulate.durations import format_seconds
from rolloutlint.simulate.report_markdown import mermaid_charts, step_table
from rolloutlint.simulate.render import render_text as sim_text

_HEADLINE = {
    "invalid-spec": "InvalidSpec: the controller stops",
    "new-revision": "new revision: runs the rollout steps",
    "fast-rollback": "return to an earlier template: fast-tracked",
    "selector-change": "selector change: promoted without steps",
    "steps-only": "steps change only: no new revision",
    "replicas": "replicas change: no new revision",
    "steps-changed": "with new steps",
    "other-spec": "with other spec changes",
    "paused": "pause state changes",
    "no-new-revision": "spec change without a new revision",
    "initial-deploy": "new Rollout: initial deploy",
    "removed": "Rollout removed",
    "metadata-only": "metadata only",
    "related": "related objects change",
    "controller-rewrites": "edits fields the controller rewrites",
}


def _name(ident: dict[str, Any]) -> str:
    return f"{ident['namespace']}/{ident['name']}" if ident.get("namespace") else str(ident.get("name"))


def headline(entry: dict[str, Any]) -> str:
    kinds = [e["kind"] for e in entry["effects"] if e["kind"] != "in-flight"]
    if "invalid-spec" in kinds:  # nothing else happens until the spec is valid
        return _HEADLINE["invalid-spec"]
    return "; ".join(dict.fromkeys(_HEADLINE.get(k, k) for k in kinds)) or "no effect"


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else value
    return text if len(text) <= 80 else text[:77] + "..."


def _code(value: Any) -> str:
    """An inline code span for a markdown table cell: text from the manifests cannot close it or the cell."""
    return "`" + str(value).replace("`", "'").replace("|", "\\|").replace("\n", " ") + "`"


def _total(sim: dict[str, Any]) -> str:
    d = sim.get("durations") or {}
    if d.get("indefinite"):
        return "indefinite (manual promotion needed)"
    return format_seconds(d.get("totalSeconds"))


def render_text(plan: dict[str, Any]) -> str:
    lines = [f"rolloutlint plan: {plan['base']['rev']} → {plan['head']['rev']}"]
    if not plan["rollouts"] and not plan["objects"]:
        return "\n".join(lines + ["No Rollout is affected."]) + "\n"
    for entry in plan["rollouts"]:
        res = entry["resource"]
        lines += ["", f"Rollout {_name(res)} ({res['file']}:{res['line']}): {headline(entry)}"]
        for effect in entry["effects"]:
            lines.append(("  ? " if effect["kind"] == "in-flight" else "  - ") + effect["message"])
        for change in entry["templateChanges"]:
            lines.append(f"  ~ {change['path']}: {_short(change['base'])} → {_short(change['head'])}")
        sim = entry.get("simulation")
        if sim:

            times = (sim.get("durations") or {}).get("steps") or []
            if times:
                lines.append("  step times: " + ", ".join(
                    f"{row.get('index')}={format_seconds(t.get('seconds'), bool(t.get('indefinite')))}"
                    for row, t in zip(sim.get("steps") or [], times)))
            lines += ["  " + line for line in sim_text([sim]).rstrip().splitlines()]
            for rej in sim.get("rejections") or []:
                lines.append(f"  ! at {rej['state']}, Istio would reject {rej['object']}: {rej['message']}")
    if plan["objects"]:
        lines += ["", "Changed objects the Rollouts use:"]
        for obj in plan["objects"]:
            users = ", ".join(_name(u) for u in obj["affects"]) or "no Rollout"
            lines.append(f"  {obj['kind']} {obj['name']} ({obj['change']}): affects {users}")
    return "\n".join(lines) + "\n"


def render_markdown(plan: dict[str, Any]) -> str:
    lines = [f"## rolloutlint plan: `{plan['base']['rev']}` → `{plan['head']['rev']}`", ""]
    if not plan["rollouts"] and not plan["objects"]:
        return "\n".join(lines + ["No Rollout is affected by this change."]) + "\n"
    lines += ["| Rollout | what the controller will do | time to full promotion |", "|---|---|---|"]
    for entry in plan["rollouts"]:
        sim = entry.get("simulation")
        lines.append(f"| {_code(_name(entry['resource']))} | {headline(entry)} | {_total(sim) if sim else '-'} |")
    for entry in plan["rollouts"]:
        res = entry["resource"]
        lines += ["", f"### Rollout `{_name(res)}` (`{res['file']}:{res['line']}`)", "", f"**{headline(entry)}**", ""]
        for effect in entry["effects"]:
            msg = effect["message"]
            lines.append(f"- *{msg[0].upper()}{msg[1:]}*" if effect["kind"] == "in-flight" else f"- {msg}")
        if entry["templateChanges"]:
            lines += ["", "<details><summary>Pod template changes</summary>", "", "| field | base | head |",
                      "|---|---|---|"]
            for change in entry["templateChanges"]:
                lines.append(f"| {_code(change['path'])} | {_code(_short(change['base']))} | "
                             f"{_code(_short(change['head']))} |")
            lines += ["", "</details>"]
        sim = entry.get("simulation")
        if sim:
            lines += ["", (f"**Step plan of the new revision** — time to full promotion: {_total(sim)} (pod "
                           f"start-up not included)"), "", *step_table(sim), ""]
            for w in (sim.get("durations") or {}).get("warnings") or []:
                lines.append(f"> [!WARNING]\n> {w}\n")
            for rej in sim.get("rejections") or []:
                lines.append(f"> [!CAUTION]\n> At {rej['state']}, Istio would reject {rej['object']}: {rej['message']}\n")
            lines += mermaid_charts(sim)
    if plan["objects"]:
        lines += ["", "### Changed objects the Rollouts use", "", "| object | change | affects | note |",
                  "|---|---|---|---|"]
        for obj in plan["objects"]:
            users = ", ".join(_code(_name(u)) for u in obj["affects"]) or "no Rollout"
            note = " ".join([obj.get("effect", "")] + (obj.get("controllerOwned") or [])).strip() or "-"
            note = note.replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {obj['kind']} {_code(obj['name'])} | {obj['change']} | {users} | {note} |")
    return "\n".join(lines).rstrip() + "\n"


GITHUB_COMMENT_LIMIT = 65536  # characters GitHub accepts in a comment body (step summaries allow 1 MiB)


def render_markdown_limited(plan: dict[str, Any], limit: int = GITHUB_COMMENT_LIMIT) -> str:
    """The markdown, or — when it would not fit a pull-request comment — the same without step tables and charts."""
    text = render_markdown(plan)
    if len(text) <= limit:
        return text
    slim = {**plan, "rollouts": [{**e, "simulation": None} for e in plan["rollouts"]]}
    note = ("\n> [!NOTE]\n> Step tables and charts are left out to fit a pull-request comment; run "
            "`rolloutlint plan --format markdown` or `simulate --format html` locally for them.\n")
    text = render_markdown(slim) + note
    if len(text) > limit:
        cut = text.rfind("\n", 0, limit - 200)
        text = text[:cut] + "\n\n… (truncated to fit a pull-request comment)\n"
    return text


def render_html(plan: dict[str, Any]) -> str:
    """One offline page: what happens to each Rollout, and the timeline of every new revision."""
    from html import escape

    from rolloutlint.simulate.report_html import legend, page, rollout_html

    title = f"rolloutlint plan: {plan['base']['rev']} → {plan['head']['rev']}"
    parts: list[str] = []
    if not plan["rollouts"] and not plan["objects"]:
        parts.append("<p>No Rollout is affected by this change.</p>")
    charts = 0
    for entry in plan["rollouts"]:
        res = entry["resource"]
        parts.append(f"<h2>Rollout {escape(_name(res))}: {escape(headline(entry))}</h2>"
                     f"<p class=\"meta\">{escape(str(res['file']))}:{res['line']}</p><ul>")
        parts += [f"<li>{escape(e['message'])}</li>" for e in entry["effects"]]
        parts += [f"<li><code>{escape(c['path'])}</code>: <code>{escape(_short(c['base']))}</code> → "
                  f"<code>{escape(_short(c['head']))}</code></li>" for c in entry["templateChanges"]]
        parts.append("</ul>")
        if entry.get("simulation"):
            parts.append(rollout_html(entry["simulation"], charts))
            charts += 1
    if plan["objects"]:
        parts.append("<h2>Changed objects the Rollouts use</h2><ul>")
        for obj in plan["objects"]:
            users = ", ".join(_name(u) for u in obj["affects"]) or "no Rollout"
            parts.append(f"<li>{escape(obj['kind'])} {escape(obj['name'])} ({escape(obj['change'])}): affects "
                         f"{escape(users)}</li>")
        parts.append("</ul>")
    return page(title, legend() + "".join(parts))


def render_json(plan: dict[str, Any]) -> str:
    return json.dumps(plan, indent=2, ensure_ascii=False, default=str) + "\n"
