"""Vocabulary and the rule API: model, findings, positions, sources, index, config, Context. Imports nothing above it."""
