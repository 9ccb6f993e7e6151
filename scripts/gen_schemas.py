#!/usr/bin/env python3
"""Generate rolloutlint's JSON Schemas from upstream CRDs.

Reads Kubernetes CRDs (structural OpenAPI v3 schemas) and one JSON schema from
``--upstream`` and writes compact, description-free JSON Schemas (draft 2020-12)
plus ``catalog.json`` into ``--out``.  Output is deterministic: same input, same bytes.

    python scripts/gen_schemas.py [--upstream ../shared/upstream] [--out schemas]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_UPSTREAM = REPO_ROOT.parent / "shared" / "upstream"
DEFAULT_OUT = REPO_ROOT / "schemas"
DRAFT = "https://json-schema.org/draft/2020-12/schema"
SELF = "scripts/gen_schemas.py"

# (upstream path relative to --upstream, expected kind); every served version is emitted.
CRD_SOURCES: list[tuple[str, str]] = [
    ("argo-rollouts/crds/rollout-crd.yaml", "Rollout"),
    ("argo-rollouts/crds/analysis-template-crd.yaml", "AnalysisTemplate"),
    ("argo-rollouts/crds/cluster-analysis-template-crd.yaml", "ClusterAnalysisTemplate"),
    ("argo-rollouts/crds/analysis-run-crd.yaml", "AnalysisRun"),
    ("argo-rollouts/crds/experiment-crd.yaml", "Experiment"),
    ("istio/crds/virtualservice.networking.istio.io.yaml", "VirtualService"),
    ("istio/crds/destinationrule.networking.istio.io.yaml", "DestinationRule"),
    ("istio/crds/gateway.networking.istio.io.yaml", "Gateway"),
    ("istio/crds/serviceentry.networking.istio.io.yaml", "ServiceEntry"),
]
# (upstream path, group, version, kind) for sources that are already JSON Schema.
JSON_SOURCES: list[tuple[str, str, str, str]] = [
    ("crd-schemas/argoproj.io/application_v1alpha1.json", "argoproj.io", "v1alpha1", "Application"),
]

# JSON-Schema keywords carried over; everything else (description, default, format,
# x-kubernetes-*, example, ...) is dropped.
KEPT_SCALARS = (
    "type", "enum", "required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "multipleOf", "pattern", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems",
    "minProperties", "maxProperties",
)
COMBINATORS = ("anyOf", "oneOf", "allOf")
INT_OR_STRING = [{"type": "integer"}, {"type": "string"}]

STRING_MAP: dict[str, Any] = {"type": ["object", "null"], "additionalProperties": {"type": "string"}}
# Compact ObjectMeta: the fields rolloutlint reads are typed, everything else is allowed
# (server-populated fields like uid/resourceVersion show up in exported manifests).
OBJECT_META: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "generateName": {"type": "string"},
        "namespace": {"type": "string"},
        "labels": STRING_MAP,
        "annotations": STRING_MAP,
        "finalizers": {"type": ["array", "null"], "items": {"type": "string"}},
        "ownerReferences": {"type": ["array", "null"], "items": {"type": "object"}},
    },
    "additionalProperties": True,
}
OPEN_STATUS: dict[str, Any] = {"type": ["object", "null"]}


# ---------------------------------------------------------------- conversion


def _nullable(out: dict[str, Any]) -> None:
    """OpenAPI `nullable: true` → JSON Schema: add "null" to type (and enum)."""
    t = out.get("type")
    if t is not None:
        types = t if isinstance(t, list) else [t]
        if "null" not in types:
            out["type"] = [*types, "null"]
    if "enum" in out and None not in out["enum"]:
        out["enum"] = [*out["enum"], None]


def convert(node: dict[str, Any], skeleton: bool = True) -> dict[str, Any]:
    """Convert one structural-schema node to JSON Schema.

    ``skeleton`` is False inside anyOf/oneOf/allOf/not: those only add value
    constraints in Kubernetes, so they must not close objects.
    """
    out: dict[str, Any] = {k: node[k] for k in KEPT_SCALARS if k in node}
    if "properties" in node:
        out["properties"] = {k: convert(v, skeleton) for k, v in node["properties"].items()}
    if "items" in node and isinstance(node["items"], dict):
        out["items"] = convert(node["items"], skeleton)
    ap = node.get("additionalProperties")
    if isinstance(ap, dict):
        out["additionalProperties"] = convert(ap, skeleton)
    elif isinstance(ap, bool):
        out["additionalProperties"] = ap
    int_or_string = node.get("x-kubernetes-int-or-string") is True
    for comb in COMBINATORS:
        if comb not in node:
            continue
        subs = [convert(s, False) for s in node[comb]]
        if int_or_string and comb == "anyOf" and subs == INT_OR_STRING:
            continue  # expressed as a type list below: simpler errors
        out[comb] = subs
    if "not" in node:
        out["not"] = convert(node["not"], False)
    if int_or_string:
        out["type"] = ["integer", "string"]
    if node.get("nullable") is True:
        _nullable(out)
    # Kubernetes strict field validation rejects fields the schema does not declare.
    preserve = node.get("x-kubernetes-preserve-unknown-fields") is True
    if skeleton and "properties" in node and not preserve and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


def finish_top(schema: dict[str, Any]) -> dict[str, Any]:
    """Top level: open metadata, open status, apiVersion/kind required."""
    props = schema.setdefault("properties", {})
    props["apiVersion"] = {"type": "string"}
    props["kind"] = {"type": "string"}
    props["metadata"] = OBJECT_META
    if "status" in props:
        props["status"] = OPEN_STATUS
    schema["type"] = "object"
    schema["required"] = sorted(set(schema.get("required", [])) | {"apiVersion", "kind"})
    schema["additionalProperties"] = False
    schema["$schema"] = DRAFT
    return schema


# ---------------------------------------------------------------- core kinds (hand-written)


def _obj(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    """An object that types the given fields and allows any others (no false unknown-field)."""
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": True}
    if required:
        out["required"] = required
    return out


INT_OR_STR: dict[str, Any] = {"type": ["integer", "string"]}
LABEL_SELECTOR = _obj({
    "matchLabels": STRING_MAP,
    "matchExpressions": {"type": ["array", "null"], "items": _obj({
        "key": {"type": "string"},
        "operator": {"type": "string", "enum": ["In", "NotIn", "Exists", "DoesNotExist"]},
        "values": {"type": ["array", "null"], "items": {"type": "string"}},
    }, ["key", "operator"])},
})
CONTAINER = _obj({
    "name": {"type": "string"},
    "image": {"type": "string"},
    "ports": {"type": ["array", "null"], "items": _obj({
        "name": {"type": "string"},
        "containerPort": {"type": "integer", "minimum": 1, "maximum": 65535},
        "protocol": {"type": "string", "enum": ["TCP", "UDP", "SCTP"]},
    }, ["containerPort"])},
}, ["name"])
POD_TEMPLATE = _obj({
    "metadata": OBJECT_META,
    "spec": _obj({
        "containers": {"type": "array", "items": CONTAINER},
        "initContainers": {"type": ["array", "null"], "items": CONTAINER},
    }),
})


def core_schemas() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(group, version, kind, schema) for the core kinds rolloutlint reads."""
    service = _obj({
        "spec": _obj({
            "type": {"type": "string", "enum": ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"]},
            "selector": STRING_MAP,
            "clusterIP": {"type": "string"},
            "externalName": {"type": "string"},
            "ports": {"type": ["array", "null"], "items": _obj({
                "name": {"type": "string"},
                "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                "targetPort": INT_OR_STR,
                "nodePort": {"type": "integer"},
                "protocol": {"type": "string", "enum": ["TCP", "UDP", "SCTP"]},
                "appProtocol": {"type": "string"},
            }, ["port"])},
        }),
    })
    deployment = _obj({
        "spec": _obj({
            "replicas": {"type": ["integer", "null"], "minimum": 0},
            "selector": LABEL_SELECTOR,
            "template": POD_TEMPLATE,
            "strategy": _obj({
                "type": {"type": "string", "enum": ["Recreate", "RollingUpdate"]},
                "rollingUpdate": _obj({"maxSurge": INT_OR_STR, "maxUnavailable": INT_OR_STR}),
            }),
        }),
    })
    namespace = _obj({})
    out = []
    for group, version, kind, schema in (
        ("", "v1", "Service", service),
        ("apps", "v1", "Deployment", deployment),
        ("", "v1", "Namespace", namespace),
    ):
        schema["properties"].update(
            apiVersion={"type": "string"}, kind={"type": "string"}, metadata=OBJECT_META,
            status=OPEN_STATUS,
        )
        schema["required"] = ["apiVersion", "kind"]
        schema["$schema"] = DRAFT
        out.append((group, version, kind, schema))
    return out


# ---------------------------------------------------------------- upstream metadata


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def upstream_version(src: Path, crd: dict[str, Any] | None) -> str | None:
    """Best available version label: SOURCE.md (repo + git describe/commit), else CRD labels."""
    source_md = src.parent.parent / "SOURCE.md"
    if not source_md.is_file():
        source_md = src.parent / "SOURCE.md"
    if source_md.is_file():
        text = source_md.read_text(encoding="utf-8")
        repo = re.search(r"github\.com/([\w.-]+/[\w.-]+)", text)
        describe = re.search(r"`git describe`:\s*`([^`]+)`", text)
        commit = re.search(r"commit[^`\n]*`([0-9a-f]{40})`", text, re.IGNORECASE)
        ref = describe.group(1) if describe else commit.group(1) if commit else None
        if ref:
            return f"{repo.group(1)}@{ref}" if repo else ref
    meta = (crd or {}).get("metadata", {})
    labels = {**(meta.get("annotations") or {}), **(meta.get("labels") or {})}
    for key in ("app.kubernetes.io/version", "release", "controller-gen.kubebuilder.io/version"):
        if key in labels:
            return f"{key}={labels[key]}"
    return None


# ---------------------------------------------------------------- driver


def dump(schema: dict[str, Any]) -> bytes:
    return (json.dumps(schema, sort_keys=True, separators=(",", ":")) + "\n").encode()


def load_yaml(raw: bytes) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(raw, Loader=loader)


def generate(upstream: Path) -> dict[str, bytes]:
    """Return {relative output path: bytes}, catalog.json included."""
    files: dict[str, bytes] = {}
    catalog: list[dict[str, Any]] = []

    def add(group: str, version: str, kind: str, schema: dict[str, Any],
            source: str, up_version: str | None, up_sha: str | None) -> None:
        rel = f"{group or 'core'}/{kind.lower()}_{version}.json"
        data = dump(schema)
        files[rel] = data
        catalog.append({
            "group": group, "version": version, "kind": kind,
            "apiVersion": f"{group}/{version}" if group else version,
            "file": rel, "source": source, "upstream_version": up_version,
            "upstream_sha256": up_sha, "sha256": sha256(data),
        })

    for rel_src, kind in CRD_SOURCES:
        path = upstream / rel_src
        raw = path.read_bytes()
        crd = load_yaml(raw)
        spec = crd["spec"]
        if spec["names"]["kind"] != kind:
            raise SystemExit(f"{rel_src}: expected kind {kind}, found {spec['names']['kind']}")
        for ver in spec["versions"]:
            if not ver.get("served", True):
                continue
            schema = finish_top(convert(ver["schema"]["openAPIV3Schema"]))
            add(spec["group"], ver["name"], kind, schema, rel_src,
                upstream_version(path, crd), sha256(raw))

    for rel_src, group, version, kind in JSON_SOURCES:
        path = upstream / rel_src
        raw = path.read_bytes()
        schema = finish_top(convert(json.loads(raw)))
        add(group, version, kind, schema, rel_src, upstream_version(path, None), sha256(raw))

    for group, version, kind, schema in core_schemas():
        add(group, version, kind, schema, SELF, "hand-written", None)

    catalog.sort(key=lambda e: e["file"])
    files["catalog.json"] = (json.dumps({"version": 1, "schemas": catalog}, sort_keys=True,
                                        indent=1) + "\n").encode()
    return files


def write(files: dict[str, bytes], out: Path) -> None:
    for rel, data in sorted(files.items()):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--upstream", type=Path, default=DEFAULT_UPSTREAM,
                    help="upstream data root (default: ../shared/upstream from the repo root)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: schemas/)")
    args = ap.parse_args(argv)
    if not args.upstream.is_dir():
        print(f"gen_schemas: upstream directory not found: {args.upstream}", file=sys.stderr)
        return 2
    files = generate(args.upstream)
    write(files, args.out)
    total = sum(len(d) for d in files.values())
    print(f"wrote {len(files)} files ({total} bytes) to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
