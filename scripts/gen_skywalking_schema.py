#!/usr/bin/env python3
"""Build the SkyWalking GraphQL schema that rolloutlint ships.

Reads the upstream ``*.graphqls`` fragments, merges them into one schema,
drops every description and comment, marks the fields the SkyWalking project
documents as deprecated with ``@deprecated`` (our own wording: upstream only
mentions deprecation in comments, which graphql-core cannot see), and writes

    schemas/skywalking/query-protocol.graphql
    schemas/skywalking/SOURCE.json

The output depends only on the input bytes, so reruns are byte-identical.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_UPSTREAM = REPO_ROOT.parent / "shared" / "upstream" / "skywalking" / "query-protocol"
OUT_DIR = REPO_ROOT / "schemas" / "skywalking"

_MQE = "use execExpression (MQE, metrics v3) instead"
_V2 = f"since SkyWalking 9.5.0 (metrics v2); {_MQE}"
_V1 = f"since SkyWalking 9.5.0 (legacy metrics v1); {_MQE}"
_TOPN = "since SkyWalking 9.5.0 (legacy aggregation); use execExpression (MQE) with top_n instead"

# (type, field, reason). Reasons continue the sentence "<coordinate> is deprecated ...".
# Sources: the metrics-v2/record/metric/aggregation file headers, the Entity.scope
# and readSampledRecords comments, and SkyWalking's
# docs/en/api/query-protocol-deprecated.md (research/skywalking.md §2.1, §3.3).
DEPRECATIONS: tuple[tuple[str, str, str], ...] = (
    ("Query", "readMetricsValue", _V2),
    ("Query", "readNullableMetricsValue", _V2),
    ("Query", "readMetricsValues", _V2),
    ("Query", "readLabeledMetricsValues", _V2),
    ("Query", "readHeatMap", _V2),
    ("Query", "sortMetrics", "since SkyWalking 9.5.0 (metrics v2); use execExpression (MQE) with top_n instead"),
    ("Query", "readSampledRecords", "since SkyWalking 9.3.0; use readRecords, or execExpression (MQE) with top_n, instead"),
    ("Query", "readRecords", "since SkyWalking 9.5.0 (legacy records); use execExpression (MQE) with top_n instead"),
    ("Query", "getValues", _V1),
    ("Query", "getLinearIntValues", _V1),
    ("Query", "getMultipleLinearIntValues", _V1),
    ("Query", "getSubsetOfMultipleLinearIntValues", _V1),
    ("Query", "getThermodynamic", _V1),
    ("Query", "getServiceTopN", _TOPN),
    ("Query", "getAllServiceInstanceTopN", _TOPN),
    ("Query", "getServiceInstanceTopN", _TOPN),
    ("Query", "getAllEndpointTopN", _TOPN),
    ("Query", "getEndpointTopN", _TOPN),
    ("Entity", "scope", "since SkyWalking 9.4.0; the OAP derives the scope from the metric name, so drop it"),
    ("ServiceInstanceNode", "type", "and no longer populated"),
    ("EndpointNode", "type", "and no longer populated"),
)


def _strip_descriptions(schema) -> None:
    """Remove descriptions from every type, field, argument and enum value."""
    from graphql import (
        GraphQLEnumType,
        GraphQLInputObjectType,
        GraphQLInterfaceType,
        GraphQLObjectType,
    )

    schema.description = None
    for directive in schema.directives:
        for arg in directive.args.values():
            arg.description = None
    for named in schema.type_map.values():
        named.description = None
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)):
            for field in named.fields.values():
                field.description = None
                for arg in field.args.values():
                    arg.description = None
        elif isinstance(named, GraphQLInputObjectType):
            for field in named.fields.values():
                field.description = None
        elif isinstance(named, GraphQLEnumType):
            for value in named.values.values():
                value.description = None


def _apply_deprecations(schema) -> list[dict[str, str]]:
    applied = []
    for type_name, field_name, reason in DEPRECATIONS:
        named = schema.get_type(type_name)
        if named is None or field_name not in getattr(named, "fields", {}):
            raise SystemExit(f"deprecation target {type_name}.{field_name} not found in upstream schema")
        named.fields[field_name].deprecation_reason = reason
        applied.append({"coordinate": f"{type_name}.{field_name}", "reason": reason})
    return applied


def _upstream_commit(upstream: Path) -> str | None:
    source_md = upstream / "SOURCE.md"
    if not source_md.is_file():
        return None
    match = re.search(r"Commit:\s*`([0-9a-f]{40})`", source_md.read_text(encoding="utf-8"))
    return match.group(1) if match else None


def build(upstream: Path) -> tuple[str, dict]:
    from graphql import Source, build_ast_schema, concat_ast, parse, print_schema

    paths = sorted(upstream.glob("*.graphqls"))
    if not paths:
        raise SystemExit(f"no *.graphqls files under {upstream}")
    # Fragments use `extend type Query`, so they must be merged into one document.
    documents = [parse(Source(p.read_text(encoding="utf-8"), p.name), no_location=True) for p in paths]
    schema = build_ast_schema(concat_ast(documents))
    _strip_descriptions(schema)
    deprecations = _apply_deprecations(schema)
    sdl = print_schema(schema) + "\n"
    if '"""' in sdl or "#" in sdl:
        raise SystemExit("description or comment survived stripping")
    build_ast_schema(parse(sdl))  # the output must round-trip

    source = {
        "upstream": "https://github.com/apache/skywalking-query-protocol",
        "commit": _upstream_commit(upstream),
        "license": "Apache-2.0",
        "generator": "scripts/gen_skywalking_schema.py",
        "transform": "merged all fragments; descriptions and comments removed; @deprecated added (rolloutlint wording)",
        "inputs": [
            {"file": p.name, "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in paths
        ],
        "deprecations": deprecations,
        "output_sha256": hashlib.sha256(sdl.encode("utf-8")).hexdigest(),
    }
    return sdl, source


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", type=Path, default=DEFAULT_UPSTREAM, help="directory holding the *.graphqls files")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory")
    parser.add_argument("--check", action="store_true", help="fail if the outputs are stale instead of writing")
    opts = parser.parse_args(argv)

    sdl, source = build(opts.upstream.resolve())
    source_text = json.dumps(source, indent=2, sort_keys=False) + "\n"
    outputs = {opts.out / "query-protocol.graphql": sdl, opts.out / "SOURCE.json": source_text}
    if opts.check:
        stale = [str(p) for p, text in outputs.items() if not p.is_file() or p.read_text(encoding="utf-8") != text]
        for path in stale:
            print(f"stale: {path}", file=sys.stderr)
        return 1 if stale else 0
    opts.out.mkdir(parents=True, exist_ok=True)
    for path, text in outputs.items():
        path.write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
