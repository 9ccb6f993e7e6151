"""`rolloutlint cmp generate`: an Argo CD Config Management Plugin (sidecar, ConfigManagementPlugin v1).

Lints the application's manifests, then prints them on stdout as a YAML stream for Argo CD to apply.
When findings reach the failure threshold (enforce mode) it exits 1 with a short summary on stderr and
prints nothing on stdout, so Argo CD fails manifest generation instead of pruning. Warnings go to stderr.

Settings, highest precedence first: command-line option, plugin parameter (`PARAM_<NAME>`), the
Application's plugin env (`ARGOCD_ENV_ROLLOUTLINT_<NAME>`), the sidecar's env (`ROLLOUTLINT_<NAME>`), the
default. Names: MODE (enforce|warn, default enforce), RENDER (auto|none|kustomize|helm, default auto: Argo
CD's choice, helm with a Chart.yaml, kustomize with a kustomization, else the plain directory), FAIL_ON
(error|warning|info|never, default error or the config's `fail-on`), NAMESPACE (default `$ARGOCD_APP_NAMESPACE`), CONFIG (path relative to the app directory),
INDEX (repo|app, default repo: resolve references against the whole repository); for a plain directory,
RECURSE (true|false, default false), INCLUDE and EXCLUDE (globs), as Argo CD's `directory` source.

The repository root is the app directory minus `$ARGOCD_APP_SOURCE_PATH` (Argo CD sends the whole
repository, usually without `.git`); without that variable the usual project root (nearest
`.rolloutlint.yaml` or `.git`) applies.

The application is a deployment unit built and linted like `lint` builds and lints units (rolloutlint.load.render):
findings on rendered objects point at the base, patch or values line that set them. What is printed is the
engine's own output, byte for byte (a plain build of the directory; see `build.render_project`).

stderr never quotes values from files that hold a `kind: Secret`: findings there show only the rule and
its summary. stdout is the real manifests, Secrets included, because that is what Argo CD applies.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import click

MODES = ("enforce", "warn")
RENDERS = ("auto", "none", "kustomize", "helm")
FAIL_ON = ("error", "warning", "info", "never")
INDEXES = ("repo", "app")
MAX_SUMMARY_LINES = 20  # Argo CD shows stderr of a failed generate in the UI; keep it short
# kustomize/CMP configuration that is YAML with apiVersion/kind but must never reach the cluster.
NOT_APPLIED = frozenset({("kustomize.config.k8s.io", "Kustomization"), ("kustomize.config.k8s.io", "Component"),
                         ("argoproj.io", "ConfigManagementPlugin")})


UNPARSED = frozenset({"RL001", "RL002", "RL005"})  # the file's objects could not all be read


class CmpError(Exception):
    """A problem that fails generation with a message (exit 1)."""


def setting(name: str, explicit: str | None, default: str | None, choices: tuple[str, ...] | None = None) -> str | None:
    """Resolve one setting through the documented precedence chain."""
    env_name = name.upper().replace("-", "_")
    value = explicit
    source = "option"
    if value is None:
        for var in (f"PARAM_{env_name}", f"ARGOCD_ENV_ROLLOUTLINT_{env_name}", f"ROLLOUTLINT_{env_name}"):
            if os.environ.get(var, "").strip():
                value, source = os.environ[var].strip(), var
                break
    if value is None:
        return default
    if choices is not None and value not in choices:
        from rolloutlint.core.config import ConfigError

        raise ConfigError(f"{name}: {value!r} (from {source}) is not one of {', '.join(choices)}")
    return value


def repo_root_for(app_dir: Path) -> Path | None:
    """App directory minus ARGOCD_APP_SOURCE_PATH, when the two agree."""
    source = os.environ.get("ARGOCD_APP_SOURCE_PATH", "").strip().strip("/")
    if not source or source == ".":
        return app_dir if "ARGOCD_APP_SOURCE_PATH" in os.environ else None
    parts = Path(source).parts
    if len(app_dir.parts) <= len(parts) or tuple(app_dir.parts[-len(parts):]) != parts:
        return None
    return app_dir.parents[len(parts) - 1]


def _applied(value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    api, kind = value.get("apiVersion"), value.get("kind")
    if not isinstance(api, str) or not isinstance(kind, str) or not api or not kind:
        return False
    return (api.rpartition("/")[0], kind) not in NOT_APPLIED


def manifests_stream(files: list[Any]) -> tuple[str, int]:
    """The Kubernetes objects of the linted files as one `---`-separated YAML stream, each as written in
    its file (block scalars, comments and quoting intact for Argo CD's diff), and their count."""
    import yaml

    from rolloutlint.load.argocd_directory import document_text

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    parts = [document_text(src, doc) or yaml.dump(doc.value, Dumper=dumper, sort_keys=False, allow_unicode=True)
             for src in files if not src.is_template for doc in src.documents if _applied(doc.value)]
    return "".join(f"---\n{p}" for p in parts), len(parts)


def _count_objects(data: bytes) -> int:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return sum(1 for d in yaml.load_all(data, Loader=loader) if _applied(d))
    except Exception:  # noqa: BLE001 - a syntax error or a scalar its tag rejects (`!!bool maybe`): uncounted
        return 0


_SECRET_RE = re.compile(r"""(?m)(^\s*kind:\s*["']?Secret["']?\s*$|"kind"\s*:\s*"Secret")""")


def _secret_files(files: list[Any]) -> set[str]:
    """Files holding a Secret (parsed, or by text when the file did not parse)."""
    out = set()
    for src in files:
        if any(isinstance(d.value, dict) and d.value.get("kind") == "Secret" for d in src.documents) or \
                (src.text and _SECRET_RE.search(src.text)):
            out.add(src.display)
    return out


def _redact(f: Any, secret_files: set[str]) -> bool:
    """Withhold the message of findings on a Secret, and of file-level findings in a file holding one."""
    if f.resource is not None:
        return f.resource.kind == "Secret"
    return f.location.file in secret_files


def _finding_line(f: Any, redact: bool, known: Any) -> str:
    loc = f.location
    if redact:
        rule = known.get(f.rule)
        text = f"{rule.summary if rule else f.name} (details withheld: the file holds a Secret)"
    else:
        text = f.message
    res = f" [{f.resource.label()}]" if f.resource is not None else ""
    return f"{loc.file}:{loc.line}:{loc.column}: {f.severity.label} {f.rule} {f.name}: {text}{res}"


def _header() -> str:
    app = os.environ.get("ARGOCD_APP_NAME") or "application"
    ns = os.environ.get("ARGOCD_APP_NAMESPACE")
    rev = os.environ.get("ARGOCD_APP_REVISION_SHORT") or (os.environ.get("ARGOCD_APP_REVISION") or "")[:7]
    where = app + (f" (namespace {ns})" if ns else "") + (f" at {rev}" if rev else "")
    return f"rolloutlint: {where}"


def _summary(findings: list[Any], secret_files: set[str], failing: bool, threshold: str, known: Any) -> list[str]:
    active = [f for f in findings if f.suppressed is None]
    counts = {s: sum(1 for f in active if f.severity.label == s) for s in ("error", "warning", "info")}
    head = f"{_header()}: {counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} info"
    if failing:
        if threshold == "unparsable files":
            head += "; failing because some files could not be read (the output would be incomplete)"
        elif threshold == "unrendered":
            head += "; failing because the application could not be rendered (nothing was checked)"
        else:
            head += (f"; failing because of findings at or above {threshold!r} (fix them, suppress them with a "
                     "reason, or set the plugin parameter mode=warn)")
    lines = [head]
    ordered = sorted(active, key=lambda f: (-int(f.severity), f.sort_key()))
    for f in ordered[:MAX_SUMMARY_LINES]:
        lines.append("  " + _finding_line(f, _redact(f, secret_files), known))
    if len(ordered) > MAX_SUMMARY_LINES:
        lines.append(f"  ... and {len(ordered) - MAX_SUMMARY_LINES} more (run `rolloutlint lint` locally for all)")
    return lines


def generate_run(path: str | None, render: str | None, fail_on: str | None, mode: str | None,
                 namespace: str | None, config: str | None, index: str | None, recurse: str | None = None,
                 include: str | None = None, exclude: str | None = None) -> int:
    from rolloutlint import pipeline
    from rolloutlint.cli import EXIT_CLEAN, EXIT_FINDINGS, exit_code
    from rolloutlint.core.config import ConfigError
    from rolloutlint.run.registry import RuleSet

    use_stdin = path == "-"
    app_dir = Path(path if path and not use_stdin else os.getcwd()).resolve()
    if not app_dir.is_dir():
        raise ConfigError(f"application directory does not exist: {path}")
    mode = setting("mode", mode, "enforce", MODES)
    render = setting("render", render, "auto", RENDERS)
    index_scope = setting("index", index, "repo", INDEXES)
    fail_on = setting("fail-on", fail_on, None, FAIL_ON)
    namespace = setting("namespace", namespace, os.environ.get("ARGOCD_APP_NAMESPACE") or None)
    config_rel = setting("config", config, None)
    recursive = setting("recurse", recurse, "false", ("true", "false")) == "true"
    include, exclude = setting("include", include, ""), setting("exclude", exclude, "")

    root = repo_root_for(app_dir)
    config_path: Path | None = None
    if config_rel:
        config_path = (app_dir / config_rel).resolve()
        if not config_path.is_file():
            raise ConfigError(f"config file not found: {config_rel} (relative to the application directory)")
    else:
        for base in (app_dir, root):
            if base is None:
                continue
            cand = next((base / n for n in (".rolloutlint.yaml", ".rolloutlint.yml") if (base / n).is_file()), None)
            if cand is not None:
                config_path = cand
                break
    cfg = str(config_path) if config_path else None

    output: str | bytes
    unit_name: str | None = None
    if use_stdin:
        data = sys.stdin.buffer.read()
        # A rendered stream is the whole application: index it alone (the sources would be duplicates).
        project = pipeline.load_project(["-"], cwd=app_dir, stdin=data, whole_root=False, config_path=cfg,
                                        namespace=namespace)
        output, objects = data, _count_objects(data)
    else:
        # The application is a deployment unit, rendered and linted through the same code as `lint` (findings on
        # rendered objects point at the base, patch or values line); the plugin prints the engine's own output.
        from rolloutlint.load.render.units import detect_tool, plugin_unit

        tool = {"none": "directory", "kustomize": "kustomize", "helm": "helm"}.get(render or "auto") or \
            detect_tool(app_dir, {})
        options = {"directory": {"recurse": recursive, "include": include or "", "exclude": exclude or ""}} \
            if tool == "directory" else {}
        unit = plugin_unit(app_dir, tool, os.environ.get("ARGOCD_APP_NAME") or app_dir.name, namespace, options)
        unit_name = unit.name
        whole = index_scope == "repo"
        target = root if whole and root is not None else app_dir
        # Paths relative to the repository root: findings often lie in a base or chart outside the app directory.
        project = pipeline.load_project([str(target)], cwd=root or app_dir, config_path=cfg, namespace=namespace,
                                        whole_root=whole, focus=unit)
        rendered = project.rendered
        reads = rendered.unit_inputs.get(unit.name, set())
        project.report_files = set(reads)
        if tool == "directory":
            output, objects = manifests_stream([f for f in project.files if f.path in reads])
        elif unit.name in rendered.failed:
            engine = rendered.engines.kustomize if tool == "kustomize" else rendered.engines.helm
            if engine is None:
                raise CmpError(f"render={tool} needs " + ("`kustomize` or `kubectl`" if tool == "kustomize" else "`helm`")
                               + " on PATH in the plugin sidecar, or `pip install rolloutlint[render]`; none is installed "
                               "(add one to the image, or set the plugin parameter render=none)")
            output, objects = b"", 0  # RL008 fails generation below, with the engine's message and its place
        elif isinstance(rendered.output, Exception) or rendered.output is None:
            raise CmpError(f"{tool} failed: {rendered.output}")
        else:
            output, objects = rendered.output, _count_objects(rendered.output)
    findings = pipeline.lint_project(project).findings  # the configuration's baseline applies
    if unit_name is not None:  # a base other units share: only this application's rendering of it
        findings = [f for f in findings if not f.units or unit_name in f.units]
    threshold = fail_on or project.config.fail_on
    # A file that did not parse would be missing from the output, and a unit that did not render was not
    # checked: never return a partial or unchecked set, even in warn mode.
    unrendered = unit_name is not None and unit_name in project.rendered.failed
    unparsed = any(f.rule in UNPARSED and f.suppressed is None for f in findings) or unrendered
    failing = unparsed or (mode == "enforce" and exit_code(findings, threshold) == EXIT_FINDINGS)
    secret_files = _secret_files(project.files)
    lines = _summary(findings, secret_files, failing,
                     "unrendered" if unrendered else "unparsable files" if unparsed else threshold,
                     RuleSet(project.config.policy_rules))
    if failing:
        click.echo("\n".join(lines), err=True)
        return EXIT_FINDINGS
    if objects == 0:
        click.echo(f"{_header()}: no Kubernetes manifests found in {os.environ.get('ARGOCD_APP_SOURCE_PATH') or app_dir.name}; "
                   "refusing to return an empty set (Argo CD would prune every resource of the application)", err=True)
        return EXIT_FINDINGS
    if any(f.suppressed is None for f in findings):
        click.echo("\n".join(lines), err=True)
    if isinstance(output, bytes):  # the engine's bytes, unchanged
        sys.stdout.flush()
        sys.stdout.buffer.write(output)
        sys.stdout.buffer.flush()
    else:
        sys.stdout.write(output if output.endswith("\n") or not output else output + "\n")
        sys.stdout.flush()
    return EXIT_CLEAN


@click.group("cmp")
def cmp() -> None:
    """Argo CD Config Management Plugin commands (see docs/argocd-plugin.md)."""


@cmp.command("generate")
@click.argument("path", required=False, type=click.Path(file_okay=False, allow_dash=True))
@click.option("--render", type=click.Choice(RENDERS), default=None,
              help="How to build the manifests (default auto: helm with a Chart.yaml, kustomize with a kustomization, else "
                   "the plain directory) [PARAM_RENDER].")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="Lowest severity that fails generation (default: config `fail-on`, else error) [PARAM_FAIL_ON].")
