"""The catalogue's words, read from the registry (``metrics.registry``).

``definition_of`` gives a key's plain-English definition (what is counted, out of what,
over which period) as the registry declares it; ``definition_details`` the technical
definition in the docstring of the function that computes the figure (numerator,
denominator, exclusions, source), so the definitions section of a report cannot drift from
the code.
"""

from __future__ import annotations

import inspect
import re

from . import registry

_KEY_AT_START = re.compile(r"^``(?P<key>[a-z_]+(?:\.[a-z0-9_<>]+)+)``\s*(?:\(.*?\))?:?\s*", re.DOTALL)


def catalogue() -> dict[str, object]:
    """Key (with ``<code>`` placeholders as in DESIGN) -> the function that computes it."""
    return {key: metric.function for key, metric in registry.REGISTRY.items()}


def function_of(key: str):
    """The function computing ``key`` (a code key gives its pattern's); None if unknown."""
    return registry.get(key).function if registry.is_known(key) else None


def definition_of(key: str) -> str:
    """The plain-English definition of a key (registry); "definition not found" if unknown."""
    if not registry.is_known(key):
        return "definition not found"
    return registry.get(key).definition


def definition_details(key: str) -> str:
    """The defining function's docstring without its key: the technical definition
    (numerator, denominator, exclusions, source)."""
    function = function_of(key)
    if function is None:
        return ""
    paragraphs = (inspect.getdoc(function) or "").split("\n\n")
    paragraphs[0] = _KEY_AT_START.sub("", paragraphs[0], count=1)
    skip = (">>>", "Returns", "Parameters")
    return " ".join(" ".join(p.split()) for p in paragraphs if p.strip() and not p.lstrip().startswith(skip))
