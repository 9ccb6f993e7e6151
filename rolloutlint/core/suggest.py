"""Did you mean" hints for rule selectors: from the family the text names, not merely the closest string.

`difflib` alone suggests `service-not-found` for `subset-not-found` (same letters) and `RL310` for `RL3O1`
(a tie it breaks by string order). A user who types part of a name means the rules whose names contain it;
a user who types an id with a letter O for a zero means that id.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from difflib import get_close_matches

# Characters typed for digits: O for 0, I/l for 1.
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1"})
_ID_SHAPE = re.compile(r"^([A-Za-z]+?)([0-9OoIl]+)$")
MAX_HINTS = 5


def _hamming1(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b)) == 1


def rule_suggestions(text: str, ids: Iterable[str], names: Iterable[str]) -> list[str]:
    """Up to MAX_HINTS rule ids or names that `text` most likely meant, best first."""
    ids, names = list(ids), list(names)
    text = text.strip()
    shape = _ID_SHAPE.match(text)
    if shape:
        fixed = shape.group(1).upper() + shape.group(2).translate(_DIGIT_LOOKALIKES)
        by_upper = {i.upper(): i for i in ids}
        if fixed.upper() in by_upper:
            return [by_upper[fixed.upper()]]
        near = [i for i in ids if _hamming1(i.upper(), fixed.upper())]  # one digit mistyped
        if near:
            return near[:MAX_HINTS]
    low = text.lower()
    # A fragment of a kebab-case name: every name that contains it as whole words.
    if low and not shape:
        family = [n for n in names if n == low or n.endswith("-" + low) or n.startswith(low + "-") or f"-{low}-" in n]
        if family:
            return sorted(family, key=lambda n: (len(n), n))[:MAX_HINTS]
    return get_close_matches(text, ids + names, n=1, cutoff=0.6)


def hint_text(hints: list[str]) -> str:
    """` (did you mean 'x'?)`, ` (did you mean one of 'x', 'y'?)` or ''."""
    if not hints:
        return ""
    if len(hints) == 1:
        return f" (did you mean {hints[0]!r}?)"
    return f" (did you mean one of {', '.join(repr(h) for h in hints)}?)"


def rule_hint(text: str, rules: Iterable[Any]) -> str:
    """The hint for `text` among `rules` (a run's rule set: the built-ins and the project's policies)."""
    rules = list(rules)
    return hint_text(rule_suggestions(text, [r.id for r in rules], [r.name for r in rules]))
