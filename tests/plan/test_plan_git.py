"""`rolloutlint plan` on Git repositories built here: what each kind of change makes the controller do."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from rolloutlint.cli import cli
from tests.plan.mermaid import mermaid_blocks

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

TEMPLATE = {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "web:1"}]}}


def rollout(name: str = "web", image: str = "web:1", replicas: int = 4, steps: list[Any] | None = None,
            selector: str = "web", analysis: str | None = None, **spec: Any) -> dict[str, Any]:
    tpl = json.loads(json.dumps(TEMPLATE))
    tpl["spec"]["containers"][0]["image"] = image
    tpl["metadata"]["labels"]["app"] = selector
    if steps is None:
        steps = [{"setWeight": 25}, {"pause": {"duration": "5m"}}, {"setWeight": 50}, {"pause": {}}]
    if analysis:
        steps = steps + [{"analysis": {"templates": [{"templateName": analysis}]}}]
    body = {"replicas": replicas, "selector": {"matchLabels": {"app": selector}}, "template": tpl,
            "strategy": {"canary": {"canaryService": f"{name}-canary", "stableService": f"{name}-stable",
                                    "trafficRouting": {"istio": {"virtualService": {"name": name,
                                                                                    "routes": ["primary"]}}},
                                    "steps": steps}}, **spec}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
            "metadata": {"name": name, "namespace": "shop"}, "spec": body}


def vs(name: str = "web", stable: int = 100, canary: int = 0) -> dict[str, Any]:
    return {"apiVersion": "networking.istio.io/v1beta1", "kind": "VirtualService",
            "metadata": {"name": name, "namespace": "shop"},
            "spec": {"hosts": [name], "http": [{"name": "primary", "route": [
                {"destination": {"host": f"{name}-stable"}, "weight": stable},
                {"destination": {"host": f"{name}-canary"}, "weight": canary}]}]}}


def template(name: str = "ok", count: int = 3) -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisTemplate",
            "metadata": {"name": name, "namespace": "shop"},
            "spec": {"metrics": [{"name": "m", "interval": "1m", "count": count, "initialDelay": "30s",
                                  "provider": {"prometheus": {"address": "http://prom:9090", "query": "up"}},
                                  "successCondition": "result[0] == 1"}]}}


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q")
        self.git("config", "user.email", "t@example.com")
        self.git("config", "user.name", "t")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str) -> str:
        return subprocess.run(["git", "-C", str(self.path), *args], check=True, capture_output=True,
                              text=True).stdout.strip()

    def write(self, files: dict[str, list[dict[str, Any]]]) -> None:
        for name, docs in files.items():
            (self.path / name).write_text(yaml.safe_dump_all(docs, sort_keys=False))

    def commit(self, files: dict[str, list[dict[str, Any]]], message: str = "c") -> str:
        self.write(files)
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")


def plan(repo: Repo, *args: str, fmt: str = "json") -> tuple[int, Any]:
    res = CliRunner().invoke(cli, ["plan", "--repo", str(repo.path), "-f", fmt, *args], catch_exceptions=False)
    if fmt == "json" and res.exit_code == 0:
        return res.exit_code, json.loads(res.stdout)
    return res.exit_code, res.stdout


def kinds(entry: dict[str, Any]) -> list[str]:
    return [e["kind"] for e in entry["effects"]]


@pytest.fixture()
def repo(tmp_path: Path) -> Repo:
    r = Repo(tmp_path)
    r.commit({"rollout.yaml": [rollout(), vs()]}, "base")
    return r


def test_image_change_is_a_new_revision_with_its_step_plan(repo: Repo) -> None:
    repo.write({"rollout.yaml": [rollout(image="web:2"), vs()]})  # head: the working tree
    code, out = plan(repo, "--base", "HEAD")
    assert code == 0
    (entry,) = out["rollouts"]
    assert "new-revision" in kinds(entry) and "in-flight" in kinds(entry)
    assert entry["templateChanges"] == [{"path": "spec.template.spec.containers[web].image", "base": "web:1",
                                         "head": "web:2"}]
    sim = entry["simulation"]
    assert [s["weight"]["canary"] for s in sim["steps"]] == [25, 25, 50, 50]
    assert sim["durations"]["indefinite"] is True  # pause {} needs a manual promotion
    assert sim["durations"]["steps"][1]["seconds"] == 300


def test_head_revision_and_text_format(repo: Repo) -> None:
    head = repo.commit({"rollout.yaml": [rollout(image="web:2"), vs()]})
    code, out = plan(repo, "--base", "HEAD~1", "--head", head, fmt="text")
    assert code == 0
    assert "new revision" in out and "web:1 → web:2" in out and "setWeight 50" in out


def test_yaml_key_order_and_empty_fields_make_no_revision(repo: Repo) -> None:
    ro = rollout()
    ro["spec"]["template"] = {"spec": {"containers": [{"image": "web:1", "name": "web", "env": []}]},
                              "metadata": {"labels": {"app": "web"}, "annotations": {}}}
    repo.write({"rollout.yaml": [ro, vs()]})
    code, out = plan(repo, "--base", "HEAD")
    assert code == 0
    assert all("new-revision" not in kinds(e) for e in out["rollouts"])


def test_steps_only_change_makes_no_new_revision(repo: Repo) -> None:
    repo.write({"rollout.yaml": [rollout(steps=[{"setWeight": 10}, {"pause": {}}]), vs()]})
    _, out = plan(repo, "--base", "HEAD")
    (entry,) = out["rollouts"]
    assert kinds(entry) == ["steps-only"] and entry["simulation"] is None
    assert "currentStepIndex to 0" in entry["effects"][0]["message"]


def test_replicas_only_change(repo: Repo) -> None:
    repo.write({"rollout.yaml": [rollout(replicas=6), vs()]})
    _, out = plan(repo, "--base", "HEAD")
    (entry,) = out["rollouts"]
    assert kinds(entry) == ["replicas"] and "4 → 6" in entry["effects"][0]["message"]


def test_revert_to_previous_template(repo: Repo) -> None:
    repo.commit({"rollout.yaml": [rollout(image="web:2"), vs()]}, "v2")
    repo.write({"rollout.yaml": [rollout(image="web:1"), vs()]})
    _, out = plan(repo, "--base", "HEAD")
    (entry,) = out["rollouts"]
    assert "new-revision" in kinds(entry)  # no rollbackWindow: the steps run again, on the old ReplicaSet
    msg = " ".join(e["message"] for e in entry["effects"])
    assert "earlier revision" in msg and "Rollback to stable" in msg
    # With a rollbackWindow the controller fast-tracks the same revert.
    repo.write({"rollout.yaml": [rollout(image="web:1", rollbackWindow={"revisions": 2}), vs()]})
    _, out = plan(repo, "--base", "HEAD")
    (entry,) = out["rollouts"]
    assert "fast-rollback" in kinds(entry) and entry["simulation"] is None


def test_selector_change_skips_the_steps(repo: Repo) -> None:
    repo.write({"rollout.yaml": [rollout(selector="web2"), vs()]})
    _, out = plan(repo, "--base", "HEAD")
    (entry,) = out["rollouts"]
    assert kinds(entry)[0] == "selector-change" and "initial deploy" in entry["effects"][0]["message"]
    assert entry["simulation"] is None


def test_shared_analysis_template_lists_affected_rollouts(tmp_path: Path) -> None:
    repo = Repo(tmp_path)
    files = {"a.yaml": [rollout("a", analysis="ok"), vs("a")], "b.yaml": [rollout("b", analysis="ok"), vs("b")],
             "c.yaml": [rollout("c"), vs("c")], "at.yaml": [template(count=3)]}
    repo.commit(files)
    repo.write({"at.yaml": [template(count=10)]})
    code, out = plan(repo, "--base", "HEAD")
    assert code == 0
    (obj,) = out["objects"]
    assert obj["kind"] == "AnalysisTemplate" and obj["change"] == "modified"
    assert sorted(u["name"] for u in obj["affects"]) == ["a", "b"]
    assert sorted(e["resource"]["name"] for e in out["rollouts"]) == ["a", "b"]
    code, md = plan(repo, "--base", "HEAD", fmt="markdown")
    assert "AnalysisTemplate `shop/ok`" in md and "`shop/a`, `shop/b`" in md


def test_edit_of_controller_owned_weights_is_flagged(repo: Repo) -> None:
    repo.write({"rollout.yaml": [rollout(), vs(stable=90, canary=10)]})
    _, out = plan(repo, "--base", "HEAD")
    (entry,) = out["rollouts"]
    assert "controller-rewrites" in kinds(entry)


def test_new_and_removed_rollouts(repo: Repo) -> None:
    repo.write({"rollout.yaml": [rollout("other"), vs("other")]})
    _, out = plan(repo, "--base", "HEAD")
    by_name = {e["resource"]["name"]: e for e in out["rollouts"]}
    assert kinds(by_name["web"])[0] == "removed" and "initial-deploy" in kinds(by_name["other"])
    # Its Services are not in the repository: the controller would also mark the new Rollout InvalidSpec.
    assert kinds(by_name["other"])[0] == "invalid-spec" and "Service" in by_name["other"]["effects"][0]["message"]


def test_unchanged_tree_and_bad_revision(repo: Repo) -> None:
    code, out = plan(repo, "--base", "HEAD")
    assert code == 0 and out["rollouts"] == [] and out["objects"] == []
    code, _ = plan(repo, "--base", "no-such-rev")
    assert code == 2


def test_markdown_has_valid_mermaid_charts(repo: Repo) -> None:
    repo.write({"rollout.yaml": [rollout(image="web:2"), vs()]})
    code, md = plan(repo, "--base", "HEAD", fmt="markdown")
    assert code == 0 and "| `shop/web` | new revision" in md
    charts = mermaid_blocks(md)
    assert len(charts) == 2
    assert charts[0]["series"][0] == [25, 25, 50, 50, 100, 0]  # canary weight per step, end of steps, promoted


def test_plan_reads_git_without_touching_the_worktree(repo: Repo) -> None:
    repo.write({"rollout.yaml": [rollout(image="web:2"), vs()]})
    before = repo.git("status", "--porcelain")
    plan(repo, "--base", "HEAD")
    assert repo.git("status", "--porcelain") == before

def test_a_change_in_a_helm_values_file_is_planned_through_the_rendered_chart(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.render.conftest import FIXTURES, _engines

    if _engines().helm is None:
        pytest.skip("no Helm engine installed")
    monkeypatch.setenv("ROLLOUTLINT_RENDER_CACHE", str(tmp_path / "cache"))
    shutil.copytree(FIXTURES / "helm-app", tmp_path / "repo")
    r = Repo(tmp_path / "repo")
    r.git("add", "-A")
    r.git("commit", "-q", "-m", "base")
    values = r.path / "charts" / "reviews" / "values-prod.yaml"
    values.write_text(values.read_text().replace("reviews:1.3.0", "reviews:1.4.0"))
    code, out = plan(r, "--base", "HEAD")
    assert code == 0
    (entry,) = out["rollouts"]  # the Rollout exists only as a chart template: rendered with the Application's values
    assert "new-revision" in kinds(entry)
    assert entry["templateChanges"] == [{"path": "spec.template.spec.containers[app].image",
                                         "base": "example.com/reviews:1.3.0", "head": "example.com/reviews:1.4.0"}]


def test_workload_ref_deployment_template_change_is_a_new_revision(tmp_path: Path) -> None:
    repo = Repo(tmp_path)
    ro = rollout()
    del ro["spec"]["template"]
    ro["spec"]["workloadRef"] = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web-dep"}

    def deployment(image: str) -> dict[str, Any]:
        tpl = json.loads(json.dumps(TEMPLATE))
        tpl["spec"]["containers"][0]["image"] = image
        return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web-dep", "namespace": "shop"},
                "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "web"}}, "template": tpl}}

    repo.commit({"rollout.yaml": [ro, vs()], "dep.yaml": [deployment("web:1")]})
    repo.write({"dep.yaml": [deployment("web:2")]})  # the Rollout's file is untouched
    _, out = plan(repo, "--base", "HEAD")
    (entry,) = out["rollouts"]
    assert "new-revision" in kinds(entry)
    assert entry["templateChanges"][0]["path"] == "spec.template.spec.containers[web].image"


def test_edit_of_controller_owned_service_selector_and_subset_hash(tmp_path: Path) -> None:
    repo = Repo(tmp_path)
    ro = rollout()
    ro["spec"]["strategy"]["canary"]["trafficRouting"]["istio"]["destinationRule"] = {
        "name": "web", "canarySubsetName": "canary", "stableSubsetName": "stable"}

    def objects(hash_value: str | None) -> list[dict[str, Any]]:
        selector: dict[str, str] = {"app": "web"}
        labels: dict[str, str] = {}
        if hash_value:
            selector["rollouts-pod-template-hash"] = hash_value
            labels["rollouts-pod-template-hash"] = hash_value
        svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-stable", "namespace": "shop"},
               "spec": {"selector": selector, "ports": [{"port": 80}]}}
        dr = {"apiVersion": "networking.istio.io/v1beta1", "kind": "DestinationRule",
              "metadata": {"name": "web", "namespace": "shop"},
              "spec": {"host": "web", "subsets": [{"name": "stable", "labels": {"app": "web", **labels}},
                                                   {"name": "canary", "labels": {"app": "web"}}]}}
        return [svc, dr]

    repo.commit({"rollout.yaml": [ro, vs()], "objects.yaml": objects(None)})
    repo.write({"objects.yaml": objects("abc123")})
    _, out = plan(repo, "--base", "HEAD")
    (entry,) = out["rollouts"]
    notes = [e["message"] for e in entry["effects"] if e["kind"] == "controller-rewrites"]
    assert any(n.startswith("Service shop/web-stable") for n in notes)
    assert any(n.startswith("DestinationRule shop/web: subset stable") for n in notes)


def test_pausing_in_git_is_its_own_effect(repo: Repo) -> None:
    repo.write({"rollout.yaml": [rollout(paused=True), vs()]})
    _, out = plan(repo, "--base", "HEAD")
    (entry,) = out["rollouts"]
    assert kinds(entry) == ["paused"]


def test_same_rollout_name_in_two_directories(tmp_path: Path) -> None:
    repo = Repo(tmp_path)
    (tmp_path / "prod").mkdir()
    (tmp_path / "stage").mkdir()
    repo.commit({"prod/r.yaml": [rollout(), vs()], "stage/r.yaml": [rollout(), vs()]})
    repo.write({"stage/r.yaml": [rollout(image="web:2", replicas=2), vs()]})
    _, out = plan(repo, "--base", "HEAD")
    (entry,) = out["rollouts"]
    assert entry["resource"]["file"] == "stage/r.yaml" and "new-revision" in kinds(entry)
    assert entry["simulation"]["resource"]["file"] == "stage/r.yaml"
    assert entry["simulation"]["replicas"] == 2


def test_new_revision_with_new_steps_lists_both(repo: Repo) -> None:
    repo.write({"rollout.yaml": [rollout(image="web:2", steps=[{"setWeight": 10}, {"pause": {}}]), vs()]})
    _, out = plan(repo, "--base", "HEAD")
    (entry,) = out["rollouts"]
    assert kinds(entry)[:1] == ["new-revision"] and "steps-changed" in kinds(entry)
    assert "steps-only" not in kinds(entry)
    assert [s["weight"]["canary"] for s in entry["simulation"]["steps"]] == [10, 10]


def test_outside_a_git_repository(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["plan", "--repo", str(tmp_path), "--base", "HEAD"], catch_exceptions=False)
    assert res.exit_code == 2 and "not inside a Git repository" in res.stderr


def test_markdown_fits_a_pull_request_comment(tmp_path: Path) -> None:
    from rolloutlint.plan.report import render_markdown, render_markdown_limited

    repo = Repo(tmp_path)
    names = [f"app{i}" for i in range(12)]
    repo.commit({f"{n}.yaml": [rollout(n), vs(n)] for n in names})
    repo.write({f"{n}.yaml": [rollout(n, image="web:2"), vs(n)] for n in names})
    _, out = plan(repo, "--base", "HEAD")
    full = render_markdown(out)
    limited = render_markdown_limited(out, limit=len(full) - 1)
    assert len(limited) < len(full) and "left out to fit" in limited
    assert all(f"`shop/{n}`" in limited for n in names) and "```mermaid" not in limited


def test_change_the_controller_rejects_halts_the_rollout(repo: Repo) -> None:
    repo.write({"rollout.yaml": [rollout(image="web:2", steps=[{"setWeight": 150}]), vs()]})
    _, out = plan(repo, "--base", "HEAD")
    (entry,) = out["rollouts"]
    assert kinds(entry)[0] == "invalid-spec" and "InvalidSpec" in entry["effects"][0]["message"]
    repo.write({"rollout.yaml": [rollout(image="web:2"), vs()]})  # a valid spec has no such effect
    _, out = plan(repo, "--base", "HEAD")
    assert "invalid-spec" not in kinds(out["rollouts"][0])


def test_base_is_read_as_committed_despite_export_attributes(repo: Repo) -> None:
    (repo.path / ".gitattributes").write_text("rollout.yaml export-ignore\n")
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "attributes")
    _, out = plan(repo, "--base", "HEAD")  # git archive would drop rollout.yaml from the base
    assert out["rollouts"] == [] and out["objects"] == []


def test_manifest_text_cannot_break_the_markdown_table(repo: Repo) -> None:
    repo.write({"rollout.yaml": [rollout(image="web:2`| <b>x</b>"), vs()]})
    _, md = plan(repo, "--base", "HEAD", fmt="markdown")
    (row,) = [line for line in md.splitlines() if "containers[web].image" in line]
    assert row.count(" | ") == 2 and "`web:2'\\| <b>x</b>`" in row
