"""Generate synthetic GitOps repositories of several shapes (benchmarks/run.py times them).

Shapes, for N apps (N=2000 is "1x", 20000 is "10x"):

- ``clean``: each app a Rollout + Service + VirtualService + DestinationRule in one file, plus one Prometheus
  AnalysisTemplate per 50 apps (2,040 files, 8,040 documents, no findings).
- ``tsb``: the same four objects in Tetrate TSB style: the Rollout's background analysis uses a SkyWalking
  AnalysisTemplate shared by 50 Rollouts and passes a TSB service name; the VirtualService and
  DestinationRule carry ``istio.io/rev: tsb`` but no TSB annotations (2 findings per app); one app in 25
  passes the stable subset's service name, one in 25 another namespace's.
- ``findings``: a repository adopting the tool: each app file carries several mistakes of different kinds
  (route weights, subsets, missing services, pause durations, unknown fields, template args), thousands of
  findings spread over every file, as when a baseline is first written.
- ``rendered``: per 2,000 apps, 50 kustomize overlays (of 10 bases) and 20 Helm charts whose templates hold
  ``{{ .Values }}`` actions, beside 1,000 plain app files; lint treats them as it does today (rendering is
  issue 16's work).
- ``argocd``: app-of-apps: every app in its own directory, deployed by its own Argo CD Application (a
  plain directory source with self-heal), so Application coverage, namespaces and units are computed for
  2,000 Applications (one per app; a scan of every file per Application made this quadratic).
"""

from __future__ import annotations

import argparse
from pathlib import Path

SHAPES = ("clean", "tsb", "findings", "rendered", "argocd")

APP = """apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: {app}
  namespace: {ns}
  labels:
    app: {app}
spec:
  replicas: 5
  revisionHistoryLimit: 3
  selector:
    matchLabels:
      app: {app}
  template:
    metadata:
      labels:
        app: {app}
    spec:
      containers:
        - name: {app}
          image: registry.example.com/{app}:1.{i}.0
          ports:
            - containerPort: 8080
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits: {{cpu: 500m, memory: 256Mi}}
  strategy:
    canary:
      canaryMetadata:
        labels: {{version: canary}}
      stableMetadata:
        labels: {{version: stable}}
      trafficRouting:
        istio:
          virtualService:
            name: {app}
            routes: [primary]
          destinationRule:
            name: {app}
            canarySubsetName: canary
            stableSubsetName: stable
      analysis:
        templates:
          - templateName: success-rate-{tmpl}
        startingStep: 1
        args:
          - name: service-name
            value: {app}
      steps:
        - setWeight: 10
        - pause: {{duration: 1m}}
        - setWeight: 50
        - pause: {{duration: 5m}}
---
apiVersion: v1
kind: Service
metadata:
  name: {app}
  namespace: {ns}
spec:
  selector:
    app: {app}
  ports:
    - name: http
      port: 80
      targetPort: 8080
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: {app}
  namespace: {ns}
spec:
  hosts: [{app}]
  http:
    - name: primary
      route:
        - destination: {{host: {app}, subset: stable}}
          weight: 100
        - destination: {{host: {app}, subset: canary}}
          weight: 0
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: {app}
  namespace: {ns}
spec:
  host: {app}
  subsets:
    - name: stable
      labels: {{version: stable}}
    - name: canary
      labels: {{version: canary}}
"""

TEMPLATE = """apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: success-rate-{t}
  namespace: {ns}
spec:
  args:
    - name: service-name
  metrics:
    - name: success-rate
      interval: 1m
      count: 5
      successCondition: len(result) > 0 && result[0] >= 0.95  # no traffic yet: an empty vector, not an error
      failureLimit: 1
      provider:
        prometheus:
          address: http://prometheus.monitoring:9090
          query: |
            sum(rate(istio_requests_total{{destination_service_name="{{{{args.service-name}}}}",destination_version="canary",response_code!~"5.*"}}[2m]))
            /
            sum(rate(istio_requests_total{{destination_service_name="{{{{args.service-name}}}}",destination_version="canary"}}[2m]))
"""

