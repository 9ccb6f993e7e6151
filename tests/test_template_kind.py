"""RL004/RL005 consistency: Helm values files in every spelling are skipped alike, and templates are named
by their language (Helm/Go or Jinja/Ansible)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rolloutlint.api import lint_paths
from rolloutlint.load.discovery import VALUES_FILE
from rolloutlint.load.template_kind import looks_like_jinja, template_message


@pytest.mark.parametrize("name", ["values.yaml", "values.yml", "values-prod.yaml", "prod-values.yaml",
                                  "values.staging.yaml", "Values-EU.yml"])
def test_values_files_are_recognised(name: str) -> None:
    assert VALUES_FILE.match(name)


@pytest.mark.parametrize("name", ["rollout.yaml", "valuesfile.yaml", "eval.yaml", "values.json", "values-.txt"])
def test_other_files_are_not_values_files(name: str) -> None:
    assert not VALUES_FILE.match(name)


def test_values_files_give_the_same_result(tmp_path: Path) -> None:
    for name in ("values.yaml", "values-prod.yaml", "prod-values.yaml"):
        (tmp_path / name).write_text("replicaCount: 3\n")
    (tmp_path / "notes.yaml").write_text("replicaCount: 3\n")
    (tmp_path / "namespace.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n")
    findings = lint_paths([str(tmp_path)], cwd=tmp_path).findings
    assert [(f.rule, Path(f.location.file).name) for f in findings] == [("RL004", "notes.yaml")]


@pytest.mark.parametrize("text", [
    "name: {{ app_name }}\n{% if x %}\na: 1\n{% endif %}\n",
    "image: {{ image | default('nginx') }}\n",
    "{# a comment #}\nkind: Service\n",
])
def test_jinja_is_not_called_helm(text: str) -> None:
    assert looks_like_jinja(text)
    assert "Jinja/Ansible" in template_message(text)


@pytest.mark.parametrize("text", [
    "name: {{ .Values.name }}\n{{- if .Values.x }}\na: 1\n{{- end }}\n",
    "image: {{ .Values.image | default \"nginx\" }}\n",
    "query: '{{args.service-name}}'\n",
    "summary: '{{ $labels.instance }} is {{ $value | humanize }}'\n",
])
def test_helm_go_and_argo_placeholders_are_not_jinja(text: str) -> None:
    assert not looks_like_jinja(text)


def test_rl005_messages(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("kind: Service\nmetadata:\n  name: {{ .Values.name }}\n{{- if .Values.x }}\n")
    (tmp_path / "b.yaml").write_text("kind: Service\nmetadata:\n  name: {{ name }}\n{% if x %}\nspec: {}\n{% endif %}\n")
    found = {Path(f.location.file).name: f.message for f in lint_paths([str(tmp_path)], cwd=tmp_path).findings
             if f.rule == "RL005"}
    assert "Helm/Go" in found["a.yaml"] and "Jinja/Ansible" in found["b.yaml"]
