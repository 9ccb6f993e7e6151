"""Small fixture builders shared by the integration tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

ROLLOUT = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: {name}
spec:
  replicas: 5
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: {name}
          image: {name}:v2
  strategy:
    canary:
      steps:
        - setWeight: 20
"""


def rollout(name: str = "reviews", extra: str = "") -> str:
    """A valid Rollout; `extra` lines are appended under `spec.strategy.canary`."""
    return ROLLOUT.format(name=name) + textwrap.indent(textwrap.dedent(extra), "      ")


# Tests here exercise the integrations, not the rules: only the RL0xx input/schema rules run, so rules other
# issues add later cannot change the expected findings.
CONFIG = "select: [RL0]\n"


def write_tree(root: Path, files: dict[str, str], config: str | None = CONFIG) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if config is not None:
        (root / ".rolloutlint.yaml").write_text(config)
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root
