"""Which template language a file that is not plain YAML is written in, so RL005 names the right renderer:
Helm/Go templates (`{{ .Values.x }}`, `{{- if }}`) or Jinja/Ansible (`{% if %}`, `{# #}`, `{{ var | filter }}`)."""

from __future__ import annotations

import re

HELM_MESSAGE = ("file is a Helm/Go template, not plain YAML; render it first "
                "(e.g. `helm template . | rolloutlint lint -`)")
JINJA_MESSAGE = ("file is a Jinja/Ansible template, not plain YAML; render it first (e.g. with the playbook's "
                 "`template` task or `j2`) and lint the output")

# Statements and comments exist only in Jinja; Go templates write `{{ if }}` and `{{/* */}}`.
_JINJA = re.compile(r"\{%-?\s*\w|\{#")
# Helm's objects (`.Values`, `$.`) never appear in Jinja, where names start with a letter.
_HELM_OBJECTS = re.compile(r"\{\{-?\s*(?:\.|\$|(?:include|template|toYaml|tpl|define|block)\b)")
# A Jinja expression: `{{ name ... }}` with a filter (`| default('x')`) or a call, and no leading dot.
_JINJA_EXPR = re.compile(r"\{\{-?\s*[A-Za-z_][\w.\[\]'\"]*\s*\|\s*[A-Za-z_]\w*\s*(?:\(|\}\}|\|)")


JINJA_PATTERNS = (_JINJA, _JINJA_EXPR)


def looks_like_jinja(text: str) -> bool:
    return bool(_JINJA.search(text) or _JINJA_EXPR.search(text)) and not _HELM_OBJECTS.search(text)


def template_message(text: str) -> str:
    return JINJA_MESSAGE if looks_like_jinja(text) else HELM_MESSAGE


def only_in_block_scalars(text: str, patterns: tuple[re.Pattern[str], ...]) -> bool:
    """Whether `text` is YAML in which every match of `patterns` lies inside a literal or folded block scalar
    (`|`, `>`): template text carried as a value (Argo Rollouts notification templates in an Application's
    `helm.values`, a ConfigMap holding a Jinja config) is plain YAML, not a template to render. Markers outside
    block scalars keep a file a template even when it happens to parse (`image: "{{ .Values.image }}"`)."""
    import bisect

    import yaml

    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    wanted = sorted({(line, offset - starts[line]) for p in patterns for m in p.finditer(text)
                     for offset in (m.start(),) for line in (bisect.bisect_right(starts, offset) - 1,)})
    if not wanted:
        return False
    blocks: list[tuple[tuple[int, int], tuple[int, int]]] = []
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            start, end = event.start_mark, event.end_mark
            if isinstance(event, yaml.ScalarEvent) and event.style in ("|", ">") and start and end:
                blocks.append(((start.line, start.column), (end.line, end.column)))
    except (yaml.YAMLError, RecursionError):
        return False
    return all(any(start < at < end for start, end in blocks) for at in wanted)