TSB_APP = """apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: {app}
  namespace: {ns}
spec:
  replicas: 3
  selector:
    matchLabels: {{app: {app}}}
  template:
    metadata:
      labels: {{app: {app}}}
    spec:
      containers:
        - name: {app}
          image: registry.example.com/{app}:1.{i}.0
  strategy:
    canary:
      canaryMetadata:
        labels: {{version: canary}}
      stableMetadata:
        labels: {{version: stable}}
      trafficRouting:
        istio:
          virtualService: {{name: {app}, routes: [primary]}}
          destinationRule: {{name: {app}, canarySubsetName: canary, stableSubsetName: stable}}
      analysis:
        templates:
          - templateName: apdex-{tmpl}
        startingStep: 1
        args:
          - name: service-name
            value: {subset}|{app}|{ns_field}|cluster-1|-
      steps:
        - setWeight: 10
        - pause: {{duration: 1m}}
        - setWeight: 50
        - pause: {{duration: 5m}}
---
apiVersion: v1
kind: Service
metadata:
  name: {app}
  namespace: {ns}
spec:
  selector: {{app: {app}}}
  ports:
    - {{name: http, port: 80, targetPort: 8080}}
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: {app}
  namespace: {ns}
  labels: {{istio.io/rev: tsb}}
spec:
  hosts: [{app}]
  http:
    - name: primary
      route:
        - {{destination: {{host: {app}, subset: stable}}, weight: 100}}
        - {{destination: {{host: {app}, subset: canary}}, weight: 0}}
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: {app}
  namespace: {ns}
  labels: {{istio.io/rev: tsb}}
spec:
  host: {app}
  subsets:
    - {{name: stable, labels: {{version: stable}}}}
    - {{name: canary, labels: {{version: canary}}}}
"""

TSB_TEMPLATE = """apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: apdex-{t}
  namespace: {ns}
spec:
  args:
    - name: service-name
  metrics:
    - name: apdex
      interval: 1m
      count: 5
      failureLimit: 1
      successCondition: "all(result.service_apdex.values.values, {{asInt(.value) >= 9900}})"
      provider:
        skywalking:
          address: http://oap.istio-system.svc.cluster.local:12800
          interval: 3m
          query: |
            query queryData($duration: Duration!) {{
              service_apdex: readMetricsValues(
                condition: {{ name: "service_apdex", entity: {{ serviceName: "{{{{args.service-name}}}}", normal: true }} }},
                duration: $duration
              ) {{
                label
                values {{ values {{ value }} }}
              }}
            }}
"""

# Mistakes a team adopting the linter typically has, a different mix per app (i % 4) so that findings of
# many rules land in every file, at positions spread through it.
FINDINGS_APP = """apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: {app}
  namespace: {ns}
spec:
  replicas: 3
  revisionHistoryLimit: 3
  selector:
    matchLabels: {{app: {app}}}
  template:
    metadata:
      labels: {{app: {app}}}
    spec:
      containers:
        - name: {app}
          image: registry.example.com/{app}:1.{i}.0
          imagePullPolicy: {pull}
  strategy:
    canary:
      canaryService: {app}-canary
      stableService: {app}
      trafficRouting:
        istio:
          virtualService: {{name: {app}, routes: [primary{extra_route}]}}
          destinationRule: {{name: {app}, canarySubsetName: canary, stableSubsetName: stable}}
      analysis:
        templates:
          - templateName: {template}
        args:
          - {{name: service-name, value: {app}}}{extra_arg}
      steps:
        - setWeight: {w1}
        - pause: {{duration: {pause}}}
        - setWeight: 50
        - pause: {{duration: 5m}}
---
apiVersion: v1
kind: Service
metadata:
  name: {app}
  namespace: {ns}
spec:
  selector: {{app: {selector}}}
  ports:
    - {{name: http, port: 80, targetPort: 8080}}
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: {app}
  namespace: {ns}
spec:
  hosts: [{app}]
  http:
    - name: primary
      route:
        - {{destination: {{host: {app}, subset: stable}}, weight: {vs1}}}
        - {{destination: {{host: {app}, subset: {canary_subset}}}, weight: 10}}
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata:
  name: {app}
  namespace: {ns}
spec:
  host: {app}
  subsets:
    - {{name: stable, labels: {{version: stable}}}}
    - {{name: canary, labels: {{version: canary}}}}
"""

