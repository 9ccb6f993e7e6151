"""Text and YAML views of :func:`rolloutlint.simulate.simulate_rollout` results."""

from __future__ import annotations

from typing import Any

import yaml

_HEADERS = ("step", "action", "canary %", "stable %", "canary pods", "stable pods", "pause", "analyses")


def _fmt(value: Any) -> str:
    return "-" if value is None else str(value)


def describe_step(step: Any) -> str:
    """One-line description of a canary step (or of a synthetic blueGreen step)."""
    if not isinstance(step, dict) or not step:
        return "?"
    if "setWeight" in step:
        text = f"setWeight {step['setWeight']}"
        if isinstance(step.get("setCanaryScale"), dict):
            text += " + setCanaryScale"
        return text
    if "pause" in step:
        duration = step["pause"].get("duration") if isinstance(step["pause"], dict) else None
        return "pause (manual promote)" if duration is None else f"pause {duration_text(duration)}"
    if "setCanaryScale" in step:
        scs = step["setCanaryScale"] if isinstance(step["setCanaryScale"], dict) else {}
        for key in ("replicas", "weight"):
            if key in scs:
                return f"setCanaryScale {key} {scs[key]}"
        return "setCanaryScale matchTrafficWeight" if scs.get("matchTrafficWeight") else "setCanaryScale"
    for key in ("setHeaderRoute", "setMirrorRoute"):
        if key in step:
            name = step[key].get("name") if isinstance(step[key], dict) else None
            match = step[key].get("match") if isinstance(step[key], dict) else None
            return f"{key} {name}" + ("" if match else " (remove)")
    if "experiment" in step:
        templates = step["experiment"].get("templates") if isinstance(step["experiment"], dict) else None
        return "experiment " + ", ".join(_experiment_pods(t) for t in templates or [] if isinstance(t, dict))
    if "deployPreview" in step:
        return "deploy preview"
    if "promote" in step:
        return "promote (switch active)"
    return next(iter(step))


def duration_text(duration: Any) -> str:
    """A pause duration with its unit: a bare number is seconds (Argo Rollouts' DurationString)."""
    text = str(duration).strip()
    return f"{text}s" if text.isdigit() else text


def _experiment_pods(template: dict[str, Any]) -> str:
    """`name (N canary|stable pod(s))`: the pods an experiment template runs beside the Rollout's own."""
    replicas = template.get("replicas", 1)
    spec = template.get("specRef") or "?"
    return f"{template.get('name')} ({replicas} {spec} pod{'' if replicas == 1 else 's'})"


def _pause_text(pause: Any) -> str:
    if not isinstance(pause, dict):
        return "-"
    if pause.get("duration") is None:
        return "manual"
    return duration_text(pause["duration"])


def traffic_shares(weight: Any) -> tuple[Any, Any]:
    """The (canary, stable) traffic percentages a table shows: without traffic routing the pods' shares
    (`actual`; the setWeight is the step's action), else the weights the router is given."""
    if not isinstance(weight, dict):
        return None, None
    actual = weight.get("actual")
    if isinstance(actual, int):
        return actual, 100 - actual
    return weight.get("canary"), weight.get("stable")


def _weights(weight: Any) -> tuple[str, str]:
    if not isinstance(weight, dict):
        return "-", "-"
    shown, stable = traffic_shares(weight)
    canary = _fmt(shown)
    if isinstance(stable, int) and stable < 0:
        stable = 0  # the controller clamps the stable destination to 0 when canary + experiments exceed 100
    extra = [f"{a.get('serviceName')}={a.get('weight')}" for a in weight.get("additional") or []
             if isinstance(a, dict)]
    if extra:
        canary += f" (+{', '.join(extra)})"
    return canary, _fmt(stable)


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(_HEADERS))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def _title(result: dict[str, Any]) -> str:
    given = result.get("resource")
    res = given if isinstance(given, dict) else {}
    name = res.get("name") or ""
    if name and res.get("namespace"):
        name = f"{res['namespace']}/{name}"
    name = f" {name}" if name else ""
    where = f" ({res['file']}:{res.get('line', 1)})" if res.get("file") else ""
    if res.get("unit"):  # one Rollout file, rendered by several overlays or Applications: say which
        where += f" in {res['unit']}"
    routing = result.get("trafficRouting") or \
        ("no traffic routing: traffic follows the pods" if result.get("strategy") == "canary" else None)
    details = ", ".join(x for x in (result.get("strategy"), routing) if x)
    replicas = result.get("replicas")
    return f"Rollout{name}{where}: {details or 'unknown strategy'}, {_fmt(replicas)} replicas"


