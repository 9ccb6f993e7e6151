"""rolloutlint: lint Argo Rollouts + Istio progressive-delivery manifests and dry-run their reconcile."""

__version__ = "0.1.0"
