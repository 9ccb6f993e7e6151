"""``rolloutlint plan``: what a Git change will make the Argo Rollouts controller do, Rollout by Rollout."""
