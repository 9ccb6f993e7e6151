"""``rolloutlint plan``: load the base and head trees, compare them, simulate every new revision.

Data: ``{"version": 1, "base", "head", "rollouts": [...], "objects": [...]}`` — one entry per Rollout whose
effective spec or related objects change, and one per changed AnalysisTemplate / VirtualService / DestinationRule
with the Rollouts it affects.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from rolloutlint.plan import gitrev
from rolloutlint.plan.compare import (
    DEFAULT_REVISION_HISTORY,
    Tree,
    analysis_refs,
    canonical,
    diff_paths,
    old_templates,
    relative_file,
    rollout_effects,
)
from rolloutlint.simulate.steps import as_int, dig
from rolloutlint import pipeline
from rolloutlint.run.registry import all_rules, load_builtin_rules
from rolloutlint.core.findings import Severity
from rolloutlint.views import refs

HASH_LABEL = "rollouts-pod-template-hash"


def _load(root: Path, config_path: str | None, namespace: str | None) -> Any:

    return pipeline.load_project([str(root)], config_path=config_path, namespace=namespace, cwd=root)


def _ident(ro: Any) -> dict[str, Any]:
    line = ro.node.start_mark.line + 1 if ro.node is not None else 1
    return {"kind": "Rollout", "namespace": ro.namespace, "name": ro.name, "file": ro.file.display, "line": line}


def build_plan(start: Path, base_rev: str, head_rev: str | None, *, config_path: str | None = None,
               namespace: str | None = None) -> dict[str, Any]:
    """The plan of ``base_rev`` → ``head_rev`` (None: the working tree). Raises gitrev.GitError."""
    root = gitrev.repo_root(start)
    base_commit = gitrev.resolve(root, base_rev)
    head_commit = gitrev.resolve(root, head_rev) if head_rev else None
    with tempfile.TemporaryDirectory(prefix="rolloutlint-plan-") as tmp:
        base_dir = Path(tmp) / "base"
        base_dir.mkdir()
        (base_dir / ".git").mkdir()  # marks the project root, so nothing above the scratch tree is loaded
        gitrev.export(root, base_commit, base_dir)
        base_project = _load(base_dir, config_path, namespace)
        if head_commit is not None:
            head_dir = Path(tmp) / "head"
            head_dir.mkdir()
            (head_dir / ".git").mkdir()
            gitrev.export(root, head_commit, head_dir)
        else:
            head_dir = root
        head_project = _load(head_dir, config_path, namespace)
        plan = _compare(root, base_commit, base_project, head_project, head_dir)
    plan.update(base={"rev": base_rev, "commit": base_commit},
                head={"rev": head_rev or "working tree", "commit": head_commit})
    return plan


def _compare(root: Path, base_commit: str, base_project: Any, head_project: Any, head_dir: Path) -> dict[str, Any]:
    from rolloutlint.plan.simulation import simulate_project

    base = Tree.from_index(base_project.index, base_project.root)
    head = Tree.from_index(head_project.index, head_project.root)
    objects = _changed_objects(base, head)
    affected_by: dict[tuple[str | None, str], list[str]] = {}
    for obj in objects:
        for ident in obj["affects"]:
            affected_by.setdefault((ident["namespace"], ident["name"]), []).append(
                f"{obj['kind']} {obj['name']} ({obj['change']})")
    rollouts: list[dict[str, Any]] = []
    for key in sorted(set(base.rollouts) | set(head.rollouts), key=lambda k: (k[0] or "", k[1], k[2])):
        b, h = base.rollouts.get(key), head.rollouts.get(key)
        entry: dict[str, Any] = {"resource": _ident(h or b), "effects": [], "templateChanges": [],
                                 "relatedChanges": affected_by.get(key[:2], []), "simulation": None}
        if h is None:
            entry["change"] = "removed"
            entry["effects"].append({"kind": "removed", "message": (
                "the Rollout is deleted: with pruning, Argo CD deletes it and Kubernetes garbage-collects its "
                "ReplicaSets and pods (no steps, no traffic shift: Services and VirtualServices keep pointing at "
                "pods that go away)")})
        elif b is None:
            entry["change"] = "added"
            entry["effects"].append({"kind": "initial-deploy", "message": (
                "new Rollout: there is no stable ReplicaSet yet, so the controller promotes the first ReplicaSet at "
                "once (\"Initial deploy\") — no canary steps and no step analysis")})
        else:
            if (canonical(b.body) == canonical(h.body) and not entry["relatedChanges"]
                    and canonical(base.pod_template(b)) == canonical(head.pod_template(h))):
                continue  # a workloadRef Deployment's template counts as the Rollout's own
            rel = relative_file(b, base_project.root)
            limit = as_int(dig(h.body, "spec", "revisionHistoryLimit")) or DEFAULT_REVISION_HISTORY
            texts = gitrev.file_versions(root, base_commit, rel, limit + 2) if rel else []
            history = old_templates(texts, key)
            effects, tdiff, new_revision = rollout_effects(b, h, base, head, history)
            entry["change"] = "modified"
            entry["effects"] = effects
            entry["templateChanges"] = tdiff
            if new_revision:
                sims = simulate_project(head_project, f"{key[0]}/{key[1]}" if key[0] else key[1], reviewed=True)
                mine = [r for r in sims if r["resource"]["file"] == h.file.display and r["resource"]["namespace"]
                        == h.namespace]
                entry["simulation"] = mine[0] if mine else sims[0] if sims else None
        entry["effects"] += _managed_edits(entry, objects, key)
        if entry["relatedChanges"] and not any(e["kind"] in ("related",) for e in entry["effects"]):
            entry["effects"].append({"kind": "related", "message": "related objects change: " + "; ".join(
                entry["relatedChanges"])})
        rollouts.append(entry)
    if any(e["change"] != "removed" for e in rollouts):
        _add_invalid_spec(rollouts, base_project, head_project)
    return {"version": 1, "rollouts": rollouts, "objects": objects}


def invalid_spec_rules() -> list[str]:
    """Ids of the rules whose failure the controller reports as the Rollout's InvalidSpec condition."""

    load_builtin_rules()
    return sorted(r.id for r in all_rules()
                  if "InvalidSpec" in (r.__doc__ or "") and "Rollout" in (getattr(r, "kinds", ()) or ()))


