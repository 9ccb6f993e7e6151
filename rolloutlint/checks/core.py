"""RL0xx: input, parsing and schema. Loader rules are reported by the engine from what the loader found;
their classes here carry the metadata, docs and selection."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rolloutlint.core.findings import Edit, Fix, Report, Severity
from rolloutlint.core.model import dig
from rolloutlint.core.rule import Rule, register


if TYPE_CHECKING:
    from rolloutlint.core.rule import Context
    from rolloutlint.core.model import Resource


@register
class YamlSyntaxError(Rule):
    """A file does not parse as YAML or JSON.

    ## What it checks
    Every file is parsed with libyaml (YAML 1.1, as Kubernetes reads it). A syntax error is reported at the
    line and column the parser stopped at; the rest of the project is still linted.

    ## Why it matters
    `kubectl apply` and Argo CD fail on the whole file (`error converting YAML to JSON`), so nothing in it
    is deployed; Argo CD marks the application `ComparisonError`.

    ## How to fix
    Fix the syntax at the reported position (indentation, an unclosed quote or bracket, a tab).

    ## Upstream
    Mirrors the YAML decoding step of `kubectl`/Argo CD (`error converting YAML to JSON: yaml: line N: ...`).
    """

    id = "RL001"
    name = "yaml-syntax-error"
    severity = Severity.ERROR
    summary = "File is not valid YAML or JSON"
    mirrors = "kubectl / Argo CD YAML decoding: `error converting YAML to JSON`"


@register
class UnreadableFile(Rule):
    """A manifest file cannot be linted safely: binary, not UTF-8/16, too large, too deep, or an alias bomb.

    ## What it checks
    Files over 10 MiB, files with NUL bytes, text that is neither UTF-8 nor BOM-marked UTF-16/32, documents
    nested more than 256 levels and documents whose aliases expand to more than a million nodes are refused
    with this finding instead of being parsed.

    ## Why it matters
    None of these can be a sensible Kubernetes manifest (etcd limits objects to about 1.5 MiB), and parsing
    them could exhaust memory or time in CI. They are usually a mis-named binary or generated output.

    ## How to fix
    Remove or rename the file, add it to `exclude` in `.rolloutlint.yaml`, or fix the encoding.

    ## Upstream
    No single upstream check: etcd's request size limit (about 1.5 MiB per object) and PyYAML/libyaml's own
    refusal of control characters are the nearest equivalents; the nesting and alias limits are ours.
    """

    id = "RL002"
    name = "unreadable-file"
    severity = Severity.ERROR
    summary = "File is binary, badly encoded, too large or too deeply nested to lint"
    mirrors = "etcd's object size limit; libyaml's control-character error (limits on nesting and aliases are ours)"


@register
class DuplicateKey(Rule):
    """A mapping sets the same key twice.

    ## What it checks
    Duplicate keys in any mapping of any document.

    ## Why it matters
    Kubernetes' strict decoding rejects the object (`key "x" already set in map`); a lenient tool silently
    keeps the last value, so what you reviewed is not what runs.

    ## How to fix
    Delete one of the two keys; keep the value you meant. When both set the same value, `--fix` deletes the
    repeated one.

    ## Upstream
    Mirrors sigs.k8s.io/yaml strict decoding: `yaml: unmarshal errors: line N: key "x" already set in map`.
    """

    id = "RL003"
    name = "duplicate-key"
    severity = Severity.ERROR
    summary = "Mapping key is set twice"
    fixable = True  # only when both values are equal: the repeated key is then deleted
    mirrors = "sigs.k8s.io/yaml strict decoding: `key \"x\" already set in map`"


@register
class NotAKubernetesObject(Rule):
    """A YAML document is not a Kubernetes object (no `apiVersion`/`kind`, or not a mapping).

    ## What it checks
    Documents that are lists or scalars, or mappings without `apiVersion` and `kind`, reported once per
    file where that is likely a mistake: the document has Kubernetes fields (`apiVersion` or `kind` as text,
    a `metadata` mapping), or the file lies in a directory that holds Kubernetes objects. Other files (a
    monorepo's compose files, app configuration, dashboards) are counted in the summary ("file(s) outside
    the manifests skipped") instead. Well-known non-manifest files (Helm values in every spelling:
    `values.yaml`, `values-*.yaml`, `*-values.yaml`, `values.*.yaml`; pre-commit and CI configuration) are
    not walked.

    ## Why it matters
    `kubectl apply` fails on them (`Object 'Kind' is missing`); in a manifests directory they are usually a
    mistake, such as a values file or a fragment meant for kustomize.

    ## How to fix
    Add `apiVersion` and `kind`, move the file out of the manifests tree, or add it to `exclude`.

    ## Upstream
    Mirrors kubectl's decoding error `Object 'Kind' is missing in '...'`.
    """

    id = "RL004"
    name = "not-a-kubernetes-object"
    severity = Severity.INFO
    summary = "Document has no apiVersion/kind and is skipped"
    mirrors = "kubectl: `Object 'Kind' is missing in ...`"


@register
class TemplateNotRendered(Rule):
    """A file is a template (Helm/Go or Jinja/Ansible), not plain YAML.

    ## What it checks
    Files that fail to parse and contain `{{ ... }}` template actions, chart templates that happen to parse,
    and Jinja/Ansible templates (`{% if %}`, `{# #}`, `{{ var | filter }}`). The message names the language:
    a Jinja template is not called Helm.

    ## Why it matters
    rolloutlint lints what the cluster receives; a template is only that after rendering. Linting it raw
    would report syntax errors that are not errors.

    ## How to fix
    Render first and lint the output: `helm template . | rolloutlint lint -` (Jinja/Ansible: the playbook's
    `template` task or `j2`), or lint the rendered directory. Exclude chart `templates/` directories in `.rolloutlint.yaml` to silence this note.

    ## Upstream
    No upstream check: `helm template` / `helm lint` render charts; kubectl fails on the raw template with
    `error converting YAML to JSON`.
    """

    id = "RL005"
    name = "template-not-rendered"
    severity = Severity.INFO
    summary = "File is a Helm/Go or Jinja/Ansible template; render it before linting"
    mirrors = "kubectl on an unrendered template: `error converting YAML to JSON`"


@register
class UnknownField(Rule):
    """A field is not part of the resource's schema.

    ## What it checks
    Every Rollout, AnalysisTemplate, ClusterAnalysisTemplate, AnalysisRun, Experiment, VirtualService,
    DestinationRule, Gateway, ServiceEntry, Argo CD Application, Service, Deployment and Namespace is
    validated against a JSON Schema generated from the upstream CRD. A field the schema does not define is
    reported at its key, with the closest valid name when one is close (`canarySubsetname` →
    `canarySubsetName`).

    ## Why it matters
    With server-side field validation (kubectl ≥ 1.27 default `Strict`), the API server rejects the object.
    With older clients the field is silently dropped: a misspelled `canarySubsetName` means the controller
    never sees it and traffic never shifts.

    ## How to fix
    Rename the field to the suggested name, or remove it.

    ## Upstream
    Mirrors Kubernetes strict decoding: `strict decoding error: unknown field "spec.x"`.
    """

    id = "RL010"
    name = "unknown-field"
    severity = Severity.ERROR
    summary = "Field is not defined by the resource's schema"
    kinds = ("*",)
    stage = 0
    fixable = True
    mirrors = "Kubernetes strict field validation: `strict decoding error: unknown field \"spec.x\"`"

    def check(self, resource: "Resource", ctx: "Context") -> Iterator[Report]:
        for prob in _schema_problems(resource):
            if prob.kind != "unknown-field":
                continue
            fix = None
            parent = dig(resource.body, *prob.path[:-1]) if prob.path[:-1] else resource.body
            # Renaming onto a key the mapping already has would write it twice: message only, no fix.
            if prob.suggestion and not (isinstance(parent, dict) and prob.suggestion in parent):
                fix = Fix(f"rename {prob.path[-1]!r} to {prob.suggestion!r}", (Edit("rename", prob.path, prob.suggestion),))
            yield self.report(resource, prob.path, prob.message, key=True, fix=fix)


@register
class SchemaViolation(Rule):
    """A value has the wrong type, is not an allowed value, or a required field is missing.

    ## What it checks
    Type, enum, required-field and other structural constraints from the generated JSON Schemas (see
    `unknown-field` for the list of kinds), reported at the offending value.

    ## Why it matters
    The API server rejects the object (`Invalid value: "string": spec.replicas in body must be of type
    integer`), so the sync fails.

    ## How to fix
    Use the type and values the message names.

    ## Upstream
    Mirrors the API server's OpenAPI validation of the CRD (`spec.x in body must be of type integer`).
    """

    id = "RL011"
    name = "schema-violation"
    severity = Severity.ERROR
    summary = "Value has the wrong type or enum, or a required field is missing"
    kinds = ("*",)
    stage = 0
    mirrors = "API server OpenAPI validation: `spec.x in body must be of type integer: \"string\"`"

    def check(self, resource: "Resource", ctx: "Context") -> Iterator[Report]:
        for prob in _schema_problems(resource):
            if prob.kind != "unknown-field":
                yield self.report(resource, prob.path, prob.message, key=prob.key)


@register
class InternalError(Rule):
    """rolloutlint itself failed on an input: a bug in rolloutlint, never in your manifests.

    ## What it checks
    A rule that raised an exception is reported here (with the rule and resource) instead of crashing the
    run, so every other finding is still reported.

    ## Why it matters
    The crashed rule did not check that resource.

    ## How to fix
    Report the message to the rolloutlint maintainers; run with `--debug` for the traceback.

    ## Upstream
    None: this is rolloutlint's own failure, never a property of the manifests.
    """

    id = "RL999"
    name = "internal-error"
    severity = Severity.ERROR
    summary = "A rule crashed; the resource was not fully checked"


def _schema_problems(resource: "Resource") -> list:
    from rolloutlint.views import schemas

    return schemas.resource_problems(resource)