def render_text(results: list[dict[str, Any]]) -> str:
    """A step table per Rollout, then its promoted and aborted states and what could not be simulated."""
    blocks = []
    for result in results:
        rows: list[tuple[str, ...]] = [_HEADERS]
        for step in result.get("steps") or []:
            canary_w, stable_w = _weights(step.get("weight"))
            replicas = step.get("replicas") or {}
            rows.append((str(step.get("index")), describe_step(step.get("step")), canary_w, stable_w,
                         _fmt(replicas.get("canary")), _fmt(replicas.get("stable")), _pause_text(step.get("pause")),
                         ", ".join(step.get("analysis") or []) or "-"))
        for key, label in (("endOfSteps", "end of steps"), ("promoted", "promoted"), ("aborted", "aborted")):
            state = result.get(key)
            if isinstance(state, dict):
                canary_w, stable_w = _weights(state.get("weight"))
                replicas = state.get("replicas") or {}
                rows.append(("-", label, canary_w, stable_w, _fmt(replicas.get("canary")),
                             _fmt(replicas.get("stable")), "-", "-"))
        lines = [_title(result), *_table(rows)]
        durations = result.get("durations")
        if isinstance(durations, dict):
            from rolloutlint.simulate.durations import format_seconds

            total = format_seconds(durations.get("totalSeconds"), bool(durations.get("indefinite")))
            lines.append(f"  time to full promotion: {total} (pod start-up not included)")
            lines += [f"  ! {w}" for w in durations.get("warnings") or []]
        for problem in result.get("problems") or []:
            lines.append(f"  ! {problem}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def _documents_from_summary(step: dict[str, Any]) -> list[dict[str, Any]]:
    """Rebuild minimal manifests from the JSON summary (when the full documents were not kept)."""
    docs: list[dict[str, Any]] = []
    for vs in step.get("virtualServices") or []:
        spec: dict[str, list[Any]] = {}
        for route in vs.get("routes") or []:
            dests = []
            for d in route.get("destinations") or []:
                dest = {"host": d.get("host")}
                if d.get("subset"):
                    dest["subset"] = d["subset"]
                dests.append({"destination": dest, "weight": d.get("weight")})
            entry: dict[str, Any] = {"name": route["name"]} if route.get("name") else {}
            entry["route"] = dests
            spec.setdefault(route.get("kind") or "http", []).append(entry)
        meta = {"name": vs.get("name")}
        if vs.get("namespace"):
            meta["namespace"] = vs["namespace"]
        docs.append({"apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService", "metadata": meta,
                     "spec": spec})
    dr = step.get("destinationRule")
    if isinstance(dr, dict):
        meta = {"name": dr.get("name")}
        if dr.get("namespace"):
            meta["namespace"] = dr["namespace"]
        docs.append({"apiVersion": "networking.istio.io/v1beta1", "kind": "DestinationRule", "metadata": meta,
                     "spec": {"subsets": dr.get("subsets") or []}})
    return docs


def render_step_yaml(result: dict[str, Any], step: int | str) -> str:
    """The VirtualService(s) and DestinationRule as rewritten at step ``step`` (an index, ``"promoted"`` or
    ``"aborted"``), as a YAML stream.

    Raises ValueError when the result has no step with that index.
    """
    if isinstance(step, str):
        state = result.get(step)
        if not isinstance(state, dict):
            raise ValueError(f"no {step} state was simulated")  # noqa: TRY004 - the caller reports ValueErrors as usage errors
        docs = getattr(state, "documents", None) or []
        if not docs:
            return f"# {step}: no VirtualService or DestinationRule is rewritten\n"
        return yaml.safe_dump_all(docs, sort_keys=False, default_flow_style=False)
    for row in result.get("steps") or []:
        if isinstance(row, dict) and row.get("index") == step:
            break
    else:
        raise ValueError(f"no step {step}: the Rollout has {len(result.get('steps') or [])} step(s)")
    docs = getattr(row, "documents", None)
    if docs is None:
        docs = _documents_from_summary(row)
    if not docs:
        return f"# step {step}: no VirtualService or DestinationRule is rewritten\n"
    return yaml.safe_dump_all(docs, sort_keys=False, default_flow_style=False)
