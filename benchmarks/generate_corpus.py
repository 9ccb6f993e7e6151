"""Generate a synthetic GitOps repo: N apps, each a Rollout + Service + VirtualService + DestinationRule
in one file, plus one AnalysisTemplate per 50 apps (N=2000 → 2,040 files, 8,040 documents)."""

from __future__ import annotations

import argparse
from pathlib import Path

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
      successCondition: result[0] >= 0.95
      failureLimit: 1
      provider:
        prometheus:
          address: http://prometheus.monitoring:9090
          query: |
            sum(rate(istio_requests_total{{destination_service_name="{{{{args.service-name}}}}",destination_version="canary",response_code!~"5.*"}}[2m]))
            /
            sum(rate(istio_requests_total{{destination_service_name="{{{{args.service-name}}}}",destination_version="canary"}}[2m]))
"""


def generate(out: Path, apps: int) -> int:
    out.mkdir(parents=True, exist_ok=True)
    (out / ".rolloutlint.yaml").write_text("{}\n")
    for i in range(apps):
        ns = f"team-{i // 50:03d}"
        d = out / ns
        d.mkdir(exist_ok=True)
        (d / f"app-{i:05d}.yaml").write_text(APP.format(app=f"app-{i:05d}", ns=ns, i=i, tmpl=i // 50))
        if i % 50 == 0:
            (d / "analysis.yaml").write_text(TEMPLATE.format(t=i // 50, ns=ns))
    return apps + (apps + 49) // 50


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--apps", type=int, default=2000)
    args = ap.parse_args()
    print(f"wrote {generate(args.out, args.apps)} files to {args.out}")