KUSTOMIZE_BASE = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - rollout.yaml
  - service.yaml
"""

KUSTOMIZE_OVERLAY = """apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: {ns}
namePrefix: {prefix}-
resources:
  - ../../bases/{base}
patches:
  - target: {{kind: Rollout, name: {base}}}
    patch: |
      - op: replace
        path: /spec/replicas
        value: {replicas}
"""

BASE_SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: {app}
spec:
  selector: {{app: {app}}}
  ports:
    - {{name: http, port: 80, targetPort: 8080}}
"""

BASE_ROLLOUT = """apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: {app}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: {app}}}
  template:
    metadata:
      labels: {{app: {app}}}
    spec:
      containers:
        - name: {app}
          image: registry.example.com/{app}:1.0.0
  strategy:
    canary:
      steps:
        - setWeight: 20
        - pause: {{duration: 1m}}
"""

CHART = """apiVersion: v2
name: {chart}
version: 0.1.{i}
appVersion: "1.0"
"""

CHART_VALUES = """replicaCount: 3
image:
  repository: registry.example.com/{chart}
  tag: "1.0.{i}"
canary:
  steps: [10, 50]
"""

CHART_ROLLOUT = """apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: {{{{ include "{chart}.fullname" . }}}}
  labels:
    {{{{- include "{chart}.labels" . | nindent 4 }}}}
spec:
  replicas: {{{{ .Values.replicaCount }}}}
  selector:
    matchLabels:
      app: {{{{ .Release.Name }}}}
  template:
    metadata:
      labels:
        app: {{{{ .Release.Name }}}}
    spec:
      containers:
        - name: app
          image: "{{{{ .Values.image.repository }}}}:{{{{ .Values.image.tag }}}}"
  strategy:
    canary:
      steps:
      {{{{- range .Values.canary.steps }}}}
        - setWeight: {{{{ . }}}}
        - pause: {{duration: 1m}}
      {{{{- end }}}}
"""

CHART_SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: {{{{ include "{chart}.fullname" . }}}}
spec:
  selector:
    app: {{{{ .Release.Name }}}}
  ports:
    - name: http
      port: 80
      targetPort: 8080
"""

CHART_HELPERS = """{{{{- define "{chart}.fullname" -}}}}
{{{{ .Release.Name }}}}-{chart}
{{{{- end }}}}
{{{{- define "{chart}.labels" -}}}}
app.kubernetes.io/name: {chart}
{{{{- end }}}}
"""


def _app_files(out: Path, apps: int, shape: str) -> int:
    files = 0
    for i in range(apps):
        ns = f"team-{i // 50:03d}"
        d = out / ns
        d.mkdir(exist_ok=True)
        app = f"app-{i:05d}"
        if shape == "tsb":
            # One app in 25 measures its stable subset (RL437), one in 25 names another namespace (RL436).
            text = TSB_APP.format(app=app, ns=ns, i=i, tmpl=i // 50, subset="stable" if i % 25 == 7 else "canary",
                                  ns_field="elsewhere" if i % 25 == 13 else ns)
        elif shape == "findings":
            k = i % 4
            text = FINDINGS_APP.format(
                app=app, ns=ns, i=i,
                pull="Always" if k else "Sometimes",  # schema enum
                extra_route=", secondary" if k == 1 else "",  # RL303 route not found
                template=f"success-rate-{i // 50}" if k != 2 else "no-such-template",  # RL401
                extra_arg="\n          - {name: unused, value: x}" if k == 3 else "",  # RL403
                w1=10 if k != 0 else 110,  # RL142
                pause="1m" if k != 1 else "1d",  # RL143
                selector=app if k != 2 else f"{app}-other",  # service selector mismatch
                vs1=100 if k != 3 else 80,  # weights not 100
                canary_subset="canary" if k != 0 else "canary-v2",  # RL200 subset not found
            )
        else:
            text = APP.format(app=app, ns=ns, i=i, tmpl=i // 50)
        (d / f"{app}.yaml").write_text(text)
        files += 1
        if i % 50 == 0:
            t = TSB_TEMPLATE if shape == "tsb" else TEMPLATE
            (d / "analysis.yaml").write_text(t.format(t=i // 50, ns=ns))
            files += 1
    return files


ARGO_APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {app}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://git.example.invalid/gitops.git
    targetRevision: main
    path: apps/{app}
  destination:
    server: https://kubernetes.default.svc
    namespace: {ns}
  syncPolicy:
    automated:
      selfHeal: true
"""


