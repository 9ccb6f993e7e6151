"""pre-commit: the hook manifest, correctness when pre-commit splits the file list, and the hook run for real
with `pre-commit try-repo`, offline.

Offline install: pre-commit builds a virtualenv for the hook repository and runs `pip install .` in it,
which needs the build backend (hatchling) and the runtime dependencies as wheels. The test builds a
wheelhouse without the network by re-packing the distributions installed in the running interpreter
(a wheel is a zip of the installed files plus regenerated RECORD), then runs pre-commit with
PIP_NO_INDEX=1 and PIP_FIND_LINKS=<wheelhouse>. A distribution that is not installed (typically hatchling)
is fetched once with `pip download` from whatever index pip is configured with; if that fails too, the
try-repo test is skipped with the reason. Install hatchling in the test environment to make it fully
offline (`pip install hatchling`).
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata as md
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from rolloutlint.cli import cli
from tests.integrations.helpers import CONFIG, rollout, write_tree

REPO = Path(__file__).resolve().parents[2]
BUILD_BACKEND = ["hatchling"]


def test_manifest() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    main = hooks["rolloutlint"]
    assert main["entry"] == "rolloutlint lint" and main["language"] == "python"
    assert main["types_or"] == ["yaml", "json"] and main["require_serial"] is True
    assert main.get("pass_filenames", True) is True
    whole = hooks["rolloutlint-all"]
    assert whole["pass_filenames"] is False and whole["always_run"] is True


def test_manifest_validates_with_pre_commit() -> None:
    pytest.importorskip("pre_commit")
    proc = subprocess.run([sys.executable, "-m", "pre_commit", "validate-manifest", str(REPO / ".pre-commit-hooks.yaml")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- split file lists -------------------------------------------------------------------------------------

def _lint_json(root: Path, files: list[str]) -> tuple[int, list[tuple[str, int, str, str]]]:
    res = CliRunner().invoke(cli, ["lint", "-f", "json", *files])
    assert res.exit_code in (0, 1), res.output
    doc = json.loads(res.output)
    return res.exit_code, [(f["file"], f["line"], f["rule"], f["message"]) for f in doc["findings"]]


def test_split_file_lists_give_the_same_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {f"apps/app{i}/rollout.yaml": rollout(name=f"app{i}", extra="bogus: 1\n" if i % 3 == 0 else "")
             for i in range(9)}
    files["apps/app4/extra.yaml"] = rollout(name="x4").replace("replicas: 5", 'replicas: "5"')
    files["apps/app7/bad.json"] = '{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": 1}}'
    files["apps/app8/broken.yaml"] = "a: [\n"
    root = write_tree(tmp_path, files)
    monkeypatch.chdir(root)
    names = sorted(files)
    code_all, whole = _lint_json(root, names)
    half = len(names) // 2
    code_a, first = _lint_json(root, names[:half])
    code_b, second = _lint_json(root, names[half:])
    assert whole, "fixture should produce findings"
    assert sorted(first + second) == sorted(whole)  # disjoint union: nothing lost, nothing duplicated
    assert not set(first) & set(second)
    assert max(code_a, code_b) == code_all
    # every finding is reported on one of the files that were passed
    assert {f[0] for f in first} <= set(names[:half]) and {f[0] for f in second} <= set(names[half:])


# --- pre-commit try-repo, offline ---------------------------------------------------------------------------

def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _closure(roots: list[str]) -> tuple[list[md.Distribution], list[str]]:
    """Installed distributions needed by `roots` (transitively), and the names that are not installed."""
    seen: set[str] = set()
    found: list[md.Distribution] = []
    missing: list[str] = []
    todo = list(roots)
    while todo:
        name = _norm(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            missing.append(name)
            continue
        found.append(dist)
        for req in dist.requires or []:
            spec, _, marker = req.partition(";")
            if "extra" in marker:
                continue
            if marker.strip():
                try:
                    from packaging.markers import Marker

                    if not Marker(marker.strip()).evaluate():
                        continue
                except Exception:  # noqa: BLE001, S110 - best effort: a marker packaging cannot read keeps the requirement
                    pass
            m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
            if m:
                todo.append(m.group(1))
    return found, missing


def _repack(dist: md.Distribution, dest: Path) -> Path | None:
    """Write an installed (non-editable) distribution back out as a wheel."""
    if dist.read_text("direct_url.json") and '"editable": true' in (dist.read_text("direct_url.json") or ""):
        return None
    wheel_meta = dist.read_text("WHEEL")
    files = dist.files
    if not wheel_meta or not files:
        return None
    tags = [ln.split(":", 1)[1].strip() for ln in wheel_meta.splitlines() if ln.startswith("Tag:")]
    if not tags:
        return None
    parts = [t.split("-") for t in tags]
    tag = "-".join(".".join(sorted({p[i] for p in parts})) for i in range(3))
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"])
    target = dest / f"{name}-{dist.version}-{tag}.whl"
    record_lines = []
    dist_info = None
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in files:
            rel = f.as_posix()
            if rel.startswith("..") or rel.endswith(".pyc") or "__pycache__" in rel:
                continue
            if rel.endswith((".dist-info/RECORD", ".dist-info/INSTALLER", ".dist-info/REQUESTED", ".dist-info/direct_url.json")):
                if rel.endswith("/RECORD"):
                    dist_info = rel.rsplit("/", 1)[0]
                continue
            src = Path(str(dist.locate_file(f)))
            if not src.is_file():
                continue
            data = src.read_bytes()
            zf.writestr(rel, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record_lines.append(f"{rel},sha256={digest},{len(data)}")
        if dist_info is None:
            return None
        record_lines.append(f"{dist_info}/RECORD,,")
        zf.writestr(f"{dist_info}/RECORD", "\n".join(record_lines) + "\n")
    return target


def _build_wheelhouse(dest: Path) -> str | None:
    """Fill `dest`; return None on success or the reason it could not be done."""
    dest.mkdir(parents=True, exist_ok=True)
    runtime = [r for r in (md.distribution("rolloutlint").requires or []) if "extra ==" not in r]
    names = [re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", r).group(1) for r in runtime]  # type: ignore[union-attr]
    dists, missing = _closure(names + BUILD_BACKEND)
    for dist in dists:
        if _repack(dist, dest) is None:
            missing.append(_norm(dist.metadata["Name"]))
    if missing:
        # Not installed here (usually the build backend): one `pip download`, from the configured index.
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "-d", str(dest),
                               *sorted(set(missing))], capture_output=True, text=True, timeout=300, check=False)
        if proc.returncode != 0:
            return f"cannot obtain wheels for {', '.join(sorted(set(missing)))} offline or from an index: {proc.stderr.strip()[-300:]}"
    return None


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, timeout=60)


def offline_hook_repository(base: Path, what: str) -> tuple[dict[str, str], Path]:
    """(environment, hook repository): this checkout's package files committed in a throw-away git repo
    (pre-commit clones it; a working tree may have uncommitted files), and an environment in which
    pre-commit installs the hook from a local wheelhouse, offline. Skips when that cannot be done."""
    if os.environ.get("ROLLOUTLINT_SKIP_PRECOMMIT"):
        pytest.skip(f"ROLLOUTLINT_SKIP_PRECOMMIT is set (the {what} builds a virtualenv: ~1-2 min)")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    pytest.importorskip("pre_commit")
    wheelhouse = base / "wheelhouse"
    reason = _build_wheelhouse(wheelhouse)
    if reason:
        pytest.skip(reason)
    hook_repo = base / "hook-repo"
    hook_repo.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "_data")
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(REPO / name, hook_repo / name)
    for name in ("rolloutlint", "schemas", "rules"):
        shutil.copytree(REPO / name, hook_repo / name, ignore=ignore)
    _git(hook_repo, "init", "-q")
    _git(hook_repo, "add", "-A")
    _git(hook_repo, "commit", "-q", "-m", "hook repo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV", "PRE_COMMIT", "GITHUB_"))}
    env.update({"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheelhouse), "PIP_DISABLE_PIP_VERSION_CHECK": "1",
                "PRE_COMMIT_HOME": str(base / "cache"), "PIP_CONFIG_FILE": os.devnull, "VIRTUALENV_NO_DOWNLOAD": "1"})
    return env, hook_repo


@pytest.fixture(scope="module")
def hook_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env, hook_repo = offline_hook_repository(tmp_path_factory.mktemp("precommit"), "try-repo test")
    return {**env, "HOOK_REPO": str(hook_repo)}


def _try_repo(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", env["HOOK_REPO"], "--verbose", *args],
                          cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = write_tree(tmp_path / "project", {
        "apps/good/rollout.yaml": rollout(name="good"),
        "apps/bad/rollout.yaml": rollout(name="bad", extra="bogus: 1\n"),
        "README.md": "# not yaml\n",
    }, config=CONFIG)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    return root


def test_try_repo_offline(project: Path, hook_env: dict[str, str]) -> None:
    """One real run (try-repo builds the hook's virtualenv in a fresh store every time, so each run costs
    a full install): both hooks at once, on a commit touching a good manifest and a Markdown file."""
    proc = _try_repo(project, hook_env, "--files", "apps/good/rollout.yaml", "README.md")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    per_file, whole = out.split("rolloutlint (whole repository)", 1)
    # the per-file hook gets the manifest only (types_or: yaml, json drops README.md) and passes
    assert "Passed" in per_file and "No problems found in 1 file(s)" in per_file, out
    # the whole-repository hook runs without file names and sees the bad file
    assert "Failed" in whole and "apps/bad/rollout.yaml:20:7: error RL010" in whole, out
