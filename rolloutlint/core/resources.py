"""Locate data shipped with the package: schemas/ and rules/ (in the wheel under rolloutlint/_data)."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def data_dir(name: str) -> Path:
    """`schemas` or `rules`: inside the installed wheel, else the source checkout beside the package."""
    package = Path(__file__).resolve().parents[1]  # rolloutlint/
    packaged = package / "_data" / name
    if packaged.is_dir():
        return packaged
    return package.parent / name
