"""Deployment units and their rendering: what Argo CD would apply, built with the real engines.

`units` finds the units of a repository (Argo CD Applications, ApplicationSet-generated Applications,
kustomization roots, Helm charts), `kustomize` and `helm` render them with the engines `engines`
finds, `origins` maps every rendered node back to the file and line that set it, and `build` ties it
together for the loader. Nothing here fetches anything: a unit that needs the network is a finding.
"""