def _invalid_messages(project: Any, rule_ids: list[str]) -> dict[tuple[Any, ...], set[str]]:

    out: dict[tuple[Any, ...], set[str]] = {}
    for f in pipeline.lint_project(project, select=rule_ids).findings:
        res = f.resource
        if res is None or res.kind != "Rollout" or f.suppressed is not None or f.severity < Severity.ERROR:
            continue
        out.setdefault((res.namespace, res.name, f.location.file), set()).add(f"{f.rule} {f.message}")
    return out


def _add_invalid_spec(rollouts: list[dict[str, Any]], base_project: Any, head_project: Any) -> None:
    """A head spec the controller rejects (InvalidSpec) stops the Rollout where it is: no new update starts and
    one in progress halts until the spec is fixed (the sync handler returns once it has set the condition)."""
    rule_ids = invalid_spec_rules()
    before = _invalid_messages(base_project, rule_ids)
    after = _invalid_messages(head_project, rule_ids)
    for entry in rollouts:
        if entry["change"] == "removed":
            continue
        res = entry["resource"]
        key = (res["namespace"], res["name"], res["file"])
        new = sorted(after.get(key, set()) - before.get(key, set()))
        if new:
            entry["effects"].insert(0, {"kind": "invalid-spec", "message": (
                "the controller rejects the new spec (InvalidSpec: " + "; ".join(new) + "): it stops reconciling the "
                "Rollout — no new revision starts and an update in progress halts where it is until the spec is "
                "fixed")})


def _managed_edits(entry: dict[str, Any], objects: list[dict[str, Any]], key: Any) -> list[dict[str, str]]:
    out = []
    for obj in objects:
        if any((i["namespace"], i["name"]) == key[:2] for i in obj["affects"]):
            for note in obj.get("controllerOwned") or []:
                out.append({"kind": "controller-rewrites", "message": f"{obj['kind']} {obj['name']}: {note}"})
    return out


# --------------------------------------------------------------------------------------------- related objects

def _label(res: Any) -> str:
    return f"{res.namespace}/{res.name}" if res.namespace else str(res.name)