def _argocd_apps(out: Path, apps: int) -> int:
    """Every app in its own directory with its own Application (and the shared templates beside them)."""
    files = 0
    (out / "argocd").mkdir(exist_ok=True)
    for i in range(apps):
        ns = f"team-{i // 50:03d}"
        app = f"app-{i:05d}"
        d = out / "apps" / app
        d.mkdir(parents=True, exist_ok=True)
        (d / "rollout.yaml").write_text(APP.format(app=app, ns=ns, i=i, tmpl=i // 50))
        (out / "argocd" / f"{app}.yaml").write_text(ARGO_APP.format(app=app, ns=ns))
        files += 2
        if i % 50 == 0:
            (d / "analysis.yaml").write_text(TEMPLATE.format(t=i // 50, ns=ns))
            files += 1
    return files


def _rendered_sources(out: Path, apps: int) -> int:
    """50 kustomize overlays over 10 bases and 20 Helm charts per 2,000 apps."""
    files = 0
    scale = max(1, apps // 2000)
    bases = 10 * scale
    for b in range(bases):
        d = out / "kustomize" / "bases" / f"svc-{b:03d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / "kustomization.yaml").write_text(KUSTOMIZE_BASE)
        (d / "rollout.yaml").write_text(BASE_ROLLOUT.format(app=f"svc-{b:03d}"))
        (d / "service.yaml").write_text(BASE_SERVICE.format(app=f"svc-{b:03d}"))
        files += 3
    for o in range(50 * scale):
        d = out / "kustomize" / "overlays" / f"env-{o:04d}"
        d.mkdir(parents=True, exist_ok=True)
        # Overlays live two levels below kustomize/, so their base is ../../bases/<name>.
        (d / "kustomization.yaml").write_text(KUSTOMIZE_OVERLAY.format(
            ns=f"env-{o:04d}", prefix=f"e{o:04d}", base=f"svc-{o % bases:03d}", replicas=2 + o % 5))
        files += 1
    for c in range(20 * scale):
        chart = f"chart-{c:03d}"
        d = out / "charts" / chart
        (d / "templates").mkdir(parents=True, exist_ok=True)
        (d / "Chart.yaml").write_text(CHART.format(chart=chart, i=c))
        (d / "values.yaml").write_text(CHART_VALUES.format(chart=chart, i=c))
        (d / "templates" / "rollout.yaml").write_text(CHART_ROLLOUT.format(chart=chart))
        (d / "templates" / "service.yaml").write_text(CHART_SERVICE.format(chart=chart))
        (d / "templates" / "_helpers.tpl").write_text(CHART_HELPERS.format(chart=chart))
        files += 5
    return files


def generate(out: Path, apps: int, shape: str = "clean") -> int:
    """Write the corpus under ``out``; returns the number of files written."""
    if shape not in SHAPES:
        raise ValueError(f"unknown shape {shape!r}; one of {', '.join(SHAPES)}")
    out.mkdir(parents=True, exist_ok=True)
    config = "{}\n"
    if shape == "tsb":
        config = "istio:\n  revision: tsb\nskywalking:\n  cluster: cluster-1\n"
    (out / ".rolloutlint.yaml").write_text(config)
    if shape == "rendered":
        return _app_files(out, apps // 2, "clean") + _rendered_sources(out, apps)
    if shape == "argocd":
        return _argocd_apps(out, apps)
    return _app_files(out, apps, shape)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--apps", type=int, default=2000)
    ap.add_argument("--shape", choices=SHAPES, default="clean")
    args = ap.parse_args()
    print(f"wrote {generate(args.out, args.apps, args.shape)} files to {args.out}")
