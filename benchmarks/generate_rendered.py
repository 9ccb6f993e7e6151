"""A generated repository of deployment units: 50 kustomize overlays over 10 bases and 20 Helm charts,
each deployed by an Argo CD Application, for measuring the cost of rendering (issue 16).

    python benchmarks/generate_rendered.py /tmp/rendered-repo
    rolloutlint lint /tmp/rendered-repo --debug          # cold: every unit rendered
    rolloutlint lint /tmp/rendered-repo                  # warm: every render from the cache
    rolloutlint lint /tmp/rendered-repo --no-render      # raw files, for comparison
"""

from __future__ import annotations

import sys
from pathlib import Path

ROLLOUT = """apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: {name}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
        - name: app
          image: example.com/{name}:1.0.0
  strategy:
    canary:
      canaryService: {name}-canary
      stableService: {name}-stable
      trafficRouting:
        istio:
          virtualService:
            name: {name}
            routes: [primary]
      steps:
        - setWeight: 20
        - pause: {{duration: 60}}
"""
SERVICES = """apiVersion: v1
kind: Service
metadata:
  name: {name}-canary
spec:
  selector: {{app: {name}}}
  ports: [{{name: http, port: 80}}]
---
apiVersion: v1
kind: Service
metadata:
  name: {name}-stable
spec:
  selector: {{app: {name}}}
  ports: [{{name: http, port: 80}}]
---
apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata:
  name: {name}
spec:
  hosts: [{name}.example.com]
  http:
    - name: primary
      route:
        - destination: {{host: {name}-stable}}
          weight: 100
        - destination: {{host: {name}-canary}}
          weight: 0
"""
APP = """apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {name}
  namespace: argocd
spec:
  project: default
  source:
    repoURL: https://example.com/repo.git
    path: {path}
{extra}  destination:
    server: https://kubernetes.default.svc
    namespace: {namespace}
"""


def generate(root: Path, bases: int = 10, overlays_per_base: int = 5, charts: int = 20) -> None:
    (root / ".rolloutlint.yaml").parent.mkdir(parents=True, exist_ok=True)
    (root / ".rolloutlint.yaml").write_text("{}\n")
    for b in range(bases):
        name = f"svc{b}"
        base = root / "kustomize" / name / "base"
        base.mkdir(parents=True, exist_ok=True)
        (base / "rollout.yaml").write_text(ROLLOUT.format(name=name))
        (base / "services.yaml").write_text(SERVICES.format(name=name))
        (base / "kustomization.yaml").write_text("resources: [rollout.yaml, services.yaml]\n")
        for o in range(overlays_per_base):
            env = f"env{o}"
            overlay = root / "kustomize" / name / "overlays" / env
            overlay.mkdir(parents=True, exist_ok=True)
            (overlay / "kustomization.yaml").write_text(
                f"namespace: {env}\nresources: [../../base]\npatches:\n  - path: replicas.yaml\n")
            (overlay / "replicas.yaml").write_text(
                f"apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: {name}\nspec:\n  replicas: {o + 1}\n")
            (root / "apps").mkdir(exist_ok=True)
            (root / "apps" / f"{name}-{env}.yaml").write_text(APP.format(
                name=f"{name}-{env}", path=f"kustomize/{name}/overlays/{env}", extra="", namespace=env))
    for c in range(charts):
        name = f"chart{c}"
        chart = root / "charts" / name
        (chart / "templates").mkdir(parents=True, exist_ok=True)
        (chart / "Chart.yaml").write_text(f"apiVersion: v2\nname: {name}\nversion: 0.1.0\n")
        (chart / "values.yaml").write_text("replicas: 2\n")
        (chart / "values-prod.yaml").write_text("replicas: 3\n")
        (chart / "templates" / "rollout.yaml").write_text(
            ROLLOUT.format(name="{{ .Release.Name }}").replace("replicas: 2", "replicas: {{ .Values.replicas }}"))
        (chart / "templates" / "services.yaml").write_text(SERVICES.format(name="{{ .Release.Name }}"))
        (root / "apps" / f"{name}.yaml").write_text(APP.format(
            name=name, path=f"charts/{name}", namespace="charts",
            extra="    helm:\n      valueFiles: [values-prod.yaml]\n"))


if __name__ == "__main__":
    generate(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/rolloutlint-rendered"))