def _changed_objects(base: Tree, head: Tree) -> list[dict[str, Any]]:

    out: list[dict[str, Any]] = []
    for kind in ("AnalysisTemplate", "ClusterAnalysisTemplate", "VirtualService", "DestinationRule", "Service"):
        bo, ho = base.objects(kind), head.objects(kind)
        for okey in sorted(set(bo) | set(ho), key=lambda k: (k[0] or "", k[1])):
            b, h = bo.get(okey), ho.get(okey)
            if b is not None and h is not None and canonical(b.body.get("spec")) == canonical(h.body.get("spec")):
                continue
            res = h if h is not None else b
            assert res is not None  # the key came from one of the two trees
            if kind == "Service" and not any(res.name in _service_names(ro.body)
                                             for tree in (head, base) for ro in tree.rollouts.values()):
                continue  # only the Services a Rollout manages
            change = "added" if b is None else "removed" if h is None else "modified"
            users: list[Any] = []
            for tree in (head, base):
                for ro in tree.rollouts.values():
                    if kind.endswith("AnalysisTemplate"):
                        hit = (kind, res.name) in analysis_refs(ro.body) and (
                            kind == "ClusterAnalysisTemplate" or ro.namespace == res.namespace)
                    elif kind == "VirtualService":
                        hit = any(r.name == res.name and r.namespace == res.namespace
                                  for r in refs.virtual_service_refs(ro))
                    elif kind == "Service":
                        hit = res.name in _service_names(ro.body) and ro.namespace == res.namespace
                    else:
                        dr_ref = refs.destination_rule_ref(ro)
                        hit = dr_ref is not None and dr_ref.name == res.name and ro.namespace == res.namespace
                    if hit and (ro.namespace, ro.name) not in {(u.namespace, u.name) for u in users}:
                        users.append(ro)
            entry: dict[str, Any] = {"kind": kind, "namespace": res.namespace, "name": _label(res), "change": change,
                                     "affects": [_ident(u) for u in users],
                                     "changes": diff_paths(b.body.get("spec") if b else None,
                                                           h.body.get("spec") if h else None, "spec")}
            if kind.endswith("AnalysisTemplate"):
                entry["effect"] = ("the next AnalysisRun of each Rollout below uses the new version; a run already "
                                   "started keeps the copy it was created with")
            if b is not None and h is not None and users:
                entry["controllerOwned"] = _controller_owned(kind, b, h, users)
            out.append(entry)
    return out


def _controller_owned(kind: str, base: Any, head: Any, users: list[Any]) -> list[str]:
    """Edits to fields the controller itself rewrites (VirtualService route weights, DestinationRule subset hashes)."""
    notes: list[str] = []
    if kind == "VirtualService":
        bw = _weights(base.body)
        hw = _weights(head.body)
        if bw != hw:
            notes.append("route weights are edited in Git, but the controller rewrites the weights of the routes it "
                         "manages on every reconcile (SetWeight: stable 100 / canary 0 when no update runs), so the "
                         "edit is overwritten — and an Argo CD app with self-heal will fight the controller unless "
                         "the weights are ignored in ignoreDifferences")
    if kind == "DestinationRule":
        names = set()
        for ro in users:
            dr = dig(ro.body, "spec", "strategy", "canary", "trafficRouting", "istio", "destinationRule") or {}
            names |= {dr.get("canarySubsetName"), dr.get("stableSubsetName")}
        bs = {s.get("name"): s for s in dig(base.body, "spec", "subsets") or [] if isinstance(s, dict)}
        hs = {s.get("name"): s for s in dig(head.body, "spec", "subsets") or [] if isinstance(s, dict)}
        for name in sorted(n for n in names if isinstance(n, str)):
            if dig(bs.get(name), "labels", HASH_LABEL) != dig(hs.get(name), "labels", HASH_LABEL):
                notes.append(f"subset {name}: the {HASH_LABEL} label is edited in Git, but the controller sets it to "
                             f"the canary/stable ReplicaSet hash on every reconcile (UpdateHash)")
        extra = sorted(str(n) for n in set(hs) - set(bs) - names)
        if extra:
            notes.append(f"subsets {', '.join(extra)} are added, but the controller drops every subset other than "
                         f"the canary and stable ones (and live experiments) when it updates the DestinationRule")
    if kind == "Service" and dig(base.body, "spec", "selector", HASH_LABEL) != dig(head.body, "spec", "selector",
                                                                                    HASH_LABEL):
        notes.append(f"the selector's {HASH_LABEL} is edited in Git, but the controller points it at the stable "
                     f"(or canary/preview) ReplicaSet's hash on every reconcile")
    return notes


def _service_names(body: dict[str, Any]) -> set[str]:
    """The Services whose selectors the controller rewrites (canary/stable/ping/pong, blueGreen active/preview)."""
    strategy = dig(body, "spec", "strategy") or {}
    names = {dig(strategy, "canary", k) for k in ("canaryService", "stableService")}
    names |= {dig(strategy, "canary", "trafficRouting", "pingPong", k) for k in ("pingService", "pongService")}
    names |= {dig(strategy, "blueGreen", k) for k in ("activeService", "previewService")}
    return {n for n in names if isinstance(n, str) and n}


def _weights(body: dict[str, Any]) -> list[Any]:
    out = []
    for kind in ("http", "tls", "tcp"):
        for route in dig(body, "spec", kind) or []:
            if isinstance(route, dict):
                out.append([d.get("weight") for d in route.get("route") or [] if isinstance(d, dict)])
    return out
