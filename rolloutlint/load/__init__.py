"""From paths to loaded files and resources: discovery, YAML loading (libyaml + fast path), namespaces, partial-lint relevance."""
