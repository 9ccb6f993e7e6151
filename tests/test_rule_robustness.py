"""Rules never crash on wrongly typed values: every rule example, mutated at random (seeded), must lint
without an RL999 internal-error finding. Structural problems are the schema rules' job; other rules must
read manifests defensively."""

from __future__ import annotations

import copy
import random
from pathlib import Path
from typing import Any

import yaml

from rolloutlint.api import lint_paths

RULES = Path(__file__).resolve().parents[1] / "rules"
WRONG = [None, 0, -5, 101, "x", "", [], {}, True, 1.5, "25%", [None], {"a": None}]


def _paths(value: Any, path: tuple = ()) -> list[tuple]:  # type: ignore[type-arg]
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, path + (i,))
    return out


def _set(value: Any, path: tuple, new: Any) -> None:  # type: ignore[type-arg]
    for k in path[:-1]:
        value = value[k]
    value[path[-1]] = new


def test_mutated_examples_never_crash_a_rule(tmp_path: Path) -> None:
    groups = []
    for f in sorted(RULES.glob("RL*/*.yaml")):
        try:
            groups.append([d for d in yaml.safe_load_all(f.read_text()) if isinstance(d, dict)])
        except yaml.YAMLError:
            continue
    rng = random.Random(20261122)
    (tmp_path / ".rolloutlint.yaml").write_text("{}\n")
    crashes = []
    for _ in range(120):
        docs = copy.deepcopy(rng.choice(groups))
        for doc in docs:
            candidates = [p for p in _paths(doc) if p]
            for _ in range(rng.randint(1, 4)):
                if candidates:
                    try:  # an earlier mutation may have replaced this path's parent
                        _set(doc, rng.choice(candidates), copy.deepcopy(rng.choice(WRONG)))
                    except (TypeError, KeyError, IndexError):
                        pass
        (tmp_path / "m.yaml").write_text(yaml.safe_dump_all(docs))
        result = lint_paths([str(tmp_path)], cwd=tmp_path)
        crashes += [f.message for f in result.findings if f.rule == "RL999"]
    assert not crashes, crashes[:5]
