"""Domain readers the rules share (Rollout, routes, Istio hosts, analysis, Argo CD coverage, schemas): each upstream semantic written once."""
