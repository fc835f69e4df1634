"""The catalogue: which function defines each key, read from the docstrings.

Every metric function's docstring opens with its key in double back-quotes
(``visits.total``: ...), so the definitions section of a report is taken from the code
that computes the figure and cannot drift from it.
"""

from __future__ import annotations

import inspect
import re
from functools import lru_cache

from . import audits, placements, referrals, visits

_KEY_AT_START = re.compile(r"^``(?P<key>[a-z_]+(?:\.[a-z0-9_<>]+)+)``\s*(?:\(.*?\))?:?\s*", re.DOTALL)


@lru_cache(maxsize=1)
def catalogue() -> dict[str, object]:
    """Key (with ``<code>`` placeholders as in DESIGN) -> the function that computes it."""
    found = {}
    for module in (visits, referrals, placements, audits):
        for _, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__:
                continue
            match = _KEY_AT_START.match(inspect.getdoc(function) or "")
            if match:
                found.setdefault(match["key"], function)
    return found


def _pattern_for(key: str) -> str | None:
    known = catalogue()
    if key in known:
        return key
    for pattern in known:
        if "<" in pattern and key.startswith(pattern.split("<", 1)[0]):
            return pattern
    return None


def function_of(key: str):
    pattern = _pattern_for(key)
    return catalogue()[pattern] if pattern else None


def definition_of(key: str) -> str:
    """The first paragraph of the defining function's docstring, without the key itself."""
    function = function_of(key)
    if function is None:
        return "definition not found"
    doc = inspect.getdoc(function) or ""
    first = doc.split("\n\n", 1)[0]
    text = _KEY_AT_START.sub("", first, count=1)
    return " ".join(text.split())


def definition_details(key: str) -> str:
    """The rest of the docstring after the first paragraph (numerator, denominator, source)."""
    function = function_of(key)
    if function is None:
        return ""
    paragraphs = (inspect.getdoc(function) or "").split("\n\n")[1:]
    skip = (">>>", "Returns", "Parameters")
    return " ".join(" ".join(p.split()) for p in paragraphs if p.strip() and not p.lstrip().startswith(skip))
