"""Private helpers shared by the rollout_*.py rule modules (RL1xx): how the Argo Rollouts controller reads
the spec fields its validation (`pkg/apis/rollouts/validation/validation.go`) looks at.

Go semantics matter here: a field "is set" when its pointer is non-nil, i.e. the key is present with a non-null
value (`canary: {}` is a canary strategy; `canary:` alone is not). Nothing here raises on malformed input.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from rolloutlint.views import refs
from rolloutlint.core.positions import Path
from rolloutlint.core.index import Resolution, ResourceIndex, resolve
from rolloutlint.core import goduration
from rolloutlint.core.model import Resource, as_dict, as_list, as_str, dig
from rolloutlint.core import memo

STRATEGY: Path = ("spec", "strategy")
STEPS: Path = refs.CANARY + ("steps",)
TRAFFIC_ROUTING: Path = refs.CANARY + ("trafficRouting",)
ROUTERS = ("istio", "alb", "smi", "nginx", "ambassador", "appMesh", "traefik", "apisix", "plugins")


def is_set(obj: Any, key: str) -> bool:
    """A Go pointer/slice field is non-nil: the key is present and its value is not null."""
    return isinstance(obj, dict) and obj.get(key) is not None


def as_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@memo.per_resource
def has_canary(ro: Resource) -> bool:
    return isinstance(dig(ro.body, *refs.CANARY), dict)


@memo.per_resource
def has_blue_green(ro: Resource) -> bool:
    return isinstance(dig(ro.body, *refs.BLUE_GREEN), dict)


@memo.per_resource
def only_canary(ro: Resource) -> bool:
    """The controller validates the canary block only when it is the one strategy."""
    return has_canary(ro) and not has_blue_green(ro)


@memo.per_resource
def only_blue_green(ro: Resource) -> bool:
    return has_blue_green(ro) and not has_canary(ro)


@memo.per_resource
def traffic_routing(ro: Resource) -> dict[str, Any] | None:
    """`canary.trafficRouting` when set (an empty mapping is set, like a non-nil Go pointer)."""
    tr = refs.canary(ro).get("trafficRouting")
    return tr if isinstance(tr, dict) else None


def routers(tr: dict[str, Any] | None) -> set[str]:
    """Traffic routers configured in `trafficRouting` (`plugins` only when it names at least one plugin)."""
    if not isinstance(tr, dict):
        return set()
    out = {r for r in ROUTERS if r != "plugins" and tr.get(r) is not None}  # `is_set`, inlined: asked per router
    if as_dict(tr.get("plugins")):
        out.add("plugins")
    return out


def router_text(names: set[str]) -> str:
    return ", ".join(sorted(names)) if names else "no router"


@memo.per_resource
def steps(ro: Resource) -> list[tuple[int, dict[str, Any]]]:
    return [(i, s) for i, s in enumerate(as_list(refs.canary(ro).get("steps"))) if isinstance(s, dict)]


# Equal key sets are one object: thousands of steps set the same one or two keys, and a small frozenset
# takes ~200 bytes.
_KEY_SETS: dict[frozenset[str], frozenset[str]] = {}


@memo.per_resource
def step_actions(ro: Resource) -> list[tuple[int, dict[str, Any], frozenset[str]]]:
    """`steps`, each with the keys it sets (present and not null, as `is_set`): most step rules ask which
    actions a step has."""
    shared = _KEY_SETS.setdefault
    return [(i, s, shared(keys, keys)) for i, s in steps(ro)
            for keys in (frozenset(k for k, v in s.items() if v is not None),)]


@memo.per_resource
def rollout_routers(ro: Resource) -> set[str]:
    """`routers` of the Rollout's `trafficRouting` (read-only)."""
    return routers(traffic_routing(ro))


# ----------------------------------------------------------------------------------------- workloadRef

def workload_target(ro: Resource, index: ResourceIndex) -> Resource | None:
    """The object `spec.workloadRef` names, chosen like `closest` among same-named candidates."""
    return workload_resolution(ro, index).chosen


def workload_resolution(ro: Resource, index: ResourceIndex) -> Resolution:
    ref = as_dict(dig(ro.body, "spec", "workloadRef"))
    name, kind = as_str(ref.get("name")), as_str(ref.get("kind"))
    if not name or not kind:
        return Resolution(None)
    return resolve(index.find(kind, name, ro.namespace), ro, ro.namespace)


