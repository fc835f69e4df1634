"""National reference figures for England, for comparison lines on charts (domain.md section 8)."""

from __future__ import annotations

# key -> (value, label for the chart, source)
NATIONAL = {
    "placements.pct_long_term_stable": (
        69.0,
        "England 2025: 69%",
        "DfE, stability measures for children looked after in England, 2025 release "
        "(19,680 of 28,710 children looked after 2.5+ years, under 16, living with the same carer 2+ years)",
    ),
    "placements.pct_3plus_12m": (
        11.0,
        "England (older DfE data): 11%",
        "NICE quality statement 3 for looked-after children, citing older DfE data; the DfE one-year "
        "figure for 2020 to 2025 was not retrieved (domain.md section 8)",
    ),
}


def reference_line(key: str) -> tuple[float, str] | None:
    """(value, label) for ``charts`` ``reference=``, or None where no national figure is held."""
    found = NATIONAL.get(key)
    return (found[0], found[1]) if found else None


def reference_source(key: str) -> str | None:
    found = NATIONAL.get(key)
    return found[2] if found else None
