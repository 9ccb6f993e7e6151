"""Controller model for ``rolloutlint simulate``: a dry-run of the Argo Rollouts canary/blueGreen reconcile.

Public API::

    simulate_rollout(rollout, *, virtual_services=None, destination_rule=None, namespace=None) -> dict
    render_text(results) -> str
    render_step_yaml(result, step) -> str
"""

from rolloutlint.simulate.render import render_step_yaml, render_text
from rolloutlint.simulate.timeline import simulate_rollout

__all__ = ["render_step_yaml", "render_text", "simulate_rollout"]
