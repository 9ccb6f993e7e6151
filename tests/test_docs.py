"""The documentation works when pasted: every command and snippet in README.md, docs/ and the examples'
READMEs is extracted and checked.

- `console` blocks: each `$ command` runs, and the lines shown after it must appear in its output, in
  order (`...` stands for lines left out).
- `sh` blocks: the commands that run offline (rolloutlint itself, heredocs, cd, echo) run in one shell
  per block, in a scratch copy of the examples; lines `#   text` right after a command are its expected
  output. Installing (`pip`, `docker`, `kubectl`, `pre-commit`, `git`) is not run; those commands are
  checked for what would break them instead (no unpublished package name, no missing release tag).
- `yaml`/`json` blocks parse; configuration, pre-commit, workflow and plugin snippets are checked against
  the real schema, `pre-commit validate-config`, action.yml and plugin.yaml.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
# docs/rules.md is generated from rules/*/ whose examples run in test_rule_examples (some are invalid on purpose).
DOCS = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").glob("*.md") if p.name != "rules.md"),
        *sorted((ROOT / "examples").glob("**/README.md"))]
FENCE = re.compile(r"^```([A-Za-z]*)[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
OFFLINE = {"rolloutlint", "cat", "cd", "echo", "printf", "mkdir"}
NOT_RUN = {"pip", "python", "python3", "docker", "kubectl", "pre-commit", "git", "helm", "kustomize"}
ENV_ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=\S*$")


@dataclass
class Block:
    doc: Path
    line: int
    lang: str
    text: str

    @property
    def id(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def _blocks() -> list[Block]:
    out = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for m in FENCE.finditer(text):
            out.append(Block(doc, text.count("\n", 0, m.start()) + 1, m.group(1).lower(), m.group(2)))
    return out


BLOCKS = _blocks()


def _of(*langs: str) -> list[Block]:
    return [b for b in BLOCKS if b.lang in langs]


# ----------------------------------------------------------------------------------------- commands

@dataclass
class Command:
    text: str  # with continuation lines and heredoc bodies
    expected: list[str]

    @property
    def needs_history(self) -> bool:
        """`rolloutlint plan` compares Git revisions the scratch copy does not have (tests/plan runs it on
        repositories with a history)."""
        return self.text.split()[:2] == ["rolloutlint", "plan"]

    @property
    def program(self) -> str:
        words = [w for w in self.text.split() if w != "\\"]
        while words and ENV_ASSIGNMENT.match(words[0]):
            words = words[1:]
        return words[0] if words else ""


def _split_commands(lines: list[str], console: bool) -> list[Command]:
    """Commands of a block with what is shown after them (console: following lines; sh: `#   ` comments)."""
    cmds: list[Command] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if console and not line.startswith("$ "):
            if cmds and not line.strip().startswith("#"):
                cmds[-1].expected.append(line)
            i += 1
            continue
        body = line[2:] if console else line
        if not body.strip() or body.lstrip().startswith("#"):
            if cmds and not console and body.startswith("#   "):
                cmds[-1].expected.append(body[4:])
            i += 1
            continue
        text = body
        while text.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            text += "\n" + lines[i]
        heredoc = re.search(r"<<-?'?(\w+)'?", text)
        if heredoc:
            while i + 1 < len(lines):
                i += 1
                text += "\n" + lines[i]
                if lines[i].strip() == heredoc.group(1):
                    break
        cmds.append(Command(text, []))
        i += 1
    return cmds


def _scratch(tmp_path: Path) -> Path:
    """A copy of what the documented commands read, so `--fix` or a heredoc cannot touch the repository."""
    work = tmp_path / "work"
    shutil.copytree(ROOT / "examples", work / "examples")
    shutil.copy(ROOT / ".rolloutlint.yaml", work / ".rolloutlint.yaml")
    return work


def _run_block(cmds: list[Command], cwd: Path) -> list[tuple[int, str]]:
    """Run the commands in one bash, returning each one's exit code and combined output."""
    script = []
    for n, cmd in enumerate(cmds):
        script += [f"printf '\\n@@begin {n}@@\\n'", cmd.text, f"printf '\\n@@rc {n} %s@@\\n' $?"]
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
           "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("GITHUB_ACTIONS", None)
    proc = subprocess.run(["bash", "-c", "\n".join(script) + "\n"], cwd=cwd, env=env, capture_output=True, text=True, check=False,
                          timeout=300, stdin=subprocess.DEVNULL)
    out = proc.stdout + proc.stderr
    results = []
    for n in range(len(cmds)):
        m = re.search(rf"@@begin {n}@@\n(.*?)\n?@@rc {n} (\d+)@@", out, re.DOTALL)
        assert m, f"command {n} did not finish:\n{out}"
        results.append((int(m.group(2)), m.group(1)))
    return results


