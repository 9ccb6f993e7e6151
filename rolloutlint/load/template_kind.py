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


def looks_like_jinja(text: str) -> bool:
    return bool(_JINJA.search(text) or _JINJA_EXPR.search(text)) and not _HELM_OBJECTS.search(text)


def template_message(text: str) -> str:
    return JINJA_MESSAGE if looks_like_jinja(text) else HELM_MESSAGE
