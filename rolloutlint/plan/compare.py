"""What the Argo Rollouts controller will do with a Git change: the base and head trees compared per Rollout.

The classification follows the controller (``rollout/sync.go``, ``rollout/canary.go``, ``utils/hash``):

* a new ReplicaSet (revision) exists only when the pod template hash changes: ``ComputePodTemplateHash`` hashes
  ``spec.template`` (for ``workloadRef``, the referenced Deployment's template) and nothing else, on the decoded Go
  struct — so key order, quoting and empty/absent fields do not count, and replicas, strategy, steps, analysis,
  ``minReadySeconds`` and the Rollout's own metadata never make a new revision;
* a new revision runs the canary steps / blueGreen preview from the stable ReplicaSet — except on a Rollout without a
  stable ReplicaSet (a new Rollout, or one whose ``spec.selector`` no longer selects its ReplicaSets), which the
  controller promotes at once ("Initial deploy");
* returning to an older template reuses that template's ReplicaSet (same hash, kept by ``revisionHistoryLimit``);
  ``rollbackWindow.revisions`` fast-tracks it ("Rollback within window"), and while the base update is still in
  progress returning to the stable template jumps to the end of the steps ("Rollback to stable");
* a change of the steps alone changes the step hash, which resets ``currentStepIndex`` to 0 in an in-flight update;
* replicas alone rescale the current ReplicaSets in place.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rolloutlint.simulate.steps import as_int, dig
from rolloutlint.simulate.render import describe_step

DEFAULT_REVISION_HISTORY = 10
# (namespace, name, file): the file is "" unless the same namespace/name is declared more than once in a tree
# (a monorepo with one directory per cluster), where it tells the declarations apart.
ROLLOUT_KEY = tuple[str | None, str, str]


# --------------------------------------------------------------------------------------------- normalising

def prune(obj: Any) -> Any:
    """The value as the Go struct sees it: None, empty mappings and empty lists dropped (they decode to zero values)."""
    if isinstance(obj, dict):
        out = {k: prune(v) for k, v in obj.items()}
        return {k: v for k, v in out.items() if v not in (None, {}, [])}
    if isinstance(obj, list):
        return [prune(v) for v in obj]
    return obj


def canonical(obj: Any) -> str:
    return json.dumps(prune(obj), sort_keys=True, default=str)


def diff_paths(base: Any, head: Any, path: str = "") -> list[dict[str, Any]]:
    """Leaf-level differences; lists of named mappings (containers, ports, env) are matched by name."""
    base, head = prune(base), prune(head)
    if base == head:
        return []
    if isinstance(base, dict) and isinstance(head, dict):
        out: list[dict[str, Any]] = []
        for key in list(base) + [k for k in head if k not in base]:
            out += diff_paths(base.get(key), head.get(key), f"{path}.{key}" if path else str(key))
        return out
    if (isinstance(base, list) and isinstance(head, list) and base + head
            and all(isinstance(x, dict) and isinstance(x.get("name"), str) for x in base + head)):
        b = {x["name"]: x for x in base}
        h = {x["name"]: x for x in head}
        out = []
        for name in list(b) + [n for n in h if n not in b]:
            out += diff_paths(b.get(name), h.get(name), f"{path}[{name}]")
        return out
    return [{"path": path, "base": base, "head": head}]


# --------------------------------------------------------------------------------------------- one tree

@dataclass
class Tree:
    """The objects of one revision the plan compares."""

    index: Any
    rollouts: dict[ROLLOUT_KEY, Any] = field(default_factory=dict)

    @classmethod
    def from_index(cls, index: Any, root: Path) -> Tree:
        tree = cls(index=index)
        found = [ro for ro in index.of_kind("Rollout") if ro.group == "argoproj.io" and isinstance(ro.name, str)]
        seen: dict[tuple[str | None, str], int] = {}
        for ro in found:
            seen[(ro.namespace, ro.name)] = seen.get((ro.namespace, ro.name), 0) + 1
        for ro in found:
            where = relative_file(ro, root) or "" if seen[(ro.namespace, ro.name)] > 1 else ""
            tree.rollouts.setdefault((ro.namespace, ro.name, where), ro)
        return tree

    def pod_template(self, ro: Any) -> Any:
        spec = ro.body.get("spec") if isinstance(ro.body.get("spec"), dict) else {}
        ref = spec.get("workloadRef")
        if isinstance(ref, dict) and spec.get("template") is None:
            dep = self.index.find_one(ref.get("kind") or "Deployment", ref.get("name"), ro.namespace)
            return dig(dep.body, "spec", "template") if dep is not None else {"workloadRef": ref}
        return spec.get("template")

    def objects(self, kind: str) -> dict[tuple[str | None, str], Any]:
        return {(r.namespace, r.name): r for r in self.index.of_kind(kind) if isinstance(r.name, str)}


def relative_file(res: Any, root: Path) -> str | None:
    """The object's file relative to the tree's root, in POSIX form."""
    try:
        return Path(res.file.path).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def analysis_refs(body: dict[str, Any]) -> set[tuple[str, str]]:
    """(kind, name) of every AnalysisTemplate / ClusterAnalysisTemplate a Rollout runs."""
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    blocks: list[Any] = []
    canary = dig(spec, "strategy", "canary") or {}
    blue_green = dig(spec, "strategy", "blueGreen") or {}
    blocks.append(dig(canary, "analysis", "templates"))
    for step in canary.get("steps") or [] if isinstance(canary, dict) else []:
        blocks.append(dig(step, "analysis", "templates"))
        blocks.append(dig(step, "experiment", "analyses"))
    blocks.append(dig(blue_green, "prePromotionAnalysis", "templates"))
    blocks.append(dig(blue_green, "postPromotionAnalysis", "templates"))
    out: set[tuple[str, str]] = set()
    for block in blocks:
        for ref in block if isinstance(block, list) else []:
            if isinstance(ref, dict) and isinstance(ref.get("templateName"), str):
                kind = "ClusterAnalysisTemplate" if ref.get("clusterScope") else "AnalysisTemplate"
                out.add((kind, ref["templateName"]))
    return out


# --------------------------------------------------------------------------------------------- effects

def _effect(kind: str, message: str) -> dict[str, str]:
    return {"kind": kind, "message": message}


def _spec(ro: Any) -> dict[str, Any]:
    return ro.body.get("spec") if isinstance(ro.body.get("spec"), dict) else {}


def _steps(spec: dict[str, Any]) -> Any:
    return dig(spec, "strategy", "canary", "steps")


def _replicas(spec: dict[str, Any]) -> int:
    value = as_int(spec.get("replicas"))
    return 1 if value is None else value


def rollout_effects(base: Any, head: Any, base_tree: Tree, head_tree: Tree,
                    history: list[Any]) -> tuple[list[dict[str, str]], list[dict[str, Any]], bool]:
    """(effects, template differences, new revision?) of one Rollout present in base and head.

    ``history``: pod templates of older versions of the Rollout (newest first, base's own excluded).
    """
    effects: list[dict[str, str]] = []
    bspec, hspec = _spec(base), _spec(head)
    btpl, htpl = base_tree.pod_template(base), head_tree.pod_template(head)
    template_changed = canonical(btpl) != canonical(htpl)
    selector_changed = canonical(bspec.get("selector")) != canonical(hspec.get("selector"))
    tdiff = diff_paths(btpl, htpl, "spec.template") if template_changed else []
    new_revision = False
    if template_changed and selector_changed:
        effects.append(_effect("selector-change", (
            "spec.selector changes with the pod template: the controller releases the ReplicaSets the new selector "
            "no longer matches, finds no stable ReplicaSet and treats the update as an initial deploy — the new "
            "ReplicaSet is promoted at once at full size, without the canary steps or analysis (argo-rollouts "
            "#4070); the old ReplicaSet is orphaned and keeps its pods until deleted by hand")))
    elif template_changed:
        earlier = [i for i, tpl in enumerate(history) if canonical(tpl) == canonical(htpl)]
        window = as_int(dig(hspec, "rollbackWindow", "revisions")) or 0
        limit = as_int(hspec.get("revisionHistoryLimit"))
        limit = DEFAULT_REVISION_HISTORY if limit is None else limit
        if earlier:
            # Distinct templates between the old one and base's: the ReplicaSets created after it.
            between = len({canonical(t) for t in history[:earlier[0]]} - {canonical(htpl), canonical(btpl)})
            kept = between < limit
            text = (f"returns to the pod template of an earlier revision ({between + 1} revision(s) back): "
                    f"{'its ReplicaSet (same hash) is still kept (revisionHistoryLimit ' + str(limit) + ') and is scaled back up' if kept else 'its ReplicaSet was deleted (beyond revisionHistoryLimit ' + str(limit) + '), so a new one with the same hash is created'}")
            if window and kept and between < window:
                text += (f"; rollbackWindow.revisions {window} covers it, so the controller fast-tracks it (\"Rollback "
                         f"within window\"): no steps, no analysis, promoted once its pods are available")
                effects.append(_effect("fast-rollback", text))
            else:
                text += ("; the canary steps run again" + (f" (rollbackWindow.revisions {window} does not reach it)"
                                                            if window else " (no rollbackWindow)"))
                effects.append(_effect("new-revision", text))
                new_revision = True
            if earlier[0] == 0 or between == 0:
                effects.append(_effect("in-flight", (
                    "if the base revision's update has not finished yet, this template is still the stable one: "
                    "the controller aborts nothing but jumps to the end of the steps (\"Rollback to stable\"), "
                    "scales the canary down and keeps the stable ReplicaSet — no steps, no analysis")))
        else:
            effects.append(_effect("new-revision", (
                "the pod template hash changes: a new ReplicaSet runs the "
                + ("blueGreen preview and promotion" if dig(hspec, "strategy", "blueGreen") is not None
                   else f"{len(_steps(hspec) or [])} canary step(s)") + " from the stable ReplicaSet")))
            effects.append(_effect("in-flight", (
                "if the base revision's update is still in progress, it is superseded: its canary ReplicaSet is "
                "scaled down as an old ReplicaSet and the steps start again from step 0 against the same stable")))
            new_revision = True
    elif selector_changed:
        effects.append(_effect("selector-change", (
            "spec.selector changes but the pod template does not: no new revision; ReplicaSets whose labels the new "
            "selector does not match are released, and with no stable ReplicaSet left the next update is promoted "
            "at once without steps (argo-rollouts #4070)")))
    steps_changed = canonical(_steps(bspec)) != canonical(_steps(hspec))
    if steps_changed and new_revision:

        def listed(spec: dict[str, Any]) -> str:
            steps = _steps(spec) if isinstance(_steps(spec), list) else []
            return ", ".join(describe_step(st) for st in steps) or "no steps"

        effects.append(_effect("steps-changed", (
            f"the steps change in the same commit, and this update already runs the new ones: [{listed(bspec)}] → "
            f"[{listed(hspec)}]")))
    if steps_changed and not template_changed:
        effects.append(_effect("steps-only", (
            f"the steps change ({len(_steps(bspec) or [])} → {len(_steps(hspec) or [])}) without a new pod "
            "template: no new revision, nothing is redeployed; they apply to the next update. In an update "
            "still in progress the step hash changes, so the controller resets currentStepIndex to 0 and runs "
            "the new steps from the start (pause and abort cleared)")))
    br, hr = _replicas(bspec), _replicas(hspec)
    if br != hr:
        effects.append(_effect("replicas", (
            f"replicas {br} → {hr}: no new revision; the stable ReplicaSet is scaled to {hr} in place"
            + (" (within maxSurge/maxUnavailable)" if dig(hspec, "strategy", "canary", "trafficRouting") is None
               and dig(hspec, "strategy", "canary") is not None else "")
            + ". During an update in progress (paused included) the canary and stable sizes are recomputed for "
              "the current step from the new count (argo-rollouts #3256)")))
    if bool(bspec.get("paused")) != bool(hspec.get("paused")):
        effects.append(_effect("paused", (
            "spec.paused set: an update in progress stops at its current step (no step advances, no progress "
            "deadline) until it is unset" if hspec.get("paused") else
            "spec.paused removed: a paused update resumes from its current step")))
    other = diff_paths(_without(bspec), _without(hspec), "spec")
    if other:
        names = ", ".join(sorted({".".join(d["path"].split(".")[:4]) for d in other}))
        if template_changed:
            effects.append(_effect("other-spec", f"{names} change as well: this update already runs with them"))
        else:
            effects.append(_effect("no-new-revision", (
                f"{names} change without a new pod template: no new revision; the controller applies them from its "
                "next reconcile (analysis and traffic settings to the next update or the current one)")))
    if not effects and canonical(base.body) != canonical(head.body):
        effects.append(_effect("metadata-only", "only the Rollout's own metadata changes: nothing is redeployed"))
    return effects, tdiff, new_revision


def _without(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec without the fields classified on their own (template, selector, steps, replicas, workloadRef)."""
    out = copy.deepcopy(spec)
    for key in ("template", "selector", "replicas", "workloadRef", "paused"):
        out.pop(key, None)
    canary = dig(out, "strategy", "canary")
    if isinstance(canary, dict):
        canary.pop("steps", None)
    return out


def old_templates(texts: list[tuple[str, str]], key: ROLLOUT_KEY) -> list[Any]:
    """Pod templates of the Rollout ``key`` in older versions of its file (plain YAML only)."""
    out: list[Any] = []
    for _rev, text in texts:
        try:
            docs = list(yaml.safe_load_all(text))
        except yaml.YAMLError:
            continue
        for doc in docs:
            if (isinstance(doc, dict) and doc.get("kind") == "Rollout" and dig(doc, "metadata", "name") == key[1]
                    and dig(doc, "metadata", "namespace") in (None, key[0])):
                out.append(dig(doc, "spec", "template"))
                break
    return out