def _contains_in_order(actual: str, expected: list[str]) -> str | None:
    """None when every expected line (whitespace-normalised; `...` skips) appears in order, else the first missing."""
    norm = [" ".join(line.split()) for line in actual.splitlines()]
    pos = 0
    for want in expected:
        want = " ".join(want.split())
        if not want or want == "...":
            continue
        while pos < len(norm) and norm[pos] != want:
            pos += 1
        if pos == len(norm):
            return want
        pos += 1
    return None


RUNNABLE = [b for b in _of("console", "sh", "bash") if any(
    c.program in OFFLINE and not c.needs_history for c in _split_commands(b.text.splitlines(), b.lang == "console"))]


@pytest.mark.parametrize("block", RUNNABLE, ids=[b.id for b in RUNNABLE])
def test_documented_commands_run(block: Block, tmp_path: Path) -> None:
    cmds = [c for c in _split_commands(block.text.splitlines(), block.lang == "console")
            if c.program in OFFLINE and not c.needs_history]
    results = _run_block(cmds, _scratch(tmp_path))
    for cmd, (rc, out) in zip(cmds, results):
        # 0 and 1 are outcomes (findings, a failed analysis); 2 and 3 mean the documented command is wrong.
        assert rc in (0, 1), f"{block.id}: `{cmd.text}` exited {rc}:\n{out}"
        missing = _contains_in_order(out, cmd.expected)
        assert missing is None, f"{block.id}: `{cmd.text}` did not print {missing!r}; it printed:\n{out}"


PLACEHOLDER = re.compile(r"[\[<|…]|\.\.\.|\b[A-Z]{2,}\b")
OUTPUT_OPTIONS = {"-o", "--output", "--write-baseline"}


def _inline_commands() -> list[tuple[str, str]]:
    """`rolloutlint …` in running text, when concrete: no placeholders, every named input file exists."""
    out = []
    for doc in DOCS:
        for cmd in re.findall(r"`(rolloutlint [^`]+)`", FENCE.sub("", doc.read_text(encoding="utf-8"))):
            words = cmd.split()
            # cmp needs Argo CD's environment (run in a block); plan a Git history (tests/plan)
            if PLACEHOLDER.search(cmd) or words[1] in ("cmp", "plan"):
                continue
            named = [w for prev, w in itertools.pairwise(words) if prev not in OUTPUT_OPTIONS and w.endswith((".yaml", ".json"))]
            if all((ROOT / w).exists() for w in named) and cmd not in {c for _, c in out}:
                out.append((f"{doc.relative_to(ROOT)}: {cmd}", cmd))
    return out


INLINE = _inline_commands()


@pytest.mark.parametrize(("where", "cmd"), INLINE, ids=[w for w, _ in INLINE])
def test_inline_commands_run(where: str, cmd: str, tmp_path: Path) -> None:
    ((rc, out),) = _run_block([Command(cmd, [])], _scratch(tmp_path))
    assert rc in (0, 1), f"{where} exited {rc}:\n{out}"


def test_every_runnable_command_is_exercised() -> None:
    """Commands not run must be installs or cluster operations, never something skipped by accident."""
    for block in _of("console", "sh", "bash"):
        for cmd in _split_commands(block.text.splitlines(), block.lang == "console"):
            assert cmd.program in OFFLINE | NOT_RUN, f"{block.id}: no rule for `{cmd.text}`"


def test_readme_quick_start_output_is_what_the_example_prints() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme[readme.index("## Quick start"):readme.index("## Commands")]
    assert "$ rolloutlint lint examples/bookinfo\n" in quick  # checked by test_documented_commands_run


# ----------------------------------------------------------------------------------------- install texts

def test_no_unpublished_package_or_missing_tag() -> None:
    tags = set(subprocess.run(["git", "tag"], cwd=ROOT, capture_output=True, text=True, check=False).stdout.split()) \
        if (ROOT / ".git").exists() else set()
    for doc in [*DOCS, ROOT / "cmp.Dockerfile", ROOT / "action.yml"]:
        text = doc.read_text(encoding="utf-8")
        # rolloutlint is not on PyPI: `pip install rolloutlint` would install whatever a stranger publishes.
        assert not re.search(r"pip install (--\S+ )*rolloutlint\b", text), doc
        for ref in re.findall(r"(?:rev:\s*|rolloutlint/rolloutlint@)(v\d[\w.]*)", text):
            assert ref in tags, f"{doc.name} references tag {ref}, which does not exist"