@memo.per_resource_in_index
def pod_template(ro: Resource, index: ResourceIndex) -> refs.PodTemplate:
    """`refs.pod_template`, but resolving an ambiguous workloadRef to the closest candidate (same namespace, same
    file, nearest directory) instead of the first one indexed, and reading a PodTemplate's `template` (not
    `spec.template`) as the controller's `infoByGroupKind` does."""
    base = refs.pod_template(ro, index)
    if not base.via_workload_ref or base.missing_workload:
        return base
    target = workload_target(ro, index) or base.owner
    path: Path = ("template",) if target.kind == "PodTemplate" else ("spec", "template")  # `infoByGroupKind`
    if target is base.owner and path == base.path:
        return base
    tmpl = as_dict(dig(target.body, *path))
    meta = as_dict(tmpl.get("metadata"))
    return refs.PodTemplate({str(k): label_str(v) for k, v in as_dict(meta.get("labels")).items()},
                            {str(k): label_str(v) for k, v in as_dict(meta.get("annotations")).items()},
                            target, path, via_workload_ref=True)


# ----------------------------------------------------------------------------------------- label selectors

_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def label_key_problem(key: Any) -> str | None:
    """Kubernetes qualified-name check for a label key (`prefix/name`), or None when valid."""
    if not isinstance(key, str) or not key:
        return "a label key must be a non-empty string"
    return _key_problem(key)


@functools.lru_cache(maxsize=1 << 12)  # pure; a repository uses the same few label keys everywhere
def _key_problem(key: str) -> str | None:
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _DNS1123_SUBDOMAIN.match(prefix)):
        return f"label key {key!r} has an invalid prefix (must be a DNS subdomain)"
    if not name or len(name) > 63 or not _NAME.match(name):
        return (f"label key {key!r} is invalid: the name part must be at most 63 characters of alphanumerics, "
                "'-', '_' or '.', starting and ending with an alphanumeric")
    return None


def label_value_problem(value: Any) -> str | None:
    if value is None:
        return None
    return _value_problem(value if isinstance(value, str) else str(value))


@functools.lru_cache(maxsize=1 << 14)  # pure
def _value_problem(text: str) -> str | None:
    if text == "":
        return None
    if len(text) > 63 or not _NAME.match(text):
        return (f"label value {text!r} is invalid: at most 63 characters of alphanumerics, '-', '_' or '.', "
                "starting and ending with an alphanumeric")
    return None


def label_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def selector_problems(sel: dict[str, Any]) -> list[tuple[tuple[Any, ...], str, bool]]:
    """What `ValidateLabelSelector` / `LabelSelectorAsSelector` reject: (subpath inside the selector, message,
    point-at-key)."""
    out: list[tuple[tuple[Any, ...], str, bool]] = []
    for k, v in as_dict(sel.get("matchLabels")).items():
        prob = label_key_problem(k)
        if prob:
            out.append((("matchLabels", k), prob, True))
        prob = label_value_problem(v)
        if prob:
            out.append((("matchLabels", k), prob, False))
    for i, expr in enumerate(as_list(sel.get("matchExpressions"))):
        if not isinstance(expr, dict):
            continue
        p = ("matchExpressions", i)
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values")
        if key is not None:
            prob = label_key_problem(key)
            if prob:
                out.append((p + ("key",), prob, False))
        if op is not None and op not in OPERATORS:
            out.append((p + ("operator",), f"operator {op!r} is not one of In, NotIn, Exists, DoesNotExist", False))
        elif op in ("In", "NotIn") and not as_list(values):
            out.append((p + ("operator",), f"values must be specified when operator is '{op}'", False))
        elif op in ("Exists", "DoesNotExist") and as_list(values):
            out.append((p + ("values",), f"values may not be specified when operator is '{op}'", True))
        for j, v in enumerate(as_list(values)):
            prob = label_value_problem(v)
            if prob:
                out.append((p + ("values", j), prob, False))
    return out


def selector_is_empty(selector: dict[str, Any]) -> bool:
    return not as_dict(selector.get("matchLabels")) and not as_list(selector.get("matchExpressions"))


