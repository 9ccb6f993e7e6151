"""A finding's related locations are shown in the same path form as the finding itself (issue 17), however
the files were named: an absolute path, a relative one, `.`, a subdirectory, from a subdirectory (`..`, a
file), or from outside the project. Rendered units add related locations of their own (the Application,
the overlay's kustomization), which must follow the same form. Checked in the text, JSON and SARIF outputs."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from rolloutlint.cli import cli
from rolloutlint.load.render.engines import find_engines

ROOT = Path(__file__).resolve().parents[1]
TEXT_PRIMARY = re.compile(r"^(\S.*?):\d+:\d+: (?:error|warning|info) RL\d{3} ", re.MULTILINE)
TEXT_NOTE = re.compile(r"^    (\S.*?):\d+:\d+: note: ", re.MULTILINE)


def _bookinfo(tmp: Path) -> Path:
    """bookinfo with the Rollout's route renamed in the VirtualService and a mistyped service-name: RL303 and
    RL436 in reviews/rollout.yaml, related to the Istio and analysis files and to the Application."""
    root = tmp / "bookinfo"
    shutil.copytree(ROOT / "examples" / "bookinfo", root)
    for file, old, new in (("reviews/istio.yaml", "- name: primary", "- name: primary-v2"),
                           ("reviews/rollout.yaml", "canary|reviews|", "canary|reviewz|")):
        path = root / file
        path.write_text(path.read_text().replace(old, new, 1))
    return root


def _overlays(tmp: Path) -> Path:
    if find_engines("auto", "auto").kustomize is None:
        pytest.skip("no kustomize engine installed")
    root = tmp / "overlays"
    shutil.copytree(ROOT / "tests" / "fixtures" / "render" / "overlays", root)
    return root


# (working directory relative to the project root, or None for a directory outside it; path argument, where
# "{root}" is the project's absolute path)
FORMS = [
    (".", "{root}"),
    (".", "."),
    (".", "{sub}"),
    (".", "{root}/{sub}"),
    ("{sub}", ".."),
    ("{sub}", "."),
    ("{sub}", "{root}"),
    (None, "{root}"),
]


def _run(cwd: Path, arg: str, fmt: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(cwd)  # SARIF's SRCROOT and the CLI's display paths both follow the working directory
    res = CliRunner().invoke(cli, ["lint", "-f", fmt, arg])
    assert res.exit_code == 1, res.output
    return res.output


def _same_form(files: list[str], where: str) -> None:
    assert files, f"{where}: no findings"
    forms = {Path(f).is_absolute() for f in files}
    assert len(forms) == 1, f"{where}: mixed absolute and relative paths: {sorted(set(files))}"


@pytest.mark.parametrize("fixture", ["bookinfo", "overlays"])
@pytest.mark.parametrize(("where", "arg"), FORMS)
def test_related_paths_have_the_primary_form(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fixture: str,
                                             where: str | None, arg: str) -> None:
    root = (_bookinfo if fixture == "bookinfo" else _overlays)(tmp_path).resolve()
    sub = "reviews" if fixture == "bookinfo" else "prod"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    cwd = outside if where is None else root / where.format(sub=sub)
    arg = arg.format(root=root, sub=sub)
    label = f"{fixture}: lint {arg} in {cwd}"

    # JSON: every file named by a finding and its related locations, resolved against the working directory
    doc = json.loads(_run(cwd, arg, "json", monkeypatch))
    resolved: set[Path] = set()
    related_seen = False
    for f in doc["findings"]:
        files = [f["file"]] + [r["file"] for r in f["related"] if r.get("file")]
        related_seen = related_seen or len(files) > 1
        _same_form(files, f"{label} (json, {f['rule']})")
        resolved.update((cwd / p).resolve() for p in files)
    assert related_seen, label
    assert all(p.is_file() and root in p.parents for p in resolved), label  # the form changes, never the file

    # text: the finding lines and their notes
    text = _run(cwd, arg, "text", monkeypatch)
    shown = TEXT_PRIMARY.findall(text) + TEXT_NOTE.findall(text)
    assert TEXT_NOTE.findall(text), label
    _same_form(shown, f"{label} (text)")
    assert {(cwd / p).resolve() for p in shown} <= resolved, label

    # SARIF: every artifact location is relative to SRCROOT, or every one is an absolute file: URI
    run = json.loads(_run(cwd, arg, "sarif", monkeypatch))["runs"][0]
    artifacts = [loc["physicalLocation"]["artifactLocation"] for res in run["results"]
                 for loc in res["locations"] + res.get("relatedLocations", []) if "physicalLocation" in loc]
    assert len(artifacts) > len(run["results"]), label
    kinds = {("SRCROOT" if a.get("uriBaseId") else "absolute") for a in artifacts}
    assert len(kinds) == 1, f"{label} (sarif): {artifacts}"
