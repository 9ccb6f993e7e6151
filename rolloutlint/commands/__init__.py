"""Subcommands other than `lint`, imported lazily by `rolloutlint.cli`."""