@click.option("--mode", type=click.Choice(MODES), default=None,
              help="enforce: fail generation on findings; warn: report on stderr only [PARAM_MODE].")
@click.option("--namespace", "-n", default=None, help="Namespace for objects without one (default $ARGOCD_APP_NAMESPACE).")
@click.option("--config", "config", default=None, help="Config file relative to the app directory [PARAM_CONFIG].")
@click.option("--index", type=click.Choice(INDEXES), default=None,
              help="repo: resolve references across the whole repository; app: only this directory [PARAM_INDEX].")
@click.option("--recurse", type=click.Choice(("true", "false")), default=None,
              help="Plain directory: also deploy subdirectories, as Argo CD's directory.recurse (default false) "
                   "[PARAM_RECURSE].")
@click.option("--include", default=None, help="Plain directory: only files matching this glob [PARAM_INCLUDE].")
@click.option("--exclude", default=None, help="Plain directory: skip files matching this glob [PARAM_EXCLUDE].")
@click.option("--debug", is_flag=True, help="Show tracebacks for internal errors.")
def generate(path: str | None, render: str | None, fail_on: str | None, mode: str | None, namespace: str | None,
             config: str | None, index: str | None, recurse: str | None, include: str | None, exclude: str | None,
             debug: bool) -> None:
    """Lint an application and print its manifests for Argo CD.

    PATH is the application directory (default: the current directory, where Argo CD runs the plugin);
    `-` reads an already rendered stream from stdin. When findings reach --fail-on, print nothing and
    exit 1 with a short summary on stderr."""
    from rolloutlint.cli import run_guarded

    def guarded() -> int:
        try:
            return generate_run(path, render, fail_on, mode, namespace, config, index, recurse, include, exclude)
        except CmpError as exc:
            click.echo(f"{_header()}: {exc}", err=True)
            return 1

    sys.exit(run_guarded(debug, guarded))