def test_dockerfile_in_docs_is_the_shipped_one() -> None:
    shipped = (ROOT / "cmp.Dockerfile").read_text(encoding="utf-8")
    (block,) = [b for b in BLOCKS if b.lang == "dockerfile"]
    assert block.text == shipped
    for src in re.findall(r"^COPY (?!--from)(.+) \S+$", shipped, re.MULTILINE):
        for part in src.split():
            assert (ROOT / part).exists(), part
    assert "pip install --no-cache-dir /src" in shipped


# ----------------------------------------------------------------------------------------- snippets

YAMLS = _of("yaml", "yml")


@pytest.mark.parametrize("block", YAMLS, ids=[b.id for b in YAMLS])
def test_yaml_snippets_parse(block: Block) -> None:
    docs = list(yaml.safe_load_all(block.text))
    assert docs and any(d is not None for d in docs), block.id


def test_json_snippets_parse() -> None:
    for block in _of("json"):
        json.loads(block.text)


def _tagged(first_line: str) -> list[Block]:
    return [b for b in YAMLS if b.text.startswith(first_line)]


def test_configuration_snippets_are_valid() -> None:
    from rolloutlint.config import validate_config

    configs = [b for b in YAMLS if re.match(r"(select|fail-on|exclude|istio|policies):", b.text)]
    assert configs, "expected the README's .rolloutlint.yaml example"
    for block in configs:
        assert validate_config(yaml.safe_load(block.text)) == [], block.id


def test_pre_commit_snippets_are_valid(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit")
    hooks = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    blocks = _tagged("# .pre-commit-config.yaml")
    assert len(blocks) >= 2
    for n, block in enumerate(blocks):
        cfg = yaml.safe_load(block.text)
        assert {h["id"] for r in cfg["repos"] for h in r["hooks"]} <= hooks, block.id
        path = tmp_path / f"c{n}.yaml"
        path.write_text(block.text)
        proc = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", str(path)],
                              capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0, f"{block.id}: {proc.stdout}{proc.stderr}"


def test_workflow_snippets_use_real_action_inputs_and_outputs() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    blocks = _tagged("# .github/workflows/")
    assert len(blocks) >= 2
    for block in blocks:
        wf = yaml.safe_load(block.text)
        steps = [s for job in wf["jobs"].values() for s in job["steps"]]
        ours = [s for s in steps if str(s.get("uses", "")).startswith("rolloutlint/rolloutlint@")]
        assert len(ours) == 1, block.id
        assert set(ours[0].get("with") or {}) <= set(action["inputs"]), block.id
        for output in re.findall(rf"steps\.{ours[0]['id']}\.outputs\.([\w-]+)", block.text):
            assert output in action["outputs"], (block.id, output)


def test_plugin_snippets_name_the_real_plugin_and_parameters() -> None:
    plugin = yaml.safe_load((ROOT / "plugin.yaml").read_text())
    name = f"{plugin['metadata']['name']}-{plugin['spec']['version']}"
    params = {p["name"] for p in plugin["spec"]["parameters"]["static"]}
    found = 0
    for block in YAMLS:
        for doc in yaml.safe_load_all(block.text):
            source = ((doc or {}).get("spec") or {}).get("source") if isinstance(doc, dict) else None
            if isinstance(source, dict) and "plugin" in source:
                found += 1
                assert source["plugin"]["name"] == name, block.id
                assert {p["name"] for p in source["plugin"].get("parameters") or []} <= params, block.id
    assert found >= 2


# ----------------------------------------------------------------------------------------- links

@pytest.mark.parametrize("doc", DOCS, ids=[str(d.relative_to(ROOT)) for d in DOCS])
def test_relative_links_resolve(doc: Path) -> None:
    text = FENCE.sub("", doc.read_text(encoding="utf-8"))
    for target in re.findall(r"\]\(([^)\s#]+)(?:#[^)]*)?\)", text):
        if "://" in target or target.startswith("mailto:"):
            continue
        assert (doc.parent / target).exists(), f"{doc.relative_to(ROOT)}: broken link {target}"
