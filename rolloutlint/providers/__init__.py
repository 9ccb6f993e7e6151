"""Pure validators for Argo Rollouts metric providers (SkyWalking, Prometheus)."""

from rolloutlint.providers.skywalking import ProviderProblem

__all__ = ["ProviderProblem"]