def selector_matches(selector: dict[str, Any], labels: dict[str, str]) -> bool | None:
    """Does a LabelSelector select `labels`? None when the selector cannot be evaluated (malformed)."""
    for k, v in as_dict(selector.get("matchLabels")).items():
        if labels.get(str(k)) != label_str(v):
            return False
    for expr in as_list(selector.get("matchExpressions")):
        if not isinstance(expr, dict):
            return None
        key, op = expr.get("key"), expr.get("operator")
        values = [label_str(v) for v in as_list(expr.get("values"))]
        if not isinstance(key, str):
            return None
        if op == "In":
            if labels.get(key) not in values:
                return False
        elif op == "NotIn":
            if key in labels and labels[key] in values:
                return False
        elif op == "Exists":
            if key not in labels:
                return False
        elif op == "DoesNotExist":
            if key in labels:
                return False
        else:
            return None
    return True


def selector_text(selector: dict[str, Any]) -> str:
    parts = [f"{k}={label_str(v)}" for k, v in as_dict(selector.get("matchLabels")).items()]
    for expr in as_list(selector.get("matchExpressions")):
        e = as_dict(expr)
        vals = ",".join(label_str(v) for v in as_list(e.get("values")))
        op = e.get("operator")
        if op in ("In", "NotIn"):
            parts.append(f"{e.get('key')} {'in' if op == 'In' else 'notin'} ({vals})")
        elif op == "Exists":
            parts.append(str(e.get("key")))
        else:
            parts.append(f"!{e.get('key')}")
    return ", ".join(parts) or "<empty>"


def labels_text(labels: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in labels.items()) or "<none>"


# ----------------------------------------------------------------------------------------- durations

_INT32 = (-(2**31), 2**31 - 1)


def go_duration_seconds(text: str) -> float | None:
    """Seconds of a Go `time.ParseDuration` string (`1h30m`, `1.5s`, `-5m`), or None when Go rejects it."""
    return goduration.seconds(text)


def pause_duration_seconds(value: Any) -> int | None:
    """`RolloutPause.DurationSeconds`: an int is seconds; a string is first `strconv.ParseInt(s, 10, 32)`, else a
    Go duration truncated to whole seconds. None where the controller computes -1 (invalid)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if _INT32[0] <= value <= _INT32[1] else None
    if not isinstance(value, str):
        return None
    return _pause_text_seconds(value)


@functools.lru_cache(maxsize=1024)  # pure; a repository repeats the same few pause durations
def _pause_text_seconds(value: str) -> int | None:
    if re.fullmatch(r"[+-]?[0-9]+", value):
        n = int(value)
        if _INT32[0] <= n <= _INT32[1]:
            return n
        # ParseInt range error: falls through to ParseDuration, which needs a unit -> invalid
        return None
    secs = go_duration_seconds(value)
    if secs is None:
        return None
    n = int(secs)  # Go int32(d.Seconds()) truncates toward zero
    return n if _INT32[0] <= n <= _INT32[1] else None


def pause_duration_problem(value: Any) -> str:
    """Why the controller reads a pause duration as -1 (for a `pause_duration_seconds` of None)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return "past the int32 range of seconds the controller reads"
    if not isinstance(value, str):
        return "not a number or a duration"
    if re.fullmatch(r"[+-]?[0-9]+", value):
        return "a number of seconds past the int32 range the controller reads"
    err = goduration.error(value)
    if err is None:
        secs = goduration.seconds(value) or 0.0
        return f"{int(secs)} seconds, past the int32 range the controller converts pause durations to"
    if "unit" in err:
        return "a Go duration needs a unit after every number: ns, us, ms, s, m or h; there is no d"
    return f"Go: {err}"


_DAY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(d|day|days|w|wk|weeks?)\s*$", re.IGNORECASE)
_UNIT_HINT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(sec|secs|second|seconds|min|mins|minute|minutes|hr|hrs|hour|hours|S|M|H)\s*$")


def duration_hint(text: str) -> str | None:
    """A suggestion for a duration Go rejects (`1d` -> `24h`, `5 min` -> `5m`)."""
    m = _DAY.match(text)
    if m:
        n = float(m.group(1))
        hours = n * 24 if m.group(2).lower().startswith("d") else n * 24 * 7
        return f"{hours:g}h"
    m = _UNIT_HINT.match(text)
    if m:
        unit = m.group(2).lower()
        short = "s" if unit.startswith("s") else "m" if unit.startswith("m") else "h"
        return f"{m.group(1)}{short}"
    if text.strip() != text and pause_duration_seconds(text.strip()) is not None:
        return text.strip()
    return None
